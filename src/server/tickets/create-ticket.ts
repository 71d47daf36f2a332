import { randomUUID } from 'node:crypto';
import { SwitchboardError, type Mutation, type User } from '../../shared';
import { inScope, scopeOf } from '../auth/scope';
import { notAfter } from '../customers/customer-mutations';
import { ensurePublishedTo, resolveCustomerInScope } from '../customers/customer-store';
import type { Tx } from '../db/schema';
import { getDepartment, getUserRow } from '../directory/directory-store';
import { getInteraction, saveInteraction } from '../voice/interaction-store';
import { triageDraft } from '../triage/triage-ticket';
import {
  deletedError,
  deletedTicket,
  getTicket,
  insertHistory,
  insertTicket,
  nextTicketNumber,
} from './ticket-store';

type CreateArgs = Extract<Mutation, { name: 'ticket.create' }>['args'];

/**
 * A ticket made on a desktop: checked as strictly as an edit, given the next ticket number, recorded with a
 * `created` history entry. Idempotent by ticketId. The customer may be an alias (src/server/customers/README.md):
 * the ticket is filed under the customer it stands for. Returns the ticket's version and department.
 */
export async function applyTicketCreate(
  trx: Tx,
  user: User,
  args: CreateArgs,
  now: Date,
): Promise<{ version: number; departmentId: string; number: number }> {
  const existing = await getTicket(trx, args.ticketId);
  // Made and then deleted: the id stays taken (the row is kept for the audit trail).
  const deleted = existing ? undefined : await deletedTicket(trx, args.ticketId);
  if (deleted) {
    if (!inScope(scopeOf(user), deleted.departmentId)) {
      throw new SwitchboardError('conflict', 'A ticket with this id already exists.');
    }
    throw deletedError(deleted);
  }
  if (existing) {
    if (!inScope(scopeOf(user), existing.departmentId)) {
      throw new SwitchboardError('conflict', 'A ticket with this id already exists.');
    }
    return { version: existing.version, departmentId: existing.departmentId, number: existing.number! };
  }
  if (!inScope(scopeOf(user), args.departmentId)) {
    throw new SwitchboardError('forbidden', 'You can create tickets only in your own department.');
  }
  if (!(await getDepartment(trx, args.departmentId))) {
    throw new SwitchboardError('bad_request', 'The department of this ticket does not exist.');
  }
  // A customer the maker cannot see is refused as if absent: filing under it would publish its record here.
  const customer = await resolveCustomerInScope(trx, args.customerId, scopeOf(user));
  if (!customer) {
    throw new SwitchboardError(
      'not_found',
      'The customer of this ticket is not among your department’s customers.',
    );
  }
  if (args.assigneeId) {
    const assignee = await getUserRow(trx, args.assigneeId);
    if (!assignee || assignee.disabled) {
      throw new SwitchboardError('bad_request', 'The assignee is not an active user.');
    }
    if (assignee.department_id !== args.departmentId) {
      throw new SwitchboardError(
        'bad_request',
        `${assignee.display_name} is not in this ticket's department.`,
      );
    }
  }

  const at = now.toISOString();
  // The department's replicas must know the customer before the ticket that names it arrives (news only when
  // an admin files a ticket for a customer of another department).
  await ensurePublishedTo(trx, customer.id, args.departmentId);
  const number = await nextTicketNumber(trx);
  const draft = {
    id: args.ticketId,
    number,
    departmentId: args.departmentId,
    customerId: customer.id,
    subject: args.subject,
    description: args.description,
    status: args.status,
    priority: args.priority,
    assigneeId: args.assigneeId,
    handBackTo: null,
    channel: args.channel,
    tags: [],
    fields: {},
    parentId: null,
    relatedIds: [],
    mergedInto: null,
    createdAt: notAfter(args.createdAt, now),
    updatedAt: at,
  };
  // Triage (issue 15): the agent chose department and priority; the category and the prediction are triage's
  // (the desktop's own when it triaged offline).
  const version = await insertTicket(
    trx,
    await triageDraft(
      trx,
      draft,
      { department: true, priority: true, category: args.category, prediction: args.triage },
      now,
    ),
  );
  await insertHistory(
    trx,
    {
      id: randomUUID(),
      ticketId: args.ticketId,
      field: 'created',
      from: null,
      to: String(number),
      actorId: user.id,
      actorName: user.displayName,
      at,
      note: null,
    },
    args.departmentId,
  );
  if (args.interactionId) await linkInteraction(trx, args.interactionId, args.ticketId, args.departmentId);
  return { version, departmentId: args.departmentId, number };
}

/** The call the ticket was made from points at it, unless it is elsewhere or already about another ticket. */
async function linkInteraction(trx: Tx, interactionId: string, ticketId: string, departmentId: string) {
  const interaction = await getInteraction(trx, interactionId);
  if (!interaction || interaction.departmentId !== departmentId || interaction.ticketId !== null) return;
  await saveInteraction(trx, { ...interaction, ticketId });
}
