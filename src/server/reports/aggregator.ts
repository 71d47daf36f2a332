import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { streamHead } from '../db/change-log';
import { idList } from '../db/id-list';
import { dialectOf } from '../db/open';
import type { Database, Db, ReportMeasures, Tx } from '../db/schema';
import {
  BUCKET_MS,
  bucketOf,
  callFacts,
  chatFacts,
  MEASURES,
  ticketFacts,
  zeroMeasures,
  type FactRow,
} from './facts';

/** The dimensions a fact is summed under; each bucket row is one key of one dimension within a department. */
export const DIMENSIONS = ['department', 'queue', 'agent', 'channel', 'category'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

const keyOf = (f: FactRow, dim: Dimension): string =>
  dim === 'department'
    ? f.department_id
    : dim === 'queue'
      ? f.queue_key
      : dim === 'agent'
        ? f.agent_key
        : dim === 'channel'
          ? f.channel
          : f.category;

/** Changes read per round: one transaction each. */
const CHANGE_BATCH = 5000;
const STATE_BATCH = 2000;
/**
 * Agent state changes are read this long after they happened: the voice service writes them to the log in
 * batches, shortly after. A change written later than this is not counted (see README.md).
 */
export const STATE_LAG_MS = 60_000;
/** A state held longer than this (a desktop left open over a weekend) is counted up to this much. */
const MAX_STATE_SPAN_MS = 24 * 3_600_000;

type Delta = { dim: string; department_id: string; bucket_ms: number; dim_key: string } & ReportMeasures & {
    busy_sec: number;
    staffed_sec: number;
  };

/** The suffix of the rows summed per day of the service's zone (a month of days reads 31 rows per key). */
export const DAY_ROWS = '/day';

class Deltas {
  readonly rows = new Map<string, Delta>();
  constructor(private readonly dayOf: (bucketMs: number) => number) {}
  /** The 15-minute row and the day row of a key (`day`: the bucket's day, when the caller has it). */
  both(
    dim: string,
    department: string,
    bucket: number,
    key: string,
    day = this.dayOf(bucket),
  ): [Delta, Delta] {
    return [this.at(dim, department, bucket, key), this.at(`${dim}${DAY_ROWS}`, department, day, key)];
  }
  at(dim: string, department: string, bucket: number, key: string): Delta {
    const k = `${dim}\u0000${department}\u0000${bucket}\u0000${key}`;
    let d = this.rows.get(k);
    if (!d)
      this.rows.set(
        k,
        (d = {
          dim,
          department_id: department,
          bucket_ms: bucket,
          dim_key: key,
          ...zeroMeasures(),
          busy_sec: 0,
          staffed_sec: 0,
        }),
      );
    return d;
  }
  addFact(f: FactRow, sign: 1 | -1): void {
    const bucket = Number(f.bucket_ms);
    const day = this.dayOf(bucket);
    for (const dim of DIMENSIONS)
      for (const d of this.both(dim, f.department_id, bucket, keyOf(f, dim), day))
        for (const m of MEASURES) d[m] += sign * Number(f[m]);
  }
}

const ALL_COLUMNS = [...MEASURES, 'busy_sec', 'staffed_sec'] as const;
const BUCKET_KEY = ['dim', 'department_id', 'bucket_ms', 'dim_key'] as const;
const FACT_TEXT = [
  'kind',
  'entity_id',
  'department_id',
  'queue_key',
  'agent_key',
  'channel',
  'category',
] as const;
/** Rows per statement: each batch's rows travel as one JSON parameter, read back by the database. */
const JSON_ROWS = 5000;

/**
 * `INSERT INTO table (columns) SELECT ... FROM <the JSON array of row arrays>`: one statement and one bound
 * parameter for thousands of rows on either database (Kysely's multi-row VALUES built and prepared a new
 * statement of thousands of parameters, which cost more than the writing).
 */
function insertFromJson(
  trx: Tx,
  table: string,
  columns: readonly { name: string; text: boolean }[],
  rows: unknown[][],
) {
  const names = sql.join(columns.map((c) => sql.ref(c.name)));
  if (dialectOf(trx) === 'postgres') {
    const cells = sql.join(
      columns.map((c, i) => (c.text ? sql`v->>${sql.lit(i)}` : sql`(v->>${sql.lit(i)})::bigint`)),
    );
    return sql`INSERT INTO ${sql.table(table)} (${names})
      SELECT ${cells} FROM json_array_elements(${JSON.stringify(rows)}::json) AS v`;
  }
  const cells = sql.join(columns.map((_, i) => sql.raw(`json_extract(value, '$[${i}]')`)));
  // WHERE true: SQLite's upsert after INSERT ... SELECT needs it to parse ON CONFLICT.
  return sql`INSERT INTO ${sql.table(table)} (${names})
    SELECT ${cells} FROM json_each(${JSON.stringify(rows)}) WHERE true`;
}

const BUCKET_COLUMNS = [
  ...BUCKET_KEY.map((name) => ({ name, text: name !== 'bucket_ms' })),
  ...ALL_COLUMNS.map((name) => ({ name, text: false })),
];
const FACT_COLUMNS = [
  ...FACT_TEXT.map((name) => ({ name, text: true })),
  { name: 'bucket_ms', text: false },
  ...MEASURES.map((name) => ({ name, text: false })),
];

/** Adds the deltas to their bucket rows (made on first use). */
async function applyDeltas(trx: Tx, deltas: Deltas): Promise<void> {
  const rows = [...deltas.rows.values()]
    .filter((d) => ALL_COLUMNS.some((c) => d[c] !== 0))
    .map((d) => BUCKET_COLUMNS.map((c) => d[c.name as keyof Delta]));
  const add = sql.join(
    ALL_COLUMNS.map((c) => sql`${sql.ref(c)} = report_buckets.${sql.ref(c)} + excluded.${sql.ref(c)}`),
  );
  for (let i = 0; i < rows.length; i += JSON_ROWS)
    await sql`${insertFromJson(trx, 'report_buckets', BUCKET_COLUMNS, rows.slice(i, i + JSON_ROWS))}
      ON CONFLICT (dim, department_id, bucket_ms, dim_key) DO UPDATE SET ${add}`.execute(trx);
}

async function insertFacts(trx: Tx, facts: FactRow[]): Promise<void> {
  const rows = facts.map((f) => FACT_COLUMNS.map((c) => f[c.name as keyof FactRow]));
  for (let i = 0; i < rows.length; i += JSON_ROWS)
    await insertFromJson(trx, 'report_facts', FACT_COLUMNS, rows.slice(i, i + JSON_ROWS)).execute(trx);
}

const FACT_KIND: Record<string, FactRow['kind'] | undefined> = {
  ticket: 'ticket',
  comment: 'ticket',
  history: 'ticket',
  interaction: 'call',
  chat: 'chat',
};

/**
 * Keeps report_buckets up to date: follows change_log from its cursor (tickets and their comments and history,
 * calls, chats), and agent_state_log for occupancy. Each changed entity's fact is computed again; its old
 * contribution leaves its buckets and the new one goes in, in the transaction that moves the cursor, so a
 * crash or a second node never counts a change twice. Reports call catchUp() first; a timer keeps it near.
 */
export class ReportAggregator {
  /** The round under way or last run; the next one starts after it. */
  private tail: Promise<void> = Promise.resolve();
  /** A round not yet started: callers arriving now share it (it will see what they committed). */
  private pending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the aggregates were last caught up with everything committed before. */
  lastCaughtUp: Date | null = null;

  private readonly dayOf: (bucketMs: number) => number;
  private zoneChecked = false;

  constructor(
    private readonly deps: {
      db: Db;
      now: () => Date;
      log: (line: string) => void;
      timeZone: string;
      /**
       * Aggregates never built (a first start over existing records, an upgrade, a new zone) are built from
       * the records in bulk (rebuild()) rather than by replaying the change log contact by contact. False:
       * always replay (the tests compare the two).
       */
      rebuildWhenEmpty?: boolean;
    },
  ) {
    this.dayOf = dayStarts(deps.timeZone);
  }

  /** Catches up every `everyMs` in the background (0: only when asked). */
  start(everyMs = 5000): void {
    if (everyMs <= 0) return;
    this.timer = setInterval(() => {
      this.catchUp().catch((e: unknown) => this.deps.log(`reports: catching up failed: ${String(e)}`));
    }, everyMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tail.catch(() => {});
  }

  /** Brings the aggregates up to everything committed before the call; concurrent callers share rounds. */
  catchUp(): Promise<void> {
    if (this.pending) return this.pending;
    const round = this.tail
      .catch(() => {})
      .then(async () => {
        this.pending = undefined;
        const started = this.deps.now();
        if (!this.zoneChecked) await this.checkZone();
        if (this.deps.rebuildWhenEmpty !== false) await this.rebuildIfNeverBuilt();
        while (await this.changesRound());
        while (await this.statesRound());
        this.lastCaughtUp = started;
      });
    this.pending = round;
    this.tail = round;
    return round;
  }

  /**
   * Day rows are days of the service's zone: when the zone is not the one they were summed in (or none was
   * recorded), every aggregate is built again from the change log and the state log.
   */
  private async checkZone(): Promise<void> {
    const { db, timeZone } = this.deps;
    await db.transaction().execute(async (trx) => {
      const was = await readCursor(trx, 'zone', true);
      if (was === timeZone) return;
      if (was !== '')
        this.deps.log(
          `reports: the time zone is now ${timeZone} (was ${was}): building the aggregates again.`,
        );
      await trx.deleteFrom('report_buckets').execute();
      await trx.deleteFrom('report_facts').execute();
      await writeCursor(trx, 'changes', '0');
      await writeCursor(trx, 'states', '');
      await trx
        .insertInto('report_cursors')
        .values({ name: 'zone', position: timeZone })
        .onConflict((oc) => oc.column('name').doUpdateSet({ position: timeZone }))
        .execute();
    });
    this.zoneChecked = true;
  }

  /**
   * When the change follower has never moved (cursor 0) but the change log holds changes, the aggregates are
   * built from the records themselves (rebuild()), not by replaying the change log: replay computes every
   * contact's fact and adds it to its ten bucket rows one at a time, about 1 ms per contact over a big file,
   * an hour for a few million. The rebuild is one pass of fact computation and one GROUP BY per bucket table.
   */
  private async rebuildIfNeverBuilt(): Promise<void> {
    const { db } = this.deps;
    if (Number((await readCursor(db, 'changes')) || 0) !== 0) return;
    const head = await streamHead(db);
    if (head === 0) return;
    await rebuild(db, head, this.dayOf, this.deps.log);
  }

  /** One batch of change_log; true when there may be more. */
  private async changesRound(): Promise<boolean> {
    const { db } = this.deps;
    const head = await streamHead(db);
    const cursor = Number((await readCursor(db, 'changes')) || 0);
    if (head <= cursor) return false;
    const changes = await db
      .selectFrom('change_log')
      .select(['version', 'kind', 'entity_id'])
      .where('version', '>', cursor)
      .where('version', '<=', head)
      .orderBy('version')
      .limit(CHANGE_BATCH)
      .execute();
    // Kinds are picked here, not in SQL: a kind condition made SQLite read the (kind, entity_id) index and
    // sort every change of those kinds instead of reading the version range.
    const last = changes.length === CHANGE_BATCH ? changes.at(-1)!.version : head;
    const moved = await db.transaction().execute(async (trx) => {
      // Another node may have taken this batch: the cursor row, locked, says.
      if (Number((await readCursor(trx, 'changes', true)) || 0) !== cursor) return false;
      const ids = { ticket: new Set<string>(), call: new Set<string>(), chat: new Set<string>() };
      const comments: string[] = [];
      const history: string[] = [];
      for (const c of changes) {
        if (!FACT_KIND[c.kind]) continue;
        if (c.kind === 'comment') comments.push(c.entity_id);
        else if (c.kind === 'history') history.push(c.entity_id);
        else ids[FACT_KIND[c.kind]!].add(c.entity_id);
      }
      if (comments.length > 0)
        for (const r of await trx
          .selectFrom('ticket_comments')
          .select('ticket_id')
          .where('id', 'in', idList(trx, comments))
          .execute())
          ids.ticket.add(r.ticket_id);
      if (history.length > 0)
        for (const r of await trx
          .selectFrom('ticket_history')
          .select('ticket_id')
          .where('id', 'in', idList(trx, history))
          .execute())
          ids.ticket.add(r.ticket_id);
      const deltas = new Deltas(this.dayOf);
      await refreshFacts(trx, deltas, 'ticket', [...ids.ticket], ticketFacts);
      await refreshFacts(trx, deltas, 'call', [...ids.call], callFacts);
      await refreshFacts(trx, deltas, 'chat', [...ids.chat], chatFacts);
      await applyDeltas(trx, deltas);
      await writeCursor(trx, 'changes', String(last));
      return true;
    });
    return moved && last < head;
  }

  /** One batch of agent_state_log (occupancy); true when there may be more. */
  private async statesRound(): Promise<boolean> {
    const { db } = this.deps;
    const cursor = await readCursor(db, 'states');
    const [cAt, cId] = cursor ? cursor.split('|') : ['', ''];
    const until = new Date(this.deps.now().getTime() - STATE_LAG_MS).toISOString();
    const rows = await db
      .selectFrom('agent_state_log')
      .select(['id', 'user_id', 'from_state', 'at'])
      .where((eb) => eb.or([eb('at', '>', cAt!), eb.and([eb('at', '=', cAt!), eb('id', '>', cId!)])]))
      .where('at', '<', until)
      .orderBy('at')
      .orderBy('id')
      .limit(STATE_BATCH)
      .execute();
    if (rows.length === 0) return false;
    return db.transaction().execute(async (trx) => {
      if ((await readCursor(trx, 'states', true)) !== cursor) return false;
      const users = await trx.selectFrom('users').select(['id', 'department_id']).execute();
      const deptOf = new Map(users.map((u) => [u.id, u.department_id]));
      const previous = new Map<string, { at: string; id: string }>();
      const deltas = new Deltas(this.dayOf);
      for (const r of rows) {
        let prev = previous.get(r.user_id);
        if (!prev) {
          prev = await trx
            .selectFrom('agent_state_log')
            .select(['at', 'id'])
            .where('user_id', '=', r.user_id)
            .where((eb) => eb.or([eb('at', '<', r.at), eb.and([eb('at', '=', r.at), eb('id', '<', r.id)])]))
            .orderBy('at', 'desc')
            .orderBy('id', 'desc')
            .limit(1)
            .executeTakeFirst();
        }
        previous.set(r.user_id, { at: r.at, id: r.id });
        const dept = deptOf.get(r.user_id);
        if (!prev || !dept || r.from_state === 'Offline') continue;
        const busy = r.from_state === 'OnCall' || r.from_state === 'WrapUp';
        const end = Date.parse(r.at);
        let from = Math.max(Date.parse(prev.at), end - MAX_STATE_SPAN_MS);
        while (from < end) {
          const bucket = bucketOf(from);
          const to = Math.min(end, bucket + BUCKET_MS);
          const s = (to - from) / 1000;
          for (const [dim, key] of [
            ['agent', r.user_id],
            ['department', dept],
          ] as const) {
            for (const d of deltas.both(dim, dept, bucket, key)) {
              d.staffed_sec += s;
              if (busy) d.busy_sec += s;
            }
          }
          from = to;
        }
      }
      for (const d of deltas.rows.values()) {
        d.staffed_sec = Math.round(d.staffed_sec);
        d.busy_sec = Math.round(d.busy_sec);
      }
      await applyDeltas(trx, deltas);
      const lastRow = rows.at(-1)!;
      await writeCursor(trx, 'states', `${lastRow.at}|${lastRow.id}`);
      return rows.length === STATE_BATCH;
    });
  }
}

/** Entities whose facts are computed per round of a rebuild. */
const REBUILD_BATCH = 5000;

/**
 * Builds the facts and buckets of every ticket, call and chat from the records, in bulk: the facts as the
 * follower computes them (facts.ts, read in id order, a batch at a time), then each bucket table as one
 * GROUP BY over the facts (15-minute rows per dimension, and day rows through a map of the buckets to the
 * zone's days), added to rows already there (occupancy, which follows agent_state_log apart). The change
 * cursor moves to `head` in the transaction that writes the buckets: every change up to `head` is in the
 * records read; a change after it is applied by the follower afterwards as usual (its fact replaced, the
 * difference moved), whether or not the rebuild already saw it.
 *
 * SQLite: the facts are written in a transaction per batch (the one connection serves the service's other
 * requests between them); a crash before the end leaves the cursor at 0 and the next start begins again.
 * PostgreSQL: one transaction that locks the cursor row, so of several nodes starting together one builds and
 * the others find the cursor moved.
 */
async function rebuild(db: Db, head: number, dayOf: (b: number) => number, log: (l: string) => void) {
  const started = Date.now();
  const pg = dialectOf(db) === 'postgres';
  const counts = { ticket: 0, call: 0, chat: 0 };
  let factsDone = started;
  const work = async (reader: Tx, inTx: <T>(fn: (trx: Tx) => Promise<T>) => Promise<T>): Promise<boolean> => {
    const fresh = await inTx(async (trx) => {
      if (Number((await readCursor(trx, 'changes', true)) || 0) !== 0) return false;
      await trx.deleteFrom('report_facts').execute();
      return true;
    });
    if (!fresh) return false;
    const sources = [
      { kind: 'ticket', table: 'tickets', compute: ticketFacts },
      { kind: 'call', table: 'interactions', compute: callFacts },
      { kind: 'chat', table: 'chat_interactions', compute: chatFacts },
    ] as const;
    for (const { kind, table, compute } of sources) {
      let after = '';
      for (;;) {
        const ids = (
          await reader
            .selectFrom(table)
            .select('id')
            .where('id', '>', after)
            .orderBy('id')
            .limit(REBUILD_BATCH)
            .execute()
        ).map((r) => r.id);
        if (ids.length === 0) break;
        after = ids.at(-1)!;
        await inTx(async (trx) => {
          const facts = await compute(trx, ids);
          counts[kind] += facts.length;
          await insertFacts(trx, facts);
        });
      }
    }
    factsDone = Date.now();
    await inTx(async (trx) => {
      const buckets = await trx.selectFrom('report_facts').select('bucket_ms').distinct().execute();
      const days = buckets.map((b) => [Number(b.bucket_ms), dayOf(Number(b.bucket_ms))]);
      // The buckets' days in a keyed table for the join (SQLite joined a json_each() list row by row).
      await sql`CREATE TEMP TABLE report_day_of (bucket_ms bigint PRIMARY KEY, day_ms bigint NOT NULL)`.execute(
        trx,
      );
      await insertFromJson(
        trx,
        'report_day_of',
        [
          { name: 'bucket_ms', text: false },
          { name: 'day_ms', text: false },
        ],
        days,
      ).execute(trx);
      for (const dim of DIMENSIONS) {
        await bucketsFromFacts(trx, dim, false).execute(trx);
        await bucketsFromFacts(trx, dim, true).execute(trx);
      }
      await sql`DROP TABLE report_day_of`.execute(trx);
      await writeCursor(trx, 'changes', String(head));
    });
    return true;
  };
  const built = pg
    ? await db.transaction().execute((trx) => work(trx, (fn) => fn(trx)))
    : await work(db, (fn) => db.transaction().execute(fn));
  if (built)
    log(
      `reports: aggregates built from the records (${counts.ticket} tickets, ${counts.call} calls, ` +
        `${counts.chat} chats) in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(facts ${((factsDone - started) / 1000).toFixed(1)} s, buckets ${((Date.now() - factsDone) / 1000).toFixed(1)} s).`,
    );
}

const DIM_COLUMN: Record<Dimension, string> = {
  department: 'department_id',
  queue: 'queue_key',
  agent: 'agent_key',
  channel: 'channel',
  category: 'category',
};

/**
 * `INSERT INTO report_buckets SELECT <the facts summed per department, bucket and key of dim>`, added to the
 * rows there: the 15-minute rows, or the day rows through report_day_of (each bucket's day in the zone).
 */
function bucketsFromFacts(trx: Tx, dim: Dimension, perDay: boolean) {
  const key = sql.ref(`f.${DIM_COLUMN[dim]}`);
  const sums = sql.join(MEASURES.map((m) => sql`SUM(${sql.ref(`f.${m}`)})`));
  const names = sql.join([...BUCKET_KEY, ...ALL_COLUMNS].map((c) => sql.ref(c)));
  const add = sql.join(
    ALL_COLUMNS.map((c) => sql`${sql.ref(c)} = report_buckets.${sql.ref(c)} + excluded.${sql.ref(c)}`),
  );
  const upsert = sql`ON CONFLICT (dim, department_id, bucket_ms, dim_key) DO UPDATE SET ${add}`;
  // WHERE true: SQLite's upsert after INSERT ... SELECT needs it to parse ON CONFLICT.
  if (!perDay)
    return sql`INSERT INTO report_buckets (${names})
      SELECT ${dim}, f.department_id, f.bucket_ms, ${key}, ${sums}, 0, 0 FROM report_facts f WHERE true
      GROUP BY f.department_id, f.bucket_ms, ${key} ${upsert}`;
  return sql`INSERT INTO report_buckets (${names})
    SELECT ${`${dim}${DAY_ROWS}`}, f.department_id, d.day_ms, ${key}, ${sums}, 0, 0
    FROM report_facts f JOIN report_day_of d ON d.bucket_ms = f.bucket_ms WHERE true
    GROUP BY f.department_id, d.day_ms, ${key} ${upsert}`;
}

const HALF_DAY = 43_200_000;

/**
 * The start of the zone's day a 15-minute bucket is in (15 minutes divide every zone's offset). Luxon is asked
 * only for the days of points 12 hours apart (every day of any zone, 23 to 25 hours long, holds one), each
 * once: asking it per bucket cost more than all the writing.
 */
export function dayStarts(zone: string): (bucketMs: number) => number {
  const startOfPoint = new Map<number, number>();
  const start = (j: number) => {
    let s = startOfPoint.get(j);
    if (s === undefined) {
      s = DateTime.fromMillis(j * HALF_DAY, { zone })
        .startOf('day')
        .toMillis();
      if (startOfPoint.size > 50_000) startOfPoint.clear();
      startOfPoint.set(j, s);
    }
    return s;
  };
  return (bucket) => {
    const j = Math.floor(bucket / HALF_DAY);
    let best = -Infinity;
    // The day holding the bucket holds one of these points (it began at most 25 hours before the bucket).
    for (let k = j - 3; k <= j + 1; k++) {
      const s = start(k);
      if (s <= bucket && s > best) best = s;
    }
    return best;
  };
}

/** Replaces the facts of these entities, moving their contributions between buckets. */
async function refreshFacts(
  trx: Tx,
  deltas: Deltas,
  kind: FactRow['kind'],
  ids: string[],
  compute: (trx: Tx, ids: readonly string[]) => Promise<FactRow[]>,
): Promise<void> {
  if (ids.length === 0) return;
  const fresh = await compute(trx, ids);
  const old = await trx
    .selectFrom('report_facts')
    .selectAll()
    .where('kind', '=', kind)
    .where('entity_id', 'in', idList(trx, ids))
    .execute();
  for (const f of old) deltas.addFact(f, -1);
  if (old.length > 0)
    await trx
      .deleteFrom('report_facts')
      .where('kind', '=', kind)
      .where('entity_id', 'in', idList(trx, ids))
      .execute();
  for (const f of fresh) deltas.addFact(f, 1);
  await insertFacts(trx, fresh);
}

async function readCursor(db: Tx, name: string, lock = false): Promise<string> {
  let q = db.selectFrom('report_cursors').select('position').where('name', '=', name);
  if (lock && dialectOf(db) === 'postgres') q = q.forUpdate();
  return (await q.executeTakeFirst())?.position ?? '';
}

async function writeCursor(trx: Tx, name: string, position: string): Promise<void> {
  await trx.updateTable('report_cursors').set({ position }).where('name', '=', name).execute();
}

export type BucketRow = Database['report_buckets'];
