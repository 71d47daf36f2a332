import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  BusinessCalendar,
  buildCalendarIndex,
  businessTimeBetween,
  calendar24x7,
  CHINA_MAINLAND_CALENDAR,
  defaultWindow,
  describeCalendarIssues,
  isOpenAt,
  nextOpening,
  type BusinessCalendarInput,
  type DayHours,
} from '../../src/shared/sla';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const cn = buildCalendarIndex(CHINA_MAINLAND_CALENDAR, defaultWindow(at('2025-06-01T00:00:00Z')));

const nineToFive: DayHours = [{ start: '09:00', end: '17:00' }];
const everyDay = (timeZone: string, hours: DayHours): BusinessCalendarInput => ({
  id: 'x',
  name: 'x',
  timeZone,
  weekly: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours, sat: hours, sun: hours },
});

function issues(input: unknown): string[] {
  const r = BusinessCalendar.safeParse(input);
  expect(r.success).toBe(false);
  return r.success ? [] : describeCalendarIssues(r.error);
}

describe('business calendar validation', () => {
  const base = everyDay('Asia/Shanghai', nineToFive);

  it('names an unknown time zone', () => {
    expect(issues({ ...base, timeZone: 'Asia/Shanghia' })).toEqual([
      'timeZone: unknown time zone: use an IANA name such as "Asia/Shanghai" or "Europe/Berlin"',
    ]);
  });

  it('names the overlapping ranges and the day', () => {
    const bad = [
      { start: '09:00', end: '12:00' },
      { start: '11:30', end: '18:00' },
    ];
    expect(issues({ ...base, weekly: { ...base.weekly, wed: bad } })).toEqual([
      'weekly.wed.1: opening ranges overlap: 09:00-12:00 and 11:30-18:00',
    ]);
  });

  it('refuses an end before its start and malformed times', () => {
    expect(issues({ ...base, weekly: { ...base.weekly, mon: [{ start: '18:00', end: '09:00' }] } })).toEqual([
      'weekly.mon.0.end: end must be after start (ranges cannot cross midnight; use 24:00 and the next day’s 00:00)',
    ]);
    expect(issues({ ...base, weekly: { ...base.weekly, mon: [{ start: '9:00', end: '17:00' }] } })[0]).toBe(
      'weekly.mon.0.start: time must be HH:MM between 00:00 and 24:00, e.g. "09:00"',
    );
  });

  it('refuses a date that is both a holiday and a make-up working day, and dates that do not exist', () => {
    expect(
      issues({
        ...base,
        holidays: [{ date: '2025-02-08' }],
        workdays: [{ date: '2025-02-08', hours: nineToFive }],
      }),
    ).toEqual(['workdays.0.date: 2025-02-08 is both a holiday and a make-up working day: keep only one']);
    expect(issues({ ...base, holidays: [{ date: '2025-02-30' }] })).toEqual([
      'holidays.0.date: no such date',
    ]);
  });

  it('refuses a calendar that is never open, which would make every due time infinite', () => {
    const closed: DayHours = [];
    expect(issues(everyDay('UTC', closed))).toEqual([
      'weekly: the calendar is never open: give at least one weekday opening hours',
    ]);
  });
});

