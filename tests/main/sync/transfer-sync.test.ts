import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsolved } from '../../../src/shared';
import { tempDir } from '../fixtures';
import { desktop, sqlWhileDown, startDemoServer, waitFor, type TestDesktop, signIn } from './helpers';

/**
 * A ticket transferred from after-sales (售后服务, agent01) to technical support (技术支持, agent05) through the
 * desktop services: it leaves the sender's replica and arrives in the receiver's with the reason, is handed
 * back, and a transfer the server refuses (made offline) is undone locally and kept for the agent.
 */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startDemoServer>>;
let port = 0;
const dbPath = () => join(dir.path, 'server.sqlite');
let wang: TestDesktop;
let liu: TestDesktop;

beforeAll(async () => {
  dir = tempDir('sb-transfer-');
  server = await startDemoServer(dbPath(), 0);
  port = Number(new URL(server.url).port);
  wang = desktop(join(dir.path, 'wang'), { deviceId: 'wang-desk' });
  liu = desktop(join(dir.path, 'liu'), { deviceId: 'liu-desk' });
  await signIn(wang, server.url, 'agent01');
  await signIn(liu, server.url, 'agent05');
}, 120_000);

afterAll(async () => {
  await wang?.services.dispose();
  await liu?.services.dispose();
  await server?.close();
  dir?.remove();
});

const inCopy = async (d: TestDesktop, id: string) => (await d.services.invoke('tickets.get', { id })).ok;

async function someOpenTicket(d: TestDesktop) {
  const page = await d.call('tickets.search', { limit: 200 });
  return page.rows.find((r) => isUnsolved(r.status) && r.syncState === 'synced')!;
}

describe('transfer between departments on the desktop', () => {
  it('leaves the sender’s copy, arrives in the receiver’s with its reason, and is handed back', async () => {
    const sales = (await wang.call('session.get', {}))!.user.departmentId!;
    const tech = (await liu.call('session.get', {}))!.user.departmentId!;
    const ticket = await someOpenTicket(wang);
    expect(await inCopy(liu, ticket.id)).toBe(false);

    const row = await wang.call('tickets.transfer', {
      id: ticket.id,
      toDepartmentId: tech,
      reason: '固件升级后无法联网，请技术支持排查',
      handBack: true,
    });
    // At once, offline or not: the change is the agent's, waiting for the server.
    expect(row).toMatchObject({ departmentId: tech, handBackTo: sales, syncState: 'pending' });

    await waitFor(async () => !(await inCopy(wang, ticket.id)), 'the ticket to leave the sender’s copy');
    await waitFor(() => inCopy(liu, ticket.id), 'the ticket to reach the receiver’s copy');
    const there = await liu.call('tickets.get', { id: ticket.id });
    expect(there.ticket).toMatchObject({ departmentId: tech, handBackTo: sales, assigneeId: null });
    expect(there.history.find((h) => h.field === 'departmentId')).toMatchObject({
      from: sales,
      to: tech,
      note: '固件升级后无法联网，请技术支持排查',
    });

    await liu.call('tickets.transfer', {
      id: ticket.id,
      toDepartmentId: sales,
      reason: 'Firmware rolled back; works again',
      handBack: false,
    });
    await waitFor(() => inCopy(wang, ticket.id), 'the ticket to come back');
    await waitFor(async () => !(await inCopy(liu, ticket.id)), 'the ticket to leave the receiver’s copy');
    expect((await wang.call('tickets.get', { id: ticket.id })).ticket).toMatchObject({
      departmentId: sales,
      handBackTo: null,
    });
  });

  it('refuses a transfer without a reason before queueing it, and one to its own department', async () => {
    const ticket = await someOpenTicket(wang);
    const sales = ticket.departmentId;
    const noReason = await wang.services.invoke('tickets.transfer', {
      id: ticket.id,
      toDepartmentId: (await liu.call('session.get', {}))!.user.departmentId!,
      reason: '   ',
    });
    expect(noReason.ok).toBe(false);
    const same = await wang.services.invoke('tickets.transfer', {
      id: ticket.id,
      toDepartmentId: sales,
      reason: 'no move',
    });
    expect(same).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((await wang.call('sync.status', {})).pending).toBe(0);
  });

  it('undoes a transfer made offline that the server refuses, and keeps it in the not-sent list', async () => {
    const tech = (await liu.call('session.get', {}))!.user.departmentId!;
    const ticket = await someOpenTicket(wang);
    await server.close();
    await waitFor(async () => (await wang.call('sync.status', {})).state === 'offline', 'offline');
    await wang.call('tickets.transfer', { id: ticket.id, toDepartmentId: tech, reason: '转技术支持' });
    expect((await wang.call('tickets.get', { id: ticket.id })).ticket.departmentId).toBe(tech);
    // Meanwhile the ticket was closed on the server: a closed ticket is not transferred.
    sqlWhileDown(dbPath(), "UPDATE tickets SET status = 'closed' WHERE id = ?", ticket.id);
    server = await startDemoServer(dbPath(), port);
    await waitFor(async () => (await wang.call('sync.status', {})).pending === 0, 'the outbox to drain');
    const back = await wang.call('tickets.get', { id: ticket.id });
    expect(back.ticket.departmentId).toBe(ticket.departmentId);
    const kept = await wang.call('notSent.list', {});
    expect(kept.some((k) => k.ticketId === ticket.id && k.kind === 'ticket.update')).toBe(true);
  });
});
