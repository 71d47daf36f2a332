import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore, type ResolvedTicketQuery } from '../../../src/main/store';
import { FtsIndex } from '../../../src/main/store/fts';
import { dueTuning } from '../../../src/main/store/search';
import type { AdminConfig } from '../../../src/shared/admin';
import {
  DEFAULT_ROLE_PERMISSIONS,
  type Ticket,
  type TicketPriority,
  type TicketStatus,
} from '../../../src/shared/domain';
import type { Change } from '../../../src/shared/protocol/sync';
import { calendar24x7, SlaEngine } from '../../../src/shared/sla';
import {
  AGENT_A1,
  AGENT_A2,
  AGENT_B1,
  customer,
  DEPT_A,
  DEPT_B,
  tempDir,
  ticket,
  ticketQuery,
  up,
} from '../fixtures';

/**
 * Text in "SLA due" order, read a due day at a time (the day is a facet of the search index), against the order
 * computed here from the stored due times: every filter, every page, under "Breaching soon", and after a ticket's
 * due time moves. Each check runs with the store's own tuning and with tunings that read one or two days a round
 * (and fall back to reading everything), so a few hundred tickets take every path a million do.
 */
const HOUR = 3_600_000;
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

const policy = (
  id: string,
  departmentId: string,
  priority: TicketPriority,
  first: number,
  resolution: number,
) => ({
  id,
  departmentId,
  priority,
  channel: 'web' as const,
  calendarId: '24x7',
  firstResponseMinutes: first,
  nextResponseMinutes: null,
  resolutionMinutes: resolution,
  warning: { kind: 'percent' as const, percent: 80 },
  escalations: [],
  active: true,
});
// High and low priority have no policy: unsolved tickets with no due time.
const CONFIG: AdminConfig = {
  version: 1,
  rolePermissions: DEFAULT_ROLE_PERMISSIONS,
  calendars: [calendar24x7('24x7', 'Asia/Shanghai')],
  slaPolicies: [
    policy('0190c000-0000-7000-8000-0000000000a1', DEPT_A, 'normal', 60, 72 * 60),
    policy('0190c000-0000-7000-8000-0000000000a2', DEPT_A, 'urgent', 30, 24 * 60),
    policy('0190c000-0000-7000-8000-0000000000b1', DEPT_B, 'normal', 30, 2 * 60),
    policy('0190c000-0000-7000-8000-0000000000b2', DEPT_B, 'urgent', 15, 6 * 60),
  ],
  customFields: [],
  workflow: { autoCloseSolvedAfterDays: 7 },
};

const TUNINGS = [
  { ...dueTuning },
  { firstSpan: 1, maxDays: 2, rounds: 3, fewDueBy: 0 },
  { firstSpan: 1, maxDays: 1, rounds: 1000, fewDueBy: 0 },
  { firstSpan: 1, maxDays: 1, rounds: 0, fewDueBy: 0 },
];
const DEFAULT_TUNING = { ...dueTuning };

const STATUSES: TicketStatus[] = ['new', 'open', 'reopened', 'pending', 'on_hold', 'solved', 'closed'];
const PRIORITIES: TicketPriority[] = ['normal', 'urgent', 'normal', 'high', 'normal', 'low'];
const ASSIGNEES = [null, AGENT_A1, AGENT_A2, AGENT_B1];
const SUBJECTS = ['refund request', 'router offline', '退款申请 refund', 'invoice copy', '路由器 router'];

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let syncSeq = 1;
const cust = customer({ name: 'Order Test' });
const apply = (changes: Change[]) => store.write.applyPage(changes, syncSeq++, 1000, iso(NOW));
const refresh = () => {
  const engine = new SlaEngine(CONFIG);
  while (store.write.sla.refreshStale(engine, NOW, 100).more);
};

interface Stored {
  id: string;
  seq: number;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  department_id: string;
  assignee_id: string | null;
  sla_due_at: number | null;
  sla_state: string | null;
}

