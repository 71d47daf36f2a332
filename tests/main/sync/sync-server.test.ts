import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { UNSOLVED_STATUSES } from '../../../src/shared';
import { startServer } from '../../../src/server/app';
import { EncryptorVault } from '../../../src/main/vault';
import { aesEncryptor, tempDir } from '../fixtures';
import { apiLogin, desktop, serverTicket, type TestDesktop } from './helpers';

/** The sync engine and services against the real central service with the demo data. */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startServer>>;
const dbPath = () => join(dir.path, 'server.sqlite');
let agent: TestDesktop;
let departmentId: string;
let token: string;

const start = (port = 0) => startServer({ port, dbPath: dbPath(), seed: 'demo', log: () => undefined });

beforeAll(async () => {
  dir = tempDir('sb-sync-');
  server = await start();
  const login = await apiLogin(server.url, 'agent01');
  departmentId = login.user.departmentId!;
  token = login.accessToken;
  agent = desktop(join(dir.path, 'a1'));
  await agent.call('auth.login', {
    serverUrl: server.url,
    username: 'agent01',
    password: 'switchboard',
    remember: false,
  });
  await agent.waitSynced();
}, 120_000);

afterAll(async () => {
  await agent?.services.dispose();
  await server?.close();
  dir?.remove();
});

const search = (d: TestDesktop, input: object) => d.call('tickets.search', { limit: 500, ...input });

