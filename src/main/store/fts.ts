import type { Database, Statement } from 'better-sqlite3';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { segmentForIndex } from '../../shared/search/segment';

/**
 * Keeps ticket_fts in step with tickets, comments and customers. Text goes in through the shared
 * segmenter (Han bigrams), so the query side (ftsQuery) finds Chinese substrings.
 */
export interface FtsText {
  subject: string;
  body: string;
  customer: string;
  /** Filter values as tokens (see facet), so filtered searches are answered by the index alone. */
  facets: string;
}

/**
 * One token per filter value. unicode61 splits on '-' and '_', so ids go in as bare hex; the 'z'
 * prefixes keep facet tokens apart from any word in a ticket.
 */
// unicode61 would split on_hold and the ids in pieces: underscores and hyphens go.
const bare = (v: string) => v.replace(/[-_]/g, '');
const bareAssignee = (id: string | null) => (id ? bare(id) : 'none');

export const facet = {
  status: (s: string) => `zs${bare(s)}`,
  priority: (p: string) => `zp${p}`,
  department: (id: string) => `zd${bare(id)}`,
  assignee: (id: string | null) => `za${bareAssignee(id)}`,
  /**
   * The usual combinations of filters, each as one token, as a composite index is for a table: "open or pending,
   * in Billing, mine" is then an OR of two short lists rather than an AND of three long ones, which FTS5 steps
   * through for every match (over a million tickets, text with those three filters went from ~18 to ~5 ms, and
   * counting the filters alone from ~6 to under 1). search.ts (facetTerms) picks the one that covers the most.
   */
  statusDepartment: (s: string, dept: string) => `zy${bare(s)}${bare(dept)}`,
  statusAssignee: (s: string, id: string | null) => `zx${bare(s)}${bareAssignee(id)}`,
  departmentAssignee: (dept: string, id: string | null) => `zw${bare(dept)}${bareAssignee(id)}`,
  queue: (s: string, dept: string, id: string | null) => `zv${bare(s)}${bare(dept)}${bareAssignee(id)}`,
  /** Every ticket with an SLA due time (sla_due_at not null); one without has none of the due tokens. */
  due: 'zqdue',
  /** The day (UTC, see dueDay) its SLA is due: the "SLA due" order reads matches a day at a time. */
  dueDay: (day: number) => `zq${day}`,
  /** Triage (issue 15): the ticket's taxonomy category, and whether its prediction waits for a person. */
  category: (c: string) => `zc${bare(c)}`,
  needsTriage: 'ztreview',
};

export const DAY_MS = 86_400_000;

/** The day bucket of a due time (epoch ms); times before 1970 share bucket 0 (a token holds no '-'). */
export const dueDay = (dueAt: number): number => Math.max(0, Math.floor(dueAt / DAY_MS));

/**
 * The due tokens of a ticket's sla_due_at. Written with the ticket's other facets and again by the SLA
 * recomputation whenever these change (src/main/store/sla.ts), so the index always agrees with sla_due_at.
 */
export function dueTokens(dueAt: number | null | undefined): string {
  if (dueAt === null || dueAt === undefined) return '';
  return `${facet.due} ${facet.dueDay(dueDay(dueAt))}`;
}

export interface FacetValues {
  status: string;
  priority: string;
  departmentId: string;
  assigneeId: string | null;
  /** sla_due_at; absent for a ticket not computed yet (a new row has none). */
  slaDueAt?: number | null;
  /** Triage (issue 15): absent before store migration 020 (no category, nothing to review). */
  category?: string | null;
  needsTriage?: boolean;
}

const facetText = (f: FacetValues) =>
  [
    facet.status(f.status),
    facet.priority(f.priority),
    facet.department(f.departmentId),
    facet.assignee(f.assigneeId),
    facet.statusDepartment(f.status, f.departmentId),
    facet.statusAssignee(f.status, f.assigneeId),
    facet.departmentAssignee(f.departmentId, f.assigneeId),
    facet.queue(f.status, f.departmentId, f.assigneeId),
    dueTokens(f.slaDueAt),
    f.category ? facet.category(f.category) : '',
    f.needsTriage ? facet.needsTriage : '',
  ]
    .filter((t) => t !== '')
    .join(' ');

