import { describe, expect, it } from 'vitest';
import {
  buildCalendarIndex,
  calendar24x7,
  CHINA_MAINLAND_CALENDAR,
  computeSla,
  defaultWindow,
  SlaTargets,
  SlaTimeline,
  type SlaPause,
} from '../../src/shared/sla';

// China calendar: Mon-Fri 09:00-12:00 + 13:00-18:00 CST (UTC+8), holidays and make-up days as in the data.
const H = 3_600_000;
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null | undefined) => (ms == null ? ms : new Date(ms).toISOString());
const cn = buildCalendarIndex(CHINA_MAINLAND_CALENDAR, defaultWindow(at('2025-06-01T00:00:00Z')));

const urgent = SlaTargets.parse({
  firstResponseMinutes: 60,
  nextResponseMinutes: 120,
  resolutionMinutes: 480,
  warning: { kind: 'percent', percent: 80 },
});
const timeline = (over: Partial<SlaTimeline> = {}): SlaTimeline =>
  SlaTimeline.parse({
    createdAt: at('2025-03-03T10:00:00+08:00'), // Monday
    pauses: [],
    firstResponseAt: null,
    nextResponse: null,
    resolvedAt: null,
    ...over,
  });

describe('SLA clock: running, warning, breached', () => {
  it('moves from running to warning at 80% and breaches just after the due time', () => {
    // First response 60 min from Mon 10:00: due 11:00 CST (03:00Z), warning at 48 min = 10:48 CST.
    const r1 = computeSla(cn, urgent, timeline(), at('2025-03-03T10:30:00+08:00')).firstResponse!;
    expect([r1.state, iso(r1.dueAt), iso(r1.warnAt)]).toEqual([
      'running',
      '2025-03-03T03:00:00.000Z',
      '2025-03-03T02:48:00.000Z',
    ]);
    expect([r1.elapsedMs, r1.remainingMs]).toEqual([30 * MIN, 30 * MIN]);
    expect(computeSla(cn, urgent, timeline(), at('2025-03-03T10:48:00+08:00')).firstResponse!.state).toBe(
      'warning',
    );
    // At the due instant a reply would still be on time, so not yet breached; one ms later it is.
    expect(computeSla(cn, urgent, timeline(), at('2025-03-03T11:00:00+08:00')).firstResponse!.state).toBe(
      'warning',
    );
    const late = computeSla(cn, urgent, timeline(), at('2025-03-03T11:00:00.001+08:00')).firstResponse!;
    expect([late.state, late.remainingMs]).toEqual(['breached', -1]);
  });

  it('counts resolution over lunch and overnight', () => {
    // 480 min from Mon 10:00: 10-12 (2 h) + 13-18 (5 h) + Tue 09-10 (1 h) = due Tue 10:00 CST = 02:00Z.
    // Warning at 384 min = 6 h 24: 2 h + 13:00 + 4 h 24 = Mon 17:24 CST = 09:24Z.
    const s = computeSla(cn, urgent, timeline(), at('2025-03-03T17:30:00+08:00'));
    expect([iso(s.resolution!.dueAt), iso(s.resolution!.warnAt), s.resolution!.state]).toEqual([
      '2025-03-04T02:00:00.000Z',
      '2025-03-03T09:24:00.000Z',
      'warning',
    ]);
    // The summary shows the worst target (first response long breached) and the earliest open due time.
    expect([s.state, iso(s.nextDueAt)]).toEqual(['breached', '2025-03-03T03:00:00.000Z']);
  });

  it('warns N minutes before the due time when the policy says so', () => {
    // 480 min, warn 60 min before = after 420 min = Mon 10-12 + 13-18 = exactly Mon 18:00 CST = 10:00Z.
    const targets = { ...urgent, warning: { kind: 'minutesBefore' as const, minutes: 60 } };
    const r = computeSla(cn, targets, timeline(), at('2025-03-03T18:00:00+08:00')).resolution!;
    expect([iso(r.warnAt), r.state]).toEqual(['2025-03-03T10:00:00.000Z', 'warning']);
  });

  it('starts the clock of a ticket opened the evening before Spring Festival 2025 after the holiday', () => {
    // Mon Jan 27 19:00 CST; Jan 28-Feb 4 closed. 8 h = Wed Feb 5 09-12 + 13-18: due Feb 5 18:00 CST = 10:00Z.
    // At Feb 5 17:00 CST: elapsed 3 h + 4 h = 7 h; warning (at 6 h 24 = 16:24 CST) already passed.
    const t = timeline({ createdAt: at('2025-01-27T19:00:00+08:00') });
    const r = computeSla(cn, urgent, t, at('2025-02-05T17:00:00+08:00')).resolution!;
    expect([iso(r.dueAt), iso(r.warnAt), r.elapsedMs, r.state]).toEqual([
      '2025-02-05T10:00:00.000Z',
      '2025-02-05T08:24:00.000Z',
      7 * H,
      'warning',
    ]);
    // During the holiday itself nothing has elapsed.
    expect(computeSla(cn, urgent, t, at('2025-02-01T12:00:00+08:00')).resolution!.elapsedMs).toBe(0);
  });
});

