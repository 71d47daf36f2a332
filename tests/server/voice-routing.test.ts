// Queue routing (ACD), call events and call records against a real server over HTTP and the sync socket.
import type { Request } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Interaction,
  PushResponse,
  SocketEvents,
  VoiceCredentials,
  type Change,
  type Mutation,
  VoiceSocketEvents,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { normalisePhone } from '../../src/shared/phone';
import { pbxAllowed } from '../../src/server/voice/voice-api';
import { pullAll, request, startTestServer, type TestServer } from './helpers';
import {
  agentSessions,
  callEvent,
  historyOf,
  mustSetState,
  route,
  statusOf,
  until,
  type AgentSession,
} from './voice-helpers';

let server: TestServer;
const { session, closeAll, tick } = agentSessions(() => server);

/** A customer of the demo data with a Chinese mobile number, and agent06 without the tech skill. */
let customer: { id: string; phone: string };

beforeAll(async () => {
  server = await startTestServer({
    tickets: 300,
    customers: 100,
    voice: { offlineGraceMs: 200, ringSlackMs: 100 },
    prepare: async (db) => {
      const agent06 = await db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'agent06')
        .executeTakeFirstOrThrow();
      await db
        .deleteFrom('agent_skills')
        .where('user_id', '=', agent06.id)
        .where('skill', '=', 'tech')
        .execute();
      // Billing's queue rings for one second only, so the ring timeout can be watched.
      await db.updateTable('queues').set({ ring_timeout_seconds: 1 }).where('number', '=', '8003').execute();
    },
  });
  const db = openDatabase(server.dbPath);
  try {
    const rows = await db
      .selectFrom('customers')
      .select(['id', 'phone'])
      .where('phone', 'like', '+861%')
      // After-sales' customer (queue 8001): a call matches only customers its department sees.
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('change_log')
            .innerJoin('users', 'users.department_id', 'change_log.department_id')
            .select('change_log.version')
            .where('users.username', '=', 'agent01')
            .where('change_log.kind', '=', 'customer')
            .whereRef('change_log.entity_id', '=', 'customers.id'),
        ),
      )
      .orderBy('id')
      .execute();
    // The first whose national form normalises back to it (random demo digits are not all assigned ranges).
    const row = rows.find((r) => normalisePhone(r.phone!.replace(/^\+86/, '')) === r.phone)!;
    customer = { id: row.id, phone: row.phone! };
  } finally {
    await db.destroy();
  }
});
afterEach(async () => {
  closeAll();
  await new Promise((r) => setTimeout(r, 300));
});
afterAll(async () => server?.stop());

async function interactionsSeenBy(s: AgentSession): Promise<Interaction[]> {
  const { changes } = await pullAll(s.socket);
  return (changes as Change[]).flatMap((c) => (c.kind === 'interaction' ? [c.data] : []));
}

