import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore } from '../../../src/main/store';
import type { AdminConfig } from '../../../src/shared/admin';
import {
  DEFAULT_ROLE_PERMISSIONS,
  type Ticket,
  type TicketComment,
  type TicketHistoryEntry,
} from '../../../src/shared/domain';
import type { Change } from '../../../src/shared/protocol/sync';
import { calendar24x7, SlaEngine } from '../../../src/shared/sla';
import { AGENT_A1, customer, DEPT_A, DEPT_B, tempDir, ticket, ticketQuery, up } from '../fixtures';

/**
 * The replica's SLA due times (migration 012) against the shared engine run on the same ticket, history and
 * comments: the "SLA due" order, the "Breaching soon" filter and its count, and the recomputation that follows
 * every change of the clock's inputs (a reply, a pause, a transfer, a new configuration).
 */
const HOUR = 3_600_000;
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

const policy = (id: string, departmentId: string, first: number | null, resolution: number) => ({
  id,
  departmentId,
  priority: 'normal' as const,
  channel: 'web' as const,
  calendarId: '24x7',
  firstResponseMinutes: first,
  nextResponseMinutes: null,
  resolutionMinutes: resolution,
  warning: { kind: 'percent' as const, percent: 80 },
  escalations: [],
  active: true,
});
const config = (version: number, resolutionA = 8 * 60): AdminConfig => ({
  version,
  rolePermissions: DEFAULT_ROLE_PERMISSIONS,
  calendars: [calendar24x7('24x7', 'Asia/Shanghai')],
  slaPolicies: [
    policy('0190c000-0000-7000-8000-0000000000a1', DEPT_A, 60, resolutionA),
    policy('0190c000-0000-7000-8000-0000000000b1', DEPT_B, 30, 2 * 60),
  ],
  customFields: [],
  workflow: { autoCloseSolvedAfterDays: 7 },
});

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let seq = 1;
const cust = customer({ name: 'SLA Test' });
const apply = (changes: Change[]) => store.write.applyPage(changes, seq++, 1000, iso(NOW));
const history = (t: Ticket, field: string, from: string, to: string, at: number): Change => ({
  version: seq * 1000,
  kind: 'history',
  op: 'upsert',
  data: {
    id: uuidv7(),
    ticketId: t.id,
    field,
    from,
    to,
    actorId: AGENT_A1,
    actorName: 'Agent',
    at: iso(at),
    note: null,
  } as TicketHistoryEntry,
});
const reply = (t: Ticket, at: number): TicketComment => ({
  id: uuidv7(),
  ticketId: t.id,
  authorId: AGENT_A1,
  authorName: 'Agent',
  body: 'We are on it',
  internal: false,
  createdAt: iso(at),
});

function refresh(cfg: AdminConfig | null) {
  const engine = cfg ? new SlaEngine(cfg) : null;
  while (store.write.sla.refreshStale(engine, NOW, 500).more);
}

/** What the shared engine says the ticket is due at, from the replica's own detail; none once solved. */
function expectedDue(cfg: AdminConfig, id: string): number | null {
  const d = store.read.getTicketDetail(id)!;
  if (d.ticket.status === 'solved' || d.ticket.status === 'closed') return null;
  return new SlaEngine(cfg).ticketSla(d.ticket, d.history, d.comments, NOW)?.status.nextDueAt ?? null;
}

/** sla_due_at as stored, read beside the store. */
function storedDue(id: string): number | null {
  const db = new Database(store.path, { readonly: true });
  try {
    return (db.prepare('SELECT sla_due_at AS d FROM tickets WHERE id = ?').get(id) as { d: number | null }).d;
  } finally {
    db.close();
  }
}

const tickets: Ticket[] = [];
beforeEach(() => {
  dir = tempDir();
  store = openStore(join(dir.path, 'sla.sqlite'));
  tickets.length = 0;
  // Created over the last 12 hours, in both departments, some with no policy (high priority, email).
  for (let i = 0; i < 60; i++) {
    tickets.push(
      ticket(cust.id, {
        subject: i % 2 ? `router case ${i}` : `refund case ${i}`,
        departmentId: i % 3 ? DEPT_A : DEPT_B,
        priority: i % 7 === 0 ? 'high' : 'normal',
        status: i % 11 === 0 ? 'solved' : 'open',
        createdAt: iso(NOW - (i + 1) * 12 * 60_000),
      }),
    );
  }
  apply([...up.directory(), up.customer(cust), ...tickets.map(up.ticket)]);
});
afterEach(() => {
  store.close();
  dir.remove();
});

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

