import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  openStore,
  PRIORITY_ORDER,
  RANK_WINDOW,
  SMALL_MATCH,
  type LocalStore,
  type ResolvedTicketFilter,
  type ResolvedTicketQuery,
} from '../../../src/main/store';
import { ftsText } from '../../../src/main/store/fts';
import { migrate } from '../../../src/main/store/migrate';
import { migrations } from '../../../src/main/store/migrations';
import type { Ticket, TicketPriority, TicketStatus } from '../../../src/shared/domain';
import type { Change } from '../../../src/shared/protocol/sync';
import { TicketSort } from '../../../src/shared/ipc/contract';
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
 * The ticket list's orders and filters against the same question answered by brute force over the tickets
 * themselves. The tickets reach the replica in an order unrelated to their creation, as a first sync sends them
 * (by last change) and as transfers from another department arrive: "newest" must still mean newest created.
 */

// A seeded generator, so a failure can be replayed.
let seed = 20261205;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const STATUSES: TicketStatus[] = ['new', 'open', 'pending', 'solved', 'closed'];
// Words that stand alone in the subjects, so "contains the word" is exactly what FTS matches.
const WORDS = ['router', 'refund', 'invoice', '退款到账', '屏幕碎裂', '宽带断线'];
const T0 = Date.UTC(2025, 0, 1);

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
const all: Ticket[] = [];
const cust = customer({ name: 'Sort Test' });

beforeAll(() => {
  dir = tempDir();
  store = openStore(join(dir.path, 's.sqlite'));
  // More than SMALL_MATCH, so that broad queries take the grouped path of the priority sort.
  for (let i = 0; i < SMALL_MATCH + 100; i++) {
    // Creation times spread over a year (tickets created in one millisecond: see the test of the same-ms case).
    const created = new Date(T0 + Math.floor(rnd() * 365 * 86_400_000));
    all.push(
      ticket(cust.id, {
        subject: `${pick(WORDS)} ${pick(WORDS)} case ${i}`,
        status: pick(STATUSES),
        priority: pick(PRIORITY_ORDER),
        departmentId: pick([DEPT_A, DEPT_B]),
        assigneeId: pick([null, AGENT_A1, AGENT_A2, AGENT_B1]),
        createdAt: created.toISOString(),
        // Updated long after, in an order of its own.
        updatedAt: new Date(T0 + 400 * 86_400_000 + Math.floor(rnd() * 1e9)).toISOString(),
      }),
    );
  }
  // Arriving by last change, in pages: neither creation order nor its reverse.
  const arrival = [...all].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  const first: Change[] = [...up.directory(), up.customer(cust)];
  store.write.applyPage(first, 1, 10, new Date().toISOString());
  for (let p = 0; p < arrival.length; p += 100) {
    store.write.applyPage(arrival.slice(p, p + 100).map(up.ticket), 2 + p, 10, new Date().toISOString());
  }
});
afterAll(() => {
  store.close();
  dir.remove();
});

const byNewest = (a: Ticket, b: Ticket) => b.createdAt.localeCompare(a.createdAt);
const expected = (f: Partial<ResolvedTicketFilter>, sort: 'newest' | 'oldest' | 'priority'): Ticket[] => {
  const hits = all.filter(
    (t) =>
      (!f.text || t.subject.toLowerCase().split(' ').includes(f.text)) &&
      (!f.status?.length || f.status.includes(t.status)) &&
      (!f.priority?.length || f.priority.includes(t.priority)) &&
      (!f.departmentIds?.length || f.departmentIds.includes(t.departmentId)) &&
      (!f.assignees?.length || f.assignees.includes(t.assigneeId ?? 'unassigned')),
  );
  const rank = (p: TicketPriority) => PRIORITY_ORDER.indexOf(p);
  return hits.sort((a, b) =>
    sort === 'oldest'
      ? -byNewest(a, b)
      : sort === 'priority'
        ? rank(a.priority) - rank(b.priority) || byNewest(a, b)
        : byNewest(a, b),
  );
};
const found = (over: Partial<ResolvedTicketQuery>) => store.read.searchTickets(ticketQuery(over));
const ids = (ts: readonly { id: string }[]) => ts.map((t) => t.id);

/** Every match, a page at a time, as the list scrolls. */
const paged = (over: Partial<ResolvedTicketQuery>, pageSize: number) => {
  const rows: string[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = found({ ...over, offset, limit: pageSize });
    rows.push(...ids(page.rows));
    if (page.rows.length < pageSize) return rows;
  }
};

