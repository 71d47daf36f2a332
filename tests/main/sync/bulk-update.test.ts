import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_REST, isUnsolved, type TicketRow } from '../../../src/shared';
import { connectSocket, pushAll } from '../../server/helpers';
import { tempDir } from '../fixtures';
import { apiLogin, desktop, startDemoServer, waitFor, type TestDesktop } from './helpers';

/**
 * Bulk changes (team leads and supervisors): one change to many tickets, each queued as its own edit, the ones it
 * does not fit skipped with their reason; refused without the bulkEdit right on the desktop (offline too) and on
 * the server, whatever a desktop sends.
 */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startDemoServer>>;
let sun: TestDesktop; // super01, after-sales supervisor
let wang: TestDesktop; // agent01, after-sales agent

const signIn = async (d: TestDesktop, username: string) => {
  await d.call('auth.login', { serverUrl: server.url, username, password: 'switchboard', remember: false });
  await d.waitSynced();
};

beforeAll(async () => {
  dir = tempDir('sb-bulk-');
  server = await startDemoServer(join(dir.path, 'server.sqlite'), 0);
  sun = desktop(join(dir.path, 'sun'), { deviceId: 'sun-desk' });
  wang = desktop(join(dir.path, 'wang'), { deviceId: 'wang-desk' });
  await signIn(sun, 'super01');
  await signIn(wang, 'agent01');
}, 120_000);

afterAll(async () => {
  await sun?.services.dispose();
  await wang?.services.dispose();
  await server?.close();
  dir?.remove();
});

describe('bulk changes', () => {
  it('change every ticket they fit, skip the closed one with its reason, and reach the service', async () => {
    const rows = (await sun.call('tickets.search', { limit: 300 })).rows;
    const open = rows.filter((r) => isUnsolved(r.status) && r.priority !== 'urgent').slice(0, 3);
    const closed = rows.find((r) => r.status === 'closed')!;
    expect(open).toHaveLength(3);
    const result = await sun.call('tickets.bulkUpdate', {
      ids: [...open.map((r) => r.id), closed.id],
      patch: { status: 'pending', priority: 'urgent', addTags: ['Recall'] },
    });
    expect(result.updated).toBe(3);
    expect(result.skipped).toEqual([
      expect.objectContaining({ id: closed.id, number: closed.number, reason: 'transition' }),
    ]);
    await sun.waitSynced();
    // The agent of the department sees the change arrive by sync, each ticket changed on its own.
    await waitFor(async () => {
      const seen = await Promise.all(open.map((r) => wang.call('tickets.get', { id: r.id })));
      return seen.every(
        (d) =>
          d.ticket.status === 'pending' && d.ticket.priority === 'urgent' && d.ticket.tags.includes('recall'),
      );
    }, 'the bulk change to reach the agent');
  });

  it('is refused to an agent without the right, offline too, and nothing is queued', async () => {
    const row: TicketRow = (await wang.call('tickets.search', { limit: 50 })).rows.find((r) =>
      isUnsolved(r.status),
    )!;
    const before = (await wang.call('sync.status', {})).pending;
    const r = await wang.services.invoke('tickets.bulkUpdate', { ids: [row.id], patch: { priority: 'low' } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/edit tickets in bulk/),
    });
    expect((await wang.call('sync.status', {})).pending).toBe(before);
  });

  it('is refused by the service to an agent whose desktop sends a bulk edit anyway', async () => {
    const session = await apiLogin(server.url, 'agent01');
    const row = (await wang.call('tickets.search', { limit: 50 })).rows.find((r) => isUnsolved(r.status))!;
    const socket = await connectSocket(server.url, session.accessToken);
    try {
      const [res] = await pushAll(socket, [
        {
          id: randomUUID(),
          name: 'ticket.update',
          args: { ticketId: row.id, patch: { priority: 'low' }, baseVersion: row.version, bulk: true },
        },
      ]);
      expect(res).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
    } finally {
      socket.close();
    }
  });

  it('custom field values the service would refuse are refused offline too, from the kept config', async () => {
    const admin = await apiLogin(server.url, 'admin');
    const res = await fetch(`${server.url}${ADMIN_REST.customFields}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
      body: JSON.stringify({
        departmentId: (await wang.call('session.get', {}))!.user.departmentId,
        key: 'order_no',
        labelZh: '订单号',
        labelEn: 'Order number',
        type: 'text',
        required: true,
      }),
    });
    expect(res.status).toBe(201);
    // The desktop keeps the config it last read; then the network goes.
    expect((await wang.call('config.get', {})).customFields.map((f) => f.key)).toContain('order_no');
    const row = (await wang.call('tickets.search', { limit: 50 })).rows.find(
      (r) => isUnsolved(r.status) && r.syncState === 'synced',
    )!;
    await server.close();
    await waitFor(
      async () => (await wang.call('sync.status', {})).state !== 'online',
      'the desktop to go offline',
    );
    const before = (await wang.call('sync.status', {})).pending;
    const solve = await wang.services.invoke('tickets.update', { id: row.id, patch: { status: 'solved' } });
    expect(!solve.ok && solve.error).toMatchObject({
      code: 'bad_request',
      message: 'Fill in Order number before the ticket is solved.',
    });
    const unknown = await wang.services.invoke('tickets.update', {
      id: row.id,
      patch: { fields: { colour: 'red' } },
    });
    expect(!unknown.ok && unknown.error).toMatchObject({
      message: 'This department has no custom field "colour".',
    });
    expect((await wang.call('sync.status', {})).pending).toBe(before);
    // Filled in, the same solve is queued.
    await wang.call('tickets.update', {
      id: row.id,
      patch: { fields: { order_no: 'A-1' }, status: 'solved' },
    });
    expect((await wang.call('sync.status', {})).pending).toBe(before + 1);
  });
});
