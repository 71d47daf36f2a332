import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsolved, type TicketRow } from '../../../src/shared';
import { toUser } from '../../../src/server/directory/directory-store';
import { applyPush } from '../../../src/server/sync/push';
import { asAdmin, reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { tempDir } from '../fixtures';
import { apiLogin, desktop, waitFor, type TestDesktop } from './helpers';

/**
 * Deleting a ticket on the desktop, through the real services and the real server: queued like any change (offline
 * too), the ticket stays in the replica marked as being deleted until the server answers; accepted, it leaves
 * every replica; refused (someone changed it meanwhile), it is back as it was and the refusal is in the not-sent
 * list with its reason, from where a retry deletes it on the version now held. Without the right, the desktop
 * refuses at once and queues nothing.
 */
let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let sun: TestDesktop; // super01, after-sales supervisor
let wang: TestDesktop; // agent01, after-sales

const signIn = async (d: TestDesktop, username: string) => {
  await d.call('auth.login', { serverUrl: server.url, username, password: 'switchboard', remember: false });
  await d.waitSynced();
};

beforeAll(async () => {
  dir = tempDir('sb-delete-');
  server = await startTestServer({ tickets: 120, customers: 40 });
  sun = desktop(join(dir.path, 'sun'), { deviceId: 'sun-desk' });
  wang = desktop(join(dir.path, 'wang'), { deviceId: 'wang-desk' });
  await signIn(sun, 'super01');
  await signIn(wang, 'agent01');
}, 120_000);

afterAll(async () => {
  await sun?.services.dispose();
  await wang?.services.dispose();
  await server?.stop();
  dir?.remove();
});

const used = new Set<string>();
async function pick(d: TestDesktop): Promise<TicketRow> {
  const rows = (await d.call('tickets.search', { limit: 200 })).rows;
  const t = rows.find((r) => isUnsolved(r.status) && r.syncState === 'synced' && !used.has(r.id))!;
  used.add(t.id);
  return t;
}

async function goOffline(d: TestDesktop) {
  await server.close();
  await expect.poll(async () => (await d.call('sync.status', {})).state, { timeout: 10_000 }).toBe('offline');
}

const inReplica = async (d: TestDesktop, id: string) => (await d.services.invoke('tickets.get', { id })).ok;

async function onServer(id: string) {
  const { accessToken } = await apiLogin(server.url, 'super01');
  const res = await fetch(`${server.url}/api/tickets/${id}`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return res.status;
}

describe('deleting a ticket on the desktop', () => {
  it('offline: stays marked until reconnecting, then leaves every replica', async () => {
    const ticket = await pick(sun);
    await goOffline(sun);

    await sun.call('tickets.delete', { id: ticket.id, reason: '重复工单' });
    const marked = await sun.call('tickets.get', { id: ticket.id });
    expect(marked.ticket).toMatchObject({ deletePending: true, syncState: 'pending' });
    const listed = (await sun.call('tickets.search', { limit: 200 })).rows.find((r) => r.id === ticket.id);
    expect(listed?.deletePending).toBe(true);
    // Still found by search meanwhile (struck through): nothing vanishes before the server has it.
    const found = async () =>
      (await sun.call('tickets.search', { text: ticket.subject, limit: 200 })).rows.some(
        (r) => r.id === ticket.id,
      );
    expect(await found()).toBe(true);
    expect((await sun.call('sync.status', {})).pending).toBe(1);
    // Nothing more is queued on a ticket being deleted.
    const comment = await sun.services.invoke('tickets.comment', { ticketId: ticket.id, body: 'too late' });
    expect(comment.ok ? null : comment.error.code).toBe('conflict');

    server = await reopenTestServer(server);
    await sun.waitSynced();
    expect(await inReplica(sun, ticket.id)).toBe(false);
    expect(await found()).toBe(false);
    expect(await onServer(ticket.id)).toBe(410);
    expect(await sun.call('notSent.list', {})).toEqual([]);
    // The agent's desktop, online throughout the reconnect, drops it too.
    await waitFor(async () => !(await inReplica(wang, ticket.id)), 'the ticket gone from the agent replica');
  }, 60_000);

  it('refused because someone changed it meanwhile: back as it was, listed with the reason, retried on the new version', async () => {
    const ticket = await pick(sun);
    await goOffline(sun);
    await sun.call('tickets.delete', { id: ticket.id });

    // While this desktop is offline, an agent raises the priority (a real change on the server).
    const raised = ticket.priority === 'urgent' ? 'low' : 'urgent';
    await asAdmin(server.dbPath, async (db) => {
      const agent = toUser(
        await db.selectFrom('users').selectAll().where('username', '=', 'agent01').executeTakeFirstOrThrow(),
      );
      const { results } = await applyPush(
        db,
        agent,
        [
          {
            id: randomUUID(),
            name: 'ticket.update',
            args: { ticketId: ticket.id, patch: { priority: raised }, baseVersion: ticket.version },
          },
        ],
        () => new Date(),
      );
      expect(results[0]!.status).toBe('applied');
    });

    server = await reopenTestServer(server);
    await sun.waitSynced();
    const back = await sun.call('tickets.get', { id: ticket.id });
    expect(back.ticket.deletePending).toBeUndefined();
    expect(back.ticket).toMatchObject({ priority: raised, syncState: 'synced' });
    const [refused, ...more] = await sun.call('notSent.list', {});
    expect(more).toEqual([]);
    expect(refused).toMatchObject({ kind: 'ticket.delete', ticketId: ticket.id, code: 'conflict' });
    expect(refused!.message).toContain('changed priority');
    expect(await onServer(ticket.id)).toBe(200);

    // Seen as it is now, deleted again from the list: it goes.
    await sun.call('notSent.retry', { id: refused!.id });
    await sun.waitSynced();
    expect(await inReplica(sun, ticket.id)).toBe(false);
    expect(await sun.call('notSent.list', {})).toEqual([]);
    expect(await onServer(ticket.id)).toBe(410);
  }, 60_000);

  it('without the right, offline too: refused at once, nothing queued', async () => {
    const ticket = await pick(wang);
    const r = await wang.services.invoke('tickets.delete', { id: ticket.id });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'forbidden' });
    expect((await wang.call('sync.status', {})).pending).toBe(0);
    expect((await wang.call('tickets.get', { id: ticket.id })).ticket.deletePending).toBeUndefined();
  });

  it('deletes the checked tickets in bulk, skipping one already being deleted', async () => {
    const [a, b] = [await pick(sun), await pick(sun)];
    await goOffline(sun);
    await sun.call('tickets.delete', { id: a.id });
    const out = await sun.call('tickets.bulkDelete', { ids: [a.id, b.id] });
    expect(out).toMatchObject({ updated: 1, skipped: [{ id: a.id, reason: 'deleting' }] });
    server = await reopenTestServer(server);
    await sun.waitSynced();
    expect(await inReplica(sun, a.id)).toBe(false);
    expect(await inReplica(sun, b.id)).toBe(false);
  }, 60_000);
});
