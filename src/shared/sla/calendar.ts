import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * Business-hours calendar as data: admins edit it, the server stores it, desktops receive it. Every field is
 * wall-clock in the calendar's own IANA zone; conversion to instants happens once, in the index
 * (calendar-index.ts), through luxon, so DST and zone rules are never hand-written.
 */

/** "HH:MM" wall-clock time; "24:00" is allowed as an end, meaning the start of the next day. */
const WallTime = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'time must be HH:MM between 00:00 and 24:00, e.g. "09:00"');

export const minutesOfDay = (hhmm: string): number =>
  Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const OpenRange = z
  .object({ start: WallTime, end: WallTime })
  .refine((r) => r.start !== '24:00', { message: 'an opening range cannot start at 24:00', path: ['start'] })
  .refine((r) => minutesOfDay(r.end) > minutesOfDay(r.start), {
    message: 'end must be after start (ranges cannot cross midnight; use 24:00 and the next day’s 00:00)',
    path: ['end'],
  });
export type OpenRange = z.infer<typeof OpenRange>;

/** Opening ranges of one day; several allowed (e.g. a lunch break), overlapping ones are refused. */
export const DayHours = z.array(OpenRange).superRefine((ranges, ctx) => {
  const sorted = ranges
    .map((r, i) => ({ i, s: minutesOfDay(r.start), e: minutesOfDay(r.end), r }))
    .sort((a, b) => a.s - b.s);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!;
    const cur = sorted[k]!;
    if (cur.s < prev.e) {
      ctx.addIssue({
        code: 'custom',
        message: `opening ranges overlap: ${prev.r.start}-${prev.r.end} and ${cur.r.start}-${cur.r.end}`,
        path: [cur.i],
      });
    }
  }
});
export type DayHours = z.infer<typeof DayHours>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const WeeklyHours = z.object({
  mon: DayHours,
  tue: DayHours,
  wed: DayHours,
  thu: DayHours,
  fri: DayHours,
  sat: DayHours,
  sun: DayHours,
});
export type WeeklyHours = z.infer<typeof WeeklyHours>;

/** A calendar date in the calendar's zone, "YYYY-MM-DD", checked to exist (no 2025-02-30). */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD')
  .refine((d) => DateTime.fromISO(d, { zone: 'utc' }).isValid, { message: 'no such date' });
export type LocalDate = z.infer<typeof LocalDate>;

export const TimeZone = z.string().refine((tz) => IANAZone.isValidZone(tz), {
  message: 'unknown time zone: use an IANA name such as "Asia/Shanghai" or "Europe/Berlin"',
});

export const Holiday = z.object({ date: LocalDate, name: z.string().max(100).optional() });
export type Holiday = z.infer<typeof Holiday>;

/** 调休: a date that is a working day with these hours whatever its weekday (typically a weekend). */
export const MakeUpWorkday = z.object({
  date: LocalDate,
  hours: DayHours.refine((h) => h.length > 0, { message: 'a make-up working day needs opening hours' }),
  name: z.string().max(100).optional(),
});
export type MakeUpWorkday = z.infer<typeof MakeUpWorkday>;

export const BusinessCalendar = z
  .object({
    id: z.string().min(1).max(100),
    name: z.string().min(1).max(200),
    timeZone: TimeZone,
    weekly: WeeklyHours,
    holidays: z.array(Holiday).default([]),
    workdays: z.array(MakeUpWorkday).default([]),
  })
  .superRefine((cal, ctx) => {
    // A week without any opening would make every due time infinitely far away.
    if (WEEKDAYS.every((d) => cal.weekly[d].length === 0)) {
      ctx.addIssue({
        code: 'custom',
        message: 'the calendar is never open: give at least one weekday opening hours',
        path: ['weekly'],
      });
    }
    const seen = new Map<string, string>();
    cal.holidays.forEach((h, i) => {
      if (seen.has(h.date)) {
        ctx.addIssue({ code: 'custom', message: `holiday ${h.date} is listed twice`, path: ['holidays', i] });
      }
      seen.set(h.date, 'holiday');
    });
    cal.workdays.forEach((w, i) => {
      const other = seen.get(w.date);
      if (other) {
        ctx.addIssue({
          code: 'custom',
          message:
            other === 'holiday'
              ? `${w.date} is both a holiday and a make-up working day: keep only one`
              : `make-up working day ${w.date} is listed twice`,
          path: ['workdays', i, 'date'],
        });
      }
      seen.set(w.date, 'workday');
    });
  });
export type BusinessCalendar = z.infer<typeof BusinessCalendar>;
export type BusinessCalendarInput = z.input<typeof BusinessCalendar>;

const allDay: DayHours = [{ start: '00:00', end: '24:00' }];

/** Always open, in the given zone (zone only matters for reporting; the time is continuous). */
export function calendar24x7(id = '24x7', timeZone = 'UTC'): BusinessCalendar {
  return BusinessCalendar.parse({
    id,
    name: 'Always open (24x7)',
    timeZone,
    weekly: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
  });
}

/** One line per problem, "path: message", for admin screens and error responses. */
export function describeCalendarIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
}
