import { PostgresAdapter, type Kysely } from 'kysely';
import { openPostgres } from './dialect-postgres';
import { openSqlite } from './dialect-sqlite';
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

/** A location safe to print: a PostgreSQL URL without its password. */
export function describeLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
