import { DateTime } from 'luxon';
import type {
  AgentLive,
  AgentState,
  AgentStatus,
  DepartmentLive,
  QueueLive,
  SupervisorSnapshot,
} from '../../shared';
import { streamHead } from '../db/change-log';
import type { Database, Db } from '../db/schema';

/** The contract's default service level: 80 % answered within 20 s. */
export const DEFAULT_SL_SECONDS = 20;
export const DEFAULT_SL_TARGET = 0.8;

/** Changed rows of one coalescing window (the hub filters them per subscriber). */
export interface LiveChanges {
  at: string;
  day: string;
  /** A new day: every queue is in `queues` (its counts start again). */
  newDay: boolean;
  queues: QueueLive[];
  agents: AgentLive[];
  removedAgents: { userId: string; departmentId: string }[];
  departments: DepartmentLive[];
}

/** A caller waiting in a queue now (the voice service's waiting list). */
export interface WaitingEntry {
  queueId: string;
  since: string;
}

interface QueueMeta {
  id: string;
  number: string;
  nameZh: string;
  nameEn: string;
  departmentId: string;
  skill: string;
  slSeconds: number;
  slTarget: number;
}

interface Counts {
  offered: number;
  answered: number;
  abandoned: number;
  within: number;
  asaMs: number;
  handled: number;
  handleMs: number;
}

/** What one call adds to its queue's counts today. */
interface Contribution extends Counts {
  queue: string;
}

/** What the view needs of one call record. */
interface CallFacts {
  id: string;
  queueNumber: string | null;
  departmentId: string;
  agentId: string | null;
  callerNumber: string;
  customerId: string | null;
  status: Database['interactions']['status'];
  direction: Database['interactions']['direction'];
  ringAt: string;
  /** Entry to the first queue (the queue's clock for speed of answer and service level); null: ringAt. */
  queuedAt: string | null;
  answerAt: string | null;
  endAt: string | null;
}

interface AgentRow {
  userId: string;
  displayName: string;
  departmentId: string;
  extension: string | null;
  skills: Set<string>;
  state: AgentState;
  reason: AgentStatus['reason'];
  pending: AgentStatus['pending'];
  note: string | null;
  phoneRegistered: boolean | null;
  since: string;
  version: number;
  interactionId: string | null;
  chats: number;
}

interface DeptRow {
  meta: { id: string; nameZh: string; nameEn: string };
  chatsWaiting: number;
  chatsActive: number;
  oldestChatWaitingSince: string | null;
  ticketsOpen: number;
  ticketsUnassigned: number;
  ticketsBreached: number;
}

const zero = (): Counts => ({
  offered: 0,
  answered: 0,
  abandoned: 0,
  within: 0,
  asaMs: 0,
  handled: 0,
  handleMs: 0,
});

const OPEN_TICKET = ['new', 'open', 'reopened', 'pending', 'on_hold'] as const;

/**
 * The supervisors' live view of one node: queues with today's counts, agents, departments. Built from the
 * database at start (and at each new day), then kept up incrementally from what this node hears: agent statuses
 * (every node hears every status: the routing owner's own, the others' through NOTIFY) and call records (read
 * from the change stream, which every node shares, so a record written by any node reaches every node's model).
 * A call's contribution to its queue is kept by call id and replaced, never added twice, so reading a record
 * again (the start's read overlapping the stream, a retry) changes nothing. Changed rows are coalesced into one
 * LiveChanges per window.
 */
