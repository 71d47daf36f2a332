import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocketEvents } from '../../../src/shared/protocol/sync';
import { socketIoConnection, type ConnectionFactory } from '../../../src/main/sync';
import { DEVICE_ID_FILE } from '../../../src/main/sync/device-id';
import { openSqlite } from '../../../src/server/db/dialect-sqlite';
import { moveUser } from '../../../src/server/directory/user-admin';
import { asAdmin, reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { tempDir } from '../fixtures';
import { desktop, type TestDesktop } from './helpers';

/**
 * One agent signed in on two desktops, both cut off, changes one field of one ticket on each. Before device ids
 * the second push silently replaced the first and neither desktop showed a conflict; now the second desktop
 * keeps the agent's value beside the server's, as it would against another agent, and nothing is lost.
 */
let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let laptop: TestDesktop;
let desk: TestDesktop;
/** Pushes whose answer the laptop's connection lost after the server had applied them. */
let lostAnswers = 0;
let loseNextPushAnswer = false;

/**
 * The real socket.io connection, except that it can lose the answer to one push on the way back: the server
 * has applied it, the desktop does not know, and sends the same mutations again.
 */
const lossyConnection: ConnectionFactory = (url, token) => {
  const conn = socketIoConnection(url, token);
  return {
    get connected() {
      return conn.connected;
    },
    request: async (event, payload, timeoutMs) => {
      const answer = await conn.request(event, payload, timeoutMs);
      if (event === SocketEvents.push && loseNextPushAnswer) {
        loseNextPushAnswer = false;
        lostAnswers++;
        throw new Error('operation has timed out');
      }
      return answer;
    },
    on: conn.on.bind(conn) as typeof conn.on,
    connect: () => conn.connect(),
    close: () => conn.close(),
  };
};

/** A desktop as tests/main/sync/helpers.ts makes one, over the lossy connection. */
const lossyDesktop = (dataDir: string): TestDesktop =>
  // 'electron' is how the Electron shell names every installation: sync must not rely on it.
  desktop(dataDir, { deviceId: 'electron', connect: lossyConnection });

const signIn = async (d: TestDesktop) => {
  await d.call('auth.login', {
    serverUrl: server.url,
    username: 'agent01',
    password: 'switchboard',
    remember: false,
  });
  await d.waitSynced();
};

const deviceIdIn = (dataDir: string) => readFileSync(join(dataDir, DEVICE_ID_FILE), 'utf8').trim();

async function history(ticketId: string) {
  const db = openSqlite(server.dbPath);
  try {
    return await db
      .selectFrom('ticket_history')
      .select(['from_value', 'to_value', 'device_id'])
      .where('ticket_id', '=', ticketId)
      .where('field', '=', 'priority')
      .orderBy('version')
      .execute();
  } finally {
    await db.destroy();
  }
}

beforeAll(async () => {
  dir = tempDir('sb-devices-');
  server = await startTestServer({ tickets: 120, customers: 50 });
  laptop = lossyDesktop(join(dir.path, 'laptop'));
  desk = desktop(join(dir.path, 'desk'), { deviceId: 'electron' });
  await signIn(laptop);
  await signIn(desk);
}, 120_000);

afterAll(async () => {
  await laptop?.services.dispose();
  await desk?.services.dispose();
  await server?.stop();
  dir?.remove();
});

describe('one agent, two desktops, the same field changed on both while offline', () => {
  it('the second to reconnect shows a conflict with both values; the first’s retried push is not one', async () => {
    const ticket = (await laptop.call('tickets.search', { status: ['open'], priority: ['normal'], limit: 1 }))
      .rows[0]!;
    expect((await desk.call('tickets.get', { id: ticket.id })).ticket.version).toBe(ticket.version);

    await server.close();
    await laptop.call('tickets.update', { id: ticket.id, patch: { priority: 'high' } });
    await desk.call('tickets.update', {
      id: ticket.id,
      patch: { priority: 'urgent', subject: 'Edited on the desk' },
    });
    // The desk stays down (its desktop restarted later); its outbox waits on disk.
    await desk.services.dispose();

    // The laptop reconnects first. The answer to its push is lost, so it sends the same mutation again: the
    // server answers as before, and the laptop's own change is not a conflict with itself.
    loseNextPushAnswer = true;
    server = await reopenTestServer(server);
    await laptop.waitSynced();
    expect(lostAnswers).toBe(1);
    const onLaptop = await laptop.call('tickets.get', { id: ticket.id });
    expect(onLaptop.ticket).toMatchObject({ priority: 'high', syncState: 'synced' });
    expect(onLaptop.conflicts).toEqual([]);

    // The desk starts again and pushes what it queued: the priority meets the laptop's change.
    desk = desktop(join(dir.path, 'desk'), { deviceId: 'electron' });
    await signIn(desk);
    const onDesk = await desk.call('tickets.get', { id: ticket.id });
    // The server's value stands, the other field of the same edit merged, and the agent's value is kept.
    expect(onDesk.ticket).toMatchObject({
      priority: 'high',
      subject: 'Edited on the desk',
      syncState: 'conflict',
    });
    expect(onDesk.conflicts).toEqual([
      expect.objectContaining({
        field: 'priority',
        mine: 'urgent',
        theirs: 'high',
        changedByName: '王芳',
        // Shown as "you, on another device", not as a colleague.
        byYou: true,
      }),
    ]);

    // Each device's change reached the server once, under its own installation's id.
    const laptopId = deviceIdIn(join(dir.path, 'laptop'));
    const deskId = deviceIdIn(join(dir.path, 'desk'));
    expect(laptopId).not.toBe(deskId);
    expect(await history(ticket.id)).toEqual([
      { from_value: 'normal', to_value: 'high', device_id: laptopId },
    ]);

    // Keep mine: the desk's value goes out as a new edit, and the laptop follows.
    const kept = await desk.call('tickets.resolveConflict', {
      ticketId: ticket.id,
      field: 'priority',
      keep: 'mine',
    });
    expect(kept.conflicts).toEqual([]);
    await desk.waitSynced();
    await expect
      .poll(async () => (await laptop.call('tickets.get', { id: ticket.id })).ticket.priority, {
        timeout: 20_000,
      })
      .toBe('urgent');
    expect(await history(ticket.id)).toEqual([
      { from_value: 'normal', to_value: 'high', device_id: laptopId },
      { from_value: 'high', to_value: 'urgent', device_id: deskId },
    ]);
  }, 120_000);

  it('a conflict the agent had not settled outlives a department move: it goes to the not-sent list', async () => {
    const ticket = (await laptop.call('tickets.search', { status: ['open'], priority: ['normal'], limit: 1 }))
      .rows[0]!;
    await desk.waitSynced();
    await server.close();
    await laptop.call('tickets.update', { id: ticket.id, patch: { priority: 'low' } });
    await desk.call('tickets.update', { id: ticket.id, patch: { priority: 'high' } });
    // The desk waits (closed) until the laptop's change is in, so the desk's is the one that meets it.
    await desk.services.dispose();
    server = await reopenTestServer(server);
    await laptop.waitSynced();
    desk = desktop(join(dir.path, 'desk'), { deviceId: 'electron' });
    await signIn(desk);
    expect((await desk.call('tickets.get', { id: ticket.id })).conflicts).toEqual([
      expect.objectContaining({ field: 'priority', mine: 'high', theirs: 'low', byYou: true }),
    ]);

    // Before the agent settles it, an administrator moves them: the replica is emptied for the new department.
    const [agent, other] = await asAdmin(server.dbPath, async (db, admin) => {
      const user = await db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', 'agent01')
        .executeTakeFirstOrThrow();
      const dept = await db
        .selectFrom('departments')
        .select('id')
        .where('id', '!=', user.department_id!)
        .executeTakeFirstOrThrow();
      await db.transaction().execute((trx) => moveUser(trx, admin, user.id, dept.id, new Date()));
      return [user, dept.id] as const;
    });
    try {
      await desk.call('sync.retryNow', {});
      await expect
        .poll(async () => (await desk.call('session.get', {}))?.user.departmentId, { timeout: 20_000 })
        .toBe(other);
      await desk.waitSynced();
      const items = await desk.call('notSent.list', {});
      expect(items).toEqual([
        expect.objectContaining({
          kind: 'ticket.update',
          ticketId: ticket.id,
          code: 'conflict',
          args: expect.objectContaining({ patch: { priority: 'high' } }),
          ticket: expect.objectContaining({ number: ticket.number }),
          current: expect.objectContaining({ priority: 'low' }),
        }),
      ]);
    } finally {
      await asAdmin(server.dbPath, (db, admin) =>
        db.transaction().execute((trx) => moveUser(trx, admin, agent.id, agent.department_id, new Date())),
      );
    }
  }, 120_000);

  it('keeps one device id per data folder across restarts', async () => {
    const deskDir = join(dir.path, 'desk');
    const before = deviceIdIn(deskDir);
    await desk.services.dispose();
    desk = desktop(deskDir, { deviceId: 'electron' });
    await signIn(desk);
    expect(deviceIdIn(deskDir)).toBe(before);
    expect(before).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  }, 60_000);
});
