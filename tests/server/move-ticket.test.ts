import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_PERMISSIONS, type Change, type User } from '../../src/shared';
import { saveRolePermissions } from '../../src/server/admin/admin-service';
import { streamHead } from '../../src/server/db/change-log';
import { migrateToLatest } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { toUser } from '../../src/server/directory/directory-store';
import { pullChanges } from '../../src/server/sync/pull';
import { moveTicket } from '../../src/server/tickets/move-ticket';
import { applyTicketUpdate } from '../../src/server/tickets/ticket-mutations';
import { scratchDb } from './test-db';

let db: Db;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ db, close } = await scratchDb());
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 200, customers: 60 });
});
afterAll(async () => close?.());

const userNamed = async (username: string): Promise<User> =>
  toUser(await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow());
const scope = (departmentId: string) => ({ all: false as const, departmentId });
const idsOf = (changes: Change[], kind: Change['kind']) =>
  changes.flatMap((c) => (c.kind === kind && c.op === 'upsert' ? [c.data.id] : []));

describe('moving a ticket to another department', () => {
  it('gives the old department a remove and the new one the ticket with its customer, comments and history', async () => {
    const supervisor = await userNamed('super01'); // after-sales
    const tech = (await userNamed('agent05')).departmentId!;
    const from = supervisor.departmentId!;
    const ticket = await db
      .selectFrom('tickets')
      .selectAll()
      .where('department_id', '=', from)
      .where('id', 'in', db.selectFrom('ticket_comments').select('ticket_id'))
      .limit(1)
      .executeTakeFirstOrThrow();
    const commentIds = (
      await db.selectFrom('ticket_comments').select('id').where('ticket_id', '=', ticket.id).execute()
    ).map((c) => c.id);

    // Both departments' replicas are fully caught up before the move.
    const before = await streamHead(db);
    const result = await db
      .transaction()
      .execute((trx) => moveTicket(trx, supervisor, ticket.id, tech, new Date()));
    expect(result.from).toBe(from);

    const oldSide = await pullChanges(db, scope(from), before, 1000);
    expect(oldSide.changes).toContainEqual(
      expect.objectContaining({ kind: 'ticket', op: 'remove', id: ticket.id }),
    );
    expect(idsOf(oldSide.changes, 'ticket')).not.toContain(ticket.id);

    const newSide = await pullChanges(db, scope(tech), before, 1000);
    const moved = newSide.changes.find(
      (c) => c.kind === 'ticket' && c.op === 'upsert' && c.data.id === ticket.id,
    );
    expect(moved).toMatchObject({ data: { departmentId: tech, assigneeId: null, version: result.version } });
    expect(idsOf(newSide.changes, 'customer')).toContain(ticket.customer_id);
    expect(idsOf(newSide.changes, 'comment')).toEqual(expect.arrayContaining(commentIds));
    expect(
      newSide.changes.some(
        (c) => c.kind === 'history' && c.op === 'upsert' && c.data.field === 'departmentId',
      ),
    ).toBe(true);

    // A fresh replica of the old department never sees the ticket or its comments at all.
    const fresh = await pullChanges(db, scope(from), 0, 5000);
    expect(idsOf(fresh.changes, 'ticket')).not.toContain(ticket.id);
    expect(idsOf(fresh.changes, 'comment').filter((id) => commentIds.includes(id))).toEqual([]);

    // A later edit in the new department keeps the old department's remove in the stream.
    const techAgent = await userNamed('agent05');
    await db
      .transaction()
      .execute((trx) =>
        applyTicketUpdate(
          trx,
          techAgent,
          { ticketId: ticket.id, patch: { priority: 'urgent' }, baseVersion: result.version },
          new Date(),
        ),
      );
    const later = await pullChanges(db, scope(from), before, 1000);
    expect(later.changes).toContainEqual(
      expect.objectContaining({ kind: 'ticket', op: 'remove', id: ticket.id }),
    );
    expect(idsOf(later.changes, 'ticket')).not.toContain(ticket.id);
  });

  it('is for those with the transfer right, in the ticket department only', async () => {
    const agent = await userNamed('agent01');
    // Agents transfer by default; an administrator takes the right away.
    await saveRolePermissions(
      db,
      await userNamed('admin'),
      { ...DEFAULT_ROLE_PERMISSIONS, agent: DEFAULT_ROLE_PERMISSIONS.agent.filter((r) => r !== 'transfer') },
      new Date(),
    );
    const ticket = await db
      .selectFrom('tickets')
      .select('id')
      .where('department_id', '=', agent.departmentId!)
      .executeTakeFirstOrThrow();
    const tech = (await userNamed('agent05')).departmentId!;
    await expect(
      db.transaction().execute((trx) => moveTicket(trx, agent, ticket.id, tech, new Date())),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await saveRolePermissions(db, await userNamed('admin'), DEFAULT_ROLE_PERMISSIONS, new Date());
    const otherSupervisor = await userNamed('super02'); // tech supervisor, ticket is after-sales
    await expect(
      db.transaction().execute((trx) => moveTicket(trx, otherSupervisor, ticket.id, tech, new Date())),
    ).rejects.toMatchObject({ code: 'not_found' }); // as if it did not exist: no probing of ids
  });
});

describe('pulling', () => {
  it('pages through the scope in version order and resends everything to a cursor past the head', async () => {
    const dept = (await userNamed('agent01')).departmentId!;
    const first = await pullChanges(db, scope(dept), 0, 50);
    expect(first.hasMore).toBe(true);
    const versions = first.changes.map((c) => c.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    const second = await pullChanges(db, scope(dept), first.cursor, 50);
    expect(second.changes[0]!.version).toBeGreaterThan(first.cursor);

    const head = await streamHead(db);
    const caughtUp = await pullChanges(db, scope(dept), head, 50);
    expect(caughtUp).toMatchObject({ changes: [], cursor: head, hasMore: false });
    // A replica of an older database: its cursor is ahead, so it starts over instead of waiting forever.
    const stale = await pullChanges(db, scope(dept), head + 1000, 50);
    expect(stale.changes.map((c) => c.version)).toEqual(versions);
  });
});
