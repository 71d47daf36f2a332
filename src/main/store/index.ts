import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrate';
import { migrations } from './migrations';
import { StoreReader } from './read';
import { StoreWriter } from './write';

export { StoreReader } from './read';
export { StoreWriter, type Touched } from './write';
export type { LoggedBy } from './interaction-write';
export { RANK_WINDOW, TOTAL_CAP, type ResolvedTicketQuery } from './search';
export { META, type OutboxEntry, type SyncMeta } from './types';

export interface LocalStore {
  readonly path: string;
  readonly read: StoreReader;
  readonly write: StoreWriter;
  close(): void;
}

/** chmod 0600 the database and its -wal and -shm files, those that exist. */
function ownerOnly(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

/**
 * Open (creating and migrating if needed) the replica at `path`: one writing connection and one
 * read-only connection, WAL so reads never wait for a write.
 */
export function openStore(path: string): LocalStore {
  // The replica holds customers' names and numbers: owner-only, also where an older version (or the umask)
  // left it readable by others. SQLite gives the -wal and -shm files the database file's mode.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  closeSync(openSync(path, 'a', 0o600));
  ownerOnly(path);
  const w = new Database(path);
  w.pragma('journal_mode = WAL');
  ownerOnly(path);
  w.pragma('synchronous = NORMAL');
  w.pragma('foreign_keys = ON');
  w.pragma('busy_timeout = 5000');
  // A first sync writes ~150 MB through this connection. With SQLite's 2 MB default the index pages it
  // touches at random kept being spilled and re-read, and a checkpoint (with its fsync) every 4 MB of WAL
  // made commits the largest cost: 64 MB and a 40 MB WAL took applying a 100,000-ticket first sync
  // (5,000-change pages) from 26 s to 14 s on the 2-core CI machine.
  w.pragma('cache_size = -65536');
  w.pragma('wal_autocheckpoint = 10000');
  try {
    migrate(w, migrations);
  } catch (e) {
    w.close();
    throw e;
  }
  const write = new StoreWriter(w);
  // A first sync that stopped half way (crash, quit) left its indexes down: build them now, so this replica
  // searches and reads at full speed even if it stays offline.
  write.finishBulkLoad();
  const r = new Database(path, { readonly: true });
  r.pragma('busy_timeout = 5000');
  r.pragma('cache_size = -32000');
  return {
    path,
    read: new StoreReader(r),
    write,
    close() {
      r.close();
      w.close();
    },
  };
}
