import type { ReportChannel } from '../../shared/protocol/reports';
import { idList } from '../db/id-list';
import type { Database, ReportMeasures, Tx } from '../db/schema';

export type FactRow = Database['report_facts'];
export type FactKind = FactRow['kind'];

export const BUCKET_MS = 15 * 60_000;
/** A call answered within this many seconds counts as answered within the service level (80/20's 20). */
export const ANSWER_THRESHOLD_SECONDS = 20;

export const MEASURES = [
  'volume',
  'answered',
  'abandoned',
  'fr_count',
  'fr_sec',
  'resolved',
  'res_sec',
  'sla_met',
  'sla_total',
  'handled',
  'handle_sec',
  'transfers',
  'csat_count',
  'csat_sum',
] as const satisfies readonly (keyof ReportMeasures)[];

export const zeroMeasures = (): ReportMeasures => ({
  volume: 0,
  answered: 0,
  abandoned: 0,
  fr_count: 0,
  fr_sec: 0,
  resolved: 0,
  res_sec: 0,
  sla_met: 0,
  sla_total: 0,
  handled: 0,
  handle_sec: 0,
  transfers: 0,
  csat_count: 0,
  csat_sum: 0,
});

export const bucketOf = (ms: number) => Math.floor(ms / BUCKET_MS) * BUCKET_MS;
const ms = (iso: string) => Date.parse(iso);
/** Whole seconds between two instants, never negative (clocks of two machines may disagree a little). */
const secs = (from: number, to: number) => Math.max(0, Math.round((to - from) / 1000));

const TICKET_CHANNEL: Record<string, ReportChannel> = {
  phone: 'voice',
  chat: 'chat',
  email: 'email',
  web: 'web',
  api: 'api',
};

/**
 * The category a ticket is reported under: its triage category (issue 15: predicted or set by a person) when
 * it has one, else its `category` custom field, else its first tag, else none (''). Calls: their disposition
 * (what the wrap-up said the call was). Chats: none.
 */
export function ticketCategory(fields: string, tags: string, category: string | null = null): string {
  if (category) return category;
  try {
    const f = JSON.parse(fields) as Record<string, unknown>;
    const c = f.category;
    if (typeof c === 'string' && c.trim()) return c.trim().slice(0, 60);
    if (Array.isArray(c) && typeof c[0] === 'string') return c[0].slice(0, 60);
  } catch {
    // unreadable fields: fall back to tags
  }
  try {
    const t = JSON.parse(tags) as unknown;
    if (Array.isArray(t) && typeof t[0] === 'string') return t[0];
  } catch {
    // none
  }
  return '';
}

/** Ids per query: bound as one parameter (id-list.ts), so long lists cost no more to prepare than short. */
const chunk = <T>(xs: readonly T[], n = 5000): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
};

/** What each of these tickets contributes now; a deleted or missing ticket contributes nothing (absent). */
export async function ticketFacts(trx: Tx, ids: readonly string[]): Promise<FactRow[]> {
  const out: FactRow[] = [];
  for (const part of chunk(ids)) {
    const tickets = await trx
      .selectFrom('tickets')
      .select([
        'id',
        'department_id',
        'assignee_id',
        'channel',
        'status',
        'created_at',
        'fields',
        'tags',
        'category',
        'sla_state',
      ])
      .where('id', 'in', idList(trx, part))
      .where('deleted_at', 'is', null)
      .execute();
    if (tickets.length === 0) continue;
    const live = tickets.map((t) => t.id);
    // First public reply by someone of ours (not the customer's own mail or message).
    const replies = await trx
      .selectFrom('ticket_comments')
      .select(['ticket_id', (eb) => eb.fn.min('created_at').as('first')])
      .where('ticket_id', 'in', idList(trx, live))
      .where('internal', '=', 0)
      .where('author_id', 'is not', null)
      .where((eb) => eb.or([eb('from_customer', 'is', null), eb('from_customer', '=', 0)]))
      .groupBy('ticket_id')
      .execute();
    const history = await trx
      .selectFrom('ticket_history')
      .select(['ticket_id', 'field', 'to_value', 'at'])
      .where('ticket_id', 'in', idList(trx, live))
      .where('field', 'in', ['status', 'departmentId'])
      .execute();
    const breached = await trx
      .selectFrom('sla_events')
      .select('ticket_id')
      .distinct()
      .where('ticket_id', 'in', idList(trx, live))
      .where('kind', '=', 'breach')
      .execute();
    const firstReply = new Map(replies.map((r) => [r.ticket_id, r.first as string | null]));
    const breach = new Set(breached.map((r) => r.ticket_id));
    const solvedAt = new Map<string, number>();
    const transfers = new Map<string, number>();
    for (const h of history) {
      if (h.field === 'departmentId') transfers.set(h.ticket_id, (transfers.get(h.ticket_id) ?? 0) + 1);
      else if (h.to_value === 'solved' || h.to_value === 'closed') {
        // The latest time it was solved: a reopened ticket is resolved when it is solved again.
        const at = ms(h.at);
        if (at > (solvedAt.get(h.ticket_id) ?? -Infinity)) solvedAt.set(h.ticket_id, at);
      }
    }
    for (const t of tickets) {
      const created = ms(t.created_at);
      const m = zeroMeasures();
      m.volume = 1;
      const reply = firstReply.get(t.id);
      if (reply) {
        m.answered = 1;
        m.fr_count = 1;
        m.fr_sec = secs(created, ms(reply));
      }
      const resolved = t.status === 'solved' || t.status === 'closed';
      const solved = solvedAt.get(t.id);
      if (resolved && solved !== undefined) {
        m.resolved = 1;
        m.res_sec = secs(created, solved);
      }
      // SLA attainment is judged once a ticket is resolved: met unless a breach was recorded on the way.
      if (resolved && (t.sla_state !== null || breach.has(t.id))) {
        m.sla_total = 1;
        m.sla_met = breach.has(t.id) ? 0 : 1;
      }
      m.transfers = transfers.get(t.id) ?? 0;
      out.push({
        kind: 'ticket',
        entity_id: t.id,
        bucket_ms: bucketOf(created),
        department_id: t.department_id,
        queue_key: '',
        agent_key: t.assignee_id ?? '',
        channel: TICKET_CHANNEL[t.channel] ?? 'web',
        category: ticketCategory(t.fields, t.tags, t.category),
        ...m,
      });
    }
  }
  return out;
}

