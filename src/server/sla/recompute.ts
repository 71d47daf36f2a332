import type { Insertable } from 'kysely';
import { configVersion } from '../admin/admin-store';
import { auditedTransaction } from '../audit/audit-log';
import { retryConflicts } from '../db/retry';
import type { Database, Db, Tx } from '../db/schema';
import {
  fewerCheckpoints,
  lockForChunk,
  readChunk,
  withoutNextCheckIndex,
  writeChunk,
} from './recompute-chunk';
import { evaluateSla, markFired, slaEngine, type SlaColumns } from './sla-store';

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
   * Tickets per transaction (default 10,000): a push waits at most one chunk's time for the store (about 0.1 s
   * on a 2-core machine). Smaller chunks commit more often, and each commit writes the pages of the
   * sla_next_check_ms index it touched, which are scattered (at 5,000 a million-ticket run spent a quarter of its
   * time committing); larger ones keep more rows alive across garbage collections (at 20,000 reading took a
   * quarter longer).
   */
  chunk?: number;
  log?: (line: string) => void;
  /** Progress is logged every this many tickets (default 100,000). */
  logEvery?: number;
  /** Between chunks: lets the service answer others (default a macrotask turn). */
  pause?: () => Promise<void>;
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
   * SQLite: from this many unsolved tickets the next-check index is dropped for the run and built again after
   * it (recompute-chunk.ts withoutNextCheckIndex; default REBUILD_INDEX_FROM). Tests set it low.
   */
  rebuildIndexFrom?: number;
  /** Time spent reading, computing and writing is added here (benchmarks). */
  timings?: { readMs: number; computeMs: number; writeMs: number };
}

export interface RecomputeResult {
  version: number;
  tickets: number;
  ms: number;
  /** Ended early (stopped), so the version was not recorded. */
  partial: boolean;
}

/**
 * Every unsolved ticket's SLA again under the configuration as it is now (after an admin changed a calendar or
 * policy, or after the migration that added the columns), in chunks in key order, each chunk read, computed
 * and written in one transaction that holds its tickets (a push of one of them waits for the chunk, then is
 * computed after it). Solved and closed tickets keep what was computed when they were solved: their clocks
 * have stopped. Records the version when done; a change made meanwhile leaves the stored version behind the
 * configuration's, and the service runs again.
 */
export async function recomputeSla(
  db: Db,
  now: () => Date,
  opts: RecomputeOptions = {},
): Promise<RecomputeResult> {
  const started = performance.now();
  const version = await configVersion(db);
  const baseline = opts.baseline ?? (await slaVersion(db)) === null;
  const restore = await fewerCheckpoints(db);
  const rebuild = await withoutNextCheckIndex(db, opts.rebuildIndexFrom);
  let result: RecomputeResult;
  try {
    result = await recomputeChunks(db, now, opts, { version, baseline, started });
  } finally {
    await rebuild();
    await restore();
  }
  // Done once the index is back: the time includes building it.
  const ms = performance.now() - started;
  if (!result.partial)
    opts.log?.(
      `SLA recompute (configuration version ${version}) done: ${result.tickets.toLocaleString('en')} unsolved tickets in ${Math.round(ms)} ms.`,
    );
  return { ...result, ms };
}

async function recomputeChunks(
  db: Db,
  now: () => Date,
  opts: RecomputeOptions,
  run: { version: number; baseline: boolean; started: number },
): Promise<RecomputeResult> {
  const { version, baseline, started } = run;
  const chunk = opts.chunk ?? 10_000;
  const logEvery = opts.logEvery ?? 100_000;
  const pause = opts.pause ?? (() => new Promise<void>((r) => setImmediate(r)));
  let after: string | number | null = null;
  let tickets = 0;
  let logged = 0;
  for (;;) {
    if (opts.stopped?.()) return { version, tickets, ms: performance.now() - started, partial: true };
    const at = now().getTime();
    // A chunk PostgreSQL ends to break a deadlock with a push (both lock tickets) is run again.
    const done = await retryConflicts(() =>
      db.transaction().execute(async (trx) => {
        await lockForChunk(trx);
        const t0 = performance.now();
        const rows = await readChunk(db, trx, after, chunk, baseline);
        if (rows.length === 0) return { n: 0, last: after };
        const engine = await slaEngine(db, trx);
        const t1 = performance.now();
        // Only what changed is written: a calendar edit moves some tickets' due times, not all.
        const out: SlaColumns[] = [];
        const dueOnly: SlaColumns[] = [];
        const carried: Insertable<Database['sla_events']>[] = [];
        for (const r of rows) {
          const input = r.inputs;
          let o = evaluateSla(engine, input, at);
          if (baseline && o.due.length > 0) {
            for (const e of o.due) {
              carried.push({
                ticket_id: input.row.id,
                target: e.target,
                kind: e.kind,
                due_at: new Date(e.dueAt).toISOString(),
                at: new Date(at).toISOString(),
                policy_id: o.sla!.policy.id,
                carried: 1,
              });
              markFired(input, e);
            }
            o = evaluateSla(engine, input, at);
          }
          if (o.nextCheckAt !== r.nextMs || o.timeline !== null)
            out.push([r.key, o.dueAt, o.state, o.nextCheckAt, o.timeline]);
          else if (o.dueAt !== r.dueMs || o.state !== r.state)
            dueOnly.push([r.key, o.dueAt, o.state, o.nextCheckAt, null]);
        }
        const t2 = performance.now();
        await writeChunk(db, trx, out, dueOnly);
        // 7 columns: 1,000 rows are 7,000 bound values, under either store's limit.
        for (let i = 0; i < carried.length; i += 1000)
          await trx
            .insertInto('sla_events')
            .values(carried.slice(i, i + 1000))
            .onConflict((oc) => oc.columns(['ticket_id', 'target', 'kind', 'due_at']).doNothing())
            .execute();
        if (opts.timings) {
          opts.timings.readMs += t1 - t0;
          opts.timings.computeMs += t2 - t1;
          opts.timings.writeMs += performance.now() - t2;
        }
        return { n: rows.length, last: rows[rows.length - 1]!.key };
      }),
    );
    // Moved on only once the chunk committed.
    const n = done.n;
    after = done.last;
    tickets += n;
    if (n < chunk) break;
    if (opts.log && tickets - logged >= logEvery) {
      logged = tickets;
      opts.log(
        `SLA recompute (configuration version ${version}): ${tickets.toLocaleString('en')} tickets so far.`,
      );
    }
    await pause();
  }
  await setSlaVersion(db, version);
  return { version, tickets, ms: performance.now() - started, partial: false };
}
