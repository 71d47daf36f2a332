import { sql } from 'kysely';
import { streamHead } from '../db/change-log';
import { dialectOf, sqliteBulk, type SqliteBulk } from '../db/open';
import type { Db, Tx } from '../db/schema';
import { analyseContact, dayOf, weekOf, type ContactText } from './voc-text';

/** Change-log rows read per transaction: big enough for a bulk load, small enough to keep writers moving. */
const BATCH = 5000;
/** Rows per multi-row INSERT (4 or 5 values each: well under either store's limit of bound values). */
const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A contact as the index holds it: where and when it counts, and what it said. */
interface Indexed extends ContactText {
  contactId: string;
  kind: 'ticket' | 'call';
  departmentId: string;
  day: number;
  ticketId: string | null;
}

interface Totals {
  contacts: number;
  positive: number;
  neutral: number;
  negative: number;
  zh: number;
}

/**
 * The VOC index follows the change log (db/change-log.ts) with a cursor of its own (voc_state), as a replica
 * does: every ticket, comment and interaction change since the cursor makes its contact be read again (a
 * ticket with its subject, description and customer-visible comments; a call with its wrap-up notes) and the
 * difference from what the index held applied to the daily counts. Nothing is ever scanned whole per request:
 * a request first catches up with what was written since the last one (fresh()), which is a few rows.
 *
 * Several nodes on one PostgreSQL: each batch runs in one transaction that locks the cursor row first, so one
 * node applies a batch and the other then finds the cursor moved past it. The upper bound is the stream's safe
 * head (streamHead), below which no change can still appear, so no change is ever skipped.
 */
export class VocIndexer {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  /** SQLite: the bulk writes go through prepared statements, without Kysely's per-row work. */
  private readonly bulk: SqliteBulk | undefined;

  constructor(private readonly db: Db) {
    this.bulk = sqliteBulk(db);
  }

  /**
   * Resolves once every change committed before the call is in the index. Callers during a run share the one
   * started after it (their changes may have been committed after the running one looked).
   */
  fresh(): Promise<void> {
    if (!this.running) {
      this.running = this.catchUp().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.fresh();
      });
    return this.queued;
  }

  /** Resolves when no catch-up is running (before the database is closed). */
  async settled(): Promise<void> {
    while (this.running ?? this.queued) await (this.queued ?? this.running)!.catch(() => {});
  }

  private async catchUp(): Promise<void> {
    const head = await streamHead(this.db);
    while (await this.db.transaction().execute((trx) => this.batch(trx, head))) {
      /* next batch */
    }
  }

  /** One batch of changes up to `head`; true when more remain. */
  private async batch(trx: Tx, head: number): Promise<boolean> {
    const pg = dialectOf(trx) === 'postgres';
    const state = await trx
      .selectFrom('voc_state')
      .select('value')
      .where('name', '=', 'cursor')
      .$if(pg, (q) => q.forUpdate())
      .executeTakeFirstOrThrow();
    const cursor = Number(state.value);
    if (cursor >= head) return false;
    const changes = await trx
      .selectFrom('change_log')
      .select(['version', 'kind', 'entity_id'])
      .where('version', '>', cursor)
      .where('version', '<=', head)
      .where('kind', 'in', ['ticket', 'comment', 'interaction'])
      .orderBy('version')
      .limit(BATCH)
      .execute();
    const more = changes.length === BATCH;
    const next = more ? changes.at(-1)!.version : head;
    const tickets = new Set<string>();
    const calls = new Set<string>();
    const comments: string[] = [];
    for (const c of changes) {
      if (c.kind === 'ticket') tickets.add(c.entity_id);
      else if (c.kind === 'interaction') calls.add(c.entity_id);
      else comments.push(c.entity_id);
    }
    for (const part of chunks(comments)) {
      const rows = await trx
        .selectFrom('ticket_comments')
        .select('ticket_id')
        .where('id', 'in', part)
        .execute();
      for (const r of rows) tickets.add(r.ticket_id);
    }
    const now = [...(await readTickets(trx, [...tickets])), ...(await readCalls(trx, [...calls]))];
    await applyContacts(trx, [...tickets, ...calls], now, this.bulk);
    await trx.updateTable('voc_state').set({ value: next }).where('name', '=', 'cursor').execute();
    return more;
  }
}

