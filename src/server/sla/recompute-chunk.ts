import { sql } from 'kysely';
import { UNSOLVED_STATUSES, type SlaTimeline } from '../../shared';
import { dialectOf, sqliteBulk } from '../db/open';
import type { Db, Tx } from '../db/schema';
import {
  loadSlaInputs,
  NONE_FIRED,
  SLA_TICKET_COLUMNS,
  writeSlaColumns,
  type SlaColumns,
  type SlaInputs,
  type SlaTicketRow,
} from './sla-store';

/**
 * Reading and writing one chunk of a recompute (recompute.ts). PostgreSQL goes through Kysely. SQLite reads
 * the table itself in rowid order (through the id index every row read and written was two B-tree searches),
 * as arrays, and writes one prepared statement per changed row: on a million tickets Kysely's row objects, a
 * JSON text per write and ISO instants made half of the run.
 */

/** What a ticket with a stored timeline has for history and comments (never read, never added to). */
const NONE_READ = Object.freeze([]) as unknown as never[];

/** A ticket of the chunk: what its SLA is computed from, and the SLA as stored. */
export interface ChunkTicket {
  /** Where the chunk goes on from, and what writeChunk finds the row by: the rowid in SQLite, else the id. */
  key: string | number;
  inputs: SlaInputs;
  dueMs: number | null;
  state: string | null;
  nextMs: number | null;
}

/**
 * The unsolved tickets after `after` (null: from the start), up to `limit`, in the chunk's lock. `withIds`: every
 * ticket's id is read (a baseline records carried events by it); otherwise only where the record is read.
 */
export async function readChunk(
  db: Db,
  trx: Tx,
  after: string | number | null,
  limit: number,
  withIds: boolean,
): Promise<ChunkTicket[]> {
  const conn = sqliteBulk(db);
  if (!conn) return readChunkPostgres(trx, after, limit);
  const statuses = UNSOLVED_STATUSES.map(() => '?').join(', ');
  // status and created_at only for a ticket with no stored timeline: the clock runs from the timeline and the
  // policy (department, priority, channel), and the status is the WHERE's; the id only when something is written
  // by it (a baseline's carried events) or the record must be read. The events already fired come as one text per
  // ticket, keyed as keyOf keys them, made by SQLite (one seek of their key each: reading them as a range and
  // matching them to tickets here cost more): due_at is always toISOString's 24 characters, so whole seconds
  // plus the milliseconds' digits are its epoch ms exactly. Only a ticket stored in warning or breach has any
  // that can matter: a fired event counts while its target is neither met nor paused and its due time the same,
  // and then the stored state is at least a warning. Should it not be (a policy's warning moved later), the
  // event counts as not fired, and the sweeper's claim of it finds it fired and computes the ticket again.
  const rows = conn.rows<ChunkRow>(
    `SELECT rowid, CASE WHEN ? OR sla_timeline IS NULL THEN id END, department_id, priority, channel,
         CASE WHEN sla_timeline IS NULL THEN status END, CASE WHEN sla_timeline IS NULL THEN created_at END,
         sla_due_ms, sla_state, sla_next_check_ms, sla_timeline,
         CASE WHEN sla_state IN ('warning', 'breached') THEN
           (SELECT group_concat(e.target || ':' || e.kind || ':' ||
              (CAST(strftime('%s', e.due_at) AS INTEGER) * 1000 + CAST(substr(e.due_at, 21, 3) AS INTEGER)), ' ')
            FROM sla_events e WHERE e.ticket_id = tickets.id) END
       FROM tickets WHERE status IN (${statuses}) AND deleted_at IS NULL AND rowid > ? ORDER BY rowid LIMIT ?`,
    [withIds ? 1 : 0, ...UNSOLVED_STATUSES, after ?? 0, limit],
  );
  const out: ChunkTicket[] = [];
  let withoutTimeline = false;
  for (const r of rows) {
    const timeline = r[10] === null ? undefined : (JSON.parse(r[10]) as SlaTimeline);
    if (!timeline) withoutTimeline = true;
    const row: SlaTicketRow = {
      id: r[1] ?? '',
      department_id: r[2],
      priority: r[3] as SlaTicketRow['priority'],
      channel: r[4] as SlaTicketRow['channel'],
      status: (r[5] ?? 'open') as SlaTicketRow['status'],
      created_at: r[6] ?? '',
    };
    const fired = r[11] === null ? NONE_FIRED : new Set(r[11].split(' '));
    // The record is not read for a ticket with a timeline: one shared empty list, not two new ones per ticket.
    const inputs: SlaInputs = timeline
      ? {
          row,
          history: NONE_READ,
          comments: NONE_READ,
          fired,
          timeline,
        }
      : { row, history: [], comments: [], fired, timeline };
    out.push({ key: r[0], inputs, dueMs: r[7], state: r[8], nextMs: r[9] });
  }
  if (withoutTimeline) {
    // A first computation after the upgrade, or data loaded before the service ran: the record is read.
    const missing = out.filter((t) => !t.inputs.timeline);
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
  return out;
}

type ChunkRow = [
  rowid: number,
  /** Null unless asked for (withIds) or the ticket has no stored timeline. */
  id: string | null,
  departmentId: string,
  priority: string,
  channel: string,
  status: string | null,
  createdAt: string | null,
  dueMs: number | null,
  state: string | null,
  nextMs: number | null,
  timeline: string | null,
  /** keyOf keys of the events in sla_events, space-separated; null: none. */
  fired: string | null,
];

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
 * Writes the chunk's changes. `moved`: tickets whose next check moved (or whose timeline was computed);
 * `dueOnly`: tickets whose due time or state changed but not their next check, written without it so the
 * next-check index (scattered over the whole table in time order) is not rewritten for them.
 */
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
  conn.runEach(
    `UPDATE tickets SET sla_due_ms = ?, sla_state = ?, sla_next_check_ms = ?,
       sla_timeline = coalesce(?, sla_timeline) WHERE rowid = ?`,
    moved.map(([key, due, state, next, timeline]) => [due, state, next, timeline, key]),
  );
  conn.runEach(
    'UPDATE tickets SET sla_due_ms = ?, sla_state = ? WHERE rowid = ?',
    dueOnly.map(([key, due, state]) => [due, state, key]),
  );
}

