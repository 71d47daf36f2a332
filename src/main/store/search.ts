import type { Database, Statement } from 'better-sqlite3';
import { TicketPriority, TicketStatus } from '../../shared/domain';
import type { TicketPage, TicketSort } from '../../shared/ipc/contract';
import { ftsQuery } from '../../shared/search/segment';
import { dueDay, DAY_MS, facet } from './fts';
import { ticketRowFromDb, type TicketListDbRow } from './rows';
import type { TicketClocks } from './ticket-clocks';

/** Which tickets: text and filters, with 'me' already resolved to a user id. Empty lists: no filter. */
export interface ResolvedTicketFilter {
  text: string;
  status: readonly TicketStatus[];
  priority: readonly TicketPriority[];
  departmentIds: readonly string[];
  /** User ids and 'unassigned'. */
  assignees: readonly string[];
  /**
   * "Breaching soon": only tickets whose SLA clock is not paused and whose earliest open target is due at or
   * before this instant (epoch ms; the services add the view's window to now). null or absent: no such filter.
   */
  slaDueBefore?: number | null;
  /** Triage (issue 15): any of these categories; empty or absent: any. */
  categories?: readonly string[];
  /** Triage (issue 15): only tickets whose prediction waits for a person (the "Needs triage" view). */
  needsTriage?: boolean;
}

/** A ticket search with 'me' already resolved to a user id. */
export interface ResolvedTicketQuery extends ResolvedTicketFilter {
  /** null: relevance when there is text, newest first otherwise. */
  sort: TicketSort | null;
  offset: number;
  limit: number;
}

/**
 * Counting stops here: a larger total means "at least this many" (the list shows "10000+"), and
 * paging still reaches every match. Counting every match of a common word over a million tickets
 * would cost more than the search itself.
 */
export const TOTAL_CAP = 10_000;

/**
 * bm25 is computed for the newest RANK_WINDOW matches of the text only: ranking all 200,000 tickets that
 * mention "refund" takes half a second, and for such a word recency is what an agent wants anyway. Those of
 * them that pass the filters come first, best first; the other matches follow, newest first. Fewer text
 * matches than this are ranked in full. Filters stay out of the ranked MATCH: bm25 weighs every phrase of its
 * query by how many tickets hold it, and counting the tickets of each status or assignee cost more than the
 * search (a status filter took relevance from ~20 to ~250 ms over a million tickets).
 */
export const RANK_WINDOW = 1000;

/** Column weights for bm25: subject, body, customer, facets (filters never affect relevance). */
const BM25_WEIGHTS = '4.0, 1.0, 2.0, 0.0';

/** Most urgent first: the groups of the priority sort. */
export const PRIORITY_ORDER: readonly TicketPriority[] = ['urgent', 'high', 'normal', 'low'];

/**
 * How each sort is read from ticket_fts, whose rowid is the ticket's key in order of creation (`seq`):
 * - rank: bm25 over the newest RANK_WINDOW matches, then newest first;
 * - key: the index's own order, so a page costs the same however many tickets match;
 * - groups: one match per group (a facet value, in order), each newest first, so "urgent first, then newest"
 *   also reads one page from the index rather than sorting every match.
 * - due: SLA due, the first order that is not one of the index: read from the partial index on tickets.sla_due_at
 *   (see dueOrder), the text checked per ticket against the index, or few text matches joined and sorted.
 */
type SortPlan =
  | { kind: 'due' }
  | { kind: 'rank' }
  | { kind: 'key'; dir: 'ASC' | 'DESC' }
  | {
      kind: 'groups';
      groups: (q: ResolvedTicketFilter) => string[];
      /** The same order as an ORDER BY over tickets `t`, for few matches (see SMALL_MATCH). */
      orderBy: string;
    };

/**
 * Up to this many matches, a grouped sort joins them all to tickets and sorts them (a few ms): cheaper than one
 * pass over the index per group when the text is a phrase of common bigrams that few tickets hold.
 */
export const SMALL_MATCH = 2000;

/**
 * Up to this many text matches, "urgent first" under a "breaching soon" bound joins them to their due times and
 * sorts them (one index seek each); beyond, walking the due index and probing each ticket's text finds a page
 * sooner.
 */
export const JOIN_MATCH = 40_000;

/**
 * How text is read in "SLA due" order (see textByDue): the first round of due days covers `firstSpan` due tickets
 * (or 20 for each ticket up to the end of the page), at most `maxDays` days a round, and after `rounds` rounds
 * every remaining match at once. Up to `fewDueBy` tickets under a "breaching soon" bound (filters but not text),
 * each one's text is probed instead, in due order. Tests lower them to take every path over a few tickets.
 */
export const dueTuning = { firstSpan: 1000, maxDays: 32, rounds: 3, fewDueBy: SMALL_MATCH };