/** Queue numbers (8xxx) to queue ids, so calls and chats of a queue share its key. */
async function queueIds(trx: Tx): Promise<Map<string, string>> {
  const rows = await trx.selectFrom('queues').select(['id', 'number']).execute();
  return new Map(rows.map((r) => [r.number, r.id]));
}

/** What each of these calls contributes now. */
export async function callFacts(trx: Tx, ids: readonly string[]): Promise<FactRow[]> {
  const out: FactRow[] = [];
  if (ids.length === 0) return out;
  const queues = await queueIds(trx);
  for (const part of chunk(ids)) {
    const calls = await trx
      .selectFrom('interactions')
      .select([
        'id',
        'direction',
        'department_id',
        'queue_number',
        'agent_id',
        'status',
        'ring_at',
        'answer_at',
        'end_at',
        'completed_at',
        'disposition',
        'csat',
      ])
      .where('id', 'in', idList(trx, part))
      .execute();
    for (const c of calls) {
      const ring = ms(c.ring_at);
      const m = zeroMeasures();
      m.volume = 1;
      if (c.answer_at) {
        const answer = ms(c.answer_at);
        m.answered = 1;
        m.fr_count = 1;
        m.fr_sec = secs(ring, answer);
        if (c.end_at) {
          const end = ms(c.end_at);
          m.handled = 1;
          m.handle_sec = secs(answer, end) + (c.completed_at ? secs(end, ms(c.completed_at)) : 0);
        }
      }
      if (c.status === 'abandoned') m.abandoned = 1;
      // Service level: inbound calls that were answered or abandoned; answered within the threshold.
      if (c.direction === 'inbound' && (m.answered || m.abandoned)) {
        m.sla_total = 1;
        m.sla_met = m.answered && m.fr_sec <= ANSWER_THRESHOLD_SECONDS ? 1 : 0;
      }
      if (c.csat !== null) {
        m.csat_count = 1;
        m.csat_sum = c.csat;
      }
      out.push({
        kind: 'call',
        entity_id: c.id,
        bucket_ms: bucketOf(ring),
        department_id: c.department_id,
        queue_key: c.queue_number ? (queues.get(c.queue_number) ?? c.queue_number) : '',
        agent_key: c.agent_id ?? '',
        channel: 'voice',
        category: c.disposition ?? '',
        ...m,
      });
    }
  }
  return out;
}

/** What each of these ended chats (chat_interactions ids) contributes now. */
export async function chatFacts(trx: Tx, ids: readonly string[]): Promise<FactRow[]> {
  const out: FactRow[] = [];
  for (const part of chunk(ids)) {
    const chats = await trx
      .selectFrom('chat_interactions as ci')
      .innerJoin('chat_sessions as s', 's.id', 'ci.session_id')
      .select([
        'ci.id as id',
        'ci.session_id as session_id',
        'ci.department_id as department_id',
        'ci.agent_id as agent_id',
        'ci.ended_at as ended_at',
        'ci.csat as csat',
        's.queue_id as queue_id',
        's.created_at as created_at',
        's.handoff_at as handoff_at',
      ])
      .where('ci.id', 'in', idList(trx, part))
      .execute();
    if (chats.length === 0) continue;
    const firsts = await trx
      .selectFrom('chat_messages')
      .select(['session_id', (eb) => eb.fn.min('created_at').as('first')])
      .where(
        'session_id',
        'in',
        idList(
          trx,
          chats.map((c) => c.session_id),
        ),
      )
      .where('sender', '=', 'agent')
      .groupBy('session_id')
      .execute();
    const firstAgent = new Map(firsts.map((f) => [f.session_id, f.first as string | null]));
    for (const c of chats) {
      const created = ms(c.created_at);
      const asked = c.handoff_at ? ms(c.handoff_at) : created;
      const end = ms(c.ended_at);
      const m = zeroMeasures();
      m.volume = 1;
      const first = firstAgent.get(c.session_id);
      if (c.agent_id) {
        m.answered = 1;
        m.resolved = 1;
        m.res_sec = secs(created, end);
        if (first) {
          m.fr_count = 1;
          m.fr_sec = secs(asked, ms(first));
        }
        m.handled = 1;
        m.handle_sec = secs(first ? ms(first) : asked, end);
      } else if (c.handoff_at) m.abandoned = 1;
      if (c.csat !== null) {
        m.csat_count = 1;
        m.csat_sum = c.csat;
      }
      out.push({
        kind: 'chat',
        entity_id: c.id,
        bucket_ms: bucketOf(created),
        department_id: c.department_id,
        queue_key: c.queue_id ?? '',
        agent_key: c.agent_id ?? '',
        channel: 'chat',
        category: '',
        ...m,
      });
    }
  }
  return out;
}
