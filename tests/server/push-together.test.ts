// Pushes of many desktops arriving at once share transactions (sync/push.ts, commitTogether): each is still
// answered as if alone. A mutation sent twice at once (a desktop resending while its first push is on the way)
// is applied once; a refused mutation refuses only itself; every push gets its own results, in its order.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mutation, User } from '../../src/shared';
import { verifyAudit } from '../../src/server/audit/audit-log';
import { migrateToLatest } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { toUser } from '../../src/server/directory/directory-store';
import { applyPush } from '../../src/server/sync/push';
import { scratchDb } from './helpers';

let db: Db;
let close: () => Promise<void>;
let agents: User[];
let tickets: { id: string; version: number; departmentId: string }[];

beforeAll(async () => {
  ({ db, close } = await scratchDb());
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 120, customers: 30 });
  agents = (await db.selectFrom('users').selectAll().where('role', '=', 'agent').execute()).map(toUser);
  tickets = (
    await db.selectFrom('tickets').select(['id', 'version', 'department_id']).orderBy('number').execute()
  ).map((t) => ({ id: t.id, version: t.version, departmentId: t.department_id }));
});

afterAll(async () => {
  await close?.();
});

const edit = (ticket: { id: string; version: number }, subject: string): Mutation => ({
  id: randomUUID(),
  name: 'ticket.update',
  args: { ticketId: ticket.id, patch: { subject }, baseVersion: ticket.version },
});
const now = () => new Date();

describe('pushes that arrive together', () => {
  it('answers each push as if alone: its own results, once each, in order', async () => {
    // Every agent edits three tickets of their own department in one push, all at once.
    const free = [...tickets];
    const pushes = agents.map((agent) => {
      const mine = free.filter((t) => t.departmentId === agent.departmentId).slice(0, 3);
      for (const t of mine) free.splice(free.indexOf(t), 1);
      return { agent, mutations: mine.map((t, i) => edit(t, `${agent.username} edit ${i} 同时`)) };
    });
    // One more push, from an agent of another department: refused, and only itself.
    const foreign = tickets.find((t) => t.departmentId !== agents[0]!.departmentId && free.includes(t))!;
    const outcomes = await Promise.all([
      ...pushes.map((p) => applyPush(db, p.agent, p.mutations, now)),
      applyPush(db, agents[0]!, [edit(foreign, 'not mine')], now),
    ]);
    for (const [i, p] of pushes.entries()) {
      expect(outcomes[i]!.results.map((r) => [r.id, r.status])).toEqual(
        p.mutations.map((m) => [m.id, 'applied']),
      );
      for (const [k, m] of p.mutations.entries()) {
        const args = m.args as { ticketId: string };
        const row = await db
          .selectFrom('tickets')
          .select(['subject', 'version'])
          .where('id', '=', args.ticketId)
          .executeTakeFirstOrThrow();
        expect(row.subject).toBe(`${p.agent.username} edit ${k} 同时`);
        expect(row.version).toBe((outcomes[i]!.results[k] as { version: number }).version);
      }
    }
    expect(outcomes.at(-1)!.results[0]!.status).toBe('rejected');
    const applied = await db
      .selectFrom('applied_mutations')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('status', '=', 'applied')
      .executeTakeFirstOrThrow();
    expect(Number(applied.n)).toBe(pushes.reduce((n, p) => n + p.mutations.length, 0));
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('applies a mutation sent twice at once a single time, and answers both the same', async () => {
    const agent = agents[1]!;
    const ticket = await db
      .selectFrom('tickets')
      .select(['id', 'version'])
      .where('department_id', '=', agent.departmentId)
      .where('status', '!=', 'closed')
      .orderBy('number', 'desc')
      .executeTakeFirstOrThrow();
    const m: Mutation = {
      id: randomUUID(),
      name: 'ticket.comment',
      args: { commentId: randomUUID(), ticketId: ticket.id, body: 'sent twice 重发', internal: false },
    };
    // The same push from the desktop's two connections, queued behind another desktop's push (which starts a
    // transaction at once) and with other pushes between them: the two copies share the next transaction, or on
    // PostgreSQL may run in two side by side, the second then answered from the first.
    const busy = applyPush(db, agents[2]!, [edit(tickets.at(-1)!, 'busy')], now);
    const [first, , , second] = await Promise.all([
      applyPush(db, agent, [m], now),
      applyPush(db, agents[3]!, [], now),
      applyPush(db, agents[4]!, [], now),
      applyPush(db, agent, [m], now),
      busy,
    ]);
    expect(first!.results).toEqual(second!.results);
    expect(first!.results[0]!.status).toBe('applied');
    const comments = await db
      .selectFrom('ticket_comments')
      .select('id')
      .where('ticket_id', '=', ticket.id)
      .where('body', '=', 'sent twice 重发')
      .execute();
    expect(comments).toHaveLength(1);
  });
});
