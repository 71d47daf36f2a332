import {
  SupervisorDelta,
  SupervisorSnapshot,
  type AgentLive,
  type DepartmentLive,
  type QueueLive,
} from '../shared/protocol/supervisor';

/**
 * What the board knows: the service's rows as of `seq`, kept by id. Deltas carry whole rows, so applying the
 * next one in order makes this exactly the service's state; any other seq means something was missed.
 */
export interface BoardData {
  seq: number;
  day: string;
  /** The service's clock at the last snapshot or delta. */
  at: string;
  queues: Map<string, QueueLive>;
  agents: Map<string, AgentLive>;
  departments: Map<string, DepartmentLive>;
}

const byId = <T, K extends keyof T>(rows: readonly T[], key: K) =>
  new Map(rows.map((r) => [r[key] as string, r]));

/** A snapshot from the wire (validated: the page trusts nothing it has not parsed) as the board's data. */
export function fromSnapshot(raw: unknown): BoardData {
  const s = SupervisorSnapshot.parse(raw);
  return {
    seq: s.seq,
    day: s.day,
    at: s.at,
    queues: byId(s.queues, 'queueId'),
    agents: byId(s.agents, 'userId'),
    departments: byId(s.departments, 'departmentId'),
  };
}

export type DeltaOutcome =
  | { kind: 'applied'; data: BoardData }
  /** Already covered by what the board has (a delta sent before the snapshot it asked for). */
  | { kind: 'old' }
  /** A seq was skipped: the board must ask for a new snapshot. */
  | { kind: 'gap'; expected: number; got: number };

/** Applies a delta when it is the next one; says "old" or "gap" otherwise. Never mutates `data`. */
export function applyDelta(data: BoardData, raw: unknown): DeltaOutcome {
  const d = SupervisorDelta.parse(raw);
  if (d.seq <= data.seq) return { kind: 'old' };
  if (d.seq !== data.seq + 1) return { kind: 'gap', expected: data.seq + 1, got: d.seq };
  const queues = new Map(data.queues);
  for (const q of d.queues) queues.set(q.queueId, q);
  const agents = new Map(data.agents);
  for (const a of d.agents) agents.set(a.userId, a);
  for (const id of d.removedAgents) agents.delete(id);
  const departments = new Map(data.departments);
  for (const dep of d.departments) departments.set(dep.departmentId, dep);
  return { kind: 'applied', data: { seq: d.seq, day: d.day, at: d.at, queues, agents, departments } };
}

/** Seconds since an instant of the service's clock, at the service time `nowMs` (never negative). */
export const secondsSince = (since: string | null, nowMs: number): number | null =>
  since === null ? null : Math.max(0, Math.floor((nowMs - Date.parse(since)) / 1000));

/** 75 -> "1:15", 3725 -> "1:02:05": a wait, read at a glance. */
export function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

export type Level = 'ok' | 'warn' | 'alert';

/** What is wrong with a queue now, each said in words and a symbol on the board as well as in colour. */
export interface QueueAlerts {
  /** Service level today below the queue's target. */
  belowTarget: boolean;
  /** The longest waiting caller has waited past the queue's answer threshold. */
  waitOver: boolean;
  /** Callers wait and no agent of the queue is available. */
  noAgent: boolean;
  level: Level;
}

export function queueAlerts(q: QueueLive, nowMs: number): QueueAlerts {
  const belowTarget = q.serviceLevel !== null && q.serviceLevel < q.serviceLevelTarget;
  const wait = secondsSince(q.oldestWaitingSince, nowMs);
  const waitOver = q.waiting > 0 && wait !== null && wait > q.serviceLevelSeconds;
  const noAgent = q.waiting > 0 && q.agents.available === 0;
  const level: Level = noAgent || waitOver ? 'alert' : belowTarget ? 'warn' : 'ok';
  return { belowTarget, waitOver, noAgent, level };
}

/** The board's departments in the order to show them: the token's list, else what the service sent. */
export function rotation(configured: readonly string[] | undefined, data: BoardData | null): string[] {
  if (configured && configured.length > 0) return [...configured];
  return data ? [...data.departments.keys()] : [];
}
