import { DateTime } from 'luxon';
import { minutesOfDay, WEEKDAYS, type BusinessCalendar, type DayHours } from './calendar';

/**
 * A calendar compiled into sorted, disjoint open intervals in UTC epoch ms with prefix sums of open time, so
 * that "business time up to instant t" is one binary search plus arithmetic, and adding business time is the
 * inverse search on the prefix sums. Wall-clock to instant conversion happens only here, through luxon, once per
 * opening range per day, so DST days come out right (a 09:00-17:00 day is 8 h on the change day; a 24x7 day
 * is 23 h or 25 h of real time).
 *
 * The window covers [from, to); queries outside it grow the window (by whole years) and rebuild, which changes
 * no answer: results depend only on the calendar, never on the window.
 */

export const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
/** Guard against runaway growth (e.g. a bogus instant far in the future): 200 years either side of 1970+. */
const MIN_MS = Date.UTC(1900, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);

export interface CalendarIndex {
  readonly calendar: BusinessCalendar;
  /** Covered window [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  starts: Float64Array;
  ends: Float64Array;
  /** Open time before interval i (cumBefore[i]) and up to its end (cumEnd[i]). */
  cumBefore: Float64Array;
  cumEnd: Float64Array;
  count: number;
}

export interface IndexWindow {
  fromMs: number;
  toMs: number;
}

/** Default window around a reference instant: one year back, two years ahead. */
export function defaultWindow(referenceMs: number): IndexWindow {
  return { fromMs: referenceMs - YEAR_MS, toMs: referenceMs + 2 * YEAR_MS };
}

export function buildCalendarIndex(calendar: BusinessCalendar, window: IndexWindow): CalendarIndex {
  const index: CalendarIndex = {
    calendar,
    fromMs: 0,
    toMs: 0,
    starts: new Float64Array(0),
    ends: new Float64Array(0),
    cumBefore: new Float64Array(0),
    cumEnd: new Float64Array(0),
    count: 0,
  };
  compile(index, window.fromMs, window.toMs);
  return index;
}

function compile(index: CalendarIndex, fromMs: number, toMs: number): void {
  if (!(fromMs < toMs) || fromMs < MIN_MS || toMs > MAX_MS) {
    throw new RangeError(
      `calendar window ${fromMs}..${toMs} (epoch ms) is empty or outside the years 1900-2200`,
    );
  }
  const cal = index.calendar;
  const zone = cal.timeZone;
  const holidays = new Set(cal.holidays.map((h) => h.date));
  const workdays = new Map(cal.workdays.map((w) => [w.date, w.hours] as const));

  // Start a day early and end a day late so that intervals of local days straddling the window edges are whole.
  let day = DateTime.fromMillis(fromMs, { zone }).startOf('day').minus({ days: 1 });
  const lastDay = DateTime.fromMillis(toMs, { zone }).startOf('day').plus({ days: 1 });
  const starts: number[] = [];
  const ends: number[] = [];
  while (day <= lastDay) {
    const iso = day.toISODate()!;
    let hours: DayHours;
    if (holidays.has(iso)) hours = [];
    else hours = workdays.get(iso) ?? cal.weekly[WEEKDAYS[day.weekday - 1]!];
    if (hours.length > 0) {
      const sorted =
        hours.length > 1 ? [...hours].sort((a, b) => minutesOfDay(a.start) - minutesOfDay(b.start)) : hours;
      for (const r of sorted) {
        const s = wallToMs(day, r.start);
        const e = wallToMs(day, r.end);
        // A range inside a skipped DST hour is empty; nothing to add.
        if (e <= s) continue;
        const n = ends.length;
        // Touching ranges (24x7, or 23:00-24:00 then 00:00-...) become one interval so the clock never stutters.
        if (n > 0 && s <= ends[n - 1]!) ends[n - 1] = Math.max(ends[n - 1]!, e);
        else {
          starts.push(s);
          ends.push(e);
        }
      }
    }
    day = day.plus({ days: 1 });
  }
  const count = starts.length;
  index.starts = Float64Array.from(starts);
  index.ends = Float64Array.from(ends);
  index.cumBefore = new Float64Array(count);
  index.cumEnd = new Float64Array(count);
  let acc = 0;
  for (let i = 0; i < count; i++) {
    index.cumBefore[i] = acc;
    acc += ends[i]! - starts[i]!;
    index.cumEnd[i] = acc;
  }
  index.count = count;
  index.fromMs = fromMs;
  index.toMs = toMs;
}

