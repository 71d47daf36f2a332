import { unindexed } from './id-list';
import type { ChangeKind, Tx } from './schema';

/** Kinds with one row per department: a customer is seen by every department it has tickets in, and a ticket
 * keeps a `remove` row in each department it left, so late clients there still learn it is gone. */
const PER_DEPARTMENT: readonly ChangeKind[] = ['ticket', 'customer'];

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
  await trx
    .deleteFrom('change_log')
    .where('kind', '=', kind)
    .where('entity_id', '=', entityId)
    // unindexed() (unary + on SQLite) keeps SQLite on the (kind, entity_id) index: it preferred the department
    // index, which read every change of a big department (~100 ms per ticket change at 100,000 tickets).
    .$if(PER_DEPARTMENT.includes(kind), (q) =>
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

/** The newest version in the stream (0 when empty). The newest row is never compacted away, so max() is the head. */
export async function streamHead(trx: Tx): Promise<number> {
  const row = await trx
    .selectFrom('change_log')
    .select((eb) => eb.fn.max('version').as('head'))
    .executeTakeFirst();
  return Number(row?.head ?? 0);
}
