import type { BusinessCalendarInput, DayHours, Holiday, MakeUpWorkday } from '../../shared';

/**
 * Calendars as an admin types them: a day's hours as "09:00-12:00, 13:00-18:00", a holiday per line as
 * "2025-10-01 国庆节", a make-up working day as "2025-09-28 09:00-12:00, 13:00-18:00 调休". What a line holds is
 * then checked by the shared BusinessCalendar schema, which says what is wrong (overlaps, unknown dates).
 */

const RANGE = /^(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})$/;
const pad = (hhmm: string) => (hhmm.length === 4 ? `0${hhmm}` : hhmm);

export const hoursText = (hours: DayHours): string => hours.map((r) => `${r.start}-${r.end}`).join(', ');

/** null: a part is not a range (the caller names the line). */
export function parseHours(text: string): DayHours | null {
  const parts = text
    .split(/[,，;；]/)
    .map((p) => p.trim())
    .filter(Boolean);
  const out: DayHours = [];
  for (const p of parts) {
    const m = RANGE.exec(p);
    if (!m) return null;
    out.push({ start: pad(m[1]!), end: pad(m[2]!) });
  }
  return out;
}

export const holidaysText = (hs: readonly Holiday[]): string =>
  hs.map((h) => `${h.date}${h.name ? ` ${h.name}` : ''}`).join('\n');

export const workdaysText = (ws: readonly MakeUpWorkday[]): string =>
  ws.map((w) => `${w.date} ${hoursText(w.hours)}${w.name ? ` ${w.name}` : ''}`).join('\n');

export type LineError = { line: number; text: string };

export function parseHolidays(text: string): Holiday[] | LineError {
  const out: Holiday[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\d{4}-\d{2}-\d{2})(?:\s+(.+))?$/.exec(line);
    if (!m) return { line: i + 1, text: line };
    out.push(m[2] ? { date: m[1]!, name: m[2].trim() } : { date: m[1]! });
  }
  return out;
}

export function parseWorkdays(text: string): MakeUpWorkday[] | LineError {
  const out: MakeUpWorkday[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    // The date, then ranges (digits, colons, dashes, commas), then an optional name.
    const m = /^(\d{4}-\d{2}-\d{2})\s+([\d:\s,，\-–~]+?)(?:\s+([^\d\s].*))?$/.exec(line);
    const hours = m ? parseHours(m[2]!) : null;
    if (!m || !hours || hours.length === 0) return { line: i + 1, text: line };
    out.push(m[3] ? { date: m[1]!, hours, name: m[3].trim() } : { date: m[1]!, hours });
  }
  return out;
}

export const isLineError = (x: unknown): x is LineError =>
  typeof x === 'object' && x !== null && 'line' in x && !Array.isArray(x);

export type CalendarDraft = BusinessCalendarInput;
