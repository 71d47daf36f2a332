import { v5 as uuidv5 } from 'uuid';
import {
  Channel,
  type Customer,
  type Ticket,
  type TicketChange,
  type TicketComment,
} from '../../shared/domain';
import { rightsForDelete } from '../../shared/domain/permissions';
import { transferError, transitionError } from '../../shared/domain/ticket-rules';
import type { NotSentItem, SessionInfo } from '../../shared/ipc/contract';
import { loggedCallError, loggedNumbers } from '../../shared/protocol/call-records';
import { SwitchboardError } from '../../shared/protocol/errors';
import { scopeDepartment } from '../../shared/protocol/sync';
import type { InteractionLog } from '../../shared/protocol/voice';
import { formatPhone } from '../../shared/phone';
import { TicketCategory, TriagePrediction } from '../../shared/triage';
import { META, type LocalStore } from '../store';
import { requireRights } from './rights';
import type { ActiveSession } from './session';
import { refuseIfDeleting } from './ticket-delete';

/**
 * New tickets and customers belong to the agent's department; an account without one has nowhere to put them.
 * The replica's scope is the freshest word on it: a move shows there at the next pull, while the session's
 * user is the one of the last sign-in or token refresh.
 */
export function departmentOf(
  store: LocalStore,
  info: SessionInfo,
  what: 'ticket' | 'customer' | 'call record',
): string {
  const scope = store.read.meta(META.scope);
  const fromScope = scope ? scopeDepartment(scope) : null;
  if (fromScope) return fromScope;
  if (info.user.departmentId) return info.user.departmentId;
  throw new SwitchboardError(
    'bad_request',
    `Your account belongs to no department, so there is nowhere to create this ${what}. Ask an administrator to add you to a department.`,
  );
}

/** An assignee must be someone the directory knows in the ticket's department. */
export function checkAssignee(store: LocalStore, assigneeId: string, departmentId: string): void {
  const user = store.read.getUser(assigneeId);
  if (!user) throw new SwitchboardError('bad_request', 'That assignee is not in the directory.');
  if (user.departmentId !== departmentId) {
    throw new SwitchboardError('bad_request', `${user.displayName} is not in this ticket's department.`);
  }
}

/** What a retry changed, for the UI to refresh. */
export interface Touched {
  ticketIds: string[];
  customerIds: string[];
  interactionIds: string[];
}

/** Old id -> the id it was retried as, so that what depended on a new ticket, customer or call follows it. */
interface Moved {
  tickets: Map<string, string>;
  customers: Map<string, string>;
  calls: Map<string, string>;
}

/**
 * The entry this one cannot go without, when that is in the list too: the new ticket of a comment or edit,
 * the new customer of a ticket, the logged call of its notes. The server never had it, so neither can go alone.
 */
function parentOf(i: NotSentItem, all: readonly NotSentItem[]): NotSentItem | undefined {
  switch (i.kind) {
    case 'ticket.update':
    case 'ticket.comment':
    case 'ticket.delete':
      return all.find((p) => p.kind === 'ticket.create' && p.ticketId === i.ticketId);
    case 'ticket.create':
      return all.find((p) => p.kind === 'customer.create' && p.customerId === i.customerId);
    case 'interaction.complete':
      return all.find((p) => p.kind === 'interaction.log' && p.args.interactionId === i.args.interactionId);
    default:
      return undefined;
  }
}

/** Earlier typed first; at the same instant, what others depend on first. */
const RANK: Record<NotSentItem['kind'], number> = {
  'customer.create': 0,
  'ticket.create': 1,
  'interaction.log': 1,
  'ticket.update': 2,
  'ticket.comment': 2,
  'interaction.complete': 2,
  // Last of a ticket's changes: what was typed on it before goes first.
  'ticket.delete': 3,
};
const byTyping = (a: NotSentItem, b: NotSentItem) =>
  a.typedAt < b.typedAt ? -1 : a.typedAt > b.typedAt ? 1 : RANK[a.kind] - RANK[b.kind];

/** The group an entry belongs to, in the order it must be queued: its root first, each parent before its own. */
export function groupOf(item: NotSentItem, all: readonly NotSentItem[]): NotSentItem[] {
  let root = item;
  for (let p = parentOf(root, all); p; p = parentOf(root, all)) root = p;
  const out: NotSentItem[] = [];
  const visit = (n: NotSentItem) => {
    out.push(n);
    all
      .filter((c) => c !== n && parentOf(c, all) === n)
      .sort(byTyping)
      .forEach(visit);
  };
  visit(root);
  return out;
}

