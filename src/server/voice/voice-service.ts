import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  mergeLoggedCall,
  SwitchboardError,
  type AgentState,
  type AgentStateChange,
  type AgentStatus,
  type BreakReason,
  type CallEventKind,
  type Interaction,
  type InteractionLog,
  type LastStateChange,
  type PendingState,
  type Queue,
  type QueueResult,
  type SetAgentStateRequest,
  type StateCause,
  type User,
  type WaitingCall,
  supervisesAgents,
} from '../../shared';
import { writeAudits, type AuditEntry } from '../audit/audit-log';
import type { Database, Db, Tx } from '../db/schema';
import type { LiveCalls } from './interaction-mutations';
import { getInteraction, saveInteraction } from './interaction-store';
import { customerWithPhone } from '../customers/customer-store';
import { readRoutingDirectory } from './routing-directory';
import { callbackTicketMaker } from './callback-ticket';
import { retryConflicts } from '../db/retry';
import { normalisePhone } from '../../shared/phone';
import { interactionFromColumns } from '../../shared/storage/columns';

export interface VoiceOptions {
  /** A disconnected desktop's agent goes Offline after this long without a socket. Default 30 s. */
  offlineGraceMs?: number;
  /** Wrap-up ends by itself after this long (then the pending state, or Available, applies). Default 120 s; 0: never. */
  wrapUpLimitMs?: number;
  /** An offered call not reported answered within the queue's ring timeout plus this counts as not answered. Default 2 s. */
  ringSlackMs?: number;
  /** A waiting call nobody polls for this long (the PBX lost it) is recorded abandoned. Default 10 s. */
  waitPollTimeoutMs?: number;
}

interface AgentEntry {
  userId: string;
  username: string;
  departmentId: string;
  extension: string | null;
  skills: Set<string>;
  queues: QueueEntry[];
  state: AgentState;
  reason: BreakReason | null;
  pending: PendingState | null;
  since: string;
  /** ms since the epoch: when the agent last became Available (longest idle first). */
  idleSince: number;
  interactionId: string | null;
  version: number;
  sockets: number;
  /** What the agent's desktop last said of its phone (null: never said); see takesCalls. */
  phoneRegistered: boolean | null;
  /** What made the current state, told to the agent with every status (issue 14). */
  lastChange: LastStateChange | null;
  offlineTimer?: NodeJS.Timeout;
  wrapTimer?: NodeJS.Timeout;
  /** Queue waiting: the queue call this agent was offered and since when (its handle time, once it ends). */
  busy: { since: number; queue: QueueEntry; answered: boolean } | null;
}

interface QueueEntry {
  queue: Queue;
  /** Agents of the queue's department with its skill, currently Available. */
  available: Set<AgentEntry>;
  /** Handle times (s, offer to the end of wrap-up) of the queue's last answered calls: the expected wait. */
  recentHandle: number[];
}

interface CallEntry {
  record: Omit<Interaction, 'version'>;
  queue: QueueEntry | null;
  agent: AgentEntry | null;
  /** Agents already offered this call. */
  tried: Set<string>;
  holdStartedAt: number | null;
  customerLooked: boolean;
  ringTimer?: NodeJS.Timeout;
  // Waiting in the queue (README "Waiting calls").
  /** ms: when the call entered its first queue (the order; kept through overflow); null: not a queue call. */
  queuedAt: number | null;
  /** ms: when it entered the queue it is in now (its maximum wait counts from here). */
  queueSince: number;
  /** In the waiting list (no agent reserved). */
  waiting: boolean;
  /** The reserved agent was told to the PBX (a waiting call's agent is told on its next poll). */
  handedOut: boolean;
  /** Queues the call has been in (an overflow never goes back to one). */
  visited: Set<string>;
  result: QueueResult | null;
  waitSeconds: number | null;
  /** A waiting call nobody polls for (waitPollTimeoutMs) is recorded abandoned. */
  waitTimer?: NodeJS.Timeout;
  customerName: string | null;
  /** The position the last `wait` answer gave (null: none yet). */
  lastPosition?: number | null;
}

export type RouteResult =
  | {
      kind: 'agent';
      extension: string;
      userId: string;
      interactionId: string;
      /** How long the PBX lets the agent's phone ring before it asks again with retry (the queue's). */
      ringTimeoutSeconds: number;
    }
  | {
      kind: 'wait';
      interactionId: string;
      /** 1: the next to be offered an agent of its queue. */
      position: number;
      expectedWaitSeconds: number;
      /** Whether the position differs from the last answer to this call (polls that change nothing are not audited). */
      changed: boolean;
      /** Whether the caller may ask for a callback now (this service makes callback tickets). */
      callbackOffered: boolean;
    }
  | { kind: 'none'; interactionId: string | null; result?: QueueResult };

/**
 * How long after taking routing over a node looks up each new call id in the store first: the PBX asks again
 * within seconds when an answer is lost.
 */
const RETRY_AFTER_TAKEOVER_MS = 60_000;

/**
 * Agent states, queues and routing. The state of every agent lives in memory (the routing decision reads only
 * memory: one index of Available agents per queue) and is written through to the database in order: the
 * current state row and one log row per change. Node runs this single-threaded, so two routing requests can
 * never reserve the same agent.
 */
