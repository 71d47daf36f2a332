import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { User } from '../../../src/shared';
import { storePath } from '../../../src/main/services';
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
 * Two agents of one department against the real central service: the same field changed on both sides is
 * shown to the one whose change lost, with both values, and settled by their choice; scope changes (a ticket
 * or an agent moved, an agent disabled) leave the replicas that should no longer hold the data.
 */
let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let a1: TestDesktop; // agent01, after-sales
let a2: TestDesktop; // agent02, after-sales

const signIn = async (d: TestDesktop, username: string) => {
  await d.call('auth.login', { serverUrl: server.url, username, password: 'switchboard', remember: false });
  await d.waitSynced();
};

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

const has = async (d: TestDesktop, id: string) => (await d.services.invoke('tickets.get', { id })).ok;

beforeAll(async () => {
  dir = tempDir('sb-conflict-');
  server = await startTestServer({ tickets: 200, customers: 80 });
  a1 = desktop(join(dir.path, 'a1'));
  a2 = desktop(join(dir.path, 'a2'));
  await signIn(a1, 'agent01');
  await signIn(a2, 'agent02');
}, 120_000);

afterAll(async () => {
  await a1?.services.dispose();
  await a2?.services.dispose();
  await server?.stop();
  dir?.remove();
});

describe('the same field changed on two desktops', () => {
  it('keeps the server value, shows both and who changed it, and applies the agent’s choice', async () => {
    const ticket = (await a1.call('tickets.search', { status: ['open'], priority: ['normal'], limit: 1 }))
      .rows[0]!;

    // agent01 is cut off and raises the priority; meanwhile agent02 sets it to urgent on the server.
    await server.close();
    await a1.call('tickets.update', { id: ticket.id, patch: { priority: 'high', subject: 'Merged too' } });
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
    await a1.waitSynced();

    // The server's value stands; the other field of the same edit merged; the refused value is still here.
    const detail = await a1.call('tickets.get', { id: ticket.id });
    expect(detail.ticket).toMatchObject({ priority: 'urgent', subject: 'Merged too', syncState: 'conflict' });
    expect(detail.conflicts).toEqual([
      expect.objectContaining({ field: 'priority', mine: 'high', theirs: 'urgent', changedByName: '李娜' }),
    ]);
    const row = (await a1.call('tickets.search', { text: 'Merged too' })).rows.find(
      (r) => r.id === ticket.id,
    );
    expect(row?.syncState).toBe('conflict');

    // Keep mine: sent again on the server's current version, and agent02's desktop follows.
    const after = await a1.call('tickets.resolveConflict', {
      ticketId: ticket.id,
      field: 'priority',
      keep: 'mine',
    });
    expect(after.conflicts).toEqual([]);
    expect(after.ticket).toMatchObject({ priority: 'high', syncState: 'pending' });
    await a1.waitSynced();
    expect((await a1.call('tickets.get', { id: ticket.id })).ticket.syncState).toBe('synced');
    await expect
      .poll(async () => (await a2.call('tickets.get', { id: ticket.id })).ticket.priority, {
        timeout: 20_000,
      })
      .toBe('high');
    expect(
      a1.events.some(
        (e) =>
          e.event === 'data.changed' && (e.payload as { ticketIds: string[] }).ticketIds.includes(ticket.id),
      ),
    ).toBe(true);
  }, 90_000);

  it('tags set differently on both sides: both shown as tags, keep mine sends them again', async () => {
    const ticket = (await a1.call('tickets.search', { status: ['open'], limit: 3 })).rows.at(-1)!;
    await server.close();
    await a1.call('tickets.update', { id: ticket.id, patch: { tags: ['退货', 'VIP'] } });
    await withDb(async (db) => {
      const agent02 = await userNamed(db, 'agent02');
      await db
        .transaction()
        .execute((trx) =>
          applyTicketUpdate(
            trx,
            agent02,
            { ticketId: ticket.id, patch: { tags: ['refund'] }, baseVersion: ticket.version },
            new Date(),
          ),
        );
    });
    server = await reopenTestServer(server);
    await a1.waitSynced();
    const detail = await a1.call('tickets.get', { id: ticket.id });
    expect(detail.ticket.tags).toEqual(['refund']);
    expect(detail.conflicts).toEqual([
      expect.objectContaining({ field: 'tags', mine: '["vip","退货"]', theirs: '["refund"]' }),
    ]);
    const after = await a1.call('tickets.resolveConflict', {
      ticketId: ticket.id,
      field: 'tags',
      keep: 'mine',
    });
    expect(after.ticket.tags).toEqual(['vip', '退货']);
    await a1.waitSynced();
    await expect
      .poll(async () => (await a2.call('tickets.get', { id: ticket.id })).ticket.tags, { timeout: 20_000 })
      .toEqual(['vip', '退货']);
  }, 90_000);

  it('keep theirs clears the conflict and leaves the server value', async () => {
    const ticket = (await a2.call('tickets.search', { status: ['open'], limit: 5 })).rows.at(-1)!;
    const theirs = ticket.status === 'open' ? 'pending' : 'open';
    await server.close();
    await a2.call('tickets.update', { id: ticket.id, patch: { status: 'solved' } });
    await withDb(async (db) => {
      const agent01 = await userNamed(db, 'agent01');
      await db
        .transaction()
        .execute((trx) =>
          applyTicketUpdate(
            trx,
            agent01,
            { ticketId: ticket.id, patch: { status: theirs }, baseVersion: ticket.version },
            new Date(),
          ),
        );
    });
    server = await reopenTestServer(server);
    await a2.waitSynced();
    const detail = await a2.call('tickets.get', { id: ticket.id });
    expect(detail.conflicts).toEqual([
      expect.objectContaining({ field: 'status', mine: 'solved', theirs, changedByName: '王芳' }),
    ]);
    const after = await a2.call('tickets.resolveConflict', {
      ticketId: ticket.id,
      field: 'status',
      keep: 'theirs',
    });
    expect(after.conflicts).toEqual([]);
    expect(after.ticket).toMatchObject({ status: theirs, syncState: 'synced' });
    expect((await a2.call('sync.status', {})).pending).toBe(0);
  }, 90_000);
});

