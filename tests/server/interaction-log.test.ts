// interaction.log: calls a desktop recorded itself, pushed over the real sync socket of a real server.
import { untilChained } from './audit-wait';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PushResponse,
  SocketEvents,
  type Change,
  type Interaction,
  type InteractionLog,
  type Mutation,
  type MutationResult,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { normalisePhone } from '../../src/shared/phone';
import { pullAll, request, startTestServer, type TestServer } from './helpers';
import { agentSessions, callEvent, mustSetState, route, statusOf, type AgentSession } from './voice-helpers';

let server: TestServer;
const { session, closeAll, tick } = agentSessions(() => server);
let customer: { id: string; phone: string };

beforeAll(async () => {
  server = await startTestServer({ tickets: 200, customers: 100, voice: { offlineGraceMs: 200 } });
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
      .execute();
    const row = rows.find((r) => normalisePhone(r.phone!.replace(/^\+86/, '')) === r.phone)!;
    customer = { id: row.id, phone: row.phone! };
  } finally {
    await db.destroy();
  }
});
afterEach(async () => {
  closeAll();
  await new Promise((r) => setTimeout(r, 250));
});
afterAll(async () => server?.stop());

const at = (offsetSeconds: number) =>
  new Date(server.clock.now.getTime() + offsetSeconds * 1000).toISOString();

function callLog(over: Partial<InteractionLog> = {}): InteractionLog {
  return {
    interactionId: uuidv7(),
    callId: `direct-${uuidv7()}`,
    direction: 'inbound',
    callerNumber: '13800138000',
    calleeNumber: '1001',
    queueNumber: null,
    ringAt: at(-300),
    answerAt: at(-290),
    endAt: at(-60),
    holdSeconds: 15,
    ...over,
  };
}

async function push(s: AgentSession, ...mutations: Mutation[]): Promise<MutationResult[]> {
  const ack = await request<unknown>(s.socket, SocketEvents.push, { mutations });
  if (!ack.ok) throw new Error(ack.error.message);
  return PushResponse.parse(ack.data).results;
}

const logged = (args: InteractionLog, id = uuidv7()): Mutation => ({ id, name: 'interaction.log', args });

async function callsOf(s: AgentSession, callId: string): Promise<Interaction[]> {
  const { changes } = await pullAll(s.socket);
  return (changes as Change[]).flatMap((c) =>
    c.kind === 'interaction' && c.data.callId === callId ? [c.data] : [],
  );
}

async function auditOf(subjectId: string) {
  const db = openDatabase(server.dbPath);
  try {
    await untilChained(db); // records are chained shortly after commit (audit/README.md)
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ action: r.action, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  } finally {
    await db.destroy();
  }
}

