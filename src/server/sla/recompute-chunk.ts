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

/** A ticket of the chunk: what its SLA is computed from, and the SLA as stored. */
export interface ChunkTicket {
  /** Where the chunk goes on from, and what writeChunk finds the row by: the rowid in SQLite, else the id. */
  key: string | number;
  inputs: SlaInputs;
  dueMs: number | null;
  state: string | null;
  nextMs: number | null;
}

/** The unsolved tickets after `after` (null: from the start), up to `limit`, in the chunk's lock. */
export async function readChunk(
  db: Db,
  trx: Tx,
  after: string | number | null,
  limit: number,
): Promise<ChunkTicket[]> {
  const conn = sqliteBulk(db);
  if (!conn) return readChunkPostgres(trx, after, limit);
  const statuses = UNSOLVED_STATUSES.map(() => '?').join(', ');
  // status and created_at only for a ticket with no stored timeline: the clock runs from the timeline and the
  // policy (department, priority, channel), and the status is the WHERE's.
  const rows = conn.rows<ChunkRow>(
    `SELECT rowid, id, department_id, priority, channel,
         CASE WHEN sla_timeline IS NULL THEN status END, CASE WHEN sla_timeline IS NULL THEN created_at END,
         sla_due_ms, sla_state, sla_next_check_ms, sla_timeline
       FROM tickets WHERE status IN (${statuses}) AND deleted_at IS NULL AND rowid > ? ORDER BY rowid LIMIT ?`,
    [...UNSOLVED_STATUSES, after ?? 0, limit],
  );
  const out: ChunkTicket[] = [];
  const byId = new Map<string, SlaInputs>();
  let withoutTimeline = false;
  for (const r of rows) {
    const timeline = r[10] === null ? undefined : (JSON.parse(r[10]) as SlaTimeline);
    if (!timeline) withoutTimeline = true;
    const row: SlaTicketRow = {
      id: r[1],
      department_id: r[2],
      priority: r[3] as SlaTicketRow['priority'],
      channel: r[4] as SlaTicketRow['channel'],
      status: (r[5] ?? 'open') as SlaTicketRow['status'],
      created_at: r[6] ?? '',
    };
    const inputs: SlaInputs = { row, history: [], comments: [], fired: NONE_FIRED, timeline };
    byId.set(row.id, inputs);
    out.push({ key: r[0], inputs, dueMs: r[7], state: r[8], nextMs: r[9] });
  }
  if (out.length === 0) return out;
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
  // Events already fired, keyed as keyOf keys them, made by SQLite: due_at is always toISOString's 24
  // characters, so whole seconds plus the milliseconds' digits are its epoch ms exactly.
  let first = out[0]!.inputs.row.id;
  let last = first;
  for (const t of out) {
    if (t.inputs.row.id < first) first = t.inputs.row.id;
    if (t.inputs.row.id > last) last = t.inputs.row.id;
  }
  const events = conn.rows<[string, string]>(
    `SELECT ticket_id, target || ':' || kind || ':' ||
         (CAST(strftime('%s', due_at) AS INTEGER) * 1000 + CAST(substr(due_at, 21, 3) AS INTEGER))
       FROM sla_events WHERE ticket_id >= ? AND ticket_id <= ?`,
    [first, last],
  );
  for (const [id, key] of events) {
    const inputs = byId.get(id);
    if (!inputs) continue;
    if (inputs.fired === NONE_FIRED) inputs.fired = new Set<string>();
    (inputs.fired as Set<string>).add(key);
  }
  return out;
}

type ChunkRow = [
  rowid: number,
  id: string,
  departmentId: string,
  priority: string,
  channel: string,
  status: string | null,
  createdAt: string | null,
  dueMs: number | null,
  state: string | null,
  nextMs: number | null,
  timeline: string | null,
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
