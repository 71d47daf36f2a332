import { sql } from 'kysely';
import { dialectOf } from './open';
import type { Tx } from './schema';

/**
 * The right side of `IN` for a long list of ids, bound as one parameter. With a list, Kysely built and
 * compiled a node per id and SQLite prepared a new statement for every list length: a 5,000-change pull page
 * spent more time on that than on reading its rows. SQLite gets one JSON text; PostgreSQL one text[] array
 * (the driver sends a JS array as one), so the statement text is the same for every length on both.
 */
export const idList = (db: Tx, ids: readonly string[]) =>
  dialectOf(db) === 'postgres'
    ? sql<string>`(SELECT unnest(${ids as string[]}::text[]))`
    : sql<string>`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/**
 * A column as an expression no index can serve. SQLite's planner sometimes picks the department index for a
 * lookup by entity (it read every change of a big department); unary + is SQLite's idiom to rule an index
 * out. PostgreSQL has no + for text and a planner that uses statistics, so there it is the plain column.
 */
export const unindexed = (db: Tx, column: 'department_id') =>
  dialectOf(db) === 'postgres' ? sql.ref(column) : sql`+${sql.ref(column)}`;
