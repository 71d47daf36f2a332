import { sql } from 'kysely';
import { SlaEngine } from '../../shared';
import { configVersion, readConfig } from '../admin/admin-store';
import { idList } from '../db/id-list';
import { dialectOf } from '../db/open';
import type { Db, Tx } from '../db/schema';
import { evaluateSla, markFired, NONE_FIRED, type SlaInputs, type SlaTicketRow } from './sla-evaluate';

/**
 * The service's side of the SLA clock: a ticket's SLA from its row, status history and public comments, with the
 * same shared SlaEngine the desktops run offline, stored on the ticket (sla_due_ms, sla_state,
 * sla_next_check_ms) for the list and for the sweeper (sla-service.ts). Nothing here reads the system clock.
 */

/**
 * What the SLA of these tickets is computed from, read in four queries whatever their number. `rows`: the
 * tickets' rows when the caller has them, in key order (a recompute's chunk): then history, comments and events
 * are read as one range of their ticket_id index, from the first id to the last, instead of one index search
 * per ticket (rows of tickets in the range but not in `rows`, solved ones, are read and left).
 */
export async function loadSlaInputs(
  trx: Tx,
  ids: readonly string[],
  rows?: readonly SlaTicketRow[],
  /** false: the caller has every ticket's stored timeline, so history and comments are not read. */
  record = true,
): Promise<Map<string, SlaInputs>> {
  const out = new Map<string, SlaInputs>();
  if (ids.length === 0) return out;
  let first: string | undefined;
  let last: string | undefined;
  for (const r of rows ?? []) {
    if (first === undefined || r.id < first) first = r.id;
    if (last === undefined || r.id > last) last = r.id;
  }
  const byRange = first !== undefined && last !== undefined;
  const tickets =
    rows ??
    (await trx
      .selectFrom('tickets')
      .select(SLA_TICKET_COLUMNS)
      .where('id', 'in', idList(trx, ids))
      // A deleted ticket has no clock (tickets/delete-ticket.ts), whatever changed it earlier in the push.
      .where('deleted_at', 'is', null)
      .execute());
  for (const row of tickets) out.set(row.id, { row, history: [], comments: [], fired: NONE_FIRED });
  // Rows are selected in the shape the clock takes and kept as they are: a recompute reads millions.
  const history = !record
    ? []
    : await trx
        .selectFrom('ticket_history')
        .select(['ticket_id', 'field', 'from_value as from', 'to_value as to', 'at'])
        .$if(byRange, (q) => q.where('ticket_id', '>=', first!).where('ticket_id', '<=', last!))
        .$if(!byRange, (q) => q.where('ticket_id', 'in', idList(trx, ids)))
        .where('field', '=', 'status')
        .execute();
  for (const h of history) out.get(h.ticket_id)?.history.push(h);
  // Internal notes never answer the customer: only public comments count.
  const comments = !record
    ? []
    : await trx
        .selectFrom('ticket_comments')
        .select(['ticket_id', 'author_id as authorId', 'created_at as createdAt'])
        .$if(byRange, (q) => q.where('ticket_id', '>=', first!).where('ticket_id', '<=', last!))
        .$if(!byRange, (q) => q.where('ticket_id', 'in', idList(trx, ids)))
        .where('internal', '=', 0)
        .execute();
  for (const c of comments) out.get(c.ticket_id)?.comments.push(c);
  const events = await trx
    .selectFrom('sla_events')
    .select(['ticket_id', 'target', 'kind', 'due_at'])
    .$if(byRange, (q) => q.where('ticket_id', '>=', first!).where('ticket_id', '<=', last!))
    .$if(!byRange, (q) => q.where('ticket_id', 'in', idList(trx, ids)))
    .execute();
  for (const e of events) {
    const input = out.get(e.ticket_id);
    if (input) markFired(input, { target: e.target, kind: e.kind, dueAt: Date.parse(e.due_at) });
  }
  return out;
}

