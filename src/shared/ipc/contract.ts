import { z } from 'zod';
import {
  CHANGEABLE_FIELDS,
  Channel,
  Customer,
  Department,
  Id,
  Instant,
  Ticket,
  TicketComment,
  TicketHistoryEntry,
  TicketPatch,
  TicketPriority,
  TicketStatus,
  Tags,
  User,
} from '../domain';
import { AdminAction } from '../admin/rest';
// Web chat, agent desk (issue 13, chat desk).
import { AgentChatSummary, CannedResponse, ChatAgentRequests } from '../chat/agent-protocol';
import { ChatAttachmentRef, ChatLanguage, ChatMessage } from '../chat/protocol';
import { ChatDeskState, ChatFileContent, ChatFileUpload, ChatSendResult } from './chat-desk';
// Supervisors (issue 14, desk): the live queue monitor, agent control, notices, wallboard tokens.
import { AgentHistoryEntry, SupervisorNotices, SupervisorSetAgentState, SupervisorView } from './supervisor';
import {
  AssignWaitingCallRequest,
  SupervisorMessage,
  SupervisorMessageRequest,
  WaitingCallList,
  WallboardTokenCreate,
  WallboardTokenCreated,
  WallboardTokenInfo,
} from '../protocol/supervisor';
// Knowledge base (issue 13, kb helper).
import {
  KB_QUERY_MAX,
  KbAction,
  KbArticle,
  KbArticleEdit,
  KbArticleInput,
  KbCategory,
  KbCategoryInput,
  KbCategoryNames,
  KbLanguage,
  KbSearchResponse,
  KbState,
} from '../kb/schemas';
import { AdminConfig, AdminOverview } from '../admin/schemas';
// Intake (issue 13): API keys, messaging channels, customer merge.
import {
  CustomerMergeRequest,
  CustomerMergeResult,
  IntakeAction,
  IntakeActionResult,
  IntakeOverview,
} from '../intake/schemas';
import { AuditExportFormat, AuditPage, AuditQuery, AuditVerifyReport } from '../protocol/audit';
// Voice of the customer (issue 14, voc helper).
import { VocContactsPage, VocContactsQuery, VocQuery, VocSummary } from '../protocol/voc';
// Quality review (issue 15, quality helper).
import {
  QualityAcknowledgeInput,
  QualityConfig,
  QualityConfigQuery,
  QualityContactDetail,
  QualityContactRef,
  QualityMine,
  QualityPeriod,
  QualityQueueItem,
  QualityQueueQuery,
  QualityReview,
  QualityReviewInput,
  QualityRuleInput,
  QualityRunResult,
  QualitySettingsInput,
} from '../quality/schemas';
import { CallRatingLink, CallRatingLinkInput, ReportQuery, ReportResult } from '../protocol/reports'; // reports (issue 14)
import { AnswerSuggestions } from '../answers/schemas'; // suggested answers (issue 15, answers helper)
import { ErrorBody, StorageFault } from '../protocol/errors';
// Triage (issue 15, desk): the desktop's model, the supervisor's accuracy, retraining and threshold.
import { TriageModelStatus } from './triage';
import { TicketCategory, TRIAGE_CATEGORIES } from '../triage/taxonomy';
import {
  TriageAccuracy,
  TriageAccuracyQuery,
  TriageModelInfo,
  TriageModelList,
  TriageSettings,
} from '../triage/api';
import { SlaAlert } from '../protocol/sla';
import { MailboxAddress, MailboxInput, MailboxList } from '../protocol/email'; // email (issue 13)
import { SlaTimeline } from '../sla/clock';
import {
  AgentStatus,
  BreakReason,
  CallEventKind,
  Disposition,
  Interaction,
  InteractionLog,
  QueueList,
  RequestableState,
  VoiceCredentials,
} from '../protocol/voice';

/**
 * The one contract between the renderer and the desktop services (src/main).
 * Electron carries it over IPC (preload -> window.switchboard); browser mode carries it over a websocket
 * to the Node host. Both sides validate every message with these schemas.
 */

/**
 * A session signed in offline (against this computer's password verifier) that the server has not accepted
 * yet; nothing is sent until it has. waiting: the server cannot be reached; password: it can, and the agent's
 * password is needed to check the session. refusal: why the server's last answer was no (the outbox is kept).
 */
export const OfflineCheck = z.object({
  check: z.enum(['waiting', 'password']),
  refusal: z.enum(['password_refused', 'account_disabled']).nullable(),
});
export type OfflineCheck = z.infer<typeof OfflineCheck>;

