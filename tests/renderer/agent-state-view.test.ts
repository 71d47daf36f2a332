import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../src/shared/protocol/voice';
import { agentStateView, serverChangeNotice } from '../../src/renderer/softphone/agent-state-view';

const me = '0190b000-0000-7000-8000-000000000001';
const sup = '0190b000-0000-7000-8000-000000000002';
const base: AgentStatus = {
  userId: me,
  departmentId: '0190b000-0000-7000-8000-0000000000d1',
  state: 'Available',
  reason: null,
  pending: null,
  since: '2026-12-05T09:00:00.000Z',
  version: 4,
  interactionId: null,
  phoneRegistered: true,
  change: { cause: 'agent', actorId: me, actorName: 'Agent 01', note: null, at: '2026-12-05T09:00:00.000Z' },
};
const moved = (patch: Partial<AgentStatus>, change: Partial<NonNullable<AgentStatus['change']>>) => ({
  ...base,
  version: 5,
  ...patch,
  change: { ...base.change!, actorId: null, actorName: null, at: '2026-12-05T09:05:00.000Z', ...change },
});

describe('what the agent is told when the server changes their state', () => {
  it('names the cause of each change the agent did not ask for', () => {
    const offline = moved({ state: 'Offline' }, { cause: 'disconnect' });
    expect(serverChangeNotice(base, offline, me)).toMatchObject({ kind: 'disconnect', state: 'Offline' });
    const restart = moved({ state: 'Offline' }, { cause: 'server_start' });
    expect(serverChangeNotice(base, restart, me)?.kind).toBe('server_start');
    const missed = moved({ state: 'Break', reason: 'missed_call' }, { cause: 'no_answer' });
    expect(serverChangeNotice({ ...base, state: 'OnCall' }, missed, me)).toMatchObject({
      kind: 'missed_call',
      reason: 'missed_call',
    });
    const byLead = moved(
      { state: 'Break', reason: 'meeting' },
      { cause: 'supervisor', actorId: sup, actorName: 'Super 01', note: 'Briefing' },
    );
    expect(serverChangeNotice(base, byLead, me)).toMatchObject({
      kind: 'supervisor',
      actorName: 'Super 01',
      note: 'Briefing',
    });
    const limit = moved({ state: 'Available' }, { cause: 'wrapup_ended' });
    expect(serverChangeNotice({ ...base, state: 'WrapUp' }, limit, me)?.kind).toBe('wrapup_limit');
  });

  it('says nothing of the agent’s own requests, the call flow, a first status or a repeat', () => {
    const own = moved({ state: 'Break', reason: 'lunch' }, { cause: 'agent', actorId: me });
    expect(serverChangeNotice(base, own, me)).toBeNull();
    const offered = moved({ state: 'OnCall' }, { cause: 'call_offered' });
    expect(serverChangeNotice(base, offered, me)).toBeNull();
    const offline = moved({ state: 'Offline' }, { cause: 'disconnect' });
    expect(serverChangeNotice(null, offline, me)).toBeNull();
    expect(serverChangeNotice(offline, { ...offline, version: 6 }, me)).toBeNull();
  });
});

describe('the state the bar shows', () => {
  it('qualifies Available without a registered phone, and shows the last known state with its age while the service is down', () => {
    const noPhone = { ...base, phoneRegistered: false };
    const live = agentStateView({
      status: noPhone,
      linkUp: true,
      linkDownSince: null,
      now: 0,
      phoneRegistered: true,
    });
    expect(live).toMatchObject({ key: 'availableNoPhone', chatOnly: true, staleMs: null, canChange: true });
    const down = agentStateView({
      status: base,
      linkUp: false,
      linkDownSince: 1_000,
      now: 181_000,
      phoneRegistered: true,
    });
    expect(down).toMatchObject({ key: 'state.Available', staleMs: 180_000, canChange: false });
    const off = agentStateView({
      status: { ...base, state: 'Offline' },
      linkUp: true,
      linkDownSince: null,
      now: 0,
      phoneRegistered: true,
    });
    expect(off.key).toBe('state.Offline');
  });
});
