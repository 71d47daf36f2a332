import { UNSOLVED_STATUSES } from '../../shared';
import { configVersion } from '../admin/admin-store';
import { auditedTransaction } from '../audit/audit-log';
import { sqliteBulk } from '../db/open';
import { retryConflicts } from '../db/retry';
import type { Db, Tx } from '../db/schema';
import {
  fewerCheckpoints,
  lockForChunk,
  readChunk,
  REBUILD_INDEX_FROM,
  recomputeRows,
  withoutNextCheckIndex,
} from './recompute-chunk';
import { RecomputePipeline, type PipelineTimings } from './recompute-pipeline';

/** admin_settings row: the configuration version every unsolved ticket's SLA columns were computed under. */
export const SLA_VERSION_SETTING = 'sla_version';

export async function slaVersion(trx: Tx): Promise<number | null> {
  const r = await trx
    .selectFrom('admin_settings')
    .select('value')
    .where('name', '=', SLA_VERSION_SETTING)
    .executeTakeFirst();
  return r ? Number(r.value) : null;
}

async function setSlaVersion(trx: Tx, version: number): Promise<void> {
  await trx
    .insertInto('admin_settings')
    .values({ name: SLA_VERSION_SETTING, value: String(version) })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: String(version) }))
    .execute();
}

/** admin_settings row: `<configuration version> <epoch ms>` of the recompute a node started last. */
const LEASE_SETTING = 'sla_recompute_started';
/** How long a started recompute is left to its node before another takes it over (it died, say). */
export const RECOMPUTE_LEASE_MS = 10 * 60_000;

/**
 * Whether this node should run the recompute for `version`: not when another node started one for it less than
 * RECOMPUTE_LEASE_MS ago. Read and written under the administrative lock (auditedTransaction), so of several
 * nodes that notice a new configuration at one sweep, one runs it. `force`: this node's admin made the change,
 * and runs it whatever another is doing (it may be on an older version).
 */
export async function claimRecompute(db: Db, version: number, now: Date, force = false): Promise<boolean> {
  return auditedTransaction(db, async (trx) => {
    const r = await trx
      .selectFrom('admin_settings')
      .select('value')
      .where('name', '=', LEASE_SETTING)
      .executeTakeFirst();
    const [v, at] = (r?.value ?? '').split(' ').map(Number);
    if (!force && v === version && now.getTime() - (at ?? 0) < RECOMPUTE_LEASE_MS) return false;
    const value = `${version} ${now.getTime()}`;
    await trx
      .insertInto('admin_settings')
      .values({ name: LEASE_SETTING, value })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
      .execute();
    return true;
  });
}

export interface RecomputeOptions {
  /**
   * Tickets per transaction (default 10,000; a worker's range: rowids): a push waits at most one chunk's time
   * for the store (about 0.1 s on a 2-core machine). Smaller chunks commit more often (at 5,000 a
   * million-ticket run spent a quarter of its time committing); larger ones keep more rows alive across
   * garbage collections (at 20,000 reading took a quarter longer).
   */
  chunk?: number;
  log?: (line: string) => void;
  /** Progress is logged every this many tickets (default 100,000). */
  logEvery?: number;
  /**
   * Between chunks: lets the service answer others (default a macrotask turn). `queued`: ranges the worker
   * has computed that are not written yet (pipelined runs; read live; tests change tickets then).
   */
  pause?: (run: { readonly queued: number }) => Promise<void>;
  /** Asked between chunks; true ends the run early (the service is closing). */
  stopped?: () => boolean;
  /**
   * The first computation of a store's tickets (the stored SLA version is null: the columns are new, or the
   * tickets were loaded before the service ran): events already due are recorded as carried, not escalated.
   * The engine escalates lateness that happens while it watches; a backlog it finds at its first start (an
   * upgrade, a data load) is not re-prioritised and moved wholesale. Default: whether the version is null.
   */
  baseline?: boolean;
  /**
   * SQLite: from this many tickets (ticketsToCompute) the next-check index is dropped for the run and built
   * again after it (recompute-chunk.ts withoutNextCheckIndex; default REBUILD_INDEX_FROM). Tests set it low.
   */
  rebuildIndexFrom?: number;
  /**
   * SQLite file stores: from this many tickets (ticketsToCompute), reading and computing run on a worker thread beside
   * the writing (recompute-pipeline.ts; default PIPELINE_FROM). Not for a baseline, whose carried events are
   * recorded as it reads. Tests set it low.
   */
  pipelineFrom?: number;
  /** Time spent reading, computing and writing is added here (benchmarks); waitMs: waiting for the worker. */
  timings?: PipelineTimings;
}

/** What the service's configuration may set of a recompute (app.ts `sla.recompute`; tests). */
export type RecomputeTuning = Pick<RecomputeOptions, 'chunk' | 'pause' | 'rebuildIndexFrom' | 'pipelineFrom'>;

/** Below this many tickets a recompute runs on the service's thread alone (starting a worker costs more). */
export const PIPELINE_FROM = 50_000;

export interface RecomputeResult {
  version: number;
  tickets: number;
  ms: number;
  /** Ended early (stopped), so the version was not recorded. */
  partial: boolean;
  /**
   * Pipelined runs: the ranges the worker thread read and computed, and the tickets of those that changed
   * between its read and the write (their changes computed them). Null: on this thread alone.
   */
  worker: { ranges: number; dropped: number } | null;
}