describe('SLA clock: pauses', () => {
  const pending: SlaPause = { from: at('2025-03-03T14:00:00+08:00'), to: at('2025-03-04T11:00:00+08:00') };

  it('shifts the due time by a pending-customer pause', () => {
    // Before the pause: 10-12 + 13-14 = 3 h. The remaining 5 h from Tue 11:00: 11-12 + 13-17: due Tue 17:00 CST.
    // At Tue 15:00: elapsed 3 h + 1 h + 2 h = 6 h. Warning after 6 h 24: Tue 15:24 CST, so still running.
    const r = computeSla(
      cn,
      urgent,
      timeline({ pauses: [pending] }),
      at('2025-03-04T15:00:00+08:00'),
    ).resolution!;
    expect([iso(r.dueAt), iso(r.warnAt), r.elapsedMs, r.remainingMs, r.state]).toEqual([
      '2025-03-04T09:00:00.000Z',
      '2025-03-04T07:24:00.000Z',
      6 * H,
      2 * H,
      'running',
    ]);
  });

  it('merges overlapping, unsorted pauses so no time is subtracted twice', () => {
    const pieces: SlaPause[] = [
      { from: at('2025-03-04T10:00:00+08:00'), to: at('2025-03-04T11:00:00+08:00') },
      { from: at('2025-03-03T14:00:00+08:00'), to: at('2025-03-04T10:30:00+08:00') },
      // Before the ticket existed: ignored.
      { from: at('2025-03-01T00:00:00+08:00'), to: at('2025-03-03T09:00:00+08:00') },
    ];
    const r = computeSla(
      cn,
      urgent,
      timeline({ pauses: pieces }),
      at('2025-03-04T15:00:00+08:00'),
    ).resolution!;
    expect([iso(r.dueAt), r.elapsedMs]).toEqual(['2025-03-04T09:00:00.000Z', 6 * H]);
  });

  it('shows paused while on hold, with the due time it would have if resumed now', () => {
    // Paused since Mon 14:00 (3 h elapsed), now Mon 16:00: resuming now, 5 h = Mon 16-18 + Tue 09-12:
    // due Tue 12:00 CST = 04:00Z.
    const onHold = { from: pending.from, to: null };
    const r = computeSla(
      cn,
      urgent,
      timeline({ pauses: [onHold] }),
      at('2025-03-03T16:00:00+08:00'),
    ).resolution!;
    expect([r.state, r.elapsedMs, iso(r.dueAt)]).toEqual(['paused', 3 * H, '2025-03-04T04:00:00.000Z']);
  });

  it('stays breached when the pause began after the due time had passed', () => {
    // First response was due Mon 11:00; on hold from 14:00: still breached, due time unchanged.
    const r = computeSla(
      cn,
      urgent,
      timeline({ pauses: [{ from: pending.from, to: null }] }),
      at('2025-03-03T16:00:00+08:00'),
    ).firstResponse!;
    expect([r.state, iso(r.dueAt), r.remainingMs]).toEqual(['breached', '2025-03-03T03:00:00.000Z', -2 * H]);
  });

  it('pauses a 24x7 clock in real time', () => {
    // 240 min from 00:00Z with a pause 01:00-03:00Z: due 06:00Z. Warning after 192 min: 1 h before the
    // pause + 2 h 12 after it = 05:12Z, so at 05:00Z (3 h elapsed) it is still running.
    const always = buildCalendarIndex(calendar24x7(), defaultWindow(at('2025-06-01T00:00:00Z')));
    const t = timeline({
      createdAt: at('2025-06-01T00:00:00Z'),
      pauses: [{ from: at('2025-06-01T01:00:00Z'), to: at('2025-06-01T03:00:00Z') }],
    });
    const r = computeSla(
      always,
      { ...urgent, resolutionMinutes: 240 },
      t,
      at('2025-06-01T05:00:00Z'),
    ).resolution!;
    expect([iso(r.dueAt), iso(r.warnAt), r.elapsedMs, r.state]).toEqual([
      '2025-06-01T06:00:00.000Z',
      '2025-06-01T05:12:00.000Z',
      3 * H,
      'running',
    ]);
  });
});