export class LiveModel {
  private readonly queues = new Map<string, QueueMeta>();
  private readonly counts = new Map<string, Counts>();
  private readonly waiting = new Map<string, { count: number; oldest: string | null }>();
  private readonly agents = new Map<string, AgentRow>();
  private readonly departments = new Map<string, DeptRow>();
  private readonly calls = new Map<string, CallFacts>();
  private readonly contributions = new Map<string, Contribution>();
  /** Call id -> when its agent's wrap-up ended (ms): the end of its handle time. */
  private readonly wrapEnds = new Map<string, number>();
  private readonly customerNames = new Map<string, string>();
  private readonly dirtyQueues = new Set<string>();
  private readonly dirtyAgents = new Set<string>();
  private readonly dirtyDepts = new Set<string>();
  private removed: { userId: string; departmentId: string }[] = [];
  private newDay = false;
  private timer: NodeJS.Timeout | undefined;
  private cursor = 0;
  private dayKey = '';
  private dayStartMs = 0;
  private dayEndMs = 0;
  private tailing: Promise<void> | null = null;
  private tailAgain = false;
  private ticketDepts = new Set<string>();
  private ticketTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Told of each window's changed rows. */
  onChanges: (c: LiveChanges) => void = () => {};

  constructor(
    private readonly deps: {
      db: Db;
      now: () => Date;
      log: (line: string) => void;
      timeZone: string;
      /** The coalescing window; default 100 ms. */
      windowMs?: number;
    },
  ) {}

  get day(): string {
    return this.dayKey;
  }

  // ------------------------------------------------------------------ building

