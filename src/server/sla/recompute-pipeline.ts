import { sql } from 'kysely';
import type { Worker } from 'node:worker_threads';
import type { SqliteBulk } from '../db/open';
import type { Db } from '../db/schema';
import { startModuleWorker } from '../runtime/module-worker';
import { lockForChunk, readChunk, recomputeRows, sqliteSlaWriter } from './recompute-chunk';
import {
  spanOf,
  stateOf,
  type FromWorker,
  type PackedChunk,
  type RowidRanges,
  type ToWorker,
  type WorkerInput,
} from './recompute-packed';
import { slaEngine } from './sla-store';

/**
 * A recompute of many tickets on SQLite, on both cores. The tickets are cut into rowid ranges of a chunk's
 * size; this thread and a worker thread (recompute-worker.ts, on its own read-only connection) each
 * take the next range in turn (an atomic counter they share). The worker reads and computes its ranges and
 * hands the changes here; this thread writes those, and reads, computes and writes its own ranges in between,
 * one transaction per range either way. On one thread, reading and computing were two thirds of a
 * million-ticket run and writing and committing the rest; should the worker fail to load or stop, this thread
 * does what is left.
 *
 * The worker reads outside the writing transaction, so a ticket may change between its read and the write of
 * its range (a push, a sweep, a transfer). Whoever changes it computes its SLA then, under the configuration of
 * that moment, which is the one this run computes under (it starts after the change): such a ticket is right
 * already, and what the worker computed from its old row is dropped. The changes are seen by a temporary
 * trigger on this connection (every store writer on SQLite is this process's one connection) that notes the
 * rowid of every ticket updated through a column other than the three SLA columns the recompute writes: every
 * other writer of a ticket sets at least one more (its version, its status, its timeline).
 */

const CHANGED_TABLE = 'sla_recompute_changed';
const WATCH_TRIGGER = 'sla_recompute_watch';
/** The only columns the recompute's own writes set (recompute-chunk.ts sqliteSlaWriter, timeline aside). */
const OWN_COLUMNS = new Set(['sla_due_ms', 'sla_state', 'sla_next_check_ms']);
/**
 * The worker's young generation (MB). Each chunk's rows, parsed timelines and outcomes live until the chunk is
 * handed over; at V8's default most of them survived two scavenges and were copied to the old generation, and
 * collecting took a third of the worker's time.
 */
const WORKER_YOUNG_MB = 192;

/**
 * How often the worker checkpoints the WAL (a range's commit adds a few MB to it). Copying the committed pages
 * into the database file and syncing it, on the thread that writes, was a quarter of its time. Only a writer
 * starts the WAL over once all of it is copied, so this thread still checkpoints every RECOMPUTE_CHECKPOINT_PAGES
 * (recompute-chunk.ts), and finds most of the work done.
 */
const WORKER_CHECKPOINT_EVERY_MS = 300;

export interface PipelineTimings {
  readMs: number;
  computeMs: number;
  writeMs: number;
  /** The worker's share of readMs and computeMs (pipelined runs). */
  workerReadMs?: number;
  workerComputeMs?: number;
  /** Time this thread waited for the worker's last ranges (pipelined runs). */
  waitMs?: number;
}

export interface PipelineHooks {
  stopped?: () => boolean;
  pause: (run: { readonly queued: number }) => Promise<void>;
  /** Tickets done so far, after each range. */
  progress: (tickets: number) => void;
  timings?: PipelineTimings;
}

export class RecomputePipeline {
  private readonly worker: Worker;
  private readonly claims: Int32Array;
  private readonly queue: PackedChunk[] = [];
  private arrived: (() => void) | null = null;
  private closed = false;
  /** Why the worker stopped before the end, if it did. */
  failed: string | null = null;
  /** Tickets done. */
  tickets = 0;
  /** Ranges the worker computed that were written. */
  workerRanges = 0;
  /** Tickets of those left as they were: they changed after the worker read them. */
  dropped = 0;
  /** What a pause sees of the run (live: read it again after waiting). */
  private readonly view = (() => {
    const queue = this.queue;
    return {
      get queued() {
        return queue.length;
      },
    };
  })();

