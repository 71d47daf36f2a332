// Issue 14, "one truthful agent state": what the server tells a desktop about its own state. The desktop says
// whether its phone is registered and calls go only to agents whose phone can ring; every status names the
// change that made it (cause, who, their note), so the desktop can say why the server moved the agent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatus, VoiceSocketEvents } from '../../src/shared';
import { request, startTestServer, type TestServer } from './helpers';
import {
  agentSessions,
  historyOf,
  mustSetState,
  route,
  statusOf,
  until,
  type AgentSession,
} from './voice-helpers';

let server: TestServer;
const { session, closeAll } = agentSessions(() => server);

beforeAll(async () => {
  server = await startTestServer({ tickets: 50, customers: 20, voice: { offlineGraceMs: 300 } });
});
afterEach(async () => {
  closeAll();
  await new Promise((r) => setTimeout(r, 450));
});
afterAll(async () => server?.stop());

async function reportPhone(s: AgentSession, registered: boolean): Promise<AgentStatus> {
  const ack = await request<unknown>(s.socket, VoiceSocketEvents.phone, { registered });
  if (!ack.ok) throw new Error(`phone report failed: ${ack.error.message}`);
  return AgentStatus.parse(ack.data);
}

describe('one truthful agent state', () => {
  it('routes no call to an Available agent whose desktop says the phone is not registered', async () => {
    const agent = await session('agent01');
    const sup = await session('super01');
    const me = agent.session.user.id;
    const unregistered = await reportPhone(agent, false);
    expect(unregistered.phoneRegistered).toBe(false);
    const available = await mustSetState(agent, 'Available');
    expect(available).toMatchObject({ state: 'Available', phoneRegistered: false });
    // The supervisor sees it too (their view can say "chat and tickets only").
    await until(() => sup.pushed.find((s) => s.userId === me && s.version === available.version));

    // Only agent01 of after-sales is Available: with its phone down, nobody takes the call.
    const refused = await route(server.url, '8001', 'truth-call-1');
    expect(refused.status).toBe(404);

    await reportPhone(agent, true);
    const offered = await route(server.url, '8001', 'truth-call-2');
    expect(offered.status).toBe(200);
    expect(offered.body.split('\n')[0]).toBe('1001');
  });

  it('names the supervisor and their note on the agent’s status, and keeps the note in the history', async () => {
    const agent = await session('agent02');
    const sup = await session('super01');
    const me = agent.session.user.id;
    await mustSetState(agent, 'Available');
    const before = await statusOf(agent);
    const ack = await request<unknown>(sup.socket, VoiceSocketEvents.setState, {
      userId: me,
      state: 'Break',
      reason: 'meeting',
      note: 'Team briefing in room 3',
      version: before.version,
    });
    expect(ack.ok).toBe(true);
    const pushed = await until(() => agent.pushed.find((s) => s.state === 'Break'));
    expect(pushed.change).toMatchObject({
      cause: 'supervisor',
      actorId: sup.session.user.id,
      actorName: sup.session.user.displayName,
      note: 'Team briefing in room 3',
    });
    const [last] = await historyOf(agent);
    expect(last).toMatchObject({
      to: 'Break',
      cause: 'supervisor',
      note: 'Team briefing in room 3',
      actorName: sup.session.user.displayName,
    });
  });

  it('says a disconnect put the agent Offline when their desktop comes back', async () => {
    const first = await session('agent03');
    await mustSetState(first, 'Available');
    first.socket.close();
    await new Promise((r) => setTimeout(r, 700));
    const again = await session('agent03');
    const s = await statusOf(again);
    expect(s.state).toBe('Offline');
    expect(s.change).toMatchObject({ cause: 'disconnect', actorId: null });
  });
});
