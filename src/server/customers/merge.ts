import { randomUUID } from 'node:crypto';
import { SwitchboardError, type User } from '../../shared';
import type { CustomerMergeResult } from '../../shared/intake';
import { customerToColumns } from '../../shared/storage/columns';
import { writeAudit } from '../audit/audit-log';
import { scopeOf } from '../auth/scope';
import { appendChange } from '../db/change-log';
import { dialectOf } from '../db/open';
import type { Db, Tx } from '../db/schema';
import { insertHistory } from '../tickets/ticket-store';
import { getCustomer } from './customer-store';
import { keepMergedKeys } from './identity';

/** Departments the customer is published to (one `upsert` row per department in the change stream). */
async function departmentsOf(trx: Tx, customerId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('change_log')
    .select('department_id')
    .where('kind', '=', 'customer')
    .where('entity_id', '=', customerId)
    .where('op', '=', 'upsert')
    .execute();
  return [...new Set(rows.flatMap((r) => (r.department_id ? [r.department_id] : [])))];
}

async function lockCustomer(trx: Tx, id: string) {
  return dialectOf(trx) === 'postgres'
    ? trx.selectFrom('customers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
    : trx.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * A supervisor (or an administrator) merges a duplicate customer into the one kept: every ticket, call,
 * external id and alias of the duplicate moves to the kept customer (each ticket records the move in its
 * history), the duplicate's id becomes an alias of the kept one (customer_aliases, so any id still held
 * anywhere resolves), the record as it was is kept in customer_merges, and the replicas of every department
 * concerned get the `merge` change that moves their local copies. Details the kept record lacks (phone,
 * email, company) are taken from the duplicate.
 *
 * A supervisor merges customers of their own department only, and not one that another department also sees:
 * that would move the other department's tickets and show them the kept record. Both look like "no such
 * customer" when out of scope, as elsewhere (README.md, "Scope").
 */
export async function mergeCustomers(
  db: Db,
  actor: User,
  keepId: string,
  mergeId: string,
  now: Date,
  source: string | null,
): Promise<CustomerMergeResult & { departments: string[] }> {
  if (actor.role !== 'supervisor' && actor.role !== 'admin')
    throw new SwitchboardError(
      'forbidden',
      'Only supervisors and administrators merge customers. Ask your supervisor to merge these two.',
    );
  const scope = scopeOf(actor);
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    // In id order, so two merges of the same pair lock alike on PostgreSQL.
    const [a, b] = [keepId, mergeId].sort();
    const first = await lockCustomer(trx, a!);
    const second = await lockCustomer(trx, b!);
    const keepRow = a === keepId ? first : second;
    const mergeRow = a === keepId ? second : first;
    const notFound = new SwitchboardError(
      'not_found',
      'One of these customers is not among your department’s customers (or was merged already).',
    );
    if (!keepRow || !mergeRow) throw notFound;
    const keepDepartments = await departmentsOf(trx, keepId);
    const mergeDepartments = await departmentsOf(trx, mergeId);
    if (!scope.all) {
      if (!keepDepartments.includes(scope.departmentId) || !mergeDepartments.includes(scope.departmentId))
        throw notFound;
      if (mergeDepartments.some((d) => d !== scope.departmentId))
        throw new SwitchboardError(
          'forbidden',
          'This customer is also a customer of another department; ask an administrator to merge them.',
        );
    }
    const keep = (await getCustomer(trx, keepId))!;
    const merged = (await getCustomer(trx, mergeId))!;

    // The duplicate's record as it was, kept outside the audit chain (which holds no contact details).
    await trx
      .insertInto('customer_merges')
      .values({
        merged_id: mergeId,
        into_id: keepId,
        merged_by: actor.id,
        merged_at: at,
        record: JSON.stringify(merged),
      })
      .execute();

    const tickets = await trx
      .selectFrom('tickets')
      .select(['id', 'department_id', 'deleted_at'])
      .where('customer_id', '=', mergeId)
      .execute();
    const departments = new Set([...keepDepartments, ...mergeDepartments]);
    for (const t of tickets) {
      if (t.deleted_at) {
        // Kept for the audit trail only: its `remove` in the stream must stay what replicas see of it.
        await trx.updateTable('tickets').set({ customer_id: keepId }).where('id', '=', t.id).execute();
        continue;
      }
      departments.add(t.department_id);
      const version = await appendChange(trx, 'ticket', t.id, t.department_id);
      await trx.updateTable('tickets').set({ customer_id: keepId, version }).where('id', '=', t.id).execute();
      await insertHistory(
        trx,
        {
          id: randomUUID(),
          ticketId: t.id,
          field: 'customer',
          from: merged.name,
          to: keep.name,
          actorId: actor.id,
          actorName: actor.displayName,
          at,
          note: 'merged duplicate customer',
        },
        t.department_id,
      );
    }
    const interactions = await trx
      .selectFrom('interactions')
      .select(['id', 'department_id'])
      .where('customer_id', '=', mergeId)
      .execute();
    for (const i of interactions) {
      const version = await appendChange(trx, 'interaction', i.id, i.department_id);
      await trx
        .updateTable('interactions')
        .set({ customer_id: keepId, version })
        .where('id', '=', i.id)
        .execute();
    }
    // chat-timeline (issue 13): ended chats move like calls, each sent again to its department's replicas.
    const chats = await trx
      .selectFrom('chat_interactions')
      .select(['id', 'department_id'])
      .where('customer_id', '=', mergeId)
      .execute();
    for (const c of chats) {
      await appendChange(trx, 'chat', c.id, c.department_id);
      await trx
        .updateTable('chat_interactions')
        .set({ customer_id: keepId })
        .where('id', '=', c.id)
        .execute();
    }
    await trx
      .updateTable('customer_external_ids')
      .set({ customer_id: keepId })
      .where('customer_id', '=', mergeId)
      .execute();
    await trx
      .updateTable('intake_threads')
      .set({ customer_id: keepId })
      .where('customer_id', '=', mergeId)
      .execute();
    await trx
      .updateTable('customer_aliases')
      .set({ customer_id: keepId })
      .where('customer_id', '=', mergeId)
      .execute();
    await trx
      .insertInto('customer_aliases')
      .values({ alias_id: mergeId, customer_id: keepId, created_by: actor.id, created_at: at })
      .execute();
    await trx.deleteFrom('customers').where('id', '=', mergeId).execute();

    // The kept record, completed from the duplicate, published to every department that now holds it.
    const filled = {
      ...keep,
      phone: keep.phone ?? merged.phone,
      email: keep.email ?? merged.email,
      company: keep.company ?? merged.company,
      updatedAt: at,
    };
    let version = keep.version;
    for (const d of departments) version = await appendChange(trx, 'customer', keepId, d);
    const { id: _id, ...columns } = customerToColumns({ ...filled, version });
    await trx.updateTable('customers').set(columns).where('id', '=', keepId).execute();
    // The duplicate's phone and email still find the kept customer where its record holds others.
    await keepMergedKeys(trx, merged, filled, mergeDepartments, at);
    // The duplicate's rows in the stream become `merge` changes: its replicas move tickets and drop it.
    for (const d of mergeDepartments) await appendChange(trx, 'customer', mergeId, d, 'merge');

    await writeAudit(trx, {
      at,
      actorId: actor.id,
      source,
      action: 'customer.merge',
      subjectId: keepId,
      detail: {
        mergedId: mergeId,
        tickets: tickets.map((t) => t.id),
        interactions: interactions.map((i) => i.id),
        filled: (['phone', 'email', 'company'] as const).filter(
          (k) => keep[k] === null && merged[k] !== null,
        ),
      },
    });
    return {
      customerId: keepId,
      tickets: tickets.length,
      interactions: interactions.length,
      departments: [...departments],
    };
  });
}
