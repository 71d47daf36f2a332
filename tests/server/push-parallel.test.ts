// Pushes no longer wait on one global lock: on PostgreSQL several transactions of one node, and of two nodes,
// apply side by side (sync/push.ts: independentRuns, PARALLEL_TRANSACTIONS). What keeps them right is the row
// lock a change takes as it reads (getTicketForChange) and the phone lock of a new customer. These tests run
// two "nodes" (two connection pools on one database) at once; on SQLite they run the same pushes one by one.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mutation, TicketPriority, User } from '../../src/shared';
import { migrateToLatest } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { toUser } from '../../src/server/directory/directory-store';
import { applyPush, independentRuns } from '../../src/server/sync/push';
import { scratchDb, TEST_DIALECT } from './helpers';

let nodeA: Db;
let nodeB: Db;
let close: () => Promise<void>;
let alice: User;
let bob: User;

beforeAll(async () => {
  const scratch = await scratchDb();
  nodeA = scratch.db;
  await migrateToLatest(nodeA);
  await seedDemo(nodeA, { tickets: 40, customers: 20 });
  // SQLite has one writer: a second handle would only wait on the first's lock, so both "nodes" share it.
  const second = TEST_DIALECT === 'postgres' ? openDatabase(scratch.location) : null;
  nodeB = second ?? nodeA;
  close = async () => {
    await second?.destroy();
    await scratch.close();
  };
  const agents = (await nodeA.selectFrom('users').selectAll().where('role', '=', 'agent').execute()).map(
    toUser,
  );
  alice = agents[0]!;
  bob = agents.find((a) => a !== alice && a.departmentId === alice.departmentId)!;
});

afterAll(async () => {
  await close?.();
});

const now = () => new Date();
const PRIORITIES: TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

async function ticketOf(departmentId: string) {
  return nodeA
    .selectFrom('tickets')
    .selectAll()
    .where('department_id', '=', departmentId)
    .where('status', '!=', 'closed')
    .orderBy('number')
    .executeTakeFirstOrThrow();
}

