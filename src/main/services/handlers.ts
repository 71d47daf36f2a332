import type { CountryCode } from 'libphonenumber-js';
import { v7 as uuidv7 } from 'uuid';
import type { Customer, Ticket, TicketChange, TicketComment } from '../../shared/domain';
import { rightsForChange, rightsForDelete } from '../../shared/domain/permissions';
import { transferError, transitionError, UNSOLVED_STATUSES } from '../../shared/domain/ticket-rules';
import {
  notSentText,
  type EventName,
  type EventPayload,
  type ServiceHandlers,
  type SyncStatus,
} from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import { formatPhone, normalisePhone } from '../../shared/phone';
import * as api from '../sync/server-api';
import { createAdminHandlers } from './admin-handlers';
import { createAuditHandlers } from './audit-handlers';
import { createVocHandlers } from './voc-handlers';
import { createQualityHandlers } from './quality-handlers'; // quality review (issue 15)
import { createReportHandlers } from './report-handlers'; // reports (issue 14)
// Intake (issue 13): API keys, messaging channels, customer merge.
import { createIntakeHandlers } from './intake-handlers';
import { createKbHandlers } from './kb-handlers'; // knowledge base (issue 13, kb helper)
import { createAnswersHandlers } from './answers-handlers'; // suggested answers (issue 15, answers helper)
import { createAttachmentHandlers } from './attachment-handlers'; // email (issue 13)
import { createChatHandlers } from '../chat/chat-handlers'; // web chat, agent desk (issue 13, chat desk)
import { createSupervisorHandlers } from '../supervisor/supervisor-handlers'; // supervisors (issue 14, desk)
import { createTriageHandlers } from '../triage'; // triage (issue 15, desk)
import { bulkUpdate } from './bulk-update';
import { bulkDelete, refuseIfDeleting } from './ticket-delete';
import { TOTAL_CAP } from '../store';
import { createCallHandlers } from './call-handlers';
import { checkLinkChange, checkMerge } from './link-checks';
import { checkAssignee, departmentOf, retryNotSent } from './not-sent-retry';
import { requireFieldValues, requireRights } from './rights';
import type { SessionManager } from './session';

const notInCopy = (what: string) =>
  new SwitchboardError(
    'not_found',
    `This ${what} is not in your local copy (it may be outside your department).`,
  );

/** 'me' in a ticket filter is the signed-in user. */
const resolveMe = (assignees: readonly string[], me: string) => assignees.map((a) => (a === 'me' ? me : a));

/** A filter as the store takes it: 'me' resolved, "breaching soon" as an instant. */
const resolveFilter = <F extends { assignees: string[]; slaDueWithinMinutes: number | null }>(
  f: F,
  me: string,
) => ({
  ...f,
  assignees: resolveMe(f.assignees, me),
  slaDueBefore: f.slaDueWithinMinutes === null ? null : Date.now() + f.slaDueWithinMinutes * 60_000,
});

