import { randomUUID } from 'node:crypto';
import {
  fieldText,
  rightsForDelete,
  SwitchboardError,
  ticketRef,
  type Mutation,
  type Ticket,
  type User,
} from '../../shared';
import { requireRights } from '../auth/rights';
import { appendChange } from '../db/change-log';
import type { Tx } from '../db/schema';
import { ticketInScope } from './ticket-mutations';
import { getTicketForChange, insertHistory, saveTicket } from './ticket-store';

type DeleteArgs = Extract<Mutation, { name: 'ticket.delete' }>['args'];

/** What someone else did to the ticket after `afterVersion`, the newest first; undefined: nothing. */
async function changedSince(
  trx: Tx,
  ticketId: string,
  afterVersion: number,
  by: { actorId: string; deviceId: string | null },
): Promise<string | undefined> {
  const h = await trx
    .selectFrom('ticket_history')
    .select(['field', 'actor_name', 'at'])
    .where('ticket_id', '=', ticketId)
    .where('version', '>', afterVersion)
    .where((eb) =>
      eb.or([
        eb('actor_id', 'is', null),
        eb('actor_id', '<>', by.actorId),
        // The same user on another device counts as someone else (as for ticket.update, see sync/README.md),
        // except for the creation itself: a ticket made offline and deleted before it was ever sent has only that.
        eb.and([eb('device_id', 'is distinct from', by.deviceId), eb('field', '<>', 'created')]),
      ]),
    )
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (h) return `${h.actor_name} changed ${h.field} at ${h.at}`;
  const c = await trx
    .selectFrom('ticket_comments')
    .select(['author_name', 'created_at'])
    .where('ticket_id', '=', ticketId)
    .where('version', '>', afterVersion)
    .where((eb) => eb.or([eb('author_id', 'is', null), eb('author_id', '<>', by.actorId)]))
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return c && `${c.author_name} added a comment at ${c.created_at}`;
}

/**
 * Soft-deletes a ticket for a user with the delete right in its department: the row, its comments and history
 * stay (deleted_at, deleted_by) for the audit trail, and every read leaves them out. Its department's replicas
 * (and every admin's) get a `remove`; its comments and history leave the change stream so a fresh replica never
 * receives them. Other tickets that point to it as parent or related lose that link (with a history entry
 * each, so their replicas learn it); a ticket merged into it keeps its mergedInto, which only names it.
 *
 * A change someone else made since `baseVersion` refuses the delete with `conflict`: deleting must be a decision
 * about the ticket as the user saw it. Returns the `remove`'s version, the ticket's department, the departments
 * of the other tickets changed, and the ticket as it was (the audit record's `before`).
 */
export async function deleteTicket(
  trx: Tx,
  user: User,
  args: DeleteArgs,
  now: Date,
  deviceId: string | null,
): Promise<{ version: number; departmentId: string; also: string[]; before: Ticket }> {
  const ticket = await ticketInScope(trx, user, args.ticketId);
  await requireRights(trx, user, rightsForDelete());
  if (ticket.version > args.baseVersion) {
    const what = await changedSince(trx, ticket.id, args.baseVersion, { actorId: user.id, deviceId });
    if (what) {
      throw new SwitchboardError(
        'conflict',
        `Ticket ${ticketRef(ticket)} was not deleted: ${what}, after you opened it. Look at it again, then delete it if it must still go.`,
      );
    }
  }
  const at = now.toISOString();
  const also = await unlinkOthers(trx, user, ticket, at, deviceId);
  // Its comments and history leave the stream (the comments and history rows themselves stay).
  for (const kind of ['comment', 'history'] as const) {
    const table = kind === 'comment' ? 'ticket_comments' : 'ticket_history';
    await trx
      .deleteFrom('change_log')
      .where('kind', '=', kind)
      .where('entity_id', 'in', trx.selectFrom(table).select('id').where('ticket_id', '=', ticket.id))
      .execute();
  }
  // The remove replaces the ticket's row of its department; rows of departments it left are removes already.
  const version = await appendChange(trx, 'ticket', ticket.id, ticket.departmentId, 'remove');
  await trx
    .updateTable('tickets')
    // No SLA check is due any more: the sweeper passes it by (its index holds only due times).
    .set({ deleted_at: at, deleted_by: user.id, sla_next_check_ms: null, version })
    .where('id', '=', ticket.id)
    .execute();
  return { version, departmentId: ticket.departmentId, also, before: ticket };
}

/**
 * Takes the deleted ticket out of the parent and related links of other tickets, each change in their history
 * (the actor: who deleted) and saved at a new version. Returns their departments.
 */
async function unlinkOthers(
  trx: Tx,
  user: User,
  ticket: Ticket,
  at: string,
  deviceId: string | null,
): Promise<string[]> {
  const ids = await trx
    .selectFrom('tickets')
    .select('id')
    .where('deleted_at', 'is', null)
    .where('id', '<>', ticket.id)
    .where((eb) =>
      // Related links are kept both ways (applyLinks), so the ticket's own list names the others; children by
      // the parent_id index (migration 0018). A one-sided link left by someone who could not see both ends
      // stays: it only names a ticket no read returns, which readers show as out of reach.
      eb.or([
        eb('parent_id', '=', ticket.id),
        ...(ticket.relatedIds.length > 0 ? [eb('id', 'in', ticket.relatedIds)] : []),
      ]),
    )
    .orderBy('id')
    .execute();
  const departments = new Set<string>();
  const note = `Ticket ${ticketRef(ticket)} was deleted. / 工单 ${ticketRef(ticket)} 已删除。`;
  for (const { id } of ids) {
    const other = await getTicketForChange(trx, id);
    if (!other) continue;
    const next: Ticket = { ...other, updatedAt: at };
    const entries: { field: 'parentId' | 'relatedIds'; from: string | null; to: string | null }[] = [];
    if (other.parentId === ticket.id) {
      entries.push({ field: 'parentId', from: ticket.id, to: null });
      next.parentId = null;
    }
    if (other.relatedIds.includes(ticket.id)) {
      next.relatedIds = other.relatedIds.filter((x) => x !== ticket.id);
      entries.push({
        field: 'relatedIds',
        from: fieldText(other.relatedIds),
        to: fieldText(next.relatedIds),
      });
    }
    if (entries.length === 0) continue;
    for (const e of entries) {
      await insertHistory(
        trx,
        {
          id: randomUUID(),
          ticketId: other.id,
          ...e,
          actorId: user.id,
          actorName: user.displayName,
          at,
          note,
        },
        other.departmentId,
        deviceId,
      );
    }
    await saveTicket(trx, next);
    departments.add(other.departmentId);
  }
  return [...departments];
}
