import { describe, expect, it } from 'vitest';
import { clock, levelTone, serviceNow, since, sortRows, waitTone } from '../../src/renderer/supervisor/live';

describe('the queue monitor’s numbers', () => {
  it('counts times on the service’s clock, however far this desktop’s clock is off', () => {
    // The desktop's clock runs 90 s ahead: it heard the view (service time 09:00:00) at its 09:01:30.
    const v = {
      watching: true,
      live: true,
      receivedAt: '2026-12-05T09:01:30.000Z',
      error: null,
      view: {
        at: '2026-12-05T09:00:00.000Z',
        day: '2026-12-05',
        seq: 1,
        queues: [],
        agents: [],
        departments: [],
      },
    };
    const desktopNow = Date.parse('2026-12-05T09:01:42.000Z');
    expect(since('2026-12-05T08:59:00.000Z', serviceNow(v, desktopNow))).toBe(72);
    expect(clock(72)).toBe('1:12');
    expect(clock(3723)).toBe('1:02:03');
    expect(clock(null)).toBe('—');
  });

  it('colours the service level against the queue’s own target, and the longest wait against its threshold', () => {
    expect(levelTone({ serviceLevel: 0.85, serviceLevelTarget: 0.8 })).toBe('success');
    expect(levelTone({ serviceLevel: 0.75, serviceLevelTarget: 0.8 })).toBe('warning');
    expect(levelTone({ serviceLevel: 0.75, serviceLevelTarget: 0.7 })).toBe('success');
    expect(levelTone({ serviceLevel: 0.5, serviceLevelTarget: 0.8 })).toBe('error');
    expect(levelTone({ serviceLevel: null, serviceLevelTarget: 0.8 })).toBe('default');
    expect(waitTone(10, 20)).toBe('success');
    expect(waitTone(25, 20)).toBe('warning');
    expect(waitTone(45, 20)).toBe('error');
  });

  it('sorts either way with empty values last, numbers as numbers and names in the language’s order', () => {
    const rows = [
      { n: 'agent10', w: 5 },
      { n: 'agent2', w: null },
      { n: 'agent1', w: 30 },
    ];
    const value = (r: (typeof rows)[number], k: 'n' | 'w') => r[k];
    expect(sortRows(rows, { key: 'w', dir: 'desc' }, value, 'en').map((r) => r.n)).toEqual([
      'agent1',
      'agent10',
      'agent2',
    ]);
    expect(sortRows(rows, { key: 'w', dir: 'asc' }, value, 'en').map((r) => r.n)).toEqual([
      'agent10',
      'agent1',
      'agent2',
    ]);
    expect(sortRows(rows, { key: 'n', dir: 'asc' }, value, 'en').map((r) => r.n)).toEqual([
      'agent1',
      'agent2',
      'agent10',
    ]);
  });
});
