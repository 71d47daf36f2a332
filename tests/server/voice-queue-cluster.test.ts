// Callers waiting in the queue on two nodes sharing PostgreSQL (src/server/voice/README.md, "Waiting calls" and
// "Several nodes"): the waiting list is the routing owner's, seen from every node, and survives a takeover.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PBX_SECRET_HEADER, type WaitingCall } from '../../src/shared';
import type { RunningServer } from '../../src/server/app';
import { startSecondNode, startTestServer, TEST_DIALECT, TEST_PBX_SECRET, type TestServer } from './helpers';
import { callEvent, mustSetState, signIn, statusOf, until, type AgentSession } from './voice-helpers';

describe.runIf(TEST_DIALECT === 'postgres')('waiting calls on two nodes', () => {
  let a: TestServer;
  let b: RunningServer & { url: string };
  let aDown = false;
  const open: AgentSession[] = [];

  const ask = async (url: string, callId: string) => {
    const res = await fetch(`${url}/api/voice/route?queue=8001&caller=13800138000&callid=${callId}&wait=1`, {
      headers: { [PBX_SECRET_HEADER]: TEST_PBX_SECRET },
    });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    a = await startTestServer({ tickets: 30, customers: 20 });
    b = await startSecondNode(a);
  });
  afterAll(async () => {
    for (const s of open.splice(0)) s.socket.close();
    await b?.close();
    if (aDown) await a?.store.drop();
    else await a?.stop();
  });

  it('keeps a waiting caller in place when the routing owner stops, and offers them the next free agent', async () => {
    const agent = await signIn(b.url, 'agent01');
    open.push(agent);
    await mustSetState(agent, 'Available');
    expect((await ask(b.url, 'tk-0@test')).body).toBe('1001\n20\n');
    // Node B is told of the owner's (A's) waiting list as it changes.
    const seenOnB: WaitingCall[][] = [];
    const stop = b.waiting.onChange((calls) => seenOnB.push(calls));
    expect((await ask(b.url, 'tk-1@test')).body).toMatch(/^wait\n1\n/);
    const pushed = await until(() => seenOnB.find((l) => l.some((w) => w.callId === 'tk-1@test')));
    const since = pushed.find((w) => w.callId === 'tk-1@test')!.since;
    expect((await b.waiting.waitingCalls()).map((w) => w.callId)).toEqual(['tk-1@test']);

    // A, which owns routing, stops; B takes over from the database and the caller's polls go on there.
    await a.close();
    aDown = true;
    const afterTakeover = await until(async () => {
      const r = await ask(b.url, 'tk-1@test').catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 15_000);
    expect(afterTakeover.body).toMatch(/^wait\n1\n/);
    expect(b.voice.waitingCalls()).toMatchObject([{ callId: 'tk-1@test', since }]);

    expect((await callEvent(b.url, 'tk-0@test', 'answered')).status).toBe(200);
    expect((await callEvent(b.url, 'tk-0@test', 'ended')).status).toBe(200);
    await mustSetState(agent, 'Available');
    await until(async () => ((await statusOf(agent)).state === 'OnCall' ? true : undefined));
    expect(await ask(b.url, 'tk-1@test')).toEqual({ status: 200, body: '1001\n20\n' });
    await until(() => (seenOnB.at(-1)?.length === 0 ? true : undefined));
    stop();
    expect((await callEvent(b.url, 'tk-1@test', 'abandoned')).status).toBe(200);
  });
});