/** Every ticket as stored, read beside the store. */
function stored(): Stored[] {
  const db = new Database(store.path, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT id, seq, subject, status, priority, department_id, assignee_id, sla_due_at, sla_state FROM tickets`,
      )
      .all() as Stored[];
  } finally {
    db.close();
  }
}

/** The list the query asks for, by brute force: filtered here, then due first, ties newest first, no due last. */
function bruteForce(q: ResolvedTicketQuery): string[] {
  const word = q.text.toLowerCase();
  return stored()
    .filter((t) => t.subject.toLowerCase().includes(word))
    .filter((t) => q.status.length === 0 || q.status.includes(t.status))
    .filter((t) => q.priority.length === 0 || q.priority.includes(t.priority))
    .filter((t) => q.departmentIds.length === 0 || q.departmentIds.includes(t.department_id))
    .filter((t) => q.assignees.length === 0 || q.assignees.includes(t.assignee_id ?? 'unassigned'))
    .filter(
      (t) =>
        q.slaDueBefore == null ||
        (t.sla_due_at !== null && t.sla_due_at <= q.slaDueBefore && t.sla_state !== 'paused'),
    )
    .sort((a, b) => {
      if (a.sla_due_at === null || b.sla_due_at === null)
        return a.sla_due_at === b.sla_due_at ? b.seq - a.seq : a.sla_due_at === null ? 1 : -1;
      return a.sla_due_at - b.sla_due_at || b.seq - a.seq;
    })
    .map((t) => t.id);
}

/** The whole list, one page of `limit` after another, with each page's total. */
function pages(q: ResolvedTicketQuery, limit: number): { ids: string[]; totals: number[] } {
  const ids: string[] = [];
  const totals: number[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = store.read.searchTickets({ ...q, sort: 'slaDue', offset, limit });
    ids.push(...page.rows.map((r) => r.id));
    totals.push(page.total);
    if (page.rows.length < limit) return { ids, totals };
  }
}

function expectBruteForceOrder(q: ResolvedTicketQuery) {
  const want = bruteForce(q);
  for (const tuning of TUNINGS) {
    Object.assign(dueTuning, tuning);
    const label = `${JSON.stringify({ ...q, offset: undefined, limit: undefined })} ${JSON.stringify(tuning)}`;
    const all = store.read.searchTickets({ ...q, sort: 'slaDue', offset: 0, limit: 1000 });
    expect(
      all.rows.map((r) => r.id),
      label,
    ).toEqual(want);
    expect(all.total, label).toBe(want.length);
    const paged = pages(q, 7);
    expect(paged.ids, label).toEqual(want);
    for (const total of paged.totals.slice(0, -1)) expect(total, label).toBe(want.length);
    // A page past the end: nothing, and the same total.
    const past = store.read.searchTickets({ ...q, sort: 'slaDue', offset: want.length + 10, limit: 7 });
    expect(past.rows, label).toEqual([]);
    expect(past.total, label).toBe(want.length);
    if (q.slaDueBefore != null) expect(store.read.countTickets([q]), label).toEqual([want.length]);
  }
  return want;
}

const tickets: Ticket[] = [];
beforeEach(() => {
  dir = tempDir();
  store = openStore(join(dir.path, 'order.sqlite'));
  tickets.length = 0;
  // Created over the last 12 days; three at a time share a creation time, department and priority, so many due
  // times tie. Some long overdue (Billing resolves in 2 h), some due days from now (After-sales in 72 h).
  for (let i = 0; i < 330; i++) {
    const group = Math.floor(i / 3);
    tickets.push(
      ticket(cust.id, {
        subject: SUBJECTS[i % SUBJECTS.length]!,
        departmentId: group % 3 ? DEPT_A : DEPT_B,
        priority: PRIORITIES[group % PRIORITIES.length]!,
        status: STATUSES[(i * 5 + group) % STATUSES.length]!,
        assigneeId: ASSIGNEES[i % ASSIGNEES.length]!,
        createdAt: iso(NOW - 2 * HOUR - group * 53 * 60_000),
      }),
    );
  }
  apply([...up.directory(), up.customer(cust), ...tickets.map(up.ticket)]);
  // A first reply on every fifth: its resolution target is next, a different day for many.
  apply(
    tickets
      .filter((_, i) => i % 5 === 0)
      .map((t) =>
        up.comment({
          id: uuidv7(),
          ticketId: t.id,
          authorId: AGENT_A1,
          authorName: 'Agent',
          body: 'We are on it',
          internal: false,
          createdAt: iso(Date.parse(t.createdAt) + 5 * 60_000),
        }),
      ),
  );
  refresh();
});
afterEach(() => {
  Object.assign(dueTuning, DEFAULT_TUNING);
  store.close();
  dir.remove();
});

describe('text in SLA due order', () => {
  it('is the brute-force order with every filter, on every page, ties, paused, overdue and no due time included', () => {
    const rows = stored();
    const due = rows.filter((t) => t.sla_due_at !== null);
    // What the data has to hold for this test to mean something.
    expect(new Set(due.map((t) => Math.floor(t.sla_due_at! / 86_400_000))).size).toBeGreaterThan(6);
    expect(due.filter((t) => t.sla_due_at! < NOW).length).toBeGreaterThan(30);
    expect(due.filter((t) => t.sla_due_at! > NOW + 24 * HOUR).length).toBeGreaterThan(5);
    expect(due.filter((t) => t.sla_state === 'paused').length).toBeGreaterThan(10);
    expect(rows.filter((t) => t.sla_due_at === null).length).toBeGreaterThan(30);
    const ties = new Map<number, number>();
    for (const t of due) ties.set(t.sla_due_at!, (ties.get(t.sla_due_at!) ?? 0) + 1);
    expect([...ties.values()].filter((n) => n > 1).length).toBeGreaterThan(10);

    const soon = NOW + 6 * HOUR;
    const filters: Partial<ResolvedTicketQuery>[] = [
      {},
      { status: ['new', 'open', 'reopened', 'pending'] },
      { status: ['new', 'open', 'pending'] },
      { status: ['open', 'pending'] },
      { status: ['solved', 'closed'] },
      { assignees: [AGENT_A1] },
      { assignees: ['unassigned'] },
      { assignees: [AGENT_A2, 'unassigned'] },
      { departmentIds: [DEPT_B] },
      { priority: ['urgent'] },
      { priority: ['high', 'low'] },
      { slaDueBefore: soon },
      { slaDueBefore: soon, status: ['new', 'open', 'pending'] },
      { slaDueBefore: soon, assignees: [AGENT_A1] },
      // One assignee under the bound: a range of tickets_assignee_due (desktop migration 022).
      { slaDueBefore: soon, assignees: ['unassigned'] },
      { slaDueBefore: soon, status: ['new', 'open', 'pending'], assignees: [AGENT_A2] },
      { assignees: [AGENT_A2] },
      { slaDueBefore: NOW - 2 * 24 * HOUR },
      { slaDueBefore: NOW + 30 * 24 * HOUR, departmentIds: [DEPT_A] },
    ];
    let lengths = 0;
    for (const text of ['', 'refund', 'router', '退款', 'invoice copy'])
      for (const f of filters) lengths += expectBruteForceOrder(ticketQuery({ text, ...f })).length;
    expect(lengths).toBeGreaterThan(1000);
  });

  it('lists text under "breaching soon" in creation order too, newest or oldest first, with its total', () => {
    const soon = NOW + 2 * HOUR;
    for (const text of ['refund', 'router', '退款'])
      for (const f of [
        { status: ['new', 'open', 'pending'] as const },
        { status: ['open'] as const },
        { assignees: [AGENT_A1] },
      ]) {
        const q = ticketQuery({ text, ...f, slaDueBefore: soon });
        const due = bruteForce(q);
        const seq = new Map(stored().map((t) => [t.id, t.seq]));
        const newest = [...due].sort((a, b) => seq.get(b)! - seq.get(a)!);
        expect(due.length, text).toBeGreaterThan(0);
        for (const sort of ['newest', 'oldest'] as const) {
          const want = sort === 'newest' ? newest : [...newest].reverse();
          const got = store.read.searchTickets({ ...q, sort, offset: 0, limit: 1000 });
          expect(
            got.rows.map((r) => r.id),
            `${text} ${sort}`,
          ).toEqual(want);
          expect(got.total).toBe(want.length);
          const first = store.read.searchTickets({ ...q, sort, offset: 0, limit: 3 });
          expect(first.rows.map((r) => r.id)).toEqual(want.slice(0, 3));
          expect(first.total).toBe(want.length);
        }
      }
  });

  it('moves a ticket to its new place when its due time changes: a reply, pending, solved', () => {
    const t = tickets.find(
      (x, i) => i % 5 !== 0 && x.departmentId === DEPT_A && x.priority === 'normal' && x.status === 'open',
    )!;
    const q = ticketQuery({ text: 'refund' });
    const before = stored().find((r) => r.id === t.id)!;
    expect(before.sla_due_at).toBe(Date.parse(t.createdAt) + HOUR); // the first response
    const places = [expectBruteForceOrder(q).indexOf(t.id)];
    expect(places[0]).toBeGreaterThanOrEqual(0);

    // The first reply, synced: the resolution target, 72 h after creation, days later.
    apply([
      up.comment({
        id: uuidv7(),
        ticketId: t.id,
        authorId: AGENT_A2,
        authorName: 'Agent',
        body: 'Looking into it',
        internal: false,
        createdAt: iso(NOW - HOUR),
      }),
    ]);
    refresh();
    expect(stored().find((r) => r.id === t.id)!.sla_due_at).toBe(Date.parse(t.createdAt) + 72 * HOUR);
    places.push(expectBruteForceOrder(q).indexOf(t.id));

    // Pending, edited here: the clock stops, and "Breaching soon" leaves it out.
    store.write.updateTicketLocally(t.id, { status: 'pending' }, uuidv7(), iso(NOW));
    refresh();
    expect(stored().find((r) => r.id === t.id)!.sla_state).toBe('paused');
    places.push(expectBruteForceOrder(q).indexOf(t.id));
    expect(expectBruteForceOrder({ ...q, slaDueBefore: NOW + 365 * 24 * HOUR })).not.toContain(t.id);

    // Solved: no due time, among the no-due matches, newest first.
    store.write.updateTicketLocally(t.id, { status: 'solved' }, uuidv7(), iso(NOW));
    refresh();
    expect(stored().find((r) => r.id === t.id)!.sla_due_at).toBeNull();
    places.push(expectBruteForceOrder(q).indexOf(t.id));
    // The reply and the solve each moved it; the pause kept its due time and so its place.
    expect(places[1]).not.toBe(places[0]);
    expect(places[2]).toBe(places[1]);
    expect(places[3]).not.toBe(places[2]);
  });

  it('after migration 015, a replica indexed without due days reads them in order', () => {
    const path = store.path;
    const want = bruteForce(ticketQuery({ text: 'refund' }));
    store.close();
    // The replica as schema 014 left it: the same tickets and due times, index rows with no due day.
    const db = new Database(path);
    const due = db.prepare('SELECT id, sla_due_at FROM tickets').all() as {
      id: string;
      sla_due_at: number | null;
    }[];
    db.exec('UPDATE tickets SET sla_due_at = NULL');
    const fts = new FtsIndex(db);
    for (const r of due) fts.refreshTicket(r.id);
    const put = db.prepare('UPDATE tickets SET sla_due_at = ? WHERE id = ?');
    for (const r of due) put.run(r.sla_due_at, r.id);
    db.pragma('user_version = 14');
    db.close();

    store = openStore(path);
    expect(want.length).toBeGreaterThan(50);
    expect(expectBruteForceOrder(ticketQuery({ text: 'refund' }))).toEqual(want);
    expectBruteForceOrder(ticketQuery({ text: 'router', status: ['open', 'pending'] }));
  });
});
