import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from './schema';

/**
 * The only place that touches better-sqlite3: opens the file with the settings a server store needs and
 * hands back a typed Kysely handle. PostgreSQL would be a sibling of this file.
 */
export function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL'); // readers do not block the one writer
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  cachePreparedStatements(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  handles.set(db, database);
  return db;
}

const handles = new WeakMap<Kysely<Database>, SQLite.Database>();

/**
 * A second, read-only handle on a server store file, for a worker thread that reads while the service's own
 * connection writes (WAL: the reader sees the last commit, never blocks the writer). Nothing is set that writes.
 */
export function openSqliteReader(path: string): Kysely<Database> {
  const database = new SQLite(path, { readonly: true, fileMustExist: true });
  database.pragma('busy_timeout = 5000');
  cachePreparedStatements(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  handles.set(db, database);
  return db;
}

/**
 * Bulk access under a SQLite handle, for the one job that walks a million rows (the SLA recompute): rows as
 * arrays and one prepared statement per row, without Kysely's row objects and a promise per statement.
 * Kysely's SQLite dialect has one connection, so these run inside a `db.transaction()` in progress. Undefined
 * for PostgreSQL: callers keep a Kysely path for it.
 */
export interface SqliteBulk {
  /** Every row of a SELECT, each as an array of its columns in order. */
  rows<Row extends unknown[]>(source: string, params: readonly unknown[]): Row[];
  /** Runs one statement once per parameter list. */
  runEach(source: string, paramLists: Iterable<readonly unknown[]>): void;
  /** One statement prepared, run with each call's parameters (a million rows need no list of them first). */
  statement(source: string): (...params: unknown[]) => void;
  /** The database file, or null for an in-memory store (which no other connection can open). */
  file: string | null;
}

export function sqliteBulk(db: Kysely<Database>): SqliteBulk | undefined {
  const database = handles.get(db);
  if (!database) return undefined;
  return {
    rows: <Row extends unknown[]>(source: string, params: readonly unknown[]) =>
      database
        .prepare(source)
        .raw(true)
        .all(...params) as Row[],
    runEach: (source, paramLists) => {
      const statement = database.prepare(source);
      for (const p of paramLists) statement.run(...p);
    },
    statement: (source) => {
      const statement = database.prepare(source);
      return (...params) => void statement.run(...params);
    },
    file: database.memory || database.name === '' ? null : database.name,
  };
}
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs about as much as running a small
 * query. Statements are kept per SQL text (the most recently used 500), which is safe because the driver
 * runs each one to completion synchronously before the next.
 */
function cachePreparedStatements(database: SQLite.Database): void {
  const prepare = database.prepare.bind(database);
  const cache = new Map<string, SQLite.Statement>();
  database.prepare = ((source: string) => {
    const hit = cache.get(source);
    if (hit) {
      cache.delete(source);
      cache.set(source, hit);
      return hit;
    }
    const statement = prepare(source);
    cache.set(source, statement);
    if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return statement;
  }) as SQLite.Database['prepare'];
}
