import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  buildCalendarIndex,
  BusinessCalendar,
  businessTimeBetween,
  CHINA_MAINLAND_CALENDAR,
  computeTarget,
  defaultWindow,
  type SlaPause,
} from '../../src/shared/sla';

const from = Date.parse('2025-01-01T00:00:00Z');
const to = Date.parse('2026-12-31T00:00:00Z');
const cn = buildCalendarIndex(CHINA_MAINLAND_CALENDAR, defaultWindow(Date.parse('2025-06-01T00:00:00Z')));
// A DST zone with split days and a Saturday morning, to exercise the index beyond the China calendar.
const ny = buildCalendarIndex(
  BusinessCalendar.parse({
    id: 'ny',
    name: 'ny',
    timeZone: 'America/New_York',
    weekly: {
      mon: [
        { start: '08:00', end: '12:00' },
        { start: '12:30', end: '20:00' },
      ],
      tue: [{ start: '08:00', end: '20:00' }],
      wed: [{ start: '08:00', end: '20:00' }],
      thu: [{ start: '08:00', end: '20:00' }],
      fri: [{ start: '08:00', end: '17:00' }],
      sat: [{ start: '00:30', end: '03:30' }],
      sun: [],
    },
    holidays: [{ date: '2025-07-04' }],
  }),
  defaultWindow(Date.parse('2025-06-01T00:00:00Z')),
);
const instant = fc.integer({ min: from, max: to });
const duration = fc.integer({ min: 0, max: 300 * 3_600_000 });

describe('calendar index properties', () => {
  for (const [name, index] of [
    ['China', cn],
    ['New York', ny],
  ] as const) {
    it(`${name}: adding business time then measuring it gives the same duration back`, () => {
      fc.assert(
        fc.property(instant, duration, (start, d) => {
          const due = addBusinessTime(index, start, d);
          expect(businessTimeBetween(index, start, due)).toBe(d);
          expect(due).toBeGreaterThanOrEqual(start);
        }),
        { numRuns: 2000 },
      );
    });

    it(`${name}: the due time never moves earlier for a longer duration`, () => {
      fc.assert(
        fc.property(instant, duration, duration, (start, a, b) => {
          const [short, long] = a <= b ? [a, b] : [b, a];
          expect(addBusinessTime(index, start, short)).toBeLessThanOrEqual(
            addBusinessTime(index, start, long),
          );
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('at the due time exactly the target has elapsed, whatever the pauses', () => {
    const pause = fc
      .tuple(fc.integer({ min: 0, max: 20 * 86_400_000 }), fc.integer({ min: 0, max: 5 * 86_400_000 }))
      .map(([offset, len]) => ({ offset, len }));
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 1, max: 5000 }),
        fc.array(pause, { maxLength: 4 }),
        (start, mins, ps) => {
          const pauses: SlaPause[] = ps.map((p) => ({
            from: start + p.offset,
            to: start + p.offset + p.len,
          }));
          const warning = { kind: 'percent' as const, percent: 80 };
          const far = to + 400 * 86_400_000;
          const dueAt = computeTarget(cn, 'resolution', mins, warning, start, null, pauses, far).dueAt;
          const atDue = computeTarget(cn, 'resolution', mins, warning, start, null, pauses, dueAt);
          expect(atDue.dueAt).toBe(dueAt);
          expect(atDue.remainingMs).toBe(0);
          expect(atDue.state).not.toBe('breached');
          expect(computeTarget(cn, 'resolution', mins, warning, start, null, pauses, dueAt + 1).state).toBe(
            'breached',
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
