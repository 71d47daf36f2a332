import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { SwitchboardError, type User } from '../../shared';
import type { ChatMessage } from '../../shared/chat';
import { writeAudit } from '../audit/audit-log';
import { getSession, getVisitor, messagesAfter, type SessionRow } from '../chat/chat-store';
import { customerForContact } from '../customers/identity';
import { appendChange } from '../db/change-log';
import type { Db, Tx } from '../db/schema';
import { refreshTicketSla } from '../sla/sla-store';
import { getTicket, insertHistory, insertTicket, nextTicketNumber } from '../tickets/ticket-store';
import { triageDraft, type TicketDraft } from '../triage/triage-ticket';
import { ticketLink } from './agent-summary';

/** Every message of a chat (a transcript is whole, not the latest 500). */
const ALL = 1_000_000;

const LABELS = {
  'zh-CN': { visitor: '访客', agent: '客服', bot: '智能助手', system: '系统', article: '文章' },
  en: { visitor: 'Visitor', agent: 'Agent', bot: 'Assistant', system: 'System', article: 'article' },
} as const;

/**
 * The chat as plain text, one line per message, in the chat's language: what the interaction keeps and what a
 * ticket made from the chat carries as its description. Text stays as sent (never markup).
 */
export function transcriptText(
  messages: ChatMessage[],
  s: Pick<SessionRow, 'language'>,
  visitorName: string | null,
): string {
  const l = LABELS[s.language === 'en' ? 'en' : 'zh-CN'];
  return messages
    .map((m) => {
      const at = m.createdAt.slice(0, 19).replace('T', ' ');
      if (m.sender === 'system') return `[${at}] * ${m.event ?? m.text}${m.name ? ` (${m.name})` : ''}`;
      const who =
        m.sender === 'visitor'
          ? (visitorName ?? l.visitor)
          : m.sender === 'agent'
            ? `${l.agent} ${m.name ?? ''}`.trim()
            : l.bot;
      const files = m.attachments.map((a) => ` [${a.name}]`).join('');
      const source = m.articleId ? ` (${l.article} ${m.articleId})` : '';
      return `[${at}] ${who}: ${m.text}${files}${source}`;
    })
    .join('\n');
}

async function transcriptOf(
  trx: Tx,
  s: SessionRow,
): Promise<{ text: string; count: number; name: string | null }> {
  const v = await getVisitor(trx, s.visitor_id);
  const messages = await messagesAfter(trx, s.id, 0, ALL);
  return {
    text: transcriptText(messages, s, v?.name ?? null),
    count: messages.length,
    name: v?.name ?? null,
  };
}

/**
 * The chat's record, if it has ended, goes to the replicas of its department again (kind chat of the sync
 * stream: the customer's timeline on the desktops). Its customer is filled in when the chat has one by now.
 * Returns the department to poke, or null when the chat has no record yet (saveTranscript publishes it).
 */
async function publishChat(trx: Tx, sessionId: string, customerId: string | null): Promise<string | null> {
  const rec = await trx
    .selectFrom('chat_interactions')
    .select(['id', 'department_id', 'customer_id'])
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  if (!rec) return null;
  if (customerId && rec.customer_id === null)
    await trx
      .updateTable('chat_interactions')
      .set({ customer_id: customerId })
      .where('id', '=', rec.id)
      .execute();
  await appendChange(trx, 'chat', rec.id, rec.department_id);
  return rec.department_id;
}

/**
 * An ended chat recorded as an interaction of kind chat (chat_interactions: the customer's timeline entry), and
 * sent to the replicas of its department. Once per chat: a second end, or the visitor's and the agent's ends
 * crossing, keep the first record. Returns the department whose replicas to poke, null if nothing was recorded.
 */
export async function saveTranscript(db: Db, sessionId: string): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const s = await getSession(trx, sessionId);
    if (!s || s.state !== 'ended') return null;
    const t = await transcriptOf(trx, s);
    // The agent who last had the chat (an ended chat keeps agent_id).
    const inserted = await trx
      .insertInto('chat_interactions')
      .values({
        id: uuidv7(),
        session_id: s.id,
        department_id: s.department_id,
        customer_id: s.customer_id,
        agent_id: s.agent_id,
        visitor_name: t.name,
        started_at: s.created_at,
        ended_at: s.ended_at ?? s.updated_at,
        message_count: t.count,
        transcript: t.text,
      })
      .onConflict((oc) => oc.column('session_id').doNothing())
      .executeTakeFirst();
    // A second end changes nothing: no new stream row, no poke.
    if (!inserted.numInsertedOrUpdatedRows) return null;
    return publishChat(trx, s.id, null);
  });
}

