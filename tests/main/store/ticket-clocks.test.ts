import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore, type ResolvedTicketQuery } from '../../../src/main/store';
import { dueTuning } from '../../../src/main/store/search';
import type { AdminConfig } from '../../../src/shared/admin';
import { DEFAULT_ROLE_PERMISSIONS, type Ticket, type TicketStatus } from '../../../src/shared/domain';
import type { Change } from '../../../src/shared/protocol/sync';
import { calendar24x7, SlaEngine } from '../../../src/shared/sla';
import { customer, DEPT_A, tempDir, ticket, ticketQuery, up } from '../fixtures';

/**
 * The total of text under "Breaching soon", or under a status filter alone, is counted against the SLA clocks held
 * in memory (ticket-clocks.ts), built on the first such count. Every way a ticket's clock can change after that build (an edit here, a synced
 * change, a new ticket older or newer than all the others, a deletion, a write that rolls back, a write by
 * another connection) must show in the next total: each is checked against a count made beside the store.
 */
const HOUR = 3_600_000;
const NOW = Date.now();
const SOON = NOW + 2 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

const CONFIG: AdminConfig = {
  version: 1,
  rolePermissions: DEFAULT_ROLE_PERMISSIONS,
  calendars: [calendar24x7('24x7', 'Asia/Shanghai')],
  slaPolicies: [
    {
      id: '0190c000-0000-7000-8000-0000000000a1',
      departmentId: DEPT_A,
      priority: 'normal',
      channel: 'web',
      calendarId: '24x7',
      firstResponseMinutes: 60,
      nextResponseMinutes: null,
      resolutionMinutes: 24 * 60,
      warning: { kind: 'percent', percent: 80 },
      escalations: [],
      active: true,
    },
  ],
  customFields: [],
  workflow: { autoCloseSolvedAfterDays: 7 },
};

const STATUSES: TicketStatus[] = ['new', 'open', 'pending', 'open', 'solved'];

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let syncSeq = 1;
const cust = customer({ name: 'Clock Test' });
const apply = (changes: Change[]) => store.write.applyPage(changes, syncSeq++, 1000, iso(NOW));
const refresh = () => {
  const engine = new SlaEngine(CONFIG);
  while (store.write.sla.refreshStale(engine, NOW, 100).more);
};
const tickets: Ticket[] = [];

/** The query's total as the list shows it: a first page of one, so the total has to be counted. */
const total = (q: ResolvedTicketQuery) => store.read.searchTickets({ ...q, offset: 0, limit: 1 }).total;

/** The same count made from the tickets as committed, on a connection of its own. */
function counted(q: ResolvedTicketQuery): number {
  const db = new Database(store.path, { readonly: true });
  try {
    const rows = db.prepare('SELECT subject, status, sla_due_at, sla_state FROM tickets').all() as {
      subject: string;
      status: TicketStatus;
      sla_due_at: number | null;
      sla_state: string | null;
    }[];
    return rows.filter(
      (t) =>
        t.subject.includes(q.text) &&
        (q.status.length === 0 || q.status.includes(t.status)) &&
        (q.slaDueBefore == null ||
          (t.sla_due_at !== null && t.sla_due_at <= q.slaDueBefore && t.sla_state !== 'paused')),
    ).length;
  } finally {
    db.close();
  }
}

const QUERIES = [
  ticketQuery({ text: 'refund', slaDueBefore: SOON, sort: 'slaDue' }),
  ticketQuery({ text: 'refund', slaDueBefore: SOON, status: ['new', 'open', 'pending'], sort: 'slaDue' }),
  ticketQuery({ text: 'refund', slaDueBefore: SOON, status: ['open'], sort: 'newest' }),
  // A status filter alone is counted against the clocks too.
  ticketQuery({ text: 'refund', status: ['new', 'open', 'pending'], sort: 'relevance' }),
  ticketQuery({ text: 'refund', status: ['solved'], sort: 'oldest' }),
];

/** Every query's total against the count beside the store; returns the first query's. */
function expectTotals(): number {
  for (const q of QUERIES) expect(total(q), JSON.stringify(q)).toBe(counted(q));
  return total(QUERIES[0]!);
}

