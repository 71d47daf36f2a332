import type { Database, Statement } from 'better-sqlite3';
import type { TimelineCursor, TimelineEntry, TimelineKind, TimelinePage } from '../../shared/ipc/contract';
import { TimelineKind as Kinds } from '../../shared/ipc/contract';
import { interactionRowFromDb, type InteractionListDbRow } from './interaction-rows';

/** How much of a message the timeline shows: a line or two, the ticket holds the rest. */
const EXCERPT = 240;

interface KeyRow {
  kind: TimelineKind;
  id: string;
  at: string;
}

interface TicketDbRow {
  id: string;
  number: number | null;
  subject: string;
  status: string;
  priority: string;
  channel: string | null;
  created_at: string;
}

interface MessageDbRow {
  id: string;
  ticket_id: string;
  author_id: string | null;
  author_name: string;
  body: string;
  from_customer: number;
  created_at: string;
}

/**
 * A customer's timeline from the replica: the keys of every kind merged in one statement (each from its own index:
 * calls by customer and time, chats by customer and start time, tickets by customer, the public comments of those tickets by ticket and time), the
 * page's entries then read by id. Internal notes are not contacts with the customer and stay out.
 */
export class CustomerTimeline {
  private readonly keys: Statement;
  private readonly call: Statement;
  private readonly ticket: Statement;
  private readonly message: Statement;
  private readonly chat: Statement;

  constructor(db: Database) {
    // Cursor: entries strictly after (older than) @at/@id in the order at DESC, id DESC.
    this.keys = db.prepare(`
      SELECT kind, id, at FROM (
        SELECT 'call' AS kind, i.id, i.ring_at AS at FROM interactions i WHERE i.customer_id = @customer
        UNION ALL
        SELECT 'ticket', t.id, t.created_at FROM tickets t WHERE t.customer_id = @customer
        UNION ALL
        SELECT 'message', m.id, m.created_at FROM tickets t CROSS JOIN comments m ON m.ticket_id = t.id
        WHERE t.customer_id = @customer AND m.internal = 0
        UNION ALL
        SELECT 'chat', c.id, c.started_at FROM chats c WHERE c.customer_id = @customer
      )
      WHERE kind IN (SELECT value FROM json_each(@kinds))
        AND (@at IS NULL OR at < @at OR (at = @at AND id < @id))
      ORDER BY at DESC, id DESC LIMIT @limit`);
    this.call = db.prepare(
      `SELECT i.*, EXISTS (SELECT 1 FROM outbox o WHERE o.interaction_id = i.id) AS pending
       FROM interactions i WHERE i.id = ?`,
    );
    this.ticket = db.prepare(
      'SELECT id, number, subject, status, priority, channel, created_at FROM tickets WHERE id = ?',
    );
    this.message = db.prepare(
      'SELECT id, ticket_id, author_id, author_name, body, from_customer, created_at FROM comments WHERE id = ?',
    );
    this.chat = db.prepare(
      `SELECT c.*, u.display_name AS agent_name FROM chats c LEFT JOIN users u ON u.id = c.agent_id WHERE c.id = ?`,
    );
  }

  page(
    customerId: string,
    kinds: readonly TimelineKind[],
    after: TimelineCursor | null,
    limit: number,
  ): TimelinePage {
    const rows = this.keys.all({
      customer: customerId,
      kinds: JSON.stringify(kinds.length ? kinds : Kinds.options),
      at: after?.at ?? null,
      id: after?.id ?? null,
      limit: limit + 1,
    }) as KeyRow[];
    const entries: TimelineEntry[] = [];
    for (const r of rows.slice(0, limit)) {
      const entry = this.entry(r);
      if (entry) entries.push(entry);
    }
    return { entries, more: rows.length > limit };
  }

  private ticketOf(id: string): TicketDbRow | undefined {
    return this.ticket.get(id) as TicketDbRow | undefined;
  }

  private entry(r: KeyRow): TimelineEntry | null {
    switch (r.kind) {
      case 'call': {
        const row = this.call.get(r.id) as InteractionListDbRow | undefined;
        return row ? { kind: 'call', id: r.id, at: r.at, call: interactionRowFromDb(row) } : null;
      }
      case 'ticket': {
        const t = this.ticketOf(r.id);
        return t
          ? {
              kind: 'ticket',
              id: r.id,
              at: r.at,
              ticket: { ...ticketPart(t), priority: t.priority as Priority },
            }
          : null;
      }
      case 'message': {
        const m = this.message.get(r.id) as MessageDbRow | undefined;
        const t = m && this.ticketOf(m.ticket_id);
        if (!m || !t) return null;
        return {
          kind: 'message',
          id: r.id,
          at: r.at,
          ticket: ticketPart(t),
          authorName: m.author_name,
          // Mail marks it; messaging webhooks file the customer's messages with no author among the users.
          fromCustomer: m.from_customer === 1 || m.author_id === null,
          excerpt: excerpt(m.body),
        };
      }
      case 'chat': {
        const c = this.chat.get(r.id) as ChatDbRow | undefined;
        if (!c) return null;
        const t = c.ticket_id ? this.ticketOf(c.ticket_id) : undefined;
        return {
          kind: 'chat',
          id: r.id,
          at: r.at,
          chat: {
            agentName: c.agent_name ?? null,
            visitorName: c.visitor_name,
            startedAt: c.started_at,
            endedAt: c.ended_at,
            messageCount: c.message_count,
            excerpt: excerpt(c.first_line),
            transcript: c.transcript,
            ticket: t ? ticketPart(t) : null,
          },
        };
      }
    }
  }
}

interface ChatDbRow {
  id: string;
  agent_name: string | null;
  visitor_name: string | null;
  started_at: string;
  ended_at: string;
  message_count: number;
  first_line: string;
  transcript: string;
  ticket_id: string | null;
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text;
}

type TimelineTicket = Extract<TimelineEntry, { kind: 'message' }>['ticket'];
type Priority = Extract<TimelineEntry, { kind: 'ticket' }>['ticket']['priority'];

function ticketPart(t: TicketDbRow): TimelineTicket {
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    status: t.status as TimelineTicket['status'],
    // Rows from before channels were recorded were web tickets.
    channel: (t.channel ?? 'web') as TimelineTicket['channel'],
  };
}