const SORTS: Record<TicketSort, SortPlan> = {
  relevance: { kind: 'rank' },
  newest: { kind: 'key', dir: 'DESC' },
  oldest: { kind: 'key', dir: 'ASC' },
  priority: {
    kind: 'groups',
    groups: (q) =>
      PRIORITY_ORDER.filter((p) => q.priority.length === 0 || q.priority.includes(p)).map(
        (p) => `facets : ${facet.priority(p)}`,
      ),
    orderBy: `CASE t.priority ${PRIORITY_ORDER.map((p, i) => `WHEN '${p}' THEN ${i}`).join(' ')} END, t.seq DESC`,
  },
  slaDue: { kind: 'due' },
};

/** Each order as an ORDER BY over tickets `t`, for the few tickets a "breaching soon" filter leaves. */
const ORDER_BY: Record<TicketSort, string> = {
  relevance: 't.seq DESC',
  newest: 't.seq DESC',
  oldest: 't.seq ASC',
  priority: (SORTS.priority as { orderBy: string }).orderBy,
  slaDue: 't.sla_due_at IS NULL, t.sla_due_at, t.seq DESC',
};

/** The "breaching soon" condition over tickets `t`: a running (or overdue) clock due by the bound. */
const DUE_BY = `t.sla_due_at IS NOT NULL AND t.sla_due_at <= ? AND coalesce(t.sla_state, '') <> 'paused'`;

// Matches join tickets as `m CROSS JOIN tickets t`: with a filter on t, SQLite otherwise walked every ticket of
// the assignee and probed the matches (100+ ms over a million tickets) instead of looking up the few matches.
const LIST_COLUMNS = `t.*, c.name AS customer_name,
  EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id) AS pending,
  EXISTS (SELECT 1 FROM ticket_conflicts k WHERE k.ticket_id = t.id) AS conflict`;