  private constructor(
    private readonly db: Db,
    private readonly conn: SqliteBulk,
    private readonly ranges: RowidRanges,
    input: Omit<WorkerInput, 'ranges' | 'claims'>,
  ) {
    const claims = new SharedArrayBuffer(4);
    this.claims = new Int32Array(claims);
    this.worker = startModuleWorker(
      new URL('./recompute-worker', import.meta.url),
      import.meta.url,
      { ...input, ranges, claims } satisfies WorkerInput,
      { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    );
    this.worker.on('message', (m: FromWorker) => {
      if (m.kind === 'chunk') this.queue.push(m.chunk);
      else this.failed ??= m.message;
      this.wake();
    });
    this.worker.on('error', (e) => {
      this.failed ??= String(e);
      this.wake();
    });
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failed ??= `the worker exited (${code})`;
      this.wake();
    });
  }

  /**
   * Watches ticket changes and starts the worker, for the tickets there are now (one made later is computed by
   * the push that makes it). `chunk`: rowids per range, so a range never holds more tickets than a sequential
   * run's chunk (where most tickets are solved, ranges are quick).
   */
  static async start(
    db: Db,
    conn: SqliteBulk,
    file: string,
    chunk: number,
    at: number,
  ): Promise<RecomputePipeline> {
    const span = (
      await sql<{
        lo: number | null;
        hi: number | null;
      }>`SELECT min(rowid) AS lo, max(rowid) AS hi FROM tickets`.execute(db)
    ).rows[0];
    const lo = span?.lo ?? 1;
    const hi = span?.hi ?? 0;
    const ranges: RowidRanges = {
      after: lo - 1,
      width: chunk,
      count: Math.ceil(Math.max(0, hi - lo + 1) / chunk),
      last: hi,
    };
    const columns = (
      await sql<{ name: string }>`SELECT name FROM pragma_table_info('tickets')`.execute(db)
    ).rows
      .map((c) => c.name)
      .filter((c) => !OWN_COLUMNS.has(c));
    await sql.raw(`CREATE TEMP TABLE IF NOT EXISTS ${CHANGED_TABLE} (id INTEGER PRIMARY KEY)`).execute(db);
    await sql.raw(`DELETE FROM temp.${CHANGED_TABLE}`).execute(db);
    await sql
      .raw(
        `CREATE TEMP TRIGGER IF NOT EXISTS ${WATCH_TRIGGER} AFTER UPDATE OF ${columns.map((c) => `"${c}"`).join(', ')}
         ON main.tickets BEGIN INSERT OR IGNORE INTO ${CHANGED_TABLE} (id) VALUES (NEW.rowid); END`,
      )
      .execute(db);
    const config = (await slaEngine(db)).config;
    return new RecomputePipeline(db, conn, ranges, {
      file,
      config,
      at,
      ahead: 6,
      checkpointEveryMs: WORKER_CHECKPOINT_EVERY_MS,
    });
  }

  private wake(): void {
    const w = this.arrived;
    this.arrived = null;
    w?.();
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  /** Every range computed and written, or 'stopped' between two of them. */
  async run(now: () => Date, hooks: PipelineHooks): Promise<'done' | 'stopped'> {
    const { count } = this.ranges;
    const done = new Uint8Array(count);
    let remaining = count;
    let next = 0;
    for (;;) {
      if (hooks.stopped?.()) return 'stopped';
      const chunk = this.queue.shift();
      if (chunk) {
        // (A range of a worker that failed may have been done here before its chunk came: not twice.)
        if (done[chunk.range] === 1) continue;
        await this.writeChunk(chunk, hooks.timings);
        done[chunk.range] = 1;
        remaining--;
        this.post({ kind: 'credit', at: now().getTime() });
      } else if (remaining === 0) {
        return 'done';
      } else {
        // The next range nobody has taken; once the worker has failed, every one not written (its own too).
        let k = -1;
        if (this.failed === null) {
          const claimed = Atomics.add(this.claims, 0, 1);
          if (claimed < count) k = claimed;
        } else {
          while (next < count && done[next] === 1) next++;
          if (next < count) k = next;
        }
        if (k < 0) {
          // Every range is taken: the worker's last ones are on their way.
          const t0 = performance.now();
          await new Promise<void>((r) => (this.arrived = r));
          if (hooks.timings) hooks.timings.waitMs = (hooks.timings.waitMs ?? 0) + performance.now() - t0;
          continue;
        }
        await this.computeRange(k, now().getTime(), hooks.timings);
        done[k] = 1;
        remaining--;
      }
      hooks.progress(this.tickets);
      await hooks.pause(this.view);
    }
  }

  /** A range read, computed and written here, in one transaction. */
  private async computeRange(k: number, at: number, timings?: PipelineTimings): Promise<void> {
    const span = spanOf(this.ranges, k);
    await this.db.transaction().execute(async (trx) => {
      await lockForChunk(trx);
      const t0 = performance.now();
      const rows = await readChunk(this.db, trx, { ...span, limit: null }, false);
      if (timings) timings.readMs += performance.now() - t0;
      await recomputeRows(this.db, trx, rows, at, false, timings);
      this.tickets += rows.length;
    });
  }

  /** The worker's changes of one range, but for tickets someone else changed since the recompute began. */
  private async writeChunk(c: PackedChunk, timings?: PipelineTimings): Promise<void> {
    const t0 = performance.now();
    const { after, upTo } = spanOf(this.ranges, c.range);
    await this.db.transaction().execute(async (trx) => {
      await lockForChunk(trx);
      const changed = new Set(
        this.conn
          .rows<[number]>(`SELECT id FROM temp.${CHANGED_TABLE} WHERE id > ? AND id <= ?`, [after, upTo])
          .map((r) => r[0]),
      );
      const write = sqliteSlaWriter(this.conn);
      const num = (v: number) => (Number.isNaN(v) ? null : v);
      for (let i = 0; i < c.rowids.length; i++) {
        const rowid = c.rowids[i]!;
        if (changed.size > 0 && changed.has(rowid)) {
          this.dropped++;
          continue;
        }
        const due = num(c.due[i]!);
        const state = stateOf(c.states[i]!);
        if (c.moved[i] === 1) write(rowid, due, state, num(c.next[i]!), c.timelines?.[i] ?? null);
        else write(rowid, due, state);
      }
    });
    this.tickets += c.read;
    this.workerRanges++;
    if (timings) {
      timings.readMs += c.readMs;
      timings.computeMs += c.computeMs;
      timings.workerReadMs = (timings.workerReadMs ?? 0) + c.readMs;
      timings.workerComputeMs = (timings.workerComputeMs ?? 0) + c.computeMs;
      timings.writeMs += performance.now() - t0;
    }
  }

  /** Ends the worker and the watch. */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
    await sql.raw(`DROP TRIGGER IF EXISTS temp.${WATCH_TRIGGER}`).execute(this.db);
    await sql.raw(`DROP TABLE IF EXISTS temp.${CHANGED_TABLE}`).execute(this.db);
  }
}