/**
 * Every unsolved ticket's SLA again under the configuration as it is now (after an admin changed a calendar or
 * policy, or after the migration that added the columns), in chunks in key order, each chunk written in one
 * transaction that holds its tickets (a push of one of them waits for the chunk, then is computed after it).
 * Solved and closed tickets keep what was computed when they were solved: their clocks have stopped. Records
 * the version when done; a change made meanwhile leaves the stored version behind the configuration's, and
 * the service runs again.
 */
export async function recomputeSla(
  db: Db,
  now: () => Date,
  opts: RecomputeOptions = {},
): Promise<RecomputeResult> {
  const started = performance.now();
  const version = await configVersion(db);
  const baseline = opts.baseline ?? (await slaVersion(db)) === null;
  const chunk = opts.chunk ?? 10_000;
  const conn = sqliteBulk(db);
  const many = conn ? await ticketsToCompute(db, baseline) : 0;
  const pipeFile = conn?.file && !baseline && many >= (opts.pipelineFrom ?? PIPELINE_FROM) ? conn.file : null;
  const restore = await fewerCheckpoints(db);
  const rebuild = await withoutNextCheckIndex(db, many >= (opts.rebuildIndexFrom ?? REBUILD_INDEX_FROM));
  let logged = 0;
  const progress = (tickets: number) => {
    const every = opts.logEvery ?? 100_000;
    if (!opts.log || tickets - logged < every) return;
    logged = tickets;
    opts.log(
      `SLA recompute (configuration version ${version}): ${tickets.toLocaleString('en')} tickets so far.`,
    );
  };
  const pause = opts.pause ?? (() => new Promise<void>((r) => setImmediate(r)));
  let worker: RecomputeResult['worker'] = null;
  let pipeline: RecomputePipeline | null = null;
  let tickets = 0;
  let stopped = false;
  try {
    if (conn && pipeFile) {
      pipeline = await RecomputePipeline.start(db, conn, pipeFile, chunk, now().getTime());
      const p = pipeline;
      stopped =
        (await p.run(now, { stopped: opts.stopped, pause, progress, timings: opts.timings })) === 'stopped';
      tickets = p.tickets;
      worker = { ranges: p.workerRanges, dropped: p.dropped };
      if (p.failed !== null)
        opts.log?.(`SLA recompute: the worker thread stopped (${p.failed}); this thread did its part.`);
    } else {
      const state = { after: null as string | number | null, tickets: 0 };
      stopped = (await walkChunks(db, now, opts, { baseline, chunk, pause, progress }, state)) === 'stopped';
      tickets = state.tickets;
    }
    if (!stopped) await setSlaVersion(db, version);
  } finally {
    await pipeline?.close();
    await rebuild();
    await restore();
  }
  // Done once the index is back: the time includes building it.
  const ms = performance.now() - started;
  if (!stopped)
    opts.log?.(
      `SLA recompute (configuration version ${version}) done: ${tickets.toLocaleString('en')} unsolved tickets in ${Math.round(ms)} ms` +
        (worker
          ? ` (${worker.ranges} of the ranges on a worker thread; ${worker.dropped} tickets changed meanwhile kept what their change computed).`
          : '.'),
    );
  return { version, tickets, ms, partial: stopped, worker };
}

/**
 * SQLite: about how many tickets a run computes, to choose how (dropping the next-check index, a worker). A
 * first computation counts the unsolved tickets (a scan: a third of a second on a million); afterwards those
 * the sweeper watches are counted on the next-check index instead (nearly every unsolved ticket; not one whose
 * events have all fired, nor a paused one).
 */
async function ticketsToCompute(db: Db, baseline: boolean): Promise<number> {
  const r = await db
    .selectFrom('tickets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .$if(baseline, (q) => q.where('status', 'in', UNSOLVED_STATUSES).where('deleted_at', 'is', null))
    .$if(!baseline, (q) => q.where('sla_next_check_ms', 'is not', null))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

interface Walk {
  baseline: boolean;
  chunk: number;
  pause: NonNullable<RecomputeOptions['pause']>;
  progress: (tickets: number) => void;
}

/** Chunks read, computed and written on this thread, each in one transaction, from `state.after` on. */
async function walkChunks(
  db: Db,
  now: () => Date,
  opts: RecomputeOptions,
  walk: Walk,
  state: { after: string | number | null; tickets: number },
): Promise<'done' | 'stopped'> {
  const { baseline, chunk } = walk;
  for (;;) {
    if (opts.stopped?.()) return 'stopped';
    const after = state.after;
    const at = now().getTime();
    // A chunk PostgreSQL ends to break a deadlock with a push (both lock tickets) is run again.
    const done = await retryConflicts(() =>
      db.transaction().execute(async (trx) => {
        await lockForChunk(trx);
        const t0 = performance.now();
        const rows = await readChunk(db, trx, { after, upTo: null, limit: chunk }, baseline);
        if (rows.length === 0) return { n: 0, last: after };
        const t1 = performance.now();
        await recomputeRows(db, trx, rows, at, baseline, opts.timings);
        if (opts.timings) opts.timings.readMs += t1 - t0;
        return { n: rows.length, last: rows[rows.length - 1]!.key };
      }),
    );
    // Moved on only once the chunk committed.
    state.after = done.last;
    state.tickets += done.n;
    if (done.n < chunk) return 'done';
    walk.progress(state.tickets);
    await walk.pause({ queued: 0 });
  }
}
