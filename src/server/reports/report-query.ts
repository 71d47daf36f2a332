import { DateTime } from 'luxon';
import { SwitchboardError, type User } from '../../shared';
import type { ReportFigures, ReportQuery, ReportResult, ReportRow } from '../../shared/protocol/reports';
import type { Db, ReportMeasures } from '../db/schema';
import { DAY_ROWS } from './aggregator';
import { MEASURES } from './facts';

type Sums = ReportMeasures & { busy_sec: number; staffed_sec: number };
/** Written out, not spread from zeroMeasures(): a spread object is a slow one to add to, per row and column. */
const zero = (): Sums => ({
  volume: 0,
  answered: 0,
  abandoned: 0,
  fr_count: 0,
  fr_sec: 0,
  resolved: 0,
  res_sec: 0,
  sla_met: 0,
  sla_total: 0,
  handled: 0,
  handle_sec: 0,
  transfers: 0,
  csat_count: 0,
  csat_sum: 0,
  busy_sec: 0,
  staffed_sec: 0,
});
const COLUMNS = [...MEASURES, 'busy_sec', 'staffed_sec'] as const;

/**
 * Who sees which departments' reports: administrators every department (or the one they pick); supervisors
 * and team leads their own department only; agents none (the desktop shows them no Reports page).
 */
export async function reportDepartments(db: Db, user: User, asked?: string): Promise<string[]> {
  if (user.role === 'agent')
    throw new SwitchboardError('forbidden', 'Reports are for supervisors and administrators.');
  if (user.role === 'admin') {
    if (asked) return [asked];
    return (await db.selectFrom('departments').select('id').orderBy('code').execute()).map((d) => d.id);
  }
  if (!user.departmentId)
    throw new SwitchboardError('forbidden', 'You belong to no department, so there is no report to show.');
  if (asked && asked !== user.departmentId)
    throw new SwitchboardError('forbidden', "You may see your own department's reports only.");
  return [user.departmentId];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const avg = (sum: number, n: number) => (n > 0 ? round1(sum / n) : null);
const pct = (part: number, whole: number) => (whole > 0 ? round1((100 * part) / whole) : null);

export function figuresOf(s: Sums): ReportFigures {
  return {
    volume: s.volume,
    answered: s.answered,
    abandoned: s.abandoned,
    firstResponseCount: s.fr_count,
    firstResponseAvgSeconds: avg(s.fr_sec, s.fr_count),
    resolvedCount: s.resolved,
    resolutionAvgSeconds: avg(s.res_sec, s.resolved),
    slaMet: s.sla_met,
    slaTotal: s.sla_total,
    slaPercent: pct(s.sla_met, s.sla_total),
    handledCount: s.handled,
    handleAvgSeconds: avg(s.handle_sec, s.handled),
    busySeconds: s.busy_sec,
    staffedSeconds: s.staffed_sec,
    occupancyPercent: pct(s.busy_sec, s.staffed_sec),
    transfers: s.transfers,
    csatCount: s.csat_count,
    csatAverage: s.csat_count > 0 ? Math.round((100 * s.csat_sum) / s.csat_count) / 100 : null,
  };
}

/** The instants a report's days cover, in the zone: [start of `from`, start of the day after `to`). */
export function rangeOf(
  q: Pick<ReportQuery, 'from' | 'to'>,
  zone: string,
): { startMs: number; endMs: number } {
  const start = DateTime.fromISO(q.from, { zone }).startOf('day');
  const end = DateTime.fromISO(q.to, { zone }).startOf('day').plus({ days: 1 });
  return { startMs: start.toMillis(), endMs: end.toMillis() };
}

const UNIT = { hour: 'hour', day: 'day', week: 'week' } as const;
/** Keys in the order localeCompare gives, from one collator: localeCompare makes one per call (µs each). */
const byKey = new Intl.Collator().compare;

/**
 * One report from the bucket rows: summed per bucket and key by the database (day rows for days and weeks, a
 * few hundred for a month; 15-minute rows for hours and quarters), then folded into the zone's hours or weeks
 * here (a day of the zone is not a fixed number of buckets: summer time, and zones 30 or 45 minutes off the
 * hour, which 15 minutes still divide).
 */
export async function runReport(
  db: Db,
  q: ReportQuery,
  departments: string[],
  zone: string,
): Promise<Omit<ReportResult, 'asOf'>> {
  const { startMs, endMs } = rangeOf(q, zone);
  // Days and weeks read the rows kept per day of the zone; hours and quarters the 15-minute ones.
  const daily = q.interval === 'day' || q.interval === 'week';
  const rows =
    departments.length === 0
      ? []
      : await db
          .selectFrom('report_buckets')
          .select(['bucket_ms', 'dim_key'])
          .select((eb) => COLUMNS.map((c) => eb.fn.sum<number>(c).as(c)))
          .where('dim', '=', daily ? `${q.dimension}${DAY_ROWS}` : q.dimension)
          .where('department_id', 'in', departments)
          .where('bucket_ms', '>=', startMs)
          .where('bucket_ms', '<', endMs)
          .groupBy(['bucket_ms', 'dim_key'])
          .execute();
  const cells = new Map<string, { start: number; key: string; sums: Sums }>();
  const totals = new Map<string, Sums>();
  const startCache = new Map<number, number>();
  for (const r of rows) {
    const b = Number(r.bucket_ms);
    let start = startCache.get(b);
    if (start === undefined) {
      start =
        q.interval === '15m'
          ? b
          : DateTime.fromMillis(b, { zone }).startOf(UNIT[q.interval], { useLocaleWeeks: false }).toMillis();
      startCache.set(b, start);
    }
    const k = `${start}\u0000${r.dim_key}`;
    let cell = cells.get(k);
    if (!cell) cells.set(k, (cell = { start, key: r.dim_key, sums: zero() }));
    let total = totals.get(r.dim_key);
    if (!total) totals.set(r.dim_key, (total = zero()));
    for (const c of COLUMNS) {
      const v = Number(r[c] ?? 0);
      cell.sums[c] += v;
      total[c] += v;
    }
  }
  // An interval's start written once, not per key (Luxon in a zone costs tens of µs: 240 agents × 31 days).
  const isoCache = new Map<number, string>();
  const isoOf = (ms: number) => {
    let s = isoCache.get(ms);
    if (s === undefined) isoCache.set(ms, (s = DateTime.fromMillis(ms, { zone }).toISO()!));
    return s;
  };
  // Keys ranked once (a few hundred collator comparisons), rows sorted by rank: comparing keys with the
  // collator in the sort of thousands of rows (240 agents × 31 days) was most of a report's time.
  const rank = new Map([...totals.keys()].sort(byKey).map((k, i) => [k, i]));
  const out: ReportRow[] = [...cells.values()]
    .filter((c) => COLUMNS.some((col) => c.sums[col] !== 0))
    .sort((a, b) => a.start - b.start || rank.get(a.key)! - rank.get(b.key)!)
    .map((c) => ({
      start: isoOf(c.start),
      key: c.key,
      figures: figuresOf(c.sums),
    }));
  return {
    timeZone: zone,
    interval: q.interval,
    dimension: q.dimension,
    from: q.from,
    to: q.to,
    departments,
    labels: await labelsOf(db, q.dimension, [...totals.keys()]),
    rows: out,
    totals: [...totals.entries()]
      .filter(([, s]) => COLUMNS.some((col) => s[col] !== 0))
      .sort(([a], [b]) => byKey(a, b))
      .map(([key, s]) => ({ key, figures: figuresOf(s) })),
  };
}

export async function labelsOf(
  db: Db,
  dimension: ReportQuery['dimension'],
  keys: string[],
): Promise<Record<string, { zh: string; en: string }>> {
  const ids = keys.filter((k) => k !== '');
  if (ids.length === 0) return {};
  if (dimension === 'department') {
    const rows = await db
      .selectFrom('departments')
      .select(['id', 'name_zh', 'name_en'])
      .where('id', 'in', ids)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.id, { zh: r.name_zh, en: r.name_en }]));
  }
  if (dimension === 'queue') {
    const rows = await db
      .selectFrom('queues')
      .select(['id', 'number', 'name_zh', 'name_en'])
      .where('id', 'in', ids)
      .execute();
    return Object.fromEntries(
      rows.map((r) => [r.id, { zh: `${r.name_zh} (${r.number})`, en: `${r.name_en} (${r.number})` }]),
    );
  }
  if (dimension === 'agent') {
    const rows = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids).execute();
    return Object.fromEntries(rows.map((r) => [r.id, { zh: r.display_name, en: r.display_name }]));
  }
  return {};
}

