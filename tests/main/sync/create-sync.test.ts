import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/server/app';
import { openSqlite } from '../../../src/server/db/dialect-sqlite';
import { migrateToLatest } from '../../../src/server/db/migrate';
import { seedDemo } from '../../../src/server/demo/seed-demo';
import { EncryptorVault } from '../../../src/main/vault';
import { aesEncryptor, tempDir } from '../fixtures';
import { apiLogin, desktop, serverTicket, waitFor, type TestDesktop, signIn } from './helpers';

/** Creating customers and tickets on the desktop against the real central service, online and offline. */
let dir: ReturnType<typeof tempDir>;
let server: RunningServer;
let port: number;
let agent: TestDesktop;
let colleague: TestDesktop;
let vault: EncryptorVault;
let departmentId: string;
const dbPath = () => join(dir.path, 'server.sqlite');

// A fixed signing secret, so sessions survive the server restarts below.
const start = (p = 0) =>
  startServer({
    port: p,
    dbPath: dbPath(),
    seed: 'none',
    jwtSecret: 'create-sync-secret-create-sync-secret',
    log: () => undefined,
  });

async function stopServer() {
  await server.close();
  await waitFor(
    async () =>
      (await agent.call('sync.status', {})).state === 'offline' &&
      (await colleague.call('sync.status', {})).state === 'offline',
    'both desktops offline',
  );
}