/**
 * chat:toTicket. With ticketId: the chat is linked to that ticket of its department. Without: a new ticket
 * (channel chat) for the chat's customer (the one the visitor's identity led to, else a customer made from the
 * visitor), the transcript as its description; a chat already linked answers with its ticket. Audited.
 */
export async function chatToTicket(
  db: Db,
  user: User,
  s: SessionRow,
  req: { ticketId?: string; subject?: string },
  now: Date,
): Promise<{ ticketId: string; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const at = now.toISOString();
    if (req.ticketId) {
      const t = await getTicket(trx, req.ticketId);
      if (!t || t.departmentId !== s.department_id)
        throw new SwitchboardError('not_found', 'No such ticket in this chat’s department.');
      await trx
        .insertInto('chat_ticket_links')
        .values({ session_id: s.id, ticket_id: t.id, linked_by: user.id, linked_at: at })
        .onConflict((oc) =>
          oc.column('session_id').doUpdateSet({ ticket_id: t.id, linked_by: user.id, linked_at: at }),
        )
        .execute();
      await writeAudit(trx, {
        at,
        actorId: user.id,
        action: 'chat.ticket.link',
        subjectId: s.id,
        detail: { ticketId: t.id, number: t.number },
      });
      await publishChat(trx, s.id, s.customer_id);
      return { ticketId: t.id, created: false };
    }
    const linked = await ticketLink(trx, s.id);
    if (linked) return { ticketId: linked.ticket_id, created: false };
    const v = await getVisitor(trx, s.visitor_id);
    const en = s.language === 'en';
    let customerId = s.customer_id;
    if (!customerId) {
      // A visitor who never said who they are becomes a customer named from the chat; the browser is remembered
      // (external id webchat) as identify does, so their later details land on the same customer.
      const { customer } = await customerForContact(
        trx,
        {
          name: v?.name ?? `${en ? 'Web chat visitor' : '网页访客'} ${s.visitor_id.slice(-6)}`,
          phone: v?.phone,
          email: v?.email,
          external: { channel: 'webchat', id: s.visitor_id },
          language: en ? 'en' : 'zh-CN',
        },
        s.department_id,
        now,
      );
      customerId = customer.id;
      await trx
        .updateTable('chat_sessions')
        .set({ customer_id: customerId })
        .where('id', '=', s.id)
        .execute();
      await trx
        .updateTable('chat_visitors')
        .set({ customer_id: customerId })
        .where('id', '=', s.visitor_id)
        .execute();
    }
    const t = await transcriptOf(trx, s);
    const ticketId = randomUUID();
    const number = await nextTicketNumber(trx);
    const subject =
      req.subject ??
      (en ? `Web chat with ${v?.name ?? 'a visitor'}` : `网页会话：${v?.name ?? '访客'}`).slice(0, 300);
    // Triage (issue 15): the chat's queue decided the department; the priority and the category are triage's.
    const draft: TicketDraft = {
      id: ticketId,
      number,
      departmentId: s.department_id,
      customerId,
      subject,
      description: t.text.slice(0, 20_000),
      status: 'new',
      priority: 'normal',
      assigneeId: user.role === 'agent' ? user.id : null,
      handBackTo: null,
      channel: 'chat',
      tags: [],
      fields: {},
      parentId: null,
      relatedIds: [],
      mergedInto: null,
      createdAt: at,
      updatedAt: at,
    };
    await insertTicket(trx, await triageDraft(trx, draft, { department: true, priority: false }, now));
    await insertHistory(
      trx,
      {
        id: randomUUID(),
        ticketId,
        field: 'created',
        from: null,
        to: String(number),
        actorId: user.id,
        actorName: user.displayName,
        at,
        note: null,
      },
      s.department_id,
    );
    await refreshTicketSla(db, trx, [ticketId], now);
    await trx
      .insertInto('chat_ticket_links')
      .values({ session_id: s.id, ticket_id: ticketId, linked_by: user.id, linked_at: at })
      .execute();
    await writeAudit(trx, {
      at,
      actorId: user.id,
      action: 'chat.ticket.create',
      subjectId: s.id,
      detail: { ticketId, number, customerId },
    });
    await publishChat(trx, s.id, customerId);
    return { ticketId, created: true };
  });
}