export const SLA_TICKET_COLUMNS = [
  'id',
  'department_id',
  'priority',
  'channel',
  'status',
  'created_at',
] as const;

export type SlaColumns = [
  /** The ticket's id, or in SQLite its rowid (a recompute walks the table in rowid order: no index lookups). */
  id: string | number,
  dueAt: number | null,
  state: string | null,
  nextCheckAt: number | null,
  /** The timeline JSON to store, or null to leave the stored one. */
  timeline: string | null,
];

/**
 * Writes the SLA columns of many tickets in one statement. They are the service's own reading (desktops compute
 * theirs from the same data), so the ticket's version and the change stream stay as they are: no replica pulls.
 * `nextUnchanged`: rows whose sla_next_check_ms is as stored, written without it, so its index (scattered over
 * the whole table in time order) is not rewritten for them: that was most of a million-ticket recompute's writes.
 */
export async function writeSlaColumns(
  trx: Tx,
  rows: readonly SlaColumns[],
  nextUnchanged = false,
): Promise<void> {
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
    const part = rows.slice(i, i + WRITE_CHUNK);
    // A stored timeline is left as it is (COALESCE): a recompute writes only due times.
    if (dialectOf(trx) === 'postgres') {
      const col = (k: number) => part.map((r) => r[k]);
      const next = nextUnchanged ? sql`` : sql`, sla_next_check_ms = u.next`;
      await sql`
        UPDATE tickets AS t SET sla_due_ms = u.due, sla_state = u.state ${next},
          sla_timeline = COALESCE(u.timeline, t.sla_timeline)
        FROM unnest(${col(0)}::text[], ${col(1)}::bigint[], ${col(2)}::text[], ${col(3)}::bigint[],
          ${col(4)}::text[]) AS u(id, due, state, next, timeline)
        WHERE t.id = u.id`.execute(trx);
    } else {
      // One JSON text, one prepared statement whatever the count (as db/id-list.ts); UPDATE ... FROM needs
      // SQLite 3.33, which better-sqlite3 has bundled for years.
      const next = nextUnchanged ? sql`` : sql`, sla_next_check_ms = u.value ->> 3`;
      const timeline = part.some((r) => r[4] !== null)
        ? sql`, sla_timeline = COALESCE(u.value ->> 4, tickets.sla_timeline)`
        : sql``;
      const key = typeof part[0]![0] === 'number' ? sql`tickets.rowid` : sql`tickets.id`;
      await sql`
        UPDATE tickets SET sla_due_ms = u.value ->> 1, sla_state = u.value ->> 2 ${next} ${timeline}
        FROM json_each(${JSON.stringify(part)}) AS u
        WHERE ${key} = u.value ->> 0`.execute(trx);
    }
  }
}

const WRITE_CHUNK = 5000;

/**
 * One SlaEngine per database and configuration version, so calendar indexes are built once per configuration,
 * not per ticket. The version is read in the caller's transaction: a change an admin made on any node is seen.
 */
const engines = new WeakMap<Db, SlaEngine>();

export async function slaEngine(db: Db, trx: Tx = db): Promise<SlaEngine> {
  const version = await configVersion(trx);
  const known = engines.get(db);
  if (known && known.config.version === version) return known;
  const engine = new SlaEngine(await readConfig(trx));
  engines.set(db, engine);
  return engine;
}

/** Computes and stores the SLA of these tickets at `now` (a push's, in its transaction). */
export async function refreshTicketSla(db: Db, trx: Tx, ids: Iterable<string>, now: Date): Promise<void> {
  const list = [...new Set(ids)];
  if (list.length === 0) return;
  const engine = await slaEngine(db, trx);
  const inputs = await loadSlaInputs(trx, list);
  const at = now.getTime();
  const out: SlaColumns[] = [];
  for (const [id, input] of inputs) {
    const o = evaluateSla(engine, input, at);
    out.push([id, o.dueAt, o.state, o.nextCheckAt, o.timeline]);
  }
  await writeSlaColumns(trx, out);
}
