import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema';

/** int8 (count(*), sum()) and numeric (avg()) come back from the driver as strings to keep precision. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * The only place that touches the `pg` driver: a pool on a postgres:// URL under Kysely's PostgresDialect, the
 * sibling of dialect-sqlite.ts. Columns are int4 and text, so rows read back exactly as SQLite gives them; the
 * aggregates that PostgreSQL widens to int8 or numeric are parsed to numbers here, per pool (the driver's
 * global parsers would change them for every other pg user in the process too). Counts and sums of this
 * service stay far below 2^53.
 */
export function openPostgres(url: string, opts: { maxConnections?: number } = {}): Kysely<Database> {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID || oid === NUMERIC_OID
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    types,
    // A node that cannot reach its database should say so rather than hang a request forever.
    connectionTimeoutMillis: 10_000,
    application_name: 'switchboard',
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