const DEFAULT_TUNING = { ...dueTuning };
beforeEach(() => {
  // Every "Breaching soon" count goes through the matches' clocks, however few tickets are due.
  dueTuning.fewDueBy = 0;
  dir = tempDir();
  store = openStore(join(dir.path, 'clocks.sqlite'));
  tickets.length = 0;
  // Created over the last 40 hours: the older ones overdue, the newest not due yet.
  for (let i = 0; i < 60; i++)
    tickets.push(
      ticket(cust.id, {
        subject: i % 4 === 3 ? 'router offline' : `refund request ${i}`,
        departmentId: DEPT_A,
        priority: 'normal',
        status: STATUSES[i % STATUSES.length]!,
        createdAt: iso(NOW - 40 * HOUR + i * 40 * 60_000),
      }),
    );
  apply([...up.directory(), up.customer(cust), ...tickets.map(up.ticket)]);
  refresh();
});
afterEach(() => {
  Object.assign(dueTuning, DEFAULT_TUNING);
  store.close();
  dir.remove();
});

describe('the "Breaching soon" total of a text, after the clocks in memory were built', () => {
  it('follows an edit here, a synced change and the SLA recomputation', () => {
    const first = expectTotals();
    expect(first).toBeGreaterThan(10);
    const open = tickets.find((t) => t.status === 'open' && Date.parse(t.createdAt) < NOW - 30 * HOUR)!;
    // Pending, here: its clock stops, and it leaves "Breaching soon".
    store.write.updateTicketLocally(open.id, { status: 'pending' }, uuidv7(), iso(NOW));
    refresh();
    expect(expectTotals()).toBe(first - 1);
    // Solved on the server, synced: its clock ends.
    const other = tickets.find(
      (t) => t.id !== open.id && t.status === 'new' && t.subject.startsWith('refund'),
    )!;
    apply([up.ticket({ ...other, status: 'solved', version: other.version + 1 })]);
    refresh();
    expect(expectTotals()).toBe(first - 2);
  });

  it('counts new tickets, the newest and one older than all the others, and leaves out a deleted one', () => {
    const first = expectTotals();
    const open = (subject: string, status: TicketStatus, createdAt: number) =>
      ticket(cust.id, {
        subject,
        departmentId: DEPT_A,
        priority: 'normal',
        status,
        createdAt: iso(createdAt),
      });
    const newest = open('refund newest', 'open', NOW - 5 * HOUR);
    const oldest = open('refund oldest', 'new', NOW - 100 * HOUR);
    // Between two others (a ticket moved in from another department arrives late).
    const between = open('refund between', 'open', NOW - 20 * HOUR + 60_000);
    apply([up.ticket(newest), up.ticket(oldest), up.ticket(between)]);
    refresh();
    expect(expectTotals()).toBe(first + 3);
    const gone = tickets.find((t) => t.status === 'open' && t.subject.startsWith('refund'))!;
    apply([up.remove(gone.id)]);
    expect(expectTotals()).toBe(first + 2);
  });

  it('keeps what is committed when a sync page fails half way and rolls back', () => {
    const first = expectTotals();
    const due = tickets.filter((t) => t.status === 'open' && t.subject.startsWith('refund')).slice(0, 3);
    // The page solves three tickets, then holds one the replica cannot store (no department): the page fails.
    const broken = ticket(cust.id, {
      subject: 'refund broken',
      status: 'open',
      createdAt: iso(NOW - 30 * HOUR),
    });
    expect(() =>
      apply([
        ...due.map((t) => up.ticket({ ...t, status: 'solved', version: t.version + 1 })),
        up.ticket({ ...broken, departmentId: null as unknown as string }),
      ]),
    ).toThrow();
    expect(expectTotals()).toBe(first);
  });

  it('follows writes by another connection to the same replica', () => {
    const first = expectTotals();
    const db = new Database(store.path);
    try {
      const n = db
        .prepare(
          `UPDATE tickets SET sla_state = 'paused'
           WHERE rid IN (SELECT rid FROM tickets WHERE subject LIKE 'refund%' AND sla_due_at <= ?
                         AND sla_state <> 'paused' LIMIT 4)`,
        )
        .run(SOON).changes;
      expect(n).toBe(4);
    } finally {
      db.close();
    }
    expect(expectTotals()).toBe(first - 4);
    // A ticket row gone with its search-index row left behind: no ticket, not counted, on every count after.
    const raw = new Database(store.path);
    try {
      raw
        .prepare(
          `DELETE FROM tickets WHERE rid = (SELECT rid FROM tickets WHERE subject LIKE 'refund%' AND sla_due_at <= ?
             AND sla_state <> 'paused' AND status IN ('new', 'open') LIMIT 1)`,
        )
        .run(SOON);
    } finally {
      raw.close();
    }
    expect(expectTotals()).toBe(first - 5);
    expect(expectTotals()).toBe(first - 5);
  });
});
