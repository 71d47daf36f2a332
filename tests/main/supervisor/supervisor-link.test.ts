import { describe, expect, it } from 'vitest';
import { SupervisorLink } from '../../../src/main/supervisor/supervisor-link';
import type { SupervisorNotices, SupervisorView } from '../../../src/shared/ipc/supervisor';
import type {
  AgentLive,
  QueueLive,
  SupervisorDelta,
  SupervisorSnapshot,
} from '../../../src/shared/protocol/supervisor';

/*
 * The desktop's side of the live view (src/main/supervisor/supervisor-link.ts) against a socket stand-in that
 * answers as the contract in src/shared/protocol/supervisor.ts says: what the window is shown after snapshots,
 * deltas in and out of order, a lost connection and notices. The real service is exercised end to end in
 * tests/e2e/supervisor-monitor.test.ts.
 */

const DEPT = '0190c000-0000-7000-8000-0000000000d1';
const Q1 = '0190c000-0000-7000-8000-00000000a001';
const U1 = '0190c000-0000-7000-8000-00000000b001';
const U2 = '0190c000-0000-7000-8000-00000000b002';
const at = (s: number) => new Date(Date.UTC(2026, 11, 5, 9, 0, s)).toISOString();

const queue = (over: Partial<QueueLive> = {}): QueueLive => ({
  queueId: Q1,
  number: '8001',
  nameZh: '售后',
  nameEn: 'After-sales',
  departmentId: DEPT,
  waiting: 0,
  oldestWaitingSince: null,
  offered: 0,
  answered: 0,
  abandoned: 0,
  answeredWithinThreshold: 0,
  serviceLevel: null,
  serviceLevelSeconds: 20,
  serviceLevelTarget: 0.8,
  avgSpeedOfAnswerSeconds: null,
  avgHandleSeconds: null,
  agents: { available: 1, onCall: 0, wrapUp: 0, onBreak: 0, offline: 1 },
  ...over,
});
const agent = (userId: string, over: Partial<AgentLive> = {}): AgentLive => ({
  userId,
  displayName: userId === U1 ? 'Agent 01' : 'Agent 02',
  departmentId: DEPT,
  extension: null,
  state: 'Available',
  reason: null,
  note: null,
  since: at(0),
  pending: null,
  call: null,
  chats: 0,
  ...over,
});
const snapshot = (seq: number, over: Partial<SupervisorSnapshot> = {}): SupervisorSnapshot => ({
  at: at(seq),
  day: '2026-12-05',
  seq,
  queues: [queue()],
  agents: [agent(U1), agent(U2, { state: 'Offline' })],
  departments: [],
  ...over,
});
const delta = (seq: number, over: Partial<SupervisorDelta> = {}): SupervisorDelta => ({
  at: at(seq),
  day: '2026-12-05',
  seq,
  queues: [],
  agents: [],
  removedAgents: [],
  departments: [],
  ...over,
});

