import { z } from 'zod';
import { Id, Instant } from '../domain';

/**
 * Voice: SIP credentials, queues and skills, agent states owned by the server, routing events and the call
 * records (interactions). REST paths are under /api/voice; state commands travel over the sync socket.
 */

/** Agent states. The server owns them; a desktop asks for a change and is told the result. */
export const AgentState = z.enum(['Available', 'OnCall', 'WrapUp', 'Break', 'Offline']);
export type AgentState = z.infer<typeof AgentState>;

/** Why an agent is on Break. missed_call: set by the server when an offered call was not answered. */
export const BreakReason = z.enum(['lunch', 'training', 'meeting', 'personal', 'missed_call']);
export type BreakReason = z.infer<typeof BreakReason>;

/** What caused a state change; kept with every change so a supervisor sees why an agent was where. */
export const StateCause = z.enum([
  'agent',
  'supervisor',
  'call_offered',
  'call_answered',
  'call_ended',
  'no_answer',
  'wrapup_ended',
  'disconnect',
  'server_start',
]);
export type StateCause = z.infer<typeof StateCause>;

/** States a person may ask for; OnCall and WrapUp only come from calls. */
export const RequestableState = z.enum(['Available', 'Break', 'Offline']);
export type RequestableState = z.infer<typeof RequestableState>;

export const PendingState = z.object({ state: RequestableState, reason: BreakReason.nullable() });
export type PendingState = z.infer<typeof PendingState>;

