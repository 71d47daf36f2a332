import { z } from 'zod';
import { addBusinessTime, businessTimeBetween, type CalendarIndex } from './calendar-index';

/**
 * The SLA clock: pure functions of (policy targets, calendar index, ticket timeline, now). Nothing here reads the
 * system clock, so the desktop (offline, from its replica) and the server compute identical due times and states.
 * All instants are UTC epoch ms; all durations are business time.
 */

export const MINUTE_MS = 60_000;

export const SlaWarning = z.discriminatedUnion('kind', [
  /** Warn once this share of the target has elapsed, e.g. 80. */
  z.object({ kind: z.literal('percent'), percent: z.number().gt(0).lt(100) }),
  /** Warn this many business minutes before the due time (at the start when the target is shorter). */
  z.object({ kind: z.literal('minutesBefore'), minutes: z.number().int().positive() }),
]);
export type SlaWarning = z.infer<typeof SlaWarning>;

const TargetMinutes = z.number().int().positive().max(525_600).nullable();

/** Targets of one policy (one department x priority x channel); null means "no such target". */
export const SlaTargets = z.object({
  firstResponseMinutes: TargetMinutes,
  nextResponseMinutes: TargetMinutes,
  resolutionMinutes: TargetMinutes,
  warning: SlaWarning,
});
export type SlaTargets = z.infer<typeof SlaTargets>;

const EpochMs = z.number().int().nonnegative();

/** An interval during which every clock stops (pending customer, on hold); `to` null = still paused. */
export const SlaPause = z
  .object({ from: EpochMs, to: EpochMs.nullable() })
  .refine((p) => p.to === null || p.to >= p.from, {
    message: 'a pause cannot end before it starts',
    path: ['to'],
  });
export type SlaPause = z.infer<typeof SlaPause>;

export const SlaTimeline = z.object({
  createdAt: EpochMs,
  /** Given by the caller from the ticket's status history; may overlap and be unsorted. */
  pauses: z.array(SlaPause),
  firstResponseAt: EpochMs.nullable(),
  /** The current next-response cycle: the customer's unanswered message and the reply to it, if any. */
  nextResponse: z.object({ since: EpochMs, respondedAt: EpochMs.nullable() }).nullable(),
  resolvedAt: EpochMs.nullable(),
});
export type SlaTimeline = z.infer<typeof SlaTimeline>;

/** Every state a ticket's SLA (or one target of it) can be in. */
export const SLA_STATES = ['running', 'paused', 'warning', 'breached', 'met'] as const;
export type SlaState = (typeof SLA_STATES)[number];
export type SlaTargetKind = 'firstResponse' | 'nextResponse' | 'resolution';

export interface SlaTargetStatus {
  kind: SlaTargetKind;
  targetMs: number;
  startedAt: number;
  /** When the target is (or was) due, pauses so far included; while paused, the due time if it resumed now. */
  dueAt: number;
  warnAt: number;
  /** Business time counted so far (up to now, or up to the moment it was met), pauses excluded. */
  elapsedMs: number;
  /** targetMs - elapsedMs; negative when overdue. */
  remainingMs: number;
  state: SlaState;
  metAt: number | null;
  /** For met targets: whether they were met after dueAt. */
  metLate: boolean | null;
}

export interface SlaStatus {
  firstResponse: SlaTargetStatus | null;
  nextResponse: SlaTargetStatus | null;
  resolution: SlaTargetStatus | null;
  /** Earliest due time among targets not yet met (the list's "SLA due" sort key); null when none is open. */
  nextDueAt: number | null;
  /** The most urgent state among the targets: breached > warning > running > paused > met; null = no target. */
  state: SlaState | null;
}

interface Span {
  from: number;
  to: number;
}

/** Pauses clipped to [start, end], sorted and merged so that business time is never subtracted twice. */
function clipPauses(pauses: readonly SlaPause[], start: number, end: number, now: number): Span[] {
  const out: Span[] = [];
  for (const p of pauses) {
    const from = p.from > start ? p.from : start;
    const rawTo = p.to === null ? now : p.to;
    const to = rawTo < end ? rawTo : end;
    if (to > from) out.push({ from, to });
  }
  if (out.length > 1) {
    out.sort((a, b) => a.from - b.from);
    let w = 0;
    for (let r = 1; r < out.length; r++) {
      const cur = out[r]!;
      const last = out[w]!;
      if (cur.from <= last.to) last.to = cur.to > last.to ? cur.to : last.to;
      else out[++w] = cur;
    }
    out.length = w + 1;
  }
  return out;
}