/** The link over a stand-in socket; `snapshots` are what successive subscribes answer. */
function rig(snapshots: SupervisorSnapshot[]) {
  const sent: { event: string; payload: unknown }[] = [];
  const views: SupervisorView[] = [];
  const notices: SupervisorNotices[] = [];
  let connected = true;
  let hold: Promise<void> | null = null;
  const link = new SupervisorLink({
    connected: () => connected,
    coalesceMs: 0,
    emitView: (v) => views.push(v),
    emitNotices: (n) => notices.push(n),
    request: async (event, payload) => {
      sent.push({ event, payload });
      if (event === 'supervisor:subscribe') {
        if (hold) await hold;
        const s = snapshots.shift();
        return s ? { ok: true, data: s } : { ok: false, error: { code: 'forbidden', message: 'no' } };
      }
      if (event === 'agent:getStatus')
        return {
          ok: true,
          data: {
            userId: U2,
            departmentId: DEPT,
            state: 'Available',
            reason: null,
            pending: null,
            since: at(0),
            version: 7,
            interactionId: null,
          },
        };
      if (event === 'agent:setState')
        return {
          ok: true,
          data: {
            ...(payload as object),
            departmentId: DEPT,
            pending: null,
            since: at(9),
            interactionId: null,
            reason: 'meeting',
            version: 8,
          },
        };
      return { ok: true, data: {} };
    },
  });
  return {
    link,
    sent,
    views,
    notices,
    last: () => views[views.length - 1]!,
    subscribes: () => sent.filter((s) => s.event === 'supervisor:subscribe').length,
    setConnected: (c: boolean) => (connected = c),
    holdSubscribe: () => {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      return () => {
        hold = null;
        release();
      };
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the supervisor link', () => {
  it('subscribes once and applies each next delta as whole rows', async () => {
    const r = rig([snapshot(10)]);
    const v = await r.link.watch();
    expect(v.live).toBe(true);
    expect(v.view?.seq).toBe(10);
    r.link.pushed(
      'supervisor:delta',
      delta(11, { queues: [queue({ waiting: 1, oldestWaitingSince: at(11) })] }),
    );
    r.link.pushed('supervisor:delta', delta(12, { agents: [agent(U1, { state: 'OnCall', since: at(12) })] }));
    r.link.pushed('supervisor:delta', delta(13, { removedAgents: [U2] }));
    const view = r.last().view!;
    expect(view.seq).toBe(13);
    expect(view.queues[0]!.waiting).toBe(1);
    expect(view.agents.map((a) => [a.userId, a.state])).toEqual([[U1, 'OnCall']]);
    expect(r.subscribes()).toBe(1);
    // A delta already in the view (a repeat) changes nothing.
    r.link.pushed('supervisor:delta', delta(12, { agents: [agent(U1, { state: 'Break' })] }));
    expect(r.last().view!.agents[0]!.state).toBe('OnCall');
  });

  it('asks for a new snapshot after a gap in seq, and shows that snapshot, not the delta after the gap', async () => {
    const r = rig([snapshot(10), snapshot(20, { queues: [queue({ offered: 5 })] })]);
    await r.link.watch();
    r.link.pushed('supervisor:delta', delta(12, { queues: [queue({ offered: 99 })] }));
    await settle();
    expect(r.subscribes()).toBe(2);
    expect(r.last().view!.seq).toBe(20);
    expect(r.last().view!.queues[0]!.offered).toBe(5);
  });

  it('applies deltas heard while the snapshot was on its way, after it', async () => {
    const r = rig([snapshot(10)]);
    const release = r.holdSubscribe();
    const watching = r.link.watch();
    await settle();
    r.link.pushed('supervisor:delta', delta(11, { queues: [queue({ waiting: 2 })] }));
    r.link.pushed('supervisor:delta', delta(10, { queues: [queue({ waiting: 7 })] })); // in the snapshot
    release();
    await watching;
    expect(r.last().view!.seq).toBe(11);
    expect(r.last().view!.queues[0]!.waiting).toBe(2);
  });

  it('takes deltas of the subscription a new one replaced, heard before its snapshot, as old news, not a gap', async () => {
    const r = rig([snapshot(10), snapshot(0, { queues: [queue({ offered: 8 })] })]);
    await r.link.watch();
    r.link.pushed('supervisor:delta', delta(12)); // a gap: subscribe again (numbered from 0 by the service)
    r.link.pushed('supervisor:delta', delta(13, { queues: [queue({ offered: 99 })] })); // old subscription
    await settle();
    await settle();
    expect(r.subscribes()).toBe(2);
    expect(r.last().view!.queues[0]!.offered).toBe(8);
    r.link.pushed('supervisor:delta', delta(1, { queues: [queue({ offered: 9 })] }));
    expect(r.last().view!.queues[0]!.offered).toBe(9);
  });

  it('keeps the numbers but says they are not live while the socket is away, and resubscribes when it is back', async () => {
    const r = rig([
      snapshot(10, { queues: [queue({ offered: 3 })] }),
      snapshot(30, { queues: [queue({ offered: 4 })] }),
    ]);
    await r.link.watch();
    r.setConnected(false);
    r.link.disconnected();
    expect(r.last().live).toBe(false);
    expect(r.last().view!.queues[0]!.offered).toBe(3);
    r.setConnected(true);
    r.link.connected();
    await settle();
    expect(r.subscribes()).toBe(2);
    expect(r.last().live).toBe(true);
    expect(r.last().view!.queues[0]!.offered).toBe(4);
  });

  it('says why when the server refuses the subscription', async () => {
    const r = rig([]);
    const v = await r.link.watch();
    expect(v.live).toBe(false);
    expect(v.error?.code).toBe('forbidden');
  });

  it('sets another agent’s state with their current version, the reason and the note', async () => {
    const r = rig([snapshot(1)]);
    await r.link.setAgentState({ userId: U2, state: 'Break', reason: 'meeting', note: 'team huddle' });
    const set = r.sent.find((s) => s.event === 'agent:setState')!;
    expect(set.payload).toEqual({
      userId: U2,
      state: 'Break',
      reason: 'meeting',
      note: 'team huddle',
      version: 7,
    });
  });

  it('stacks notices until dismissed, once each, and drops what it cannot read', () => {
    const r = rig([]);
    const note = (id: string, text: string) => ({
      id,
      fromUserId: U1,
      fromName: 'Super 01',
      toUserId: U2,
      toDepartmentId: null,
      text,
      at: at(5),
    });
    r.link.pushed('supervisor:notice', note('0190c000-0000-7000-8000-00000000e001', 'Queue is long'));
    r.link.pushed('supervisor:notice', note('0190c000-0000-7000-8000-00000000e002', '请接听'));
    r.link.pushed('supervisor:notice', note('0190c000-0000-7000-8000-00000000e002', '请接听'));
    r.link.pushed('supervisor:notice', { text: 'no id' });
    expect(r.link.noticeList().notices.map((n) => n.text)).toEqual(['Queue is long', '请接听']);
    r.link.dismissNotice('0190c000-0000-7000-8000-00000000e001');
    expect(r.notices[r.notices.length - 1]!.notices.map((n) => n.text)).toEqual(['请接听']);
  });
});
