import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_REST, DEFAULT_ROLE_PERMISSIONS, isUnsolved, type RolePermissions } from '../../../src/shared';
import type { MethodOutput } from '../../../src/shared/ipc/contract';
import { tempDir } from '../fixtures';
import { apiLogin, desktop, startDemoServer, waitFor, type TestDesktop } from './helpers';

/**
 * Rights on the desktop: an agent whose role lost rights is refused at once, also offline (the same shared
 * `can` over the config the replica keeps), nothing is queued to be refused later; and internal notes leave the
 * replica when the right to them goes.
 */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startDemoServer>>;
let wang: TestDesktop;

beforeAll(async () => {
  dir = tempDir('sb-rights-');
  server = await startDemoServer(join(dir.path, 'server.sqlite'), 0);
  wang = desktop(join(dir.path, 'wang'), { deviceId: 'wang-desk' });
  await wang.call('auth.login', {
    serverUrl: server.url,
    username: 'agent01',
    password: 'switchboard',
    remember: false,
  });
  await wang.waitSynced();
}, 120_000);

afterAll(async () => {
  await wang?.services.dispose();
  await server?.close();
  dir?.remove();
});

async function setRights(rp: RolePermissions) {
  const admin = await apiLogin(server.url, 'admin');
  const res = await fetch(`${server.url}${ADMIN_REST.permissions}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
    body: JSON.stringify(rp),
  });
  expect(res.status).toBe(200);
}

const refusal = async (method: Parameters<TestDesktop['services']['invoke']>[0], input: unknown) => {
  const r = await wang.services.invoke(method, input);
  return r.ok ? null : r.error;
};

describe('rights on the desktop', () => {
  it('internal notes leave the replica when the right goes; changes without a right are refused, also offline', async () => {
    const page = await wang.call('tickets.search', { limit: 200 });
    const ticket = page.rows.find((r) => isUnsolved(r.status) && r.syncState === 'synced')!;
    const reply = await wang.call('tickets.comment', {
      ticketId: ticket.id,
      body: 'public reply',
      internal: false,
    });
    const note = await wang.call('tickets.comment', {
      ticketId: ticket.id,
      body: '内部：客户情绪激动',
      internal: true,
    });
    await wang.waitSynced();

    await setRights({
      ...DEFAULT_ROLE_PERMISSIONS,
      agent: DEFAULT_ROLE_PERMISSIONS.agent.filter(
        (r) => !['seeInternalNotes', 'transfer', 'changePriority'].includes(r),
      ),
    });
    // The admin change pokes every desktop; the new scope resets the replica without the notes.
    // The replica is empty for a moment while it refills: wait for the ticket back, without the note.
    await waitFor(async () => {
      const got = await wang.services.invoke('tickets.get', { id: ticket.id });
      const ids = got.ok ? (got.output as MethodOutput<'tickets.get'>).comments.map((c) => c.id) : [];
      return ids.includes(reply.id) && !ids.includes(note.id);
    }, 'the ticket back in the replica without the internal note');
    await wang.waitSynced();
    // The replica's scope now says "without internal notes"; new tickets still go to the agent's department.
    const sales = (await wang.call('session.get', {}))!.user.departmentId!;
    const made = await wang.call('tickets.create', {
      customerId: ticket.customerId,
      subject: '权限变更后的新工单',
    });
    expect(made.departmentId).toBe(sales);
    await wang.waitSynced();
    const config = await wang.call('config.get', {});
    expect(config.rolePermissions.agent).not.toContain('transfer');

    const tryAll = async () => {
      const sales = (await wang.call('session.get', {}))!.user.departmentId!;
      const other = (await wang.call('directory.get', {})).departments.find((d) => d.id !== sales)!.id;
      return [
        await refusal('tickets.transfer', {
          id: ticket.id,
          toDepartmentId: other,
          reason: 'needs tech',
          handBack: false,
        }),
        await refusal('tickets.update', {
          id: ticket.id,
          patch: { priority: ticket.priority === 'low' ? 'high' : 'low' },
        }),
        await refusal('tickets.comment', { ticketId: ticket.id, body: 'note', internal: true }),
      ];
    };
    for (const e of await tryAll())
      expect(e).toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(/team lead or supervisor/),
      });

    // Offline: the kept config still says no, and nothing waits in the outbox to be refused later.
    await server.close();
    await waitFor(
      async () => (await wang.call('sync.status', {})).state !== 'online',
      'the desktop to go offline',
    );
    expect((await wang.call('config.get', {})).rolePermissions.agent).not.toContain('transfer');
    for (const e of await tryAll()) expect(e).toMatchObject({ code: 'forbidden' });
    expect((await wang.call('sync.status', {})).pending).toBe(0);
    // What the role may still do is queued as ever.
    await wang.call('tickets.comment', { ticketId: ticket.id, body: 'public reply', internal: false });
    expect((await wang.call('sync.status', {})).pending).toBe(1);
  });
});
