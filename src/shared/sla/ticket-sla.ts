import type { AdminConfig, SlaPolicy } from '../admin/schemas';
import type { Ticket, TicketComment, TicketHistoryEntry, TicketStatus } from '../domain/ticket';
import { PAUSED_STATUSES } from '../domain/ticket-rules';
import type { BusinessCalendar } from './calendar';
import { buildCalendarIndex, defaultWindow, type CalendarIndex } from './calendar-index';
import { computeSla, type SlaPause, type SlaStatus, type SlaTimeline } from './clock';

/**
 * A ticket's SLA from what both the service and a desktop replica hold: the ticket, its status history and its
 * comments, plus the configuration (policies and calendars). The desktop runs this offline on every timer tick
 * and the service for breach events and the list's `sla_due_at`; the same inputs give the same instants.
 */

/** The parts of a ticket the SLA depends on. */
export type SlaTicket = Pick<Ticket, 'departmentId' | 'priority' | 'channel' | 'status' | 'createdAt'>;
export type SlaHistory = Pick<TicketHistoryEntry, 'field' | 'from' | 'to' | 'at'>;
/** authorId null: the customer wrote it (email, chat); otherwise an agent did. */
export type SlaComment = Pick<TicketComment, 'authorId' | 'internal' | 'createdAt'>;

/** Where a resolved ticket stops: solved and closed end the resolution clock. */
const RESOLVED: readonly TicketStatus[] = ['solved', 'closed'];
const isPaused = (s: string | null) => s !== null && (PAUSED_STATUSES as readonly string[]).includes(s);
const isResolved = (s: string | null) => s !== null && (RESOLVED as readonly string[]).includes(s);

/**
 * The clock's inputs from the ticket's record. Pauses: every span spent pending customer or on hold, and every
 * span spent solved before a reopen (the team was not on the hook while the customer agreed it was solved).
 * First response: the first public agent reply. Next response: the customer's oldest message not yet answered
 * (or, once answered, that cycle and its answer). Resolution: when the ticket last became solved or closed, if
 * it still is.
 */
export function slaTimeline(
  ticket: SlaTicket,
  history: readonly SlaHistory[],
  comments: readonly SlaComment[],
): SlaTimeline {
  const createdAt = Date.parse(ticket.createdAt);
  const statusChanges = history
    .filter((h) => h.field === 'status')
    .map((h) => ({ at: Date.parse(h.at), from: h.from, to: h.to }))
    .sort((a, b) => a.at - b.at);
  const pauses: SlaPause[] = [];
  let pausedSince: number | null = null;
  let resolvedAt: number | null = null;
  for (const c of statusChanges) {
    const at = Math.max(c.at, createdAt);
    const stops = isPaused(c.to) || isResolved(c.to);
    if (stops && pausedSince === null) pausedSince = at;
    if (!stops && pausedSince !== null) {
      pauses.push({ from: pausedSince, to: at });
      pausedSince = null;
    }
    resolvedAt = isResolved(c.to) ? (resolvedAt !== null && isResolved(c.from) ? resolvedAt : at) : null;
  }
  // The ticket's own status is the truth when the history is partial (a replica holds only recent entries).
  if (!isResolved(ticket.status)) resolvedAt = null;
  else if (resolvedAt === null) resolvedAt = Date.parse(ticket.createdAt);
  if (pausedSince !== null && isPaused(ticket.status)) pauses.push({ from: pausedSince, to: null });
  else if (pausedSince === null && isPaused(ticket.status)) {
    // Paused with no entry saying since when: from the start, as the safest reading of a partial record.
    pauses.push({ from: createdAt, to: null });
  }

  let firstResponseAt: number | null = null;
  let waitingSince: number | null = null;
  let lastCycle: { since: number; respondedAt: number | null } | null = null;
  const publicComments = comments
    .filter((c) => !c.internal)
    .map((c) => ({ at: Date.parse(c.createdAt), agent: c.authorId !== null }))
    .sort((a, b) => a.at - b.at);
  for (const c of publicComments) {
    if (c.agent) {
      if (firstResponseAt === null) firstResponseAt = c.at;
      else if (waitingSince !== null) lastCycle = { since: waitingSince, respondedAt: c.at };
      waitingSince = null;
    } else if (firstResponseAt !== null && waitingSince === null) {
      // Before the first response the customer's messages are all answered by it: first response covers them.
      waitingSince = c.at;
    }
  }
  const nextResponse = waitingSince !== null ? { since: waitingSince, respondedAt: null } : lastCycle;
  // Solving ends every clock: a ticket solved without a reply (a duplicate, spam, a call that settled it) has
  // nothing left to answer, as Zendesk counts it.
  if (resolvedAt !== null) {
    if (firstResponseAt === null) firstResponseAt = resolvedAt;
    if (nextResponse && nextResponse.respondedAt === null) nextResponse.respondedAt = resolvedAt;
  }
  return { createdAt, pauses, firstResponseAt, nextResponse, resolvedAt };
}