async function getInteraction(s: AgentSession, id: string) {
  const res = await fetch(`${server.url}/api/voice/interactions/${id}`, {
    headers: { authorization: `Bearer ${s.session.accessToken}` },
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('queue routing', () => {
  it('picks the longest idle Available agent of the queue, skipping Break, OnCall and other departments', async () => {
    const [a1, a2, a3, a4] = await Promise.all(['agent01', 'agent02', 'agent03', 'agent04'].map(session));
    const tech = await session('agent05');
    await mustSetState(tech, 'Available'); // idle longest of all, but another department
    tick();
    await mustSetState(a2!, 'Available');
    tick();
    await mustSetState(a1!, 'Available');
    tick();
    await mustSetState(a3!, 'Break', { reason: 'personal' });
    await mustSetState(a4!, 'Available');
    tick();

    expect(await route(server.url, '8001', 'r1')).toEqual({ status: 200, body: '1002\n20\n' });
    expect(await route(server.url, '8001', 'r2')).toEqual({ status: 200, body: '1001\n20\n' });
    expect(await route(server.url, '8001', 'r3')).toEqual({ status: 200, body: '1004\n20\n' });
    // agent02, 01, 04 are OnCall, 03 on Break, 05 in tech: nobody left for after-sales.
    expect(await route(server.url, '8001', 'r4')).toEqual({ status: 404, body: '' });
    expect((await statusOf(a2!)).state).toBe('OnCall');
    expect((await statusOf(a3!)).state).toBe('Break');
    expect((await statusOf(tech)).state).toBe('Available');

    // The refused call is recorded as abandoned, with no agent, in the queue's department.
    const sup = await session('super01');
    const records = await interactionsSeenBy(sup);
    const r4 = records.find((i) => i.callId === 'r4');
    expect(r4).toMatchObject({
      status: 'abandoned',
      agentId: null,
      queueNumber: '8001',
      direction: 'inbound',
    });
    expect(r4?.endAt).not.toBeNull();
    expect(records.find((i) => i.callId === 'r1')).toMatchObject({
      status: 'ringing',
      agentId: a2!.session.user.id,
    });

    // An agent returning from the call is idle from then on: behind those who waited.
    for (const [s, id] of [
      [a2!, 'r1'],
      [a1!, 'r2'],
      [a4!, 'r3'],
    ] as const) {
      await callEvent(server.url, id, 'answered');
      await callEvent(server.url, id, 'ended');
      tick();
      await mustSetState(s, 'Available');
    }
    expect((await route(server.url, '8001', 'r5')).body).toBe('1002\n20\n');
    // The caller gives up while it rings: the agent is free again at once.
    await callEvent(server.url, 'r5', 'abandoned');
    expect((await statusOf(a2!)).state).toBe('Available');
    expect((await historyOf(a2!))[0]).toMatchObject({ from: 'OnCall', to: 'Available', cause: 'call_ended' });
  });

  it('routes only to agents with the skill the queue needs', async () => {
    const noSkill = await session('agent06'); // its tech skill was removed
    const withSkill = await session('agent07');
    await mustSetState(noSkill, 'Available');
    tick();
    expect(await route(server.url, '8002', 's1')).toEqual({ status: 404, body: '' });
    await mustSetState(withSkill, 'Available');
    expect(await route(server.url, '8002', 's2')).toEqual({ status: 200, body: '1007\n20\n' });
    expect((await statusOf(noSkill)).state).toBe('Available');
    // Unknown queues get nothing.
    expect((await route(server.url, '8999', 's3')).status).toBe(404);
  });

  it('moves on to the next agent when the first does not answer, and puts that one on Break (missed call)', async () => {
    const a1 = await session('agent01');
    const a2 = await session('agent02');
    await mustSetState(a1, 'Available');
    tick();
    await mustSetState(a2, 'Available');
    tick();
    expect((await route(server.url, '8001', 'na1')).body).toBe('1001\n20\n');
    const missed = await callEvent(server.url, 'na1', 'no_answer');
    expect(missed.status).toBe(200);
    expect((await statusOf(a1)).state).toBe('Break');
    expect((await statusOf(a1)).reason).toBe('missed_call');
    expect((await historyOf(a1))[0]).toMatchObject({ from: 'OnCall', to: 'Break', cause: 'no_answer' });

    // Kamailio asks again for the same call: the next agent.
    expect((await route(server.url, '8001', 'na1')).body).toBe('1002\n20\n');
    // A repeated request (a retransmitted INVITE routed twice) does not move the call.
    expect((await route(server.url, '8001', 'na1')).body).toBe('1002\n20\n');
    expect((await statusOf(a2)).state).toBe('OnCall');
    // The PBX's failure route says agent02 did not take it either: nobody is left.
    expect((await route(server.url, '8001', 'na1', '13800138000', true)).status).toBe(404);
    expect((await statusOf(a2)).reason).toBe('missed_call');
    const record = (await interactionsSeenBy(a1)).find((i) => i.callId === 'na1');
    expect(record?.status).toBe('abandoned');
  });

  it('treats an offer not answered within the ring timeout as missed, and a call nobody re-routes as abandoned', async () => {
    const agent = await session('agent09');
    await mustSetState(agent, 'Available');
    expect((await route(server.url, '8003', 'rt1')).body).toBe('1009\n1\n');
    const missed = await until(async () => {
      const s = await statusOf(agent);
      return s.state === 'Break' ? s : undefined;
    });
    expect(missed.reason).toBe('missed_call');
    expect((await historyOf(agent))[0]).toMatchObject({ from: 'OnCall', to: 'Break', cause: 'no_answer' });
    const record = await until(async () => {
      const r = (await interactionsSeenBy(agent)).find((i) => i.callId === 'rt1');
      return r?.status === 'abandoned' ? r : undefined;
    });
    expect(record.endAt).not.toBeNull();
  });

  it('records the call: customer matched by normalised number, answer, hold and end times; synced to the department', async () => {
    const agent = await session('agent03');
    const billing = await session('agent09');
    await mustSetState(agent, 'Available');
    const national = customer.phone.replace(/^\+86/, ''); // as a CN gateway presents it
    const ringAt = server.clock.now.toISOString();
    expect((await route(server.url, '8001', 'rec1', national)).body).toBe('1003\n20\n');
    tick(5_000);
    const answerAt = server.clock.now.toISOString();
    await callEvent(server.url, 'rec1', 'answered');
    tick(10_000);
    await callEvent(server.url, 'rec1', 'hold');
    tick(30_000);
    await callEvent(server.url, 'rec1', 'resume');
    tick(20_000);
    const endAt = server.clock.now.toISOString();
    await callEvent(server.url, 'rec1', 'ended');

    const id = (await historyOf(agent)).find((c) => c.cause === 'call_offered')!.interactionId!;
    const got = await getInteraction(agent, id);
    expect(got.status).toBe(200);
    expect(Interaction.parse(got.body)).toMatchObject({
      callId: 'rec1',
      callerNumber: customer.phone,
      calleeNumber: '8001',
      customerId: customer.id,
      agentId: agent.session.user.id,
      status: 'ended',
      ringAt,
      answerAt,
      endAt,
      holdSeconds: 30,
    });
    // The department's replicas get it; another department's do not, and cannot read it.
    expect((await interactionsSeenBy(agent)).some((i) => i.id === id)).toBe(true);
    expect((await interactionsSeenBy(billing)).some((i) => i.id === id)).toBe(false);
    expect((await getInteraction(billing, id)).status).toBe(404);
  });

  it('answers an event the PBX sends again after the call ended as done, changing nothing', async () => {
    // Kamailio asks again when an answer was lost (the node that applied it died before answering).
    const agent = await session('agent04');
    await mustSetState(agent, 'Available');
    expect((await route(server.url, '8001', 'again1')).status).toBe(200);
    await callEvent(server.url, 'again1', 'answered');
    expect((await callEvent(server.url, 'again1', 'ended')).status).toBe(200);
    const wrapUp = await statusOf(agent);
    expect(wrapUp.state).toBe('WrapUp');
    const again = await callEvent(server.url, 'again1', 'ended');
    expect(again.status).toBe(200);
    expect((again.body.status as { state: string }).state).toBe('WrapUp');
    expect(await statusOf(agent)).toEqual(wrapUp);
    // The agent may repeat it too; someone of another department still cannot tell the Call-ID exists.
    const own = await request(agent.socket, VoiceSocketEvents.callEvent, {
      callId: 'again1',
      event: 'ended',
    });
    expect(own.ok).toBe(true);
    const billing = await session('agent09');
    const other = await request(billing.socket, VoiceSocketEvents.callEvent, {
      callId: 'again1',
      event: 'ended',
    });
    expect(other).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // A Call-ID that never was is still unknown.
    expect((await callEvent(server.url, 'never-was', 'ended')).status).toBe(404);
    await mustSetState(agent, 'Available');
  });

  it('takes the wrap-up as an interaction.complete mutation from the agent who took the call', async () => {
    const agent = await session('agent04');
    const colleague = await session('agent01');
    await mustSetState(agent, 'Available');
    expect((await route(server.url, '8001', 'wrap1')).body).toBe('1004\n20\n');
    const interactionId = (await statusOf(agent)).interactionId!;
    await callEvent(server.url, 'wrap1', 'answered');
    await callEvent(server.url, 'wrap1', 'ended');

    const { changes } = await pullAll(agent.socket);
    const ticket = (changes as Change[]).find((c) => c.kind === 'ticket' && c.op === 'upsert');
    const otherDeptTicket = (await pullAll((await session('agent09')).socket)).changes.find(
      (c) => c.kind === 'ticket' && c.op === 'upsert',
    );
    if (ticket?.kind !== 'ticket' || ticket.op !== 'upsert') throw new Error('no ticket');
    if (otherDeptTicket?.kind !== 'ticket' || otherDeptTicket.op !== 'upsert') throw new Error('no ticket');

    const complete = (ticketId: string | null): Mutation => ({
      id: uuidv7(),
      name: 'interaction.complete',
      args: { interactionId, disposition: 'resolved', notes: '已处理退款', ticketId },
    });
    const push = async (s: AgentSession, m: Mutation) => {
      const ack = await request<unknown>(s.socket, SocketEvents.push, { mutations: [m] });
      if (!ack.ok) throw new Error(ack.error.message);
      return PushResponse.parse(ack.data).results[0]!;
    };
    expect(await push(colleague, complete(null))).toMatchObject({
      status: 'rejected',
      error: { code: 'forbidden' },
    });
    expect(await push(agent, complete(otherDeptTicket.data.id))).toMatchObject({
      status: 'rejected',
      error: { code: 'bad_request' },
    });
    const ok = await push(agent, complete(ticket.data.id));
    expect(ok.status).toBe('applied');
    const record = (await interactionsSeenBy(colleague)).find((i) => i.id === interactionId);
    expect(record).toMatchObject({
      disposition: 'resolved',
      notes: '已处理退款',
      ticketId: ticket.data.id,
      version: ok.version,
    });
    expect(record?.completedAt).not.toBeNull();
  });

  it('gives each agent their own SIP credentials only', async () => {
    const a1 = await session('agent01');
    const a12 = await session('agent12');
    const get = async (s: AgentSession) => {
      const res = await fetch(`${server.url}/api/voice/credentials`, {
        headers: { authorization: `Bearer ${s.session.accessToken}` },
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const c1 = VoiceCredentials.parse((await get(a1)).body);
    const c12 = VoiceCredentials.parse((await get(a12)).body);
    expect([c1.extension, c12.extension]).toEqual(['1001', '1012']);
    expect(c1.password).not.toBe(c12.password);
    expect(c1.password.length).toBeGreaterThanOrEqual(20);
    expect(c1).toMatchObject({ wsUrl: null, domain: null }); // this server runs without a PBX
    expect((await fetch(`${server.url}/api/voice/credentials`)).status).toBe(401);
    const sup = await session('super01');
    expect((await get(sup)).status).toBe(404);
  });
});

describe('who may ask for routing', () => {
  it('with a shared secret configured, only requests carrying it', async () => {
    const guarded = await startTestServer({ tickets: 50, customers: 20, pbxSecret: 'kamailio-secret' });
    try {
      const url = `${guarded.url}/api/voice/route?queue=8001&caller=1&callid=x`;
      expect((await fetch(url)).status).toBe(403);
      expect((await fetch(url, { headers: { 'x-switchboard-pbx-secret': 'wrong' } })).status).toBe(403);
      const ok = await fetch(url, { headers: { 'x-switchboard-pbx-secret': 'kamailio-secret' } });
      expect(ok.status).toBe(404); // allowed; nobody is available
      const events = await fetch(`${guarded.url}/api/voice/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ callId: 'x', event: 'ended' }),
      });
      expect(events.status).toBe(401);
    } finally {
      await guarded.stop();
    }
  });

  it('without a secret, nobody: not even loopback (any web page can make the browser call 127.0.0.1)', () => {
    const req = (remoteAddress: string) => ({ socket: { remoteAddress }, headers: {} }) as unknown as Request;
    expect(pbxAllowed(req('127.0.0.1'), undefined)).toBe(false);
    expect(pbxAllowed(req('::ffff:127.0.0.1'), undefined)).toBe(false);
    expect(pbxAllowed(req('10.0.0.7'), undefined)).toBe(false);
    expect(pbxAllowed(req('127.0.0.1'), 's3cret')).toBe(false);
  });
});
