import { z } from 'zod';
import { Id, Instant } from '../domain';
import { AgentState, BreakReason, PendingState } from './voice';

/**
 * The supervisor's live view: queues, agents and departments as the central service sees them now. The
 * service pushes whole changed rows (never a diff of fields), so a view that missed nothing is exactly the
 * service's state, and one that reconnects asks for a new snapshot. Used by the desktop's queue monitor (on
 * the sync socket) and by the wallboard page (its own socket.io namespace, its own token).
 */

/** One voice queue today (the service's day, in its time zone), and what is waiting in it now. */
export const QueueLive = z.object({
  queueId: Id,
  number: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  departmentId: Id,
  /** Callers waiting for an agent now. */
  waiting: z.number().int().nonnegative(),
  /** When the caller who has waited longest started waiting; null when nobody waits (the view counts up). */
  oldestWaitingSince: Instant.nullable(),
  /** Today: calls that reached the queue, were answered by an agent, hung up before an answer. */
  offered: z.number().int().nonnegative(),
  answered: z.number().int().nonnegative(),
  abandoned: z.number().int().nonnegative(),
  /** Today: answered within serviceLevelSeconds of reaching the queue. */
  answeredWithinThreshold: z.number().int().nonnegative(),
  /** answeredWithinThreshold / offered (0..1); null before the first call of the day. */
  serviceLevel: z.number().min(0).max(1).nullable(),
  /** The queue's threshold and target (80/20: 0.8 within 20 s by default). */
  serviceLevelSeconds: z.number().int().positive(),
  serviceLevelTarget: z.number().min(0).max(1),
  /** Average speed of answer (queue entry to answer) and handle time (talk + hold + wrap-up), today. */
  avgSpeedOfAnswerSeconds: z.number().nonnegative().nullable(),
  avgHandleSeconds: z.number().nonnegative().nullable(),
  /** Agents of the queue's department with its skill, by state now. */
  agents: z.object({
    available: z.number().int().nonnegative(),
    onCall: z.number().int().nonnegative(),
    wrapUp: z.number().int().nonnegative(),
    onBreak: z.number().int().nonnegative(),
    offline: z.number().int().nonnegative(),
  }),
});
export type QueueLive = z.infer<typeof QueueLive>;

/** The call an agent is ringing with, talking on or wrapping up. */
export const AgentCallLive = z.object({
  interactionId: Id,
  callerNumber: z.string(),
  customerName: z.string().nullable(),
  queueNumber: z.string().nullable(),
  /** Offered (ringing) since; answeredAt once taken. The view counts the duration up from these. */
  ringAt: Instant,
  answeredAt: Instant.nullable(),
});
export type AgentCallLive = z.infer<typeof AgentCallLive>;

export const AgentLive = z.object({
  userId: Id,
  displayName: z.string(),
  departmentId: Id,
  extension: z.string().nullable(),
  state: AgentState,
  reason: BreakReason.nullable(),
  /** The supervisor's or agent's words with the last change, if any. */
  note: z.string().nullable(),
  since: Instant,
  /** Whether the agent's phone is registered, as their desktop last said; null when it never said. */
  phoneRegistered: z.boolean().nullable().optional(),
  pending: PendingState.nullable(),
  call: AgentCallLive.nullable(),
  /** Web chats this agent holds now. */
  chats: z.number().int().nonnegative(),
});
export type AgentLive = z.infer<typeof AgentLive>;

/** Chats and tickets of one department now (they have no voice queue of their own). */
export const DepartmentLive = z.object({
  departmentId: Id,
  nameZh: z.string(),
  nameEn: z.string(),
  chatsWaiting: z.number().int().nonnegative(),
  chatsActive: z.number().int().nonnegative(),
  oldestChatWaitingSince: Instant.nullable(),
  ticketsOpen: z.number().int().nonnegative(),
  ticketsUnassigned: z.number().int().nonnegative(),
  /** Open tickets whose SLA target has passed. */
  ticketsBreached: z.number().int().nonnegative(),
});
export type DepartmentLive = z.infer<typeof DepartmentLive>;

export const SupervisorSnapshot = z.object({
  /** The service's clock when the snapshot was taken: a view shows its age from here. */
  at: Instant,
  /** The service's day the "today" counts cover (YYYY-MM-DD). */
  day: z.string(),
  /** Increases with every delta; a delta whose seq is not the next one means "ask for a snapshot". */
  seq: z.number().int().nonnegative(),
  queues: z.array(QueueLive),
  agents: z.array(AgentLive),
  departments: z.array(DepartmentLive),
});
export type SupervisorSnapshot = z.infer<typeof SupervisorSnapshot>;

/** Changed rows, whole. A new day arrives as a delta carrying every queue (its counts start again). */
export const SupervisorDelta = z.object({
  at: Instant,
  day: z.string(),
  seq: z.number().int().positive(),
  queues: z.array(QueueLive).default([]),
  agents: z.array(AgentLive).default([]),
  /** Agents no longer in the view (moved department, deactivated). */
  removedAgents: z.array(Id).default([]),
  departments: z.array(DepartmentLive).default([]),
});
export type SupervisorDelta = z.infer<typeof SupervisorDelta>;

/** `supervisor:subscribe`: the departments to watch (default: all the user may see). */
export const SupervisorSubscribeRequest = z.object({ departmentIds: z.array(Id).max(100).optional() });
export type SupervisorSubscribeRequest = z.infer<typeof SupervisorSubscribeRequest>;

