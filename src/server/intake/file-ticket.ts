import { randomUUID } from 'node:crypto';
import type { Channel, TicketPriority } from '../../shared';
import type { Tx } from '../db/schema';
import { insertHistory, insertTicket, nextTicketNumber } from '../tickets/ticket-store';
import { triageDraft, type Decided } from '../triage/triage-ticket';

/**
 * A ticket that came in from outside (a messaging channel, an API key): numbered, with its `created` history
 * entry by the channel or key (no user made it). The customer is already published to the department
 * (customerForContact sees to it).
 */
export async function fileIntakeTicket(
  trx: Tx,
  t: {
    departmentId: string;
    customerId: string;
    subject: string;
    description: string;
    priority: TicketPriority;
    channel: Channel;
    /** Who filed it, as history shows it: the channel's or key's name. */
    by: string;
  },
  now: Date,
  /**
   * Triage (issue 15): what was decided before triage. Default: nothing (a message or an API call is routed,
   * given its priority and category by the prediction).
   */
  decided: Decided = { department: false, priority: false },
): Promise<{ ticketId: string; number: number; departmentId: string }> {
  const ticketId = randomUUID();
  const at = now.toISOString();
  const number = await nextTicketNumber(trx);
  const ticket = await triageDraft(
    trx,
    {
      id: ticketId,
      number,
      departmentId: t.departmentId,
      customerId: t.customerId,
      subject: t.subject,
      description: t.description,
      status: 'new',
      priority: t.priority,
      assigneeId: null,
      handBackTo: null,
      channel: t.channel,
      tags: [],
      fields: {},
      parentId: null,
      relatedIds: [],
      mergedInto: null,
      createdAt: at,
      updatedAt: at,
    },
    decided,
    now,
  );
  await insertTicket(trx, ticket);
  await insertHistory(
    trx,
    {
      id: randomUUID(),
      ticketId,
      field: 'created',
      from: null,
      to: String(number),
      actorId: null,
      actorName: t.by,
      at,
      note: null,
    },
    ticket.departmentId,
  );
  return { ticketId, number, departmentId: ticket.departmentId };
}
