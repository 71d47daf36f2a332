import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { UNSOLVED_STATUSES, type User } from '../../../src/shared';
import { openSqlite } from '../../../src/server/db/dialect-sqlite';
import type { Db } from '../../../src/server/db/schema';
import { toUser } from '../../../src/server/directory/directory-store';
import { disableUser, moveUser } from '../../../src/server/directory/user-admin';
import { moveTicket } from '../../../src/server/tickets/move-ticket';
import { applyTicketUpdate } from '../../../src/server/tickets/ticket-mutations';
import { reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { tempDir } from '../fixtures';
import { desktop, waitFor, type TestDesktop } from './helpers';

/**
 * A conflict the agent has not settled holds their value for a field (the server kept a colleague's). When the
 * ticket leaves the replica (moved away, the agent moved, the account disabled and the replica deleted), that
 * value must land in the not-sent list like any refused edit, never vanish with the ticket.
 */
let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let a: TestDesktop;

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openSqlite(server.dbPath);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}
const userNamed = (db: Db, username: string): Promise<User> =>
  db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow().then(toUser);

const signIn = async () => {
  await a.call('auth.login', {
    serverUrl: server.url,
    username: 'agent01',
    password: 'switchboard',
    remember: false,
  });
  await a.waitSynced();
};

/** agent01 raises a ticket's priority offline while agent02 sets another on the server: a conflict on a1. */
async function conflictOn(priorityMine: 'high' | 'low', skip: number) {
  const ticket = (
    await a.call('tickets.search', { status: [...UNSOLVED_STATUSES], priority: ['normal'], limit: 20 })
  ).rows[skip]!;
  await server.close();
  await a.call('tickets.update', { id: ticket.id, patch: { priority: priorityMine } });
  await withDb(async (db) => {
    const agent02 = await userNamed(db, 'agent02');
    await db
      .transaction()
      .execute((trx) =>
        applyTicketUpdate(
          trx,
          agent02,
          { ticketId: ticket.id, patch: { priority: 'urgent' }, baseVersion: ticket.version },
          new Date(),
        ),
      );
  });
  server = await reopenTestServer(server);
  await a.waitSynced();
  expect((await a.call('tickets.get', { id: ticket.id })).conflicts).toEqual([
    expect.objectContaining({ field: 'priority', mine: priorityMine, theirs: 'urgent' }),
  ]);
  return ticket;
}

const conflictItems = async () =>
  (await a.call('notSent.list', {})).filter((i) => i.kind === 'ticket.update' && i.code === 'conflict');

beforeAll(async () => {
  dir = tempDir('sb-notsent-conflict-');
  server = await startTestServer({ tickets: 200, customers: 80 });
  a = desktop(join(dir.path, 'a'));
  await signIn();
}, 120_000);

afterAll(async () => {
  await a?.services.dispose();
  await server?.stop();
  dir?.remove();
});

describe('an unsettled conflict is not lost with its ticket', () => {
  it('when the ticket is moved to another department', async () => {
    const ticket = await conflictOn('high', 0);
    await withDb(async (db) => {
      const admin = await userNamed(db, 'admin');
      const to = (await userNamed(db, 'agent05')).departmentId!;
      await db.transaction().execute((trx) => moveTicket(trx, admin, ticket.id, to, new Date()));
    });
    await a.call('sync.retryNow', {});
    await waitFor(
      async () => !(await a.services.invoke('tickets.get', { id: ticket.id })).ok,
      'the ticket to go',
    );
    expect(await conflictItems()).toEqual([
      expect.objectContaining({
        ticketId: ticket.id,
        args: expect.objectContaining({ patch: { priority: 'high' } }),
        ticket: { number: ticket.number, subject: ticket.subject },
        current: expect.objectContaining({ priority: 'urgent' }),
        message: expect.stringMatching(/changed priority to "urgent" in the meantime/),
      }),
    ]);
  }, 90_000);

  it('when the agent is moved to another department, and when the account is disabled', async () => {
    const moved = await conflictOn('low', 1);
    await withDb(async (db) => {
      const admin = await userNamed(db, 'admin');
      const agent01 = await userNamed(db, 'agent01');
      const to = (await userNamed(db, 'agent05')).departmentId!;
      await db.transaction().execute((trx) => moveUser(trx, admin, agent01.id, to, new Date()));
    });
    await a.call('sync.retryNow', {});
    await waitFor(async () => (await conflictItems()).length === 2, 'the second conflict kept');
    expect((await conflictItems()).find((i) => i.ticketId === moved.id)!.args.patch).toEqual({
      priority: 'low',
    });

    // Back home, a third conflict, then the account is disabled: the replica goes, the conflict stays.
    await withDb(async (db) => {
      const admin = await userNamed(db, 'admin');
      const agent01 = await userNamed(db, 'agent01');
      const home = (await userNamed(db, 'agent02')).departmentId!;
      await db.transaction().execute((trx) => moveUser(trx, admin, agent01.id, home, new Date()));
    });
    await a.call('sync.retryNow', {});
    // The session learns the move before the replica does: wait for the home department's tickets.
    await waitFor(async () => {
      const rows = (await a.call('tickets.search', { limit: 50 })).rows;
      return rows.length > 0 && rows.every((r) => r.departmentId === moved.departmentId);
    }, 'back home');
    await a.waitSynced();
    const third = await conflictOn('high', 2);
    await withDb(async (db) => {
      const admin = await userNamed(db, 'admin');
      const agent01 = await userNamed(db, 'agent01');
      await db.transaction().execute((trx) => disableUser(trx, admin, agent01.id, new Date()));
    });
    await a.call('sync.retryNow', {});
    await waitFor(async () => a.events.some((e) => e.event === 'session.ended'), 'the session to end');
    // Re-enabled (as an administrator would in the directory).
    await withDb((db) =>
      db.updateTable('users').set({ disabled: 0 }).where('username', '=', 'agent01').execute(),
    );
    await signIn();
    const kept = await conflictItems();
    expect(kept).toHaveLength(3);
    expect(kept.map((i) => i.ticketId)).toEqual(expect.arrayContaining([moved.id, third.id]));
    expect(kept.find((i) => i.ticketId === third.id)!.args.patch).toEqual({ priority: 'high' });
  }, 120_000);
});
