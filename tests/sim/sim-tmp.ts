import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * Where the simulation keeps its databases: memory-backed when the machine has it (Linux /dev/shm), since a
 * run opens, kills and reopens dozens of SQLite files and waiting on the disk would dominate it. SQLite's
 * crash semantics (WAL, what a killed handle leaves) are the same there.
 */
export const simTmp = (): string => (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
