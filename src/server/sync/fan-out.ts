import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { ServerOptions } from 'socket.io';

/**
 * socket.io across the service nodes of one PostgreSQL database: @socket.io/postgres-adapter over LISTEN/NOTIFY
 * on that same database, so several nodes need nothing more than the store they already share (see
 * sync/README.md). Its own small pool: one connection stays in LISTEN, the other sends NOTIFYs.
 */
export function postgresFanOut(
  url: string,
  log: (line: string) => void,
): { adapter: NonNullable<ServerOptions['adapter']>; close(): Promise<void> } {
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    connectionTimeoutMillis: 10_000,
    application_name: 'switchboard-fan-out',
  });
  // An idle client whose server went away emits 'error' on the pool; the adapter reconnects by itself.
  pool.on('error', () => {});
  const adapter = createAdapter(pool, {
    errorHandler: (e: Error) => log(`socket fan-out to the other nodes failed: ${e.message}`),
  }) as unknown as NonNullable<ServerOptions['adapter']>;
  return { adapter, close: () => pool.end() };
}