const FILTERS: Partial<ResolvedTicketFilter>[] = [
  {},
  { status: ['new', 'open', 'pending'] },
  { priority: ['urgent', 'low'] },
  { assignees: ['unassigned'] },
  { assignees: [AGENT_A1, 'unassigned'] },
  { departmentIds: [DEPT_B], status: ['open'] },
  { departmentIds: [DEPT_A, DEPT_B], assignees: [AGENT_A2], status: ['new', 'open', 'pending', 'solved'] },
  { text: 'router' },
  { text: '退款到账', status: ['open', 'pending'] },
  { text: 'refund', assignees: ['unassigned', AGENT_B1] },
  { text: '屏幕碎裂', priority: ['high', 'urgent'], departmentIds: [DEPT_A] },
  // Most values of an enum: matched as NOT the others, alone and beside text.
  { priority: ['urgent', 'high', 'normal'], status: ['new', 'open', 'pending', 'solved'] },
  { text: 'invoice', priority: ['urgent', 'high', 'normal'], status: ['new', 'open', 'pending'] },
  // Matching more than SMALL_MATCH tickets: the priority sort reads group after group from the index.
  { text: 'case' },
  { departmentIds: [DEPT_A, DEPT_B] },
  { text: 'case', assignees: ['unassigned', AGENT_A1, AGENT_A2, AGENT_B1], status: STATUSES },
  // Status, department and assignee together: their combined tokens, as many as fit (MAX_COMBINED), the rest apart.
  { status: ['open', 'pending'], departmentIds: [DEPT_A], assignees: [AGENT_A1] },
  { text: 'refund', status: ['new', 'open'], departmentIds: [DEPT_B], assignees: ['unassigned'] },
  { text: 'router', status: ['new', 'open'], assignees: [AGENT_A2, 'unassigned'] },
  { departmentIds: [DEPT_A], assignees: ['unassigned', AGENT_A1] },
  {
    status: STATUSES,
    departmentIds: [DEPT_A, DEPT_B],
    assignees: ['unassigned', AGENT_A1, AGENT_A2, AGENT_B1],
  },
  { status: STATUSES, assignees: ['unassigned', AGENT_A1, AGENT_A2, AGENT_B1] },
  {
    text: 'case',
    status: ['pending', 'solved'],
    priority: ['urgent', 'low'],
    departmentIds: [DEPT_B],
    assignees: [AGENT_B1],
  },
];