describe('SLA due times in the replica', () => {
  it('are the shared engine’s, and order the list (no due time last, newest first)', () => {
    const cfg = config(1);
    refresh(cfg);
    const due = new Map(tickets.map((t) => [t.id, expectedDue(cfg, t.id)]));
    for (const t of tickets) expect(storedDue(t.id)).toBe(due.get(t.id));
    expect([...due.values()].filter((d) => d !== null).length).toBeGreaterThan(30);
    const want = [...tickets].sort((a, b) => {
      const da = due.get(a.id)!;
      const db = due.get(b.id)!;
      if (da === null || db === null)
        return da === null && db === null ? b.createdAt.localeCompare(a.createdAt) : da === null ? 1 : -1;
      return da - db || b.createdAt.localeCompare(a.createdAt);
    });
    const page = store.read.searchTickets(ticketQuery({ sort: 'slaDue', limit: 500 }));
    expect(page.total).toBe(tickets.length);
    expect(ids(page.rows)).toEqual(ids(want));
    // Paged, filtered and with text, the same order.
    const routers = want.filter((t) => t.subject.startsWith('router') && t.departmentId === DEPT_A);
    const first = store.read.searchTickets(
      ticketQuery({ text: 'router', departmentIds: [DEPT_A], sort: 'slaDue', limit: 7 }),
    );
    const second = store.read.searchTickets(
      ticketQuery({ text: 'router', departmentIds: [DEPT_A], sort: 'slaDue', limit: 7, offset: 7 }),
    );
    expect([...ids(first.rows), ...ids(second.rows)]).toEqual(ids(routers.slice(0, 14)));
    // The timeline every row carries is the one the engine computes from.
    expect(page.rows[0]!.sla).toMatchObject({
      createdAt: Date.parse(want[0]!.createdAt),
      firstResponseAt: null,
    });
  });

  it('“Breaching soon” holds the running tickets due within the window or overdue, and counts them', () => {
    const cfg = config(1);
    // One paused (pending customer) ticket that would be overdue if its clock ran.
    const paused = tickets.find(
      (t) => t.departmentId === DEPT_B && t.status === 'open' && t.priority === 'normal',
    )!;
    apply([
      up.ticket({ ...paused, status: 'pending' }),
      history(paused, 'status', 'open', 'pending', NOW - HOUR),
    ]);
    refresh(cfg);
    // Most of these tickets are long overdue: a bound in the past splits them (the store only compares).
    const bound = NOW - 4 * HOUR;
    const want = tickets
      .filter((t) => t.id !== paused.id)
      .filter((t) => {
        const d = expectedDue(cfg, t.id);
        return d !== null && d <= bound;
      });
    expect(want.length).toBeGreaterThan(5);
    expect(want.length).toBeLessThan(tickets.length - 10);
    const q = ticketQuery({ slaDueBefore: bound, limit: 500 });
    expect(new Set(ids(store.read.searchTickets(q).rows))).toEqual(new Set(ids(want)));
    expect(ids(store.read.searchTickets(q).rows)).not.toContain(paused.id);
    const counts = store.read.countTickets([
      q,
      { ...q, assignees: ['unassigned'], departmentIds: [DEPT_B] },
      { ...q, text: 'refund' },
    ]);
    expect(counts).toEqual([
      want.length,
      want.filter((t) => t.departmentId === DEPT_B).length,
      want.filter((t) => t.subject.startsWith('refund')).length,
    ]);
    // In another order, the same tickets.
    const newest = store.read.searchTickets({ ...q, sort: 'newest' });
    expect(ids(newest.rows)).toEqual(ids([...want].sort((a, b) => b.createdAt.localeCompare(a.createdAt))));
    const byNewest = (a: Ticket, b: Ticket) => b.createdAt.localeCompare(a.createdAt);
    const refunds = want.filter((t) => t.subject.startsWith('refund'));
    const textNewest = store.read.searchTickets({ ...q, text: 'refund', sort: 'newest', limit: 3 });
    expect(ids(textNewest.rows)).toEqual(ids([...refunds].sort(byNewest).slice(0, 3)));
    expect(textNewest.total).toBe(refunds.length);
    const textOldest = store.read.searchTickets({ ...q, text: 'refund', sort: 'oldest', limit: 500 });
    expect(ids(textOldest.rows)).toEqual(ids([...refunds].sort(byNewest).reverse()));
  });

  it('follow a first reply, a pause, a transfer and a new configuration', () => {
    const cfg = config(1);
    refresh(cfg);
    const t = tickets.find(
      (x) => x.departmentId === DEPT_A && x.status === 'open' && x.priority === 'normal',
    )!;
    const created = Date.parse(t.createdAt);
    const row = () =>
      store.read.searchTickets(ticketQuery({ text: '', limit: 500 })).rows.find((r) => r.id === t.id)!;
    const dueOf = () => {
      const stored = storedDue(t.id);
      expect(stored).toBe(expectedDue(cfg, t.id));
      return stored;
    };
    expect(dueOf()).toBe(created + HOUR); // first response due first

    // The first reply (synced from the server) leaves the resolution target.
    apply([up.comment(reply(t, created + 10 * 60_000))]);
    refresh(cfg);
    expect(row().sla!.firstResponseAt).toBe(created + 10 * 60_000);
    expect(dueOf()).toBe(created + 8 * HOUR);

    // Pending customer, edited here: the clock stops (still due, as if it resumed now).
    store.write.updateTicketLocally(t.id, { status: 'pending' }, uuidv7(), iso(NOW));
    refresh(cfg);
    expect(row().sla!.pauses.some((p) => p.to === null)).toBe(true);

    expect(
      store.read
        .searchTickets(ticketQuery({ slaDueBefore: NOW + 48 * HOUR, limit: 500 }))
        .rows.map((r) => r.id),
    ).not.toContain(t.id);

    // Another ticket transferred to B (which resolves in 2 h, first response in 30 min): due from its original
    // creation time under B's policy.
    const moved = tickets.find(
      (x) => x.id !== t.id && x.departmentId === DEPT_A && x.status === 'open' && x.priority === 'normal',
    )!;
    apply([
      up.ticket({ ...moved, departmentId: DEPT_B, version: 5 }),
      history(moved, 'departmentId', DEPT_A, DEPT_B, NOW - 60_000),
    ]);
    refresh(cfg);
    expect(storedDue(moved.id)).toBe(Date.parse(moved.createdAt) + 30 * 60_000);
    expect(storedDue(moved.id)).toBe(expectedDue(cfg, moved.id));

    // A new configuration marks every unsolved ticket for recomputation.
    const longer = config(2, 48 * 60);
    expect(store.write.sla.markUnsolvedStale()).toBe(tickets.filter((x) => x.status !== 'solved').length);
    refresh(longer);
    const a = tickets.find(
      (x) =>
        x.id !== t.id &&
        x.id !== moved.id &&
        x.departmentId === DEPT_A &&
        x.status === 'open' &&
        x.priority === 'normal',
    )!;
    apply([up.comment(reply(a, Date.parse(a.createdAt) + 60_000))]);
    refresh(longer);
    expect(expectedDue(longer, a.id)).toBe(Date.parse(a.createdAt) + 48 * HOUR);
    const sorted = store.read.searchTickets(ticketQuery({ sort: 'slaDue', limit: 500 })).rows;
    const aIndex = sorted.findIndex((r) => r.id === a.id);
    // Every ticket before it in the order is due no later.
    for (const r of sorted.slice(0, aIndex))
      expect(expectedDue(longer, r.id)!).toBeLessThanOrEqual(Date.parse(a.createdAt) + 48 * HOUR);
  });

  it('with no configuration yet, keep the timeline and no due time', () => {
    refresh(null);
    const page = store.read.searchTickets(ticketQuery({ sort: 'slaDue', limit: 500 }));
    expect(page.rows.every((r) => r.sla !== null)).toBe(true);
    expect(ids(page.rows)).toEqual(ids([...tickets].sort((a, b) => b.createdAt.localeCompare(a.createdAt))));
  });
});
