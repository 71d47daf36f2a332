// Voice on two service nodes sharing one PostgreSQL database (src/server/voice/README.md, "Several nodes"):
// routing requests and call events may reach either node; agent states are one truth wherever a desktop or a
// supervisor is connected; when the node owning routing dies, the other routes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/app';
import { startSecondNode, startTestServer, TEST_DIALECT, type TestServer } from './helpers';
import {
  callEvent,
  mustSetState,
  route,
  setState,
  signIn,
  statusOf,
  until,
  type AgentSession,
} from './voice-helpers';
import { request } from './helpers';
import {
  PushResponse,
  SocketEvents,
  VoiceSocketEvents,
  type AgentStatus,
  type InteractionLog,
} from '../../src/shared';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from '../../src/server/db/open';
import { ROUTING_LOCK_KEY } from '../../src/server/voice/voice-cluster';

describe.runIf(TEST_DIALECT === 'postgres')('voice on two nodes', () => {
  let a: TestServer;
  let b: RunningServer & { url: string };
  let aDown = false;
  let c: (RunningServer & { url: string }) | undefined;
  let bDown = false;
  const open: AgentSession[] = [];
  const session = async (url: string, username: string) => {
    const s = await signIn(url, username);
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    // Node A starts first and owns routing; node B shares its database.
    a = await startTestServer({ tickets: 50, customers: 20 });
    b = await startSecondNode(a);
  });
  afterEach(async () => {
    // Every agent back to Offline through whichever node still runs, so the next test starts alike.
    for (const s of open) {
      if (s.session.user.role !== 'agent' || !s.socket.connected) continue;
      const st = await statusOf(s);
      if (st.state !== 'Offline' && st.state !== 'OnCall' && st.state !== 'WrapUp')
        await mustSetState(s, 'Offline');
    }
    for (const s of open.splice(0)) s.socket.close();
  });
  afterAll(async () => {
    await c?.close();
    if (!bDown) await b?.close();
    if (aDown) await a?.store.drop();
    else await a?.stop();
  });

  it('never offers one agent two calls routed at once through both nodes', async () => {
    // agent01's desktop is on both nodes (a second window, or one that just moved): either may be asked.
    const onA = await session(a.url, 'agent01');
    const onB = await session(b.url, 'agent01');
    await mustSetState(onA, 'Available');
    await mustSetState(onB, 'Available');
    const others = [await session(b.url, 'agent02'), await session(a.url, 'agent04')];
    for (const s of others) await mustSetState(s, 'Available');

    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => route(i % 2 ? b.url : a.url, '8001', `race-${i}@test`)),
    );
    const offered = answers.flatMap((r, i) =>
      r.status === 200 ? [{ i, extension: r.body.split('\n')[0] }] : [],
    );
    // Three free agents: three calls offered, each to another agent; the others are told nobody is free.
    expect(offered).toHaveLength(3);
    expect(new Set(offered.map((o) => o.extension)).size).toBe(3);
    expect(answers.filter((r) => r.status === 404)).toHaveLength(37);
    for (const s of [onB, ...others]) expect((await statusOf(s)).state).toBe('OnCall');
    for (const o of offered)
      expect((await callEvent(o.i % 2 ? a.url : b.url, `race-${o.i}@test`, 'abandoned')).status).toBe(200);
    expect((await statusOf(onA)).state).toBe('Available');
  });

  it('shows a supervisor on node B the state an agent set on node A, with the pending state', async () => {
    const agent = await session(a.url, 'agent02');
    const sup = await session(b.url, 'super01');
    await mustSetState(agent, 'Break', { reason: 'training' });
    const pushed = await until(() =>
      sup.pushed.find((s) => s.userId === agent.session.user.id && s.state === 'Break'),
    );
    expect(pushed.reason).toBe('training');
    const list = await request<{ agents: AgentStatus[] }>(sup.socket, VoiceSocketEvents.list, {});
    if (!list.ok) throw new Error(list.error.message);
    const seen = list.data.agents.find((s) => s.userId === agent.session.user.id);
    expect(seen?.state).toBe('Break');

    // A supervisor on B changes it; the agent's desktop on A is told, and a call makes "after this call" pending.
    await mustSetState(sup, 'Available', { userId: agent.session.user.id });
    await until(() => agent.pushed.find((s) => s.state === 'Available'));
    const r = await route(b.url, '8001', 'pending-1@test');
    expect(r.status).toBe(200);
    await mustSetState(sup, 'Break', { userId: agent.session.user.id, reason: 'meeting' });
    const onCall = await statusOf(agent);
    expect(onCall.state).toBe('OnCall');
    expect(onCall.pending).toEqual({ state: 'Break', reason: 'meeting' });
    expect((await callEvent(a.url, 'pending-1@test', 'abandoned')).status).toBe(200);
    expect((await statusOf(agent)).state).toBe('Break');
  });

  it('ends the call on the owner when a desktop on node B logs it (its end event never came)', async () => {
    const agent = await session(b.url, 'agent03');
    await mustSetState(agent, 'Available');
    const offered = await route(a.url, '8001', 'logged-on-b@test');
    expect(offered.status).toBe(200);
    expect((await callEvent(a.url, 'logged-on-b@test', 'answered')).status).toBe(200);
    expect(a.voice.activeCalls().map((c) => c.callId)).toContain('logged-on-b@test');
    // The PBX's end event was lost; the desktop, offline meanwhile, sends its own record through node B.
    const now = Date.now();
    const log: InteractionLog = {
      interactionId: randomUUID(),
      callId: 'logged-on-b@test',
      direction: 'inbound',
      callerNumber: '13800138000',
      calleeNumber: '8001',
      queueNumber: '8001',
      ringAt: new Date(now - 60_000).toISOString(),
      answerAt: new Date(now - 55_000).toISOString(),
      endAt: new Date(now - 5_000).toISOString(),
      holdSeconds: 0,
    };
    const ack = await request<unknown>(agent.socket, SocketEvents.push, {
      mutations: [{ id: randomUUID(), name: 'interaction.log', args: log }],
    });
    expect(ack.ok && PushResponse.parse(ack.data).results[0]?.status).toBe('applied');
    // The owner, A, ended it: the agent is in wrap-up wherever asked, and A no longer holds the call.
    expect((await statusOf(agent)).state).toBe('WrapUp');
    expect(a.voice.activeCalls().map((c) => c.callId)).not.toContain('logged-on-b@test');
    await mustSetState(agent, 'Offline');
  });

  it('moves routing to node B when node A loses its database connection; A then passes requests on to B', async () => {
    const agent = await session(a.url, 'agent04');
    await mustSetState(agent, 'Available');
    // What a network cut between node A and PostgreSQL does to A's lock: its session ends. pg_locks lists the
    // whole server's locks: only this database's, or a test file running beside this one loses its owner too
    // (CI saw two rows, and the other file's node cut off); and only the routing lock, not another advisory lock
    // held at that moment (the audit chainer's, on either node: CI saw two rows again).
    const db = openDatabase(a.dbPath);
    try {
      const killed = await sql<{ pid: number }>`
        SELECT pg_terminate_backend(l.pid) AS done, l.pid FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ${ROUTING_LOCK_KEY}
          AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(db);
      expect(killed.rows).toHaveLength(1);
    } finally {
      await db.destroy();
    }
    // Asked at A, decided by B (A's memory no longer decides): the agent is offered once, and A's view agrees.
    const first = await route(a.url, '8001', 'cut-1@test');
    expect(first.status).toBe(200);
    expect((await route(b.url, '8001', 'cut-2@test')).status).toBe(404);
    expect((await statusOf(agent)).state).toBe('OnCall');
    expect((await callEvent(a.url, 'cut-1@test', 'abandoned')).status).toBe(200);
    // Back with the database, A tells the owner of the desktop it holds: the agent can take calls again (until
    // then the owner knows of no desktop and refuses Available, or the call's end made them Offline).
    await until(async () => {
      const st = await statusOf(agent);
      if (st.state === 'Available') return true;
      return (await setState(agent, 'Available')).ok ? true : undefined;
    });
    expect((await route(b.url, '8001', 'cut-3@test')).status).toBe(200);
    expect((await callEvent(b.url, 'cut-3@test', 'abandoned')).status).toBe(200);
  });

  it('routes through node B after node A, which owned routing, dies; its call carries on', async () => {
    const agent = await session(b.url, 'agent03');
    await mustSetState(agent, 'Available');
    const first = await route(a.url, '8001', 'takeover-1@test');
    expect(first.status).toBe(200);
    expect((await statusOf(agent)).state).toBe('OnCall');

    await a.close();
    aDown = true;
    // Kamailio's next URL (or its dispatcher's next destination): node B, which takes routing over.
    expect((await callEvent(b.url, 'takeover-1@test', 'answered')).status).toBe(200);
    expect((await callEvent(b.url, 'takeover-1@test', 'ended')).status).toBe(200);
    expect((await statusOf(agent)).state).toBe('WrapUp');
    await mustSetState(agent, 'Available');
    const second = await route(b.url, '8001', 'takeover-2@test');
    expect(second.status).toBe(200);
    expect(second.body).toBe(first.body);
    expect((await statusOf(agent)).state).toBe('OnCall');
  });
  it('frees, at a takeover, an agent the database left OnCall for a call that is over', async () => {
    // Node B owns routing now. A database left half-written (an owner killed between two batches, or a
    // restore): agent02 OnCall for a call recorded as answered and ended.
    const db = openDatabase(a.dbPath);
    try {
      const over = await db
        .selectFrom('interactions')
        .select('id')
        .where('call_id', '=', 'takeover-1@test')
        .executeTakeFirstOrThrow();
      const user = await db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'agent02')
        .executeTakeFirstOrThrow();
      await db
        .updateTable('agent_states')
        .set({ state: 'OnCall', interaction_id: over.id, pending_state: null, pending_reason: null })
        .where('user_id', '=', user.id)
        .execute();
    } finally {
      await db.destroy();
    }
    // Node C joins; B stops; C takes routing over and reads the states.
    c = await startSecondNode(a);
    await b.close();
    bDown = true;
    const agent = await session(c.url, 'agent02');
    const freed = await until(async () => {
      const st = await statusOf(agent).catch(() => undefined);
      return st && st.state !== 'OnCall' ? st : undefined;
    }, 15_000);
    expect(freed.state).toBe('WrapUp');
    await mustSetState(agent, 'Available');
    expect((await route(c.url, '8001', 'after-repair@test')).status).toBe(200);
    expect((await statusOf(agent)).state).toBe('OnCall');
  });
});
