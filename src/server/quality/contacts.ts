import type { QualityContactKind, QualityPart } from '../../shared/quality';
import type { Tx } from '../db/schema';
import type { ContactInput } from './rules';

/**
 * Contacts as the checks read them, from the store:
 * - chat: an ended chat (chat_interactions) with its messages (visitor: customer; agent; bot; system);
 * - ticket: a ticket's thread: its subject and description (the customer's, except on phone tickets, which
 *   the agent typed), and its comments the customer sees (internal notes are colleagues' talk, not the
 *   contact). An email ticket's thread is its mails. The agent is the assignee, else the last agent who replied;
 * - call: a wrapped-up call (completed_at set) with its notes, hold time and transfers. The call records keep
 *   no transfer count: a transferred caller's next leg is a new call record from the same number starting as
 *   the previous leg ends, so transfers are the legs before this one chained that way (TRANSFER_GAP_SECONDS).
 */
export const TRANSFER_GAP_SECONDS = 60;

const iso = (ms: number) => new Date(ms).toISOString();

export async function readContact(
  trx: Tx,
  kind: QualityContactKind,
  id: string,
): Promise<ContactInput | null> {
  if (kind === 'chat') return readChat(trx, id);
  if (kind === 'ticket') return readTicket(trx, id);
  return readCall(trx, id);
}

async function names(trx: Tx, ids: (string | null)[]): Promise<Map<string, string>> {
  const list = [...new Set(ids.filter((x): x is string => !!x))];
  if (list.length === 0) return new Map();
  const rows = await trx.selectFrom('users').select(['id', 'display_name']).where('id', 'in', list).execute();
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

async function readChat(trx: Tx, id: string): Promise<ContactInput | null> {
  const ci = await trx
    .selectFrom('chat_interactions')
    .select(['id', 'session_id', 'department_id', 'agent_id', 'visitor_name', 'ended_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!ci) return null;
  const messages = await trx
    .selectFrom('chat_messages')
    .select(['id', 'sender', 'author_id', 'name', 'body', 'event', 'created_at'])
    .where('session_id', '=', ci.session_id)
    .orderBy('seq')
    .execute();
  const who = await names(trx, [ci.agent_id, ...messages.map((m) => m.author_id)]);
  const parts: QualityPart[] = messages.map((m) => {
    const role =
      m.sender === 'visitor'
        ? 'customer'
        : m.sender === 'agent'
          ? 'agent'
          : m.sender === 'bot'
            ? 'bot'
            : 'system';
    return {
      id: m.id,
      role,
      author:
        role === 'customer'
          ? (ci.visitor_name ?? '')
          : role === 'agent'
            ? (m.name ?? (m.author_id ? (who.get(m.author_id) ?? '') : ''))
            : '',
      at: m.created_at,
      text: m.sender === 'system' ? (m.event ?? m.body) : m.body,
    };
  });
  return {
    kind: 'chat',
    id: ci.id,
    departmentId: ci.department_id,
    agentId: ci.agent_id,
    channel: 'chat',
    title: ci.visitor_name ?? '',
    at: ci.ended_at,
    parts,
    call: null,
    slaBreached: false,
  };
}

async function readTicket(trx: Tx, id: string): Promise<ContactInput | null> {
  const t = await trx
    .selectFrom('tickets')
    .select([
      'id',
      'number',
      'department_id',
      'assignee_id',
      'channel',
      'subject',
      'description',
      'created_at',
      'updated_at',
      'sla_state',
      'customer_id',
    ])
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!t) return null;
  const comments = await trx
    .selectFrom('ticket_comments')
    .selectAll()
    .where('ticket_id', '=', id)
    .where('internal', '=', 0)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const customer = await trx
    .selectFrom('customers')
    .select('name')
    .where('id', '=', t.customer_id)
    .executeTakeFirst();
  // Breached: as the service last computed it, or any breach the SLA sweeper recorded for it.
  const breach =
    t.sla_state === 'breached' ||
    !!(await trx
      .selectFrom('sla_events')
      .select('ticket_id')
      .where('ticket_id', '=', id)
      .where('kind', '=', 'breach')
      .executeTakeFirst());
  const parts: QualityPart[] = [
    {
      id: 'description',
      // A phone ticket's text is the agent's note of the call, not a reply to the customer: neither side's.
      role: t.channel === 'phone' ? 'system' : 'customer',
      author: t.channel === 'phone' ? '' : (customer?.name ?? ''),
      at: t.created_at,
      text: [t.subject, t.description].filter((x) => x.trim()).join('\n'),
    },
  ];
  let lastAgent: string | null = null;
  for (const c of comments) {
    const fromCustomer = c.from_customer === 1 || c.author_id === null;
    if (!fromCustomer) lastAgent = c.author_id;
    parts.push({
      id: c.id,
      role: fromCustomer ? 'customer' : 'agent',
      author: c.author_name,
      at: c.created_at,
      text: c.body,
    });
  }
  return {
    kind: 'ticket',
    id: t.id,
    departmentId: t.department_id,
    agentId: t.assignee_id ?? lastAgent,
    channel: t.channel,
    title: `#${t.number} ${t.subject}`,
    at: comments.at(-1)?.created_at ?? t.created_at,
    parts,
    call: null,
    slaBreached: breach,
  };
}

async function readCall(trx: Tx, id: string): Promise<ContactInput | null> {
  const c = await trx
    .selectFrom('interactions')
    .select([
      'id',
      'department_id',
      'agent_id',
      'caller_number',
      'direction',
      'callee_number',
      'ring_at',
      'answer_at',
      'end_at',
      'completed_at',
      'hold_seconds',
      'disposition',
      'notes',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!c || !c.completed_at) return null;
  const number = c.direction === 'inbound' ? c.caller_number : c.callee_number;
  // Legs before this one: same caller, each starting within the gap after the previous one ended.
  let transfers = 0;
  if (c.direction === 'inbound') {
    const earlier = await trx
      .selectFrom('interactions')
      .select(['ring_at', 'end_at'])
      .where('caller_number', '=', c.caller_number)
      .where('direction', '=', 'inbound')
      .where('id', '!=', c.id)
      .where('ring_at', '<=', c.ring_at)
      .where('ring_at', '>=', iso(Date.parse(c.ring_at) - 4 * 3_600_000))
      .orderBy('ring_at', 'desc')
      .limit(20)
      .execute();
    let start = Date.parse(c.ring_at);
    for (const e of earlier) {
      if (!e.end_at) break;
      const end = Date.parse(e.end_at);
      if (start - end > TRANSFER_GAP_SECONDS * 1000 || end - start > TRANSFER_GAP_SECONDS * 1000) break;
      transfers++;
      start = Date.parse(e.ring_at);
    }
  }
  const who = await names(trx, [c.agent_id]);
  const parts: QualityPart[] = c.notes?.trim()
    ? [
        {
          id: 'notes',
          role: 'agent',
          author: c.agent_id ? (who.get(c.agent_id) ?? '') : '',
          at: c.completed_at,
          text: c.notes,
        },
      ]
    : [];
  return {
    kind: 'call',
    id: c.id,
    departmentId: c.department_id,
    agentId: c.agent_id,
    channel: 'voice',
    title: number,
    at: c.completed_at,
    parts,
    call: {
      holdSeconds: c.hold_seconds,
      transfers,
      disposition: c.disposition,
      durationSeconds:
        c.answer_at && c.end_at
          ? Math.max(0, Math.round((Date.parse(c.end_at) - Date.parse(c.answer_at)) / 1000))
          : null,
    },
    slaBreached: false,
  };
}
