import { randomUUID } from 'node:crypto';
import { SwitchboardError, type Ticket, type User } from '../../shared';
import { writeAudit } from '../audit/audit-log';
import { requireRights } from '../auth/rights';
import { appendChange } from '../db/change-log';
import type { Tx } from '../db/schema';
import { getDepartment } from '../directory/directory-store';
import { getTicketForChange, insertHistory, publishCustomerTo, saveTicket } from './ticket-store';

/**
 * Moves a ticket to another department (for those with the transfer right; desktops transfer through
 * ticket.update). The old department's replicas get a `remove`; the new one's get the ticket and, re-published
 * at new versions, its customer, comments and history, which their cursors may already have passed.
 * The assignee is cleared: they belong to the old department. Returns the ticket's new version.
 */
export async function moveTicket(trx: Tx, actor: User, ticketId: string, toDepartmentId: string, now: Date) {
  await requireRights(trx, actor, ['transfer']);
  const ticket = await getTicketForChange(trx, ticketId);
  // Another department's ticket is refused exactly as a missing one, so ids cannot be probed.
  if (!ticket || (actor.departmentId !== null && actor.departmentId !== ticket.departmentId)) {
    throw new SwitchboardError('not_found', 'No such ticket in your department.');
  }
  const target = await getDepartment(trx, toDepartmentId);
  if (!target) throw new SwitchboardError('bad_request', 'The target department does not exist.');
  const from = ticket.departmentId;
  if (from === toDepartmentId) return { version: ticket.version, from };

  const at = now.toISOString();
  await republishTo(trx, ticket, toDepartmentId);
  const base = { ticketId: ticket.id, actorId: actor.id, actorName: actor.displayName, at };
  await insertHistory(
    trx,
    { id: randomUUID(), ...base, field: 'departmentId', from, to: toDepartmentId, note: null },
    toDepartmentId,
  );
  if (ticket.assigneeId !== null) {
    await insertHistory(
      trx,
      { id: randomUUID(), ...base, field: 'assigneeId', from: ticket.assigneeId, to: null, note: null },
      toDepartmentId,
    );
  }
  const version = await saveTicket(trx, {
    ...ticket,
    departmentId: toDepartmentId,
    assigneeId: null,
    handBackTo: null,
    updatedAt: at,
  });
  await writeAudit(trx, {
    at,
    actorId: actor.id,
    action: 'ticket.move',
    subjectId: ticket.id,
    detail: { from, to: toDepartmentId },
  });
  return { version, from };
}

/**
 * What a department change publishes besides the ticket itself, before the ticket is saved there: the old
 * department's replicas get a `remove`; the new one's get, re-published at new versions, its customer,
 * comments and history, which their cursors may already have passed.
 */
export async function republishTo(trx: Tx, ticket: Ticket, toDepartmentId: string): Promise<void> {
  await appendChange(trx, 'ticket', ticket.id, ticket.departmentId, 'remove');
  await publishCustomerTo(trx, ticket.customerId, toDepartmentId);

  const comments = await trx
    .selectFrom('ticket_comments')
    .select('id')
    .where('ticket_id', '=', ticket.id)
    .execute();
  for (const c of comments) {
    const version = await appendChange(trx, 'comment', c.id, toDepartmentId);
    await trx.updateTable('ticket_comments').set({ version }).where('id', '=', c.id).execute();
  }
  const history = await trx
    .selectFrom('ticket_history')
    .select('id')
    .where('ticket_id', '=', ticket.id)
    .execute();
  for (const h of history) {
    const version = await appendChange(trx, 'history', h.id, toDepartmentId);
    await trx.updateTable('ticket_history').set({ version }).where('id', '=', h.id).execute();
  }
}
