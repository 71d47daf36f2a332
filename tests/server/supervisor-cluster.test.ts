// The live view on two service nodes sharing one PostgreSQL database: a supervisor on either node sees the same
// queues, counts and agents, whichever node the calls, events and state changes went through.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PBX_SECRET_HEADER,
  SupervisorDelta,
  SupervisorSnapshot,
  SupervisorSocketEvents,
  type QueueLive,
} from '../../src/shared';
import type { RunningServer } from '../../src/server/app';
import {
  request,
  startSecondNode,
  startTestServer,
  TEST_DIALECT,
  TEST_PBX_SECRET,
  type TestServer,
} from './helpers';
import { callEvent, mustSetState, route, signIn, until, type AgentSession } from './voice-helpers';

async function watch(socket: Socket) {
  const queues = new Map<string, QueueLive>();
  socket.on(SupervisorSocketEvents.delta, (d: unknown) => {
    for (const q of SupervisorDelta.parse(d).queues) queues.set(q.number, q);
  });
  const ack = await request<unknown>(socket, SupervisorSocketEvents.subscribe, {});
  if (!ack.ok) throw new Error(ack.error.message);
  for (const q of SupervisorSnapshot.parse(ack.data).queues) queues.set(q.number, q);
  return queues;
}

async function snapshot(socket: Socket): Promise<SupervisorSnapshot> {
  const ack = await request<unknown>(socket, SupervisorSocketEvents.subscribe, {});
  if (!ack.ok) throw new Error(ack.error.message);
  return SupervisorSnapshot.parse(ack.data);
}

describe.runIf(TEST_DIALECT === 'postgres')('live view on two nodes', () => {
  let a: TestServer;
  let b: RunningServer & { url: string };
  const open: AgentSession[] = [];
  const session = async (url: string, username: string) => {
    const s = await signIn(url, username);
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    a = await startTestServer({ tickets: 40, customers: 20 });
    b = await startSecondNode(a);
  });
  afterAll(async () => {
    for (const s of open) s.socket.close();
    await b?.close();
    await a?.stop();
  });

  it('gives supervisors on either node the same counts and agents', async () => {
    const supA = await session(a.url, 'super01');
    const supB = await session(b.url, 'super01');
    const viewA = await watch(supA.socket);
    const viewB = await watch(supB.socket);
    // Desktops on node B (which forwards to the routing owner, A) and on A.
    const agent1 = await session(b.url, 'agent01');
    const agent2 = await session(a.url, 'agent02');
    await mustSetState(agent1, 'Available');
    await mustSetState(agent2, 'Available');

    // One call answered (routed through B, answered through A, ended through B), one abandoned.
    const tick = (ms: number) => (a.clock.now = new Date(a.clock.now.getTime() + ms));
    expect((await route(b.url, '8001', 'cl-1@test', '13800138011')).status).toBe(200);
    tick(4000);
    expect((await callEvent(a.url, 'cl-1@test', 'answered')).status).toBe(200);
    tick(30_000);
    expect((await callEvent(b.url, 'cl-1@test', 'ended')).status).toBe(200);
    expect((await route(a.url, '8001', 'cl-2@test', '13800138012')).status).toBe(200);
    tick(2000);
    expect((await callEvent(b.url, 'cl-2@test', 'abandoned')).status).toBe(200);

    const expected = (q: QueueLive | undefined) =>
      q && q.offered === 2 && q.answered === 1 && q.abandoned === 1 && q.answeredWithinThreshold === 1
        ? q
        : undefined;
    const qa = await until(() => expected(viewA.get('8001')));
    const qb = await until(() => expected(viewB.get('8001')));
    expect(qa.avgSpeedOfAnswerSeconds).toBeCloseTo(4, 3);
    expect(qb).toEqual(qa);

    // The agents too: a fresh snapshot on each node shows the same rows (states, calls, times).
    const sameAgents = async () => {
      const [sa, sb] = [await snapshot(supA.socket), await snapshot(supB.socket)];
      return JSON.stringify(sa.agents) === JSON.stringify(sb.agents) &&
        JSON.stringify(sa.queues) === JSON.stringify(sb.queues)
        ? sa
        : undefined;
    };
    const both = await until(sameAgents);
    const wrapping = both.agents.find((x) => x.state === 'WrapUp');
    expect(wrapping?.call?.callerNumber).toBe('+8613800138011');
    expect(both.agents.filter((x) => x.state === 'Available')).toHaveLength(1);

    // A caller waiting (the queue's list lives on the routing owner, A) shows on both nodes' views.
    expect((await route(b.url, '8001', 'cl-3@test', '13800138013')).status).toBe(200); // agent02 rings
    const res = await fetch(`${b.url}/api/voice/route?queue=8001&caller=13800138014&callid=cl-4&wait=1`, {
      headers: { [PBX_SECRET_HEADER]: TEST_PBX_SECRET },
    });
    expect(await res.text()).toMatch(/^wait\n/);
    await until(() => (viewA.get('8001')?.waiting === 1 ? true : undefined));
    await until(() => (viewB.get('8001')?.waiting === 1 ? true : undefined));
    expect(viewB.get('8001')!.oldestWaitingSince).toBe(viewA.get('8001')!.oldestWaitingSince);
    await callEvent(a.url, 'cl-4', 'abandoned');
    await until(() =>
      viewB.get('8001')?.waiting === 0 && viewB.get('8001')?.abandoned === 2 ? true : undefined,
    );
    await callEvent(a.url, 'cl-3@test', 'abandoned');
  });
});
