import type { SupervisorView } from '../../shared/ipc/supervisor';
import type { AgentLive, QueueLive } from '../../shared/protocol/supervisor';

/** The service's clock now, from this desktop's, by how far apart they were when the view last changed. */
export function serviceNow(v: SupervisorView, now: number): number {
  if (!v.view || !v.receivedAt) return now;
  return now - (Date.parse(v.receivedAt) - Date.parse(v.view.at));
}

/** Seconds as "0:42", "12:05", "1:02:33". */
export function clock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds since an instant, on the service's clock. */
export const since = (iso: string | null, serviceMs: number) =>
  iso === null ? null : (serviceMs - Date.parse(iso)) / 1000;

export type Tone = 'success' | 'warning' | 'error' | 'default';

/** The service level against the queue's target: met, within 10 points of it, or below. */
export function levelTone(q: Pick<QueueLive, 'serviceLevel' | 'serviceLevelTarget'>): Tone {
  if (q.serviceLevel === null) return 'default';
  if (q.serviceLevel >= q.serviceLevelTarget) return 'success';
  if (q.serviceLevel >= q.serviceLevelTarget - 0.1) return 'warning';
  return 'error';
}

/** The longest wait against the queue's threshold: under it, past it, past twice it. */
export function waitTone(seconds: number | null, threshold: number): Tone {
  if (seconds === null) return 'default';
  if (seconds < threshold) return 'success';
  return seconds < threshold * 2 ? 'warning' : 'error';
}

export const STATE_COLOR: Record<AgentLive['state'], 'success' | 'error' | 'warning' | 'default' | 'info'> = {
  Available: 'success',
  OnCall: 'error',
  WrapUp: 'info',
  Break: 'warning',
  Offline: 'default',
};

export type SortDir = 'asc' | 'desc';
export interface Sort<K extends string> {
  key: K;
  dir: SortDir;
}

/** Rows sorted by one column's value (numbers, text, nulls last), stable. */
export function sortRows<T, K extends string>(
  rows: readonly T[],
  sort: Sort<K>,
  value: (row: T, key: K) => string | number | null,
  lang: string,
): T[] {
  const collator = new Intl.Collator(lang, { numeric: true });
  const sign = sort.dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: value(r, sort.key) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const c =
        typeof a.v === 'number' && typeof b.v === 'number'
          ? a.v - b.v
          : collator.compare(String(a.v), String(b.v));
      return c !== 0 ? c * sign : a.i - b.i;
    })
    .map((x) => x.r);
}