function wallToMs(day: DateTime, hhmm: string): number {
  if (hhmm === '24:00') return day.plus({ days: 1 }).toMillis();
  // Built from calendar fields (not by adding a duration) so 09:00 is 09:00 local on a DST change day too.
  return day.set({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3, 5)) }).toMillis();
}

/** Grow the window (whole years at a time) until it covers [lo, hi). */
function ensureCovers(index: CalendarIndex, lo: number, hi: number): void {
  if (lo >= index.fromMs && hi <= index.toMs) return;
  let from = index.fromMs;
  let to = index.toMs;
  while (lo < from) from -= YEAR_MS;
  while (hi > to) to += YEAR_MS;
  compile(index, Math.max(from, MIN_MS), Math.min(to, MAX_MS));
  if (lo < index.fromMs || hi > index.toMs) {
    throw new RangeError('instant outside the supported calendar range (years 1900-2200)');
  }
}

/** Index of the last interval whose start is <= t, or -1. */
function lastStartAtOrBefore(index: CalendarIndex, t: number): number {
  const starts = index.starts;
  let lo = 0;
  let hi = index.count - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** Open time from the window start up to t (t inside the window). */
function cumulativeAt(index: CalendarIndex, t: number): number {
  const i = lastStartAtOrBefore(index, t);
  if (i < 0) return 0;
  const end = index.ends[i]!;
  return t >= end ? index.cumEnd[i]! : index.cumBefore[i]! + (t - index.starts[i]!);
}

/**
 * Business time between two instants, in ms. Signed: negative when `toMs` is before `fromMs`, which lets a
 * caller show how far past a due time a ticket is.
 */
export function businessTimeBetween(index: CalendarIndex, fromMs: number, toMs: number): number {
  if (fromMs === toMs) return 0;
  const lo = fromMs < toMs ? fromMs : toMs;
  const hi = fromMs < toMs ? toMs : fromMs;
  ensureCovers(index, lo, hi);
  return cumulativeAt(index, toMs) - cumulativeAt(index, fromMs);
}

/**
 * The earliest instant at which `durationMs` of business time has passed since `startMs`. A start outside
 * opening hours starts the clock at the next opening; a duration that ends exactly at a closing time is due at
 * that closing time (not at the next opening). Zero duration returns the start itself.
 */
export function addBusinessTime(index: CalendarIndex, startMs: number, durationMs: number): number {
  if (!(durationMs >= 0) || !Number.isFinite(durationMs)) {
    throw new RangeError(`business duration must be a finite, non-negative number of ms (got ${durationMs})`);
  }
  if (durationMs === 0) return startMs;
  ensureCovers(index, startMs, startMs + 1);
  let target = cumulativeAt(index, startMs) + durationMs;
  // Grow ahead until the target falls inside; each loop adds a year of opening hours.
  while (index.count === 0 || target > index.cumEnd[index.count - 1]!) {
    const fromBefore = index.fromMs;
    ensureCovers(index, startMs, index.toMs + YEAR_MS);
    if (index.fromMs !== fromBefore) target = cumulativeAt(index, startMs) + durationMs;
  }
  // First interval whose cumulative end reaches the target.
  const cumEnd = index.cumEnd;
  let lo = 0;
  let hi = index.count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumEnd[mid]! >= target) hi = mid;
    else lo = mid + 1;
  }
  return index.starts[lo]! + (target - index.cumBefore[lo]!);
}

/** Whether the calendar is open at t (opening instant inclusive, closing instant exclusive). */
export function isOpenAt(index: CalendarIndex, t: number): boolean {
  ensureCovers(index, t, t + 1);
  const i = lastStartAtOrBefore(index, t);
  return i >= 0 && t < index.ends[i]!;
}

/** t itself when open, otherwise the next opening instant. */
export function nextOpening(index: CalendarIndex, t: number): number {
  if (isOpenAt(index, t)) return t;
  for (;;) {
    const i = lastStartAtOrBefore(index, t) + 1;
    if (i < index.count) return index.starts[i]!;
    ensureCovers(index, t, index.toMs + YEAR_MS);
  }
}