describe('ticket list sorts and filters', () => {
  for (const f of FILTERS) {
    for (const sort of ['newest', 'oldest', 'priority'] as const) {
      it(`${sort} with ${JSON.stringify(f)}: every match in order, also page by page`, () => {
        const want = ids(expected(f, sort));
        expect(want.length).toBeGreaterThan(0);
        const page = found({ ...f, sort, limit: 5000 });
        expect(ids(page.rows)).toEqual(want);
        expect(page.total).toBe(want.length);
        // Pages that end inside a priority group and pages that cross into the next.
        expect(paged({ ...f, sort }, want.length > 500 ? 151 : 7)).toEqual(want);
        expect(found({ ...f, sort, limit: 5 }).total).toBe(want.length);
      });
    }
  }

  for (const f of FILTERS.filter((f) => f.text)) {
    it(`relevance with ${JSON.stringify(f)}: every match once, past the ranked window newest first`, () => {
      const want = ids(expected(f, 'newest'));
      const got = paged({ ...f, sort: 'relevance' }, want.length > 500 ? 151 : 7);
      expect([...got].sort()).toEqual([...want].sort());
      expect(found({ ...f, sort: 'relevance', limit: 5 }).total).toBe(want.length);
      // The window is the newest RANK_WINDOW matches of the text alone; what it leaves out follows, newest first.
      const window = new Set(ids(expected({ text: f.text }, 'newest').slice(0, RANK_WINDOW)));
      const tail = want.filter((id) => !window.has(id));
      expect(got.slice(got.length - tail.length)).toEqual(tail);
    });
  }

  it('without text and without a sort, the list is newest first; with text, relevance first', () => {
    expect(ids(found({ limit: 5000 }).rows)).toEqual(ids(expected({}, 'newest')));
    const subjectHit = ticket(cust.id, {
      subject: 'Bluetooth pairing fails',
      createdAt: new Date(T0 - 86_400_000).toISOString(),
    });
    const bodyHit = ticket(cust.id, {
      subject: 'Call back',
      description: 'long text about many things and a bluetooth headset somewhere in it',
      createdAt: new Date(T0 + 2 * 365 * 86_400_000).toISOString(),
    });
    store.write.applyPage([up.ticket(subjectHit), up.ticket(bodyHit)], 900, 900, new Date().toISOString());
    try {
      expect(ids(found({ text: 'bluetooth' }).rows)).toEqual([subjectHit.id, bodyHit.id]);
      expect(ids(found({ text: 'bluetooth', sort: 'relevance' }).rows)).toEqual([subjectHit.id, bodyHit.id]);
      expect(ids(found({ text: 'bluetooth', sort: 'newest' }).rows)).toEqual([bodyHit.id, subjectHit.id]);
      // Relevance needs words to rank by: without text it is newest first.
      expect(ids(found({ sort: 'relevance', limit: 1 }).rows)).toEqual([bodyHit.id]);
    } finally {
      store.write.applyPage(
        [up.remove(subjectHit.id), up.remove(bodyHit.id)],
        901,
        901,
        new Date().toISOString(),
      );
    }
  });

  it('keeps tickets created in the same millisecond apart, each listed once', () => {
    const at = new Date(T0 - 3 * 86_400_000).toISOString();
    const twins = [1, 2, 3].map((n) => ticket(cust.id, { subject: `Twin ${n}`, createdAt: at }));
    store.write.applyPage(twins.map(up.ticket), 910, 910, new Date().toISOString());
    try {
      const listed = found({ text: 'twin', sort: 'oldest' }).rows;
      expect(ids(listed).sort()).toEqual(ids(twins).sort());
      expect(
        found({ sort: 'oldest', limit: 3 })
          .rows.map((r) => r.subject)
          .sort(),
      ).toEqual(['Twin 1', 'Twin 2', 'Twin 3']);
    } finally {
      store.write.applyPage(
        twins.map((t) => up.remove(t.id)),
        911,
        911,
        new Date().toISOString(),
      );
    }
  });

  it('every sort of the contract has a plan in the store', () => {
    for (const sort of TicketSort.options) {
      expect(() => found({ text: 'router', sort, status: ['open'] })).not.toThrow();
    }
  });

  it('counts what each saved view shows', () => {
    const views: Partial<ResolvedTicketFilter>[] = [
      { status: ['new', 'open', 'pending'], assignees: [AGENT_A1] },
      { status: ['new', 'open', 'pending'], assignees: ['unassigned'], departmentIds: [DEPT_A] },
      { status: ['new', 'open', 'pending'] },
      { text: 'invoice', status: ['closed'] },
      {},
      { text: '，，' },
    ];
    const counts = store.read.countTickets(views.map((v) => ({ ...ticketQuery(), ...v })));
    expect(counts).toEqual(views.map((v) => (v.text === '，，' ? 0 : expected(v, 'newest').length)));
    expect(counts[4]).toBe(all.length);
  });

  it('a ticket edited here keeps its place in the newest-first order', () => {
    const before = ids(found({ limit: 5000 }).rows);
    const victim = all[123]!;
    store.write.updateTicketLocally(
      victim.id,
      { priority: 'urgent' },
      crypto.randomUUID(),
      new Date().toISOString(),
    );
    expect(ids(found({ limit: 5000 }).rows)).toEqual(before);
    expect(ids(found({ sort: 'priority', priority: ['urgent'], limit: 5000 }).rows)).toContain(victim.id);
  });

  it('a ticket given another status and assignee here is found under its new queue, not its old one', () => {
    const victim = all[321]!;
    const mine = (status: TicketStatus[], assignee: string) =>
      ids(found({ status, departmentIds: [victim.departmentId], assignees: [assignee], limit: 5000 }).rows);
    const before = { status: victim.status, assignee: victim.assigneeId ?? 'unassigned' };
    expect(mine([before.status], before.assignee)).toContain(victim.id);
    const next = {
      status: before.status === 'pending' ? 'open' : 'pending',
      assignee: before.assignee === AGENT_B1 ? AGENT_A2 : AGENT_B1,
    } as const;
    store.write.updateTicketLocally(
      victim.id,
      { status: next.status, assigneeId: next.assignee },
      crypto.randomUUID(),
      new Date().toISOString(),
    );
    expect(mine([next.status], next.assignee)).toContain(victim.id);
    expect(mine([before.status], before.assignee)).not.toContain(victim.id);
    expect(mine([next.status, 'closed'], next.assignee)).toContain(victim.id);
  });
});

