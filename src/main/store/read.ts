import type { Database, Statement } from 'better-sqlite3';
import type { Customer, Department, Ticket, User } from '../../shared/domain';
import type {
  CustomerDetail,
  CustomerPage,
  Directory,
  InteractionRow,
  TicketConflict,
  TicketDetail,
  TicketLink,
  TicketLinks,
  TicketPage,
  TimelineCursor,
  TimelineKind,
  TimelinePage,
} from '../../shared/ipc/contract';
import { ftsQuery } from '../../shared/search/segment';
import type { Mutation } from '../../shared/protocol/sync';
import {
  departmentFromDb,
  ticketRowFromDb,
  userFromDb,
  type CustomerDbRow,
  type DepartmentDbRow,
  type TicketDbRow,
  type TicketListDbRow,
  type UserDbRow,
} from './rows';
import { interactionRowFromDb, type InteractionListDbRow } from './interaction-rows';
import { SlaReader } from './sla';
import { TicketSearch, type ResolvedTicketFilter, type ResolvedTicketQuery } from './search';
import type { TicketClocks } from './ticket-clocks';
import { CustomerTimeline } from './timeline';
import { META, type OutboxEntry, type SyncMeta } from './types';
import {
  type CommentColumns,
  type HistoryColumns,
  commentFromColumns,
  customerFromColumns,
  historyFromColumns,
  ticketFromColumns,
} from '../../shared/storage/columns';

/** The ticket ids a ticket's history names in its link entries (parent, related, merge), each once. */
function linkIdsIn(history: readonly { field: string; from: string | null; to: string | null }[]): string[] {
  const ids = new Set<string>();
  for (const h of history) {
    for (const v of [h.from, h.to]) {
      if (v === null) continue;
      if (h.field === 'relatedIds') for (const id of JSON.parse(v) as string[]) ids.add(id);
      else if (h.field === 'parentId' || h.field === 'mergedInto' || h.field === 'mergedFrom') ids.add(v);
    }
  }
  return [...ids];
}

const LIST = `SELECT t.*, c.name AS customer_name,
  EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id) AS pending,
  EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id AND o.name = 'ticket.delete') AS deleting,
  EXISTS (SELECT 1 FROM ticket_conflicts k WHERE k.ticket_id = t.id) AS conflict
  FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id`;

const CALLS = `SELECT i.*, EXISTS (SELECT 1 FROM outbox o WHERE o.interaction_id = i.id) AS pending
  FROM interactions i`;

interface ConflictDbRow {
  ticket_id: string;
  field: TicketConflict['field'];
  mine: string | null;
  theirs: string | null;
  changed_by_id: string | null;
  changed_by_name: string;
  changed_at: string;
}

/** Read-only queries over the replica (its own connection; never writes). */
export class StoreReader {
  private readonly searcher: TicketSearch;
  private readonly timeline: CustomerTimeline;
  /** The SLA watcher's reads (migration 012). */
  readonly sla: SlaReader;
  private readonly s: Record<string, Statement>;

