import { PostgresAdapter, type Kysely } from 'kysely';
import { openPostgres } from './dialect-postgres';
import { openSqlite } from './dialect-sqlite';
export { sqliteBulk, type SqliteBulk } from './dialect-sqlite';
import type { Database, Tx } from './schema';

export type DialectName = 'sqlite' | 'postgres';

/** A postgres:// or postgresql:// URL selects PostgreSQL; anything else is a SQLite file (or ':memory:'). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Opens the store named by `--db` / SWITCHBOARD_DB. */
export function openDatabase(location: string): Kysely<Database> {
  return isPostgresUrl(location) ? openPostgres(location) : openSqlite(location);
}

/**
 * Which dialect a handle (or a transaction of it) speaks, for the few statements that must differ. Read from
 * the executor's adapter, so a transaction answers like the database it came from.
 */
export function dialectOf(db: Tx | Kysely<unknown>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** The store named in words safe to print: a PostgreSQL URL loses its password (and its query, which may hold one). */
export function describeLocation(location: string): string {
  if (!isPostgresUrl(location)) return `SQLite ${location}`;
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    u.search = '';
    return `PostgreSQL ${u.toString()}`;
  } catch {
    return 'PostgreSQL (a URL that does not parse: check --db / SWITCHBOARD_DB)';
  }
}
