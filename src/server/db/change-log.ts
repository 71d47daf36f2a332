import { sql } from 'kysely';
import { unindexed } from './id-list';
import { dialectOf } from './open';
import type { ChangeKind, Db, Tx } from './schema';

/** Kinds with one row per department: a customer is seen by every department it has tickets in, and a ticket
 * keeps a `remove` row in each department it left, so late clients there still learn it is gone. */
const PER_DEPARTMENT: readonly ChangeKind[] = ['ticket', 'customer'];

/**
 * PostgreSQL: the WITH clause that records a change (as appendChange does) in the statement it begins, its new
 * version readable as `change.version`. One statement, not a DELETE then an INSERT: on PostgreSQL every
 * statement is a round trip to the database, and a pushed ticket edit appends two changes (history and ticket);
 * replaying 10,000 offline edits spent a seventh of its statements here. A caller that writes the entity itself
 * (saveTicket, insertHistory) puts its own INSERT or UPDATE after it, one statement for both. The DELETE sees
 * the rows as they were before this statement, so it never takes the row inserted beside it.
 *
 * The transaction's id is taken (pg_current_xact_id() gives it one if it has none yet) before the version (the
 * default nextval, evaluated after the MATERIALIZED CTE): streamHead relies on a writer's version never being
 * older than its id. See sync/README.md.
 */
export function changeCte(
  kind: ChangeKind,
  entityId: string,
  departmentId: string | null,
  op: 'upsert' | 'remove' | 'merge' = 'upsert',
) {
  const sameDepartment = !PER_DEPARTMENT.includes(kind)
    ? sql`true`
    : departmentId === null
      ? sql`department_id IS NULL`
      : sql`department_id = ${departmentId}`;
  return sql`
    WITH x AS MATERIALIZED (SELECT pg_current_xact_id() AS txid),
      superseded AS (
        DELETE FROM change_log WHERE kind = ${kind} AND entity_id = ${entityId} AND ${sameDepartment}
      ),
      change AS (
        INSERT INTO change_log (kind, entity_id, department_id, op, txid)
        SELECT ${kind}, ${entityId}, ${departmentId}, ${op}, txid FROM x
        RETURNING version
      )`;
}

/**
 * Records that an entity changed, in one department's scope (null: everyone's), and returns the new version.
 * The row it supersedes is deleted (a client behind it gets this one instead); for other kinds that is every
 * older row of the entity, which also takes comments and history out of a department their ticket left.
 */
export async function appendChange(
  trx: Tx,
  kind: ChangeKind,
  entityId: string,
  departmentId: string | null,
  op: 'upsert' | 'remove' | 'merge' = 'upsert',
): Promise<number> {
  const perDepartment = PER_DEPARTMENT.includes(kind);
  if (dialectOf(trx) === 'postgres') {
    const r = await sql<{ version: number }>`
      ${changeCte(kind, entityId, departmentId, op)} SELECT version FROM change`.execute(trx);
    return r.rows[0]!.version;
  }
  await trx
    .deleteFrom('change_log')
    .where('kind', '=', kind)
    .where('entity_id', '=', entityId)
    // unindexed() (unary + on SQLite) keeps SQLite on the (kind, entity_id) index: it preferred the department
    // index, which read every change of a big department (~100 ms per ticket change at 100,000 tickets).
    .$if(perDepartment, (q) =>
      q.where((eb) =>
        departmentId === null
          ? eb(unindexed(trx, 'department_id'), 'is', null)
          : eb(unindexed(trx, 'department_id'), '=', departmentId),
      ),
    )
    .execute();
  const row = await trx
    .insertInto('change_log')
    .values({ kind, entity_id: entityId, department_id: departmentId, op })
    .returning('version')
    .executeTakeFirstOrThrow();
  return row.version;
}

/**
 * The head a reader may move its cursor up to: every change at or below it is committed (or rolled back), so no
 * change can still appear below it. See sync/README.md for why and how.
 *
 * SQLite has one writer, which commits versions in the order it takes them: the newest version is the head.
 * PostgreSQL hands versions out from a sequence to concurrent transactions that commit in any order, so the
 * newest committed version may have an older one still open below it: the head is the newest version seen in a
 * snapshot once every transaction open in that snapshot has ended (the snapshot's xmax reached by the xmin of a
 * later one). It waits for them (milliseconds: writers here are short), so a client that pulls after its push
 * was acknowledged sees its own change; a writer open longer than HEAD_WAIT_MS leaves the head where it was,
 * which is safe and catches up at the next poke or pull. Needs fresh snapshots: never inside a transaction.
 */
export async function streamHead(db: Db | Tx): Promise<number> {
  if (dialectOf(db) === 'sqlite') return streamEnd(db);
  if (db.isTransaction)
    throw new Error('streamHead on PostgreSQL waits for open writers: call it outside a transaction.');
  let reader = readers.get(db);
  if (!reader) readers.set(db, (reader = new SafeHeadReader(db)));
  return reader.read();
}

/** How long a head waits for transactions open when it was read; past that it stays at the last safe head. */
export const HEAD_WAIT_MS = 3000;

const readers = new WeakMap<Db, SafeHeadReader>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One per database handle (a node): the safe head so far, and the reads of it under way. */
class SafeHeadReader {
  /** A read not yet started: callers arriving now share it (their writes are committed before it looks). */
  private open: Promise<number> | undefined;
  private safe = 0;

  constructor(private readonly db: Db) {}

  read(): Promise<number> {
    return (this.open ??= this.round());
  }

  private async round(): Promise<number> {
    // Lets the requests of one burst (a poke makes a whole department pull) share this read.
    await new Promise((resolve) => setImmediate(resolve));
    this.open = undefined;
    // One statement, one snapshot: a change below `head` still open was given its version before `head`'s was,
    // so its transaction id (taken before the version) is below the snapshot's xmax.
    const first = await sql<{ head: number | null; xmin: string; xmax: string }>`
      SELECT (SELECT max(version) FROM change_log) AS head,
        pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax
      FROM pg_current_snapshot() AS s`.execute(this.db);
    const row = first.rows[0]!;
    const head = Number(row.head ?? 0);
    const xmax = BigInt(row.xmax);
    let xmin = BigInt(row.xmin);
    const deadline = Date.now() + HEAD_WAIT_MS;
    for (let pause = 1; xmin < xmax; pause = Math.min(pause * 2, 20)) {
      if (Date.now() > deadline) return this.safe;
      await sleep(pause);
      const next = await sql<{ xmin: string }>`
        SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`.execute(this.db);
      xmin = BigInt(next.rows[0]!.xmin);
    }
    this.safe = Math.max(this.safe, head);
    return this.safe;
  }
}

/** The newest version in the stream (0 when empty); the newest row is never compacted away. Not a safe head on
 * PostgreSQL (see streamHead): for telling a cursor from another database apart, not for moving one. */
export async function streamEnd(trx: Db | Tx): Promise<number> {
  const row = await trx
    .selectFrom('change_log')
    .select((eb) => eb.fn.max('version').as('head'))
    .executeTakeFirst();
  return Number(row?.head ?? 0);
}