describe('interaction.log', () => {
  it("records a call nobody routed as the agent's own, numbers normalised and the customer matched", async () => {
    const agent = await session('agent01');
    const colleague = await session('agent02');
    const args = callLog({ callerNumber: customer.phone.replace(/^\+86/, '') });
    const [result] = await push(agent, logged(args));
    expect(result).toMatchObject({ status: 'applied', version: expect.any(Number) });

    const [record] = await callsOf(colleague, args.callId);
    expect(record).toEqual({
      id: args.interactionId,
      callId: args.callId,
      direction: 'inbound',
      callerNumber: customer.phone,
      calleeNumber: '1001',
      queueNumber: null,
      departmentId: agent.session.user.departmentId,
      agentId: agent.session.user.id,
      customerId: customer.id,
      status: 'ended',
      ringAt: args.ringAt,
      answerAt: args.answerAt,
      endAt: args.endAt,
      holdSeconds: 15,
      disposition: null,
      notes: null,
      ticketId: null,
      completedAt: null,
      version: result!.version,
    });
    // An outbound call the customer did not pick up: matched by the number dialled.
    const out = callLog({
      direction: 'outbound',
      callerNumber: '1001',
      calleeNumber: customer.phone,
      answerAt: null,
    });
    await push(agent, logged(out));
    expect((await callsOf(agent, out.callId))[0]).toMatchObject({
      customerId: customer.id,
      status: 'abandoned',
    });
    expect(await auditOf(args.interactionId)).toEqual([
      {
        action: 'interaction.log.applied',
        detail: {
          mutationId: expect.any(String),
          callId: args.callId,
          direction: 'inbound',
          ringAt: args.ringAt,
          answerAt: args.answerAt,
          endAt: args.endAt,
        },
      },
    ]);
  });

  it('is idempotent by interactionId: a replay, under the same or a new mutation id, changes nothing', async () => {
    const agent = await session('agent01');
    const args = callLog();
    const m = logged(args);
    const [first] = await push(agent, m);
    expect(await push(agent, m)).toEqual([first]);
    const [again] = await push(agent, logged({ ...args, endAt: at(-30), holdSeconds: 99 }));
    expect(again).toEqual({ id: expect.any(String), status: 'applied', version: first!.version });
    expect(await callsOf(agent, args.callId)).toEqual([
      expect.objectContaining({
        id: args.interactionId,
        endAt: args.endAt,
        holdSeconds: 15,
        version: first!.version,
      }),
    ]);
  });

  it('refuses what is not the agent’s to record', async () => {
    const agent = await session('agent01');
    const colleague = await session('agent02');
    const admin = await session('admin');
    const theirs = callLog();
    await push(colleague, logged(theirs));
    const refusals = await push(
      agent,
      // A call the service recorded for a colleague.
      logged(callLog({ callId: theirs.callId })),
      // The colleague's record's id, for another call.
      logged(callLog({ interactionId: theirs.interactionId })),
      // Another department's queue.
      logged(callLog({ queueNumber: '8002' })),
      // Ends before it rang.
      logged(callLog({ answerAt: null, endAt: at(-400) })),
    );
    expect(refusals.map((r) => [r.status, r.error?.code])).toEqual([
      ['rejected', 'conflict'],
      ['rejected', 'conflict'],
      ['rejected', 'forbidden'],
      ['rejected', 'bad_request'],
    ]);
    // Someone without a department has no calls of their own to record.
    expect((await push(admin, logged(callLog())))[0]?.error?.code).toBe('forbidden');
    expect(await callsOf(colleague, theirs.callId)).toEqual([
      expect.objectContaining({ id: theirs.interactionId, agentId: colleague.session.user.id }),
    ]);
  });

  it('merges into the record of a queue call the service routed, and a wrap-up naming the desktop’s id reaches it', async () => {
    const agent = await session('agent03');
    await mustSetState(agent, 'Available');
    const ringAt = server.clock.now.toISOString();
    expect((await route(server.url, '8001', 'merge-ended')).body).toMatch(/^1003\n\d+\n$/);
    tick(4_000);
    await callEvent(server.url, 'merge-ended', 'answered');
    tick(60_000);
    await callEvent(server.url, 'merge-ended', 'ended');
    const [routed] = await callsOf(agent, 'merge-ended');

    // The desktop did not see the record arrive and logged the call itself, with its own clock.
    const args = callLog({
      callId: 'merge-ended',
      queueNumber: '8001',
      ringAt: at(-70),
      answerAt: at(-65),
      endAt: at(-1),
      holdSeconds: 20,
    });
    const [applied] = await push(agent, logged(args));
    expect(applied?.status).toBe('applied');
    const records = await callsOf(agent, 'merge-ended');
    expect(records).toEqual([
      // One record: the service's times stand, the desktop adds the hold it counted.
      { ...routed, holdSeconds: 20, version: applied!.version },
    ]);
    expect(records[0]).toMatchObject({ ringAt, status: 'ended' });

    const [wrapped] = await push(agent, {
      id: uuidv7(),
      name: 'interaction.complete',
      args: { interactionId: args.interactionId, disposition: 'resolved', notes: '', ticketId: null },
    });
    expect(wrapped?.status).toBe('applied');
    expect((await callsOf(agent, 'merge-ended'))[0]).toMatchObject({
      id: routed!.id,
      disposition: 'resolved',
    });
    expect(
      (await auditOf(args.interactionId)).map((a) => [
        a.action,
        a.detail['mergedInto'] ?? a.detail['resolvedTo'],
      ]),
    ).toEqual([
      ['interaction.log.applied', routed!.id],
      ['interaction.complete.applied', routed!.id],
    ]);
  });

  it('links a call from an unknown number to the customer the agent made of the caller, at the wrap-up', async () => {
    const agent = await session('agent02');
    await mustSetState(agent, 'Available');
    const caller = '13012345678';
    expect((await route(server.url, '8001', 'new-caller', caller)).body).toMatch(/^1002\n\d+\n$/);
    await callEvent(server.url, 'new-caller', 'answered');
    tick(30_000);
    await callEvent(server.url, 'new-caller', 'ended');
    const [routed] = await callsOf(agent, 'new-caller');
    expect(routed).toMatchObject({ callerNumber: '+8613012345678', customerId: null });

    // During the call the agent made a customer of the caller; the wrap-up names them.
    const customerId = uuidv7();
    const results = await push(
      agent,
      {
        id: uuidv7(),
        name: 'customer.create',
        args: {
          customerId,
          name: '新客户',
          phone: '+8613012345678',
          email: null,
          company: null,
          language: 'zh-CN',
          createdAt: at(-5),
        },
      },
      {
        id: uuidv7(),
        name: 'interaction.complete',
        args: { interactionId: routed!.id, disposition: 'resolved', notes: '', customerId },
      },
    );
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const colleague = await session('agent01');
    expect((await callsOf(colleague, 'new-caller'))[0]).toMatchObject({
      customerId,
      disposition: 'resolved',
    });

    // A call keeps the customer it has: a later wrap-up naming someone else, or no one known, changes only
    // the wrap-up.
    const again = await push(
      agent,
      {
        id: uuidv7(),
        name: 'interaction.complete',
        args: { interactionId: routed!.id, disposition: 'callback', notes: 'n', customerId: customer.id },
      },
      {
        id: uuidv7(),
        name: 'interaction.complete',
        args: { interactionId: routed!.id, disposition: 'escalated', notes: 'm', customerId: uuidv7() },
      },
    );
    expect(again.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect((await callsOf(agent, 'new-caller'))[0]).toMatchObject({ customerId, disposition: 'escalated' });
    expect((await auditOf(routed!.id)).map((a) => a.detail['customerLinked'] ?? null)).toEqual([
      customerId,
      null,
      null,
    ]);
  });

  it('ends a call the service still thinks live with the desktop’s times, and moves the agent on', async () => {
    const agent = await session('agent04');
    await mustSetState(agent, 'Available');
    expect((await route(server.url, '8001', 'live-answered')).body).toMatch(/^1004\n\d+\n$/);
    await callEvent(server.url, 'live-answered', 'answered');
    tick(90_000);
    // The hang-up never reached the service (the desktop was offline); the log says when it was.
    const args = callLog({ callId: 'live-answered', queueNumber: '8001', answerAt: at(-85), endAt: at(-5) });
    expect((await push(agent, logged(args)))[0]?.status).toBe('applied');
    expect((await callsOf(agent, 'live-answered'))[0]).toMatchObject({ status: 'ended', endAt: args.endAt });
    expect(await statusOf(agent)).toMatchObject({ state: 'WrapUp' });
    expect(server.voice.activeCalls().map((c) => c.callId)).not.toContain('live-answered');
    // A late end event from the PBX is answered as done and moves nothing.
    expect((await callEvent(server.url, 'live-answered', 'ended')).status).toBe(200);
    expect(await statusOf(agent)).toMatchObject({ state: 'WrapUp' });

    // Still ringing here, but the desktop talked on it: its answer counts.
    await mustSetState(agent, 'Available');
    expect((await route(server.url, '8001', 'live-ringing')).body).toMatch(/^1004\n\d+\n$/);
    tick(30_000);
    const ringing = callLog({
      callId: 'live-ringing',
      queueNumber: '8001',
      answerAt: at(-28),
      endAt: at(-2),
    });
    await push(agent, logged(ringing));
    expect((await callsOf(agent, 'live-ringing'))[0]).toMatchObject({
      status: 'ended',
      answerAt: ringing.answerAt,
      endAt: ringing.endAt,
    });
    expect(await statusOf(agent)).toMatchObject({ state: 'WrapUp' });
  });
});