describe('mainland China example calendar', () => {
  it('holds the 2025 and 2026 public holidays and make-up working days', () => {
    const holidays = CHINA_MAINLAND_CALENDAR.holidays.map((h) => h.date);
    // 2025: 1 + 8 + 3 + 5 + 3 + 8 = 28 days; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7 = 33 days.
    expect(holidays.filter((d) => d.startsWith('2025'))).toHaveLength(28);
    expect(holidays.filter((d) => d.startsWith('2026'))).toHaveLength(33);
    expect(CHINA_MAINLAND_CALENDAR.workdays.map((w) => w.date)).toEqual([
      '2025-01-26',
      '2025-02-08',
      '2025-04-27',
      '2025-09-28',
      '2025-10-11',
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
  });

  it('is closed on holidays and open on make-up Saturdays and Sundays', () => {
    expect(isOpenAt(cn, at('2025-01-29T10:00:00+08:00'))).toBe(false); // 春节, a Wednesday
    expect(isOpenAt(cn, at('2025-01-26T10:00:00+08:00'))).toBe(true); // make-up Sunday
    expect(isOpenAt(cn, at('2025-02-08T17:59:00+08:00'))).toBe(true); // make-up Saturday
    expect(isOpenAt(cn, at('2025-02-09T10:00:00+08:00'))).toBe(false); // ordinary Sunday
    expect(isOpenAt(cn, at('2025-03-03T12:30:00+08:00'))).toBe(false); // lunch
    expect(iso(nextOpening(cn, at('2025-01-27T18:00:00+08:00')))).toBe('2025-02-05T01:00:00.000Z'); // 09:00 CST
  });
});

describe('business time on the China calendar', () => {
  it('counts a ticket opened the evening before Spring Festival 2025 from the first day after the holiday', () => {
    // Mon 2025-01-27 19:00 CST, after closing; Jan 28-Feb 4 are holidays. 8 business hours = Wed Feb 5
    // 09:00-12:00 (3 h) + 13:00-18:00 (5 h): due Feb 5 18:00 CST = 10:00Z.
    const opened = at('2025-01-27T19:00:00+08:00');
    expect(iso(addBusinessTime(cn, opened, 8 * H))).toBe('2025-02-05T10:00:00.000Z');
    // 32 h = Wed 5, Thu 6, Fri 7 (24 h) + the make-up Saturday Feb 8 (8 h): due Sat Feb 8 18:00 CST.
    expect(iso(addBusinessTime(cn, opened, 32 * H))).toBe('2025-02-08T10:00:00.000Z');
    // 33 h: the Sunday after is an ordinary day off, so the last hour is Mon Feb 10 09:00-10:00 CST.
    expect(iso(addBusinessTime(cn, opened, 33 * H))).toBe('2025-02-10T02:00:00.000Z');
    expect(businessTimeBetween(cn, opened, at('2025-02-10T10:00:00+08:00'))).toBe(33 * H);
  });

  it('spans an ordinary weekend', () => {
    // Fri 2025-03-07 16:00 CST + 4 h: 2 h on Friday, then Mon 10 09:00-11:00 CST.
    expect(iso(addBusinessTime(cn, at('2025-03-07T16:00:00+08:00'), 4 * H))).toBe('2025-03-10T03:00:00.000Z');
    expect(businessTimeBetween(cn, at('2025-03-07T16:00:00+08:00'), at('2025-03-10T11:00:00+08:00'))).toBe(
      4 * H,
    );
  });

  it('handles exact boundaries: closing time, lunch, opening time', () => {
    // 3 h from Mon 09:00 ends exactly at 12:00, the start of lunch, not at 13:00.
    expect(iso(addBusinessTime(cn, at('2025-03-03T09:00:00+08:00'), 3 * H))).toBe('2025-03-03T04:00:00.000Z');
    // One more millisecond jumps over lunch.
    expect(addBusinessTime(cn, at('2025-03-03T09:00:00+08:00'), 3 * H + 1)).toBe(
      at('2025-03-03T13:00:00.001+08:00'),
    );
    // Starting during lunch: the clock starts at 13:00.
    expect(iso(addBusinessTime(cn, at('2025-03-03T12:30:00+08:00'), H))).toBe('2025-03-03T06:00:00.000Z');
    // Starting exactly at Friday 18:00: the first hour is Monday 09:00-10:00.
    expect(iso(addBusinessTime(cn, at('2025-03-07T18:00:00+08:00'), H))).toBe('2025-03-10T02:00:00.000Z');
    // A full day ending exactly at Friday's closing is due at Friday 18:00, not Monday 09:00.
    expect(iso(addBusinessTime(cn, at('2025-03-07T09:00:00+08:00'), 8 * H))).toBe('2025-03-07T10:00:00.000Z');
    expect(businessTimeBetween(cn, at('2025-03-03T12:00:00+08:00'), at('2025-03-03T13:00:00+08:00'))).toBe(0);
    expect(addBusinessTime(cn, at('2025-03-08T10:00:00+08:00'), 0)).toBe(at('2025-03-08T10:00:00+08:00'));
  });

  it('is signed when the instants are given backwards', () => {
    expect(businessTimeBetween(cn, at('2025-03-03T11:00:00+08:00'), at('2025-03-03T09:00:00+08:00'))).toBe(
      -2 * H,
    );
  });

  it('grows its window on demand without changing answers', () => {
    const small = buildCalendarIndex(CHINA_MAINLAND_CALENDAR, {
      fromMs: at('2025-03-01T00:00:00Z'),
      toMs: at('2025-03-02T00:00:00Z'),
    });
    // National Day 2025: Sat Sep 27 is an ordinary weekend day, Sun Sep 28 a make-up day, Oct 1-8 closed,
    // Sat Oct 11 a make-up day. From Tue Sep 30 18:00: 8 h on Thu Oct 9, 8 h on Fri Oct 10, then Sat Oct 11.
    const from = at('2025-09-30T18:00:00+08:00');
    expect(iso(addBusinessTime(small, from, 17 * H))).toBe('2025-10-11T02:00:00.000Z');
    expect(addBusinessTime(small, from, 17 * H)).toBe(addBusinessTime(cn, from, 17 * H));
    expect(small.toMs).toBeGreaterThan(at('2025-10-11T00:00:00Z'));
    // And backwards, into 2024 (ordinary weekdays, no 2024 holidays in the data): Fri Dec 27 2024 to Mon Dec 30.
    expect(businessTimeBetween(small, at('2024-12-27T17:00:00+08:00'), at('2024-12-30T10:00:00+08:00'))).toBe(
      2 * H,
    );
  });
});

describe('time zones and daylight saving', () => {
  it('keeps a 09:00-17:00 day 8 h long across the spring change in Berlin', () => {
    // 2025-03-30 (Sunday) clocks go 02:00 CET -> 03:00 CEST; every day 09:00-17:00 local.
    const berlin = buildCalendarIndex(BusinessCalendar.parse(everyDay('Europe/Berlin', nineToFive)), {
      fromMs: at('2025-03-01T00:00:00Z'),
      toMs: at('2025-05-01T00:00:00Z'),
    });
    expect(
      businessTimeBetween(berlin, at('2025-03-30T00:00:00+01:00'), at('2025-03-31T00:00:00+02:00')),
    ).toBe(8 * H);
    // Sat 29 16:00 CET + 2 h: 1 h Saturday, then Sunday 09:00-10:00 CEST = 08:00Z (not 09:00Z).
    expect(iso(addBusinessTime(berlin, at('2025-03-29T16:00:00+01:00'), 2 * H))).toBe(
      '2025-03-30T08:00:00.000Z',
    );
  });

  it('keeps a 09:00-17:00 day 8 h long across the autumn change in New York', () => {
    // 2025-11-02 (Sunday) clocks go 02:00 EDT -> 01:00 EST.
    const ny = buildCalendarIndex(BusinessCalendar.parse(everyDay('America/New_York', nineToFive)), {
      fromMs: at('2025-10-01T00:00:00Z'),
      toMs: at('2025-12-01T00:00:00Z'),
    });
    // Sat Nov 1 17:00 EDT + 8 h = Sun Nov 2 17:00 EST = 22:00Z.
    expect(iso(addBusinessTime(ny, at('2025-11-01T17:00:00-04:00'), 8 * H))).toBe('2025-11-02T22:00:00.000Z');
    expect(businessTimeBetween(ny, at('2025-11-02T09:00:00-05:00'), at('2025-11-02T17:00:00-05:00'))).toBe(
      8 * H,
    );
  });

  it('counts real time on a 24x7 calendar: the spring-change day in Berlin has 23 h', () => {
    const always = buildCalendarIndex(
      calendar24x7('24x7', 'Europe/Berlin'),
      defaultWindow(at('2025-03-30T00:00:00Z')),
    );
    expect(always.count).toBe(1); // merged into one continuous interval
    expect(
      businessTimeBetween(always, at('2025-03-30T00:00:00+01:00'), at('2025-03-31T00:00:00+02:00')),
    ).toBe(23 * H);
    expect(iso(addBusinessTime(always, at('2025-03-29T23:30:00Z'), 49 * H))).toBe('2025-04-01T00:30:00.000Z');
  });

  it('reads holidays as dates in the calendar’s own zone', () => {
    // Holiday 2025-05-01 in Asia/Tokyo is 2025-04-30T15:00Z..2025-05-01T15:00Z; every day 00:00-24:00 otherwise.
    const allDay: DayHours = [{ start: '00:00', end: '24:00' }];
    const tokyo = buildCalendarIndex(
      BusinessCalendar.parse({ ...everyDay('Asia/Tokyo', allDay), holidays: [{ date: '2025-05-01' }] }),
      defaultWindow(at('2025-05-01T00:00:00Z')),
    );
    expect(businessTimeBetween(tokyo, at('2025-04-30T12:00:00Z'), at('2025-05-01T18:00:00Z'))).toBe(6 * H);
    expect(iso(addBusinessTime(tokyo, at('2025-04-30T14:00:00Z'), 2 * H))).toBe('2025-05-01T16:00:00.000Z');
  });
});