/** How many of the caller's last calls the screen pop shows. */
const SCREENPOP_CALLS = 5;
/** The latest contacts on every channel the pop lists (a glance; the customer page holds the whole timeline). */
const SCREENPOP_TIMELINE = 6;

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
      return store.read.searchTickets(resolveFilter(q, info.user.id));
    },

    'tickets.counts': async ({ filters }) => {
      const { store, info } = sessions.require();
      return {
        counts: store.read.countTickets(filters.map((f) => resolveFilter(f, info.user.id))),
        cap: TOTAL_CAP,
      };
    },

    'tickets.get': async ({ id }) => {
      const detail = sessions.require().store.read.getTicketDetail(id);
      if (!detail) throw notInCopy('ticket');
      return detail;
    },

    'tickets.update': async ({ id, patch }) => {
      const { store, engine, info } = sessions.require();
      const ticket = store.read.getTicket(id);
      if (!ticket) throw notInCopy('ticket');
      refuseIfDeleting(store, id);
      requireRights(store, info.user, rightsForChange(ticket, patch));
      requireFieldValues(store, ticket, patch);
      if (patch.status) {
        const why = transitionError(ticket.status, patch.status);
        if (why) throw new SwitchboardError('conflict', why);
      }
      if (patch.assigneeId) checkAssignee(store, patch.assigneeId, ticket.departmentId);
      checkLinkChange(store.read, ticket, patch);
      store.write.updateTicketLocally(id, patch, uuidv7(), new Date().toISOString());
      emit('data.changed', { ticketIds: [id], customerIds: [], interactionIds: [], all: false });
      engine.kick();
      return store.read.getTicketDetail(id)!.ticket;
    },

    'tickets.bulkUpdate': async (input) => {
      const { store, engine, info } = sessions.require();
      const { updated, skipped, touched } = bulkUpdate(store, info.user, input);
      if (touched.length > 0) {
        emit('data.changed', { ticketIds: touched, customerIds: [], interactionIds: [], all: false });
        engine.kick();
      }
      return { updated, skipped };
    },

    // A ticket.update of the source (mergedInto and closed), so it queues, merges field by field and is undone
    // on refusal like any edit; the server adds the notes on both tickets when it applies it (ticket-links.ts).
    'tickets.merge': async ({ sourceId, targetId, note }) => {
      const { store, engine, info } = sessions.require();
      const source = store.read.getTicket(sourceId);
      if (!source) throw notInCopy('ticket');
      refuseIfDeleting(store, sourceId);
      refuseIfDeleting(store, targetId);
      const change: TicketChange = { mergedInto: targetId, status: 'closed' };
      requireRights(store, info.user, rightsForChange(source, change));
      checkMerge(store.read, source, targetId);
      store.write.updateTicketLocally(
        sourceId,
        change,
        uuidv7(),
        new Date().toISOString(),
        note || undefined,
      );
      emit('data.changed', {
        ticketIds: [sourceId, targetId],
        customerIds: [],
        interactionIds: [],
        all: false,
      });
      engine.kick();
      return store.read.getTicketDetail(sourceId)!.ticket;
    },

    'tickets.transfer': async ({ id, toDepartmentId, reason, handBack }) => {
      const { store, engine, info } = sessions.require();
      const ticket = store.read.getTicket(id);
      if (!ticket) throw notInCopy('ticket');
      refuseIfDeleting(store, id);
      requireRights(store, info.user, ['transfer']);
      if (!store.read.getDepartment(toDepartmentId)) {
        throw new SwitchboardError('bad_request', 'The department to transfer to does not exist.');
      }
      if (toDepartmentId === ticket.departmentId) {
        throw new SwitchboardError('bad_request', 'The ticket is in this department already.');
      }
      const change: TicketChange = {
        departmentId: toDepartmentId,
        // Handing a ticket back (to where a transfer asked for it) settles that request.
        handBackTo: handBack ? ticket.departmentId : null,
      };
      const why = transferError(ticket, change, reason);
      if (why) throw new SwitchboardError('bad_request', why);
      store.write.updateTicketLocally(id, change, uuidv7(), new Date().toISOString(), reason);
      emit('data.changed', { ticketIds: [id], customerIds: [], interactionIds: [], all: false });
      engine.kick();
      return store.read.getTicketDetail(id)!.ticket;
    },

    'tickets.delete': async ({ id, reason }) => {
      const { store, engine, info } = sessions.require();
      if (!store.read.getTicket(id)) throw notInCopy('ticket');
      requireRights(store, info.user, rightsForDelete());
      refuseIfDeleting(store, id);
      store.write.deleteTicketLocally(id, uuidv7(), new Date().toISOString(), reason || undefined);
      emit('data.changed', { ticketIds: [id], customerIds: [], interactionIds: [], all: false });
      engine.kick();
      return {};
    },

    'tickets.bulkDelete': async ({ ids, reason }) => {
      const { store, engine, info } = sessions.require();
      const { updated, skipped, touched } = bulkDelete(store, info.user, ids, reason);
      if (touched.length > 0) {
        emit('data.changed', { ticketIds: touched, customerIds: [], interactionIds: [], all: false });
        engine.kick();
      }
      return { updated, skipped };
    },

    'tickets.resolveConflict': async ({ ticketId, field, keep }) => {
      const { store, engine, info } = sessions.require();
      const before = store.read.getTicketDetail(ticketId);
      if (!before) throw notInCopy('ticket');
      if (keep === 'mine') refuseIfDeleting(store, ticketId);
      const open = before.conflicts.find((k) => k.field === field);
      if (!open) throw new SwitchboardError('not_found', 'This conflict was already settled.');
      if (keep === 'mine' && open.mine !== null)
        requireRights(store, info.user, rightsForChange(before.ticket, { [field]: open.mine }));
      if (keep === 'mine' && field === 'status' && open.mine) {
        const why = transitionError(before.ticket.status, open.mine as Ticket['status']);
        if (why) throw new SwitchboardError('conflict', why);
      }
      if (keep === 'mine' && field === 'departmentId') {
        // A transfer goes with a reason, which the conflict does not keep: the agent transfers again.
        throw new SwitchboardError(
          'conflict',
          'Someone moved this ticket meanwhile. Keep theirs, then transfer it again with a reason if it still must go.',
        );
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
      refuseIfDeleting(store, ticketId);
      if (internal) requireRights(store, info.user, ['seeInternalNotes']);
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
      const { store, engine, info, triage } = sessions.require();
      const departmentId = departmentOf(store, info, 'ticket');
      const customer = store.read.getCustomer(input.customerId);
      if (!customer) throw notInCopy('customer');
      const assigneeId = input.assigneeId === 'me' ? info.user.id : input.assigneeId;
      if (assigneeId && assigneeId !== info.user.id) checkAssignee(store, assigneeId, departmentId);
      const now = new Date().toISOString();
      const channel = input.channel ?? (input.interactionId ? 'phone' : 'web');
      // Triage (issue 15): with the model kept here, online or offline; none yet: the service triages it.
      const triaged = triage.triageNewTicket({
        subject: input.subject,
        description: input.description,
        channel,
        priority: input.priority,
        priorityChosen: input.priorityChosen === true,
      });
      const ticket: Ticket = {
        id: uuidv7(),
        number: null,
        departmentId,
        // The customer may have been merged into another meanwhile: file it under the one that stays.
        customerId: customer.id,
        subject: input.subject,
        description: input.description,
        status: input.status,
        priority: triaged?.priority ?? input.priority,
        assigneeId,
        handBackTo: null,
        channel,
        tags: [],
        fields: {},
        parentId: null,
        relatedIds: [],
        mergedInto: null,
        category: triaged?.category ?? null,
        triage: triaged?.triage ?? null,
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

    'customers.timeline': async ({ customerId, kinds, after, limit }) =>
      sessions.require().store.read.customerTimeline(customerId, kinds, after, limit),

    'screenpop.lookup': async ({ callerId, region }) => {
      const { read } = sessions.require().store;
      const number = normalisePhone(callerId, region as CountryCode);
      const customer = number ? read.findCustomerByPhone(number) : null;
      const tickets = customer ? (read.getCustomerDetail(customer.id)?.tickets ?? []) : [];
      const open = new Set<string>(UNSOLVED_STATUSES);
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
        timeline: customer ? read.customerTimeline(customer.id, [], null, SCREENPOP_TIMELINE).entries : [],
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

    ...createAdminHandlers(sessions),
    ...createAuditHandlers(sessions),
    ...createReportHandlers(sessions), // reports (issue 14)
    // Intake (issue 13).
    ...createIntakeHandlers(sessions),
    ...createKbHandlers(sessions), // knowledge base (issue 13, kb helper)
    ...createAnswersHandlers(sessions), // suggested answers (issue 15, answers helper)
    ...createVocHandlers(sessions), // voice of the customer (issue 14, voc helper)
    ...createQualityHandlers(sessions), // quality review (issue 15, quality helper)
    ...createAttachmentHandlers(sessions), // email (issue 13)
    ...createChatHandlers(sessions), // web chat, agent desk (issue 13, chat desk)
    ...createSupervisorHandlers(sessions), // supervisors (issue 14, desk)
    // triage (issue 15, desk)
    ...createTriageHandlers({
      require: () => {
        const s = sessions.require();
        return {
          triage: s.triage,
          serverUrl: s.info.serverUrl,
          authorized: (work) => s.engine.authorized(work),
        };
      },
    }),

    'notSent.list': async () => sessions.current?.notSent.list() ?? [],

    'notSent.retry': async ({ id, customerId }) => {
      const s = sessions.require();
      // Synchronous from here to the end: a second click, even on a stale list, finds the entry gone.
      const { retried, kept, touched } = retryNotSent(s, id, customerId);
      emit('notSent.changed', { count: s.notSent.count() });
      emit('data.changed', { ...touched, all: false });
      s.engine.kick();
      return { retried, kept };
    },

    'notSent.sendTo': async ({ id, ticketId }) => {
      const s = sessions.require();
      const item = s.notSent.get(id);
      if (!item) throw new SwitchboardError('not_found', 'This change was already retried or dismissed.');
      if (!s.store.read.getTicket(ticketId)) throw notInCopy('ticket');
      refuseIfDeleting(s.store, ticketId);
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
