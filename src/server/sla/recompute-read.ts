import { UNSOLVED_STATUSES } from '../../shared/domain/ticket-rules';
import type { SlaTimeline } from '../../shared/sla';
import { NONE_FIRED, type SlaInputs, type SlaOutcome, type SlaTicketRow } from './sla-evaluate';

/**
 * One chunk of a recompute read from SQLite, as arrays and in rowid order (through the id index every row read
 * and written was two B-tree searches; Kysely's row objects and ISO instants were a quarter of a million-ticket
 * run). Store-free: the service's thread runs it on its connection (recompute-chunk.ts), the recompute's worker
 * thread on its own (recompute-worker.ts).
 */

/** Runs a SELECT and returns its rows as arrays. */
export type RowsOf = <Row extends unknown[]>(source: string, params: readonly unknown[]) => Row[];

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

/** Tickets by rowid: after `after` (null: from the start), up to `upTo` (null: the end), at most `limit`. */
export interface RowidSpan {
  after: number | null;
  upTo: number | null;
  /** null: all in the span. */
  limit: number | null;
}

/**
 * The unsolved tickets of the span, in rowid order. `withIds`: every ticket's id is read (a baseline records
 * carried events by it); otherwise only where the record must be read. A ticket without a stored timeline comes
 * with empty history and comments, for the caller to read (recompute-chunk.ts readRecords).
 */
export function readSqliteChunk(rowsOf: RowsOf, span: RowidSpan, withIds: boolean): ChunkTicket[] {
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
  const rows = rowsOf<ChunkRow>(
    `SELECT rowid, CASE WHEN ? OR sla_timeline IS NULL THEN id END, department_id, priority, channel,
         CASE WHEN sla_timeline IS NULL THEN status END, CASE WHEN sla_timeline IS NULL THEN created_at END,
         sla_due_ms, sla_state, sla_next_check_ms, sla_timeline,
         CASE WHEN sla_state IN ('warning', 'breached') THEN
           (SELECT group_concat(e.target || ':' || e.kind || ':' ||
              (CAST(strftime('%s', e.due_at) AS INTEGER) * 1000 + CAST(substr(e.due_at, 21, 3) AS INTEGER)), ' ')
            FROM sla_events e WHERE e.ticket_id = tickets.id) END
       FROM tickets WHERE status IN (${statuses}) AND deleted_at IS NULL AND rowid > ? AND rowid <= ?
       ORDER BY rowid LIMIT ?`,
    // LIMIT -1: no limit.
    [
      withIds ? 1 : 0,
      ...UNSOLVED_STATUSES,
      span.after ?? 0,
      span.upTo ?? Number.MAX_SAFE_INTEGER,
      span.limit ?? -1,
    ],
  );
  const out: ChunkTicket[] = [];
  for (const r of rows) {
    const timeline = r[10] === null ? undefined : (JSON.parse(r[10]) as SlaTimeline);
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

/** What a recompute writes for a ticket: nothing (as stored), its due time and state, or with its next check. */
export type ChunkChange = 'none' | 'due' | 'moved';

/**
 * `moved`: its next check moved (or its timeline was computed); `due`: its due time or state changed but not
 * its next check, written without it so the next-check index (scattered over the whole table in time order)
 * is not rewritten for it. A calendar edit moves some tickets' due times, not all.
 */
export function changeOf(t: ChunkTicket, o: SlaOutcome): ChunkChange {
  if (o.nextCheckAt !== t.nextMs || o.timeline !== null) return 'moved';
  return o.dueAt !== t.dueMs || o.state !== t.state ? 'due' : 'none';
}
