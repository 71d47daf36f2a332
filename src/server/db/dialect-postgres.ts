import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema';

/** int8 (count(*), sum()) and numeric (avg()) come back from the driver as strings to keep precision. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Statements one connection keeps prepared at most: the service has a few hundred distinct ones. */
const NAMED_PER_CONNECTION = 500;

/**
 * A connection that prepares each distinct parameterised statement once, under a name, and then only binds and
 * executes it. Kysely sends statements unnamed, which PostgreSQL parses, analyses and plans anew every time:
 * half of the database's CPU for the short statements of a push (a replay of 10,000 offline edits runs 80,000
 * of them). The names are per connection and bounded (NAMED_PER_CONNECTION, then statements go unnamed), so
 * statements whose text varies (an IN list of n values, a multi-row INSERT) cannot fill the server's memory.
 *
 * Left unnamed: statements with a `*` (SELECT *, RETURNING *, count(*)). PostgreSQL refuses to run a prepared
 * statement whose result columns changed since it was prepared ("cached plan must not change result type"),
 * which a column added by another node's migration would cause; statements that name their columns are
 * simply planned again after such a change.
 */
class PreparingClient extends pg.Client {
  private readonly names = new Map<string, string>();

  override query(...args: unknown[]): never {
    const [text, values] = args;
    if (args.length === 2 && typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      let name = this.names.get(text);
      if (!name && this.names.size < NAMED_PER_CONNECTION && !text.includes('*'))
        this.names.set(text, (name = `switchboard_${this.names.size}`));
      if (name) return super.query({ name, text, values }) as never;
    }
    return (super.query as (...a: unknown[]) => unknown)(...args) as never;
  }
}

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
    Client: PreparingClient,
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
