import type { CountryCode } from 'libphonenumber-js';
import { v7 as uuidv7 } from 'uuid';
import type { Customer, Ticket, TicketComment, TicketPatch } from '../../shared/domain';
import { transitionError } from '../../shared/domain/ticket-rules';
import {
  notSentText,
  type EventName,
  type EventPayload,
  type NotSentItem,
  type ServiceHandlers,
  type SessionInfo,
  type SyncStatus,
} from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import { formatPhone, normalisePhone } from '../../shared/phone';
import { META, type LocalStore } from '../store';
import * as api from '../sync/server-api';
import { createCallHandlers } from './call-handlers';
import type { ActiveSession, SessionManager } from './session';

const notInCopy = (what: string) =>
  new SwitchboardError(
    'not_found',
    `This ${what} is not in your local copy (it may be outside your department).`,
  );

/** How many of the caller's last calls the screen pop shows. */
const SCREENPOP_CALLS = 5;

/**
 * New tickets and customers belong to the agent's department; an account without one has nowhere to put them.
 * The replica's scope is the freshest word on it: a move shows there at the next pull, while the session's
 * user is the one of the last sign-in or token refresh.
 */
function departmentOf(store: LocalStore, info: SessionInfo, what: 'ticket' | 'customer'): string {
  const scope = store.read.meta(META.scope);
  if (scope?.startsWith('dept:')) return scope.slice('dept:'.length);
  if (info.user.departmentId) return info.user.departmentId;
  throw new SwitchboardError(
    'bad_request',
    `Your account belongs to no department, so there is nowhere to create this ${what}. Ask an administrator to add you to a department.`,
  );
}

/** An assignee must be someone the directory knows in the ticket's department. */
function checkAssignee(store: LocalStore, assigneeId: string, departmentId: string): void {
  const user = store.read.getUser(assigneeId);
  if (!user) throw new SwitchboardError('bad_request', 'That assignee is not in the directory.');
  if (user.departmentId !== departmentId) {
    throw new SwitchboardError('bad_request', `${user.displayName} is not in this ticket's department.`);
  }
}

/**
 * Queue a not-sent change again as a new one (new mutation id) on what this replica holds now, checked as the
 * agent's own edit would be. The server still judges scope: a ticket outside it is refused again.
 */
