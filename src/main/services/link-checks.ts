import type { Ticket, TicketChange } from '../../shared/domain';
import {
  mergeError,
  parentCycleError,
  parentError,
  relatedError,
  ticketRef,
} from '../../shared/domain/ticket-rules';
import { SwitchboardError } from '../../shared/protocol/errors';

/** The replica's tickets, as far as the checks need them. */
interface Tickets {
  getTicket(id: string): Ticket | null;
}

const notHere = (what: string) =>
  new SwitchboardError(
    'not_found',
    `The ${what} is not in your local copy (it may be outside your department); pick a ticket you can open.`,
  );

/**
 * Refuses a link the server would refuse, before it is queued, so an offline agent hears it now: a parent that
 * is the ticket itself, absent, or below it (walked up through the replica; the server walks every
 * department's tickets too), and related tickets that are the ticket itself or absent.
 */
export function checkLinkChange(tickets: Tickets, ticket: Ticket, patch: TicketChange): void {
  if (patch.parentId && patch.parentId !== ticket.parentId) {
    const why = parentError(ticket, patch.parentId);
    if (why) throw new SwitchboardError('bad_request', why);
    const parent = tickets.getTicket(patch.parentId);
    if (!parent) throw notHere('ticket chosen as parent');
    const seen = new Set<string>();
    for (let cur = parent.parentId; cur !== null && !seen.has(cur);) {
      if (cur === ticket.id) throw new SwitchboardError('bad_request', parentCycleError(parent));
      seen.add(cur);
      cur = tickets.getTicket(cur)?.parentId ?? null;
    }
  }
  if (patch.relatedIds) {
    const why = relatedError(ticket, patch.relatedIds);
    if (why) throw new SwitchboardError('bad_request', why);
    for (const id of patch.relatedIds) {
      if (!ticket.relatedIds.includes(id) && !tickets.getTicket(id)) throw notHere('ticket to relate');
    }
  }
}

/** Refuses a merge the server would refuse; a ticket already merged says where it went. */
export function checkMerge(tickets: Tickets, source: Ticket, targetId: string): void {
  if (source.mergedInto !== null) {
    const went = tickets.getTicket(source.mergedInto);
    throw new SwitchboardError(
      'conflict',
      went
        ? `Ticket ${ticketRef(source)} was already merged into ${ticketRef(went)} «${went.subject}»; open ${ticketRef(went)} to work on it.`
        : `Ticket ${ticketRef(source)} was already merged into a ticket of another department.`,
    );
  }
  const target = tickets.getTicket(targetId);
  if (!target) throw notHere('ticket to merge into');
  const why = mergeError(source, target);
  if (why) throw new SwitchboardError('conflict', why);
}
