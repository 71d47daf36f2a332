// Calls on the desktop services against a real central service: agent state over the sync socket, call
// records from the replica, logged and wrapped up offline, synced when the server is back.
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../../src/shared/protocol/voice';
import { openSqlite } from '../../../src/server/db/dialect-sqlite';
import { normalisePhone } from '../../../src/shared/phone';
import { reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { route, setState as setStateOf, signIn, type AgentSession } from '../../server/voice-helpers';
import { tempDir } from '../fixtures';
import { desktop, waitFor, type TestDesktop } from './helpers';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let agent: TestDesktop;
let me: string;
let customer: { id: string; phone: string; national: string };
const voice = { offlineGraceMs: 60_000 };

beforeAll(async () => {
  dir = tempDir('sb-calls-');
  server = await startTestServer({ tickets: 200, customers: 100, voice });
  const db = openSqlite(server.dbPath);
  try {
    const rows = await db
      .selectFrom('customers')
      .select(['id', 'phone'])
      .where('phone', 'like', '+861%')
      .execute();
    const row = rows.find((r) => normalisePhone(r.phone!.replace(/^\+86/, '')) === r.phone)!;
    customer = { id: row.id, phone: row.phone!, national: row.phone!.replace(/^\+86/, '') };
  } finally {
    await db.destroy();
  }
  agent = desktop(join(dir.path, 'agent01'));
  me = (
    await agent.call('auth.login', {
      serverUrl: server.url,
      username: 'agent01',
      password: 'switchboard',
      remember: false,
    })
  ).user.id;
  await agent.waitSynced();
}, 60_000);

afterAll(async () => {
  await agent?.services.dispose();
  await server?.stop();
  dir?.remove();
});

const statusEvents = () =>
  agent.events.filter((e) => e.event === 'agent.status').map((e) => e.payload as AgentStatus);

async function serverRecord(id: string) {
  const db = openSqlite(server.dbPath);
  try {
    return await db.selectFrom('interactions').selectAll().where('id', '=', id).executeTakeFirst();
  } finally {
    await db.destroy();
  }
}

describe('calls on the desktop', () => {
  it('follows the agent’s state: fetched on connect, asked for with its version, pushed when others change it', async () => {
    await waitFor(async () => statusEvents().length > 0, 'the status fetched on connect');
    expect(statusEvents()[0]).toMatchObject({ userId: me, state: 'Offline' });
    const seen = (await agent.call('agent.status', {}))!;
    expect(seen).toMatchObject({ userId: me, state: 'Offline' });

    const available = await agent.call('agent.setState', { state: 'Available', version: seen.version });
    expect(available).toMatchObject({ state: 'Available', version: seen.version + 1 });
    expect(statusEvents().at(-1)).toEqual(available);

    // A window still showing the old version is refused with the server's reason; so is a Break without one.
    const stale = await agent.services.invoke('agent.setState', {
      state: 'Break',
      reason: 'lunch',
      version: seen.version,
    });
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const noReason = await agent.services.invoke('agent.setState', {
      state: 'Break',
      version: available.version,
    });
    expect(noReason).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    // A supervisor sends the agent on a break: the desktop hears it, and only about its own agent.
    const sup: AgentSession = await signIn(server.url, 'super01');
    try {
      const ack = await setStateOf(sup, 'Break', { userId: me, reason: 'meeting' });
      expect(ack.ok).toBe(true);
      await waitFor(async () => statusEvents().at(-1)?.state === 'Break', 'the pushed Break');
      expect(statusEvents().every((s) => s.userId === me)).toBe(true);
      expect(await agent.call('agent.status', {})).toMatchObject({ state: 'Break', reason: 'meeting' });
    } finally {
      sup.socket.close();
    }
    const back = (await agent.call('agent.status', {}))!;
    await agent.call('agent.setState', { state: 'Available', version: back.version });
  });

  it('reports call progress over the socket, finds the routed call by its Call-ID and pops it for the caller', async () => {
    expect(await route(server.url, '8001', 'desk-1', customer.national)).toEqual({
      status: 200,
      body: expect.stringMatching(/^1001\n\d+\n$/),
    });
    expect(await agent.call('voice.callEvent', { callId: 'desk-1', event: 'answered' })).toMatchObject({
      state: 'OnCall',
    });
    expect(await agent.call('voice.callEvent', { callId: 'desk-1', event: 'ended' })).toMatchObject({
      state: 'WrapUp',
    });
    await waitFor(
      async () => (await agent.call('interactions.forCall', { callId: 'desk-1' }))?.status === 'ended',
      'the routed call’s record by sync',
    );
    const call = (await agent.call('interactions.forCall', { callId: 'desk-1' }))!;
    expect(call).toMatchObject({ agentId: me, customerId: customer.id, syncState: 'synced' });
    expect(
      agent.events.some(
        (e) =>
          e.event === 'data.changed' &&
          (e.payload as { interactionIds: string[] }).interactionIds.includes(call.id),
      ),
    ).toBe(true);

    const wrapped = await agent.call('interactions.complete', {
      interactionId: call.id,
      disposition: 'resolved',
      notes: '退款已处理',
    });
    expect(wrapped).toMatchObject({ disposition: 'resolved', syncState: 'pending' });
    await agent.waitSynced();
    expect(await serverRecord(call.id)).toMatchObject({ disposition: 'resolved', notes: '退款已处理' });

    const pop = await agent.call('screenpop.lookup', { callerId: customer.national });
    expect(pop.customer?.id).toBe(customer.id);
    expect(pop.interactions[0]).toMatchObject({ id: call.id, disposition: 'resolved', syncState: 'synced' });
    // The pop's timeline leads with that call, its outcome on it.
    expect(pop.timeline[0]).toMatchObject({ kind: 'call', id: call.id, call: { disposition: 'resolved' } });
    expect((await agent.call('interactions.list', { customerId: customer.id })).map((i) => i.id)).toContain(
      call.id,
    );

    const s = (await agent.call('agent.status', {}))!;
    await agent.call('agent.setState', { state: 'Available', version: s.version });
  });

  it('a caller nobody knew, made a customer during the call, has the call on their page after the wrap-up', async () => {
    expect((await route(server.url, '8001', 'desk-new', '13012349876')).body).toMatch(/^1001\n\d+\n$/);
    await agent.call('voice.callEvent', { callId: 'desk-new', event: 'answered' });
    await agent.call('voice.callEvent', { callId: 'desk-new', event: 'ended' });
    await waitFor(
      async () => (await agent.call('interactions.forCall', { callId: 'desk-new' }))?.status === 'ended',
      'the unknown caller’s call record',
    );
    const call = (await agent.call('interactions.forCall', { callId: 'desk-new' }))!;
    expect(call.customerId).toBeNull();

    // The pop's "create customer", then the wrap-up with the caller as the pop now shows them.
    const made = await agent.call('customers.create', { name: '赵新', phone: '130 1234 9876' });
    expect((await agent.call('screenpop.lookup', { callerId: '13012349876' })).customer?.id).toBe(made.id);
    const wrapped = await agent.call('interactions.complete', {
      interactionId: call.id,
      disposition: 'resolved',
      notes: '',
      customerId: made.id,
    });
    expect(wrapped).toMatchObject({ customerId: made.id, syncState: 'pending' });
    expect((await agent.call('interactions.list', { customerId: made.id })).map((i) => i.id)).toEqual([
      call.id,
    ]);

    await agent.waitSynced();
    expect(await serverRecord(call.id)).toMatchObject({ customer_id: made.id, disposition: 'resolved' });
    expect((await agent.call('interactions.list', { customerId: made.id }))[0]).toMatchObject({
      id: call.id,
      syncState: 'synced',
    });
    const s = (await agent.call('agent.status', {}))!;
    await agent.call('agent.setState', { state: 'Available', version: s.version });
  });

  it('works offline: calls are logged and wrapped up locally, state changes wait for the connection, all syncs when back', async () => {
    // A queue call the desktop saw routed and answered, then the network went.
    const t = server.clock.now.getTime() + 60_000;
    const iso = (s: number) => new Date(t + s * 1000).toISOString();
    server.clock.now = new Date(t);
    expect((await route(server.url, '8001', 'desk-2', customer.national)).body).toMatch(/^1001\n\d+\n$/);
    await agent.call('voice.callEvent', { callId: 'desk-2', event: 'answered' });
    await waitFor(
      async () => (await agent.call('interactions.forCall', { callId: 'desk-2' }))?.status === 'answered',
      'the answered call’s record',
    );
    await waitFor(async () => statusEvents().at(-1)?.state === 'OnCall', 'the OnCall push');
    const routed = (await agent.call('interactions.forCall', { callId: 'desk-2' }))!;
    const ticket = (await agent.call('tickets.search', { limit: 1 })).rows[0]!;
    const desk1 = (await agent.call('interactions.forCall', { callId: 'desk-1' }))!;

    await server.close();
    await waitFor(async () => (await agent.call('sync.status', {})).state === 'offline', 'offline');

    const lastKnown = await agent.call('agent.status', {});
    expect(lastKnown).toMatchObject({ userId: me, state: 'OnCall' });
    for (const [method, input] of [
      ['agent.setState', { state: 'Break', reason: 'lunch', version: lastKnown!.version }],
      ['voice.callEvent', { callId: 'desk-2', event: 'ended' }],
    ] as const) {
      expect(await agent.services.invoke(method, input)).toMatchObject({
        ok: false,
        error: { code: 'unavailable', message: expect.stringMatching(/offline.*connection .*back/) },
      });
    }

    // The routed call: the log lands on its record (one row), under the id the softphone made up.
    const desk2Log = uuidv7();
    const merged = await agent.call('interactions.log', {
      interactionId: desk2Log,
      callId: 'desk-2',
      direction: 'inbound',
      callerNumber: customer.national,
      calleeNumber: '1001',
      queueNumber: '8001',
      ringAt: iso(0),
      answerAt: iso(5),
      endAt: iso(100),
      holdSeconds: 30,
    });
    expect(merged).toMatchObject({ id: routed.id, status: 'ended', endAt: iso(100), syncState: 'pending' });
    // A direct call nobody routed, matched to the customer here, and its wrap-up.
    const direct = uuidv7();
    const logged = await agent.call('interactions.log', {
      interactionId: direct,
      callId: `direct-${direct}`,
      direction: 'outbound',
      callerNumber: '1001',
      calleeNumber: `+86 ${customer.national}`,
      queueNumber: null,
      ringAt: iso(200),
      answerAt: iso(205),
      endAt: iso(260),
      holdSeconds: 0,
    });
    expect(logged).toMatchObject({
      id: direct,
      calleeNumber: customer.phone,
      customerId: customer.id,
      agentId: me,
      status: 'ended',
      syncState: 'pending',
    });
    await agent.call('interactions.complete', { interactionId: direct, disposition: 'callback', notes: '' });
    // A second wrap-up of desk-1, naming a ticket that is moved to another department while we are away.
    await agent.call('interactions.complete', {
      interactionId: desk1.id,
      disposition: 'escalated',
      notes: '',
      ticketId: ticket.id,
    });
    expect((await agent.call('sync.status', {})).pending).toBe(4);
    // The screen pop shows the calls at once, offline.
    const pop = await agent.call('screenpop.lookup', { callerId: customer.phone });
    expect(pop.interactions.slice(0, 3).map((i) => [i.id, i.disposition])).toEqual([
      [direct, 'callback'],
      [routed.id, null],
      [desk1.id, 'escalated'],
    ]);

    const db = openSqlite(server.dbPath);
    try {
      const other = await db
        .selectFrom('departments')
        .select('id')
        .where('id', '!=', ticket.departmentId)
        .executeTakeFirstOrThrow();
      await db.updateTable('tickets').set({ department_id: other.id }).where('id', '=', ticket.id).execute();
    } finally {
      await db.destroy();
    }
    const before = statusEvents().length;
    server = await reopenTestServer(server, { voice });

    await agent.waitSynced();
    // Back: the state is asked for again and shown (everyone is Offline after a server start).
    await waitFor(async () => statusEvents().length > before, 'the status after reconnecting');
    expect(statusEvents().at(-1)).toMatchObject({ state: 'Offline' });
    // The refused wrap-up is undone to the server's copy, and the status says why.
    expect(await agent.call('interactions.forCall', { callId: 'desk-1' })).toMatchObject({
      disposition: 'resolved',
      ticketId: null,
      syncState: 'synced',
    });
    expect((await agent.call('sync.status', {})).lastError).toMatch(
      /ticket is not in this call's department/,
    );
    // The rest is on the server: one record of desk-2 with the desktop's end, and the direct call.
    expect(await serverRecord(routed.id)).toMatchObject({
      call_id: 'desk-2',
      status: 'ended',
      end_at: iso(100),
    });
    expect(await serverRecord(desk2Log)).toBeUndefined();
    expect(await serverRecord(direct)).toMatchObject({
      agent_id: me,
      customer_id: customer.id,
      disposition: 'callback',
    });
    const calls = await agent.call('interactions.list', { customerId: customer.id });
    expect(calls.filter((c) => c.callId === 'desk-2').map((c) => c.id)).toEqual([routed.id]);
    expect(calls.every((c) => c.syncState === 'synced')).toBe(true);
  }, 60_000);
});