  constructor(
    private readonly db: Database,
    clocks: TicketClocks | null = null,
  ) {
    this.searcher = new TicketSearch(db, clocks);
    this.timeline = new CustomerTimeline(db);
    this.sla = new SlaReader(db);
    this.s = {
      ticketRow: db.prepare(`${LIST} WHERE t.id = ?`),
      ticket: db.prepare('SELECT * FROM tickets WHERE id = ?'),
      // A provisional customer the server merged into another (customer_aliases) is found under its old id too.
      customer: db.prepare(
        `SELECT * FROM customers
         WHERE id = coalesce((SELECT customer_id FROM customer_aliases WHERE alias_id = @id), @id)`,
      ),
      customerByPhone: db.prepare('SELECT * FROM customers WHERE phone = ? ORDER BY updated_at DESC LIMIT 1'),
      customerTickets: db.prepare(`${LIST} WHERE t.customer_id = ? ORDER BY t.updated_at DESC LIMIT 200`),
      comments: db.prepare(
        `SELECT c.*, EXISTS (SELECT 1 FROM outbox o WHERE o.comment_id = c.id) AS pending
         FROM comments c WHERE c.ticket_id = ? ORDER BY c.created_at, c.id`,
      ),
      history: db.prepare('SELECT * FROM history WHERE ticket_id = ? ORDER BY at, id'),
      conflicts: db.prepare('SELECT * FROM ticket_conflicts WHERE ticket_id = ? ORDER BY field'),
      // Linked tickets: by id (json_each of the ids asked for), by parent_id and merged_into (partial indexes).
      linkRows: db.prepare(
        'SELECT id, number, subject, status FROM tickets WHERE id IN (SELECT value FROM json_each(?))',
      ),
      children: db.prepare(
        'SELECT id, number, subject, status FROM tickets WHERE parent_id = ? ORDER BY seq LIMIT 500',
      ),
      mergedFrom: db.prepare(
        'SELECT id, number, subject, status FROM tickets WHERE merged_into = ? ORDER BY seq LIMIT 500',
      ),
      departments: db.prepare('SELECT * FROM departments ORDER BY code'),
      department: db.prepare('SELECT * FROM departments WHERE id = ?'),
      users: db.prepare('SELECT * FROM users ORDER BY display_name'),
      user: db.prepare('SELECT * FROM users WHERE id = ?'),
      meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      pendingCount: db.prepare('SELECT count(*) AS n FROM outbox'),
      queued: db.prepare('SELECT 1 FROM outbox WHERE mutation_id = ?'),
      deleteQueued: db.prepare(`SELECT 1 FROM outbox WHERE ticket_id = ? AND name = 'ticket.delete' LIMIT 1`),
      outbox: db.prepare('SELECT * FROM outbox ORDER BY seq LIMIT ?'),
      interaction: db.prepare(`${CALLS} WHERE i.id = ?`),
      interactionAlias: db.prepare('SELECT interaction_id FROM interaction_aliases WHERE id = ?').pluck(),
      customerCalls: db.prepare(`${CALLS} WHERE i.customer_id = ? ORDER BY i.ring_at DESC LIMIT ?`),
      callerCalls: db.prepare(
        `${CALLS} WHERE i.caller_number = ? AND i.direction = 'inbound' ORDER BY i.ring_at DESC LIMIT ?`,
      ),
      // This agent's record first (a queue call can have been offered to a colleague before), the server's
      // record before one only logged here.
      callRecord: db.prepare(
        `${CALLS} WHERE i.call_id = ? ORDER BY i.agent_id IS ? DESC, i.provisional, i.ring_at DESC LIMIT 1`,
      ),
    };
  }

  searchTickets(q: ResolvedTicketQuery): TicketPage {
    const page = this.searcher.search(q);
    // A pending delete is a pending change: only those rows are looked at (a page has few, a look-up each).
    for (const row of page.rows)
      if (row.syncState !== 'synced' && this.isDeletePending(row.id)) row.deletePending = true;
    return page;
  }

  /** Whether a ticket.delete of this ticket is queued (the ticket shows struck through and takes no edits). */
  isDeletePending(ticketId: string): boolean {
    return this.s.deleteQueued!.get(ticketId) !== undefined;
  }

  /** How many tickets each filter matches, up to TOTAL_CAP. */
  countTickets(filters: readonly ResolvedTicketFilter[]): number[] {
    return this.searcher.counts(filters);
  }

  getTicket(id: string): Ticket | null {
    const r = this.s.ticket!.get(id) as TicketDbRow | undefined;
    return r ? ticketFromColumns(r) : null;
  }