describe('scope changes', () => {
  it('a ticket moved to another department leaves this department’s replicas', async () => {
    const ticket = (await a1.call('tickets.search', { limit: 1 })).rows[0]!;
    await withDb(async (db) => {
      const supervisor = await userNamed(db, 'super01');
      const tech = (await userNamed(db, 'agent05')).departmentId!;
      await db.transaction().execute((trx) => moveTicket(trx, supervisor, ticket.id, tech, new Date()));
    });
    await a1.call('sync.retryNow', {});
    await a2.call('sync.retryNow', {});
    await waitFor(async () => !(await has(a1, ticket.id)) && !(await has(a2, ticket.id)), 'the ticket to go');
    expect(
      (await a1.call('tickets.search', { text: ticket.subject, limit: 500 })).rows.map((r) => r.id),
    ).not.toContain(ticket.id);
  }, 60_000);

  it('an agent moved to another department gets that department’s tickets instead of the old ones', async () => {
    const old = (await a2.call('tickets.search', { limit: 1 })).rows[0]!;
    const tech = await withDb(async (db) => {
      const admin = await userNamed(db, 'admin');
      const agent02 = await userNamed(db, 'agent02');
      const to = (await userNamed(db, 'agent05')).departmentId!;
      await db.transaction().execute((trx) => moveUser(trx, admin, agent02.id, to, new Date()));
      return to;
    });
    await a2.call('sync.retryNow', {});
    await waitFor(async () => !(await has(a2, old.id)), 'the old department’s ticket to go');
    await a2.waitSynced();
    const page = await a2.call('tickets.search', { limit: 500 });
    expect(page.total).toBeGreaterThan(0);
    expect(new Set(page.rows.map((r) => r.departmentId))).toEqual(new Set([tech]));
    expect(a2.events.some((e) => e.event === 'data.changed' && (e.payload as { all: boolean }).all)).toBe(
      true,
    );
  }, 60_000);

  it('a disabled agent is signed out and their local copy is deleted', async () => {
    const session = await a1.call('session.get', {});
    const file = storePath(join(dir.path, 'a1'), server.url, session!.user.id);
    expect(existsSync(file)).toBe(true);
    await withDb(async (db) => {
      const admin = await userNamed(db, 'admin');
      const agent01 = await userNamed(db, 'agent01');
      await db.transaction().execute((trx) => disableUser(trx, admin, agent01.id, new Date()));
    });
    await a1.call('sync.retryNow', {});
    await waitFor(async () => a1.events.some((e) => e.event === 'session.ended'), 'the session to end');
    const ended = a1.events.find((e) => e.event === 'session.ended')!.payload;
    expect(ended).toMatchObject({ accountDisabled: true });
    await waitFor(async () => !existsSync(file), 'the local copy to be deleted');
    expect(await a1.call('session.get', {})).toBeNull();
  }, 60_000);
});
