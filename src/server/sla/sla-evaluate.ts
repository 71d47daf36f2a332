import {
  slaTimeline,
  type SlaComment,
  type SlaEngine,
  type SlaHistory,
  type SlaTargetKind,
  type SlaTicket,
  type SlaTimeline,
  type TicketSla,
} from '../../shared/sla';
import type { Database } from '../db/schema';

/**
 * A ticket's SLA outcome from its inputs with the shared engine: what the service stores and the events it
 * owes. Pure (no store, no clock), and imported by the recompute's worker thread (recompute-worker.ts), which
 * loads this and src/shared/sla only: the whole of src/shared took most of a second to load there.
 */

export type SlaEventKind = 'warning' | 'breach';

/** A warning or breach of one target, keyed as sla_events and SlaAlert key it (by the target's due time). */
export interface SlaEvent {
  target: SlaTargetKind;
  kind: SlaEventKind;
  dueAt: number;
  /** The instant it happens: warnAt for a warning, just after dueAt for a breach (breached means now > dueAt). */
  at: number;
}

/** An event's key in SlaInputs.fired: by epoch ms, so no date is formatted to look one up. */
export const keyOf = (e: Pick<SlaEvent, 'target' | 'kind' | 'dueAt'>) => `${e.target}:${e.kind}:${e.dueAt}`;

/** The columns of a ticket its SLA is computed from. */
export type SlaTicketRow = Pick<
  Database['tickets'],
  'id' | 'department_id' | 'priority' | 'status' | 'created_at'
> & {
  channel: SlaTicket['channel'];
};

export interface SlaInputs {
  row: SlaTicketRow;
  history: SlaHistory[];
  /** Public comments only (internal is left out: every one is public). */
  comments: Omit<SlaComment, 'internal'>[];
  /** Keys (keyOf) of the events already in sla_events (add with markFired: an empty one is shared). */
  fired: ReadonlySet<string>;
  /**
   * The timeline as stored with the ticket's last change (sla_timeline), when the record was not read: a
   * calendar or policy edit changes due times, not timelines.
   */
  timeline?: SlaTimeline;
}

/** The fired set of tickets with none: one for all (a recompute reads a million tickets, most with none). */
export const NONE_FIRED: ReadonlySet<string> = new Set();

/** Records in `inputs` that the event is in sla_events now. */
export function markFired(inputs: SlaInputs, e: Pick<SlaEvent, 'target' | 'kind' | 'dueAt'>): void {
  const own = inputs.fired === NONE_FIRED ? new Set<string>() : (inputs.fired as Set<string>);
  own.add(keyOf(e));
  inputs.fired = own;
}

export interface SlaOutcome {
  sla: TicketSla | null;
  /** Epoch ms, as stored (sla_due_ms). */
  dueAt: number | null;
  state: string | null;
  /** When the next event not yet fired happens (may be <= now: the sweeper acts on it); null = none. */
  nextCheckAt: number | null;
  /** Events not yet fired whose instant has come, in the order they happened. */
  due: SlaEvent[];
  /** The timeline computed from the record (JSON, to store); null when it came stored. */
  timeline: string | null;
}

export const slaTicketOf = (r: SlaTicketRow): SlaTicket => ({
  departmentId: r.department_id,
  priority: r.priority,
  channel: r.channel,
  status: r.status,
  createdAt: r.created_at,
});

/**
 * The ticket's SLA at `now` and the events it still owes. A target that is met or paused owes nothing (a pause
 * moves its due time; the push that ends the pause computes it again). A warning is skipped once the breach has
 * come too: one alert for a ticket that went straight past both (a sweep that ran late, a ticket filed late).
 */
export function evaluateSla(engine: SlaEngine, inputs: SlaInputs, now: number): SlaOutcome {
  const ticket = slaTicketOf(inputs.row);
  const computed = inputs.timeline
    ? null
    : slaTimeline(ticket, inputs.history, inputs.comments as SlaComment[]);
  const timeline = computed ? JSON.stringify(computed) : null;
  // statusOf, not ticketSla: one policy lookup per ticket instead of two.
  const sla = engine.statusOf(ticket, inputs.timeline ?? computed!, now);
  if (!sla) return { sla: null, dueAt: null, state: null, nextCheckAt: null, due: [], timeline };
  const { status } = sla;
  let next: number | null = null;
  const due: SlaEvent[] = [];
  const fired = inputs.fired;
  // A loop, not a helper closure: this runs a million times in a recompute.
  for (const t of [status.firstResponse, status.nextResponse, status.resolution]) {
    if (t === null || t.state === 'met' || t.state === 'paused') continue;
    const breachAt = t.dueAt + 1;
    for (let k = now < breachAt ? 0 : 1; k < 2; k++) {
      const e: SlaEvent =
        k === 0
          ? { target: t.kind, kind: 'warning', dueAt: t.dueAt, at: t.warnAt }
          : { target: t.kind, kind: 'breach', dueAt: t.dueAt, at: breachAt };
      // Most tickets have fired nothing: no key is made for them (a million are recomputed after an edit).
      if (fired.size > 0 && fired.has(keyOf(e))) continue;
      if (next === null || e.at < next) next = e.at;
      if (e.at <= now) due.push(e);
    }
  }
  if (due.length > 1) due.sort((a, b) => a.at - b.at);
  return { sla, dueAt: status.nextDueAt, state: status.state, nextCheckAt: next, due, timeline };
}