/** Tickets as contacts: subject, description and the comments the customer can see (internal notes are not
 * the customer's voice). A deleted ticket is no contact. */
async function readTickets(trx: Tx, ids: string[]): Promise<Indexed[]> {
  const out: Indexed[] = [];
  for (const part of chunks(ids)) {
    const rows = await trx
      .selectFrom('tickets')
      .select(['id', 'department_id', 'subject', 'description', 'created_at'])
      .where('id', 'in', part)
      .where('deleted_at', 'is', null)
      .execute();
    if (rows.length === 0) continue;
    const comments = await trx
      .selectFrom('ticket_comments')
      .select(['ticket_id', 'body'])
      .where(
        'ticket_id',
        'in',
        rows.map((r) => r.id),
      )
      .where('internal', '=', 0)
      .orderBy('created_at')
      .execute();
    const bodies = new Map<string, string[]>();
    for (const c of comments) {
      const list = bodies.get(c.ticket_id);
      if (list) list.push(c.body);
      else bodies.set(c.ticket_id, [c.body]);
    }
    for (const r of rows)
      out.push({
        contactId: r.id,
        kind: 'ticket',
        departmentId: r.department_id,
        day: dayOf(r.created_at),
        ticketId: r.id,
        ...analyseContact([r.subject, r.description, ...(bodies.get(r.id) ?? [])]),
      });
  }
  return out;
}

/** Calls as contacts: their wrap-up notes; a call without notes said nothing the report could count. */
async function readCalls(trx: Tx, ids: string[]): Promise<Indexed[]> {
  const out: Indexed[] = [];
  for (const part of chunks(ids)) {
    const rows = await trx
      .selectFrom('interactions')
      .select(['id', 'department_id', 'notes', 'ring_at', 'ticket_id'])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) {
      if (!r.notes?.trim()) continue;
      out.push({
        contactId: r.id,
        kind: 'call',
        departmentId: r.department_id,
        day: dayOf(r.ring_at),
        ticketId: r.ticket_id,
        ...analyseContact([r.notes]),
      });
    }
  }
  return out;
}

const totalsOf = (c: Pick<ContactText, 'sentiment' | 'zh'>, sign: 1 | -1): Totals => ({
  contacts: sign,
  positive: c.sentiment === 1 ? sign : 0,
  neutral: c.sentiment === 0 ? sign : 0,
  negative: c.sentiment === -1 ? sign : 0,
  zh: c.zh ? sign : 0,
});

/**
 * Brings the index's rows of `ids` to `now` (contacts that exist and say something; the others are removed):
 * contact rows, postings and the daily counts, as differences from what each contact contributed before.
 */
