import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { en } from '../../src/renderer/i18n/locales/en';
import { zhCN } from '../../src/renderer/i18n/locales/zh-CN';
import { longDuration, shortDuration } from '../../src/renderer/sla/sla-text';
import { slaSummary } from '../../src/renderer/sla/sla-view';
import { calendar24x7, SlaEngine } from '../../src/shared/sla';

/** The SLA timers' words: compact in the list, whole and plural-correct in the detail, in both languages. */
const MIN = 60_000;

async function translator(lng: 'en' | 'zh-CN') {
  const i = i18next.createInstance();
  await i.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng });
  return i.t;
}

describe('SLA timer text', () => {
  it('is compact in the list: time left and overdue', async () => {
    const t = await translator('en');
    expect(t('sla.chipLeft', { time: shortDuration(t, 135 * MIN) })).toBe('2h 15m');
    expect(t('sla.chipOverdue', { time: shortDuration(t, -35 * MIN) })).toBe('Overdue 35m');
    expect(shortDuration(t, 26 * 60 * MIN)).toBe('1d 2h');
    // Seconds left still show a minute; never "0m" before the due time.
    expect(shortDuration(t, 20_000)).toBe('1m');
    const zh = await translator('zh-CN');
    expect(zh('sla.chipLeft', { time: shortDuration(zh, 135 * MIN) })).toBe('剩余 2 小时 15 分');
    expect(zh('sla.chipOverdue', { time: shortDuration(zh, -35 * MIN) })).toBe('逾期 35 分');
  });

  it('is whole words with proper plurals in the detail', async () => {
    const t = await translator('en');
    expect(t('sla.left', { time: longDuration(t, 61 * MIN) })).toBe('1 hour 1 minute left');
    expect(t('sla.left', { time: longDuration(t, 122 * MIN) })).toBe('2 hours 2 minutes left');
    expect(t('sla.overdue', { time: longDuration(t, -(24 * 60 + 1) * MIN) })).toBe('1 day 1 minute overdue');
    const zh = await translator('zh-CN');
    expect(zh('sla.left', { time: longDuration(zh, 61 * MIN) })).toBe('剩余 1 小时 1 分钟');
    expect(zh('sla.overdue', { time: longDuration(zh, -2 * 24 * 60 * MIN) })).toBe('已逾期 2 天');
  });

  it('the chip follows the most urgent open target, and says met when all are', () => {
    const engine = new SlaEngine({
      version: 1,
      calendars: [calendar24x7('24x7', 'UTC')],
      slaPolicies: [
        {
          id: '0190c000-0000-7000-8000-000000000001',
          departmentId: '0190a000-0000-7000-8000-00000000000a',
          priority: 'normal',
          channel: 'web',
          calendarId: '24x7',
          firstResponseMinutes: 60,
          nextResponseMinutes: null,
          resolutionMinutes: 240,
          warning: { kind: 'percent', percent: 80 },
          escalations: [],
          active: true,
        },
      ],
    });
    const created = Date.UTC(2026, 0, 5, 9);
    const ticket = {
      departmentId: '0190a000-0000-7000-8000-00000000000a',
      priority: 'normal' as const,
      channel: 'web' as const,
      status: 'open' as const,
      createdAt: new Date(created).toISOString(),
    };
    const timeline = {
      createdAt: created,
      pauses: [],
      firstResponseAt: null,
      nextResponse: null,
      resolvedAt: null,
    };
    const late = slaSummary(engine.statusOf(ticket, timeline, created + 90 * MIN)!.status)!;
    expect(late).toMatchObject({
      state: 'breached',
      target: { kind: 'firstResponse', dueAt: created + 60 * MIN },
    });
    const answered = { ...timeline, firstResponseAt: created + 10 * MIN };
    const warn = slaSummary(engine.statusOf(ticket, answered, created + 200 * MIN)!.status)!;
    expect(warn).toMatchObject({ state: 'warning', target: { kind: 'resolution' } });
    const done = { ...answered, resolvedAt: created + 100 * MIN };
    expect(
      slaSummary(engine.statusOf({ ...ticket, status: 'solved' }, done, created + 300 * MIN)!.status)!.state,
    ).toBe('met');
  });
});