/**
 * Retry an entry with everything that goes with it (see groupOf): each queued again as a new change on what
 * this replica holds now, as the agent's own edit would be, with the ids of what was recreated before it.
 * The root failing changes nothing (its error is thrown). A dependent that still cannot go stays in the list,
 * pointed at the new ticket, customer or call, with the reason: nothing names what never was.
 */
export function retryNotSent(
  s: ActiveSession,
  id: string,
  customerId: string | undefined,
): { retried: string[]; kept: string[]; touched: Touched } {
  const all = s.notSent.list();
  const item = all.find((i) => i.id === id);
  if (!item) throw new SwitchboardError('not_found', 'This change was already retried or dismissed.');
  const group = groupOf(item, all);
  const moved: Moved = { tickets: new Map(), customers: new Map(), calls: new Map() };
  const touched: Touched = { ticketIds: [], customerIds: [], interactionIds: [] };
  const retried: string[] = [];
  const kept: string[] = [];
  for (const [n, entry] of group.entries()) {
    try {
      const t = requeue(s, entry, moved, n === 0 ? customerId : undefined);
      touched.ticketIds.push(...t.ticketIds);
      touched.customerIds.push(...t.customerIds);
      touched.interactionIds.push(...t.interactionIds);
      // Queued and kept in the same order as a refusal: in the outbox first, then out of the list.
      s.notSent.remove([entry.id]);
      retried.push(entry.id);
    } catch (e) {
      if (n === 0) throw e;
      // Its parent is queued already: whatever stops this one, it must not keep naming what never was. Its
      // own code (the list says "retried with its group, cannot go as it stands") and this desktop's why.
      const message = e instanceof Error ? e.message : String(e);
      s.notSent.retarget(entry.id, retargeted(entry, moved), { code: 'retry_refused', message });
      kept.push(entry.id);
    }
  }
  return { retried, kept, touched };
}

/** An entry's ids, with what its group was recreated as. */
function retargeted(
  item: NotSentItem,
  moved: Moved,
): { args: Record<string, unknown>; ticketId: string | null; customerId: string | null } {
  const args = { ...item.args };
  const swap = (key: string, map: Map<string, string>) => {
    const to = typeof args[key] === 'string' ? map.get(args[key]) : undefined;
    if (to) args[key] = to;
  };
  swap('ticketId', moved.tickets);
  swap('customerId', moved.customers);
  swap('interactionId', moved.calls);
  const ticketId = item.ticketId ? (moved.tickets.get(item.ticketId) ?? item.ticketId) : null;
  const customerId = item.customerId ? (moved.customers.get(item.customerId) ?? item.customerId) : null;
  return { args, ticketId, customerId };
}

/** Any fixed UUID: the namespace of the ids a retry makes. */
const RETRY_NAMESPACE = '3c0f8a52-7d4e-4b91-a6f3-2e5d9c18b704';

/**
 * The ids a retry of this entry makes, the same at every attempt. A retry cut off after its change was queued
 * and before the entry left the list (the two are separate databases) is retried again by the agent: it then
 * finds its change queued, or answered by the server under the same id (which applies a mutation id once),
 * instead of making a second one. A retry refused again comes back under the new id, so the next retry of it
 * makes ids of its own.
 */
const retryId = (entryId: string, role: 'mutation' | 'entity' | 'call' | 'call-log') =>
  uuidv5(`${entryId}/${role}`, RETRY_NAMESPACE);

/** A call record retried in another department than the first time: its Call-ID there must be its own. */
const movedCallId = (callId: string, newId: string) => `${callId.slice(0, 200)};retried=${newId}`;