const any = (terms: string[]) => (terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`);

/**
 * Most tokens in the OR of one combined filter (see facet.queue): FTS5 steps through every list of an OR for each
 * match, so beyond this the separate filters cost less.
 */
export const MAX_COMBINED = 16;

/**
 * Filters as facet tokens inside a MATCH: FTS5 intersects the lists, no join per match. `all`: terms every match
 * has; `not`: terms no match has.
 *
 * Status, department and assignee chosen together are matched as their combined tokens (facet.queue and the
 * pairs) when the choices multiply to at most MAX_COMBINED: short lists, where three long ones cost a step in
 * each for every match.
 *
 * Otherwise each filter is its own term. A choice of most values of an enum (the open statuses) is matched as NOT
 * the others: FTS5 steps through every list of an OR for each match, and counting a common word among three
 * statuses cost half again what it cost among the two others excluded. Two rare statuses (reopened, on hold) count
 * for nothing: "new, open or pending" is NOT the four others, which took text under "Breaching soon" from
 * p95 38 to 32 ms over a million tickets, the same in SLA due order from 26 to 21, and the saved views' counts
 * from 10 to 7.5.
 */
function facetTerms(q: ResolvedTicketFilter): { all: string[]; not: string[]; anyOf: string[] } {
  const all: string[] = [];
  const not: string[] = [];
  // The NOT terms as the values chosen, for a query with nothing positive to subtract them from.
  const anyOf: string[] = [];
  const statuses = q.status.length < TicketStatus.options.length ? q.status : [];
  const people = q.assignees.map((a) => (a === 'unassigned' ? null : a));
  let status = statuses.length > 0;
  let department = q.departmentIds.length > 0;
  let assignee = people.length > 0;
  const fits = (...counts: number[]) => counts.reduce((a, b) => a * b, 1) <= MAX_COMBINED;
  const s = statuses.length;
  const d = q.departmentIds.length;
  const a = people.length;
  if (status && department && assignee && fits(s, d, a)) {
    all.push(
      `facets : ${any(statuses.flatMap((st) => q.departmentIds.flatMap((dp) => people.map((p) => facet.queue(st, dp, p)))))}`,
    );
    status = department = assignee = false;
  } else if (status && assignee && fits(s, a)) {
    all.push(`facets : ${any(statuses.flatMap((st) => people.map((p) => facet.statusAssignee(st, p))))}`);
    status = assignee = false;
  } else if (status && department && fits(s, d)) {
    all.push(
      `facets : ${any(statuses.flatMap((st) => q.departmentIds.map((dp) => facet.statusDepartment(st, dp))))}`,
    );
    status = department = false;
  }
  if (department && assignee && fits(d, a)) {
    all.push(
      `facets : ${any(q.departmentIds.flatMap((dp) => people.map((p) => facet.departmentAssignee(dp, p))))}`,
    );
    department = assignee = false;
  }
  const enumTerm = <T extends string>(
    chosen: readonly T[],
    options: readonly T[],
    token: (v: T) => string,
    rare: readonly T[] = [],
  ) => {
    if (chosen.length === 0) return;
    const rest = options.filter((o) => !chosen.includes(o));
    if (rest.length === 0) return; // every value: no filter
    // Lists of rare values cost little to step through.
    const weight = (vs: readonly T[]) => vs.filter((v) => !rare.includes(v)).length;
    if (weight(rest) < weight(chosen)) {
      not.push(`facets : ${any(rest.map(token))}`);
      anyOf.push(`facets : ${any(chosen.map(token))}`);
    } else all.push(`facets : ${any(chosen.map(token))}`);
  };
  if (status) enumTerm(q.status, TicketStatus.options, facet.status, ['reopened', 'on_hold']);
  enumTerm(q.priority, TicketPriority.options, facet.priority);
  if (department) all.push(`facets : ${any(q.departmentIds.map(facet.department))}`);
  if (assignee) all.push(`facets : ${any(people.map(facet.assignee))}`);
  // Triage (issue 15): few tickets wait for a person, so this token is a short list; it goes first.
  if (q.needsTriage) all.unshift(`facets : ${facet.needsTriage}`);
  if (q.categories && q.categories.length > 0) all.push(`facets : ${any(q.categories.map(facet.category))}`);
  return { all, not, anyOf };
}

/** The filters as a WHERE over tickets `t`, to filter the few ranked matches without the index. */
function filterSql(q: ResolvedTicketFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const among = (column: string, values: readonly string[]) => {
    if (values.length === 0) return;
    where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  among('t.status', q.status);
  among('t.priority', q.priority);
  among('t.department_id', q.departmentIds);
  among('t.category', q.categories ?? []);
  if (q.needsTriage) where.push(`json_extract(t.triage, '$.needsReview') = 1`);
  const users = q.assignees.filter((a) => a !== 'unassigned');
  const unassigned = q.assignees.includes('unassigned');
  if (q.assignees.length) {
    const parts = [
      ...(users.length ? [`t.assignee_id IN (${users.map(() => '?').join(', ')})`] : []),
      ...(unassigned ? ['t.assignee_id IS NULL'] : []),
    ];
    where.push(`(${parts.join(' OR ')})`);
    params.push(...users);
  }
  return { sql: where.length ? where.join(' AND ') : '1', params };
}

/**
 * The MATCH expression for text and filters; '' when neither narrows the list (every ticket); null when text
 * was typed but holds nothing searchable (no ticket).
 */
function matchOf(q: ResolvedTicketFilter): string | null {
  const text = q.text.trim();
  const match = text ? ftsQuery(text) : null;
  if (text && !match) return null;
  const f = facetTerms(q);
  const all = [...(match ? [`(${match})`] : []), ...f.all];
  // NOT needs something to subtract from.
  if (all.length === 0) return f.anyOf.join(' AND ');
  return f.not.reduce((expr, n) => `(${expr}) NOT (${n})`, all.join(' AND '));
}

/**
 * A page's total, from `got` rows at `offset` (of `limit` asked) and a count capped at TOTAL_CAP, made only when
 * needed: a first page that is not full holds every match; a full page proves at least as many as it reaches;
 * past the last full page the count when it is exact (below the cap; a page past the end proves nothing), else
 * at least as many as the page reaches.
 */
function pageTotal(offset: number, limit: number, got: number, counted: () => number): number {
  if (offset === 0 && got < limit) return got;
  const n = counted();
  return got === limit || n >= TOTAL_CAP ? Math.max(n, offset + got) : n;
}

/**
 * Text matches joined one by one to tickets_seq_sla, which holds each ticket's status beside its due time (desktop
 * migration 022), check a status filter there. As facet tokens, "new, open or pending" is a NOT of two lists of a
 * fifth of the tickets each, which FTS5 steps through for every match: a third of the cost of counting a common
 * word under "breaching soon" over a million tickets. Only when status is the one filter besides the text;
 * otherwise every filter stays in the MATCH (matchOf).
 */
function joinParts(q: ResolvedTicketFilter): {
  expr: string | null;
  where: string;
  params: unknown[];
  /** The status filter checked in `where`, null when none is. */
  statuses: readonly string[] | null;
} {
  const statusOnly =
    q.status.length > 0 &&
    q.status.length < TicketStatus.options.length &&
    q.priority.length === 0 &&
    q.departmentIds.length === 0 &&
    q.assignees.length === 0 &&
    (q.categories ?? []).length === 0 &&
    !q.needsTriage;
  if (!statusOnly) return { expr: matchOf(q), where: '1', params: [], statuses: null };
  return {
    expr: matchOf({ ...q, status: [] }),
    where: `t.status IN (${q.status.map(() => '?').join(', ')})`,
    params: [...q.status],
    statuses: q.status,
  };
}

/**
 * Ticket search over the replica: text (FTS5, Chinese and English) and filters, in the order asked for. Every
 * order is read from the index a page at a time (see SORTS), so the cost of a page does not grow with the
 * number of matches; totals are counted up to TOTAL_CAP.
 */
export class TicketSearch {
  private readonly cache = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    /** The clocks in memory for counting text under "Breaching soon"; without them, counted in SQL. */
    private readonly clocks: TicketClocks | null = null,
  ) {}

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  search(q: ResolvedTicketQuery): TicketPage {
    const expr = matchOf(q);
    if (expr === null) return { total: 0, rows: [] };
    const text = q.text.trim() !== '';
    let sort = q.sort ?? (text ? 'relevance' : 'newest');
    if (sort === 'relevance' && !text) sort = 'newest';
    const plan = SORTS[sort];
    if (plan.kind === 'due' || q.slaDueBefore != null) {
      const page = this.dueOrder(q, expr, sort);
      return { total: page.total, rows: page.rows.map(ticketRowFromDb) };
    }
    let rows: TicketListDbRow[];
    let total: number | null = null;
    switch (plan.kind) {
      case 'rank':
        rows = this.ranked(q, expr, q.offset, q.limit);
        break;
      case 'key':
        rows = this.byKey(expr, plan.dir, q.offset, q.limit);
        break;
      case 'groups': {
        // Counted first (the index alone, stopping past SMALL_MATCH): the count is also the total.
        const n = expr === '' ? Infinity : this.countUpTo(expr, SMALL_MATCH + 1);
        if (n <= SMALL_MATCH) {
          rows = this.joined(expr, plan.orderBy, q.offset, q.limit);
          total = n;
        } else rows = this.grouped(expr, plan.groups(q), q.offset, q.limit);
        break;
      }
    }
    total ??= pageTotal(q.offset, q.limit, rows.length, () => this.countMatches(q, expr));
    return { total, rows: rows.map(ticketRowFromDb) };
  }

  /** How many tickets match each filter, up to TOTAL_CAP (a larger number means "at least"). */
  counts(filters: readonly ResolvedTicketFilter[]): number[] {
    return filters.map((f) => {
      const expr = matchOf(f);
      if (expr === null) return 0;
      if (f.slaDueBefore != null) return this.countDueBy(f);
      return this.countAll(expr);
    });
  }

  /**
   * The "SLA due" order, and any order under a "breaching soon" bound:
   * - text with up to JOIN_MATCH matches (filters are in the MATCH): the matches joined to their due times (an
   *   index holding seq, sla_due_at and sla_state, so one seek each) and sorted;
   * - otherwise the partial index on sla_due_at in order (or its range up to the bound), each ticket checked
   *   against the filters and, for text, probed in the search index by its key, until the page is full; then,
   *   for the SLA due order, the tickets with no due time, newest first.
   * Filters on `t` are written with a unary + so SQLite walks the due index rather than a filter's index and
   * sorts everything.
   */
  private dueOrder(
    q: ResolvedTicketQuery,
    expr: string,
    sort: TicketSort,
  ): { total: number; rows: TicketListDbRow[] } {
    const text = q.text.trim() ? ftsQuery(q.text.trim()) : null;
    const bound = q.slaDueBefore ?? null;
    const orderBy = ORDER_BY[sort];
    if (text && expr !== '' && bound !== null && sort !== 'slaDue' && sort !== 'priority') {
      // Text under a "breaching soon" bound in creation order: the text's matches in the index's own order, each
      // checked against the bound (one seek into the index holding the due times) until the page is full.
      const dir = sort === 'oldest' ? 'ASC' : 'DESC';
      const parts = joinParts(q);
      const rows = this.stmt(
        `SELECT ${LIST_COLUMNS}
         FROM (SELECT m.k FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ? ORDER BY rowid ${dir}) m
               CROSS JOIN tickets t ON t.seq = m.k WHERE ${DUE_BY} AND ${parts.where}
               ORDER BY m.k ${dir} LIMIT ? OFFSET ?) p
         CROSS JOIN tickets t ON t.seq = p.k LEFT JOIN customers c ON c.id = t.customer_id
         ORDER BY t.seq ${dir}`,
      ).all(parts.expr, bound, ...parts.params, q.limit, q.offset) as TicketListDbRow[];
      return { total: pageTotal(q.offset, q.limit, rows.length, () => this.countDueBy(q)), rows };
    }
    // Under a bound few tickets pass, the walk of the due index below probes each one's text sooner.
    if (text && expr !== '' && sort === 'slaDue' && (bound === null || this.dueByMany(q)))
      return this.textByDue(q, expr, bound);
    if (text && expr !== '') {
      const n = this.countUpTo(expr, JOIN_MATCH + 1);
      if (n <= JOIN_MATCH) {
        const cond = bound === null ? '1' : DUE_BY;
        const condParams = bound === null ? [] : [bound];
        const rows = this.stmt(
          `SELECT ${LIST_COLUMNS}
           FROM (SELECT t.seq AS k FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ?) m
                 CROSS JOIN tickets t ON t.seq = m.k WHERE ${cond} ORDER BY ${orderBy} LIMIT ? OFFSET ?) p
           CROSS JOIN tickets t ON t.seq = p.k LEFT JOIN customers c ON c.id = t.customer_id
           ORDER BY ${orderBy}`,
        ).all(expr, ...condParams, q.limit, q.offset) as TicketListDbRow[];
        const total =
          bound === null
            ? n
            : q.offset === 0 && rows.length < q.limit
              ? rows.length
              : this.countJoinedDueBy(q, bound);
        return { total, rows };
      }
    }
    const { where, params } = this.walkFilter(q, text);
    const page = (
      cond: string,
      condParams: unknown[],
      order: string,
      offset: number,
      limit: number,
      walk = { where, params },
    ) =>
      this.stmt(
        `SELECT ${LIST_COLUMNS} FROM (SELECT t.seq AS k FROM tickets t WHERE ${cond} AND ${walk.where}
           ORDER BY ${order} LIMIT ? OFFSET ?) p
         CROSS JOIN tickets t ON t.seq = p.k LEFT JOIN customers c ON c.id = t.customer_id ORDER BY ${order}`,
      ).all(...condParams, ...walk.params, limit, offset) as TicketListDbRow[];
    if (bound !== null) {
      let rows: TicketListDbRow[];
      if (sort === 'slaDue') {
        // The range of the due index in its own order: a page costs the same however many are due.
        rows = page(DUE_BY, [bound], 't.sla_due_at, t.seq DESC', q.offset, q.limit);
      } else if (
        sort === 'priority' ||
        this.countWhere(
          `${DUE_BY} AND ${filterSql(q).sql}`,
          [bound, ...filterSql(q).params],
          SMALL_MATCH + 1,
        ) <= SMALL_MATCH
      ) {
        rows = page(DUE_BY, [bound], orderBy, q.offset, q.limit);
      } else {
        // Many due: in creation order, each checked (a unary + keeps SQLite off the due indexes' ranges).
        rows = page(
          DUE_BY.replace(/\bt\.sla_due_at\b/g, '+t.sla_due_at'),
          [bound],
          orderBy,
          q.offset,
          q.limit,
          this.walkFilter(q, text, false),
        );
      }
      return { total: pageTotal(q.offset, q.limit, rows.length, () => this.countDueBy(q)), rows };
    }
    const rows = page('t.sla_due_at IS NOT NULL', [], 't.sla_due_at, t.seq DESC', q.offset, q.limit);
    if (rows.length < q.limit) {
      // Past the last ticket with a due time: the others, newest first.
      const due =
        rows.length > 0
          ? q.offset + rows.length
          : (
              this.stmt(
                `SELECT count(*) AS n FROM tickets t WHERE t.sla_due_at IS NOT NULL AND ${where}`,
              ).get(...params) as { n: number }
            ).n;
      rows.push(
        ...page(
          't.sla_due_at IS NULL',
          [],
          't.seq DESC',
          Math.max(0, q.offset + rows.length - due),
          q.limit - rows.length,
        ),
      );
    }
    return {
      total:
        expr === ''
          ? this.countAll('')
          : pageTotal(q.offset, q.limit, rows.length, () => this.countAll(expr)),
      rows,
    };
  }

  /**
   * Text (with its filters in `expr`) in SLA due order, under a "breaching soon" bound or not, read in rounds: each
   * round takes the next due days (a facet token each, see dueTokens; the due index says which days hold any
   * ticket and how many) and asks the search index for the text's matches among them, joined to their due times
   * and sorted: one statement per round, whose keys only are read. The first round covers dueTuning.firstSpan due
   * tickets; each next one more, by how few the last one found; after dueTuning.rounds rounds, every remaining
   * match in one. Under a bound, the rounds stop at its day and every ticket is checked against it. Then, with no
   * bound, the matches with no due time, newest first.
   *
   * Before the day tokens, text in this order either joined and sorted every match (up to 40,000 of them) or
   * walked the due index probing each ticket's text: p95 70 ms over a million tickets with a status filter, and up
   * to 2.5 s under "breaching soon". Each statement holding an English prefix ("orde*") pays for merging every
   * term it covers (~4 ms over 200,000 tickets for a word every ticket holds), so the rounds are few and a common
   * word is done in one. Tokens held by most tickets stay out of these MATCHes (a "has a due time" or "paused"
   * token cost 4-10 ms more over 200,000 tickets): the join checks the due time and the clock instead.
   */
  private textByDue(
    q: ResolvedTicketQuery,
    expr: string,
    bound: number | null,
  ): { total: number; rows: TicketListDbRow[] } {
    const edge = bound === null ? null : dueDay(bound);
    const parts = joinParts(q);
    const matchExpr = parts.expr ?? expr;
    const cond = `${bound === null ? '1' : DUE_BY} AND ${parts.where}`;
    const condParams = [...(bound === null ? [] : [bound]), ...parts.params];
    const keys: number[] = [];
    // What is left of the offset once the page starts past the matches read so far.
    let skip = q.offset;
    let from: number | null = 0;
    let span = Math.max(dueTuning.firstSpan, 20 * (q.offset + q.limit));
    for (let round = 1; from !== null && keys.length < q.limit; round++) {
      const want = skip + q.limit - keys.length;
      let got: number[];
      if (round > dueTuning.rounds) {
        // Sparse matches: every remaining one at once.
        got = this.stmt(
          `SELECT t.seq FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ?) m
           CROSS JOIN tickets t ON t.seq = m.k WHERE t.sla_due_at >= ? AND ${cond}
           ORDER BY t.sla_due_at, t.seq DESC LIMIT ?`,
        )
          .pluck()
          .all(
            matchExpr,
            from === 0 ? Number.MIN_SAFE_INTEGER : from * DAY_MS,
            ...condParams,
            want,
          ) as number[];
        from = null;
      } else {
        const days = this.dueDays(from, span, edge);
        if (days.length === 0) break;
        got = this.stmt(
          `SELECT t.seq FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ?) m
           CROSS JOIN tickets t ON t.seq = m.k WHERE ${cond} ORDER BY t.sla_due_at, t.seq DESC LIMIT ?`,
        )
          .pluck()
          .all(`(${matchExpr}) AND facets : ${any(days.map(facet.dueDay))}`, ...condParams, want) as number[];
        const last = days[days.length - 1]!;
        from = edge !== null && last >= edge ? null : last + 1;
        // The next round covers as many more due tickets as this one fell short, at least twice as many.
        span *= Math.min(16, Math.max(2, Math.ceil((1.5 * (want - got.length)) / Math.max(1, got.length))));
      }
      // Fewer than asked: every match of these days, all before the page or on it.
      if (got.length <= skip) skip -= got.length;
      else {
        keys.push(...got.slice(skip));
        skip = 0;
      }
    }
    const rows = this.rowsOf(keys);
    // Past the last match with a due time: the others, newest first.
    if (bound === null && rows.length < q.limit)
      rows.push(...this.byKey(`(${expr}) NOT facets : ${facet.due}`, 'DESC', skip, q.limit - rows.length));
    const count = () => (bound === null ? this.countAll(expr) : this.countJoinedDueBy(q, bound));
    return { total: pageTotal(q.offset, q.limit, rows.length, count), rows };
  }

  /** Tickets by key, in the order of the keys, as the list shows them. */
  private rowsOf(keys: readonly number[]): TicketListDbRow[] {
    if (keys.length === 0) return [];
    return this.stmt(
      `SELECT ${LIST_COLUMNS} FROM json_each(?) p CROSS JOIN tickets t ON t.seq = p.value
       LEFT JOIN customers c ON c.id = t.customer_id ORDER BY p.key`,
    ).all(JSON.stringify(keys)) as TicketListDbRow[];
  }

  /**
   * The days, from day `from` on, that hold the due times of the next `span` tickets (any ticket: the due index
   * alone), at most dueTuning.maxDays of them (FTS5 steps through every list of an OR) and none past `edge`.
   */
  private dueDays(from: number, span: number, edge: number | null): number[] {
    const start = from === 0 ? Number.MIN_SAFE_INTEGER : from * DAY_MS;
    const far = this.stmt(
      `SELECT sla_due_at FROM tickets WHERE sla_due_at IS NOT NULL AND sla_due_at >= ?
       ORDER BY sla_due_at LIMIT 1 OFFSET ?`,
    )
      .pluck()
      .get(start, Math.max(0, span - 1)) as number | undefined;
    const last = Math.min(far === undefined ? Infinity : dueDay(far), edge ?? Infinity);
    const days: number[] = [];
    for (let day = this.nextDueDay(from); day !== null && day <= last; day = this.nextDueDay(day + 1)) {
      days.push(day);
      if (days.length >= dueTuning.maxDays) break;
    }
    return days;
  }

  /** The first due day at or after `from` that holds any ticket's due time: one seek of the due index. */
  private nextDueDay(from: number): number | null {
    const d = this.stmt(
      `SELECT sla_due_at FROM tickets WHERE sla_due_at IS NOT NULL AND sla_due_at >= ?
       ORDER BY sla_due_at LIMIT 1`,
    )
      .pluck()
      .get(from === 0 ? Number.MIN_SAFE_INTEGER : from * DAY_MS) as number | undefined;
    return d === undefined ? null : dueDay(d);
  }

  /**
   * The filters over tickets `t` for a walk of the due index: + keeps SQLite on that index; text as a probe. One
   * assignee stays a plain equality (`assigneeRange`), so their due times are read as a range of
   * tickets_assignee_due, already in due order, rather than picked out of everyone's.
   */
  private walkFilter(
    q: ResolvedTicketFilter,
    text: string | null,
    assigneeRange = true,
  ): { where: string; params: unknown[] } {
    const one = assigneeRange && q.assignees.length === 1 ? q.assignees[0]! : null;
    const filter = filterSql(one === null ? q : { ...q, assignees: [] });
    const where = [filter.sql.replace(/\bt\./g, '+t.')];
    const params: unknown[] = [...filter.params];
    if (one === 'unassigned') where.push('t.assignee_id IS NULL');
    else if (one !== null) {
      where.push('t.assignee_id = ?');
      params.push(one);
    }
    if (text) {
      where.push('EXISTS (SELECT 1 FROM ticket_fts f WHERE ticket_fts MATCH ? AND f.rowid = t.seq)');
      params.push(text);
    }
    return { where: where.join(' AND '), params };
  }

  private countWhere(where: string, params: unknown[], cap: number): number {
    return (
      this.stmt(`SELECT count(*) AS n FROM (SELECT 1 FROM tickets t WHERE ${where} LIMIT ${cap})`).get(
        ...params,
      ) as { n: number }
    ).n;
  }

  /** More than dueTuning.fewDueBy tickets pass the filters (without the text) and the "breaching soon" bound. */
  private dueByMany(q: ResolvedTicketFilter): boolean {
    const plain = this.walkFilter(q, null);
    const few = dueTuning.fewDueBy;
    return this.countWhere(`${DUE_BY} AND ${plain.where}`, [q.slaDueBefore, ...plain.params], few + 1) > few;
  }

  /** How many text matches (q holds text) pass the filters and the "breaching soon" bound, up to TOTAL_CAP. */
  private countJoinedDueBy(q: ResolvedTicketFilter, bound: number): number {
    const parts = joinParts(q);
    const expr = parts.expr;
    if (expr === null) return 0;
    const counted = this.countByClocks(expr, bound, parts.statuses);
    if (counted !== null) return counted;
    return (
      this.stmt(
        `SELECT count(*) AS n FROM (SELECT 1 FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ?) m
         CROSS JOIN tickets t ON t.seq = m.k WHERE ${DUE_BY} AND ${parts.where} LIMIT ${TOTAL_CAP})`,
      ).get(parts.expr, bound, ...parts.params) as { n: number }
    ).n;
  }

  /**
   * How many matches of `expr` (text, with any filters but status in it) have one of `statuses` and, given `dueBy`,
   * a running clock due by then, up to TOTAL_CAP, checked against the clocks in memory; null when they cannot
   * answer now (count in SQL).
   */
  private countByClocks(
    expr: string,
    dueBy: number | null,
    statuses: readonly string[] | null,
  ): number | null {
    if (!this.clocks) return null;
    const matches = this.stmt(
      'SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?',
    ).pluck();
    return this.clocks.count(
      (after, limit) => matches.all(expr, after, limit) as number[],
      { dueBy, statuses },
      TOTAL_CAP,
    );
  }

  /**
   * How many tickets match, up to TOTAL_CAP. Text with a status filter alone: the text's matches, each one's status
   * checked in memory; as facet tokens, "new, open or pending" is a NOT of two lists of a fifth of the tickets each,
   * which FTS5 steps through for every match (p95 ~35 ms for text and that filter over a million tickets).
   */
  private countMatches(q: ResolvedTicketFilter, expr: string): number {
    const parts = q.text.trim() ? joinParts(q) : null;
    if (parts?.expr && parts.statuses) {
      const n = this.countByClocks(parts.expr, null, parts.statuses);
      if (n !== null) return n;
    }
    return this.countAll(expr);
  }

  /** How many tickets a "breaching soon" filter leaves, up to TOTAL_CAP. */
  private countDueBy(q: ResolvedTicketFilter): number {
    const expr = matchOf(q);
    if (expr === null) return 0;
    const text = q.text.trim() ? ftsQuery(q.text.trim()) : null;
    // Probing the text for each due ticket pays when they are few; when many are due, the text's matches are
    // walked instead (most pass, and the count stops at TOTAL_CAP).
    if (text && this.dueByMany(q)) return this.countJoinedDueBy(q, q.slaDueBefore!);
    const { where, params } = this.walkFilter(q, text);
    return (
      this.stmt(
        `SELECT count(*) AS n FROM (SELECT 1 FROM tickets t WHERE ${DUE_BY} AND ${where} LIMIT ${TOTAL_CAP})`,
      ).get(q.slaDueBefore, ...params) as { n: number }
    ).n;
  }

  /** Matches in key order (creation), read from the index one page at a time. */
  private byKey(
    expr: string,
    dir: 'ASC' | 'DESC',
    offset: number,
    limit: number,
    /** Only keys below this one. */
    below?: number,
  ): TicketListDbRow[] {
    if (below !== undefined) {
      return this.stmt(
        `SELECT ${LIST_COLUMNS}
         FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ? AND rowid < ?
               ORDER BY rowid ${dir} LIMIT ? OFFSET ?) m
         CROSS JOIN tickets t ON t.seq = m.k LEFT JOIN customers c ON c.id = t.customer_id
         ORDER BY m.k ${dir}`,
      ).all(expr, below, limit, offset) as TicketListDbRow[];
    }
    if (expr === '') {
      return this.stmt(
        `SELECT ${LIST_COLUMNS} FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
         ORDER BY t.seq ${dir} LIMIT ? OFFSET ?`,
      ).all(limit, offset) as TicketListDbRow[];
    }
    return this.stmt(
      `SELECT ${LIST_COLUMNS}
       FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ? ORDER BY rowid ${dir} LIMIT ? OFFSET ?) m
       CROSS JOIN tickets t ON t.seq = m.k LEFT JOIN customers c ON c.id = t.customer_id
       ORDER BY m.k ${dir}`,
    ).all(expr, limit, offset) as TicketListDbRow[];
  }

  /** Every match joined to its ticket and sorted: for few matches only, its cost grows with their number. */
  private joined(expr: string, orderBy: string, offset: number, limit: number): TicketListDbRow[] {
    // Sorted on the ticket row alone; its customer and sync state only for the page.
    return this.stmt(
      `SELECT ${LIST_COLUMNS}
       FROM (SELECT t.seq AS k FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ?) m
             CROSS JOIN tickets t ON t.seq = m.k ORDER BY ${orderBy} LIMIT ? OFFSET ?) p
       CROSS JOIN tickets t ON t.seq = p.k LEFT JOIN customers c ON c.id = t.customer_id
       ORDER BY ${orderBy}`,
    ).all(expr, limit, offset) as TicketListDbRow[];
  }

  private countUpTo(expr: string, cap: number): number {
    return (
      this.stmt('SELECT count(*) AS n FROM (SELECT 1 FROM ticket_fts WHERE ticket_fts MATCH ? LIMIT ?)').get(
        expr,
        cap,
      ) as { n: number }
    ).n;
  }

  /** Group after group (each a MATCH term added to expr), newest first within each. */
  private grouped(expr: string, groups: string[], offset: number, limit: number): TicketListDbRow[] {
    const rows: TicketListDbRow[] = [];
    let skip = offset;
    for (const group of groups) {
      const within = expr ? `(${expr}) AND ${group}` : group;
      if (skip > 0) {
        // Only the groups before the page are counted, and only as far as the page starts.
        const n = this.countUpTo(within, skip + 1);
        if (n <= skip) {
          skip -= n;
          continue;
        }
      }
      rows.push(...this.byKey(within, 'DESC', skip, limit - rows.length));
      skip = 0;
      if (rows.length >= limit) break;
    }
    return rows;
  }

  /**
   * bm25 order over the newest RANK_WINDOW text matches that pass the filters, then the other matches newest
   * first (see RANK_WINDOW).
   */
  private ranked(q: ResolvedTicketFilter, expr: string, offset: number, limit: number): TicketListDbRow[] {
    const text = ftsQuery(q.text.trim())!;
    const filter = filterSql(q);
    const window = `SELECT rowid AS k, bm25(ticket_fts, ${BM25_WEIGHTS}) AS rank FROM ticket_fts
                    WHERE ticket_fts MATCH ? ORDER BY rowid DESC LIMIT ${RANK_WINDOW}`;
    // The ticket's columns only for the page: computed for the whole window before sorting, they were most of
    // the cost (a customer and two EXISTS per match).
    const order = 'p.rank, p.k DESC';
    const keys =
      filter.sql === '1'
        ? `SELECT k, rank FROM (${window}) p ORDER BY ${order} LIMIT ? OFFSET ?`
        : `SELECT m.k, m.rank FROM (${window}) m CROSS JOIN tickets t ON t.seq = m.k
           WHERE ${filter.sql} ORDER BY m.rank, m.k DESC LIMIT ? OFFSET ?`;
    const rows = this.stmt(
      `SELECT ${LIST_COLUMNS} FROM (${keys}) p
       CROSS JOIN tickets t ON t.seq = p.k LEFT JOIN customers c ON c.id = t.customer_id ORDER BY ${order}`,
    ).all(text, ...filter.params, limit, offset) as TicketListDbRow[];
    if (rows.length === limit) return rows;
    const edge = this.stmt(
      `SELECT count(*) AS n, min(k) AS lo FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ?
       ORDER BY rowid DESC LIMIT ${RANK_WINDOW})`,
    ).get(text) as { n: number; lo: number | null };
    // Every text match was in the window: nothing follows.
    if (edge.n < RANK_WINDOW || edge.lo === null) return rows;
    // How many the ranked part holds: known from this page unless the page starts past it.
    const ranked =
      rows.length > 0
        ? offset + rows.length
        : (
            this.stmt(
              `SELECT count(*) AS n FROM (SELECT rowid AS k FROM ticket_fts WHERE ticket_fts MATCH ?
               ORDER BY rowid DESC LIMIT ${RANK_WINDOW}) m CROSS JOIN tickets t ON t.seq = m.k WHERE ${filter.sql}`,
            ).get(text, ...filter.params) as { n: number }
          ).n;
    rows.push(...this.byKey(expr, 'DESC', offset + rows.length - ranked, limit - rows.length, edge.lo));
    return rows;
  }

  private countAll(expr: string): number {
    // Counting through the index: filtered counts cost no lookup per ticket.
    const sql =
      expr === ''
        ? `SELECT count(*) AS n FROM (SELECT 1 FROM tickets LIMIT ${TOTAL_CAP})`
        : `SELECT count(*) AS n FROM (SELECT 1 FROM ticket_fts WHERE ticket_fts MATCH ? LIMIT ${TOTAL_CAP})`;
    return (this.stmt(sql).get(...(expr === '' ? [] : [expr])) as { n: number }).n;
  }
}