/** A mobile number nobody in the demo data has (they are random; a clash would only fail loudly). */
const freshMobile = () => `139 ${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

beforeAll(async () => {
  dir = tempDir('sb-create-');
  const db = openSqlite(dbPath());
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 600, customers: 200 });
  await db.destroy();
  server = await start();
  port = server.port;
  departmentId = (await apiLogin(server.url, 'agent01')).user.departmentId!;
  vault = new EncryptorVault(aesEncryptor(), join(dir.path, 'vault'));
  agent = desktop(join(dir.path, 'a1'), { vault, deviceId: 'agent-device' });
  colleague = desktop(join(dir.path, 'a2'), { deviceId: 'colleague-device' });
  await signIn(agent, server.url, 'agent01', true);
  await signIn(colleague, server.url, 'agent02');
}, 120_000);

afterAll(async () => {
  await agent?.services.dispose();
  await colleague?.services.dispose();
  await server?.close();
  dir?.remove();
});

describe('creating on the desktop', () => {
  it('saves a customer and a ticket at once, searchable, and the server numbers the ticket', async () => {
    const customer = await agent.call('customers.create', {
      name: '周杰 测试',
      phone: freshMobile(),
      email: 'zhou.jie@example.cn',
      company: '星河科技',
    });
    expect(customer.phone).toMatch(/^\+86139\d{8}$/);
    const found = await agent.call('customers.search', { text: '星河' });
    expect(found.rows.map((c) => c.id)).toContain(customer.id);

    const ticket = await agent.call('tickets.create', {
      customerId: customer.id,
      subject: '发票抬头错误 invoice title wrong',
      description: 'Needs a corrected VAT invoice.',
      priority: 'high',
      assigneeId: 'me',
    });
    expect(ticket).toMatchObject({
      number: null,
      syncState: 'pending',
      departmentId,
      customerName: '周杰 测试',
      status: 'new',
    });
    const hits = await agent.call('tickets.search', { text: '发票抬头' });
    expect(hits.rows.map((r) => [r.id, r.number])).toContainEqual([ticket.id, null]);

    await agent.waitSynced();
    const synced = await agent.call('tickets.get', { id: ticket.id });
    expect(synced.ticket.number).toBeGreaterThan(600);
    expect(synced.ticket.syncState).toBe('synced');
    expect(synced.history.map((h) => h.field)).toContain('created');
    expect((await agent.call('tickets.search', { text: String(synced.ticket.number) })).rows[0]?.id).toBe(
      ticket.id,
    );

    // The colleague's desktop gets both.
    await expect
      .poll(async () => (await colleague.services.invoke('tickets.get', { id: ticket.id })).ok, {
        timeout: 15_000,
      })
      .toBe(true);
    expect((await colleague.call('tickets.get', { id: ticket.id })).ticket.number).toBe(synced.ticket.number);
    expect((await colleague.call('customers.get', { id: customer.id })).customer.name).toBe('周杰 测试');
  });

  it('refuses a phone that is no number, one we already have, an unknown customer and an outside assignee', async () => {
    const notNumber = await agent.services.invoke('customers.create', { name: 'X', phone: 'call me maybe' });
    expect(notNumber).toMatchObject({
      ok: false,
      error: { code: 'bad_request', issues: [{ path: 'phone' }] },
    });
    const someone = (await agent.call('tickets.search', { limit: 1 })).rows[0]!;
    const known = (await agent.call('tickets.get', { id: someone.id })).customer!;
    const duplicate = await agent.services.invoke('customers.create', { name: 'Again', phone: known.phone });
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect((duplicate as { error: { message: string } }).error.message).toContain(known.name);

    const unknown = await agent.services.invoke('tickets.create', {
      customerId: '0190c000-0000-7000-8000-000000000001',
      subject: 'Nobody',
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const outsider = (await agent.call('directory.get', {})).users.find(
      (u) => u.departmentId && u.departmentId !== departmentId,
    )!;
    const assigned = await agent.services.invoke('tickets.create', {
      customerId: known.id,
      subject: 'Wrong assignee',
      assigneeId: outsider.id,
    });
    expect(assigned).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((await agent.call('sync.status', {})).pending).toBe(0);
  });

  it('works offline: made with the server down and the desktop restarted, numbered once it is back', async () => {
    await stopServer();
    const customer = await agent.call('customers.create', { name: 'Offline Olivia', phone: freshMobile() });
    const ticket = await agent.call('tickets.create', {
      customerId: customer.id,
      subject: 'Made offline: router lost its settings',
      status: 'open',
    });
    await agent.call('tickets.update', { id: ticket.id, patch: { priority: 'urgent' } });
    const note = await agent.call('tickets.comment', {
      ticketId: ticket.id,
      body: 'Called from the car park',
    });
    expect((await agent.call('sync.status', {})).pending).toBe(4);

    // The desktop restarts while still offline: the remembered session reopens the replica and its outbox.
    await agent.services.dispose();
    agent = desktop(join(dir.path, 'a1'), { vault, deviceId: 'agent-device' });
    expect((await agent.call('auth.restore', {}))?.user.username).toBe('agent01');
    const reopened = (await agent.call('tickets.search', { text: 'router lost' })).rows;
    expect(reopened.map((r) => [r.id, r.number, r.syncState, r.priority])).toEqual([
      [ticket.id, null, 'pending', 'urgent'],
    ]);
    expect((await agent.call('sync.status', {})).pending).toBe(4);

    server = await start(port);
    await agent.waitSynced();
    const detail = await agent.call('tickets.get', { id: ticket.id });
    expect(detail.ticket.number).toBeGreaterThan(600);
    const onServer = await serverTicket(
      server.url,
      (await apiLogin(server.url, 'agent02')).accessToken,
      ticket.id,
    );
    expect(onServer.ticket).toMatchObject({ priority: 'urgent', status: 'open' });
    expect(onServer.comments.map((c) => c.id)).toEqual([note.id]);
    await expect
      .poll(async () => (await colleague.services.invoke('tickets.get', { id: ticket.id })).ok, {
        timeout: 20_000,
      })
      .toBe(true);
  }, 90_000);

  it('removes a ticket the server refuses and says why', async () => {
    const directory = await agent.call('directory.get', {});
    const leaving = directory.users.find((u) => u.username === 'agent03')!;
    const someone = (await agent.call('tickets.search', { limit: 1 })).rows[0]!;
    // agent03 leaves the company on the server; this desktop's directory does not know yet.
    const db = openSqlite(dbPath());
    await db.updateTable('users').set({ disabled: 1 }).where('id', '=', leaving.id).execute();
    await db.destroy();

    const ticket = await agent.call('tickets.create', {
      customerId: someone.customerId,
      subject: 'Assigned to someone who left',
      assigneeId: leaving.id,
    });
    await waitFor(
      async () => !(await agent.services.invoke('tickets.get', { id: ticket.id })).ok,
      'the refused ticket to go',
    );
    expect((await agent.call('tickets.search', { text: 'someone who left' })).total).toBe(0);
    const status = await agent.call('sync.status', {});
    expect(status.pending).toBe(0);
    expect(status.lastError).toMatch(/not an active user/);
    expect(
      agent.events.some(
        (e) =>
          e.event === 'data.changed' && (e.payload as { ticketIds: string[] }).ticketIds.includes(ticket.id),
      ),
    ).toBe(true);
  }, 60_000);

  it('two desktops that each created the same caller offline end up with one customer holding both tickets', async () => {
    await stopServer();
    const phone = freshMobile();
    const mine = await agent.call('customers.create', { name: '来电 甲', phone });
    const theirs = await colleague.call('customers.create', { name: '来电 乙', phone });
    const t1 = await agent.call('tickets.create', {
      customerId: mine.id,
      subject: 'Same caller, first desk',
    });
    const t2 = await colleague.call('tickets.create', {
      customerId: theirs.id,
      subject: 'Same caller, second desk',
    });

    server = await start(port);
    await agent.waitSynced();
    await colleague.waitSynced();
    const digits = phone.replace(/\D/g, '');
    const converged = async (d: TestDesktop) => {
      const customers = (await d.call('customers.search', { text: digits })).rows.map((c) => c.id);
      const owners = await Promise.all(
        [t1, t2].map(
          async (t) =>
            (await d.services.invoke('tickets.get', { id: t.id })).ok &&
            (await d.call('tickets.get', { id: t.id })).ticket.customerId,
        ),
      );
      return { customers, owners };
    };
    await waitFor(async () => {
      const [a, b] = [await converged(agent), await converged(colleague)];
      return (
        a.customers.length === 1 &&
        JSON.stringify(a) === JSON.stringify(b) &&
        a.owners.every((o) => o === a.customers[0])
      );
    }, 'both desktops to agree on one customer with both tickets');
    const winner = (await converged(agent)).customers[0]!;
    expect([mine.id, theirs.id]).toContain(winner);
    // Whoever lost still finds the customer under the id it made.
    const loser = winner === mine.id ? { d: colleague, id: theirs.id } : { d: agent, id: mine.id };
    expect((await loser.d.call('customers.get', { id: loser.id })).customer.id).toBe(winner);
    for (const d of [agent, colleague]) {
      for (const t of [t1, t2])
        expect((await d.call('tickets.get', { id: t.id })).ticket.number).not.toBeNull();
    }
  }, 90_000);
});