/** A CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; formula-looking text defused. */
function cell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = [
  'interval_start',
  'key',
  'name',
  'volume',
  'answered',
  'abandoned',
  'first_response_avg_s',
  'resolved',
  'resolution_avg_s',
  'sla_met',
  'sla_total',
  'sla_percent',
  'handled',
  'handle_avg_s',
  'occupancy_percent',
  'transfers',
  'csat_count',
  'csat_average',
] as const;

/**
 * The report as CSV: RFC 4180 (CRLF, quoted where needed), UTF-8 with a byte-order mark so Excel reads Chinese
 * names right. Names in the language asked for.
 */
export function reportCsv(r: Omit<ReportResult, 'asOf'>, language: 'zh' | 'en'): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of r.rows) {
    const f = row.figures;
    const name = r.labels[row.key]?.[language] ?? row.key;
    lines.push(
      [
        row.start,
        row.key,
        name,
        f.volume,
        f.answered,
        f.abandoned,
        f.firstResponseAvgSeconds,
        f.resolvedCount,
        f.resolutionAvgSeconds,
        f.slaMet,
        f.slaTotal,
        f.slaPercent,
        f.handledCount,
        f.handleAvgSeconds,
        f.occupancyPercent,
        f.transfers,
        f.csatCount,
        f.csatAverage,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