export const AgentStatus = z.object({
  userId: Id,
  departmentId: Id,
  state: AgentState,
  /** Only with Break. */
  reason: BreakReason.nullable(),
  /** Applied when the current call and its wrap-up end ("Break after this call"). */
  pending: PendingState.nullable(),
  since: Instant,
  /** Server version of this agent's status; a command must name it (a stale desktop is refused). */
  version: z.number().int().nonnegative(),
  /** The call this agent is ringing with, talking on or wrapping up; null otherwise. */
  interactionId: Id.nullable(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

/**
 * `agent:setState`. userId: someone else's (supervisors, for their department); default oneself.
 * While OnCall the request becomes the pending state; from WrapUp it ends the wrap-up (Available then
 * means "the pending state if any").
 */
export const SetAgentStateRequest = z
  .object({
    userId: Id.optional(),
    state: RequestableState,
    reason: BreakReason.optional(),
    /** The status version the requester last saw. */
    version: z.number().int().nonnegative(),
  })
  .refine((r) => (r.state === 'Break') === (r.reason !== undefined), {
    message: 'A Break needs a reason, and only a Break has one.',
    path: ['reason'],
  })
  .refine((r) => r.reason !== 'missed_call', {
    message: 'missed_call is set by the server only.',
    path: ['reason'],
  });
export type SetAgentStateRequest = z.infer<typeof SetAgentStateRequest>;

/** `agent:getStatus`: one's own status (or, for supervisors, an agent's of their department). */
export const GetAgentStatusRequest = z.object({ userId: Id.optional() });
export type GetAgentStatusRequest = z.infer<typeof GetAgentStatusRequest>;

/** `agent:list`: every agent's status in the supervisor's department (all departments for admins). */
export const AgentStatusList = z.object({ agents: z.array(AgentStatus) });
export type AgentStatusList = z.infer<typeof AgentStatusList>;

export const AgentStateChange = z.object({
  id: Id,
  userId: Id,
  from: AgentState,
  to: AgentState,
  reason: BreakReason.nullable(),
  cause: StateCause,
  /** Who asked (the agent, a supervisor); null for the server's own changes. */
  actorId: Id.nullable(),
  interactionId: Id.nullable(),
  at: Instant,
});
export type AgentStateChange = z.infer<typeof AgentStateChange>;

/** `agent:history`: the recorded state changes of one agent, newest first. */
export const AgentHistoryRequest = z.object({
  userId: Id.optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});
export type AgentHistoryRequest = z.infer<typeof AgentHistoryRequest>;
export const AgentHistoryResponse = z.object({ changes: z.array(AgentStateChange) });
export type AgentHistoryResponse = z.infer<typeof AgentHistoryResponse>;

/** Skills an agent may have; a queue requires one. */
export const Skill = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/);
export type Skill = z.infer<typeof Skill>;

export const Queue = z.object({
  id: Id,
  /** Dialled number, 8xxx. */
  number: z.string().regex(/^8\d{3}$/),
  nameZh: z.string().min(1),
  nameEn: z.string().min(1),
  departmentId: Id,
  skill: Skill,
  /** How long an offered call rings at one agent before it counts as not answered. */
  ringTimeoutSeconds: z.number().int().min(5).max(300),
  // Waiting in the queue (issue 14, src/server/voice/README.md "Waiting calls").
  /** Waiting calls of a queue with a higher priority are offered first (then the longest waiting). */
  priority: z.number().int().min(-100).max(100).default(0),
  /** A caller waits at most this long in this queue; null: no limit. */
  maxWaitSeconds: z.number().int().min(10).max(7200).nullable().default(null),
  /** At the maximum wait the call moves to this queue (keeping its entry time for the order). */
  overflowQueueId: Id.nullable().default(null),
  /** At the maximum wait with no overflow: a callback ticket is made and the caller let go. */
  callbackOnMaxWait: z.boolean().default(false),
  /** Service level: answered within this many seconds of entering the queue ... */
  serviceLevelSeconds: z.number().int().min(1).max(3600).default(20),
  /** ... for at least this share of offered calls (0..1). */
  serviceLevelTarget: z.number().min(0).max(1).default(0.8),
});
export type Queue = z.infer<typeof Queue>;

/** How a queue call left the queue (server column interactions.queue_result). */
export const QueueResult = z.enum(['answered', 'abandoned', 'callback', 'max_wait_callback', 'max_wait']);
export type QueueResult = z.infer<typeof QueueResult>;

/** POST /api/voice/callback (the PBX): the waiting caller asked to be called back. */
export const CallbackRequest = z.object({ callId: z.string().min(1).max(256) });
export type CallbackRequest = z.infer<typeof CallbackRequest>;

/** GET /api/voice/credentials: the signed-in agent's own SIP account. */
export const VoiceCredentials = z.object({
  extension: z.string().regex(/^\d{3,8}$/),
  password: z.string().min(16),
  /** SIP over WebSocket address of the PBX; null when the service runs without one. */
  wsUrl: z.string().nullable(),
  /** SIP domain and digest realm. */
  domain: z.string().nullable(),
});
export type VoiceCredentials = z.infer<typeof VoiceCredentials>;

/** GET /api/voice/queues: the queues the user may see (their department; all for admins). */
export const QueueList = z.object({ queues: z.array(Queue) });
export type QueueList = z.infer<typeof QueueList>;

/**
 * Call progress reported by the PBX or the agent's desktop (POST /api/voice/events, or the socket event
 * `voice:callEvent`). answered: the offered agent took it; no_answer: it rang out or was declined (the agent
 * goes to Break missed_call and the next route request for the call picks someone else); ended: hang-up (the
 * agent moves to WrapUp); abandoned: the caller hung up before anyone answered (the agent goes back to
 * Available); hold / resume: counted into the hold time.
 */
export const CallEventKind = z.enum(['answered', 'no_answer', 'ended', 'abandoned', 'hold', 'resume']);
export type CallEventKind = z.infer<typeof CallEventKind>;
export const CallEvent = z.object({
  callId: z.string().min(1).max(256),
  event: CallEventKind,
});
export type CallEvent = z.infer<typeof CallEvent>;

export const InteractionStatus = z.enum(['ringing', 'answered', 'ended', 'abandoned']);
export type InteractionStatus = z.infer<typeof InteractionStatus>;

/** One call, from the routing decision (ringing) to the agent's wrap-up (disposition, notes, ticket). */
export const Interaction = z.object({
  id: Id,
  /** SIP Call-ID. */
  callId: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  /** As dialled/presented; E.164 when it could be normalised. */
  callerNumber: z.string(),
  calleeNumber: z.string(),
  queueNumber: z.string().nullable(),
  departmentId: Id,
  agentId: Id.nullable(),
  /** Matched by the normalised caller number; null when unknown. */
  customerId: Id.nullable(),
  status: InteractionStatus,
  ringAt: Instant,
  answerAt: Instant.nullable(),
  endAt: Instant.nullable(),
  holdSeconds: z.number().int().nonnegative(),
  disposition: z.string().nullable(),
  notes: z.string().nullable(),
  ticketId: Id.nullable(),
  /** When the agent completed the wrap-up (disposition given). */
  completedAt: Instant.nullable(),
  version: z.number().int().nonnegative(),
});
export type Interaction = z.infer<typeof Interaction>;

/** What a desktop knows of a call it recorded itself (`interaction.log`); the server fills the rest. */
export const InteractionLog = z
  .object({
    interactionId: Id,
    callId: z.string().min(1).max(256),
    direction: z.enum(['inbound', 'outbound']),
    callerNumber: z.string().min(1).max(64),
    calleeNumber: z.string().min(1).max(64),
    queueNumber: z
      .string()
      .regex(/^8\d{3}$/)
      .nullable(),
    ringAt: Instant,
    answerAt: Instant.nullable(),
    endAt: Instant,
    holdSeconds: z.number().int().nonnegative(),
  })
  .refine((l) => l.answerAt === null || (l.answerAt >= l.ringAt && l.answerAt <= l.endAt), {
    message: 'A call is answered after it rang and before it ended.',
    path: ['answerAt'],
  });
export type InteractionLog = z.infer<typeof InteractionLog>;

/** Suggested disposition codes; any short code of the same shape is accepted. */
export const DISPOSITIONS = [
  'resolved',
  'follow_up',
  'escalated',
  'callback',
  'wrong_number',
  'no_issue',
] as const;
export const Disposition = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/);

export const VOICE_REST = {
  credentials: '/api/voice/credentials',
  rotateCredentials: '/api/voice/credentials/rotate',
  queues: '/api/voice/queues',
  route: '/api/voice/route',
  events: '/api/voice/events',
  /** The PBX: a waiting caller asked for a callback (CallbackRequest). */
  callback: '/api/voice/callback',
  interaction: (id: string) => `/api/voice/interactions/${id}`,
} as const;

/** Header carrying the PBX shared secret on /api/voice/route and /api/voice/events. */
export const PBX_SECRET_HEADER = 'x-switchboard-pbx-secret';

export const VoiceSocketEvents = {
  /** client -> server, ack Ack<AgentStatus>. */
  setState: 'agent:setState',
  /** client -> server, ack Ack<AgentStatus>. */
  getStatus: 'agent:getStatus',
  /** client -> server (supervisors, admins), ack Ack<AgentStatusList>. */
  list: 'agent:list',
  /** client -> server, ack Ack<AgentHistoryResponse>. */
  history: 'agent:history',
  /** client -> server (the agent on the call), ack Ack<AgentStatus | null> (the call's agent, if any). */
  callEvent: 'voice:callEvent',
  /** server -> the agent and the supervisors of the department: AgentStatus. */
  status: 'agent:status',
} as const;