export const SessionInfo = z.object({
  serverUrl: z.url(),
  user: User,
  department: Department.nullable(),
  /** Whether "remember me" could be honoured: false when no keychain or safeStorage is available. */
  remembered: z.boolean(),
  /** Signed in offline and not yet accepted by the server; null once it has (or for an online sign-in). */
  offline: OfflineCheck.nullable().default(null),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/**
 * A change the agent made that will not reach the server as it stands: refused by the server (any reason), or
 * taken off a replica the desktop had to delete (a disabled account). Kept outside the replica, per user and
 * server, until the agent retries, sends it elsewhere or dismisses it: the system never drops what was typed.
 */
/** A call as a log of it describes it (InteractionLog without the record's id). */
export const NotSentCall = z.object(InteractionLog.shape).omit({ interactionId: true });
export type NotSentCall = z.infer<typeof NotSentCall>;

export const NotSentItem = z.object({
  /** The refused mutation's id. */
  id: Id,
  kind: z.enum([
    'ticket.update',
    'ticket.comment',
    'ticket.create',
    'ticket.delete',
    'customer.create',
    'interaction.log',
    'interaction.complete',
  ]),
  /** The mutation's arguments exactly as they were queued. */
  args: z.record(z.string(), z.unknown()),
  ticketId: Id.nullable(),
  customerId: Id.nullable(),
  /** The ticket as this desktop last knew it (number, subject), to name it; null: not known here. */
  ticket: z.object({ number: z.number().int().nullable(), subject: z.string() }).nullable(),
  typedAt: Instant,
  refusedAt: Instant,
  /**
   * Why it was not sent: a server error code (not_found, forbidden, conflict, bad_request, ...), or
   * account_disabled (taken from a replica deleted for a disabled account), or parent_refused (it belonged to a
   * new ticket, customer or call record the server refused), or retry_refused (retried with the new ticket,
   * customer or call it belonged to, it still could not go: message says why).
   */
  code: z.string(),
  /** The server's sentence (English), shown when the code has no sentence of its own. */
  message: z.string(),
  /** The server's copy of the ticket when it was refused, where this desktop held it; null: not known. */
  current: z
    .object({
      subject: z.string(),
      status: TicketStatus,
      priority: TicketPriority,
      assigneeId: Id.nullable(),
      version: z.number().int().nonnegative(),
    })
    .nullable(),
  /**
   * For a call record or call notes: the call as this desktop knew it (what a log of it says), so that a retry
   * can record it again in the department the agent is in now; null: not known here.
   */
  call: NotSentCall.nullable().default(null),
});
export type NotSentItem = z.infer<typeof NotSentItem>;

/** The words the agent typed in a not-sent change, as one text (to copy, or to send to another ticket). */
export function notSentText(item: NotSentItem): string {
  const a = item.args;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  switch (item.kind) {
    case 'ticket.comment':
      return str(a.body);
    case 'ticket.delete':
      return str(a.reason);
    case 'ticket.create':
      return [str(a.subject), str(a.description)].filter(Boolean).join('\n\n');
    case 'ticket.update': {
      const patch = (a.patch ?? {}) as Record<string, unknown>;
      return Object.entries(patch)
        .map(([k, v]) => `${k}: ${v === null ? '-' : String(v)}`)
        .join('\n');
    }
    case 'customer.create':
      return [a.name, a.phone, a.email, a.company].filter((v) => typeof v === 'string' && v).join('\n');
    case 'interaction.complete':
      return str(a.notes);
    default:
      return '';
  }
}

export const SyncState = z.enum(['offline', 'connecting', 'syncing', 'online']);
export const SyncStatus = z.object({
  state: SyncState,
  /** Local mutations not yet acknowledged by the server. */
  pending: z.number().int().nonnegative(),
  lastSyncedAt: Instant.nullable(),
  cursor: z.number().int().nonnegative(),
  /** Server head while catching up, for a progress bar. */
  head: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  /** While offline: when the engine tries to reach the server again (null: not scheduled). */
  nextRetryAt: Instant.nullable().default(null),
  /**
   * A storage fault that stopped syncing (null: none). Sync does not retry it on a timer: it resumes when the
   * agent acts (retry, an edit that saves) or a check finds the condition cleared.
   */
  storageFault: StorageFault.nullable().default(null),
  /** The replica was found damaged when opened: set aside (kept, renamed) and rebuilt from the server. */
  setAside: z
    .object({
      /** Where the damaged copy now is. */
      path: z.string(),
      /** Unsent changes read from it and queued again. */
      recovered: z.number().int().nonnegative(),
      /** false: its outbox could not be read (or only in part); the damaged copy keeps the rest. */
      outboxReadable: z.boolean(),
    })
    .nullable()
    .default(null),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** A ticket as listed: the row plus what the list shows without another lookup. */
/** The most tickets one bulk change takes: a screenful of selections, bounded so one call stays quick. */
export const BULK_MAX = 500;

/** What a bulk change did: how many tickets it changed (or queued for deletion), each skipped one and why. */
export const BulkOutcome = z.object({
  updated: z.number().int().nonnegative(),
  skipped: z.array(
    z.object({
      id: Id,
      number: z.number().int().positive().nullable(),
      /** Why, for the agent's language: the list shows a sentence per reason and the message as detail. */
      reason: z.enum(['notInCopy', 'transition', 'assignee', 'rights', 'tags', 'fields', 'deleting']),
      message: z.string(),
    }),
  ),
});
export type BulkOutcome = z.infer<typeof BulkOutcome>;

export const TicketRow = Ticket.extend({
  customerName: z.string(),
  /**
   * pending: has local changes not yet on the server; conflict: the server refused an edit because someone
   * else changed the same field meanwhile, and the agent has not chosen which value stays.
   */
  syncState: z.enum(['synced', 'pending', 'conflict']),
  /**
   * Deleted here and not yet confirmed by the server (a queued ticket.delete): shown struck through and read-only
   * until the server's answer takes it out of the replica, or a refusal brings it back (and lists why).
   */
  deletePending: z.boolean().optional(),
  /**
   * The SLA clock's inputs, derived on this desktop from the replica's ticket, status history and comments: the
   * renderer computes the live timers from it with the shared engine and the cached configuration, offline too.
   * null: not computed yet.
   */
  sla: SlaTimeline.nullable().default(null),
});
export type TicketRow = z.infer<typeof TicketRow>;

/**
 * The orders of the ticket list. relevance: bm25 (needs text); newest / oldest: by creation; priority: urgent
 * first, then newest; slaDue: the earliest open SLA due time first (tickets without one last, newest first).
 * A new order needs a plan in src/main/store/search.ts (SORTS) and a label in both languages.
 */
export const TicketSort = z.enum(['relevance', 'newest', 'oldest', 'priority', 'slaDue']);
export type TicketSort = z.infer<typeof TicketSort>;

/** Which tickets: text and filters. Each list holds the values any of which a ticket may have; empty: any. */
export const TicketFilter = z.object({
  /** Full-text query over subject, description, comments and customer; Chinese and English. */
  text: z.string().max(200).default(''),
  status: z.array(TicketStatus).default([]),
  priority: z.array(TicketPriority).default([]),
  departmentIds: z.array(Id).max(100).default([]),
  /** 'me' is resolved by the services to the logged-in user. */
  assignees: z
    .array(z.union([Id, z.literal('me'), z.literal('unassigned')]))
    .max(100)
    .default([]),
  /**
   * "Breaching soon": only tickets whose SLA clock runs and whose earliest open target is due within this many
   * minutes from now, or already overdue. null: no such filter.
   */
  slaDueWithinMinutes: z.number().int().min(0).max(10_080).nullable().default(null),
  /** Triage (issue 15, desk): any of these categories; empty: any. */
  categories: z.array(TicketCategory).max(TRIAGE_CATEGORIES.length).default([]),
  /** Triage (issue 15, desk): only tickets whose prediction waits for a person ("Needs triage"). */
  needsTriage: z.boolean().default(false),
});
export type TicketFilter = z.input<typeof TicketFilter>;

export const TicketQuery = TicketFilter.extend({
  /** null: relevance when there is text, newest first otherwise. */
  sort: TicketSort.nullable().default(null),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type TicketQuery = z.input<typeof TicketQuery>;

export const TicketPage = z.object({ total: z.number().int().nonnegative(), rows: z.array(TicketRow) });
export type TicketPage = z.infer<typeof TicketPage>;

/** One open conflict on a ticket field: the agent's refused value and the server's, which stands until they choose. */
export const TicketConflict = z.object({
  field: z.enum(CHANGEABLE_FIELDS),
  mine: z.string().nullable(),
  theirs: z.string().nullable(),
  changedByName: z.string(),
  changedAt: Instant,
  /** The value standing is the agent's own, changed on another of their devices (conflicts are per device). */
  byYou: z.boolean().default(false),
});
export type TicketConflict = z.infer<typeof TicketConflict>;

/**
 * A linked ticket as the detail lists it, read from the replica: `row` is null when the ticket is not in this
 * replica (another department's), so the link still shows, as "not in your department".
 */
export const TicketLink = z.object({
  id: Id,
  row: z
    .object({ number: z.number().int().nullable(), subject: z.string(), status: TicketStatus })
    .nullable(),
});
export type TicketLink = z.infer<typeof TicketLink>;

export const TicketLinks = z.object({
  parent: TicketLink.nullable(),
  children: z.array(TicketLink),
  related: z.array(TicketLink),
  mergedInto: TicketLink.nullable(),
  /** Tickets merged into this one (those in this replica). */
  mergedFrom: z.array(TicketLink),
  /** Every ticket the history's link entries name (links since removed too), so it reads by number. */
  mentioned: z.array(TicketLink).default([]),
});
export type TicketLinks = z.infer<typeof TicketLinks>;

export const TicketDetail = z.object({
  ticket: TicketRow,
  links: TicketLinks.default({
    parent: null,
    children: [],
    related: [],
    mergedInto: null,
    mergedFrom: [],
    mentioned: [],
  }),
  conflicts: z.array(TicketConflict).default([]),
  customer: Customer.nullable(),
  comments: z.array(TicketComment.extend({ syncState: z.enum(['synced', 'pending']) })),
  history: z.array(TicketHistoryEntry),
});
export type TicketDetail = z.infer<typeof TicketDetail>;

export const CustomerDetail = z.object({ customer: Customer, tickets: z.array(TicketRow) });
export type CustomerDetail = z.infer<typeof CustomerDetail>;

export const CustomerPage = z.object({ total: z.number().int().nonnegative(), rows: z.array(Customer) });
export type CustomerPage = z.infer<typeof CustomerPage>;

/** A call record as the desktop holds it; pending: recorded or wrapped up here, not yet on the server. */
export const InteractionRow = Interaction.extend({ syncState: z.enum(['synced', 'pending']) });
export type InteractionRow = z.infer<typeof InteractionRow>;

/**
 * One customer's history across channels, newest first: calls, tickets opened, and the public messages on their
 * tickets (mail, messaging and agents' replies). Read from the replica, so it works offline like the rest.
 */
export const TimelineKind = z.enum([
  'call',
  'ticket',
  'message',
  'chat', // chat-timeline (issue 13)
]);
export type TimelineKind = z.infer<typeof TimelineKind>;

const TimelineTicket = z.object({
  id: Id,
  number: z.number().int().nullable(),
  subject: z.string(),
  status: Ticket.shape.status,
  channel: Channel,
});

export const TimelineEntry = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('call'), id: Id, at: Instant, call: InteractionRow }),
  z.object({
    kind: z.literal('ticket'),
    id: Id,
    at: Instant,
    ticket: TimelineTicket.extend({ priority: Ticket.shape.priority }),
  }),
  z.object({
    kind: z.literal('message'),
    id: Id,
    at: Instant,
    ticket: TimelineTicket,
    authorName: z.string(),
    /** Written by the customer (mail, messaging: no author among the users), not by an agent. */
    fromCustomer: z.boolean(),
    /** The start of the message, as plain text. */
    excerpt: z.string(),
  }),
  // chat-timeline (issue 13): an ended web chat (at: when it started).
  z.object({
    kind: z.literal('chat'),
    id: Id,
    at: Instant,
    chat: z.object({
      /** The agent who last had it, as the directory names them; null: only the assistant answered. */
      agentName: z.string().nullable(),
      visitorName: z.string().nullable(),
      startedAt: Instant,
      endedAt: Instant,
      messageCount: z.number().int().nonnegative(),
      /** The visitor's first line, as plain text. */
      excerpt: z.string(),
      /** The whole chat as plain text (shown when no ticket is linked). */
      transcript: z.string(),
      /** The linked ticket, when this replica holds it. */
      ticket: TimelineTicket.nullable(),
    }),
  }),
]);
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** Where the next page of a timeline starts: after this entry. */
export const TimelineCursor = z.object({ at: Instant, id: Id });
export type TimelineCursor = z.infer<typeof TimelineCursor>;

export const TimelinePage = z.object({ entries: z.array(TimelineEntry), more: z.boolean() });
export type TimelinePage = z.infer<typeof TimelinePage>;

/** What pops up while the phone rings: who is calling and what is open for them, from the local replica. */
export const ScreenPop = z.object({
  /** The caller's number as E.164, or null when what the PBX sent is not a phone number. */
  number: z.string().nullable(),
  customer: Customer.nullable(),
  /** new, open and pending tickets of the caller, most recently updated first. */
  openTickets: z.array(TicketRow),
  /** The caller's latest solved or closed tickets, for context. */
  recentTickets: z.array(TicketRow),
  /** The caller's last calls (any agent of the department), newest first. */
  interactions: z.array(InteractionRow),
  /** The caller's latest contacts on every channel (see TimelineEntry), newest first. */
  timeline: z.array(TimelineEntry).default([]),
});
export type ScreenPop = z.infer<typeof ScreenPop>;

export const Directory = z.object({ departments: z.array(Department), users: z.array(User) });
export type Directory = z.infer<typeof Directory>;

const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });

export const contract = {
  'auth.login': method(
    z.object({
      serverUrl: z.url({ message: 'Enter the server address, e.g. http://127.0.0.1:4000' }),
      username: z.string().trim().min(1).max(64),
      password: z.string().min(1).max(256),
      remember: z.boolean(),
      /**
       * When the server cannot be reached (only then: never when it refuses the password), sign in against
       * this computer's copy with the password of the last online sign-in here.
       */
      offline: z.boolean().default(false),
    }),
    SessionInfo,
  ),
  /**
   * Whether this user can sign in offline on this computer: they signed in online here before, and offline
   * sign-in is not locked (too many wrong passwords, or the server refused the kept password since).
   */
  'auth.offlineStatus': method(
    z.object({ serverUrl: z.url(), username: z.string().trim().min(1).max(64) }),
    z.object({
      available: z.boolean(),
      locked: z.boolean(),
      attemptsLeft: z.number().int().nonnegative(),
      /** When this user last signed in online here. */
      lastOnlineAt: Instant.nullable(),
    }),
  ),
  /** After an offline sign-in, with the server reachable again: the server checks the password, then sync starts. */
  'auth.confirm': method(z.object({ password: z.string().min(1).max(256) }), SessionInfo),
  /**
   * Whether "remember me" can work on this machine (a keychain or safeStorage is there), so the sign-in
   * screen can say so before the agent signs in rather than after.
   */
  'auth.canRemember': method(z.object({}), z.object({ available: z.boolean() })),
  /** Sign in again from the remembered refresh token in the credential vault, if there is one. */
  'auth.restore': method(z.object({}), SessionInfo.nullable()),
  /** forgetDevice: also remove this user's offline sign-in from this computer (it is kept otherwise). */
  'auth.logout': method(z.object({ forgetDevice: z.boolean().default(false) }), z.object({})),
  'session.get': method(z.object({}), SessionInfo.nullable()),
  'tickets.search': method(TicketQuery, TicketPage),
  /**
   * How many tickets each filter matches (saved views), from the local index: exact up to `cap`, at least `cap`
   * beyond it.
   */
  'tickets.counts': method(
    z.object({ filters: z.array(TicketFilter).max(20) }),
    z.object({ counts: z.array(z.number().int().nonnegative()), cap: z.number().int().positive() }),
  ),
  'tickets.get': method(z.object({ id: Id }), TicketDetail),
  'tickets.update': method(z.object({ id: Id, patch: TicketPatch }), TicketRow),
  /**
   * One change to many tickets (team leads and supervisors; the bulkEdit right), queued as one edit per ticket so
   * it works offline and merges like any other. A ticket the change does not fit (a closed one for a status, an
   * assignee of another department) is skipped and said why; the rest are changed.
   */
  'tickets.bulkUpdate': method(
    z.object({
      ids: z.array(Id).min(1).max(BULK_MAX),
      patch: z
        .object({
          status: TicketStatus,
          priority: TicketPriority,
          assigneeId: z.union([Id, z.literal('me')]).nullable(),
          addTags: Tags.refine((t) => t.length > 0),
        })
        .partial()
        .refine((p) => Object.keys(p).length > 0, { message: 'A bulk change must name at least one field.' }),
    }),
    BulkOutcome,
  ),
  /**
   * Merge ticket `sourceId` into `targetId` (works offline): the source is closed pointing to the target, which
   * gets the source's description and public replies in an internal note; the source keeps its own history.
   */
  'tickets.merge': method(
    z.object({ sourceId: Id, targetId: Id, note: z.string().trim().max(1000).optional() }),
    TicketRow,
  ),
  /**
   * Move a ticket to another department with a reason the receiving team reads (works offline; the ticket
   * leaves this replica once the server has it). handBack asks for it back when their part is done; a
   * ticket that carries such a request is handed back by transferring it to handBackTo.
   */
  'tickets.transfer': method(
    z.object({
      id: Id,
      toDepartmentId: Id,
      reason: z.string().trim().min(1).max(1000),
      handBack: z.boolean().default(false),
    }),
    TicketRow,
  ),
  /**
   * Delete the checked tickets (bulkEdit and delete rights), each as tickets.delete does; a ticket not here or
   * already being deleted is skipped and said why. `updated`: how many were queued for deletion.
   */
  'tickets.bulkDelete': method(
    z.object({ ids: z.array(Id).min(1).max(BULK_MAX), reason: z.string().trim().max(1000).optional() }),
    BulkOutcome,
  ),
  /**
   * Delete a ticket (the delete right; works offline). Queued as ticket.delete on the server version held here:
   * until the server answers, the ticket stays in the replica marked deletePending (struck through, read-only);
   * accepted, it leaves the replica; refused (no right any more, changed meanwhile), it is back as it was and the
   * refusal is in the not-sent list with its reason.
   */
  'tickets.delete': method(
    z.object({ id: Id, reason: z.string().trim().max(1000).optional() }),
    z.object({}),
  ),
  /**
   * Settle a conflict: 'theirs' accepts the server's value; 'mine' queues the agent's value again on top of the
   * server's current version (so it applies unless someone changes the field yet again).
   */
  'tickets.resolveConflict': method(
    z.object({
      ticketId: Id,
      field: TicketConflict.shape.field,
      keep: z.enum(['mine', 'theirs']),
    }),
    TicketDetail,
  ),
  'tickets.comment': method(
    z.object({
      ticketId: Id,
      body: z.string().trim().min(1).max(20000),
      internal: z.boolean().default(false),
    }),
    TicketComment,
  ),
  /**
   * A new ticket in the agent's department, saved locally at once (provisional number until the server
   * assigns one) and synced. interactionId links the call it was made from (the call's wrap-up names it).
   */
  'tickets.create': method(
    z.object({
      customerId: Id,
      subject: z.string().trim().min(1).max(300),
      description: z.string().max(20000).default(''),
      priority: TicketPriority.default('normal'),
      status: z.enum(['new', 'open']).default('new'),
      assigneeId: z
        .union([Id, z.literal('me')])
        .nullable()
        .default(null),
      interactionId: Id.nullable().default(null),
      /** Where the customer reached us; by default phone for a ticket made from a call, web otherwise. */
      channel: Channel.optional(),
      /**
       * Triage (issue 15, desk): the agent picked the priority themselves. Left out or false, a priority of
       * `normal` (the default) is the triage model's to set.
       */
      priorityChosen: z.boolean().optional(),
    }),
    TicketRow,
  ),
  'customers.get': method(z.object({ id: Id }), CustomerDetail),
  /** A customer's timeline a page at a time; `kinds` empty: every kind. */
  'customers.timeline': method(
    z.object({
      customerId: Id,
      kinds: z.array(TimelineKind).default([]),
      after: TimelineCursor.nullable().default(null),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    TimelinePage,
  ),
  /**
   * A new customer, saved locally at once and synced. phone in any format the agent typed, read in
   * `region` when national, stored as E.164; a number that is not a phone number is refused.
   */
  'customers.create': method(
    z.object({
      name: z.string().trim().min(1).max(200),
      phone: z.string().trim().max(64).nullable().default(null),
      email: z.email().max(254).nullable().default(null),
      company: z.string().trim().max(200).nullable().default(null),
      language: z.enum(['zh-CN', 'en']).default('zh-CN'),
      region: z
        .string()
        .regex(/^[A-Z]{2}$/)
        .default('CN'),
    }),
    Customer,
  ),
  /** A customer's calls from the local replica, newest first. */
  'interactions.list': method(
    z.object({ customerId: Id, limit: z.number().int().min(1).max(200).default(20) }),
    z.array(InteractionRow),
  ),
  /** The local record of a call by its SIP Call-ID (a routed call's record arrives by sync), or null. */
  'interactions.forCall': method(z.object({ callId: z.string().min(1).max(256) }), InteractionRow.nullable()),
  /** Record a call nobody routed (direct, outbound, or while the service was unreachable); works offline. */
  'interactions.log': method(InteractionLog, InteractionRow),
  /**
   * After-call work: disposition, notes and the ticket the call was about; queued, works offline. customerId
   * links a call that has no customer yet to the one the agent made of the caller (kept if it has one).
   */
  'interactions.complete': method(
    z.object({
      interactionId: Id,
      disposition: Disposition,
      notes: z.string().max(20000).default(''),
      ticketId: Id.nullable().default(null),
      customerId: Id.nullable().default(null),
    }),
    InteractionRow,
  ),
  /** The agent's state as the server last said it; null while the server is unreachable. */
  'agent.status': method(z.object({}), AgentStatus.nullable()),
  /**
   * Ask the server for a state. version: the status version the agent last saw (a stale window is
   * refused with `conflict`). While on a call it becomes the pending state ("Break after this call").
   */
  'agent.setState': method(
    z.object({
      state: RequestableState,
      reason: BreakReason.optional(),
      version: z.number().int().nonnegative(),
    }),
    AgentStatus,
  ),
  /**
   * The softphone's registration, told to the server (issue 14: calls only to a registered phone). Offline:
   * null, and it is sent when the connection is back.
   */
  'agent.reportPhone': method(z.object({ registered: z.boolean() }), AgentStatus.nullable()),
  /** Call progress from the softphone (answered, hold, ended ...) for the call the server routed here. */
  'voice.callEvent': method(
    z.object({ callId: z.string().min(1).max(256), event: CallEventKind }),
    AgentStatus.nullable(),
  ),
  /** Full-text search over the cached customers: name, company, email, phone digits; Chinese and English. */
  'customers.search': method(
    z.object({ text: z.string().max(200), limit: z.number().int().min(1).max(200).default(50) }),
    CustomerPage,
  ),
  /**
   * Screen pop for an incoming call: the caller id as the PBX presents it ("13800138000",
   * "+86 138-0013-8000", "008613800138000"), read in `region` (ISO country, default CN) when national.
   * Answered from the local replica only, so it works offline and never waits on the network.
   */
  'screenpop.lookup': method(
    z.object({
      callerId: z.string().trim().min(1).max(64),
      region: z
        .string()
        .regex(/^[A-Z]{2}$/, 'Use a two-letter country code such as CN or US')
        .default('CN'),
    }),
    ScreenPop,
  ),
  /** The agent's SIP account for the softphone, fetched from the server each time (never cached). */
  'voice.credentials': method(z.object({}), VoiceCredentials),
  /** The queues of the agent's department (names for the call panel), from the server. */
  'voice.queues': method(z.object({}), QueueList),
  'directory.get': method(z.object({}), Directory),
  /** Administrators only (the server refuses everyone else): everything the admin screen shows, from the server. */
  'admin.overview': method(z.object({}), AdminOverview),
  /** One administrator's change, made on the server (never queued offline: it needs the server's checks). */
  'admin.apply': method(AdminAction, z.object({})),
  /** SLA policies, calendars, custom fields and workflow settings, from the server (any signed-in user). */
  'config.get': method(z.object({}), AdminConfig),
  /** Administrators: the server verifies the whole audit chain (signatures, anchors) and reports. */
  'audit.verify': method(z.object({}), AuditVerifyReport),
  /** Administrators: audit records matching the filters, newest first, one page. */
  'audit.search': method(AuditQuery, AuditPage),
  /**
   * Administrators: every record matching the filters as a CSV or JSON file's text (the server records the
   * export). For ranges of millions of records, use GET /api/audit/export or the CLI instead.
   */
  'audit.export': method(
    AuditQuery.omit({ before: true, limit: true }).extend({ format: AuditExportFormat }),
    z.object({ fileName: z.string(), mimeType: z.string(), text: z.string() }),
  ),
  // Reports (issue 14, reports helper): straight to the server, which decides whose figures the user sees.
  /** Supervisors (their department) and administrators: one report by interval and dimension. */
  'reports.get': method(ReportQuery, ReportResult),
  /** The same report as a CSV file's text (UTF-8 with BOM for Excel); the server records the export. */
  'reports.export': method(
    z.object({ query: ReportQuery, language: z.enum(['zh', 'en']) }),
    z.object({ fileName: z.string(), mimeType: z.string(), text: z.string() }),
  ),
  /**
   * A one-time link (7 days) asking the customer of a call to rate it 1-5: the wrap-up shows it to copy into a
   * message or mail (a phone call has no IVR after the agent hangs up to ask in). The server records the link.
   */
  'reports.callRatingLink': method(CallRatingLinkInput, CallRatingLink),
  'sync.status': method(z.object({}), SyncStatus),
  /** Offline: try to reach the server now instead of waiting for the next scheduled retry. */
  'sync.retryNow': method(z.object({}), SyncStatus),
  /** The agent's changes that were not sent (refused, or saved from a deleted replica), newest first. */
  'notSent.list': method(z.object({}), z.array(NotSentItem)),
  /**
   * Queue it again as a new change on the server version held now, with what goes with it: a new ticket with
   * its comments and edits, a new customer with its tickets, a call record with its notes (whichever of them
   * was clicked). customerId: for a new ticket whose customer is not in the agent's scope any more, the
   * customer to file it under (in the agent's department). retried: the entries queued again; kept: those of
   * the group that still cannot go, left in the list pointed at what was recreated, with the reason.
   */
  'notSent.retry': method(
    z.object({ id: Id, customerId: Id.optional() }),
    z.object({ retried: z.array(Id), kept: z.array(Id) }),
  ),
  /** Its text (comment, ticket subject and description, call notes) as a new comment on a ticket in scope. */
  'notSent.sendTo': method(z.object({ id: Id, ticketId: Id }), TicketComment),
  /** The agent's explicit choice: forget these, and only these. */
  'notSent.dismiss': method(z.object({ ids: z.array(Id).min(1).max(1000) }), z.object({})),
  // Intake (issue 13): straight to the server, never queued (they need its checks; offline they fail at once).
  /** Administrators: messaging channels and API keys (never their secrets). */
  'intake.overview': method(z.object({}), IntakeOverview),
  /** Administrators: a channel or key made, changed or revoked; a new secret comes back this once. */
  'intake.apply': method(IntakeAction, IntakeActionResult),
  /** Supervisors (their department) and administrators: `mergeId` becomes an alias of `keepId`. */
  'customers.merge': method(CustomerMergeRequest, CustomerMergeResult),
  // Knowledge base (issue 13, kb helper): straight to the server (never cached or queued; offline they fail
  // at once with `unavailable`). Writing is for supervisors and administrators; the server refuses the rest.
  'kb.search': method(
    z.object({
      q: z.string().max(KB_QUERY_MAX).default(''),
      lang: KbLanguage.optional(),
      categoryId: Id.optional(),
      states: z.array(KbState).optional(),
      limit: z.number().int().min(1).max(50).default(20),
    }),
    KbSearchResponse,
  ),
  'kb.get': method(z.object({ id: Id }), KbArticle),
  'kb.categories': method(z.object({}), z.array(KbCategory)),
  'kb.create': method(KbArticleInput, KbArticle),
  'kb.edit': method(KbArticleEdit.extend({ id: Id }), KbArticle),
  'kb.act': method(
    z.object({ id: Id, action: KbAction, baseVersion: z.number().int().nonnegative() }),
    KbArticle,
  ),
  /** Supervisors (their department's) and administrators (any): a category made, renamed or deleted. */
  'kb.categoryCreate': method(KbCategoryInput, KbCategory),
  'kb.categoryRename': method(KbCategoryNames.extend({ id: Id }), KbCategory),
  /** Refused (conflict, with the count) while articles are filed under it. */
  'kb.categoryDelete': method(z.object({ id: Id }), z.object({})),
  // Suggested answers (issue 15, answers helper): straight to the server (its indexes and the optional LLM);
  // offline they fail at once with `unavailable` and the panel says so.
  /** Articles, similar solved tickets and a draft reply with citations for a ticket in the agent's scope. */
  'answers.ticket': method(z.object({ id: Id }), AnswerSuggestions),
  /** The same for a chat session of the agent's department (from the visitor's latest messages). */
  'answers.chat': method(z.object({ id: Id }), AnswerSuggestions),
  // Voice of the customer (issue 14, voc helper): straight to the server (supervisors, team leads, admins).
  /** Top terms and phrases, rising topics and sentiment of a period against the one before it. */
  'voc.summary': method(VocQuery, VocSummary),
  /** The tickets and calls of a period that mention one topic, a page at a time. */
  'voc.contacts': method(VocContactsQuery, VocContactsPage),
  // Quality review (issue 15, quality helper): straight to the server (supervisors their department, admins all;
  // agents only their own returned reviews). Offline each fails at once with `unavailable`.
  'quality.config': method(QualityConfigQuery, QualityConfig),
  'quality.saveRule': method(QualityRuleInput, QualityConfig),
  'quality.saveSettings': method(QualitySettingsInput, QualityConfig),
  'quality.recheck': method(QualityPeriod, QualityRunResult),
  'quality.sample': method(z.object({ departmentId: Id.optional() }), QualityRunResult),
  'quality.queue': method(QualityQueueQuery, z.array(QualityQueueItem)),
  'quality.contact': method(QualityContactRef, QualityContactDetail),
  'quality.review': method(QualityReviewInput, QualityReview),
  'quality.mine': method(z.object({}), QualityMine),
  'quality.acknowledge': method(QualityAcknowledgeInput, QualityMine),
  // email (issue 13): a comment's kept file, fetched from the server (scope-checked there) for the agent to save.
  /** The file's bytes as base64 (at most the server's attachment limit, 10 MB by default). */
  'attachments.get': method(
    z.object({ id: Id }),
    z.object({ fileName: z.string(), mimeType: z.string(), base64: z.string() }),
  ),
  /** Administrators: the support mailboxes (the admin screen's Email tab), from the server. */
  'email.mailboxes': method(z.object({}), MailboxList),
  /** Administrators: add or change a mailbox (never queued offline: it needs the server's checks). */
  'email.mailboxSave': method(z.object({ address: MailboxAddress, input: MailboxInput }), z.object({})),
  'email.mailboxRemove': method(z.object({ address: MailboxAddress }), z.object({})),
  // Web chat, agent desk (issue 13, chat desk): over the sync socket (chat:* in src/shared/chat/agent-protocol.ts).
  // Offline every call fails at once with `unavailable`, except chat.send, which keeps the message and sends it
  // (same clientId) when the connection is back, and chat.typing, which is then not said.
  /** The agent's chats, offers and unsent messages, as the desktop holds them (fetched again on reconnect). */
  'chat.state': method(z.object({}), ChatDeskState),
  'chat.history': method(ChatAgentRequests.history, z.object({ messages: z.array(ChatMessage) })),
  'chat.accept': method(ChatAgentRequests.accept, AgentChatSummary),
  'chat.decline': method(ChatAgentRequests.decline, z.object({})),
  /** clientId: sending a queued or refused message again under its id (stored once by the server). */
  'chat.send': method(
    z
      .object({
        chatId: Id,
        text: z.string().trim().max(2000),
        attachments: z.array(ChatAttachmentRef).max(5).default([]),
        clientId: z.string().min(1).max(64).optional(),
      })
      // Chat files (issue 13): a file alone is a message.
      .refine((m) => m.text.length > 0 || m.attachments.length > 0, {
        message: 'Write a message or attach a file',
      }),
    ChatSendResult,
  ),
  // Chat files (issue 13): the composer's file, uploaded to the chat on the server (a ref for chat.send), and a
  // chat file fetched for the agent to save (the server checks the chat is theirs or in their department).
  'chat.upload': method(ChatFileUpload, ChatAttachmentRef),
  'chat.file': method(z.object({ id: Id }), ChatFileContent),
  /** A message the agent gives up on (refused or waiting): only on their word. */
  'chat.discard': method(z.object({ clientId: z.string().min(1).max(64) }), z.object({})),
  'chat.typing': method(ChatAgentRequests.typing, z.object({})),
  /** The agent has seen the visitor's messages up to seq (the tab is shown). */
  'chat.read': method(z.object({ chatId: Id, seq: z.number().int().nonnegative() }), AgentChatSummary),
  'chat.transfer': method(
    ChatAgentRequests.transfer.refine((t) => (t.toAgentId === undefined) !== (t.toQueueId === undefined), {
      message: 'Name either an agent or a queue',
    }),
    AgentChatSummary,
  ),
  'chat.end': method(ChatAgentRequests.end, AgentChatSummary),
  /** A ticket made from the chat, or the chat linked to ticketId, in one step. */
  'chat.toTicket': method(ChatAgentRequests.toTicket, z.object({ chat: AgentChatSummary, ticketId: Id })),
  'chat.canned': method(z.object({ language: ChatLanguage.optional() }), z.array(CannedResponse)),
  /** An ended chat's tab closed: the desktop forgets it (the server keeps the transcript). */
  'chat.close': method(z.object({ chatId: Id }), z.object({})),
  // Supervisors (issue 14, desk): over the sync socket (supervisor:* and agent:* in src/shared/protocol), the
  // wallboard tokens over REST. Straight to the server; offline they fail at once with `unavailable`.
  /** Start (or keep) following the live view; deltas then arrive as the supervisor.view event. */
  'supervisor.watch': method(z.object({ departmentIds: z.array(Id).max(100).optional() }), SupervisorView),
  'supervisor.unwatch': method(z.object({}), z.object({})),
  /** The view as the desktop holds it now (no request to the server). */
  'supervisor.view': method(z.object({}), SupervisorView),
  'supervisor.waiting': method(z.object({}), WaitingCallList),
  'supervisor.assignCall': method(AssignWaitingCallRequest, z.object({})),
  'supervisor.message': method(SupervisorMessageRequest, SupervisorMessage),
  /** Supervisors (their department) and administrators: another agent's state, with a reason and words. */
  'supervisor.setAgentState': method(SupervisorSetAgentState, AgentStatus),
  'supervisor.agentHistory': method(
    z.object({ userId: Id, limit: z.number().int().min(1).max(1000).default(50) }),
    z.object({ changes: z.array(AgentHistoryEntry) }),
  ),
  /** Every user: the supervisors' notices this desktop shows until dismissed. */
  'supervisor.notices': method(z.object({}), SupervisorNotices),
  'supervisor.dismissNotice': method(z.object({ id: Id }), SupervisorNotices),
  'wallboard.tokens': method(z.object({}), z.array(WallboardTokenInfo)),
  /** The token comes back this once, with the board's URL. */
  'wallboard.create': method(WallboardTokenCreate, WallboardTokenCreated),
  'wallboard.revoke': method(z.object({ id: Id }), z.object({})),
  // Triage (issue 15, desk). The model is fetched from the service when online and kept beside the replica,
  // so tickets made offline are triaged too; the rest goes straight to the service (offline: `unavailable`).
  /** The model this desktop triages with (no request to the server). */
  'triage.model': method(z.object({}), TriageModelStatus),
  /** Fetch the service's current model now (it is also fetched on every reconnect). */
  'triage.refresh': method(z.object({}), TriageModelStatus),
  /** Team leads, supervisors (their department) and administrators: accuracy per field, day and model version. */
  'triage.accuracy': method(TriageAccuracyQuery, TriageAccuracy),
  /** Team leads, supervisors and administrators: every model version with its held-out figures, newest first. */
  'triage.models': method(z.object({}), TriageModelList),
  /** Supervisors and administrators: train a new version now from the shipped data and the corrections. */
  'triage.retrain': method(z.object({}), TriageModelInfo),
  'triage.settings': method(z.object({}), TriageSettings),
  /** Administrators: the confidence below which a contact goes to the triage queue, and the schedule. */
  'triage.saveSettings': method(TriageSettings, TriageSettings),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>;
export type MethodOutput<M extends MethodName> = z.infer<Contract[M]['output']>;

/** Events pushed from the services to the renderer. */
export const events = {
  'sync.status': SyncStatus,
  /** Local data changed (sync applied server changes or a local edit): refresh what shows these tickets. */
  'data.changed': z.object({
    ticketIds: z.array(Id),
    customerIds: z.array(Id),
    interactionIds: z.array(Id).default([]),
    all: z.boolean(),
  }),
  /** The agent's state changed on the server (own request, a call, a supervisor, a timeout). */
  'agent.status': AgentStatus,
  /** The session ended without the user asking (refresh token revoked or expired). */
  'session.ended': z.object({
    reason: z.string(),
    /** The account was disabled: the desktop also dropped its local copy. */
    accountDisabled: z.boolean().default(false),
  }),
  /** The session's own state changed (an offline sign-in was accepted by the server, or needs the password). */
  'session.changed': SessionInfo,
  /** The not-sent list changed (an item was kept, retried, sent elsewhere or dismissed). */
  'notSent.changed': z.object({ count: z.number().int().nonnegative() }),
  /** An SLA warning or breach for this user, from the service or the desktop's own clock (shown once per key). */
  'sla.alert': SlaAlert,
  // Web chat, agent desk (issue 13, chat desk).
  /** The chats, offers and unsent messages changed (a push, an answer, the connection). */
  'chat.state': ChatDeskState,
  /** A message in one of the agent's chats (the visitor's, the agent's own once stored, the bot's, a system line). */
  'chat.message': z.object({ chat: AgentChatSummary, message: ChatMessage }),
  'chat.visitorTyping': z.object({ chatId: Id, typing: z.boolean() }),
  // Supervisors (issue 14, desk).
  /** The live view changed (a delta, a new snapshot, the link went down or came back). */
  'supervisor.view': SupervisorView,
  /** A supervisor's notice arrived, or one was dismissed. */
  'supervisor.notices': SupervisorNotices,
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;

/** Wire messages of the transport (IPC or websocket). */
export const InvokeMessage = z.object({ id: z.number().int(), method: z.string(), input: z.unknown() });
export const ResultMessage = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), output: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: ErrorBody }),
]);
export const EventMessage = z.object({ event: z.string(), payload: z.unknown() });
export type InvokeMessage = z.infer<typeof InvokeMessage>;
export type ResultMessage = z.infer<typeof ResultMessage>;
export type EventMessage = z.infer<typeof EventMessage>;

/** What the renderer sees as window.switchboard (Electron preload) or the browser-mode client. */
export interface SwitchboardApi {
  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The implementation side: one handler per method, called with validated input. */
export type ServiceHandlers = {
  [M in MethodName]: (input: z.infer<Contract[M]['input']>) => Promise<MethodOutput<M>>;
};

export * from './channels';
