import type { TicketStatus } from './ticket';

/**
 * The ticket state machine, shared so the desktop can refuse a change offline exactly as the server would.
 * closed is final (a new contact about a closed ticket opens a follow-up ticket, as in Zendesk); every
 * other status may move to any other.
 */
const allowed: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['open', 'pending', 'solved', 'closed'],
  open: ['new', 'pending', 'solved', 'closed'],
  pending: ['new', 'open', 'solved', 'closed'],
  solved: ['open', 'pending', 'closed'],
  closed: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return from === to || allowed[from].includes(to);
}

export function transitionError(from: TicketStatus, to: TicketStatus): string | null {
  if (canTransition(from, to)) return null;
  return from === 'closed'
    ? 'This ticket is closed; open a follow-up ticket instead.'
    : `A ticket cannot move from ${from} to ${to}.`;
}