  getTicketDetail(id: string): TicketDetail | null {
    const r = this.s.ticketRow!.get(id) as TicketListDbRow | undefined;
    if (!r) return null;
    const customer = this.getCustomer(r.customer_id);
    const comments = (this.s.comments!.all(id) as (CommentColumns & { pending: number })[]).map((c) => ({
      ...commentFromColumns(c),
      syncState: c.pending ? ('pending' as const) : ('synced' as const),
    }));
    const history = (this.s.history!.all(id) as HistoryColumns[]).map(historyFromColumns);
    const me = this.replicaUserId();
    const conflicts = (this.s.conflicts!.all(id) as ConflictDbRow[]).map((k) => ({
      field: k.field,
      mine: k.mine,
      theirs: k.theirs,
      changedByName: k.changed_by_name,
      changedAt: k.changed_at,
      byYou: k.changed_by_id !== null && k.changed_by_id === me,
    }));
    const ticket = ticketRowFromDb(r);
    const links = this.ticketLinks(ticket, linkIdsIn(history));
    return { ticket, links, customer, comments, history, conflicts };
  }

  /** A ticket's parent, children, related and merge links, each with its row when this replica holds it. */
  ticketLinks(t: Ticket, mentioned: readonly string[] = []): TicketLinks {
    type LinkDbRow = { id: string; number: number | null; subject: string; status: Ticket['status'] };
    const link = (x: LinkDbRow): TicketLink => ({
      id: x.id,
      row: { number: x.number, subject: x.subject, status: x.status },
    });
    const asked = [t.parentId, t.mergedInto, ...t.relatedIds, ...mentioned].filter(
      (x): x is string => x !== null,
    );
    const found = new Map(
      asked.length === 0
        ? []
        : (this.s.linkRows!.all(JSON.stringify(asked)) as LinkDbRow[]).map((x) => [x.id, link(x)]),
    );
    const byId = (id: string): TicketLink => found.get(id) ?? { id, row: null };
    return {
      parent: t.parentId === null ? null : byId(t.parentId),
      children: (this.s.children!.all(t.id) as LinkDbRow[]).map(link),
      related: t.relatedIds.map(byId),
      mergedInto: t.mergedInto === null ? null : byId(t.mergedInto),
      mergedFrom: (this.s.mergedFrom!.all(t.id) as LinkDbRow[]).map(link),
      mentioned: [...new Set(mentioned)].map(byId),
    };
  }

  getCustomer(id: string): Customer | null {
    const r = this.s.customer!.get({ id }) as CustomerDbRow | undefined;
    return r ? customerFromColumns(r) : null;
  }

  getCustomerDetail(id: string): CustomerDetail | null {
    const customer = this.getCustomer(id);
    if (!customer) return null;
    const tickets = (this.s.customerTickets!.all(customer.id) as TicketListDbRow[]).map(ticketRowFromDb);
    return { customer, tickets };
  }

  /**
   * Customers whose name, company, email or phone matches what the agent typed (Chinese substrings,
   * English prefixes, phone digits with or without the country code), best match first.
   */
  searchCustomers(text: string, limit: number): CustomerPage {
    const match = ftsQuery(text);
    if (!match) return { total: 0, rows: [] };
    const rows = this.cached(
      `SELECT c.* FROM (SELECT rowid AS rid, bm25(customer_fts, 3.0, 1.0) AS rank FROM customer_fts
         WHERE customer_fts MATCH ? ORDER BY rank LIMIT ?) m
       JOIN customers c ON c.rid = m.rid ORDER BY m.rank, c.name`,
    ).all(match, limit) as CustomerDbRow[];
    const total =
      rows.length < limit
        ? rows.length
        : (
            this.cached('SELECT count(*) AS n FROM customer_fts WHERE customer_fts MATCH ?').get(match) as {
              n: number;
            }
          ).n;
    return { total, rows: rows.map(customerFromColumns) };
  }

