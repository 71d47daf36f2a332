// Types of scripts/postgres.mjs for the TypeScript that imports it (the test harness, later npm run cluster).
export interface RunningPostgres {
  /** postgres:// URL of the cluster's `postgres` database, as its superuser `switchboard`. */
  url: string;
  port: number;
  dir: string;
  /** Stops the cluster (immediate shutdown) and removes its folder unless started with keep. */
  stop(): void;
}
export function postgresBinDir(): string;
export function startPostgres(opts?: {
  dir?: string;
  port?: number;
  keep?: boolean;
  maxConnections?: number;
}): Promise<RunningPostgres>;
export function databaseUrl(url: string, name: string): string;
