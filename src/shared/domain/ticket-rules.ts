import type { Ticket, TicketChange, TicketStatus } from './ticket';

/**
 * The ticket state machine, shared so the desktop refuses a change offline exactly as the server would.
 * - new is only where a ticket starts; nothing returns to it.
 * - The working states (open, reopened, pending customer, on hold) move freely among themselves (reopened
 *   only by reopening), to solved, and to closed.
 * - A solved ticket is reopened or closed; closed is final: a new contact about a closed ticket opens a
 *   follow-up ticket, as in Zendesk.
 */
const allowed: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['open', 'pending', 'on_hold', 'solved', 'closed'],
  open: ['pending', 'on_hold', 'solved', 'closed'],
  reopened: ['open', 'pending', 'on_hold', 'solved', 'closed'],
  pending: ['open', 'on_hold', 'solved', 'closed'],
  on_hold: ['open', 'pending', 'solved', 'closed'],
  solved: ['reopened', 'closed'],
  closed: [],
};

/** States in which the SLA clocks stop: the ticket waits on the customer or on someone outside the team. */
export const PAUSED_STATUSES: readonly TicketStatus[] = ['pending', 'on_hold'];

/** States of a ticket still being worked on ("open" in views and counts): neither solved nor closed. */
export const UNSOLVED_STATUSES: readonly TicketStatus[] = ['new', 'open', 'reopened', 'pending', 'on_hold'];

export function isUnsolved(status: TicketStatus): boolean {
  return UNSOLVED_STATUSES.includes(status);
}

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return from === to || allowed[from].includes(to);
}

/** The states a ticket in `from` may be moved to, in display order (for a status menu). */
export function nextStatuses(from: TicketStatus): readonly TicketStatus[] {
  return allowed[from];
}

/** Why a transition is refused, in the words the server and the desktop both answer with; null when allowed. */
export function transitionError(from: TicketStatus, to: TicketStatus): string | null {
  if (canTransition(from, to)) return null;
  if (from === 'closed') return 'This ticket is closed; open a follow-up ticket instead.';
  if (to === 'new') return 'A ticket cannot go back to new.';
  if (from === 'solved') return 'A solved ticket must be reopened (or closed) before anything else.';
  if (to === 'reopened') return 'Only a solved ticket can be reopened.';
  return `A ticket cannot move from ${from} to ${to}.`;
}

/**
 * Why a change's transfer part is refused, on the desktop (offline) and the server alike; null when it is
 * fine. Moving to another department needs a reason the receiving team reads; a hand-back can only point
 * to the department the ticket leaves, and is otherwise only cleared.
 */
export function transferError(
  ticket: Ticket,
  change: TicketChange,
  reason: string | undefined,
): string | null {
  const moving = change.departmentId !== undefined && change.departmentId !== ticket.departmentId;
  if (moving && !reason?.trim()) return 'Say why the ticket is transferred: the receiving team reads it.';
  if (change.handBackTo !== undefined && change.handBackTo !== null) {
    if (!moving) return 'A hand-back is asked for with a transfer.';
    if (change.handBackTo !== ticket.departmentId)
      return 'A ticket can only be handed back to the department it is transferred from.';
  }
  if (ticket.status === 'closed' && moving) return 'This ticket is closed; open a follow-up ticket instead.';
  return null;
}

/** A ticket as a message names it: its number, or a note that the server has not numbered it yet. */
export function ticketRef(t: { number: number | null }): string {
  return t.number === null ? 'a ticket not yet numbered' : `#${t.number}`;
}

/**
 * Why merging `source` into `target` is refused, on the desktop (offline) and the server alike; null when fine.
 * Merging closes the source (a solved one too) and points it at the target, which must stay the open ticket
 * everyone works on: so neither may be closed already, and the target may not itself be merged away.
 */
export function mergeError(
  source: Pick<Ticket, 'id' | 'number' | 'status' | 'mergedInto'>,
  target: Pick<Ticket, 'id' | 'number' | 'status' | 'mergedInto'>,
): string | null {
  if (source.id === target.id) return 'A ticket cannot be merged into itself; pick another ticket.';
  if (source.mergedInto !== null)
    return 'This ticket was already merged; open the ticket it went to instead.';
  if (source.status === 'closed')
    return 'This ticket is closed; only tickets still open or solved can be merged.';
  if (target.mergedInto !== null) {
    return `Ticket ${ticketRef(target)} was itself merged into another ticket; merge into that one instead.`;
  }
  if (target.status === 'closed') {
    return `Ticket ${ticketRef(target)} is closed, so nothing can be merged into it; pick a ticket still open.`;
  }
  return null;
}

/** Why `parentId` cannot be this ticket's parent, before looking further up; null when fine so far. */
export function parentError(ticket: Pick<Ticket, 'id'>, parentId: string | null): string | null {
  if (parentId === ticket.id) return 'A ticket cannot be its own parent; pick another ticket.';
  return null;
}

/** The refusal for a parent that sits below the ticket (a cycle), in the words both sides answer with. */
export function parentCycleError(parent: { number: number | null }): string {
  return `Ticket ${ticketRef(parent)} is below this ticket (its child, or a child of a child), so it cannot also be its parent. Remove that link first, or pick another parent.`;
}

/** Why this set of related tickets is refused before looking at the others; null when fine. */
export function relatedError(ticket: Pick<Ticket, 'id'>, relatedIds: readonly string[]): string | null {
  if (relatedIds.includes(ticket.id)) return 'A ticket cannot be related to itself; pick another ticket.';
  return null;
}
