import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { customerForContact } from '../customers/identity';
import { writeAudit } from '../audit/audit-log';
import { dialectOf } from '../db/open';
import type { Db, Tx } from '../db/schema';
import { refreshTicketSla } from '../sla/sla-store';
import { getTicketForChange, insertComment, insertHistory, saveTicket } from '../tickets/ticket-store';
import { fileIntakeTicket } from './file-ticket';
import type { ChannelRow } from './channel-store';

/** One inbound message, whichever form it came in. */
export interface InboundMessage {
  messageId: string;
  senderId: string;
  senderName?: string;
  phone?: string;
  email?: string;
  text: string;
}

export interface TakenMessage {
  ticketId: string;
  commentId: string;
  customerId: string;
  /** The message id was taken in before: nothing changed, the first answer is given again. */
  duplicate: boolean;
  ticketCreated: boolean;
  departmentId: string;
}

/**
 * Messaging tickets are filed with channel `chat`: Channel (shared/domain/ticket.ts) is also the key of SLA
 * policies and is parsed by every desktop replica, so a new value would need SLA policies of its own and would
 * not parse on desktops older than it. A messaging app is a chat conversation as far as response times go; which
 * app and which sender a ticket talks to is kept beside it (intake_threads).
 */
const MESSAGING_TICKET_CHANNEL = 'chat' as const;

/** The id namespace of a channel's senders for customerForContact: ids of two apps never meet. */
export const externalChannelOf = (channel: ChannelRow) => `${channel.kind}:${channel.id}`;

/** Records a nonce inside its window: false when it was already used (a replayed request). */
export async function useNonce(trx: Tx, channelId: string, nonce: string, now: Date): Promise<boolean> {
  const r = await trx
    .insertInto('intake_nonces')
    .values({ channel_id: channelId, nonce, seen_ms: now.getTime() })
    .onConflict((oc) => oc.columns(['channel_id', 'nonce']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * The message as a comment from the customer on their open ticket of this channel and sender, or on a new ticket
 * in the channel's department. Idempotent by message id. Runs inside the caller's transaction (with its nonce).
 */
export async function takeMessage(
  db: Db,
  trx: Tx,
  channel: ChannelRow,
  msg: InboundMessage,
  now: Date,
  source: string | null,
): Promise<TakenMessage> {
  if (dialectOf(trx) === 'postgres')
    // Two nodes taking two messages of one new sender at once must not open two tickets.
    await sql`SELECT pg_advisory_xact_lock(7023, hashtext(${`${channel.id}|${msg.senderId}`}))`.execute(trx);
  const seen = await trx
    .selectFrom('intake_messages')
    .selectAll()
    .where('channel_id', '=', channel.id)
    .where('message_id', '=', msg.messageId)
    .executeTakeFirst();
  if (seen) {
    const t = await trx
      .selectFrom('tickets')
      .select(['customer_id', 'department_id'])
      .where('id', '=', seen.ticket_id)
      .executeTakeFirst();
    return {
      ticketId: seen.ticket_id,
      commentId: seen.comment_id,
      customerId: t?.customer_id ?? '',
      departmentId: t?.department_id ?? channel.department_id,
      duplicate: true,
      ticketCreated: false,
    };
  }
  const at = now.toISOString();
  const { customer } = await customerForContact(
    trx,
    {
      name: msg.senderName,
      phone: msg.phone,
      email: msg.email,
      external: { channel: externalChannelOf(channel), id: msg.senderId },
    },
    channel.department_id,
    now,
  );
  const open = await trx
    .selectFrom('intake_threads as th')
    .innerJoin('tickets as t', 't.id', 'th.ticket_id')
    .select(['t.id', 't.department_id'])
    .where('th.channel_id', '=', channel.id)
    .where('th.sender_id', '=', msg.senderId)
    .where('t.status', 'not in', ['solved', 'closed'])
    .where('t.deleted_at', 'is', null)
    .where('t.merged_into', 'is', null)
    .orderBy('t.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  let ticketId: string;
  let departmentId: string;
  if (open) {
    ticketId = open.id;
    departmentId = open.department_id;
    // The customer answered: a ticket waiting on them is theirs to work again (and its SLA clock runs again).
    const ticket = await getTicketForChange(trx, open.id);
    if (ticket?.status === 'pending') {
      await saveTicket(trx, { ...ticket, status: 'open', updatedAt: at });
      await insertHistory(
        trx,
        {
          id: randomUUID(),
          ticketId,
          field: 'status',
          from: 'pending',
          to: 'open',
          actorId: null,
          actorName: channel.name,
          at,
          note: null,
        },
        departmentId,
      );
    }
  } else {
    departmentId = channel.department_id;
    const firstLine = msg.text.split('\n')[0]!.trim();
    ({ ticketId } = await fileIntakeTicket(
      trx,
      {
        departmentId,
        customerId: customer.id,
        subject: (firstLine.length > 120 ? `${firstLine.slice(0, 119)}…` : firstLine) || channel.name,
        description: `${channel.name}: ${msg.senderName ? `${msg.senderName} (${msg.senderId})` : msg.senderId}`,
        priority: 'normal',
        channel: MESSAGING_TICKET_CHANNEL,
        by: channel.name,
      },
      now,
      // Triage (issue 15): the channel's department stays (its agents answer the thread); priority and
      // category are the prediction's, and a doubtful one waits in the triage queue.
      { department: true, priority: false },
    ));
    await trx
      .insertInto('intake_threads')
      .values({
        ticket_id: ticketId,
        channel_id: channel.id,
        sender_id: msg.senderId,
        customer_id: customer.id,
        created_at: at,
      })
      .execute();
  }
  const commentId = randomUUID();
  await insertComment(
    trx,
    {
      id: commentId,
      ticketId,
      authorId: null,
      authorName: customer.name,
      body: msg.text,
      internal: false,
      createdAt: at,
    },
    departmentId,
  );
  await trx
    .insertInto('intake_messages')
    .values({
      channel_id: channel.id,
      message_id: msg.messageId,
      ticket_id: ticketId,
      comment_id: commentId,
      received_at: at,
    })
    .execute();
  await refreshTicketSla(db, trx, [ticketId], now);
  // Ids only: the message text and the sender's contact details stay out of the append-only chain.
  await writeAudit(trx, {
    at,
    actorId: null,
    source,
    action: 'intake.message',
    subjectId: ticketId,
    detail: { channelId: channel.id, messageId: msg.messageId, commentId, ticketCreated: !open },
  });
  return {
    ticketId,
    commentId,
    customerId: customer.id,
    departmentId,
    duplicate: false,
    ticketCreated: !open,
  };
}
