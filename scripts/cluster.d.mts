// Types of scripts/cluster.mjs for the TypeScript that imports it (tests/cluster).
import type { ChildProcess } from 'node:child_process';

export interface ClusterNode {
  url: string;
  port: number;
  pid: number | undefined;
  /** Signals the node's process (default SIGKILL: it dies as a crashed machine would, nothing tidied). */
  kill(signal?: NodeJS.Signals): boolean;
  process: ChildProcess;
}
export interface RunningCluster {
  /** HAProxy's address: the one address desktops sign in to. */
  url: string;
  nodes: ClusterNode[];
  /** The postgres:// URL of the nodes' database. */
  db: string;
  dir: string;
  haproxyPid: number | undefined;
  /** Stops HAProxy, every node and the throwaway PostgreSQL, and removes the folder. */
  stop(): void;
}
export function haproxyConfig(opts: { port: number; nodes: { port: number }[]; balance?: string }): string;
export function startCluster(opts?: {
  nodes?: number;
  db?: string;
  seed?: 'demo' | 'none';
  prepare?: (dbUrl: string) => Promise<void>;
  port?: number;
  balance?: string;
  nodeArgs?: string[];
  /** Node's own flags for every node process (e.g. --cpu-prof). */
  execArgv?: string[];
  env?: Record<string, string>;
  log?: (line: string) => void;
}): Promise<RunningCluster>;