/** The instant at which `amount` of unpaused business time has passed since start. */
function pointAfter(index: CalendarIndex, start: number, amount: number, pauses: readonly Span[]): number {
  let cur = start;
  let rem = amount;
  for (const p of pauses) {
    const candidate = addBusinessTime(index, cur, rem);
    if (candidate <= p.from) return candidate;
    rem -= businessTimeBetween(index, cur, p.from);
    cur = p.to;
  }
  return addBusinessTime(index, cur, rem);
}

function warningAmount(targetMs: number, warning: SlaWarning): number {
  if (warning.kind === 'percent') return Math.round((targetMs * warning.percent) / 100);
  const before = targetMs - warning.minutes * MINUTE_MS;
  return before > 0 ? before : 0;
}

/** Status of one target whose clock started at `startedAt` and stops at `metAt` (if it is already met by now). */
export function computeTarget(
  index: CalendarIndex,
  kind: SlaTargetKind,
  targetMinutes: number,
  warning: SlaWarning,
  startedAt: number,
  metAtOrNull: number | null,
  pauses: readonly SlaPause[],
  now: number,
): SlaTargetStatus {
  const targetMs = targetMinutes * MINUTE_MS;
  // A reply stamped after `now` has not happened yet from now's point of view (replaying history).
  const metAt = metAtOrNull !== null && metAtOrNull <= now ? metAtOrNull : null;
  const end = Math.max(startedAt, metAt ?? now);
  const spans = clipPauses(pauses, startedAt, end, now);
  let elapsedMs = businessTimeBetween(index, startedAt, end);
  for (const s of spans) elapsedMs -= businessTimeBetween(index, s.from, s.to);
  const dueAt = pointAfter(index, startedAt, targetMs, spans);
  const warnAt = pointAfter(index, startedAt, warningAmount(targetMs, warning), spans);

  let state: SlaState;
  if (metAt !== null) state = 'met';
  else if (now > dueAt) state = 'breached';
  else if (pauses.some((p) => p.from <= now && (p.to === null || p.to > now) && now >= startedAt))
    state = 'paused';
  else if (now >= warnAt) state = 'warning';
  else state = 'running';
  return {
    kind,
    targetMs,
    startedAt,
    dueAt,
    warnAt,
    elapsedMs,
    remainingMs: targetMs - elapsedMs,
    state,
    metAt,
    metLate: metAt === null ? null : metAt > dueAt,
  };
}

const URGENCY: Record<SlaState, number> = { met: 0, paused: 1, running: 2, warning: 3, breached: 4 };

/** Every target of a policy for one ticket at `now`. */
export function computeSla(
  index: CalendarIndex,
  targets: SlaTargets,
  timeline: SlaTimeline,
  now: number,
): SlaStatus {
  const { warning } = targets;
  const firstResponse =
    targets.firstResponseMinutes === null
      ? null
      : computeTarget(
          index,
          'firstResponse',
          targets.firstResponseMinutes,
          warning,
          timeline.createdAt,
          timeline.firstResponseAt,
          timeline.pauses,
          now,
        );
  const nextResponse =
    targets.nextResponseMinutes === null ||
    timeline.nextResponse === null ||
    timeline.nextResponse.since > now
      ? null
      : computeTarget(
          index,
          'nextResponse',
          targets.nextResponseMinutes,
          warning,
          timeline.nextResponse.since,
          timeline.nextResponse.respondedAt,
          timeline.pauses,
          now,
        );
  const resolution =
    targets.resolutionMinutes === null
      ? null
      : computeTarget(
          index,
          'resolution',
          targets.resolutionMinutes,
          warning,
          timeline.createdAt,
          timeline.resolvedAt,
          timeline.pauses,
          now,
        );
  let nextDueAt: number | null = null;
  let state: SlaState | null = null;
  for (const t of [firstResponse, nextResponse, resolution]) {
    if (t === null) continue;
    if (t.state !== 'met' && (nextDueAt === null || t.dueAt < nextDueAt)) nextDueAt = t.dueAt;
    if (state === null || URGENCY[t.state] > URGENCY[state]) state = t.state;
  }
  return { firstResponse, nextResponse, resolution, nextDueAt, state };
}
