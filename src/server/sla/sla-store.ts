import { sql } from 'kysely';
import {
  slaTimeline,
  SlaEngine,
  type SlaComment,
  type SlaHistory,
  type SlaTargetKind,
  type SlaTicket,
  type SlaTimeline,
  type TicketSla,
} from '../../shared';
import { configVersion, readConfig } from '../admin/admin-store';
import { idList } from '../db/id-list';
import { dialectOf } from '../db/open';
import type { Database, Db, Tx } from '../db/schema';

/**
 * The service's side of the SLA clock: a ticket's SLA from its row, status history and public comments, with the
 * same shared SlaEngine the desktops run offline, stored on the ticket (sla_due_ms, sla_state,
 * sla_next_check_ms) for the list and for the sweeper (sla-service.ts). Nothing here reads the system clock.
 */

export type SlaEventKind = 'warning' | 'breach';

/** A warning or breach of one target, keyed as sla_events and SlaAlert key it (by the target's due time). */
export interface SlaEvent {
  target: SlaTargetKind;
  kind: SlaEventKind;
  dueAt: number;
  /** The instant it happens: warnAt for a warning, just after dueAt for a breach (breached means now > dueAt). */
  at: number;
}

/** An event's key in SlaInputs.fired: by epoch ms, so no date is formatted to look one up. */
export const keyOf = (e: Pick<SlaEvent, 'target' | 'kind' | 'dueAt'>) => `${e.target}:${e.kind}:${e.dueAt}`;

/** The columns of a ticket its SLA is computed from. */
export type SlaTicketRow = Pick<
  Database['tickets'],
  'id' | 'department_id' | 'priority' | 'status' | 'created_at'
> & {
  channel: SlaTicket['channel'];
};

export interface SlaInputs {
  row: SlaTicketRow;
  history: SlaHistory[];
  /** Public comments only (internal is left out: every one is public). */
  comments: Omit<SlaComment, 'internal'>[];
  /** Keys (keyOf) of the events already in sla_events (add with markFired: an empty one is shared). */
  fired: ReadonlySet<string>;
  /**
   * The timeline as stored with the ticket's last change (sla_timeline), when the record was not read: a
   * calendar or policy edit changes due times, not timelines.
   */
  timeline?: SlaTimeline;
}

/** The fired set of tickets with none: one for all (a recompute reads a million tickets, most with none). */
export const NONE_FIRED: ReadonlySet<string> = new Set();

/** Records in `inputs` that the event is in sla_events now. */
export function markFired(inputs: SlaInputs, e: Pick<SlaEvent, 'target' | 'kind' | 'dueAt'>): void {
  const own = inputs.fired === NONE_FIRED ? new Set<string>() : (inputs.fired as Set<string>);
  own.add(keyOf(e));
  inputs.fired = own;
}

export interface SlaOutcome {
  sla: TicketSla | null;
  /** Epoch ms, as stored (sla_due_ms). */
  dueAt: number | null;
  state: string | null;
  /** When the next event not yet fired happens (may be <= now: the sweeper acts on it); null = none. */
  nextCheckAt: number | null;
  /** Events not yet fired whose instant has come, in the order they happened. */
  due: SlaEvent[];
  /** The timeline computed from the record (JSON, to store); null when it came stored. */
  timeline: string | null;
}

export const slaTicketOf = (r: SlaTicketRow): SlaTicket => ({
  departmentId: r.department_id,
  priority: r.priority,
  channel: r.channel,
  status: r.status,
  createdAt: r.created_at,
});

/**
 * The ticket's SLA at `now` and the events it still owes. A target that is met or paused owes nothing (a pause
 * moves its due time; the push that ends the pause computes it again). A warning is skipped once the breach has
 * come too: one alert for a ticket that went straight past both (a sweep that ran late, a ticket filed late).
 */
export function evaluateSla(engine: SlaEngine, inputs: SlaInputs, now: number): SlaOutcome {
  const ticket = slaTicketOf(inputs.row);
  const computed = inputs.timeline
    ? null
    : slaTimeline(ticket, inputs.history, inputs.comments as SlaComment[]);
  const timeline = computed ? JSON.stringify(computed) : null;
  // statusOf, not ticketSla: one policy lookup per ticket instead of two.
  const sla = engine.statusOf(ticket, inputs.timeline ?? computed!, now);
  if (!sla) return { sla: null, dueAt: null, state: null, nextCheckAt: null, due: [], timeline };
  const { status } = sla;
  let next: number | null = null;
  const due: SlaEvent[] = [];
  const fired = inputs.fired;
  // A loop, not a helper closure: this runs a million times in a recompute.
  for (const t of [status.firstResponse, status.nextResponse, status.resolution]) {
    if (t === null || t.state === 'met' || t.state === 'paused') continue;
    const breachAt = t.dueAt + 1;
    for (let k = now < breachAt ? 0 : 1; k < 2; k++) {
      const e: SlaEvent =
        k === 0
          ? { target: t.kind, kind: 'warning', dueAt: t.dueAt, at: t.warnAt }
          : { target: t.kind, kind: 'breach', dueAt: t.dueAt, at: breachAt };
      // Most tickets have fired nothing: no key is made for them (a million are recomputed after an edit).
      if (fired.size > 0 && fired.has(keyOf(e))) continue;
      if (next === null || e.at < next) next = e.at;
      if (e.at <= now) due.push(e);
    }
  }
  if (due.length > 1) due.sort((a, b) => a.at - b.at);
  return { sla, dueAt: status.nextDueAt, state: status.state, nextCheckAt: next, due, timeline };
}

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
