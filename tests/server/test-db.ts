import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster of tests/server/postgres-setup.ts (postgres:// URL of its `postgres` database). */
    pgUrl: string;
  }
}

/**
 * The store the server tests run on: SWITCHBOARD_TEST_DB=postgres (npm run test:pg) gives each test server a
 * fresh database on the run's PostgreSQL cluster; anything else a SQLite file in a temp folder, as before.
 */
export const TEST_DIALECT: 'sqlite' | 'postgres' =
  process.env.SWITCHBOARD_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  /** What the server's --db takes: a file path or a postgres:// URL. */
  location: string;
  /** Removes the database (the file's folder, or DROP DATABASE). */
  drop(): Promise<void>;
}

/** The cluster's URL: the one vitest's globalSetup started, or SWITCHBOARD_TEST_PG_URL (an existing one). */
function clusterUrl(): string {
  const url = process.env.SWITCHBOARD_TEST_PG_URL || inject('pgUrl');
  if (!url)
    throw new Error(
      'SWITCHBOARD_TEST_DB=postgres needs a cluster: run `npm run test:pg` (it starts one), or set ' +
        'SWITCHBOARD_TEST_PG_URL to a PostgreSQL URL whose user may create databases.',
    );
  return url;
}

async function asClusterAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clusterUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database of the test dialect; `pgOptions` is appended to PostgreSQL's CREATE DATABASE. */
export async function freshDatabase(pgOptions = ''): Promise<TestDatabase> {
  if (TEST_DIALECT === 'postgres') {
    const name = `switchboard_test_${randomBytes(6).toString('hex')}`;
    await asClusterAdmin((c) => c.query(`CREATE DATABASE ${name} ${pgOptions}`));
    const url = new URL(clusterUrl());
    url.pathname = `/${name}`;
    return {
      location: url.toString(),
      drop: () =>
        asClusterAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-server-'));
  return {
    location: join(dir, 'server.sqlite'),
    drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
}

/**
 * A scratch database for store-level tests (what ':memory:' was): opened, plus a close() that also drops it.
 */
export async function scratchDb(): Promise<{ db: Db; location: string; close(): Promise<void> }> {
  const target = await freshDatabase();
  const db = openDatabase(target.location);
  return {
    db,
    location: target.location,
    close: async () => {
      await db.destroy();
      await target.drop();
    },
  };
}