describe('pushes side by side', () => {
  it('keeps mutations that share a ticket, customer or call in one run, in the order sent', () => {
    const m = (id: string, name: Mutation['name'], args: Record<string, unknown>) =>
      ({ id, name, args }) as unknown as Mutation;
    const pushes = [
      m('1', 'customer.create', { customerId: 'c1' }),
      m('2', 'ticket.update', { ticketId: 't9', patch: { subject: 'x' }, baseVersion: 1 }),
      m('3', 'ticket.create', { ticketId: 't1', customerId: 'c1' }),
      m('4', 'ticket.update', { ticketId: 't8', patch: { subject: 'y' }, baseVersion: 1 }),
      m('5', 'ticket.comment', { ticketId: 't1', commentId: 'k', body: 'b', internal: false }),
      m('6', 'interaction.complete', { interactionId: 'i1', ticketId: 't9', disposition: 'resolved' }),
      m('7', 'ticket.update', { ticketId: 't7', patch: { subject: 'z' }, baseVersion: 1 }),
    ];
    const runs = independentRuns(pushes, 2);
    expect(runs.length).toBe(2);
    const runOf = (id: string) => runs.findIndex((r) => r.some((x) => x.id === id));
    // c1 -> t1 -> comment on t1: one run; t9's edit and the call wrapped up on t9: one run.
    expect(runOf('1')).toBe(runOf('3'));
    expect(runOf('3')).toBe(runOf('5'));
    expect(runOf('2')).toBe(runOf('6'));
    for (const r of runs) {
      const order = r.map((x) => Number(x.id));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(runs.flat().length).toBe(pushes.length);
    expect(independentRuns(pushes, 10).length).toBe(4);
  });

  it('loses no edit when two nodes change different fields of one ticket at the same moment', async () => {
    const ticket = await ticketOf(alice.departmentId!);
    const rounds = 24;
    const subjects = Array.from({ length: rounds }, (_, i) => `Bob's subject ${i} 并发`);
    const priorities = Array.from({ length: rounds }, (_, i) => PRIORITIES[(i + 1) % 4]!);
    const aliceEdits: Mutation[] = priorities.map((priority) => ({
      id: randomUUID(),
      name: 'ticket.update',
      args: { ticketId: ticket.id, patch: { priority }, baseVersion: ticket.version },
    }));
    const bobEdits: Mutation[] = subjects.map((subject) => ({
      id: randomUUID(),
      name: 'ticket.update',
      args: { ticketId: ticket.id, patch: { subject }, baseVersion: ticket.version },
    }));
    // Each edit a push of its own, as a desktop online sends them; Alice on node A, Bob on node B.
    const outcomes = await Promise.all([
      ...aliceEdits.map((m) => applyPush(nodeA, alice, [m], now, { deviceId: 'alice-desk' })),
      ...bobEdits.map((m) => applyPush(nodeB, bob, [m], now, { deviceId: 'bob-desk' })),
    ]);
    for (const o of outcomes) expect(o.results.map((r) => r.status)).toEqual(['applied']);

    const after = await nodeA
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', ticket.id)
      .executeTakeFirstOrThrow();
    // Each agent's edits arrive in their own order per node only by chance, so the final values are one of
    // theirs; what must hold is that neither agent's field was overwritten by the other's stale copy.
    expect(subjects).toContain(after.subject);
    expect(priorities).toContain(after.priority);
    const history = await nodeA
      .selectFrom('ticket_history')
      .select(['field', 'to_value'])
      .where('ticket_id', '=', ticket.id)
      .orderBy('version')
      .execute();
    const last = (field: string) => history.filter((h) => h.field === field).at(-1)?.to_value;
    expect(last('subject')).toBe(after.subject);
    expect(last('priority')).toBe(after.priority);
    expect(history.filter((h) => h.field === 'subject').length).toBe(rounds);
  });

  it('makes one customer of one new phone number created on two nodes at once', async () => {
    const phone = '+8613912345678';
    const create = (who: User, node: Db) => {
      const customerId = randomUUID();
      const m: Mutation = {
        id: randomUUID(),
        name: 'customer.create',
        args: {
          customerId,
          name: `${who.displayName}'s caller`,
          phone,
          email: null,
          language: 'zh-CN',
          company: null,
          createdAt: new Date().toISOString(),
        },
      };
      return applyPush(node, who, [m], now);
    };
    const outcomes = await Promise.all([create(alice, nodeA), create(bob, nodeB)]);
    for (const o of outcomes) expect(o.results[0]!.status).toBe('applied');
    const customers = await nodeA.selectFrom('customers').select('id').where('phone', '=', phone).execute();
    expect(customers.length).toBe(1);
  });

  it('applies a long offline replay split into runs with every ticket ending as its last edit says', async () => {
    const tickets = await nodeA
      .selectFrom('tickets')
      .select(['id', 'version'])
      .where('department_id', '=', alice.departmentId!)
      .where('status', '!=', 'closed')
      .execute();
    const edits: Mutation[] = [];
    const expected = new Map<string, string>();
    for (let round = 0; round < 6; round++)
      for (const t of tickets) {
        const subject = `replay ${round} of ${t.id.slice(0, 6)}`;
        expected.set(t.id, subject);
        edits.push({
          id: randomUUID(),
          name: 'ticket.update',
          args: { ticketId: t.id, patch: { subject }, baseVersion: t.version },
        });
      }
    const { results } = await applyPush(nodeA, alice, edits, now, { deviceId: 'alice-desk' });
    expect(results.map((r) => r.id)).toEqual(edits.map((m) => m.id));
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    const rows = await nodeA
      .selectFrom('tickets')
      .select(['id', 'subject'])
      .where(
        'id',
        'in',
        tickets.map((t) => t.id),
      )
      .execute();
    for (const r of rows) expect(r.subject).toBe(expected.get(r.id));
  });
});
