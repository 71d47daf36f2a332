// The supervisors' live view on the sync socket: counts from real routed calls, who sees what, seq and snapshots,
// and supervisors' messages to desktops.
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SupervisorDelta,
  SupervisorMessage,
  SupervisorSnapshot,
  SupervisorSocketEvents,
  PBX_SECRET_HEADER,
  REST,
  VoiceSocketEvents,
  WaitingCallList,
  type AgentLive,
  type QueueLive,
} from '../../src/shared';
import { request, startTestServer, TEST_PBX_SECRET, type TestServer } from './helpers';
import { agentSessions, callEvent, mustSetState, route, statusOf, until } from './voice-helpers';

let server: TestServer;
const { session, closeAll, tick } = agentSessions(() => server);

beforeAll(async () => {
  server = await startTestServer({
    tickets: 60,
    customers: 40,
    voice: { offlineGraceMs: 200 },
    // agent03 of after-sales lacks its skill: routing never offers them a queue call, a supervisor may.
    prepare: async (db) => {
      const u = await db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'agent03')
        .executeTakeFirstOrThrow();
      await db
        .deleteFrom('agent_skills')
        .where('user_id', '=', u.id)
        .where('skill', '=', 'aftersales')
        .execute();
    },
  });
});
afterEach(() => closeAll());
afterAll(async () => {
  await server.stop();
});

/** A subscribed socket: its snapshot, and the view kept up from every delta it was pushed. */
interface Watcher {
  snapshot: SupervisorSnapshot;
  deltas: SupervisorDelta[];
  queues: Map<string, QueueLive>;
  agents: Map<string, AgentLive>;
}

async function watch(socket: Socket, departmentIds?: string[]): Promise<Watcher> {
  const deltas: SupervisorDelta[] = [];
  const w: Watcher = { snapshot: undefined!, deltas, queues: new Map(), agents: new Map() };
  socket.on(SupervisorSocketEvents.delta, (d: unknown) => {
    const delta = SupervisorDelta.parse(d);
    deltas.push(delta);
    for (const q of delta.queues) w.queues.set(q.number, q);
    for (const a of delta.agents) w.agents.set(a.userId, a);
  });
  const ack = await request<unknown>(
    socket,
    SupervisorSocketEvents.subscribe,
    departmentIds ? { departmentIds } : {},
  );
  if (!ack.ok) throw new Error(`subscribe failed: ${ack.error.code} ${ack.error.message}`);
  w.snapshot = SupervisorSnapshot.parse(ack.data);
  for (const q of w.snapshot.queues) w.queues.set(q.number, q);
  for (const a of w.snapshot.agents) w.agents.set(a.userId, a);
  return w;
}

