// Solved tickets close by themselves after N days (tickets/auto-close.ts), counted from when they were
// solved; anything not solved, or solved too recently, stays as it is. Each close is in history and audit.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mutation, User } from '../../src/shared';
import { migrateToLatest } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { toUser } from '../../src/server/directory/directory-store';
import { applyPush } from '../../src/server/sync/push';
import { closeSolvedTickets, SYSTEM_ACTOR } from '../../src/server/tickets/auto-close';
import { scratchDb } from './helpers';

let db: Db;
let close: () => Promise<void>;
let agent: User;
const DAY = 86_400_000;

beforeAll(async () => {
  ({ db, close } = await scratchDb());
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 80, customers: 20 });
  agent = toUser(
    await db.selectFrom('users').selectAll().where('username', '=', 'agent01').executeTakeFirstOrThrow(),
  );
});
afterAll(async () => close?.());

const statusOf = async (id: string) =>
  (await db.selectFrom('tickets').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

describe('closing solved tickets', () => {
  it('closes what was solved N days ago, leaves the rest, and records who and when', async () => {
    const mine = await db
      .selectFrom('tickets')
      .selectAll()
      .where('department_id', '=', agent.departmentId!)
      .where('status', 'in', ['new', 'open'])
      .limit(3)
      .execute();
    // Solved by the agent "now"; the clock of the closer is then moved on.
    const solvedAt = new Date();
    const solve = (t: (typeof mine)[number]): Mutation => ({
      id: randomUUID(),
      name: 'ticket.update',
      args: { ticketId: t.id, patch: { status: 'solved' }, baseVersion: t.version },
    });
    const { results } = await applyPush(db, agent, [solve(mine[0]!), solve(mine[1]!)], () => solvedAt);
    expect(results.every((r) => r.status === 'applied')).toBe(true);

    // Six days on: nothing of today's is due yet.
    await closeSolvedTickets(db, new Date(solvedAt.getTime() + 6 * DAY), 7);
    expect(await statusOf(mine[0]!.id)).toBe('solved');

    // Seven days on: both close, the open one does not.
    const due = await closeSolvedTickets(db, new Date(solvedAt.getTime() + 7 * DAY + 1000), 7);
    expect(due.closed).toBeGreaterThanOrEqual(2);
    expect(due.departments.has(agent.departmentId!)).toBe(true);
    expect(await statusOf(mine[0]!.id)).toBe('closed');
    expect(await statusOf(mine[1]!.id)).toBe('closed');
    expect(await statusOf(mine[2]!.id)).toBe(mine[2]!.status);
    const history = await db
      .selectFrom('ticket_history')
      .selectAll()
      .where('ticket_id', '=', mine[0]!.id)
      .where('to_value', '=', 'closed')
      .execute();
    expect(history).toMatchObject([{ from_value: 'solved', actor_id: null, actor_name: SYSTEM_ACTOR }]);
    // Appended raw in the close's transaction; no chainer runs here, so it waits in audit_pending.
    const audit = [
      ...(await db
        .selectFrom('audit_pending')
        .select('action')
        .where('subject_id', '=', mine[0]!.id)
        .where('action', '=', 'ticket.auto_close')
        .execute()),
      ...(await db
        .selectFrom('audit_log')
        .select('action')
        .where('subject_id', '=', mine[0]!.id)
        .where('action', '=', 'ticket.auto_close')
        .execute()),
    ];
    expect(audit).toHaveLength(1);

    // Nothing is closed twice.
    const again = await closeSolvedTickets(db, new Date(solvedAt.getTime() + 8 * DAY), 7);
    expect(again.closed).toBe(0);
  });
});