const HAN_CHAR = /^\p{Script=Han}$/u;
const GAP_CHAR = /^[\p{P}\p{Zs}]$/u;
const OTHER = 0;
const HAN = 1;
const GAP = 2;
/** HAN, GAP or OTHER for each character of the Basic Multilingual Plane, made on first use (~20 ms). */
let bmp: Uint8Array | null = null;
function charClass(ch: string): number {
  return HAN_CHAR.test(ch) ? HAN : GAP_CHAR.test(ch) ? GAP : OTHER;
}
function bmpClasses(): Uint8Array {
  if (bmp) return bmp;
  bmp = new Uint8Array(0x10000);
  for (let c = 0x80; c < 0x10000; c++)
    if (c < 0xd800 || c > 0xdfff) bmp[c] = charClass(String.fromCharCode(c));
  return bmp;
}

/**
 * segmentForIndex's answer, in one pass over the text when it holds nothing but ASCII, Han, punctuation and
 * spaces (nearly all a contact center indexes); other text goes to segmentForIndex itself. Its regular
 * expressions, run over every ticket's text, were a quarter of building the index after a first sync.
 * tests/main/store/fts-tokens.test.ts holds the two to the same answer.
 */
export function indexTokens(text: string): string {
  const classes = bmpClasses();
  const normal = text.normalize('NFKC').toLowerCase();
  const out: string[] = [];
  let word = -1; // start of the ASCII letters and digits being read
  let han = ''; // the last Han character of the run being read
  for (let i = 0; i < normal.length; i++) {
    const c = normal.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
      if (han) {
        out.push(han);
        han = '';
      }
      if (word < 0) word = i;
      continue;
    }
    if (word >= 0) {
      out.push(normal.slice(word, i));
      word = -1;
    }
    let ch: string;
    let kind: number;
    if (c < 0x80) kind = GAP;
    else if (c < 0xd800 || c > 0xdfff) {
      ch = normal[i]!;
      kind = classes[c]!;
    } else {
      // A surrogate pair is one character; a lone surrogate is none of the three, so segmentForIndex takes it.
      const cp = normal.codePointAt(i)!;
      ch = String.fromCodePoint(cp);
      kind = cp > 0xffff ? charClass(ch) : OTHER;
      if (cp > 0xffff) i++;
    }
    if (kind === HAN) {
      // Overlapping bigrams; the run's last character also goes in alone (as hanBigrams does).
      if (han) out.push(han + ch!);
      han = ch!;
      continue;
    }
    if (kind === OTHER) return segmentForIndex(text);
    if (han) {
      out.push(han);
      han = '';
    }
  }
  if (word >= 0) out.push(normal.slice(word));
  if (han) out.push(han);
  return out.join(' ');
}

/** Phone digits as typed by an agent: the full E.164 digits and the national number (no country code). */
function phoneTokens(e164: string | null): string {
  if (!e164) return '';
  let tokens = phoneTokenCache.get(e164);
  if (tokens === undefined) {
    const national = parsePhoneNumberFromString(e164)?.nationalNumber ?? '';
    tokens = `${e164.slice(1)} ${national}`;
    // A customer's number is indexed with each of their tickets; parsing it each time was a second per first sync.
    if (phoneTokenCache.size >= 10_000) phoneTokenCache.clear();
    phoneTokenCache.set(e164, tokens);
  }
  return tokens;
}
const phoneTokenCache = new Map<string, string>();

/**
 * The ticket number leads the subject column, so an agent who types a number a customer reads out
 * ("工单 10234") finds the ticket, as in Zendesk's search.
 */
export function ftsText(
  number: number | null,
  subject: string,
  description: string,
  comments: readonly string[],
  customer: { name: string; phone: string | null; email: string | null } | null,
  facets: FacetValues,
): FtsText {
  return {
    facets: facetText(facets),
    subject: number === null ? indexTokens(subject) : `${number} ${indexTokens(subject)}`,
    body: indexTokens([description, ...comments].join('\n')),
    customer: customer ? ticketCustomerText(customer) : '',
  };
}

/** What a ticket's `customer` column holds for its customer. */
function ticketCustomerText(customer: { name: string; phone: string | null; email: string | null }): string {
  return `${indexTokens(`${customer.name} ${customer.email ?? ''}`)} ${phoneTokens(customer.phone)}`.trim();
}

/** A customer as it goes into customer_fts: name and company, then how to reach them. */
export function customerFtsText(c: {
  name: string;
  company: string | null;
  phone: string | null;
  email: string | null;
}) {
  return {
    name: indexTokens(`${c.name} ${c.company ?? ''}`),
    contact: `${indexTokens(c.email ?? '')} ${phoneTokens(c.phone)}`.trim(),
  };
}

