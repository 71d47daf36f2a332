import { sql } from 'kysely';

/**
 * The right side of `IN` for a long list of ids, bound as one JSON parameter. With a list, Kysely built and
 * compiled a node per id and SQLite prepared a new statement for every list length: a 5,000-change pull page
 * spent more time on that than on reading its rows. (PostgreSQL would take `= ANY(?)` with an array.)
 */
export const idList = (ids: readonly string[]) =>
  sql<string>`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
