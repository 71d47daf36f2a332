import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Server, ServerOptions } from 'socket.io';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * socket.io across the service nodes of one PostgreSQL database: @socket.io/postgres-adapter over LISTEN/NOTIFY
 * on that same database, so several nodes need nothing more than the store they already share (see
 * sync/README.md). Its own small pool: one connection stays in LISTEN, the other sends NOTIFYs.
 */
export function postgresFanOut(url: string, log: (line: string) => void) {
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
  return {
    adapter,
    /**
     * Waits until this node LISTENs, so it hears every poke from the moment it serves desktops, and so that
     * closing it cannot race the adapter's connection (one acquired after close is never given back, and the
     * pool would wait for it forever). The adapter does not say when it listens: its connection is read from
     * its (untyped) fields. False after `ms` without it (the adapter keeps trying on its own).
     */
    async listening(io: Server, ms = 10_000): Promise<boolean> {
      const subscriber = () =>
        (io.of('/').adapter as unknown as { client?: { client?: unknown } }).client?.client;
      for (const deadline = Date.now() + ms; subscriber() === undefined; await sleep(10))
        if (Date.now() > deadline) return false;
      return true;
    },
    /** After io.close(), which gives the LISTEN connection back. */
    close: () => Promise.race([pool.end(), sleep(5000)]),
  };
}
