import { describe, expect, it } from 'vitest';
import type { QueueLive, SupervisorSnapshot } from '../../src/shared/protocol/supervisor';
import { applyDelta, clock, fromSnapshot, queueAlerts } from '../../src/wallboard/board-state';
import { agoText, pickLang, stringsFor } from '../../src/wallboard/strings';

const DEP = '11111111-1111-4111-8111-111111111111';
const AT = '2026-12-05T09:00:00.000Z';
const queue = (over: Partial<QueueLive> = {}): QueueLive => ({
  queueId: '22222222-2222-4222-8222-222222222222',
  number: '8001',
  nameZh: '售后服务热线',
  nameEn: 'After-sales hotline',
  departmentId: DEP,
  waiting: 0,
  oldestWaitingSince: null,
  offered: 10,
  answered: 9,
  abandoned: 1,
  answeredWithinThreshold: 8,
  serviceLevel: 0.8,
  serviceLevelSeconds: 20,
  serviceLevelTarget: 0.8,
  avgSpeedOfAnswerSeconds: 12,
  avgHandleSeconds: 200,
  agents: { available: 1, onCall: 0, wrapUp: 0, onBreak: 0, offline: 0 },
  ...over,
});
const snapshot = (seq: number): SupervisorSnapshot => ({
  at: AT,
  day: '2026-12-05',
  seq,
  queues: [queue()],
  agents: [],
  departments: [],
});

describe('wallboard data', () => {
  it('applies the next delta, ignores an old one and reports a gap', () => {
    const data = fromSnapshot(snapshot(4));
    const next = applyDelta(data, { at: AT, day: '2026-12-05', seq: 5, queues: [queue({ waiting: 2 })] });
    expect(next.kind).toBe('applied');
    if (next.kind !== 'applied') return;
    expect(next.data.queues.get(queue().queueId)?.waiting).toBe(2);
    expect(data.queues.get(queue().queueId)?.waiting).toBe(0);
    expect(applyDelta(next.data, { at: AT, day: '2026-12-05', seq: 5 }).kind).toBe('old');
    expect(applyDelta(next.data, { at: AT, day: '2026-12-05', seq: 7 })).toEqual({
      kind: 'gap',
      expected: 6,
      got: 7,
    });
  });

  it('refuses rows that do not match the contract', () => {
    expect(() => fromSnapshot({ ...snapshot(1), queues: [{ queueId: 'x' }] })).toThrow();
  });

  it('flags a queue below target, a wait past its threshold and callers with no agent free', () => {
    const now = Date.parse(AT);
    expect(queueAlerts(queue(), now).level).toBe('ok');
    expect(queueAlerts(queue({ serviceLevel: 0.5 }), now)).toMatchObject({
      belowTarget: true,
      level: 'warn',
    });
    const waiting = { waiting: 1, oldestWaitingSince: new Date(now - 25_000).toISOString() };
    expect(queueAlerts(queue(waiting), now)).toMatchObject({
      waitOver: true,
      noAgent: false,
      level: 'alert',
    });
    const noAgent = queue({ ...waiting, agents: { ...queue().agents, available: 0 } });
    expect(queueAlerts(noAgent, now - 10_000)).toMatchObject({
      waitOver: false,
      noAgent: true,
      level: 'alert',
    });
  });

  it('says waits and ages the way a room reads them, in both languages', () => {
    expect(clock(75)).toBe('1:15');
    expect(clock(3725)).toBe('1:02:05');
    expect(agoText(stringsFor('en'), 130)).toBe('2 min ago');
    expect(stringsFor('zh-CN').staleSince(agoText(stringsFor('zh-CN'), 130))).toBe('数据来自 2 分钟前');
    expect(pickLang('?lang=zh-CN', ['en-US'])).toBe('zh-CN');
    expect(pickLang('', ['zh-TW', 'en'])).toBe('zh-CN');
    expect(pickLang('?lang=en', ['zh-CN'])).toBe('en');
  });
});