/** A ticket row as the index reads it, with its customer's name and how to reach them. */
interface IndexedTicket {
  rid: number;
  number: number | null;
  subject: string;
  description: string;
  status: string;
  priority: string;
  department_id: string;
  assignee_id: string | null;
  sla_due_at: number | null;
  category: string | null;
  /** json_extract(triage, '$.needsReview'): 1 while the prediction waits for a person. */
  needs_triage: number | null;
  name: string | null;
  phone: string | null;
  email: string | null;
}

interface IndexedCustomer {
  rid: number;
  name: string;
  company: string | null;
  phone: string | null;
  email: string | null;
}

const ticketText = (t: IndexedTicket, comments: readonly string[]) =>
  ftsText(
    t.number,
    t.subject,
    t.description,
    comments,
    t.name === null ? null : { name: t.name, phone: t.phone, email: t.email },
    {
      status: t.status,
      priority: t.priority,
      departmentId: t.department_id,
      assigneeId: t.assignee_id,
      slaDueAt: t.sla_due_at,
      category: t.category,
      needsTriage: t.needs_triage === 1,
    },
  );

/** Keys per millisecond of creation time (see ticketSeq). */
export const SEQ_SLOTS = 1024;

/**
 * The first key of a ticket created at `createdAt` in order of creation: its time in ms times SEQ_SLOTS (below
 * 2^53 until the year 2255, so exact as a JavaScript number); the store adds the first free slot of that
 * millisecond. null when the time cannot be read.
 */
export function ticketSeq(createdAt: string): number | null {
  const ms = Date.parse(createdAt);
  return Number.isFinite(ms) && ms >= 0 ? ms * SEQ_SLOTS : null;
}

/**
 * Which tickets column is a ticket's rowid in ticket_fts. Since migration 009 it is `seq`, a key in order of
 * creation (see ticketSeq), so "newest" and "oldest" are the index's own order and a filtered text search sorted
 * by them stops after one page, however many tickets match. Before 009 (migrations 002 and 003 run on such a
 * schema) it was `rid`.
 */
function ticketKey(db: Database): 'seq' | 'rid' {
  const columns = db.pragma('table_info(tickets)') as { name: string }[];
  return columns.some((c) => c.name === 'seq') ? 'seq' : 'rid';
}

/**
 * The due time as the index reads it: NULL before migration 014 added it (002, 003 and 009 run before); and
 * triage's category and review (issue 15): NULL before migration 020 added them.
 */
function slaColumns(db: Database): string {
  const columns = db.pragma('table_info(tickets)') as { name: string }[];
  const has = (name: string) => columns.some((c) => c.name === name);
  return [
    has('sla_due_at') ? 't.sla_due_at' : 'NULL AS sla_due_at',
    has('category') ? 't.category' : 'NULL AS category',
    has('triage') ? "json_extract(t.triage, '$.needsReview') AS needs_triage" : 'NULL AS needs_triage',
  ].join(', ');
}

export class FtsIndex {
  private readonly key: 'seq' | 'rid';
  private readonly sla: string;
  private readonly ticket: Statement<[string]>;
  private readonly comments: Statement<[string]>;
  private readonly del: Statement<[number]>;
  private readonly ins: Statement<[number, string, string, string, string]>;
  private readonly ticketsOfCustomer: Statement<[string]>;
  /** Prepared on first use: migration 002 builds this index before 003 creates customer_fts. */
  private customerStatements?: {
    get: Statement<[string]>;
    del: Statement<[number]>;
    ins: Statement<[number, string, string]>;
  };

  constructor(private readonly db: Database) {
    this.key = ticketKey(db);
    this.sla = slaColumns(db);
    this.ticket = db.prepare(
      `SELECT t.${this.key} AS rid, t.number, t.subject, t.description, t.status, t.priority, t.department_id, t.assignee_id, ${this.sla}, c.name, c.phone, c.email
       FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id WHERE t.id = ?`,
    );
    this.comments = db.prepare('SELECT body FROM comments WHERE ticket_id = ? ORDER BY created_at');
    this.del = db.prepare('DELETE FROM ticket_fts WHERE rowid = ?');
    this.ins = db.prepare(
      'INSERT INTO ticket_fts (rowid, subject, body, customer, facets) VALUES (?, ?, ?, ?, ?)',
    );
    this.ticketsOfCustomer = db.prepare('SELECT id FROM tickets WHERE customer_id = ?');
  }