describe('migration 016', () => {
  it('indexes a replica made under 015 with the combined filter tokens, so a queue filter still finds its tickets', () => {
    const d = tempDir();
    try {
      const path = join(d.path, 'm.sqlite');
      const s = openStore(path);
      const mine = all.slice(0, 60);
      s.write.applyPage(
        [...up.directory(), up.customer(cust), ...mine.map(up.ticket)],
        1,
        1,
        new Date().toISOString(),
      );
      s.close();
      // The index rows as schema 015 wrote them: the same text and facets but for the combined ones.
      const db = new Database(path);
      const rows = db.prepare('SELECT id, seq FROM tickets').all() as { id: string; seq: number }[];
      const t = mine.find((x) => x.assigneeId !== null)!;
      for (const r of rows) {
        const x = mine.find((m) => m.id === r.id)!;
        const text = ftsText(
          x.number,
          x.subject,
          x.description,
          [],
          { name: cust.name, phone: cust.phone, email: cust.email },
          {
            status: x.status,
            priority: x.priority,
            departmentId: x.departmentId,
            assigneeId: x.assigneeId,
          },
        );
        db.prepare('DELETE FROM ticket_fts WHERE rowid = ?').run(r.seq);
        db.prepare(
          'INSERT INTO ticket_fts (rowid, subject, body, customer, facets) VALUES (?, ?, ?, ?, ?)',
        ).run(r.seq, text.subject, text.body, text.customer, text.facets.replace(/\bz[vwxy]\S+/g, ''));
      }
      db.pragma('user_version = 15');
      const q = { status: [t.status], departmentIds: [t.departmentId], assignees: [t.assigneeId!] };
      const want = mine.filter(
        (x) => x.status === t.status && x.departmentId === t.departmentId && x.assigneeId === t.assigneeId,
      );
      db.close();

      const upgraded = openStore(path);
      try {
        const got = upgraded.read.searchTickets(ticketQuery({ ...q, limit: 100 }));
        expect(ids(got.rows).sort()).toEqual(ids(want).sort());
        expect(got.total).toBe(want.length);
      } finally {
        upgraded.close();
      }
    } finally {
      d.remove();
    }
  });
});

describe('migration 009', () => {
  it('gives tickets stored under 008 keys in creation order, so newest first is right after the upgrade', () => {
    const d = tempDir();
    try {
      const path = join(d.path, 'v8.sqlite');
      const db = new Database(path);
      migrate(db, migrations.slice(0, 8));
      const insert = db.prepare(
        `INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
           assignee_id, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, '', 'open', ?, NULL, ?, ?, 1)`,
      );
      // Stored (rid order) newest first, two in the same millisecond.
      const rows = [
        ['2026-03-01T00:00:00.000Z', 'normal', 'Refund three'],
        ['2026-02-01T00:00:00.000Z', 'urgent', 'Refund two b'],
        ['2026-02-01T00:00:00.000Z', 'low', 'Refund two a'],
        ['2026-01-01T00:00:00.000Z', 'urgent', 'Refund one'],
      ] as const;
      rows.forEach(([at, priority, subject], i) =>
        insert.run(crypto.randomUUID(), i + 1, DEPT_A, crypto.randomUUID(), subject, priority, at, at),
      );
      db.close();

      const s = openStore(path);
      try {
        const subjects = (over: Partial<ResolvedTicketQuery>) =>
          s.read.searchTickets(ticketQuery(over)).rows.map((r) => r.subject);
        expect(subjects({ sort: 'oldest' })).toEqual([
          'Refund one',
          'Refund two b',
          'Refund two a',
          'Refund three',
        ]);
        expect(subjects({ text: 'refund', sort: 'newest' })).toEqual([
          'Refund three',
          'Refund two a',
          'Refund two b',
          'Refund one',
        ]);
        expect(subjects({ text: 'refund', sort: 'priority', assignees: ['unassigned'] })).toEqual([
          'Refund two b',
          'Refund one',
          'Refund three',
          'Refund two a',
        ]);
      } finally {
        s.close();
      }
    } finally {
      d.remove();
    }
  });
});
