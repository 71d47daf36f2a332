import { sql, type Insertable } from 'kysely';
import { UNSOLVED_STATUSES, type SlaTimeline } from '../../shared';
import { dialectOf, sqliteBulk, type SqliteBulk } from '../db/open';
import type { Database, Db, Tx } from '../db/schema';
import { changeOf, readSqliteChunk, type ChunkTicket } from './recompute-read';
import { evaluateSla, markFired } from './sla-evaluate';
import { loadSlaInputs, SLA_TICKET_COLUMNS, slaEngine, writeSlaColumns, type SlaColumns } from './sla-store';

/**
 * Reading and writing one chunk of a recompute (recompute.ts). PostgreSQL goes through Kysely. SQLite reads
 * the table itself in rowid order (recompute-read.ts) and writes one prepared statement per changed row: on a
 * million tickets Kysely's row objects, a JSON text per write and ISO instants made half of the run.
 */

/**
 * The unsolved tickets of the span, in the chunk's lock: keys are rowids in SQLite, ids in PostgreSQL (which
 * reads by `after` and `limit` only). `withIds`: every ticket's id is read (a baseline records carried events by
 * it); otherwise only where the record is read.
 */
export async function readChunk(
  db: Db,
  trx: Tx,
  span: { after: string | number | null; upTo: number | null; limit: number | null },
  withIds: boolean,
): Promise<ChunkTicket[]> {
  const conn = sqliteBulk(db);
  if (!conn) return readChunkPostgres(trx, span.after, span.limit ?? 10_000);
  const out = readSqliteChunk(conn.rows, { ...span, after: span.after as number | null }, withIds);
  await readRecords(trx, out);
  return out;
}

/**
 * Computes the chunk's tickets at `at` and writes what changed, in the caller's transaction. `baseline`: the
 * events already due are recorded as carried (recompute.ts RecomputeOptions.baseline).
 */
export async function recomputeRows(
  db: Db,
  trx: Tx,
  rows: readonly ChunkTicket[],
  at: number,
  baseline: boolean,
  timings?: { computeMs: number; writeMs: number },
): Promise<void> {
  const engine = await slaEngine(db, trx);
  const t1 = performance.now();
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
    const change = changeOf(r, o);
    if (change === 'moved') out.push([r.key, o.dueAt, o.state, o.nextCheckAt, o.timeline]);
    else if (change === 'due') dueOnly.push([r.key, o.dueAt, o.state, o.nextCheckAt, null]);
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
  if (timings) {
    timings.computeMs += t2 - t1;
    timings.writeMs += performance.now() - t2;
  }
}

/**
 * The record (history, public comments) of the tickets read without a stored timeline: a first computation
 * after the upgrade, or data loaded before the service ran.
 */
export async function readRecords(trx: Tx, tickets: readonly ChunkTicket[]): Promise<void> {
  const missing = tickets.filter((t) => !t.inputs.timeline);
  if (missing.length === 0) return;
  const record = await loadSlaInputs(
    trx,
    missing.map((t) => t.inputs.row.id),
    missing.map((t) => t.inputs.row),
  );
  for (const t of missing) {
    const r = record.get(t.inputs.row.id)!;
    t.inputs.history = r.history;
    t.inputs.comments = r.comments;
  }
}

async function readChunkPostgres(
  trx: Tx,
  after: string | number | null,
  limit: number,
): Promise<ChunkTicket[]> {
  const rows = await trx
    .selectFrom('tickets')
    .select([...SLA_TICKET_COLUMNS, 'sla_due_ms', 'sla_state', 'sla_next_check_ms', 'sla_timeline'])
    .where('status', 'in', UNSOLVED_STATUSES)
    .where('deleted_at', 'is', null)
    .$if(after !== null, (q) => q.where('id', '>', String(after)))
    .orderBy('id')
    .limit(limit)
    // The chunk's rows, so a push of one of them waits for the chunk (and is computed after it).
    .forUpdate()
    .execute();
  if (rows.length === 0) return [];
  // Tickets keep their timeline with every change: the record is read only for those without one.
  const inputs = await loadSlaInputs(
    trx,
    rows.map((r) => r.id),
    rows,
    rows.some((r) => r.sla_timeline === null),
  );
  return rows.map((r) => {
    const i = inputs.get(r.id)!;
    if (r.sla_timeline !== null) i.timeline = JSON.parse(r.sla_timeline) as SlaTimeline;
    return { key: r.id, inputs: i, dueMs: r.sla_due_ms, state: r.sla_state, nextMs: r.sla_next_check_ms };
  });
}

/**
 * SQLite: one row's SLA columns by rowid (undefined `next`: a `due` change, the next check left as stored).
 * The timeline is set only where one was computed: the SLA columns alone are what a recompute ever writes,
 * which is how a pipelined one tells its writes from everyone else's (recompute-pipeline.ts).
 */