describe('sync with the central service', () => {
  it('pulls the own department only, and reports progress and data changes', async () => {
    const page = await search(agent, {});
    expect(page.total).toBeGreaterThan(100);
    expect(page.total).toBeLessThan(10_000);
    expect(new Set(page.rows.map((r) => r.departmentId))).toEqual(new Set([departmentId]));
    const dir = await agent.call('directory.get', {});
    expect(dir.departments.length).toBeGreaterThan(0);
    const statuses = agent.events
      .filter((e) => e.event === 'sync.status')
      .map((e) => (e.payload as { state: string }).state);
    expect(statuses).toContain('syncing');
    expect(statuses.at(-1)).toBe('online');
    expect(agent.events.some((e) => e.event === 'data.changed')).toBe(true);
    const status = await agent.call('sync.status', {});
    expect(status.cursor).toBeGreaterThan(0);
    expect(status.lastSyncedAt).not.toBeNull();
  });

  it('answers searches in Chinese from the local index', async () => {
    const zh = await search(agent, { text: '退款' });
    expect(zh.total).toBeGreaterThan(0);
    expect(
      zh.rows[0]!.subject + JSON.stringify(await agent.call('tickets.get', { id: zh.rows[0]!.id })),
    ).toMatch(/退款/);
  });

  it('pops the caller’s profile and tickets from the local copy, however the number is written', async () => {
    const ticket = (await search(agent, { limit: 1 })).rows[0]!;
    const { customer } = await agent.call('tickets.get', { id: ticket.id });
    expect(customer?.phone).toMatch(/^\+/);
    // As the PBX may present it: E.164, or the national number in the customer's region.
    const parsed = parsePhoneNumberFromString(customer!.phone!)!;
    const region = parsed.country!;
    for (const callerId of [customer!.phone!, parsed.formatNational(), String(parsed.nationalNumber)]) {
      const pop = await agent.call('screenpop.lookup', { callerId, region });
      expect(pop.number).toBe(customer!.phone);
      expect(pop.customer?.id).toBe(customer!.id);
      for (const t of pop.openTickets) expect(UNSOLVED_STATUSES).toContain(t.status);
      for (const t of [...pop.openTickets, ...pop.recentTickets]) expect(t.customerId).toBe(customer!.id);
      expect(pop.openTickets.length + pop.recentTickets.length).toBeGreaterThan(0);
    }
    const stranger = await agent.call('screenpop.lookup', { callerId: '13012345678' });
    expect(stranger).toMatchObject({ number: '+8613012345678', customer: null, openTickets: [] });
    expect((await agent.call('screenpop.lookup', { callerId: 'agent01' })).number).toBeNull();
  });

  it('hands the softphone the agent’s own SIP account from the server', async () => {
    const sip = await agent.call('voice.credentials', {});
    expect(sip).toMatchObject({ extension: '1001' });
    expect(sip.password.length).toBeGreaterThanOrEqual(16);
    // This server runs without a PBX: the softphone is told there is none rather than given an address.
    expect(sip.wsUrl).toBeNull();
  });

  it('pushes an edit and a comment; they land on the server and reach a colleague live', async () => {
    const colleague = desktop(join(dir.path, 'a2'), { deviceId: 'colleague' });
    await colleague.call('auth.login', {
      serverUrl: server.url,
      username: 'agent02',
      password: 'switchboard',
      remember: false,
    });
    await colleague.waitSynced();

    const target = (await search(agent, { status: ['open', 'new'], limit: 1 })).rows[0]!;
    const updated = await agent.call('tickets.update', {
      id: target.id,
      patch: { status: 'pending', priority: 'urgent' },
    });
    expect(updated).toMatchObject({ status: 'pending', priority: 'urgent', syncState: 'pending' });
    const note = await agent.call('tickets.comment', { ticketId: target.id, body: `回访记录 ${Date.now()}` });
    await agent.waitSynced();

    const onServer = await serverTicket(server.url, token, target.id);
    expect(onServer.ticket).toMatchObject({ status: 'pending', priority: 'urgent' });
    expect(onServer.comments.map((c) => c.body)).toContain(note.body);

    await expect
      .poll(
        async () => {
          const d = await colleague.call('tickets.get', { id: target.id });
          return [d.ticket.status, d.ticket.priority, d.comments.some((c) => c.body === note.body)];
        },
        { timeout: 15_000 },
      )
      .toEqual(['pending', 'urgent', true]);
    expect((await agent.call('tickets.get', { id: target.id })).ticket.syncState).toBe('synced');
    await colleague.services.dispose();
  });

  it('refuses a change the state machine forbids and an assignee from another department', async () => {
    const t = (await search(agent, { status: ['open'], limit: 1 })).rows[0]!;
    const bad = await agent.services.invoke('tickets.update', { id: t.id, patch: { status: 'closed' } });
    expect(bad.ok).toBe(true);
    const reopen = await agent.services.invoke('tickets.update', { id: t.id, patch: { status: 'open' } });
    expect(reopen).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const other = (await agent.call('directory.get', {})).users.find(
      (u) => u.departmentId && u.departmentId !== departmentId,
    );
    if (other) {
      const t2 = (await search(agent, { status: ['new', 'open', 'pending'], limit: 1 })).rows[0]!;
      const r = await agent.services.invoke('tickets.update', { id: t2.id, patch: { assigneeId: other.id } });
      expect(r).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    const malformed = await agent.services.invoke('tickets.update', { id: 'nope', patch: {} });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((malformed as { error: { issues: unknown[] } }).error.issues.length).toBeGreaterThan(0);
    await agent.waitSynced();
  });

  it('works offline: edits queue while the server is down and drain when it is back', async () => {
    const port = server.port;
    const t = (await search(agent, { status: ['new', 'open', 'pending'], limit: 1 })).rows[0]!;
    await server.close();
    await expect
      .poll(async () => (await agent.call('sync.status', {})).state, { timeout: 10_000 })
      .toBe('offline');

    // The screen pop needs no network.
    const customerId = (await agent.call('tickets.get', { id: t.id })).customer!;
    const pop = await agent.call('screenpop.lookup', { callerId: customerId.phone! });
    expect(pop.customer?.id).toBe(customerId.id);

    await agent.call('tickets.update', { id: t.id, patch: { priority: 'low' } });
    const note = await agent.call('tickets.comment', {
      ticketId: t.id,
      body: 'written offline',
      internal: true,
    });
    expect((await agent.call('sync.status', {})).pending).toBe(2);
    expect((await agent.call('tickets.get', { id: t.id })).ticket).toMatchObject({
      priority: 'low',
      syncState: 'pending',
    });

    server = await start(port);
    await agent.waitSynced();
    const onServer = await serverTicket(
      server.url,
      (await apiLogin(server.url, 'agent01')).accessToken,
      t.id,
    );
    expect(onServer.ticket.priority).toBe('low');
    expect(onServer.comments.map((c) => c.id)).toContain(note.id);
  }, 60_000);

  it('tells the agent clearly when the server cannot be reached or the password is wrong', async () => {
    const d = desktop(join(dir.path, 'x'));
    const unreachable = await d.services.invoke('auth.login', {
      serverUrl: 'http://127.0.0.1:9',
      username: 'agent01',
      password: 'switchboard',
      remember: false,
    });
    expect(unreachable).toEqual({
      ok: false,
      error: {
        code: 'unavailable',
        message: 'Cannot reach the server at http://127.0.0.1:9. Check the address and your network.',
      },
    });
    const wrong = await d.services.invoke('auth.login', {
      serverUrl: server.url,
      username: 'agent01',
      password: 'nope',
      remember: false,
    });
    expect(wrong).toMatchObject({
      ok: false,
      error: { code: 'wrong_credentials', message: expect.stringMatching(/password/) },
    });
    expect(await d.call('session.get', {})).toBeNull();
    await d.services.dispose();
  });

  it('remembers the session in the vault and restores it, even with the server down', async () => {
    const vault = new EncryptorVault(aesEncryptor(), join(dir.path, 'r'));
    const d1 = desktop(join(dir.path, 'r'), { vault, deviceId: 'remember-me' });
    const info = await d1.call('auth.login', {
      serverUrl: server.url,
      username: 'agent05',
      password: 'switchboard',
      remember: true,
    });
    expect(info.remembered).toBe(true);
    await d1.waitSynced();
    const total = (await search(d1, {})).total;
    await d1.services.dispose();

    // Back online: restore signs in with the (rotated) refresh token.
    const d2 = desktop(join(dir.path, 'r'), { vault, deviceId: 'remember-me' });
    expect((await d2.call('auth.restore', {}))?.user.username).toBe('agent05');
    await d2.waitSynced();
    await d2.services.dispose();

    // Offline: the local copy opens from the remembered user; sync waits for the network.
    const port = server.port;
    await server.close();
    const d3 = desktop(join(dir.path, 'r'), { vault, deviceId: 'remember-me' });
    expect((await d3.call('auth.restore', {}))?.user.username).toBe('agent05');
    expect((await search(d3, {})).total).toBe(total);
    expect((await d3.call('sync.status', {})).state).not.toBe('online');
    server = await start(port);
    await d3.waitSynced();

    await d3.call('auth.logout', {});
    expect(await vault.get('remember-me')).toBeNull();
    expect(await d3.call('session.get', {})).toBeNull();
    await d3.services.dispose();
  }, 90_000);
});