  /** Reads the directory, states, chats, tickets and today's calls; the stream is read from here on. */
  async start(): Promise<void> {
    this.cursor = await streamHead(this.deps.db);
    await this.loadDirectory();
    await this.loadStates();
    await this.rebuildDay();
    await this.refreshChats();
    await this.refreshTickets(null);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.ticketTimer);
  }

  /** Queues, departments and agents (with skills, extension, name): at start and after an admin's change. */
  async loadDirectory(): Promise<void> {
    const { db } = this.deps;
    const queueRows = await db.selectFrom('queues').selectAll().orderBy('number').execute();
    const seen = new Set<string>();
    for (const r of queueRows) {
      this.queues.set(r.number, {
        id: r.id,
        number: r.number,
        nameZh: r.name_zh,
        nameEn: r.name_en,
        departmentId: r.department_id,
        skill: r.skill,
        slSeconds: r.service_level_seconds ?? DEFAULT_SL_SECONDS,
        slTarget: r.service_level_target ?? DEFAULT_SL_TARGET,
      });
      if (!this.counts.has(r.number)) this.counts.set(r.number, zero());
      seen.add(r.number);
      this.dirtyQueues.add(r.number);
    }
    for (const n of [...this.queues.keys()]) if (!seen.has(n)) this.queues.delete(n);
    for (const d of await db.selectFrom('departments').selectAll().orderBy('code').execute()) {
      const meta = { id: d.id, nameZh: d.name_zh, nameEn: d.name_en };
      const row = this.departments.get(d.id);
      if (row) row.meta = meta;
      else
        this.departments.set(d.id, {
          meta,
          chatsWaiting: 0,
          chatsActive: 0,
          oldestChatWaitingSince: null,
          ticketsOpen: 0,
          ticketsUnassigned: 0,
          ticketsBreached: 0,
        });
    }
    const users = await db
      .selectFrom('users')
      .leftJoin('sip_accounts', 'sip_accounts.user_id', 'users.id')
      .select(['users.id', 'users.display_name', 'users.department_id', 'sip_accounts.extension'])
      .where('users.role', '=', 'agent')
      .where('users.disabled', '=', 0)
      .where('users.department_id', 'is not', null)
      .execute();
    const skills = new Map<string, Set<string>>();
    for (const s of await db.selectFrom('agent_skills').selectAll().execute()) {
      let mine = skills.get(s.user_id);
      if (!mine) skills.set(s.user_id, (mine = new Set()));
      mine.add(s.skill);
    }
    const at = this.deps.now().toISOString();
    const present = new Set<string>();
    for (const u of users) {
      present.add(u.id);
      const a = this.agents.get(u.id);
      if (a && a.departmentId !== u.department_id)
        this.removed.push({ userId: a.userId, departmentId: a.departmentId });
      if (a) {
        a.displayName = u.display_name;
        a.departmentId = u.department_id!;
        a.extension = u.extension;
        a.skills = skills.get(u.id) ?? new Set();
      } else
        this.agents.set(u.id, {
          userId: u.id,
          displayName: u.display_name,
          departmentId: u.department_id!,
          extension: u.extension,
          skills: skills.get(u.id) ?? new Set(),
          state: 'Offline',
          reason: null,
          pending: null,
          note: null,
          phoneRegistered: null,
          since: at,
          version: -1,
          interactionId: null,
          chats: 0,
        });
      this.dirtyAgents.add(u.id);
    }
    for (const a of [...this.agents.values()])
      if (!present.has(a.userId)) {
        this.agents.delete(a.userId);
        this.removed.push({ userId: a.userId, departmentId: a.departmentId });
      }
    this.schedule();
  }

  /** The stored states (written behind by the routing owner); newer statuses heard since win by version. */
  private async loadStates(): Promise<void> {
    const rows = await this.deps.db.selectFrom('agent_states').selectAll().execute();
    for (const r of rows) {
      const a = this.agents.get(r.user_id);
      if (!a) continue;
      this.applyStatus({
        userId: r.user_id,
        departmentId: a.departmentId,
        state: r.state,
        reason: r.reason,
        pending: r.pending_state === null ? null : { state: r.pending_state, reason: r.pending_reason },
        since: r.since,
        version: r.version,
        interactionId: r.interaction_id,
      });
    }
  }

  private setDay(): void {
    const local = DateTime.fromJSDate(this.deps.now(), { zone: this.deps.timeZone }).startOf('day');
    this.dayKey = local.toISODate() ?? '';
    this.dayStartMs = local.toMillis();
    this.dayEndMs = local.plus({ days: 1 }).toMillis();
  }

  /** Today's counts from the day's call records and wrap-up ends (at start and when the day changes). */
  private async rebuildDay(): Promise<void> {
    this.setDay();
    const { db } = this.deps;
    const startIso = new Date(this.dayStartMs).toISOString();
    const rows = await db
      .selectFrom('interactions')
      .select([
        'id',
        'queue_number',
        'department_id',
        'agent_id',
        'caller_number',
        'customer_id',
        'status',
        'direction',
        'ring_at',
        'queued_at',
        'answer_at',
        'end_at',
      ])
      .where((eb) => eb.or([eb('ring_at', '>=', startIso), eb('status', 'in', ['ringing', 'answered'])]))
      .execute();
    const wraps = await db
      .selectFrom('agent_state_log')
      .select(['interaction_id', 'at'])
      .where('from_state', '=', 'WrapUp')
      .where('at', '>=', startIso)
      .where('interaction_id', 'is not', null)
      .execute();
    this.calls.clear();
    this.contributions.clear();
    this.wrapEnds.clear();
    for (const n of this.queues.keys()) {
      this.counts.set(n, zero());
      this.dirtyQueues.add(n);
    }
    for (const w of wraps) this.wrapEnds.set(w.interaction_id!, Date.parse(w.at));
    await this.applyRecords(rows);
  }

  // ------------------------------------------------------------------ inputs

  /** An agent's status as the routing owner pushed it (any node); an older version than known is ignored. */
  applyStatus(s: AgentStatus & { note?: string | null }): void {
    const a = this.agents.get(s.userId);
    if (!a || s.version <= a.version) return;
    const before = a.state;
    if (a.state === 'WrapUp' && a.interactionId !== null && s.state !== 'WrapUp') {
      this.wrapEnds.set(a.interactionId, Date.parse(s.since));
      this.recount(a.interactionId);
    }
    a.state = s.state;
    a.reason = s.reason;
    a.pending = s.pending;
    a.since = s.since;
    a.version = s.version;
    a.interactionId = s.interactionId;
    // The state helper's statuses carry the change behind them (cause, actor, note); a status without one (a
    // takeover's carried-over status) keeps the note already known.
    if (s.note !== undefined) a.note = s.note;
    else if (s.change) a.note = s.change.note;
    else if (s.change === null) a.note = null;
    if (s.phoneRegistered !== undefined) a.phoneRegistered = s.phoneRegistered;
    this.dirtyAgents.add(a.userId);
    if (before !== s.state) this.queuesOfAgent(a);
    this.schedule();
  }

  /** Everyone waiting in every queue now (replaces what was known). */
  applyWaiting(entries: WaitingEntry[]): void {
    const next = new Map<string, { count: number; oldest: string | null }>();
    const numbers = new Map([...this.queues.values()].map((q) => [q.id, q.number]));
    for (const e of entries) {
      const n = numbers.get(e.queueId);
      if (n === undefined) continue;
      const w = next.get(n) ?? { count: 0, oldest: null };
      w.count++;
      if (w.oldest === null || e.since < w.oldest) w.oldest = e.since;
      next.set(n, w);
    }
    for (const n of new Set([...next.keys(), ...this.waiting.keys()])) {
      const a = this.waiting.get(n);
      const b = next.get(n);
      if (a?.count !== b?.count || a?.oldest !== b?.oldest) this.dirtyQueues.add(n);
    }
    this.waiting.clear();
    for (const [n, w] of next) this.waiting.set(n, w);
    this.schedule();
  }

  /**
   * Reads the change stream from where it was: call records (whose counts and agents change) and tickets
   * (whose departments' counts are read again, at most once a second). Calls coalesce: one read runs at a time.
   */
  tail(): Promise<void> {
    if (this.tailing) {
      this.tailAgain = true;
      return this.tailing;
    }
    this.tailing = (async () => {
      do {
        this.tailAgain = false;
        await this.tailOnce();
      } while (this.tailAgain && !this.closed);
    })()
      .catch((e: unknown) => this.deps.log(`live view: reading changes failed: ${String(e)}`))
      .finally(() => {
        this.tailing = null;
      });
    return this.tailing;
  }

  private async tailOnce(): Promise<void> {
    const { db } = this.deps;
    const head = await streamHead(db);
    if (head <= this.cursor) return;
    const changes = await db
      .selectFrom('change_log')
      .select(['kind', 'entity_id', 'department_id'])
      .where('version', '>', this.cursor)
      .where('version', '<=', head)
      .where('kind', 'in', ['interaction', 'ticket'])
      .execute();
    this.cursor = head;
    const ids: string[] = [];
    for (const c of changes) {
      if (c.kind === 'interaction') ids.push(c.entity_id);
      else if (c.department_id !== null) this.ticketDepts.add(c.department_id);
    }
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('interactions')
        .select([
          'id',
          'queue_number',
          'department_id',
          'agent_id',
          'caller_number',
          'customer_id',
          'status',
          'direction',
          'ring_at',
          'queued_at',
          'answer_at',
          'end_at',
        ])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      await this.applyRecords(rows);
    }
    // A read still running when the model closed must not arm a timer that outlives the database.
    if (this.ticketDepts.size > 0 && !this.ticketTimer && !this.closed) {
      this.ticketTimer = setTimeout(() => {
        this.ticketTimer = undefined;
        const depts = [...this.ticketDepts];
        this.ticketDepts.clear();
        this.refreshTickets(depts).catch((e: unknown) => {
          if (!this.closed) this.deps.log(`live view: reading tickets failed: ${String(e)}`);
        });
      }, 1000);
      this.ticketTimer.unref();
    }
  }

  private async applyRecords(
    rows: {
      id: string;
      queue_number: string | null;
      department_id: string;
      agent_id: string | null;
      caller_number: string;
      customer_id: string | null;
      status: CallFacts['status'];
      direction: CallFacts['direction'];
      ring_at: string;
      queued_at?: string | null;
      answer_at: string | null;
      end_at: string | null;
    }[],
  ): Promise<void> {
    const unknown = rows
      .map((r) => r.customer_id)
      .filter((id): id is string => id !== null && !this.customerNames.has(id));
    for (let i = 0; i < unknown.length; i += 500) {
      const names = await this.deps.db
        .selectFrom('customers')
        .select(['id', 'name'])
        .where('id', 'in', unknown.slice(i, i + 500))
        .execute();
      for (const n of names) this.customerNames.set(n.id, n.name);
    }
    for (const r of rows) {
      const facts: CallFacts = {
        id: r.id,
        queueNumber: r.queue_number,
        departmentId: r.department_id,
        agentId: r.agent_id,
        callerNumber: r.caller_number,
        customerId: r.customer_id,
        status: r.status,
        direction: r.direction,
        ringAt: r.ring_at,
        queuedAt: r.queued_at ?? null,
        answerAt: r.answer_at,
        endAt: r.end_at,
      };
      const ring = Date.parse(facts.ringAt);
      const live = facts.status === 'ringing' || facts.status === 'answered';
      if (!live && (ring < this.dayStartMs || ring >= this.dayEndMs)) {
        this.calls.delete(facts.id);
        continue;
      }
      const prev = this.calls.get(facts.id);
      this.calls.set(facts.id, facts);
      this.recount(facts.id);
      for (const agentId of new Set([prev?.agentId, facts.agentId]))
        if (agentId && this.agents.get(agentId)?.interactionId === facts.id) this.dirtyAgents.add(agentId);
    }
    this.schedule();
  }

  /** Replaces a call's contribution to its queue's counts with what its record (and wrap-up end) say now. */
  private recount(callId: string): void {
    const c = this.calls.get(callId);
    const old = this.contributions.get(callId);
    const next = c ? this.contributionOf(c) : null;
    if (old) {
      const q = this.counts.get(old.queue);
      if (q) for (const k of Object.keys(q) as (keyof Counts)[]) q[k] -= old[k];
      this.dirtyQueues.add(old.queue);
      this.contributions.delete(callId);
    }
    if (next) {
      const q = this.counts.get(next.queue);
      if (!q) return;
      for (const k of Object.keys(q) as (keyof Counts)[]) q[k] += next[k];
      this.contributions.set(callId, next);
      this.dirtyQueues.add(next.queue);
    }
  }

  private contributionOf(c: CallFacts): Contribution | null {
    if (c.queueNumber === null || c.direction !== 'inbound') return null;
    const q = this.queues.get(c.queueNumber);
    if (!q) return null;
    const ring = Date.parse(c.ringAt);
    if (ring < this.dayStartMs || ring >= this.dayEndMs) return null;
    const k: Contribution = { queue: q.number, ...zero(), offered: 1 };
    if (c.answerAt !== null) {
      const asa = Math.max(0, Date.parse(c.answerAt) - Date.parse(c.queuedAt ?? c.ringAt));
      k.answered = 1;
      k.asaMs = asa;
      k.within = asa <= q.slSeconds * 1000 ? 1 : 0;
      const wrapEnd = this.wrapEnds.get(c.id);
      if (wrapEnd !== undefined) {
        k.handled = 1;
        k.handleMs = Math.max(0, wrapEnd - Date.parse(c.answerAt));
      }
    } else if (c.status === 'abandoned') k.abandoned = 1;
    return k;
  }

  /** Chats waiting and active per department and held per agent (every 2 s and after a chat changes). */
  async refreshChats(): Promise<void> {
    const rows = await this.deps.db
      .selectFrom('chat_sessions')
      .select(['department_id', 'state', 'agent_id', 'handoff_at'])
      .where('state', 'in', ['waiting', 'agent'])
      .execute();
    const per = new Map<string, { waiting: number; active: number; oldest: string | null }>();
    const held = new Map<string, number>();
    for (const r of rows) {
      const d = per.get(r.department_id) ?? { waiting: 0, active: 0, oldest: null };
      if (r.state === 'waiting') {
        d.waiting++;
        if (r.handoff_at !== null && (d.oldest === null || r.handoff_at < d.oldest)) d.oldest = r.handoff_at;
      } else {
        d.active++;
        if (r.agent_id) held.set(r.agent_id, (held.get(r.agent_id) ?? 0) + 1);
      }
      per.set(r.department_id, d);
    }
    for (const [id, row] of this.departments) {
      const d = per.get(id) ?? { waiting: 0, active: 0, oldest: null };
      if (
        row.chatsWaiting !== d.waiting ||
        row.chatsActive !== d.active ||
        row.oldestChatWaitingSince !== d.oldest
      ) {
        row.chatsWaiting = d.waiting;
        row.chatsActive = d.active;
        row.oldestChatWaitingSince = d.oldest;
        this.dirtyDepts.add(id);
      }
    }
    for (const a of this.agents.values()) {
      const n = held.get(a.userId) ?? 0;
      if (a.chats !== n) {
        a.chats = n;
        this.dirtyAgents.add(a.userId);
      }
    }
    this.schedule();
  }

  /** Open, unassigned and SLA-breached tickets of these departments (null: all). */
  async refreshTickets(departmentIds: string[] | null): Promise<void> {
    const nowMs = this.deps.now().getTime();
    const rows = await this.deps.db
      .selectFrom('tickets')
      .select((eb) => [
        'department_id',
        eb.fn.countAll<number>().as('open'),
        eb.fn.sum<number>(eb.case().when('assignee_id', 'is', null).then(1).else(0).end()).as('unassigned'),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(
                eb.or([
                  eb('sla_state', '=', 'breached'),
                  eb.and([eb('sla_due_ms', '<', nowMs), eb('sla_state', '!=', 'paused')]),
                ]),
              )
              .then(1)
              .else(0)
              .end(),
          )
          .as('breached'),
      ])
      .where('status', 'in', [...OPEN_TICKET])
      .where('deleted_at', 'is', null)
      .$if(departmentIds !== null, (q) => q.where('department_id', 'in', departmentIds!))
      .groupBy('department_id')
      .execute();
    const found = new Map(rows.map((r) => [r.department_id, r]));
    for (const [id, row] of this.departments) {
      if (departmentIds !== null && !departmentIds.includes(id)) continue;
      const r = found.get(id);
      const open = Number(r?.open ?? 0);
      const unassigned = Number(r?.unassigned ?? 0);
      const breached = Number(r?.breached ?? 0);
      if (
        row.ticketsOpen !== open ||
        row.ticketsUnassigned !== unassigned ||
        row.ticketsBreached !== breached
      ) {
        row.ticketsOpen = open;
        row.ticketsUnassigned = unassigned;
        row.ticketsBreached = breached;
        this.dirtyDepts.add(id);
      }
    }
    this.schedule();
  }

  /** A new day in the service's time zone: counts start again from the day's records (none yet, normally). */
  async checkDay(): Promise<void> {
    const local = DateTime.fromJSDate(this.deps.now(), { zone: this.deps.timeZone });
    if (local.toISODate() === this.dayKey) return;
    await this.rebuildDay();
    this.newDay = true;
    this.schedule();
  }

  // ------------------------------------------------------------------ output

  private queuesOfAgent(a: AgentRow): void {
    for (const q of this.queues.values())
      if (q.departmentId === a.departmentId && a.skills.has(q.skill)) this.dirtyQueues.add(q.number);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    if (this.dirtyQueues.size + this.dirtyAgents.size + this.dirtyDepts.size + this.removed.length === 0)
      return;
    this.timer = setTimeout(() => this.emit(), this.deps.windowMs ?? 100);
    this.timer.unref();
  }

  /** Sends what changed in this window now (tests and the window's timer). */
  emit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const newDay = this.newDay;
    this.newDay = false;
    if (newDay) for (const n of this.queues.keys()) this.dirtyQueues.add(n);
    const changes: LiveChanges = {
      at: this.deps.now().toISOString(),
      day: this.dayKey,
      newDay,
      queues: [...this.dirtyQueues].flatMap((n) => {
        const q = this.queues.get(n);
        return q ? [this.queueRow(q)] : [];
      }),
      agents: [...this.dirtyAgents].flatMap((id) => {
        const a = this.agents.get(id);
        return a ? [this.agentRow(a)] : [];
      }),
      removedAgents: this.removed,
      departments: [...this.dirtyDepts].flatMap((id) => {
        const d = this.departments.get(id);
        return d ? [this.deptRow(d)] : [];
      }),
    };
    this.dirtyQueues.clear();
    this.dirtyAgents.clear();
    this.dirtyDepts.clear();
    this.removed = [];
    if (
      changes.queues.length +
      changes.agents.length +
      changes.departments.length +
      changes.removedAgents.length
    )
      this.onChanges(changes);
  }

  /** Everything in the departments `sees` admits, as it is now. */
  snapshot(sees: (departmentId: string) => boolean, seq: number): SupervisorSnapshot {
    return {
      at: this.deps.now().toISOString(),
      day: this.dayKey,
      seq,
      queues: [...this.queues.values()].filter((q) => sees(q.departmentId)).map((q) => this.queueRow(q)),
      agents: [...this.agents.values()]
        .filter((a) => sees(a.departmentId))
        .sort((x, y) => (x.displayName < y.displayName ? -1 : x.displayName > y.displayName ? 1 : 0))
        .map((a) => this.agentRow(a)),
      departments: [...this.departments.values()].filter((d) => sees(d.meta.id)).map((d) => this.deptRow(d)),
    };
  }

  /** The department of a queue (authorising waiting-call requests). */
  queueDepartment(queueId: string): string | undefined {
    for (const q of this.queues.values()) if (q.id === queueId) return q.departmentId;
    return undefined;
  }

  private queueRow(q: QueueMeta): QueueLive {
    const c = this.counts.get(q.number) ?? zero();
    const w = this.waiting.get(q.number);
    const agents = { available: 0, onCall: 0, wrapUp: 0, onBreak: 0, offline: 0 };
    for (const a of this.agents.values()) {
      if (a.departmentId !== q.departmentId || !a.skills.has(q.skill)) continue;
      if (a.state === 'Available') agents.available++;
      else if (a.state === 'OnCall') agents.onCall++;
      else if (a.state === 'WrapUp') agents.wrapUp++;
      else if (a.state === 'Break') agents.onBreak++;
      else agents.offline++;
    }
    return {
      queueId: q.id,
      number: q.number,
      nameZh: q.nameZh,
      nameEn: q.nameEn,
      departmentId: q.departmentId,
      waiting: w?.count ?? 0,
      oldestWaitingSince: w?.oldest ?? null,
      offered: c.offered,
      answered: c.answered,
      abandoned: c.abandoned,
      answeredWithinThreshold: c.within,
      serviceLevel: c.offered === 0 ? null : c.within / c.offered,
      serviceLevelSeconds: q.slSeconds,
      serviceLevelTarget: q.slTarget,
      avgSpeedOfAnswerSeconds: c.answered === 0 ? null : c.asaMs / c.answered / 1000,
      avgHandleSeconds: c.handled === 0 ? null : c.handleMs / c.handled / 1000,
      agents,
    };
  }

  private agentRow(a: AgentRow): AgentLive {
    const c = a.interactionId === null ? undefined : this.calls.get(a.interactionId);
    return {
      userId: a.userId,
      displayName: a.displayName,
      departmentId: a.departmentId,
      extension: a.extension,
      state: a.state,
      reason: a.reason,
      note: a.note,
      phoneRegistered: a.phoneRegistered,
      since: a.since,
      pending: a.pending,
      call: c
        ? {
            interactionId: c.id,
            callerNumber: c.callerNumber,
            customerName: c.customerId === null ? null : (this.customerNames.get(c.customerId) ?? null),
            queueNumber: c.queueNumber,
            ringAt: c.ringAt,
            answeredAt: c.answerAt,
          }
        : null,
      chats: a.chats,
    };
  }

  private deptRow(d: DeptRow): DepartmentLive {
    return {
      departmentId: d.meta.id,
      nameZh: d.meta.nameZh,
      nameEn: d.meta.nameEn,
      chatsWaiting: d.chatsWaiting,
      chatsActive: d.chatsActive,
      oldestChatWaitingSince: d.oldestChatWaitingSince,
      ticketsOpen: d.ticketsOpen,
      ticketsUnassigned: d.ticketsUnassigned,
      ticketsBreached: d.ticketsBreached,
    };
  }
}