  private readonly statements = new Map<string, Statement>();
  private cached(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Screen pop: the caller's profile by E.164 number, from the local index (no network). */
  findCustomerByPhone(e164: string): Customer | null {
    const r = this.s.customerByPhone!.get(e164) as CustomerDbRow | undefined;
    return r ? customerFromColumns(r) : null;
  }

  /** A call record by its id, or by the id it was logged under before the server's record replaced it. */
  getInteraction(id: string): InteractionRow | null {
    const target = (this.s.interactionAlias!.get(id) as string | undefined) ?? id;
    const r = this.s.interaction!.get(target) as InteractionListDbRow | undefined;
    return r ? interactionRowFromDb(r) : null;
  }

  /** A customer's calls, newest first. */
  customerInteractions(customerId: string, limit: number): InteractionRow[] {
    return (this.s.customerCalls!.all(customerId, limit) as InteractionListDbRow[]).map(interactionRowFromDb);
  }

  /** A customer's calls, tickets and public messages, newest first, a page at a time. */
  customerTimeline(
    customerId: string,
    kinds: readonly TimelineKind[],
    after: TimelineCursor | null,
    limit: number,
  ): TimelinePage {
    return this.timeline.page(customerId, kinds, after, limit);
  }

  /** Calls from a number no customer has (yet), newest first. */
  callerInteractions(number: string, limit: number): InteractionRow[] {
    return (this.s.callerCalls!.all(number, limit) as InteractionListDbRow[]).map(interactionRowFromDb);
  }

  /** The record of a call by its SIP Call-ID, preferring this agent's. */
  interactionForCall(callId: string, agentId: string): InteractionRow | null {
    const r = this.s.callRecord!.get(callId, agentId) as InteractionListDbRow | undefined;
    return r ? interactionRowFromDb(r) : null;
  }

  directory(): Directory {
    return {
      departments: (this.s.departments!.all() as DepartmentDbRow[]).map(departmentFromDb),
      users: (this.s.users!.all() as UserDbRow[]).map(userFromDb),
    };
  }

  getUser(id: string): User | null {
    const r = this.s.user!.get(id) as UserDbRow | undefined;
    return r ? userFromDb(r) : null;
  }

  getDepartment(id: string): Department | null {
    const r = this.s.department!.get(id) as DepartmentDbRow | undefined;
    return r ? departmentFromDb(r) : null;
  }

  /** Whose replica this is (one per server and user), as the session that opened it recorded. */
  private replicaUserId(): string | null {
    try {
      const saved = JSON.parse(this.meta(META.sessionUser) ?? 'null') as { user?: { id?: unknown } } | null;
      return typeof saved?.user?.id === 'string' ? saved.user.id : null;
    } catch {
      return null;
    }
  }

  meta(key: string): string | null {
    return (this.s.meta!.get(key) as { value: string } | undefined)?.value ?? null;
  }

  syncMeta(): SyncMeta {
    return {
      cursor: Number(this.meta(META.cursor) ?? 0),
      head: Number(this.meta(META.head) ?? 0),
      lastSyncedAt: this.meta(META.lastSyncedAt),
    };
  }

  pendingCount(): number {
    return (this.s.pendingCount!.get() as { n: number }).n;
  }

  /** Whether a change with this mutation id is queued (not yet answered by the server). */
  isQueued(mutationId: string): boolean {
    return this.s.queued!.get(mutationId) !== undefined;
  }

  /** The oldest queued mutations, in the order they must reach the server. */
  outbox(limit: number): OutboxEntry[] {
    return (
      this.s.outbox!.all(limit) as {
        seq: number;
        mutation_id: string;
        name: Mutation['name'];
        args: string;
        attempts: number;
        last_error: string | null;
      }[]
    ).map((r) => ({
      seq: r.seq,
      mutation: { id: r.mutation_id, name: r.name, args: JSON.parse(r.args) } as Mutation,
      attempts: r.attempts,
      lastError: r.last_error,
    }));
  }
}
