import type {
  SlaEngine,
  SlaState,
  SlaStatus,
  SlaTargetKind,
  SlaTargetStatus,
  SlaTimeline,
  SlaTicket,
} from '../../shared';

export const SLA_TARGETS: readonly SlaTargetKind[] = ['firstResponse', 'nextResponse', 'resolution'];

/** What a ticket's chip shows: the most urgent open target, or "met" when every target is. */
export interface SlaSummary {
  state: SlaState;
  /** The target the chip is about (the earliest due open one; the last met one when all are met). */
  target: SlaTargetStatus;
  status: SlaStatus;
}

export function slaStatus(
  engine: SlaEngine | null,
  ticket: SlaTicket & { sla: SlaTimeline | null },
  now: number,
): SlaStatus | null {
  if (!engine || !ticket.sla) return null;
  return engine.statusOf(ticket, ticket.sla, now)?.status ?? null;
}

const RANK: Record<SlaState, number> = { breached: 0, warning: 1, running: 2, paused: 3, met: 4 };

export function slaSummary(status: SlaStatus | null): SlaSummary | null {
  if (!status || status.state === null) return null;
  const targets = SLA_TARGETS.map((k) => status[k]).filter((t): t is SlaTargetStatus => t !== null);
  if (targets.length === 0) return null;
  const open = targets.filter((t) => t.state !== 'met');
  const target = open.length
    ? open.sort((a, b) => RANK[a.state] - RANK[b.state] || a.dueAt - b.dueAt)[0]!
    : targets.sort((a, b) => (b.metAt ?? 0) - (a.metAt ?? 0))[0]!;
  return { state: open.length ? target.state : 'met', target, status };
}

/** Whole minutes of |ms|, rounded up while time is left (so "0 min" never shows before the due time). */
export function durationParts(ms: number): { days: number; hours: number; minutes: number } {
  const total = ms >= 0 ? Math.ceil(ms / 60_000) : Math.floor(-ms / 60_000);
  return { days: Math.floor(total / 1440), hours: Math.floor((total % 1440) / 60), minutes: total % 60 };
}