function requeue(
  s: ActiveSession,
  item: NotSentItem,
  customerId: string | undefined,
): { ticketIds: string[]; customerIds: string[] } {
  const { store, info } = s;
  const a = item.args;
  const now = new Date().toISOString();
  const gone = () =>
    new SwitchboardError(
      'not_found',
      'This ticket is not in your department any more. Copy your text, or send it to a ticket you can see.',
    );
  switch (item.kind) {
    case 'ticket.update': {
      const ticketId = String(a.ticketId);
      const ticket = store.read.getTicket(ticketId);
      if (!ticket) throw gone();
      const patch = a.patch as TicketPatch;
      if (patch.status && patch.status !== ticket.status) {
        const why = transitionError(ticket.status, patch.status);
        if (why) throw new SwitchboardError('conflict', why);
      }
      if (patch.assigneeId) checkAssignee(store, patch.assigneeId, ticket.departmentId);
      store.write.updateTicketLocally(ticketId, patch, uuidv7(), now);
      return { ticketIds: [ticketId], customerIds: [] };
    }
    case 'ticket.comment': {
      const ticketId = String(a.ticketId);
      if (!store.read.getTicket(ticketId)) throw gone();
      const comment: TicketComment = {
        id: uuidv7(),
        ticketId,
        authorId: info.user.id,
        authorName: info.user.displayName,
        body: String(a.body),
        internal: a.internal === true,
        createdAt: now,
      };
      store.write.addCommentLocally(comment, uuidv7());
      return { ticketIds: [ticketId], customerIds: [] };
    }
    case 'ticket.create': {
      // Filed in the agent's department now, under the customer they pick if the first one is out of reach.
      const departmentId = departmentOf(store, info, 'ticket');
      const customer = store.read.getCustomer(customerId ?? String(a.customerId));
      if (!customer) {
        throw new SwitchboardError(
          'not_found',
          'The customer of this ticket is not in your department any more. Pick a customer you can see.',
        );
      }
      const assigneeId = typeof a.assigneeId === 'string' ? a.assigneeId : null;
      const ticket: Ticket = {
        id: uuidv7(),
        number: null,
        departmentId,
        customerId: customer.id,
        subject: String(a.subject),
        description: typeof a.description === 'string' ? a.description : '',
        status: a.status === 'open' ? 'open' : 'new',
        priority: (a.priority as Ticket['priority']) ?? 'normal',
        // The old assignee may be in the old department: only the agent themself is sure to fit.
        assigneeId: assigneeId === info.user.id ? assigneeId : null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      store.write.createTicketLocally(ticket, null, uuidv7());
      return { ticketIds: [ticket.id], customerIds: [customer.id] };
    }
    case 'customer.create': {
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
        id: uuidv7(),
        name: String(a.name),
        phone,
        email: typeof a.email === 'string' ? a.email : null,
        language: a.language === 'en' ? 'en' : 'zh-CN',
        company: typeof a.company === 'string' && a.company ? a.company : null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      store.write.createCustomerLocally(customer, uuidv7());
      return { ticketIds: [], customerIds: [customer.id] };
    }
    default:
      throw new SwitchboardError(
        'bad_request',
        'A call record cannot be sent again from here. Copy its notes, or send them to a ticket.',
      );
  }
}

const signedOut: SyncStatus = {
  state: 'offline',
  pending: 0,
  lastSyncedAt: null,
  cursor: 0,
  head: 0,
  lastError: null,
  nextRetryAt: null,
  storageFault: null,
  setAside: null,
};

/** The contract's methods over the session's replica. Reads never touch the network. */
export function createHandlers(
  sessions: SessionManager,
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void,
): ServiceHandlers {
  return {
    'auth.login': (input) => sessions.login(input),
    'auth.canRemember': async () => ({ available: await sessions.canRemember() }),
    'auth.restore': () => sessions.restore(),
    'auth.offlineStatus': ({ serverUrl, username }) => sessions.offlineStatus(serverUrl, username),
    'auth.confirm': ({ password }) => sessions.confirm(password),
    'auth.logout': async ({ forgetDevice }) => {
      await sessions.logout({ forgetDevice });
      return {};
    },
    'session.get': async () => sessions.current?.info ?? null,

    'tickets.search': async (q) => {
      const { store, info } = sessions.require();
      return store.read.searchTickets({ ...q, assignee: q.assignee === 'me' ? info.user.id : q.assignee });
    },

    'tickets.get': async ({ id }) => {
      const detail = sessions.require().store.read.getTicketDetail(id);
      if (!detail) throw notInCopy('ticket');
      return detail;
    },

    'tickets.update': async ({ id, patch }) => {
      const { store, engine } = sessions.require();
      const ticket = store.read.getTicket(id);
      if (!ticket) throw notInCopy('ticket');
      if (patch.status) {
        const why = transitionError(ticket.status, patch.status);
        if (why) throw new SwitchboardError('conflict', why);
      }
      if (patch.assigneeId) checkAssignee(store, patch.assigneeId, ticket.departmentId);
      store.write.updateTicketLocally(id, patch, uuidv7(), new Date().toISOString());
      emit('data.changed', { ticketIds: [id], customerIds: [], interactionIds: [], all: false });
      engine.kick();
      return store.read.getTicketDetail(id)!.ticket;
    },

    'tickets.resolveConflict': async ({ ticketId, field, keep }) => {
      const { store, engine } = sessions.require();
      const before = store.read.getTicketDetail(ticketId);
      if (!before) throw notInCopy('ticket');
      const open = before.conflicts.find((k) => k.field === field);
      if (!open) throw new SwitchboardError('not_found', 'This conflict was already settled.');
      if (keep === 'mine' && field === 'status' && open.mine) {
        const why = transitionError(before.ticket.status, open.mine as Ticket['status']);
        if (why) throw new SwitchboardError('conflict', why);
      }
      if (keep === 'mine' && field === 'assigneeId' && open.mine) {
        checkAssignee(store, open.mine, before.ticket.departmentId);
      }
      store.write.resolveConflict(ticketId, field, keep, uuidv7(), new Date().toISOString());
      emit('data.changed', { ticketIds: [ticketId], customerIds: [], interactionIds: [], all: false });
      if (keep === 'mine') engine.kick();
      return store.read.getTicketDetail(ticketId)!;
    },

    'tickets.comment': async ({ ticketId, body, internal }) => {
      const { store, engine, info } = sessions.require();
      if (!store.read.getTicket(ticketId)) throw notInCopy('ticket');
      const comment: TicketComment = {
        id: uuidv7(),
        ticketId,
        authorId: info.user.id,
        authorName: info.user.displayName,
        body,
        internal,
        createdAt: new Date().toISOString(),
      };
      store.write.addCommentLocally(comment, uuidv7());
      emit('data.changed', { ticketIds: [ticketId], customerIds: [], interactionIds: [], all: false });
      engine.kick();
      return comment;
    },

    'tickets.create': async (input) => {
      const { store, engine, info } = sessions.require();
      const departmentId = departmentOf(store, info, 'ticket');
      const customer = store.read.getCustomer(input.customerId);
      if (!customer) throw notInCopy('customer');
      const assigneeId = input.assigneeId === 'me' ? info.user.id : input.assigneeId;
      if (assigneeId && assigneeId !== info.user.id) checkAssignee(store, assigneeId, departmentId);
      const now = new Date().toISOString();
      const ticket: Ticket = {
        id: uuidv7(),
        number: null,
        departmentId,
        // The customer may have been merged into another meanwhile: file it under the one that stays.
        customerId: customer.id,
        subject: input.subject,
        description: input.description,
        status: input.status,
        priority: input.priority,
        assigneeId,
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      store.write.createTicketLocally(ticket, input.interactionId, uuidv7());
      emit('data.changed', {
        ticketIds: [ticket.id],
        customerIds: [customer.id],
        interactionIds: [],
        all: false,
      });
      engine.kick();
      return store.read.getTicketDetail(ticket.id)!.ticket;
    },

    'customers.create': async (input) => {
      const { store, engine, info } = sessions.require();
      departmentOf(store, info, 'customer');
      let phone: string | null = null;
      if (input.phone) {
        phone = normalisePhone(input.phone, input.region as CountryCode);
        if (!phone) {
          const message = `"${input.phone}" is not a phone number. Type it as dialled in ${input.region} or with its country code, e.g. +86 138 0013 8000.`;
          throw new SwitchboardError('bad_request', message, [{ path: 'phone', message }]);
        }
        // One customer per number (as the server rules): point the agent at the one we already have.
        const holder = store.read.findCustomerByPhone(phone);
        if (holder) {
          const message = `${formatPhone(phone)} already belongs to ${holder.name}. Open that customer instead.`;
          throw new SwitchboardError('conflict', message, [{ path: 'phone', message }]);
        }
      }
      const now = new Date().toISOString();
      const customer: Customer = {
        id: uuidv7(),
        name: input.name,
        phone,
        email: input.email,
        language: input.language,
        company: input.company || null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      store.write.createCustomerLocally(customer, uuidv7());
      emit('data.changed', { ticketIds: [], customerIds: [customer.id], interactionIds: [], all: false });
      engine.kick();
      return customer;
    },

    'customers.get': async ({ id }) => {
      const detail = sessions.require().store.read.getCustomerDetail(id);
      if (!detail) throw notInCopy('customer');
      return detail;
    },

    'customers.search': async ({ text, limit }) => sessions.require().store.read.searchCustomers(text, limit),

    'screenpop.lookup': async ({ callerId, region }) => {
      const { read } = sessions.require().store;
      const number = normalisePhone(callerId, region as CountryCode);
      const customer = number ? read.findCustomerByPhone(number) : null;
      const tickets = customer ? (read.getCustomerDetail(customer.id)?.tickets ?? []) : [];
      const open = new Set<string>(['new', 'open', 'pending']);
      // A caller no customer has yet still has a history: the calls from that number.
      const interactions = customer
        ? read.customerInteractions(customer.id, SCREENPOP_CALLS)
        : number
          ? read.callerInteractions(number, SCREENPOP_CALLS)
          : [];
      return {
        number,
        customer,
        openTickets: tickets.filter((t) => open.has(t.status)),
        recentTickets: tickets.filter((t) => !open.has(t.status)).slice(0, 5),
        interactions,
      };
    },

    ...createCallHandlers(sessions, emit),

    'voice.queues': async () => {
      const { engine, info } = sessions.require();
      return engine.authorized((token) => api.voiceQueues(info.serverUrl, token));
    },

    'voice.credentials': async () => {
      const { engine, info } = sessions.require();
      return engine.authorized((token) => api.voiceCredentials(info.serverUrl, token));
    },

    'directory.get': async () => sessions.require().store.read.directory(),

    'notSent.list': async () => sessions.current?.notSent.list() ?? [],

    'notSent.retry': async ({ id, customerId }) => {
      const s = sessions.require();
      const item = s.notSent.get(id);
      if (!item) throw new SwitchboardError('not_found', 'This change was already retried or dismissed.');
      const touched = requeue(s, item, customerId);
      // Queued and kept in the same order as a refusal: in the outbox first, then out of the list.
      s.notSent.remove([id]);
      emit('notSent.changed', { count: s.notSent.count() });
      emit('data.changed', { ...touched, interactionIds: [], all: false });
      s.engine.kick();
      return {};
    },

    'notSent.sendTo': async ({ id, ticketId }) => {
      const s = sessions.require();
      const item = s.notSent.get(id);
      if (!item) throw new SwitchboardError('not_found', 'This change was already retried or dismissed.');
      if (!s.store.read.getTicket(ticketId)) throw notInCopy('ticket');
      const body = notSentText(item).slice(0, 20000);
      if (!body.trim()) throw new SwitchboardError('bad_request', 'This change has no text to send.');
      const comment: TicketComment = {
        id: uuidv7(),
        ticketId,
        authorId: s.info.user.id,
        authorName: s.info.user.displayName,
        body,
        // A comment keeps its own choice; notes and ticket text stay internal, as the agent never chose otherwise.
        internal: item.kind === 'ticket.comment' ? item.args.internal === true : true,
        createdAt: new Date().toISOString(),
      };
      s.store.write.addCommentLocally(comment, uuidv7());
      s.notSent.remove([id]);
      emit('notSent.changed', { count: s.notSent.count() });
      emit('data.changed', { ticketIds: [ticketId], customerIds: [], interactionIds: [], all: false });
      s.engine.kick();
      return comment;
    },

    'notSent.dismiss': async ({ ids }) => {
      const s = sessions.require();
      s.notSent.remove(ids);
      emit('notSent.changed', { count: s.notSent.count() });
      return {};
    },

    'sync.status': async () => sessions.current?.engine.status() ?? signedOut,
    'sync.retryNow': async () => sessions.retryNow() ?? signedOut,
  };
}