function requeue(s: ActiveSession, item: NotSentItem, moved: Moved, customerId: string | undefined): Touched {
  const { store, info } = s;
  const a = retargeted(item, moved).args;
  const now = new Date().toISOString();
  const mutationId = retryId(item.id, 'mutation');
  const none: Touched = { ticketIds: [], customerIds: [], interactionIds: [] };
  const ticketOf = (ticketId: string) => {
    const ticket = store.read.getTicket(ticketId);
    if (ticket) return ticket;
    if (item.code === 'parent_refused') {
      throw new SwitchboardError(
        'not_found',
        'The new ticket this belonged to was not sent and is no longer in this list. Copy your text, or send it to a ticket you can see.',
      );
    }
    throw new SwitchboardError(
      'not_found',
      'This ticket is not in your local copy any more (it moved to another department or was deleted). Copy your text, or send it to a ticket you can see.',
    );
  };
  switch (item.kind) {
    case 'ticket.update': {
      const ticket = ticketOf(String(a.ticketId));
      refuseIfDeleting(store, ticket.id);
      const patch = a.patch as TicketChange;
      const reason = typeof a.reason === 'string' ? a.reason : undefined;
      if (patch.status && patch.status !== ticket.status) {
        const why = transitionError(ticket.status, patch.status);
        if (why) throw new SwitchboardError('conflict', why);
      }
      const transferWhy = transferError(ticket, patch, reason);
      if (transferWhy) throw new SwitchboardError('bad_request', transferWhy);
      if (patch.assigneeId) checkAssignee(store, patch.assigneeId, patch.departmentId ?? ticket.departmentId);
      if (store.read.isQueued(mutationId)) return { ...none, ticketIds: [ticket.id] };
      store.write.updateTicketLocally(ticket.id, patch, mutationId, now, reason);
      return { ...none, ticketIds: [ticket.id] };
    }
    case 'ticket.comment': {
      const ticket = ticketOf(String(a.ticketId));
      if (store.read.isQueued(mutationId)) return { ...none, ticketIds: [ticket.id] };
      refuseIfDeleting(store, ticket.id);
      const comment: TicketComment = {
        id: retryId(item.id, 'entity'),
        ticketId: ticket.id,
        authorId: info.user.id,
        authorName: info.user.displayName,
        body: String(a.body),
        internal: a.internal === true,
        createdAt: now,
      };
      store.write.addCommentLocally(comment, mutationId);
      return { ...none, ticketIds: [ticket.id] };
    }
    case 'ticket.delete': {
      // On the version held now: the agent has seen the ticket as it is (a conflict refused the first try).
      const ticket = ticketOf(String(a.ticketId));
      requireRights(store, info.user, rightsForDelete());
      if (store.read.isQueued(mutationId)) return { ...none, ticketIds: [ticket.id] };
      refuseIfDeleting(store, ticket.id);
      const reason = typeof a.reason === 'string' && a.reason ? a.reason : undefined;
      store.write.deleteTicketLocally(ticket.id, mutationId, now, reason);
      return { ...none, ticketIds: [ticket.id] };
    }
    case 'ticket.create': {
      const again = store.read.getTicket(retryId(item.id, 'entity'));
      if (again) {
        if (item.ticketId) moved.tickets.set(item.ticketId, again.id);
        return { ...none, ticketIds: [again.id], customerIds: [again.customerId] };
      }
      // Filed in the agent's department now, under the customer they pick if the first one is out of reach.
      const departmentId = departmentOf(store, info, 'ticket');
      const customer = store.read.getCustomer(customerId ?? String(a.customerId));
      if (!customer) {
        // Named as a field, so that the list can ask which customer to file it under and retry with that one.
        const message =
          'The customer of this ticket is not in your department any more. Pick a customer you can see.';
        throw new SwitchboardError('not_found', message, [{ path: 'customerId', message }]);
      }
      const assigneeId = typeof a.assigneeId === 'string' ? a.assigneeId : null;
      const ticket: Ticket = {
        id: retryId(item.id, 'entity'),
        number: null,
        departmentId,
        customerId: customer.id,
        subject: String(a.subject),
        description: typeof a.description === 'string' ? a.description : '',
        status: a.status === 'open' ? 'open' : 'new',
        priority: (a.priority as Ticket['priority']) ?? 'normal',
        // The old assignee may be in the old department: only the agent themself is sure to fit.
        assigneeId: assigneeId === info.user.id ? assigneeId : null,
        handBackTo: null,
        channel: Channel.safeParse(a.channel).data ?? 'web',
        tags: [],
        fields: {},
        parentId: null,
        relatedIds: [],
        mergedInto: null,
        // Triage (issue 15): what the first try carried, when it is still valid.
        category: TicketCategory.safeParse(a.category).data ?? null,
        triage: TriagePrediction.safeParse(a.triage).data ?? null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      store.write.createTicketLocally(ticket, null, mutationId);
      if (item.ticketId) moved.tickets.set(item.ticketId, ticket.id);
      return { ...none, ticketIds: [ticket.id], customerIds: [customer.id] };
    }
    case 'customer.create': {
      const again = store.read.getCustomer(retryId(item.id, 'entity'));
      if (again) {
        if (item.customerId) moved.customers.set(item.customerId, again.id);
        return { ...none, customerIds: [again.id] };
      }
      departmentOf(store, info, 'customer');
      const phone = typeof a.phone === 'string' ? a.phone : null;
      const holder = phone ? store.read.findCustomerByPhone(phone) : null;
      if (holder) {
        throw new SwitchboardError(
          'conflict',
          `${formatPhone(phone!)} already belongs to ${holder.name}. Open that customer instead.`,
        );
      }
      const customer: Customer = {
        id: retryId(item.id, 'entity'),
        name: String(a.name),
        phone,
        email: typeof a.email === 'string' ? a.email : null,
        language: a.language === 'en' ? 'en' : 'zh-CN',
        company: typeof a.company === 'string' && a.company ? a.company : null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      store.write.createCustomerLocally(customer, mutationId);
      if (item.customerId) moved.customers.set(item.customerId, customer.id);
      return { ...none, customerIds: [customer.id] };
    }
    case 'interaction.log': {
      const old = String(item.args.interactionId);
      const { interactionId: _old, ...call } = a as unknown as InteractionLog;
      // Refused as another department's (its queue, or the routed record of the call): recorded in the
      // agent's department now, as a call of its own there.
      const rescope = item.code === 'forbidden';
      const heldIn = logCall(s, item.id, call, rescope, now);
      moved.calls.set(old, heldIn);
      return { ...none, interactionIds: [heldIn] };
    }
    case 'interaction.complete': {
      let call = store.read.getInteraction(String(a.interactionId));
      if (!call) {
        // The call went with the department the agent left: record it again where they are, then wrap it up.
        const outOfScope = ['not_found', 'forbidden', 'parent_refused'].includes(item.code);
        if (!item.call || !outOfScope) {
          throw new SwitchboardError(
            'not_found',
            item.call
              ? 'This call is not in your local copy yet. Wait until the desktop has synced, then retry.'
              : 'This desktop no longer knows which call these notes were for. Copy them, or send them to a ticket.',
          );
        }
        call = store.read.getInteraction(logCall(s, item.id, item.call, true, now));
      }
      if (!call) throw new SwitchboardError('internal', 'The call record could not be written again.');
      if (store.read.isQueued(mutationId)) return { ...none, interactionIds: [call.id] };
      if (info.user.role === 'agent' && call.agentId !== info.user.id) {
        throw new SwitchboardError('forbidden', 'Only the agent who took this call can wrap it up.');
      }
      // A ticket link that no longer fits the call (moved, or out of reach) goes; the notes stay.
      const ticketId = typeof a.ticketId === 'string' ? a.ticketId : null;
      const linkable = ticketId && store.read.getTicket(ticketId)?.departmentId === call.departmentId;
      const customer = typeof a.customerId === 'string' ? a.customerId : null;
      store.write.completeCallLocally(
        call.id,
        {
          interactionId: call.id,
          disposition: String(a.disposition),
          notes: typeof a.notes === 'string' ? a.notes : '',
          ticketId: linkable ? ticketId : null,
          customerId:
            call.customerId === null && customer && store.read.getCustomer(customer) ? customer : null,
        },
        mutationId,
        now,
      );
      return { ...none, interactionIds: [call.id] };
    }
  }
}

/** Record a call again under a new id, in the agent's department; returns the id of the record holding it. */
function logCall(
  s: ActiveSession,
  entryId: string,
  call: NonNullable<NotSentItem['call']>,
  rescope: boolean,
  now: string,
): string {
  const { store, info } = s;
  const interactionId = retryId(entryId, 'call');
  // Recorded by an earlier try of this retry: that record it is.
  if (store.read.getInteraction(interactionId)) return interactionId;
  const departmentId = departmentOf(store, info, 'call record');
  const log: InteractionLog = {
    ...call,
    interactionId,
    ...(rescope ? { callId: movedCallId(call.callId, interactionId), queueNumber: null } : {}),
  };
  const why = loggedCallError(log);
  if (why) throw new SwitchboardError('bad_request', why);
  const { customerNumber } = loggedNumbers(log);
  const customerId = customerNumber ? (store.read.findCustomerByPhone(customerNumber)?.id ?? null) : null;
  return store.write.logCallLocally(
    log,
    { departmentId, agentId: info.user.id, customerId },
    retryId(entryId, 'call-log'),
    now,
  );
}
