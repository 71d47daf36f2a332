// Agent states owned by the server, set over the real sync socket of a real server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VoiceSocketEvents } from '../../src/shared';
import { request, startTestServer, type TestServer } from './helpers';
import {
  agentSessions,
  callEvent,
  historyOf,
  mustSetState,
  route,
  setState,
  signIn,
  statusOf,
  until,
} from './voice-helpers';

let server: TestServer;
const { session, closeAll, tick } = agentSessions(() => server);

beforeAll(async () => {
  server = await startTestServer({
    tickets: 300,
    customers: 100,
    voice: { offlineGraceMs: 300, wrapUpLimitMs: 1500 },
  });
});
afterEach(async () => {
  // Every agent back to Offline so the next test starts from a known state.
  closeAll();
  await new Promise((r) => setTimeout(r, 400));
});
afterAll(async () => server?.stop());

describe('agent states', () => {
  it('records every change with its cause and actor, and pushes it to the agent and their supervisors only', async () => {
    const agent = await session('agent01');
    const sup = await session('super01'); // after-sales, same department
    const otherSup = await session('super02'); // technical support
    const me = agent.session.user.id;

    const start = await statusOf(agent);
    expect(start.state).toBe('Offline');
    const available = await mustSetState(agent, 'Available');
    expect(available).toMatchObject({ state: 'Available', reason: null, version: start.version + 1 });
    tick();
    const onBreak = await mustSetState(agent, 'Break', { reason: 'lunch' });
    expect(onBreak).toMatchObject({ state: 'Break', reason: 'lunch', version: start.version + 2 });
    tick();
    const back = await mustSetState(sup, 'Available', { userId: me });
    expect(back.state).toBe('Available');

    const history = await historyOf(agent);
    expect(history.slice(0, 3).map((c) => [c.from, c.to, c.reason, c.cause, c.actorId])).toEqual([
      ['Break', 'Available', null, 'supervisor', sup.session.user.id],
      ['Available', 'Break', 'lunch', 'agent', me],
      ['Offline', 'Available', null, 'agent', me],
    ]);
    // The supervisor reads the same record.
    expect((await historyOf(sup, me)).slice(0, 3)).toEqual(history.slice(0, 3));

    await until(() => (sup.pushed.filter((s) => s.userId === me).length >= 3 ? true : undefined));
    expect(sup.pushed.filter((s) => s.userId === me).map((s) => s.state)).toEqual([
      'Available',
      'Break',
      'Available',
    ]);
    await until(() => (agent.pushed.length >= 3 ? true : undefined));
    expect(agent.pushed.map((s) => s.version)).toEqual([
      start.version + 1,
      start.version + 2,
      start.version + 3,
    ]);
    expect(otherSup.pushed.filter((s) => s.userId === me)).toEqual([]);
  });

  it('refuses a command based on an older version of the state', async () => {
    const agent = await session('agent02');
    const seen = await statusOf(agent);
    await mustSetState(agent, 'Available', { reason: undefined });
    // A second desktop (or a delayed click) still showing the old version.
    const stale = await setState(agent, 'Break', { reason: 'meeting', version: seen.version });
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.error.code).toBe('conflict');
    expect((await statusOf(agent)).state).toBe('Available');
    // Inconsistent requests are refused too.
    const noReason = await setState(agent, 'Break');
    expect(noReason.ok ? null : noReason.error.code).toBe('bad_request');
  });

  it('lets agents set only their own state and supervisors only their department', async () => {
    const a1 = await session('agent01');
    const a2 = await session('agent02');
    const techSup = await session('super02');
    const salesSup = await session('super01');
    const a1Id = a1.session.user.id;
    const techAgent = await session('agent05');

    const byAgent = await setState(a2, 'Available', { userId: a1Id, version: (await statusOf(a1)).version });
    expect(byAgent.ok ? null : byAgent.error.code).toBe('forbidden');
    const byOtherSup = await setState(techSup, 'Available', {
      userId: a1Id,
      version: (await statusOf(a1)).version,
    });
    expect(byOtherSup.ok ? null : byOtherSup.error.code).toBe('forbidden');
    const peek = await request(techSup.socket, VoiceSocketEvents.getStatus, { userId: a1Id });
    expect(peek.ok ? null : peek.error.code).toBe('forbidden');
    const crossDept = await setState(salesSup, 'Available', {
      userId: techAgent.session.user.id,
      version: (await statusOf(techAgent)).version,
    });
    expect(crossDept.ok ? null : crossDept.error.code).toBe('forbidden');
    expect((await statusOf(a1)).state).toBe('Offline');

    const list = await request<{ agents: { userId: string; departmentId: string }[] }>(
      salesSup.socket,
      VoiceSocketEvents.list,
      {},
    );
    if (!list.ok) throw new Error(list.error.message);
    expect(list.data.agents).toHaveLength(4);
    expect(new Set(list.data.agents.map((a) => a.departmentId))).toEqual(
      new Set([salesSup.session.user.departmentId]),
    );
    const agentList = await request(a1.socket, VoiceSocketEvents.list, {});
    expect(agentList.ok ? null : agentList.error.code).toBe('forbidden');
    // The supervisor of the department may.
    expect((await mustSetState(salesSup, 'Available', { userId: a1Id })).state).toBe('Available');
  });

  it('keeps "Break after this call" pending through the call and applies it when wrap-up ends', async () => {
    const agent = await session('agent03');
    await mustSetState(agent, 'Available');
    const r = await route(server.url, '8001', 'pending-call-1');
    expect(r).toEqual({ status: 200, body: '1003\n20\n' });
    const onCall = await statusOf(agent);
    expect(onCall.state).toBe('OnCall');
    expect(onCall.interactionId).not.toBeNull();

    const pending = await mustSetState(agent, 'Break', { reason: 'training' });
    expect(pending).toMatchObject({ state: 'OnCall', pending: { state: 'Break', reason: 'training' } });
    expect((await callEvent(server.url, 'pending-call-1', 'answered')).status).toBe(200);
    tick(60_000);
    expect((await callEvent(server.url, 'pending-call-1', 'ended')).status).toBe(200);
    const wrapUp = await statusOf(agent);
    expect(wrapUp).toMatchObject({ state: 'WrapUp', pending: { state: 'Break', reason: 'training' } });

    // "Done" at the end of wrap-up: the pending Break applies instead of Available.
    const after = await mustSetState(agent, 'Available');
    expect(after).toMatchObject({ state: 'Break', reason: 'training', pending: null, interactionId: null });
    const causes = (await historyOf(agent)).slice(0, 5).map((c) => [c.from, c.to, c.cause]);
    expect(causes).toEqual([
      ['WrapUp', 'Break', 'wrapup_ended'],
      ['OnCall', 'WrapUp', 'call_ended'],
      ['OnCall', 'OnCall', 'call_answered'],
      ['Available', 'OnCall', 'call_offered'],
      ['Offline', 'Available', 'agent'],
    ]);
  });

  it('ends a forgotten wrap-up by itself after the limit', async () => {
    const agent = await session('agent04');
    await mustSetState(agent, 'Available');
    expect((await route(server.url, '8001', 'wrap-limit-1')).body).toBe('1004\n20\n');
    await callEvent(server.url, 'wrap-limit-1', 'answered');
    await callEvent(server.url, 'wrap-limit-1', 'ended');
    expect((await statusOf(agent)).state).toBe('WrapUp');
    const done = await until(async () => {
      const s = await statusOf(agent);
      return s.state === 'Available' ? s : undefined;
    }, 5_000);
    expect(done.state).toBe('Available');
    const last = (await historyOf(agent))[0];
    expect(last).toMatchObject({ from: 'WrapUp', to: 'Available', cause: 'wrapup_ended', actorId: null });
  });

  it('moves an agent whose desktop went away to Offline after the grace period, not before', async () => {
    const first = await signIn(server.url, 'agent02');
    await mustSetState(first, 'Available');
    const agentId = first.session.user.id;
    // A reconnect within the grace period keeps the agent Available.
    first.socket.close();
    const second = await session('agent02');
    await new Promise((r) => setTimeout(r, 600));
    expect((await statusOf(second)).state).toBe('Available');

    const sup = await session('super01');
    second.socket.close();
    const offline = await until(async () => {
      const s = await statusOf(sup, agentId);
      return s.state === 'Offline' ? s : undefined;
    });
    expect(offline.state).toBe('Offline');
    expect((await historyOf(sup, agentId))[0]).toMatchObject({
      from: 'Available',
      to: 'Offline',
      cause: 'disconnect',
    });
    // Nobody routes to an Offline agent.
    expect((await route(server.url, '8001', 'after-disconnect')).status).toBe(404);
  });
});