/** The SQLite write lock, taken first (see escalate.ts takeTicket) so a push queues behind the chunk. */
export async function lockForChunk(trx: Tx): Promise<void> {
  if (dialectOf(trx) === 'sqlite')
    await sql`UPDATE admin_settings SET value = value WHERE name = 'config_version'`.execute(trx);
}

/** WAL pages between automatic checkpoints while a recompute runs (64 MB of 4 KiB pages; SQLite's default is 1,000). */
const RECOMPUTE_CHECKPOINT_PAGES = 16_384;

/**
 * SQLite: checkpoints less often while a recompute runs, and returns what puts the setting back. Each chunk
 * rewrites the pages of the next-check index it touched, scattered over the index; at the default a
 * checkpoint (copying the WAL into the database and syncing it) followed nearly every chunk: a quarter of a
 * million-ticket run, where checkpointing every 64 MB took a sixth. PostgreSQL: nothing to do.
 */
export async function fewerCheckpoints(db: Db): Promise<() => Promise<void>> {
  if (dialectOf(db) !== 'sqlite') return async () => {};
  const r = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db);
  const before = Number(r.rows[0]?.wal_autocheckpoint ?? 1000);
  if (before >= RECOMPUTE_CHECKPOINT_PAGES || before <= 0) return async () => {};
  await sql.raw(`PRAGMA wal_autocheckpoint = ${RECOMPUTE_CHECKPOINT_PAGES}`).execute(db);
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
export async function withoutNextCheckIndex(db: Db, from = REBUILD_INDEX_FROM): Promise<() => Promise<void>> {
  // Counted only where the index is ever dropped: PostgreSQL keeps it whatever the number.
  if (dialectOf(db) !== 'sqlite') return async () => {};
  const r = await db
    .selectFrom('tickets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', UNSOLVED_STATUSES)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(r?.n ?? 0) < from) return async () => {};
  await sql.raw(`DROP INDEX IF EXISTS ${NEXT_CHECK_INDEX}`).execute(db);
  return () => ensureNextCheckIndex(db);
}

/** Below this many unsolved tickets the index is kept current as the rows change (cheap at that size). */
export const REBUILD_INDEX_FROM = 50_000;

/** The index the sweeper finds due tickets by, as migration 0019 made it. */
export const NEXT_CHECK_INDEX = 'tickets_sla_next_check';

export async function ensureNextCheckIndex(db: Db): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  await sql.raw(`CREATE INDEX IF NOT EXISTS ${NEXT_CHECK_INDEX} ON tickets (sla_next_check_ms)`).execute(db);
}
