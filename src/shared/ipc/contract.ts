import { z } from 'zod';
import {
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
  User,
} from '../domain';
import { ErrorBody } from '../protocol/errors';
import { VoiceCredentials } from '../protocol/voice';

/**
 * The one contract between the renderer and the desktop services (src/main).
 * Electron carries it over IPC (preload -> window.switchboard); browser mode carries it over a websocket
 * to the Node host. Both sides validate every message with these schemas.
 */

export const SessionInfo = z.object({
  serverUrl: z.url(),
  user: User,
  department: Department.nullable(),
  /** Whether "remember me" could be honoured: false when no keychain or safeStorage is available. */
  remembered: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

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
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** A ticket as listed: the row plus what the list shows without another lookup. */
export const TicketRow = Ticket.extend({
  customerName: z.string(),
  /** pending: has local changes not yet on the server. */
  syncState: z.enum(['synced', 'pending']),
});
export type TicketRow = z.infer<typeof TicketRow>;

export const TicketQuery = z.object({
  /** Full-text query over subject, description, comments and customer; Chinese and English. */
  text: z.string().max(200).default(''),
  status: z.array(TicketStatus).default([]),
  priority: z.array(TicketPriority).default([]),
  departmentId: Id.nullable().default(null),
  /** 'me' is resolved by the services to the logged-in user. */
  assignee: z
    .union([Id, z.literal('me'), z.literal('unassigned')])
    .nullable()
    .default(null),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type TicketQuery = z.input<typeof TicketQuery>;

export const TicketPage = z.object({ total: z.number().int().nonnegative(), rows: z.array(TicketRow) });
export type TicketPage = z.infer<typeof TicketPage>;

export const TicketDetail = z.object({
  ticket: TicketRow,
  customer: Customer.nullable(),
  comments: z.array(TicketComment.extend({ syncState: z.enum(['synced', 'pending']) })),
  history: z.array(TicketHistoryEntry),
});
export type TicketDetail = z.infer<typeof TicketDetail>;

export const CustomerDetail = z.object({ customer: Customer, tickets: z.array(TicketRow) });
export type CustomerDetail = z.infer<typeof CustomerDetail>;

export const CustomerPage = z.object({ total: z.number().int().nonnegative(), rows: z.array(Customer) });
export type CustomerPage = z.infer<typeof CustomerPage>;

/** What pops up while the phone rings: who is calling and what is open for them, from the local replica. */
export const ScreenPop = z.object({
  /** The caller's number as E.164, or null when what the PBX sent is not a phone number. */
  number: z.string().nullable(),
  customer: Customer.nullable(),
  /** new, open and pending tickets of the caller, most recently updated first. */
  openTickets: z.array(TicketRow),
  /** The caller's latest solved or closed tickets, for context. */
  recentTickets: z.array(TicketRow),
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
    }),
    SessionInfo,
  ),
  /** Sign in again from the remembered refresh token in the credential vault, if there is one. */
  'auth.restore': method(z.object({}), SessionInfo.nullable()),
  'auth.logout': method(z.object({}), z.object({})),
  'session.get': method(z.object({}), SessionInfo.nullable()),
  'tickets.search': method(TicketQuery, TicketPage),
  'tickets.get': method(z.object({ id: Id }), TicketDetail),
  'tickets.update': method(z.object({ id: Id, patch: TicketPatch }), TicketRow),
  'tickets.comment': method(
    z.object({
      ticketId: Id,
      body: z.string().trim().min(1).max(20000),
      internal: z.boolean().default(false),
    }),
    TicketComment,
  ),
  'customers.get': method(z.object({ id: Id }), CustomerDetail),
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
  'directory.get': method(z.object({}), Directory),
  'sync.status': method(z.object({}), SyncStatus),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>;
export type MethodOutput<M extends MethodName> = z.infer<Contract[M]['output']>;

/** Events pushed from the services to the renderer. */
export const events = {
  'sync.status': SyncStatus,
  /** Local data changed (sync applied server changes or a local edit): refresh what shows these tickets. */
  'data.changed': z.object({ ticketIds: z.array(Id), customerIds: z.array(Id), all: z.boolean() }),
  /** The session ended without the user asking (refresh token revoked or expired). */
  'session.ended': z.object({ reason: z.string() }),
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