  /** Rebuild one ticket's index row from what is stored now; `isNew`: it has no index row yet. */
  refreshTicket(ticketId: string, isNew = false): void {
    const t = this.ticket.get(ticketId) as IndexedTicket | undefined;
    if (!t) return;
    const comments = (this.comments.all(ticketId) as { body: string }[]).map((c) => c.body);
    const text = ticketText(t, comments);
    if (!isNew) this.del.run(t.rid);
    this.ins.run(t.rid, text.subject, text.body, text.customer, text.facets);
  }

  /**
   * Both indexes built again from the stored rows, in rowid order and a few thousand at a time (a read
   * statement cannot be stepping while the connection writes). For a bulk load: one pass over the tables
   * costs a fraction of indexing each row as it arrives.
   */
  rebuildAll(): void {
    this.db.exec(`
      INSERT INTO ticket_fts(ticket_fts) VALUES ('delete-all');
      INSERT INTO customer_fts(customer_fts) VALUES ('delete-all');
    `);
    // Customers first, keeping the text their tickets carry: made once per customer, not once per ticket
    // (a join and a segmentation per ticket were a third of the rebuild).
    const ticketTextOf = new Map<string, string>();
    const st = this.customerSt();
    const customers = this.db.prepare(
      'SELECT rid, id, name, company, phone, email FROM customers WHERE rid > ? ORDER BY rid LIMIT 5000',
    );
    for (let after = 0; ;) {
      const rows = customers.all(after) as (IndexedCustomer & { id: string })[];
      if (rows.length === 0) break;
      for (const c of rows) {
        const text = customerFtsText(c);
        st.ins.run(c.rid, text.name, text.contact);
        ticketTextOf.set(c.id, ticketCustomerText(c));
      }
      after = rows[rows.length - 1]!.rid;
    }
    // In key order: FTS5 flushes its pending terms whenever a rowid is lower than the one before.
    const tickets = this.db.prepare(
      `SELECT t.${this.key} AS rid, t.number, t.subject, t.description, t.status, t.priority, t.department_id,
              t.assignee_id, ${this.sla}, t.customer_id, NULL AS name, NULL AS phone, NULL AS email,
              (SELECT group_concat(body, char(10) ORDER BY created_at) FROM comments WHERE ticket_id = t.id) AS comments
       FROM tickets t WHERE t.${this.key} > ? ORDER BY t.${this.key} LIMIT 2000`,
    );
    for (let after = Number.MIN_SAFE_INTEGER; ;) {
      const rows = tickets.all(after) as (IndexedTicket & {
        customer_id: string | null;
        comments: string | null;
      })[];
      if (rows.length === 0) break;
      for (const t of rows) {
        // Comments joined the way refreshTicket joins them, so both give the same text.
        const text = ticketText(t, t.comments === null ? [] : [t.comments]);
        const customer = t.customer_id === null ? '' : (ticketTextOf.get(t.customer_id) ?? '');
        this.ins.run(t.rid, text.subject, text.body, customer, text.facets);
      }
      after = rows[rows.length - 1]!.rid;
    }
  }

  /** Rebuild one customer's index row from what is stored now. */
  refreshCustomer(customerId: string, isNew = false): void {
    const st = this.customerSt();
    const c = st.get.get(customerId) as IndexedCustomer | undefined;
    if (!c) return;
    const text = customerFtsText(c);
    if (!isNew) st.del.run(c.rid);
    st.ins.run(c.rid, text.name, text.contact);
  }

  removeRow(rid: number): void {
    this.del.run(rid);
  }

  removeCustomerRow(rid: number): void {
    this.customerSt().del.run(rid);
  }

  private customerSt() {
    return (this.customerStatements ??= {
      get: this.db.prepare('SELECT rid, name, company, phone, email FROM customers WHERE id = ?'),
      del: this.db.prepare('DELETE FROM customer_fts WHERE rowid = ?'),
      ins: this.db.prepare('INSERT INTO customer_fts (rowid, name, contact) VALUES (?, ?, ?)'),
    });
  }

  /** Insert a row for a ticket known to have none yet (bulk loading). */
  insertNew(rid: number, text: FtsText): void {
    this.ins.run(rid, text.subject, text.body, text.customer, text.facets);
  }

  ticketIdsOfCustomer(customerId: string): string[] {
    return (this.ticketsOfCustomer.all(customerId) as { id: string }[]).map((r) => r.id);
  }
}