/** The active policy for the ticket's department, priority and channel; null when none applies. */
export function findSlaPolicy(policies: readonly SlaPolicy[], ticket: SlaTicket): SlaPolicy | null {
  return (
    policies.find(
      (p) =>
        p.active &&
        p.departmentId === ticket.departmentId &&
        p.priority === ticket.priority &&
        p.channel === ticket.channel,
    ) ?? null
  );
}

export interface TicketSla {
  policy: SlaPolicy;
  calendar: BusinessCalendar;
  status: SlaStatus;
}

/**
 * Policies and calendars of one configuration, with each calendar's index built once on first use. Make a new
 * one when the configuration changes (its `version` grows): an edited calendar gives new due times.
 */
export class SlaEngine {
  private readonly calendars: Map<string, BusinessCalendar>;
  private readonly indexes = new Map<string, CalendarIndex>();
  /**
   * Active policies by department, priority and channel, the first of each as findSlaPolicy finds it: a
   * recompute looks one up per ticket, a million times, among what may be hundreds of policies.
   */
  private readonly policies = new Map<string, Map<string, Map<string, SlaPolicy>>>();

  constructor(readonly config: Pick<AdminConfig, 'version' | 'calendars' | 'slaPolicies'>) {
    this.calendars = new Map(config.calendars.map((c) => [c.id, c]));
    for (const p of config.slaPolicies) {
      if (!p.active) continue;
      let byPriority = this.policies.get(p.departmentId);
      if (!byPriority) this.policies.set(p.departmentId, (byPriority = new Map()));
      let byChannel = byPriority.get(p.priority);
      if (!byChannel) byPriority.set(p.priority, (byChannel = new Map()));
      if (!byChannel.has(p.channel)) byChannel.set(p.channel, p);
    }
  }

  private indexFor(calendar: BusinessCalendar, now: number): CalendarIndex {
    let index = this.indexes.get(calendar.id);
    if (!index) {
      index = buildCalendarIndex(calendar, defaultWindow(now));
      this.indexes.set(calendar.id, index);
    }
    return index;
  }

  policyFor(ticket: SlaTicket): SlaPolicy | null {
    return this.policies.get(ticket.departmentId)?.get(ticket.priority)?.get(ticket.channel) ?? null;
  }

  /** The ticket's SLA at `now`; null when no policy applies (or its calendar is gone). */
  statusOf(ticket: SlaTicket, timeline: SlaTimeline, now: number): TicketSla | null {
    const policy = this.policyFor(ticket);
    if (!policy) return null;
    const calendar = this.calendars.get(policy.calendarId);
    if (!calendar) return null;
    const status = computeSla(this.indexFor(calendar, now), policy, timeline, now);
    return { policy, calendar, status };
  }

  /** statusOf from the ticket's record. */
  ticketSla(
    ticket: SlaTicket,
    history: readonly SlaHistory[],
    comments: readonly SlaComment[],
    now: number,
  ): TicketSla | null {
    if (!this.policyFor(ticket)) return null;
    return this.statusOf(ticket, slaTimeline(ticket, history, comments), now);
  }
}