/** A message from a supervisor that pops on one agent's desktop or on every desktop of a department. */
export const SupervisorMessageRequest = z
  .object({
    toUserId: Id.optional(),
    toDepartmentId: Id.optional(),
    text: z.string().trim().min(1).max(1000),
  })
  .refine((m) => (m.toUserId === undefined) !== (m.toDepartmentId === undefined), {
    message: 'A message goes to one agent or to one department.',
    path: ['toUserId'],
  });
export type SupervisorMessageRequest = z.infer<typeof SupervisorMessageRequest>;

export const SupervisorMessage = z.object({
  id: Id,
  fromUserId: Id,
  fromName: z.string(),
  toUserId: Id.nullable(),
  toDepartmentId: Id.nullable(),
  text: z.string(),
  at: Instant,
});
export type SupervisorMessage = z.infer<typeof SupervisorMessage>;

/** `supervisor:assignCall`: offer a waiting call to this agent next (they must be Available). */
export const AssignWaitingCallRequest = z.object({ callId: z.string().min(1).max(256), userId: Id });
export type AssignWaitingCallRequest = z.infer<typeof AssignWaitingCallRequest>;

/** One caller waiting in a queue (the monitor's drill-down). */
export const WaitingCall = z.object({
  callId: z.string(),
  queueId: Id,
  callerNumber: z.string(),
  customerName: z.string().nullable(),
  since: Instant,
  position: z.number().int().positive(),
});
export type WaitingCall = z.infer<typeof WaitingCall>;
export const WaitingCallList = z.object({ calls: z.array(WaitingCall) });
export type WaitingCallList = z.infer<typeof WaitingCallList>;

export const SupervisorSocketEvents = {
  /** client -> server (supervisors, admins), ack Ack<SupervisorSnapshot>; deltas follow as `delta`. */
  subscribe: 'supervisor:subscribe',
  /** client -> server, ack Ack<{}>. */
  unsubscribe: 'supervisor:unsubscribe',
  /** server -> subscribed supervisors: SupervisorDelta. */
  delta: 'supervisor:delta',
  /** client -> server (supervisors, admins), ack Ack<WaitingCallList>: the callers waiting in the user's queues. */
  waiting: 'supervisor:waiting',
  /** client -> server (supervisors of the call's department, admins), ack Ack<{}>. */
  assignCall: 'supervisor:assignCall',
  /** client -> server (supervisors, admins), ack Ack<SupervisorMessage>. */
  message: 'supervisor:message',
  /** server -> the agent (or every agent of the department): SupervisorMessage. */
  notice: 'supervisor:notice',
} as const;

/**
 * Wallboard: a read-only view for a TV, reached with a wallboard token that grants nothing else. The page
 * connects to the socket.io namespace below with `auth: { token }`, gets a snapshot, then the same deltas.
 */
export const WALLBOARD_NAMESPACE = '/wallboard';
export const WallboardSocketEvents = {
  /** server -> wallboard, on connect and whenever it asks again (`resync`): SupervisorSnapshot. */
  snapshot: 'wallboard:snapshot',
  /** server -> wallboard: SupervisorDelta. */
  delta: 'wallboard:delta',
  /** client -> server: send a new snapshot (after a gap in seq). */
  resync: 'wallboard:resync',
} as const;

export const WallboardTokenCreate = z.object({
  name: z.string().trim().min(1).max(80),
  /** The departments the board shows (a supervisor only their own). */
  departmentIds: z.array(Id).min(1).max(100),
  /** Seconds each department stays on screen when the board rotates. */
  rotateSeconds: z.number().int().min(5).max(600).default(15),
});
export type WallboardTokenCreate = z.infer<typeof WallboardTokenCreate>;

export const WallboardTokenInfo = z.object({
  id: Id,
  name: z.string(),
  departmentIds: z.array(Id),
  rotateSeconds: z.number().int(),
  createdBy: Id,
  createdAt: Instant,
  lastSeenAt: Instant.nullable(),
  revokedAt: Instant.nullable(),
});
export type WallboardTokenInfo = z.infer<typeof WallboardTokenInfo>;

/** POST /api/wallboard/tokens answers the token once (it is stored hashed) and the board's URL. */
export const WallboardTokenCreated = z.object({
  info: WallboardTokenInfo,
  token: z.string(),
  url: z.string(),
});
export type WallboardTokenCreated = z.infer<typeof WallboardTokenCreated>;

/** GET /api/wallboard/config (with the wallboard token): what the board shows and how it rotates. */
export const WallboardConfig = z.object({
  id: Id,
  name: z.string(),
  rotateSeconds: z.number().int(),
  /** The token's departments, in its order, with their names. */
  departments: z.array(z.object({ id: Id, nameZh: z.string(), nameEn: z.string() })),
});
export type WallboardConfig = z.infer<typeof WallboardConfig>;

export const WALLBOARD_REST = {
  tokens: '/api/wallboard/tokens',
  token: (id: string) => `/api/wallboard/tokens/${id}`,
  /** The board's own settings (name, departments, rotation), with its wallboard token. */
  config: '/api/wallboard/config',
  /** The page: /wallboard#token=... (the token stays out of server logs and Referer headers). */
  page: '/wallboard',
} as const;