export class VoiceService implements LiveCalls {
  private readonly agents = new Map<string, AgentEntry>();
  private readonly byExtension = new Map<string, AgentEntry>();
  private readonly queues = new Map<string, QueueEntry>();
  private readonly calls = new Map<string, CallEntry>();
  private readonly dirtyAgents = new Set<AgentEntry>();
  private readonly dirtyCalls = new Set<CallEntry>();
  private readonly logRows: Database['agent_state_log'][] = [];
  /** Call events desktops reported (the PBX's are audited where they arrive, voice-api.ts), written with the rest. */
  private readonly callAudits: AuditEntry[] = [];
  private waiters: ((ok: boolean) => void)[] = [];
  private writing: Promise<void> | null = null;
  private readonly offlineGraceMs: number;
  private readonly wrapUpLimitMs: number;
  private readonly ringSlackMs: number;
  private readonly waitPollTimeoutMs: number;
  /** Calls waiting in a queue with no agent reserved (README "Waiting calls"). */
  private readonly waiting = new Set<CallEntry>();
  private readonly waitingListeners = new Set<(calls: WaitingCall[]) => void>();
  private waitingFire = false;
  private dispatchPending = false;
  /** Whether two queues share an agent ("q1|q2" -> yes), for positions; cleared when the directory changes. */
  private readonly overlap = new Map<string, boolean>();
  /**
   * Call-IDs that left the queue without an agent (when, in ms, and how): a late poll for one is answered 404,
   * not queued again, and says whether a callback was booked (the PBX then tells the caller so).
   */
  private readonly leftQueue = new Map<string, { at: number; result: QueueResult }>();
  private closed = false;
  /** Whether this node writes agent states (false on a node that does not own routing: loadPassive, suspend). */
  private writesStates = true;
  /** When this node took routing over from another (resume), on its clock; null: it never did. */
  private tookOverAt: number | null = null;
  /** Told of every status change (the socket layer pushes it). */
  onStatus: (s: AgentStatus) => void = () => {};
  /** Told when call records of a department changed (the socket layer pokes replicas). */
  onInteractions: (departmentId: string) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    private readonly log: (line: string) => void,
    opts: VoiceOptions = {},
  ) {
    this.offlineGraceMs = opts.offlineGraceMs ?? 30_000;
    this.wrapUpLimitMs = opts.wrapUpLimitMs ?? 120_000;
    this.ringSlackMs = opts.ringSlackMs ?? 2_000;
    this.waitPollTimeoutMs = opts.waitPollTimeoutMs ?? 10_000;
    this.callbacks = callbackTicketMaker(db);
  }

  /** Loads agents, skills, queues and states. Agents are Offline at start: no desktop is connected yet. */
  async load(): Promise<void> {
    await this.loadDirectory(true);
  }

  /**
   * Several nodes (PostgreSQL): a node that does not own routing only knows the queues and agents (it forwards
   * every voice request to the owner, voice-cluster.ts) and writes nothing, so it never overwrites the owner's
   * states with its own. `resume()` makes it the owner.
   */
  async loadPassive(): Promise<void> {
    await this.loadDirectory(false);
  }

  /**
   * An administrator changed queues, skills or agents (src/server/admin): queues, agents and skills are read
   * again, so the next routing decision sees them. States, calls and timers stay as they are. An agent new to
   * routing starts Offline, as at start; one no longer routable (disabled, not an agent any more, no department)
   * keeps its entry, so calls it holds finish, but is in no queue.
   */
  async reloadDirectory(): Promise<void> {
    const { queues, agents: users, skills } = await readRoutingDirectory(this.db);
    const numbers = new Set(queues.map((q) => q.number));
    for (const n of [...this.queues.keys()]) if (!numbers.has(n)) this.queues.delete(n);
    for (const queue of queues) {
      const entry = this.queues.get(queue.number);
      if (entry) entry.queue = queue;
      else this.queues.set(queue.number, { queue, available: new Set(), recentHandle: [] });
    }
    const routable = new Set<string>();
    const at = this.now();
    for (const u of users) {
      if (u.department_id === null) continue;
      routable.add(u.id);
      let a = this.agents.get(u.id);
      if (!a) {
        a = {
          userId: u.id,
          username: u.username,
          departmentId: u.department_id,
          extension: u.extension,
          skills: new Set(),
          queues: [],
          state: 'Offline',
          reason: null,
          pending: null,
          since: at.toISOString(),
          idleSince: at.getTime(),
          interactionId: null,
          version: 0,
          sockets: 0,
          phoneRegistered: null,
          lastChange: null,
          busy: null,
        };
        this.agents.set(u.id, a);
        if (this.writesStates && (u.state === null || u.state === undefined)) {
          a.version = 1;
          this.persist(a, null);
        }
      }
      a.departmentId = u.department_id;
      if (a.extension !== u.extension) {
        if (a.extension !== null) this.byExtension.delete(a.extension);
        a.extension = u.extension;
        if (u.extension !== null) this.byExtension.set(u.extension, a);
      }
      a.skills = new Set(skills.get(u.id));
    }
    for (const q of this.queues.values()) q.available.clear();
    for (const a of this.agents.values()) {
      a.queues = !routable.has(a.userId)
        ? []
        : [...this.queues.values()].filter(
            (q) => q.queue.departmentId === a.departmentId && a.skills.has(q.queue.skill),
          );
      if (a.state === 'Available') for (const q of a.queues) q.available.add(a);
    }
    // Waiting calls in a queue that is gone stay where they are (their polls keep them); priorities may have
    // changed the order, and agents new to a queue may take a waiting call now.
    this.overlap.clear();
    for (const c of this.calls.values())
      if (c.queue && c.record.queueNumber) c.queue = this.queues.get(c.record.queueNumber) ?? c.queue;
    this.waitingDirty();
    this.scheduleDispatch();
    await this.flush();
  }

  /** The first node of a cluster takes routing over as a single node starts: every agent Offline (server_start). */
  async coldStart(): Promise<void> {
    this.agents.clear();
    this.byExtension.clear();
    this.queues.clear();
    await this.loadDirectory(true);
  }

  /**
   * This node took routing over (the previous owner died or stopped): states, pending states and the calls
   * in progress carry on from the database, where the previous owner wrote them. Agents count as without a
   * desktop until their nodes report their sockets (voice-cluster.ts): one whose desktop never comes back goes
   * Offline after the grace period, as after a disconnect.
   */
  async resume(): Promise<void> {
    this.writesStates = true;
    this.tookOverAt = this.now().getTime();
    // A node that owned routing before, lost its connection and takes over again: the database is the truth.
    for (const c of this.calls.values()) {
      clearTimeout(c.ringTimer);
      clearTimeout(c.waitTimer);
    }
    this.calls.clear();
    this.waiting.clear();
    await this.flush();
    const rows = await this.db.selectFrom('agent_states').selectAll().execute();
    for (const r of rows) {
      const a = this.agents.get(r.user_id);
      if (!a) continue;
      for (const q of a.queues) q.available.delete(a);
      a.state = r.state;
      a.reason = r.reason;
      a.pending = r.pending_state === null ? null : { state: r.pending_state, reason: r.pending_reason };
      a.since = r.since;
      a.idleSince = r.idle_since === null ? new Date(r.since).getTime() : new Date(r.idle_since).getTime();
      a.interactionId = r.interaction_id;
      a.version = r.version;
      a.phoneRegistered =
        r.phone_registered === null || r.phone_registered === undefined ? null : r.phone_registered === 1;
      if (a.state === 'Available') for (const q of a.queues) q.available.add(a);
    }
    const live = await this.db
      .selectFrom('interactions')
      .selectAll()
      .where('status', 'in', ['ringing', 'answered'])
      .execute();
    for (const row of live) {
      const { version: _v, ...record } = interactionFromColumns(row);
      if (this.calls.has(record.callId) || record.queueNumber === null) continue;
      const agent = [...this.agents.values()].find((a) => a.interactionId === record.id) ?? null;
      const queuedAt = row.queued_at ? Date.parse(row.queued_at) : null;
      const c: CallEntry = {
        record,
        queue: this.queues.get(record.queueNumber) ?? null,
        agent,
        tried: new Set(agent ? [agent.userId] : []),
        holdStartedAt: null,
        customerLooked: true,
        queuedAt,
        queueSince: row.queue_since ? Date.parse(row.queue_since) : (queuedAt ?? Date.parse(record.ringAt)),
        waiting: false,
        handedOut: true,
        visited: new Set([record.queueNumber]),
        result: (row.queue_result as QueueResult | null | undefined) ?? null,
        waitSeconds: row.wait_seconds ?? null,
        customerName: null,
      };
      this.calls.set(record.callId, c);
      if (record.status === 'ringing' && !agent && queuedAt !== null && c.queue) {
        // A caller waiting in the queue: it goes on waiting here, in its place (its entry time), while the PBX
        // polls this node; one nobody polls for is given up as on the previous owner.
        c.waiting = true;
        this.waiting.add(c);
        this.armWaitWatch(c);
        continue;
      }
      if (record.status === 'ringing') {
        const ms = (c.queue?.queue.ringTimeoutSeconds ?? 20) * 1000 + this.ringSlackMs;
        c.ringTimer = setTimeout(() => {
          if (c.agent === agent && c.record.status === 'ringing') void this.noAnswerAndSave(c);
        }, ms);
        c.ringTimer.unref();
      }
    }
    // An agent OnCall for a call that is no longer live: the database was left half-written (an owner killed
    // between two batches, before a batch kept each call beside its agent rows, or a restore). Left so, the
    // agent would never be offered a call again; they move on as the call's end would have moved them.
    const onLiveCall = new Set([...this.calls.values()].map((c) => c.agent));
    for (const a of this.agents.values()) {
      if (a.state !== 'OnCall' || onLiveCall.has(a)) continue;
      const call =
        a.interactionId === null
          ? undefined
          : await this.db
              .selectFrom('interactions')
              .select(['call_id', 'answer_at'])
              .where('id', '=', a.interactionId)
              .executeTakeFirst();
      this.log(
        `voice: ${a.username} was OnCall for a call that is over (${call?.call_id ?? 'none'}); moving on.`,
      );
      if (call?.answer_at) this.transition(a, 'WrapUp', null, 'call_ended', null, a.interactionId);
      else this.afterWork(a, 'call_ended', null);
    }
    for (const a of this.agents.values()) {
      if (a.state === 'WrapUp') this.armWrapUp(a);
      if (a.state !== 'Offline' && a.sockets === 0) this.armOffline(a);
    }
    this.waitingDirty();
    this.scheduleDispatch();
  }

  /** This node stopped owning routing: nothing it still has in memory may decide any more (resume() reloads). */
  suspend(): void {
    this.writesStates = false;
    for (const a of this.agents.values()) {
      clearTimeout(a.offlineTimer);
      clearTimeout(a.wrapTimer);
      a.offlineTimer = undefined;
      a.wrapTimer = undefined;
    }
    for (const c of this.calls.values()) {
      clearTimeout(c.ringTimer);
      clearTimeout(c.waitTimer);
    }
    this.calls.clear();
    this.waiting.clear();
  }

  // Chat routing (issue 13, chat-routing helper): chats are offered only to agents with a desktop, counted as
  // for calls (across nodes on the routing owner), so the chat router reads this count rather than keep its own.
  /** Desktops of this agent connected now (on the routing owner: across all nodes). */
  desktops(userId: string): number {
    return this.agents.get(userId)?.sockets ?? 0;
  }

  /** How many desktops of this agent are connected, across all nodes (the owner's view, voice-cluster.ts). */
  setSockets(userId: string, count: number): void {
    const a = this.agents.get(userId);
    if (!a) return;
    const before = a.sockets;
    a.sockets = Math.max(0, count);
    if (a.sockets > 0) {
      clearTimeout(a.offlineTimer);
      a.offlineTimer = undefined;
    } else if (before > 0) this.armOffline(a);
  }

  private async loadDirectory(write: boolean): Promise<void> {
    this.writesStates = write;
    const { queues, agents: users, skills } = await readRoutingDirectory(this.db);
    for (const queue of queues)
      this.queues.set(queue.number, { queue, available: new Set(), recentHandle: [] });
    const at = this.now();
    for (const u of users) {
      if (u.department_id === null) continue;
      const entry: AgentEntry = {
        userId: u.id,
        username: u.username,
        departmentId: u.department_id,
        extension: u.extension,
        skills: new Set(skills.get(u.id)),
        queues: [],
        state: 'Offline',
        reason: null,
        pending: null,
        since: at.toISOString(),
        idleSince: at.getTime(),
        interactionId: null,
        version: u.version ?? 0,
        sockets: 0,
        phoneRegistered: null,
        lastChange: null,
        busy: null,
      };
      for (const q of this.queues.values()) {
        if (q.queue.departmentId === entry.departmentId && entry.skills.has(q.queue.skill))
          entry.queues.push(q);
      }
      this.agents.set(entry.userId, entry);
      if (entry.extension !== null) this.byExtension.set(entry.extension, entry);
      if (!write) continue;
      if (u.state === null || u.state === undefined) {
        entry.version = 1;
        this.persist(entry, null);
      } else if (u.state !== 'Offline') {
        entry.version++;
        const row = this.changeRow(entry, u.state, 'server_start', null);
        entry.lastChange = { cause: 'server_start', actorId: null, actorName: null, note: null, at: row.at };
        this.persist(entry, row);
      }
    }
    await this.flush();
  }

  /** Waits for every state and call record write queued so far (reads of the database that must see them). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.agents.values()) {
      clearTimeout(a.offlineTimer);
      clearTimeout(a.wrapTimer);
    }
    for (const c of this.calls.values()) {
      clearTimeout(c.ringTimer);
      clearTimeout(c.waitTimer);
    }
    await this.flush();
  }

  // ---------------------------------------------------------------- reads

  status(userId: string): AgentStatus | undefined {
    const a = this.agents.get(userId);
    return a && this.toStatus(a);
  }

  /** Calls ringing or in progress (Call-ID, status, ring time), oldest first. */
  activeCalls(): { callId: string; status: Interaction['status']; ringAt: string }[] {
    return [...this.calls.values()].map((c) => ({
      callId: c.record.callId,
      status: c.record.status,
      ringAt: c.record.ringAt,
    }));
  }

  listQueues(): Queue[] {
    return [...this.queues.values()].map((q) => q.queue);
  }

  /**
   * Agent statuses a user may see: their own (agents), their department's (team leads and supervisors), all
   * (admins).
   */
  visibleStatuses(user: User): AgentStatus[] {
    return [...this.agents.values()]
      .filter((a) =>
        user.role === 'admin'
          ? true
          : supervisesAgents(user.role)
            ? a.departmentId === user.departmentId
            : a.userId === user.id,
      )
      .map((a) => this.toStatus(a));
  }

  /**
   * The agent a user may act on: oneself, or (team leads, supervisors) an agent of their department, (admins)
   * anyone.
   */
  agentFor(user: User, userId: string | undefined): AgentEntry {
    const targetId = userId ?? user.id;
    const a = this.agents.get(targetId);
    if (targetId !== user.id) {
      if (!supervisesAgents(user.role))
        throw new SwitchboardError(
          'forbidden',
          'You can only set your own state: ask your team lead or supervisor to change a colleague’s.',
        );
      if (user.role !== 'admin' && a?.departmentId !== user.departmentId) {
        throw new SwitchboardError('forbidden', 'This agent is not in your department.');
      }
    }
    if (!a) throw new SwitchboardError('not_found', 'No such agent with a phone.');
    return a;
  }

  async history(user: User, userId: string | undefined, limit: number): Promise<AgentStateChange[]> {
    const a = this.agentFor(user, userId);
    await this.flush();
    const rows = await this.db
      .selectFrom('agent_state_log')
      .leftJoin('users', 'users.id', 'agent_state_log.actor_id')
      .selectAll('agent_state_log')
      .select('users.display_name as actor_name')
      .where('agent_state_log.user_id', '=', a.userId)
      .orderBy('agent_state_log.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      from: r.from_state,
      to: r.to_state,
      reason: r.reason,
      cause: r.cause,
      actorId: r.actor_id,
      interactionId: r.interaction_id,
      at: r.at,
      actorName: r.actor_name ?? null,
      note: r.note ?? null,
    }));
  }

  // ---------------------------------------------------------------- desktop connections

  /** A desktop of this agent connected: a pending disconnect no longer applies. */
  connected(userId: string): void {
    const a = this.agents.get(userId);
    if (!a) return;
    a.sockets++;
    clearTimeout(a.offlineTimer);
    a.offlineTimer = undefined;
  }

  /** A desktop went away; without another within the grace period the agent goes Offline (after a call: pending). */
  disconnected(userId: string): void {
    const a = this.agents.get(userId);
    if (!a) return;
    a.sockets = Math.max(0, a.sockets - 1);
    if (a.sockets > 0) return;
    this.armOffline(a);
  }

  private armOffline(a: AgentEntry): void {
    if (this.closed) return;
    clearTimeout(a.offlineTimer);
    a.offlineTimer = setTimeout(() => {
      a.offlineTimer = undefined;
      if (a.sockets > 0 || this.closed) return;
      if (a.state === 'OnCall') this.setPending(a, { state: 'Offline', reason: null });
      else if (a.state !== 'Offline') this.transition(a, 'Offline', null, 'disconnect', null);
    }, this.offlineGraceMs);
    a.offlineTimer.unref();
  }

  // ---------------------------------------------------------------- state commands

  /** `agent:setState`: authorised, checked against the status version the requester saw. */
  setState(user: User, req: SetAgentStateRequest): AgentStatus {
    const a = this.agentFor(user, req.userId);
    if (req.version !== a.version) {
      throw new SwitchboardError(
        'conflict',
        `The agent's state changed meanwhile (version ${a.version}, you sent ${req.version}); look again.`,
      );
    }
    const reason = req.state === 'Break' ? (req.reason ?? null) : null;
    const cause: StateCause = user.id === a.userId ? 'agent' : 'supervisor';
    const by = { actorName: user.displayName, note: req.note ?? null };
    if (req.state === 'Available' && a.sockets === 0) {
      throw new SwitchboardError('conflict', 'This agent has no desktop connected and cannot take calls.');
    }
    switch (a.state) {
      case 'OnCall':
        // "After this call": kept and applied when the call and its wrap-up end.
        this.setPending(a, req.state === 'Available' ? null : { state: req.state, reason });
        break;
      case 'WrapUp':
        if (req.state === 'Available') this.endWrapUp(a, 'wrapup_ended', user.id, by);
        else this.transition(a, req.state, reason, 'wrapup_ended', user.id, null, by);
        break;
      default:
        if (a.state === req.state && a.reason === reason && a.pending === null) break;
        this.transition(a, req.state, reason, cause, user.id, null, by);
    }
    return this.toStatus(a);
  }

  /**
   * `agent:phone`: the agent's own desktop says whether its phone is registered (issue 14). A change is a new
   * status version (pushed to the agent and their supervisors, audited), not a state change: Available stays
   * Available, but calls are offered only while the phone can ring (takesCalls).
   */
  reportPhone(user: User, registered: boolean): AgentStatus {
    const a = this.agentFor(user, undefined);
    if (a.phoneRegistered === registered) return this.toStatus(a);
    a.phoneRegistered = registered;
    a.version++;
    this.callAudits.push({
      at: this.now().toISOString(),
      actorId: user.id,
      action: 'agent.phone',
      subjectId: a.userId,
      detail: { registered, state: a.state },
    });
    this.persist(a, null);
    this.onStatus(this.toStatus(a));
    // An Available agent whose phone came back can take a call waiting in their queues now.
    if (registered && a.state === 'Available' && this.waiting.size > 0) this.scheduleDispatch();
    return this.toStatus(a);
  }

  // ---------------------------------------------------------------- routing

  /**
   * The routing decision for a call to a queue: among the queue's Available agents (its department, its
   * skill) the one idle longest, reserved at once (OnCall, cause call_offered). The call is recorded
   * (ringing, or abandoned when nobody is free).
   *
   * Asking again for a call that is offered to an agent gives the same agent: a retransmitted INVITE reaches
   * the PBX again while the first is still being routed, and must not move the call. The next agent comes
   * after the offer failed: a no_answer event, the ring timeout, or `retry` (the PBX's failure route saying
   * the previous agent did not take it).
   */
  async route(
    queueNumber: string,
    caller: string,
    callId: string,
    retry = false,
    wait = false,
  ): Promise<RouteResult> {
    let call = this.calls.get(callId);
    // Soon after a takeover, a new call may be the PBX asking again for one the previous owner decided (it
    // died before its answer went out): that call's record is carried on, not written beside it (the call id
    // is unique, and the whole batch of writes with it failed).
    const recorded =
      !call && this.tookOverAt !== null && this.now().getTime() - this.tookOverAt < RETRY_AFTER_TAKEOVER_MS
        ? await this.recordedCall(callId)
        : null;
    call ??= this.calls.get(callId);
    const left = call ? undefined : this.leftQueue.get(callId);
    if (left) return { kind: 'none', interactionId: null, result: left.result };
    const asked = this.queues.get(queueNumber);
    // A call keeps the queue it is in (an overflow moved it); the PBX goes on asking with the number it dialled.
    const q = call?.queue ?? asked;
    if (!q) return { kind: 'none', interactionId: null };
    const nowDate = this.now();
    const at = nowDate.toISOString();
    if (call?.agent && call.record.status === 'ringing' && retry) this.noAnswer(call);
    if (call?.agent?.extension && call.agent.interactionId === call.record.id) return this.handOut(call);

    if (call?.waiting) {
      // A poll: the caller waits on, unless the queue's maximum wait is reached.
      const ended = await this.atMaxWait(call);
      if (ended) return ended;
      if (call.agent?.extension && call.agent.interactionId === call.record.id) return this.handOut(call);
      this.armWaitWatch(call);
      return this.waitAnswer(call);
    }

    const agent = this.pick(q, call?.tried);
    if (!call) {
      call = {
        record: {
          id: recorded ?? randomUUID(),
          callId,
          direction: 'inbound',
          callerNumber: normalisePhone(caller) ?? caller,
          calleeNumber: queueNumber,
          queueNumber: q.queue.number,
          departmentId: q.queue.departmentId,
          agentId: null,
          customerId: null,
          status: 'ringing',
          ringAt: at,
          answerAt: null,
          endAt: null,
          holdSeconds: 0,
          disposition: null,
          notes: null,
          ticketId: null,
          completedAt: null,
        },
        queue: q,
        agent: null,
        tried: new Set(),
        holdStartedAt: null,
        customerLooked: false,
        queuedAt: nowDate.getTime(),
        queueSince: nowDate.getTime(),
        waiting: false,
        handedOut: true,
        visited: new Set([q.queue.number]),
        result: null,
        waitSeconds: null,
        customerName: null,
      };
      this.calls.set(callId, call);
    }
    const c = call;
    if (!agent) {
      // The PBX can keep the caller (wait=1) and someone of the queue is signed in: the caller waits.
      if (wait && this.serving(q) > 0) {
        this.enqueue(c);
        void this.saveCall(c);
        return this.waitAnswer(c);
      }
      clearTimeout(c.waitTimer);
      c.record = { ...c.record, agentId: null, status: 'abandoned', endAt: at };
      this.setQueueResult(c, 'abandoned', nowDate.getTime());
      this.calls.delete(callId);
      void this.saveCall(c);
      return { kind: 'none', interactionId: c.record.id, result: 'abandoned' };
    }
    this.offer(c, agent, null);
    c.handedOut = true;
    this.armRing(c, agent);
    // The decision is answered from memory; its records are written behind it, in order (see flush()).
    void this.saveCall(c);
    return {
      kind: 'agent',
      extension: agent.extension ?? '',
      userId: agent.userId,
      interactionId: c.record.id,
      ringTimeoutSeconds: q.queue.ringTimeoutSeconds,
    };
  }

  /** The id of the record a call already has in the store, if any. */
  private async recordedCall(callId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('interactions')
      .select('id')
      .where('call_id', '=', callId)
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /** The agent offered this call, told to the PBX: a waiting call's reserved agent rings from this poll on. */
  private handOut(c: CallEntry): RouteResult {
    const agent = c.agent!;
    if (!c.handedOut) {
      c.handedOut = true;
      clearTimeout(c.waitTimer);
      this.armRing(c, agent);
    }
    return {
      kind: 'agent',
      extension: agent.extension ?? '',
      userId: agent.userId,
      interactionId: c.record.id,
      ringTimeoutSeconds: c.queue?.queue.ringTimeoutSeconds ?? 20,
    };
  }

  /** Reserves the agent for the call (OnCall, call_offered; a supervisor's choice: cause supervisor). */
  private offer(c: CallEntry, agent: AgentEntry, actorId: string | null): void {
    c.agent = agent;
    c.tried.add(agent.userId);
    c.record = { ...c.record, agentId: agent.userId, status: 'ringing' };
    this.transition(agent, 'OnCall', null, actorId ? 'supervisor' : 'call_offered', actorId, c.record.id);
    if (c.queue) agent.busy = { since: this.now().getTime(), queue: c.queue, answered: false };
  }

  private armRing(c: CallEntry, agent: AgentEntry): void {
    clearTimeout(c.ringTimer);
    c.ringTimer = setTimeout(
      () => {
        if (c.agent === agent && c.record.status === 'ringing') void this.noAnswerAndSave(c);
      },
      (c.queue?.queue.ringTimeoutSeconds ?? 20) * 1000 + this.ringSlackMs,
    );
    c.ringTimer.unref();
  }

  /** Longest idle Available agent of the queue not yet tried for this call (ties: user name order). */
  private pick(q: QueueEntry, tried: Set<string> | undefined): AgentEntry | null {
    let best: AgentEntry | null = null;
    for (const a of q.available) {
      if (!takesCalls(a) || tried?.has(a.userId)) continue;
      if (
        !best ||
        a.idleSince < best.idleSince ||
        (a.idleSince === best.idleSince && a.username < best.username)
      ) {
        best = a;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------- waiting calls (README "Waiting calls")

  /** Agents of the queue who are signed in (not Offline): someone a waiting caller may get. */
  private serving(q: QueueEntry): number {
    let n = 0;
    for (const a of this.agents.values()) if (a.state !== 'Offline' && a.queues.includes(q)) n++;
    return n;
  }

  private enqueue(c: CallEntry): void {
    clearTimeout(c.ringTimer);
    c.agent = null;
    c.record = { ...c.record, agentId: null, status: 'ringing' };
    c.waiting = true;
    this.waiting.add(c);
    this.armWaitWatch(c);
    this.waitingDirty();
  }

  private armWaitWatch(c: CallEntry): void {
    clearTimeout(c.waitTimer);
    c.waitTimer = setTimeout(() => {
      if (this.calls.get(c.record.callId) !== c || !(c.waiting || (c.agent && !c.handedOut))) return;
      this.log(`call ${c.record.callId}: no poll from the PBX while waiting; recorded abandoned`);
      this.leaveQueue(c, 'abandoned', 'abandoned', null);
    }, this.waitPollTimeoutMs);
    c.waitTimer.unref();
  }

  /** Order of offer: higher queue priority first, then the longest waiting (then Call-ID, for a stable order). */
  private static before(a: CallEntry, b: CallEntry): number {
    return (
      (b.queue?.queue.priority ?? 0) - (a.queue?.queue.priority ?? 0) ||
      (a.queuedAt ?? 0) - (b.queuedAt ?? 0) ||
      (a.record.callId < b.record.callId ? -1 : a.record.callId > b.record.callId ? 1 : 0)
    );
  }

  private orderedWaiting(): CallEntry[] {
    return [...this.waiting].sort(VoiceService.before);
  }

  /** Whether an agent could take calls of both queues (the same queue; or one department and an agent with both). */
  private shares(a: QueueEntry, b: QueueEntry): boolean {
    if (a === b) return true;
    if (a.queue.departmentId !== b.queue.departmentId) return false;
    const key = `${a.queue.number}|${b.queue.number}`;
    let yes = this.overlap.get(key);
    if (yes === undefined) {
      yes = [...this.agents.values()].some((x) => x.queues.includes(a) && x.queues.includes(b));
      this.overlap.set(key, yes);
    }
    return yes;
  }

  private position(c: CallEntry, ordered: CallEntry[]): number {
    let n = 1;
    for (const w of ordered) {
      if (w === c) break;
      if (c.queue && w.queue && this.shares(w.queue, c.queue)) n++;
    }
    return n;
  }

  /** ceil(position x average handle time / agents serving): README "Waiting calls". */
  private expectedWait(c: CallEntry, position: number): number {
    const q = c.queue;
    if (!q) return 0;
    const aht =
      q.recentHandle.length > 0 ? q.recentHandle.reduce((x, y) => x + y, 0) / q.recentHandle.length : 120;
    return Math.ceil((position * aht) / Math.max(1, this.serving(q)));
  }

  private waitAnswer(c: CallEntry): RouteResult {
    const position = this.position(c, this.orderedWaiting());
    const changed = c.lastPosition !== position;
    c.lastPosition = position;
    return {
      kind: 'wait',
      interactionId: c.record.id,
      position,
      expectedWaitSeconds: this.expectedWait(c, position),
      changed,
      callbackOffered: this.callbacks !== null,
    };
  }

  /** A late poll for this Call-ID (a retransmission, a poll already on its way) must not queue it anew. */
  private rememberLeft(callId: string, result: QueueResult, nowMs: number): void {
    this.leftQueue.set(callId, { at: nowMs, result });
    for (const [id, { at: t }] of this.leftQueue) {
      if (nowMs - t < 120_000 && this.leftQueue.size < 10_000) break;
      this.leftQueue.delete(id);
    }
  }

  private setQueueResult(c: CallEntry, result: QueueResult, atMs: number): void {
    if (c.queuedAt === null || c.result !== null) return;
    c.result = result;
    c.waitSeconds = Math.max(0, Math.round((atMs - c.queuedAt) / 1000));
  }

  /**
   * The call leaves the queue without an agent taking it: the caller hung up (or nobody polls for it), asked
   * for a callback, or reached the maximum wait. A reserved agent not yet told to the PBX is free again.
   */
  private leaveQueue(
    c: CallEntry,
    result: QueueResult,
    status: 'abandoned' | 'ended',
    ticketId: string | null,
  ): void {
    const nowMs = this.now().getTime();
    clearTimeout(c.waitTimer);
    clearTimeout(c.ringTimer);
    if (this.waiting.delete(c)) this.waitingDirty();
    c.waiting = false;
    this.setQueueResult(c, result, nowMs);
    c.record = {
      ...c.record,
      status,
      endAt: new Date(nowMs).toISOString(),
      ticketId: ticketId ?? c.record.ticketId,
    };
    if (this.calls.get(c.record.callId) === c) this.calls.delete(c.record.callId);
    this.rememberLeft(c.record.callId, result, nowMs);
    const agent = c.agent;
    if (agent && agent.interactionId === c.record.id) this.afterWork(agent, 'call_ended', null);
    this.callAudits.push({
      at: c.record.endAt!,
      actorId: null,
      action:
        result === 'abandoned'
          ? 'queue.abandoned'
          : result === 'max_wait'
            ? 'queue.max_wait'
            : 'queue.callback',
      subjectId: c.record.id,
      detail: {
        callId: c.record.callId,
        queue: c.record.queueNumber,
        waitSeconds: c.waitSeconds,
        ...(ticketId ? { ticketId } : {}),
        ...(result === 'max_wait_callback' ? { maxWait: true } : {}),
      },
    });
    void this.saveCall(c);
  }

  /**
   * A poll of a waiting call at its queue's maximum wait: it moves to the overflow queue (keeping its entry
   * time), or gets a callback ticket and is let go, or is let go. Null: it waits on.
   */
  private async atMaxWait(c: CallEntry): Promise<RouteResult | null> {
    const q = c.queue;
    if (!q || q.queue.maxWaitSeconds === null) return null;
    const nowMs = this.now().getTime();
    if (nowMs - c.queueSince < q.queue.maxWaitSeconds * 1000) return null;
    const over = q.queue.overflowQueueId
      ? [...this.queues.values()].find((x) => x.queue.id === q.queue.overflowQueueId)
      : undefined;
    if (over && !c.visited.has(over.queue.number)) {
      c.visited.add(over.queue.number);
      c.queue = over;
      c.queueSince = nowMs;
      c.record = { ...c.record, queueNumber: over.queue.number, departmentId: over.queue.departmentId };
      this.callAudits.push({
        at: new Date(nowMs).toISOString(),
        actorId: null,
        action: 'queue.overflow',
        subjectId: c.record.id,
        detail: { callId: c.record.callId, from: q.queue.number, to: over.queue.number },
      });
      this.log(
        `call ${c.record.callId} waited ${q.queue.maxWaitSeconds} s in ${q.queue.number}: to ${over.queue.number}`,
      );
      this.waitingDirty();
      const agent = this.pick(over, undefined);
      if (agent) this.reserve(c, agent, null);
      void this.saveCall(c);
      return null;
    }
    if (q.queue.callbackOnMaxWait && this.callbacks) {
      // Out of the queue before the ticket is made: nobody may be offered it meanwhile.
      if (this.waiting.delete(c)) this.waitingDirty();
      c.waiting = false;
      clearTimeout(c.waitTimer);
      const ticketId = await this.callbacks(c.record, this.now());
      this.leaveQueue(c, 'max_wait_callback', 'ended', ticketId);
      return { kind: 'none', interactionId: c.record.id, result: 'max_wait_callback' };
    }
    this.leaveQueue(c, 'max_wait', 'abandoned', null);
    return { kind: 'none', interactionId: c.record.id, result: 'max_wait' };
  }

  /**
   * Makes the callback ticket for a waiting caller (wired by the app: customers/identity.ts and the ticket
   * store, in one transaction); resolves to the ticket's id.
   */
  callbacks: ((call: Omit<Interaction, 'version'>, now: Date) => Promise<string>) | null;

  /** POST /api/voice/callback: the waiting caller asked to be called back. Resolves to the ticket's id. */
  async requestCallback(callId: string): Promise<string> {
    const c = this.calls.get(callId);
    if (!c || !c.waiting) throw new SwitchboardError('not_found', 'No such call waiting in a queue.');
    if (!this.callbacks)
      throw new SwitchboardError('unavailable', 'Callbacks are not set up on this service.');
    if (this.waiting.delete(c)) this.waitingDirty();
    c.waiting = false;
    clearTimeout(c.waitTimer);
    let ticketId: string;
    try {
      ticketId = await this.callbacks(c.record, this.now());
    } catch (e) {
      // The ticket could not be made: the caller waits on, in their place.
      if (this.calls.get(callId) === c && !c.agent) {
        c.waiting = true;
        this.waiting.add(c);
        this.armWaitWatch(c);
        this.waitingDirty();
      }
      throw e;
    }
    this.leaveQueue(c, 'callback', 'ended', ticketId);
    return ticketId;
  }

  /** Reserves a waiting call for an agent: it leaves the list, and the caller's next poll gets the agent. */
  private reserve(c: CallEntry, agent: AgentEntry, actorId: string | null): void {
    if (this.waiting.delete(c)) this.waitingDirty();
    c.waiting = false;
    c.handedOut = false;
    this.offer(c, agent, actorId);
    // The watchdog runs on until the poll: a caller gone meanwhile frees the agent again.
    this.armWaitWatch(c);
    void this.saveCall(c);
  }

  private scheduleDispatch(): void {
    if (this.dispatchPending) return;
    this.dispatchPending = true;
    queueMicrotask(() => {
      this.dispatchPending = false;
      this.dispatch();
    });
  }

  /** Every waiting call, in order, gets a free agent of its queue if there is one. */
  private dispatch(): void {
    if (!this.writesStates || this.closed || this.waiting.size === 0) return;
    for (const c of this.orderedWaiting()) {
      if (!c.queue) continue;
      const agent = this.pick(c.queue, undefined);
      if (agent) this.reserve(c, agent, null);
    }
  }

  private waitingDirty(): void {
    if (this.waitingFire || this.waitingListeners.size === 0) return;
    this.waitingFire = true;
    queueMicrotask(() => {
      this.waitingFire = false;
      const list = this.waitingCalls();
      for (const l of this.waitingListeners) {
        try {
          l(list);
        } catch (e) {
          this.log(`voice: a waiting-list listener failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    });
  }

  /** The calls waiting in queues now, in the order they will be offered (README "API for the live view"). */
  waitingCalls(): WaitingCall[] {
    const ordered = this.orderedWaiting();
    return ordered.flatMap((c) =>
      c.queue && c.queuedAt !== null
        ? [
            {
              callId: c.record.callId,
              queueId: c.queue.queue.id,
              callerNumber: c.record.callerNumber,
              customerName: c.customerName,
              since: new Date(c.queuedAt).toISOString(),
              position: this.position(c, ordered),
            },
          ]
        : [],
    );
  }

  /** Told of the waiting list (whole) after each change; returns the way to stop listening. */
  onWaitingChange(listener: (calls: WaitingCall[]) => void): () => void {
    this.waitingListeners.add(listener);
    return () => this.waitingListeners.delete(listener);
  }

  /**
   * A supervisor offers a waiting call to this agent next: the agent must be Available with a phone, of the
   * call's department. With `actor`, their rights are checked here (supervisors and team leads of the call's
   * department, admins); without, the caller has checked them.
   */
  assignWaiting(callId: string, userId: string, actorId: string, actor?: User): void {
    const c = this.calls.get(callId);
    if (!c || !c.waiting || !c.queue)
      throw new SwitchboardError('not_found', 'No such call waiting in a queue.');
    if (actor) {
      const dept = c.queue.queue.departmentId;
      // Another department's call is refused as one not waiting, so Call-IDs cannot be probed.
      if (actor.role !== 'admin' && actor.departmentId !== dept)
        throw new SwitchboardError('not_found', 'No such call waiting in a queue.');
      if (actor.role !== 'admin' && !supervisesAgents(actor.role))
        throw new SwitchboardError(
          'forbidden',
          'Only supervisors and admins choose the agent for a waiting call.',
        );
    }
    const agent = this.agents.get(userId);
    if (!agent || agent.departmentId !== c.queue.queue.departmentId)
      throw new SwitchboardError('forbidden', 'This agent is not in the call’s department.');
    if (agent.state !== 'Available' || !takesCalls(agent))
      throw new SwitchboardError(
        'conflict',
        agent.extension === null
          ? 'This agent has no phone extension.'
          : agent.state !== 'Available'
            ? `This agent is ${agent.state}, not Available: they cannot be offered a call now.`
            : 'This agent’s phone is not registered: they take chats and tickets only.',
      );
    this.callAudits.push({
      at: this.now().toISOString(),
      actorId,
      action: 'queue.assign',
      subjectId: c.record.id,
      detail: { callId, queue: c.queue.queue.number, agentId: userId },
    });
    this.reserve(c, agent, actorId);
  }

  // ---------------------------------------------------------------- call progress

  /**
   * Call progress from the PBX (trusted) or a desktop (user: only the call's agent, or a supervisor of its
   * department). Returns the status of the call's agent after the event, if it has one.
   */
  async callEvent(callId: string, event: CallEventKind, user: User | null): Promise<AgentStatus | null> {
    const c = this.calls.get(callId);
    if (!c) return this.eventAfterTheEnd(callId, user);
    if (user) mayReport(user, c.agent?.userId ?? null, c.record.departmentId);
    const nowMs = this.now().getTime();
    const at = new Date(nowMs).toISOString();
    const agent = c.agent;
    const statusBefore = c.record.status;
    switch (event) {
      case 'answered':
        if (c.record.status !== 'ringing' || !agent) break;
        clearTimeout(c.ringTimer);
        c.record = { ...c.record, status: 'answered', answerAt: at };
        this.setQueueResult(c, 'answered', nowMs);
        if (agent.busy) agent.busy.answered = true;
        this.log(`call ${callId} answered by ${agent.username}`);
        this.persistChangeOnly(agent, 'call_answered', c.record.id);
        break;
      case 'no_answer':
        if (c.record.status !== 'ringing' || !agent) break;
        this.noAnswer(c);
        break;
      case 'hold':
        if (c.record.status === 'answered' && c.holdStartedAt === null) c.holdStartedAt = nowMs;
        break;
      case 'resume':
        this.addHold(c, nowMs);
        break;
      case 'ended':
      case 'abandoned': {
        clearTimeout(c.ringTimer);
        clearTimeout(c.waitTimer);
        if (this.waiting.delete(c)) this.waitingDirty();
        c.waiting = false;
        this.addHold(c, nowMs);
        const wasAnswered = c.record.status === 'answered';
        c.record = { ...c.record, status: wasAnswered ? 'ended' : 'abandoned', endAt: at };
        if (!wasAnswered && c.queuedAt !== null && c.result === null) {
          this.setQueueResult(c, 'abandoned', nowMs);
          this.callAudits.push({
            at,
            actorId: user?.id ?? null,
            action: 'queue.abandoned',
            subjectId: c.record.id,
            detail: { callId, queue: c.record.queueNumber, waitSeconds: c.waitSeconds },
          });
        }
        this.calls.delete(callId);
        if (c.queuedAt !== null && c.result !== null) this.rememberLeft(callId, c.result, nowMs);
        if (agent && agent.interactionId === c.record.id) {
          if (wasAnswered) this.startWrapUp(agent);
          else this.afterWork(agent, 'call_ended', null);
        }
        break;
      }
    }
    if (user)
      this.callAudits.push({
        at,
        actorId: user.id,
        action: 'call.event',
        subjectId: c.record.id,
        detail: { callId, event, before: { status: statusBefore }, after: { status: c.record.status } },
      });
    await this.saveCall(c);
    return agent ? this.toStatus(agent) : null;
  }

  /**
   * An event for a call that is over: a retry of one already applied (Kamailio, or a node passing it on, asks
   * again when the answer was lost, e.g. because the node that applied it died before answering), or one that
   * arrived after the end. Answered as done, with the agent's status, so a retry never fails.
   */
  private async eventAfterTheEnd(callId: string, user: User | null): Promise<AgentStatus | null> {
    const row = await this.db
      .selectFrom('interactions')
      .select(['agent_id', 'department_id', 'status'])
      .where('call_id', '=', callId)
      .executeTakeFirst();
    if (!row || (row.status !== 'ended' && row.status !== 'abandoned'))
      throw new SwitchboardError('not_found', 'No such call in progress.');
    if (user) mayReport(user, row.agent_id, row.department_id);
    return row.agent_id === null ? null : (this.status(row.agent_id) ?? null);
  }

  /**
   * A desktop logged a call of its agent that is still live here: its end event never came (the desktop was
   * offline when the call ended). The desktop's times are merged in (mergeLoggedCall) and the call ends as
   * if the event had come: an answered call puts the agent into wrap-up, an unanswered one frees them.
   * Resolves once the record is written, so the log's own transaction reads the merged record.
   */
  async endLoggedCall(user: User, log: InteractionLog): Promise<void> {
    const c = this.calls.get(log.callId);
    if (!c || c.record.agentId !== user.id || c.record.departmentId !== user.departmentId) return;
    clearTimeout(c.ringTimer);
    c.holdStartedAt = null;
    c.record = mergeLoggedCall(c.record, log);
    this.calls.delete(log.callId);
    this.log(`call ${log.callId} ended by ${user.username}'s log`);
    const agent = c.agent;
    if (agent && agent.interactionId === c.record.id) {
      if (c.record.answerAt !== null) this.startWrapUp(agent);
      else this.afterWork(agent, 'call_ended', null);
    }
    await this.saveCall(c);
  }

  private addHold(c: CallEntry, nowMs: number): void {
    if (c.holdStartedAt === null) return;
    c.record = {
      ...c.record,
      holdSeconds: c.record.holdSeconds + Math.round((nowMs - c.holdStartedAt) / 1000),
    };
    c.holdStartedAt = null;
  }

  /** The offered agent did not take the call: Break missed_call (or their pending state), call free for the next. */
  private noAnswer(c: CallEntry): void {
    const agent = c.agent;
    clearTimeout(c.ringTimer);
    c.agent = null;
    // Waiting for the PBX to ask again (retry); if it never does, the caller is gone: record it abandoned.
    c.ringTimer = setTimeout(
      () => {
        if (c.agent || c.record.status !== 'ringing' || this.calls.get(c.record.callId) !== c) return;
        c.record = { ...c.record, status: 'abandoned', endAt: this.now().toISOString() };
        this.calls.delete(c.record.callId);
        void this.saveCall(c);
      },
      (c.queue?.queue.ringTimeoutSeconds ?? 20) * 1000 + this.ringSlackMs,
    );
    c.ringTimer.unref();
    if (!agent || agent.interactionId !== c.record.id) return;
    this.log(`call ${c.record.callId} not answered by ${agent.username}`);
    const next = agent.pending ?? { state: 'Break' as const, reason: 'missed_call' as const };
    agent.pending = null;
    agent.interactionId = null;
    this.transition(agent, next.state, next.reason, 'no_answer', null, c.record.id);
  }

  private async noAnswerAndSave(c: CallEntry): Promise<void> {
    this.noAnswer(c);
    await this.saveCall(c);
  }

  private startWrapUp(a: AgentEntry): void {
    this.transition(a, 'WrapUp', null, 'call_ended', null, a.interactionId);
    this.armWrapUp(a);
  }

  private armWrapUp(a: AgentEntry): void {
    if (this.wrapUpLimitMs > 0) {
      a.wrapTimer = setTimeout(() => {
        a.wrapTimer = undefined;
        if (a.state === 'WrapUp') this.endWrapUp(a, 'wrapup_ended', null);
      }, this.wrapUpLimitMs);
      a.wrapTimer.unref();
    }
  }

  private endWrapUp(a: AgentEntry, cause: StateCause, actorId: string | null, by?: ChangeBy): void {
    this.afterWork(a, cause, actorId, by);
  }

  /** The call (and wrap-up) is over: the pending state applies, else Available (Offline if no desktop). */
  private afterWork(a: AgentEntry, cause: StateCause, actorId: string | null, by?: ChangeBy): void {
    const next = a.pending ?? {
      state: a.sockets > 0 ? ('Available' as const) : ('Offline' as const),
      reason: null,
    };
    a.pending = null;
    const interactionId = a.interactionId;
    a.interactionId = null;
    this.transition(a, next.state, next.reason, cause, actorId, interactionId, by);
  }

  // ---------------------------------------------------------------- state changes and persistence

  private setPending(a: AgentEntry, pending: PendingState | null): void {
    a.pending = pending;
    a.version++;
    this.persist(a, null);
    this.onStatus(this.toStatus(a));
  }

  private transition(
    a: AgentEntry,
    to: AgentState,
    reason: BreakReason | null,
    cause: StateCause,
    actorId: string | null,
    interactionId: string | null = null,
    by: ChangeBy = { actorName: null, note: null },
  ): void {
    const from = a.state;
    const at = this.now();
    if (from === 'Available') for (const q of a.queues) q.available.delete(a);
    a.state = to;
    a.reason = to === 'Break' ? reason : null;
    a.since = at.toISOString();
    if (to === 'OnCall') a.interactionId = interactionId;
    if (to !== 'OnCall' && to !== 'WrapUp') a.interactionId = null;
    if (to !== 'WrapUp') {
      clearTimeout(a.wrapTimer);
      a.wrapTimer = undefined;
    }
    if (to === 'Available') {
      a.idleSince = at.getTime();
      for (const q of a.queues) q.available.add(a);
      // The head waiting call this agent can take is theirs at once (after this change is told).
      if (this.waiting.size > 0) this.scheduleDispatch();
    }
    if (to !== 'OnCall' && to !== 'WrapUp' && a.busy) {
      // The queue call and its wrap-up are over: its handle time feeds the queue's expected wait.
      if (a.busy.answered) {
        const recent = a.busy.queue.recentHandle;
        recent.push(Math.max(1, (at.getTime() - a.busy.since) / 1000));
        if (recent.length > 20) recent.shift();
      }
      a.busy = null;
    }
    if (to !== 'OnCall' && to !== 'WrapUp') a.pending = null;
    a.version++;
    this.persist(a, {
      id: uuidv7(),
      user_id: a.userId,
      from_state: from,
      to_state: to,
      reason: a.reason,
      cause,
      actor_id: actorId,
      interaction_id: interactionId,
      at: a.since,
      note: by.note,
    });
    a.lastChange = { cause, actorId, actorName: by.actorName, note: by.note, at: a.since };
    this.onStatus(this.toStatus(a));
  }

  private changeRow(
    a: AgentEntry,
    from: AgentState,
    cause: StateCause,
    interactionId: string | null,
  ): Database['agent_state_log'] {
    return {
      // Time-ordered ids: the log reads back in the order it was written even when times are equal.
      id: uuidv7(),
      user_id: a.userId,
      from_state: from,
      to_state: a.state,
      reason: a.reason,
      cause,
      actor_id: null,
      interaction_id: interactionId,
      at: this.now().toISOString(),
    };
  }

  /** A log row without a state change (the agent stays OnCall when they answer). */
  private persistChangeOnly(a: AgentEntry, cause: StateCause, interactionId: string): void {
    const row = this.changeRow(a, a.state, cause, interactionId);
    a.lastChange = { cause, actorId: null, actorName: null, note: null, at: row.at };
    this.persist(a, row);
  }

  /** Marks the agent's state row for writing, with a log row when the state changed. */
  private persist(a: AgentEntry, change: Database['agent_state_log'] | null): void {
    this.dirtyAgents.add(a);
    if (change) this.logRows.push(change);
    void this.schedule();
  }

  /** Writes the call record (matching the customer on its first write) and tells its department. */
  private async saveCall(c: CallEntry): Promise<void> {
    this.dirtyCalls.add(c);
    await this.schedule();
    this.onInteractions(c.record.departmentId);
  }

  /**
   * Resolves when everything marked so far is committed; rejects (`unavailable`) when that write failed. Several
   * nodes (voice-cluster.ts): the owner answers only after this, so a decision it told anyone about is in the
   * database before it can die, and the node taking over never offers a reserved agent a second call.
   */
  async committed(): Promise<void> {
    if (!(await this.schedule()))
      throw new SwitchboardError(
        'unavailable',
        'Call routing could not record this in the database; try again in a moment.',
      );
  }

  /** Resolves when everything marked so far is written: true when it was committed. */
  private schedule(): Promise<boolean> {
    return new Promise((done) => {
      this.waiters.push(done);
      this.writing ??= this.drain();
    });
  }

  /**
   * Write-behind: what changed while one transaction ran is committed together in the next. Memory holds the
   * truth; each commit writes the newest state row of every changed agent and call (so a row written later
   * never goes back in time) and every state change log row, in the order they happened.
   */
  private async drain(): Promise<void> {
    while (this.waiters.length > 0) {
      const agents = [...this.dirtyAgents];
      this.dirtyAgents.clear();
      const rows = this.logRows.splice(0);
      const callAudits = this.callAudits.splice(0);
      // Each call as it is now, beside the agents as they are now: a record read later, during the transaction,
      // could be newer than the agent rows written with it (an event arriving meanwhile), and a node killed
      // before the next batch left an agent OnCall for a call the database said was over.
      const calls = [...this.dirtyCalls].map((c) => ({ c, record: c.record, queued: queueColumns(c) }));
      this.dirtyCalls.clear();
      const waiters = this.waiters.splice(0);
      let ok = true;
      const states = agents.map((a) => ({
        user_id: a.userId,
        state: a.state,
        reason: a.reason,
        pending_state: a.pending?.state ?? null,
        pending_reason: a.pending?.reason ?? null,
        since: a.since,
        idle_since: a.state === 'Available' ? new Date(a.idleSince).toISOString() : null,
        interaction_id: a.interactionId,
        version: a.version,
        phone_registered: a.phoneRegistered === null ? null : a.phoneRegistered ? 1 : 0,
      }));
      try {
        // A deadlock with another node's or a push's transaction (PostgreSQL) is retried, not dropped: these
        // rows were taken out of memory for this write.
        await retryConflicts(() =>
          this.db.transaction().execute(async (trx) => {
            for (const row of states) {
              const { user_id: _id, ...rest } = row;
              await trx
                .insertInto('agent_states')
                .values(row)
                .onConflict((oc) => oc.column('user_id').doUpdateSet(rest))
                .execute();
            }
            for (let i = 0; i < rows.length; i += 200) {
              await trx
                .insertInto('agent_state_log')
                .values(rows.slice(i, i + 200))
                .execute();
            }
            // Every agent-state change is also an audit record, committed with its log row.
            await writeAudits(
              trx,
              rows.map((r) => ({
                at: r.at,
                actorId: r.actor_id,
                action: 'agent.state',
                subjectId: r.user_id,
                detail: {
                  before: { state: r.from_state },
                  after: { state: r.to_state, reason: r.reason },
                  cause: r.cause,
                  interactionId: r.interaction_id,
                  ...(r.note ? { note: r.note } : {}),
                },
              })),
            );
            await writeAudits(trx, callAudits);
            for (const call of calls) {
              await this.writeCall(trx, call.c, call.record);
              if (call.queued)
                await trx
                  .updateTable('interactions')
                  .set(call.queued)
                  .where('id', '=', call.record.id)
                  .execute();
            }
          }),
        );
      } catch (e) {
        ok = false;
        this.log(
          `voice: writing agent states and calls failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      for (const done of waiters) done(ok);
    }
    this.writing = null;
  }

  /** Writes `record`, the call as it was when its batch began (drain), matching the customer on its first write. */
  private async writeCall(trx: Tx, c: CallEntry, record: CallEntry['record']): Promise<void> {
    if (!c.customerLooked && c.record.callerNumber.startsWith('+')) {
      // Only a customer the call's department sees: the record goes to its agents' screen pops.
      const customer = await customerWithPhone(trx, c.record.callerNumber, c.record.departmentId);
      const customerId = customer?.id ?? null;
      // The waiting list names the caller (the monitor's drill-down).
      c.customerName = customer?.name ?? null;
      if (c.waiting) this.waitingDirty();
      // Read the record after the query, not before: while it ran (a real wait on PostgreSQL) the call may
      // have moved on (refused, abandoned), and `{ ...c.record, customerId: await ... }` put the old one back.
      c.record = { ...c.record, customerId };
    }
    c.customerLooked = true;
    await saveInteraction(trx, { ...record, customerId: record.customerId ?? c.record.customerId });
  }

  async interaction(id: string): Promise<Interaction | undefined> {
    await this.flush();
    return getInteraction(this.db, id);
  }

  private toStatus(a: AgentEntry): AgentStatus {
    return {
      userId: a.userId,
      departmentId: a.departmentId,
      state: a.state,
      reason: a.reason,
      pending: a.pending,
      since: a.since,
      version: a.version,
      interactionId: a.interactionId,
      phoneRegistered: a.phoneRegistered,
      change: a.lastChange,
    };
  }
}

/** Who asked for a change, as the agent is told (issue 14). */
interface ChangeBy {
  actorName: string | null;
  note: string | null;
}

/**
 * Whether routing may offer this agent a call (issue 14): they have an extension, and their desktop has not
 * said their phone is unregistered. A desktop that never said (from before issue 14) is routed as before.
 */
function takesCalls(a: AgentEntry): boolean {
  return a.extension !== null && a.phoneRegistered !== false;
}

/** Who may report progress of a call: its agent, a team lead or supervisor of its department, an admin. */
function mayReport(user: User, agentId: string | null, departmentId: string): void {
  const own = agentId === user.id;
  const sup = user.role === 'admin' || (supervisesAgents(user.role) && user.departmentId === departmentId);
  // Another department's call is refused exactly as one not in progress, so Call-IDs cannot be probed.
  if (!own && !sup && user.departmentId !== departmentId) {
    throw new SwitchboardError('not_found', 'No such call in progress.');
  }
  if (!own && !sup) throw new SwitchboardError('forbidden', 'This call is not yours.');
}

/** The server's queue columns of a call record (migration 0026), as the call is now; null for a call of no queue. */
function queueColumns(c: CallEntry) {
  if (c.queuedAt === null) return null;
  return {
    queued_at: new Date(c.queuedAt).toISOString(),
    queue_since: new Date(c.queueSince).toISOString(),
    wait_seconds: c.waitSeconds,
    queue_result: c.result,
  };
}