describe('supervisor live view', () => {
  it('refuses an agent, and shows a supervisor only their own department', async () => {
    const agent = await session('agent01');
    const ack = await request<unknown>(agent.socket, SupervisorSocketEvents.subscribe, {});
    expect(ack.ok).toBe(false);
    if (!ack.ok) expect(ack.error.code).toBe('forbidden');

    const sup2 = await session('super02'); // technical support
    const w = await watch(sup2.socket);
    expect(w.snapshot.queues.map((q) => q.number)).toEqual(['8002']);
    expect(new Set(w.snapshot.agents.map((a) => a.departmentId))).toEqual(
      new Set([sup2.session.user.departmentId]),
    );
    expect(w.snapshot.departments.map((d) => d.departmentId)).toEqual([sup2.session.user.departmentId]);
    // Asking for another department is refused, not quietly narrowed.
    const sup1 = await session('super01');
    const other = await request<unknown>(sup2.socket, SupervisorSocketEvents.subscribe, {
      departmentIds: [sup1.session.user.departmentId],
    });
    expect(other.ok).toBe(false);

    // An after-sales call and agent change reach super01's view, never super02's.
    const a1 = await session('agent01');
    await mustSetState(a1, 'Available');
    expect((await route(server.url, '8001', 'iso-call-1')).status).toBe(200);
    const w1 = await watch(sup1.socket);
    await until(() => (w1.queues.get('8001')!.offered >= 1 ? true : undefined));
    await callEvent(server.url, 'iso-call-1', 'abandoned');
    await until(() => (w1.queues.get('8001')!.abandoned >= 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    for (const d of w.deltas) {
      expect(d.queues.map((q) => q.number)).not.toContain('8001');
      expect(d.agents.map((a) => a.userId)).not.toContain(a1.session.user.id);
    }
  });

  it("shows a supervisor's note with the state they set, and an agent whose phone is not registered", async () => {
    const sup = await session('super01');
    const w = await watch(sup.socket);
    const a5 = await session('agent04');
    const id = a5.session.user.id;
    await mustSetState(a5, 'Available');
    const version = (await statusOf(sup, id)).version;
    const ack = await request<unknown>(sup.socket, VoiceSocketEvents.setState, {
      userId: id,
      state: 'Break',
      reason: 'training',
      note: 'Coaching with Li at 3 pm',
      version,
    });
    expect(ack.ok).toBe(true);
    await until(() => (w.agents.get(id)?.state === 'Break' ? true : undefined));
    expect(w.agents.get(id)).toMatchObject({ reason: 'training', note: 'Coaching with Li at 3 pm' });

    // Back to Available with no phone: the row says the agent takes no calls (chat and tickets only).
    expect((await request<unknown>(a5.socket, VoiceSocketEvents.phone, { registered: false })).ok).toBe(true);
    await mustSetState(a5, 'Available');
    await until(() =>
      w.agents.get(id)?.state === 'Available' && w.agents.get(id)?.phoneRegistered === false
        ? true
        : undefined,
    );
    expect(w.agents.get(id)?.note).toBeNull();
    await mustSetState(a5, 'Offline');
  });

  it('stops pushing to a supervisor whose session ended', async () => {
    const sup = await session('super01');
    const w = await watch(sup.socket);
    const a4 = await session('agent04');
    await mustSetState(a4, 'Break', { reason: 'lunch' });
    await until(() => (w.agents.get(a4.session.user.id)?.state === 'Break' ? true : undefined));
    const out = await fetch(`${server.url}${REST.logout}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: sup.session.refreshToken }),
    });
    expect(out.ok).toBe(true);
    await server.supervisor.hub.recheck();
    const seen = w.deltas.length;
    await mustSetState(a4, 'Offline');
    await new Promise((r) => setTimeout(r, 400));
    expect(w.deltas.length).toBe(seen);
    expect(w.agents.get(a4.session.user.id)?.state).toBe('Break');
  });

  it('counts routed calls answered within and after the threshold and abandoned ones, in seq order', async () => {
    const sup = await session('super01');
    const w = await watch(sup.socket);
    const base = w.queues.get('8001')!;
    const a2 = await session('agent02');
    const a4 = await session('agent04');
    const a1 = await session('agent01');
    await mustSetState(a2, 'Available');
    await mustSetState(a4, 'Available');
    await mustSetState(a1, 'Available');

    // Answered after 5 s, talked 60 s, wrapped up 10 s.
    expect((await route(server.url, '8001', 'sl-call-1', '13800138001')).status).toBe(200);
    tick(5000);
    await callEvent(server.url, 'sl-call-1', 'answered');
    // While ringing/talking the agent's row carries the call with its caller.
    const onCall = await until(() =>
      [...w.agents.values()].find((a) => a.call?.interactionId && a.call.answeredAt !== null),
    );
    expect(onCall.state).toBe('OnCall');
    expect(onCall.call!.callerNumber).toBe('+8613800138001');
    tick(60_000);
    await callEvent(server.url, 'sl-call-1', 'ended');
    tick(10_000);
    const s1 = [a1, a2, a4].find((s) => s.session.user.id === onCall.userId)!;
    await mustSetState(s1, 'Available');

    // Answered after 30 s (outside 20 s), talked 20 s, wrapped up 5 s.
    expect((await route(server.url, '8001', 'sl-call-2', '13800138002')).status).toBe(200);
    tick(30_000);
    await callEvent(server.url, 'sl-call-2', 'answered');
    tick(20_000);
    await callEvent(server.url, 'sl-call-2', 'ended');
    tick(5000);
    const second = await until(() =>
      [...w.agents.values()].find((a) => a.state === 'WrapUp' && a.call?.callerNumber === '+8613800138002'),
    );
    await mustSetState(
      [a1, a2, a4].find((s) => s.session.user.id === second.userId)!,
      'Available',
    );

    // The caller hangs up after 3 s of ringing.
    expect((await route(server.url, '8001', 'sl-call-3', '13800138003')).status).toBe(200);
    tick(3000);
    await callEvent(server.url, 'sl-call-3', 'abandoned');

    const q = await until(() => {
      const v = w.queues.get('8001')!;
      return v.offered === base.offered + 3 &&
        v.abandoned === base.abandoned + 1 &&
        v.avgHandleSeconds !== null
        ? v
        : undefined;
    });
    expect(q.answered).toBe(base.answered + 2);
    expect(q.answeredWithinThreshold).toBe(base.answeredWithinThreshold + 1);
    expect(q.serviceLevelSeconds).toBe(20);
    // The first test's abandoned call is in this queue's day too: the base counts it.
    expect(q.serviceLevel).toBeCloseTo(q.answeredWithinThreshold / q.offered, 6);
    expect(q.avgSpeedOfAnswerSeconds).toBeCloseTo((5 + 30) / 2, 3);
    expect(q.avgHandleSeconds).toBeCloseTo((70 + 25) / 2, 3);
    expect(q.agents.available).toBe(3);
    // The queue's threshold and target are its settings (migration 0026), 20 s / 80 % unless changed.
    expect(q.serviceLevelTarget).toBe(0.8);

    // Deltas numbered 1, 2, 3... without a gap.
    expect(w.deltas.map((d) => d.seq)).toEqual(w.deltas.map((_, i) => i + 1));

    // A reconnect gets a fresh snapshot with the same counts, numbered from 0 again.
    sup.socket.close();
    const again = await session('super01');
    const w2 = await watch(again.socket);
    expect(w2.snapshot.seq).toBe(0);
    expect(w2.queues.get('8001')).toEqual(q);
  });

  it('shows callers waiting, lists them, lets a supervisor hand one to an agent, and counts one who hangs up', async () => {
    const wait = async (callId: string) => {
      const res = await fetch(
        `${server.url}/api/voice/route?queue=8001&caller=13800138009&callid=${callId}&wait=1`,
        { headers: { [PBX_SECRET_HEADER]: TEST_PBX_SECRET } },
      );
      return res.text();
    };
    const sup = await session('super01');
    const w = await watch(sup.socket);
    const base = w.queues.get('8001')!;
    // The last test's agents go Offline only after the grace period: take them out now, or they take wq-2.
    for (const name of ['agent02', 'agent04']) await mustSetState(await session(name), 'Offline');
    const a1 = await session('agent01');
    await mustSetState(a1, 'Available');
    expect(await wait('wq-1')).toMatch(/^\d+\n/); // agent01 rings
    expect(await wait('wq-2')).toMatch(/^wait\n1\n/); // nobody else: the caller waits
    const waiting = await until(() =>
      w.queues.get('8001')!.waiting === 1 ? w.queues.get('8001') : undefined,
    );
    expect(waiting.oldestWaitingSince).not.toBeNull();
    const listed = await request<unknown>(sup.socket, SupervisorSocketEvents.waiting, {});
    expect(listed.ok && WaitingCallList.parse(listed.data).calls.map((c) => c.callId)).toEqual(['wq-2']);

    // Another department's supervisor neither sees nor moves it.
    const sup2 = await session('super02');
    const theirs = await request<unknown>(sup2.socket, SupervisorSocketEvents.waiting, {});
    expect(theirs.ok && WaitingCallList.parse(theirs.data).calls).toEqual([]);
    const a3 = await session('agent03');
    await mustSetState(a3, 'Available');
    const stolen = await request<unknown>(sup2.socket, SupervisorSocketEvents.assignCall, {
      callId: 'wq-2',
      userId: a3.session.user.id,
    });
    expect(stolen.ok).toBe(false);

    // super01 gives it to agent03 (no queue skill, so routing would not): the caller's next poll rings them.
    const assigned = await request<unknown>(sup.socket, SupervisorSocketEvents.assignCall, {
      callId: 'wq-2',
      userId: a3.session.user.id,
    });
    expect(assigned.ok).toBe(true);
    const ext = w.agents.get(a3.session.user.id)!.extension!;
    expect(await wait('wq-2')).toMatch(new RegExp(`^${ext}\n`));
    await until(() => (w.queues.get('8001')!.waiting === 0 ? true : undefined));
    await until(() => (w.agents.get(a3.session.user.id)?.state === 'OnCall' ? true : undefined));

    // A third caller waits and hangs up: abandoned, and nobody waits any more.
    expect(await wait('wq-3')).toMatch(/^wait\n/);
    await until(() => (w.queues.get('8001')!.waiting === 1 ? true : undefined));
    await callEvent(server.url, 'wq-3', 'abandoned');
    const q = await until(() => {
      const v = w.queues.get('8001')!;
      return v.waiting === 0 && v.abandoned === base.abandoned + 1 ? v : undefined;
    });
    expect(q.offered).toBe(base.offered + 3);
    for (const id of ['wq-1', 'wq-2']) await callEvent(server.url, id, 'abandoned');
  });

  it('delivers a supervisor message to the agent it names, or to the whole department, and nobody else', async () => {
    const sup = await session('super01');
    const a1 = await session('agent01');
    const a2 = await session('agent02');
    const a5 = await session('agent05'); // technical support
    const got = new Map<string, SupervisorMessage[]>();
    for (const s of [a1, a2, a5]) {
      const list: SupervisorMessage[] = [];
      got.set(s.session.user.username, list);
      s.socket.on(SupervisorSocketEvents.notice, (m: unknown) => list.push(SupervisorMessage.parse(m)));
    }
    const one = await request<unknown>(sup.socket, SupervisorSocketEvents.message, {
      toUserId: a2.session.user.id,
      text: 'Please take the next escalation.',
    });
    expect(one.ok).toBe(true);
    const all = await request<unknown>(sup.socket, SupervisorSocketEvents.message, {
      toDepartmentId: sup.session.user.departmentId,
      text: 'Team meeting at 3.',
    });
    expect(all.ok).toBe(true);
    await until(() =>
      got.get('agent01')!.length === 1 && got.get('agent02')!.length === 2 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(got.get('agent01')!.map((m) => m.text)).toEqual(['Team meeting at 3.']);
    expect(got.get('agent02')!.map((m) => m.text)).toEqual([
      'Please take the next escalation.',
      'Team meeting at 3.',
    ]);
    expect(got.get('agent05')).toEqual([]);

    // Another department's agent is not found for this supervisor; agents cannot send.
    const refused = await request<unknown>(sup.socket, SupervisorSocketEvents.message, {
      toUserId: a5.session.user.id,
      text: 'hello',
    });
    expect(refused.ok).toBe(false);
    const byAgent = await request<unknown>(a1.socket, SupervisorSocketEvents.message, {
      toDepartmentId: a1.session.user.departmentId,
      text: 'hi all',
    });
    expect(byAgent.ok).toBe(false);
    expect(got.get('agent05')).toEqual([]);
  });
});