export function sqliteSlaWriter(
  conn: SqliteBulk,
): (
  rowid: number,
  due: number | null,
  state: string | null,
  next?: number | null,
  timeline?: string | null,
) => void {
  const moved = conn.statement(
    'UPDATE tickets SET sla_due_ms = ?, sla_state = ?, sla_next_check_ms = ? WHERE rowid = ?',
  );
  const withTimeline = conn.statement(
    'UPDATE tickets SET sla_due_ms = ?, sla_state = ?, sla_next_check_ms = ?, sla_timeline = ? WHERE rowid = ?',
  );
  const dueOnly = conn.statement('UPDATE tickets SET sla_due_ms = ?, sla_state = ? WHERE rowid = ?');
  return (rowid, due, state, next, timeline) => {
    if (next === undefined) dueOnly(due, state, rowid);
    else if (timeline == null) moved(due, state, next, rowid);
    else withTimeline(due, state, next, timeline, rowid);
  };
}

/** Writes the chunk's changes: `moved` and `dueOnly` as changeOf sorts them. */
export async function writeChunk(
  db: Db,
  trx: Tx,
  moved: readonly SlaColumns[],
  dueOnly: readonly SlaColumns[],
): Promise<void> {
  const conn = sqliteBulk(db);
  if (!conn || dialectOf(trx) === 'postgres') {
    await writeSlaColumns(trx, moved);
    await writeSlaColumns(trx, dueOnly, true);
    return;
  }
  const write = sqliteSlaWriter(conn);
  for (const [key, due, state, next, timeline] of moved) write(Number(key), due, state, next, timeline);
  for (const [key, due, state] of dueOnly) write(Number(key), due, state);
}

/** The SQLite write lock, taken first (see escalate.ts takeTicket) so a push queues behind the chunk. */
export async function lockForChunk(trx: Tx): Promise<void> {
  if (dialectOf(trx) === 'sqlite')
    await sql`UPDATE admin_settings SET value = value WHERE name = 'config_version'`.execute(trx);
}

/** WAL pages between automatic checkpoints while a recompute runs (64 MB of 4 KiB pages; SQLite's default is 1,000). */
export const RECOMPUTE_CHECKPOINT_PAGES = 16_384;

/**
 * SQLite: checkpoints less often while a recompute runs (every `pages` WAL pages), and returns what puts the
 * setting back. Each chunk rewrites the pages of the tickets it changed; at the default a checkpoint (copying
 * the WAL into the database and syncing it) followed nearly every chunk: a quarter of a million-ticket run,
 * where checkpointing every 64 MB took a sixth. PostgreSQL: nothing to do.
 */
export async function fewerCheckpoints(
  db: Db,
  pages = RECOMPUTE_CHECKPOINT_PAGES,
): Promise<() => Promise<void>> {
  if (dialectOf(db) !== 'sqlite') return async () => {};
  const r = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db);
  const before = Number(r.rows[0]?.wal_autocheckpoint ?? 1000);
  if (before >= pages || before <= 0) return async () => {};
  await sql.raw(`PRAGMA wal_autocheckpoint = ${pages}`).execute(db);
  return async () => {
    await sql.raw(`PRAGMA wal_autocheckpoint = ${before}`).execute(db);
  };
}

/**
 * SQLite, a recompute of many tickets: the next-check index is dropped for the run and built again at its end.
 * Rows whose next check moves are scattered all over that index, so keeping it current cost a random index
 * page per moved ticket in every chunk's commit; building it once from the table is one sort. Meanwhile the
 * sweeper reads the table without it (a scan: slower, still right). `restore` builds it; a run cut short by a
 * crash is run again at the next start (its version was not recorded), and ensureNextCheckIndex at service
 * start builds it in any case.
 */
export async function withoutNextCheckIndex(db: Db, many: boolean): Promise<() => Promise<void>> {
  // PostgreSQL keeps it whatever the number.
  if (dialectOf(db) !== 'sqlite' || !many) return async () => {};
  await sql.raw(`DROP INDEX IF EXISTS ${NEXT_CHECK_INDEX}`).execute(db);
  return () => ensureNextCheckIndex(db);
}

/** Below this many unsolved tickets the index is kept current as the rows change (cheap at that size). */
export const REBUILD_INDEX_FROM = 50_000;

/** The index the sweeper finds due tickets by, as migration 0019 made it. */
export const NEXT_CHECK_INDEX = 'tickets_sla_next_check';

export async function ensureNextCheckIndex(db: Db): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  // One helper thread for the sort that builds it (SQLite's own; none by default): a million tickets' index in
  // 0.9 to 1.1 s instead of 1.3 to 1.6 s.
  await sql.raw('PRAGMA threads = 1').execute(db);
  try {
    await sql
      .raw(`CREATE INDEX IF NOT EXISTS ${NEXT_CHECK_INDEX} ON tickets (sla_next_check_ms)`)
      .execute(db);
  } finally {
    await sql.raw('PRAGMA threads = 0').execute(db);
  }
}
