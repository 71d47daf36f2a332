import { SLA_STATES, type SlaEngine, type SlaState } from '../../shared/sla';
import type { ChunkChange } from './recompute-read';
import type { SlaOutcome } from './sla-evaluate';

/**
 * What the recompute worker (recompute-worker.ts) hands the service's thread for one chunk: the tickets whose
 * SLA changed, in columns of typed arrays, moved to the other thread without copying. Half a million changed
 * tickets as row arrays were cloned field by field on the receiving thread, which is the one that writes.
 */
export interface PackedChunk {
  /** Which range (RowidRanges) this is. */
  range: number;
  /** Tickets read. */
  read: number;
  rowids: Float64Array;
  /** Epoch ms; NaN for null. */
  due: Float64Array;
  /** Epoch ms; NaN for null. */
  next: Float64Array;
  /** 0 for null, else 1 + the index in SLA_STATES. */
  states: Uint8Array;
  /** 1: the next check moved too (changeOf 'moved'); 0: due time and state only. */
  moved: Uint8Array;
  /** Timelines computed (tickets read without one), by position; null when none was. */
  timelines: (string | null)[] | null;
  readMs: number;
  computeMs: number;
}

/** Service thread to worker: one of its chunks was written; `at`: the clock now, for the ranges taken from here on. */
export type ToWorker = { kind: 'credit'; at: number };

/** Worker to service thread. */
export type FromWorker = { kind: 'chunk'; chunk: PackedChunk } | { kind: 'failed'; message: string };

/** The tickets cut by rowid: range k is after `after + k * width`, up to `width` more, not past `last`. */
export interface RowidRanges {
  after: number;
  width: number;
  count: number;
  last: number;
}

/** The rowids of range `k`: after `after`, up to `upTo` (both threads read and write by this). */
export function spanOf(ranges: RowidRanges, k: number): { after: number; upTo: number } {
  const after = ranges.after + k * ranges.width;
  return { after, upTo: Math.min(ranges.last, after + ranges.width) };
}

export interface WorkerInput {
  file: string;
  /** The configuration the run computes under (the service thread's engine's). */
  config: SlaEngine['config'];
  ranges: RowidRanges;
  /** One Int32: the next range not taken (Atomics.add by either thread). */
  claims: SharedArrayBuffer;
  /** The clock when the run started. */
  at: number;
  /** Chunks handed over and not yet written, at most. */
  ahead: number;
  /** How often the worker checkpoints the WAL (the service's thread then does not). */
  checkpointEveryMs: number;
}

const stateCode = new Map<SlaState | null, number>([
  [null, 0],
  ...SLA_STATES.map((s, i) => [s, i + 1] as const),
]);
export const stateOf = (code: number): SlaState | null => (code === 0 ? null : SLA_STATES[code - 1]!);

/** Collects one chunk's changes. */
export class ChunkPacker {
  private n = 0;
  private rowids: Float64Array;
  private due: Float64Array;
  private next: Float64Array;
  private states: Uint8Array;
  private moved: Uint8Array;
  private timelines: (string | null)[] | null = null;

  constructor(capacity: number) {
    this.rowids = new Float64Array(capacity);
    this.due = new Float64Array(capacity);
    this.next = new Float64Array(capacity);
    this.states = new Uint8Array(capacity);
    this.moved = new Uint8Array(capacity);
  }

  /** Room for this many changes in the chunk being collected (call before adding them). */
  reserve(capacity: number): void {
    if (capacity <= this.rowids.length) return;
    this.rowids = new Float64Array(capacity);
    this.due = new Float64Array(capacity);
    this.next = new Float64Array(capacity);
    this.states = new Uint8Array(capacity);
    this.moved = new Uint8Array(capacity);
  }

  add(rowid: number, o: SlaOutcome, change: Exclude<ChunkChange, 'none'>): void {
    const i = this.n++;
    this.rowids[i] = rowid;
    this.due[i] = o.dueAt ?? NaN;
    this.next[i] = o.nextCheckAt ?? NaN;
    this.states[i] = stateCode.get(o.state as SlaState | null) ?? 0;
    this.moved[i] = change === 'moved' ? 1 : 0;
    if (o.timeline !== null) (this.timelines ??= [])[i] = o.timeline;
  }

  /** The chunk, in arrays of its own (to transfer), and the buffers to list as transferred. */
  finish(range: number, read: number, readMs: number, computeMs: number): [PackedChunk, ArrayBuffer[]] {
    const n = this.n;
    const chunk: PackedChunk = {
      range,
      read,
      rowids: this.rowids.slice(0, n),
      due: this.due.slice(0, n),
      next: this.next.slice(0, n),
      states: this.states.slice(0, n),
      moved: this.moved.slice(0, n),
      timelines: this.timelines,
      readMs,
      computeMs,
    };
    this.n = 0;
    this.timelines = null;
    const buffers = [chunk.rowids, chunk.due, chunk.next, chunk.states, chunk.moved].map(
      (a) => a.buffer as ArrayBuffer,
    );
    return [chunk, buffers];
  }
}