async function applyContacts(
  trx: Tx,
  ids: string[],
  now: Indexed[],
  bulk: SqliteBulk | undefined,
): Promise<void> {
  const old = new Map<
    string,
    { seq: number; department_id: string; day: number; terms: string; sentiment: number | null; zh: number }
  >();
  for (const part of chunks(ids)) {
    const rows = await trx
      .selectFrom('voc_contacts')
      .select(['seq', 'contact_id', 'department_id', 'day', 'terms', 'sentiment', 'zh'])
      .where('contact_id', 'in', part)
      .execute();
    for (const r of rows) old.set(r.contact_id, r);
  }
  const daily = new Map<string, number>();
  const totals = new Map<string, Totals>();
  const addDaily = (dept: string, day: number, term: string, n: number) => {
    const key = `${dept}\u0000${day}\u0000${term}`;
    daily.set(key, (daily.get(key) ?? 0) + n);
  };
  const addTotals = (dept: string, day: number, t: Totals) => {
    const key = `${dept}\u0000${day}`;
    const cur = totals.get(key);
    if (!cur) totals.set(key, t);
    else for (const k of Object.keys(t) as (keyof Totals)[]) cur[k] += t[k];
  };
  const postingsAdd: [string, number, number][] = [];
  const postingsRemove: [string, number, number][] = [];
  const fresh: Indexed[] = [];
  const seen = new Set<string>();

  for (const c of now) {
    seen.add(c.contactId);
    const before = old.get(c.contactId);
    if (!before) {
      fresh.push(c);
      continue;
    }
    const oldTerms: string[] = JSON.parse(before.terms) as string[];
    const moved = before.department_id !== c.departmentId || before.day !== c.day;
    const oldSet = new Set(oldTerms);
    const newSet = new Set(c.terms);
    for (const t of oldTerms)
      if (moved || !newSet.has(t)) {
        addDaily(before.department_id, before.day, t, -1);
        postingsRemove.push([t, before.day, before.seq]);
      }
    for (const t of c.terms)
      if (moved || !oldSet.has(t)) {
        addDaily(c.departmentId, c.day, t, 1);
        postingsAdd.push([t, c.day, before.seq]);
      }
    addTotals(
      before.department_id,
      before.day,
      totalsOf({ sentiment: before.sentiment as ContactText['sentiment'], zh: before.zh === 1 }, -1),
    );
    addTotals(c.departmentId, c.day, totalsOf(c, 1));
    await trx
      .updateTable('voc_contacts')
      .set({
        department_id: c.departmentId,
        day: c.day,
        ticket_id: c.ticketId,
        terms: JSON.stringify(c.terms),
        sentiment: c.sentiment,
        zh: c.zh ? 1 : 0,
      })
      .where('seq', '=', before.seq)
      .execute();
  }
  // Gone (deleted, or a call whose notes were cleared): everything it contributed comes off.
  for (const [contactId, before] of old) {
    if (seen.has(contactId)) continue;
    for (const t of JSON.parse(before.terms) as string[]) {
      addDaily(before.department_id, before.day, t, -1);
      postingsRemove.push([t, before.day, before.seq]);
    }
    addTotals(
      before.department_id,
      before.day,
      totalsOf({ sentiment: before.sentiment as ContactText['sentiment'], zh: before.zh === 1 }, -1),
    );
    await trx.deleteFrom('voc_contacts').where('seq', '=', before.seq).execute();
  }
  for (const part of chunks(fresh)) {
    const rows = await trx
      .insertInto('voc_contacts')
      .values(
        part.map((c) => ({
          contact_id: c.contactId,
          kind: c.kind,
          department_id: c.departmentId,
          day: c.day,
          ticket_id: c.ticketId,
          terms: JSON.stringify(c.terms),
          sentiment: c.sentiment,
          zh: c.zh ? 1 : 0,
        })),
      )
      .returning(['seq', 'contact_id'])
      .execute();
    const seqOf = new Map(rows.map((r) => [r.contact_id, r.seq]));
    for (const c of part) {
      const seq = seqOf.get(c.contactId)!;
      for (const t of c.terms) {
        addDaily(c.departmentId, c.day, t, 1);
        postingsAdd.push([t, c.day, seq]);
      }
      addTotals(c.departmentId, c.day, totalsOf(c, 1));
    }
  }

  for (const [term, day, contact] of postingsRemove)
    await trx
      .deleteFrom('voc_postings')
      .where('term', '=', term)
      .where('day', '=', day)
      .where('contact', '=', contact)
      .execute();
  // In key order: neighbouring rows go to the same B-tree pages (several times faster on a bulk load).
  const byKey = (x: [string, number, number], y: [string, number, number]) =>
    x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1] || x[2] - y[2];
  postingsAdd.sort(byKey);
  if (bulk)
    bulk.runEach('INSERT OR IGNORE INTO voc_postings (term, day, contact) VALUES (?, ?, ?)', postingsAdd);
  else
    for (const part of chunks(postingsAdd))
      await trx
        .insertInto('voc_postings')
        .values(part.map(([term, day, contact]) => ({ term, day, contact })))
        .onConflict((oc) => oc.doNothing())
        .execute();

  const dailyRows = [...daily]
    .filter(([, n]) => n !== 0)
    .map(([key, n]) => {
      const [department_id, day, term] = key.split('\u0000') as [string, string, string];
      return { department_id, day: Number(day), term, contacts: n };
    })
    .sort((x, y) =>
      x.department_id < y.department_id
        ? -1
        : x.department_id > y.department_id
          ? 1
          : x.day - y.day || (x.term < y.term ? -1 : x.term > y.term ? 1 : 0),
    );
  const weekly = new Map<string, { department_id: string; week: number; term: string; contacts: number }>();
  for (const r of dailyRows) {
    const week = weekOf(r.day);
    const key = `${r.department_id}\u0000${week}\u0000${r.term}`;
    const w = weekly.get(key);
    if (w) w.contacts += r.contacts;
    else weekly.set(key, { department_id: r.department_id, week, term: r.term, contacts: r.contacts });
  }
  const weeklyRows = [...weekly.values()].filter((r) => r.contacts !== 0);
  if (bulk)
    bulk.runEach(
      `INSERT INTO voc_weekly (department_id, week, term, contacts) VALUES (?, ?, ?, ?)
       ON CONFLICT (department_id, week, term) DO UPDATE SET contacts = voc_weekly.contacts + excluded.contacts`,
      weeklyRows.map((r) => [r.department_id, r.week, r.term, r.contacts]),
    );
  else
    for (const part of chunks(weeklyRows))
      await trx
        .insertInto('voc_weekly')
        .values(part)
        .onConflict((oc) =>
          oc
            .columns(['department_id', 'week', 'term'])
            .doUpdateSet({ contacts: sql<number>`voc_weekly.contacts + excluded.contacts` }),
        )
        .execute();
  for (const r of weeklyRows.filter((w) => w.contacts < 0))
    await trx
      .deleteFrom('voc_weekly')
      .where('department_id', '=', r.department_id)
      .where('week', '=', r.week)
      .where('term', '=', r.term)
      .where('contacts', '<=', 0)
      .execute();
  if (bulk)
    bulk.runEach(
      `INSERT INTO voc_daily (department_id, day, term, contacts) VALUES (?, ?, ?, ?)
       ON CONFLICT (department_id, day, term) DO UPDATE SET contacts = voc_daily.contacts + excluded.contacts`,
      dailyRows.map((r) => [r.department_id, r.day, r.term, r.contacts]),
    );
  else
    for (const part of chunks(dailyRows))
      await trx
        .insertInto('voc_daily')
        .values(part)
        .onConflict((oc) =>
          oc
            .columns(['department_id', 'day', 'term'])
            .doUpdateSet({ contacts: sql<number>`voc_daily.contacts + excluded.contacts` }),
        )
        .execute();
  const emptied = dailyRows.filter((r) => r.contacts < 0);
  for (const r of emptied)
    await trx
      .deleteFrom('voc_daily')
      .where('department_id', '=', r.department_id)
      .where('day', '=', r.day)
      .where('term', '=', r.term)
      .where('contacts', '<=', 0)
      .execute();

  const totalRows = [...totals].map(([key, t]) => {
    const [department_id, day] = key.split('\u0000') as [string, string];
    return { department_id, day: Number(day), ...t };
  });
  for (const part of chunks(totalRows))
    await trx
      .insertInto('voc_daily_totals')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['department_id', 'day']).doUpdateSet({
          contacts: sql<number>`voc_daily_totals.contacts + excluded.contacts`,
          positive: sql<number>`voc_daily_totals.positive + excluded.positive`,
          neutral: sql<number>`voc_daily_totals.neutral + excluded.neutral`,
          negative: sql<number>`voc_daily_totals.negative + excluded.negative`,
          zh: sql<number>`voc_daily_totals.zh + excluded.zh`,
        }),
      )
      .execute();
}
