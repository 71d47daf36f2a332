import type { CountryCode } from 'libphonenumber-js';
import { v7 as uuidv7 } from 'uuid';
import type { TicketComment } from '../../shared/domain';
import { transitionError } from '../../shared/domain/ticket-rules';
import type { EventName, EventPayload, ServiceHandlers, SyncStatus } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import { normalisePhone } from '../../shared/phone';
import * as api from '../sync/server-api';
import { createCallHandlers } from './call-handlers';
import type { SessionManager } from './session';

const notInCopy = (what: string) =>
  new SwitchboardError(
    'not_found',
    `This ${what} is not in your local copy (it may be outside your department).`,
  );

/** How many of the caller's last calls the screen pop shows. */
const SCREENPOP_CALLS = 5;

const signedOut: SyncStatus = {
  state: 'offline',
  pending: 0,
  lastSyncedAt: null,
  cursor: 0,
  head: 0,
  lastError: null,
};

/** The contract's methods over the session's replica. Reads never touch the network. */
export function createHandlers(
  sessions: SessionManager,
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void,
): ServiceHandlers {
  return {
    'auth.login': (input) => sessions.login(input),
    'auth.restore': () => sessions.restore(),
    'auth.logout': async () => {
      await sessions.logout();
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
      if (patch.assigneeId) {
        const user = store.read.getUser(patch.assigneeId);
        if (!user) throw new SwitchboardError('bad_request', 'That assignee is not in the directory.');
        if (user.departmentId !== ticket.departmentId) {
          throw new SwitchboardError(
            'bad_request',
            `${user.displayName} is not in this ticket's department.`,
          );
        }
      }
      store.write.updateTicketLocally(id, patch, uuidv7(), new Date().toISOString());
      emit('data.changed', { ticketIds: [id], customerIds: [], interactionIds: [], all: false });
      engine.kick();
      return store.read.getTicketDetail(id)!.ticket;
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

    'voice.credentials': async () => {
      const { engine, info } = sessions.require();
      return engine.authorized((token) => api.voiceCredentials(info.serverUrl, token));
    },

    'directory.get': async () => sessions.require().store.read.directory(),

    'sync.status': async () => sessions.current?.engine.status() ?? signedOut,
  };
}