describe('SLA clock: met targets and next response', () => {
  it('is met on time at the due instant and late one ms after, and stops counting when met', () => {
    const onTime = computeSla(
      cn,
      urgent,
      timeline({ firstResponseAt: at('2025-03-03T11:00:00+08:00') }),
      at('2025-03-05T10:00:00+08:00'),
    ).firstResponse!;
    expect([onTime.state, onTime.metLate, onTime.elapsedMs]).toEqual(['met', false, 60 * MIN]);
    const late = computeSla(
      cn,
      urgent,
      timeline({ firstResponseAt: at('2025-03-03T11:00:00.001+08:00') }),
      at('2025-03-05T10:00:00+08:00'),
    ).firstResponse!;
    expect([late.state, late.metLate, late.remainingMs]).toEqual(['met', true, -1]);
  });

  it('does not count a reply stamped after now (replaying history)', () => {
    const r = computeSla(
      cn,
      urgent,
      timeline({ firstResponseAt: at('2025-03-03T11:30:00+08:00') }),
      at('2025-03-03T10:30:00+08:00'),
    ).firstResponse!;
    expect([r.state, r.metAt]).toEqual(['running', null]);
  });

  it('times the next response from the customer’s unanswered message', () => {
    // Customer wrote Tue 17:30 CST; 120 min = Tue 17:30-18:00 + Wed 09:00-10:30: due Wed 10:30 CST = 02:30Z.
    const t = timeline({
      firstResponseAt: at('2025-03-03T10:20:00+08:00'),
      nextResponse: { since: at('2025-03-04T17:30:00+08:00'), respondedAt: null },
    });
    const s = computeSla(cn, urgent, t, at('2025-03-05T09:00:00+08:00'));
    expect([iso(s.nextResponse!.dueAt), s.nextResponse!.state, s.nextResponse!.elapsedMs]).toEqual([
      '2025-03-05T02:30:00.000Z',
      'running',
      30 * MIN,
    ]);
    expect(computeSla(cn, urgent, timeline(), at('2025-03-05T09:00:00+08:00')).nextResponse).toBeNull();
  });

  it('refuses a pause that ends before it starts', () => {
    const r = SlaTimeline.safeParse({ ...timeline(), pauses: [{ from: 2000, to: 1000 }] });
    expect(r.success ? null : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'pauses.0.to: a pause cannot end before it starts',
    ]);
  });
});
