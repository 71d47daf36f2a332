import { sql } from 'kysely';
import { SwitchboardError, type Ticket, type TicketComment, type TicketHistoryEntry } from '../../shared';
import {
  commentFromColumns,
  commentToColumns,
  historyFromColumns,
  historyToColumns,
  ticketFromColumns,
  ticketToColumns,
} from '../../shared/storage/columns';
import { appendChange, changeCte } from '../db/change-log';
import { nextCounter, raiseCounter } from '../db/counters';
import { dialectOf } from '../db/open';
import type { Tx } from '../db/schema';

/** A ticket that exists and is not deleted (a deleted one reads as absent everywhere; see deletedTicket). */
export async function getTicket(trx: Tx, id: string): Promise<Ticket | undefined> {
  const r = await trx
    .selectFrom('tickets')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return r && ticketFromColumns(r);
}

/** What is known of a deleted ticket, to say so instead of "no such ticket"; undefined when not deleted. */
export async function deletedTicket(
  trx: Tx,
  id: string,
): Promise<{ number: number; departmentId: string; at: string; byName: string | null } | undefined> {
  const r = await trx
    .selectFrom('tickets as t')
    .leftJoin('users as u', 'u.id', 't.deleted_by')
    .select(['t.number', 't.department_id', 't.deleted_at', 'u.display_name'])
    .where('t.id', '=', id)
    .where('t.deleted_at', 'is not', null)
    .executeTakeFirst();
  return r
    ? { number: r.number, departmentId: r.department_id, at: r.deleted_at!, byName: r.display_name ?? null }
    : undefined;
}

/** The refusal of anything asked of a deleted ticket: what happened, and what the agent can do instead. */
export function deletedError(d: { number: number; at: string; byName: string | null }): SwitchboardError {
  const who = d.byName ? ` by ${d.byName}` : '';
  return new SwitchboardError(
    'deleted',
    `Ticket #${d.number} was deleted${who} at ${d.at}, so it can no longer be changed. Open a new ticket if the work must go on.`,
  );
}

/**
 * getTicket for a change: on PostgreSQL the row stays locked to the end of the transaction, so two nodes'
 * read-merge-writes of one ticket run one after the other, the second reading the first's committed state
 * (READ COMMITTED re-reads a row it waited for). SQLite has one writer and needs no lock.
 */
export async function getTicketForChange(trx: Tx, id: string): Promise<Ticket | undefined> {
  const r = await trx
    .selectFrom('tickets')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(dialectOf(trx) === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return r && ticketFromColumns(r);
}

export async function listComments(trx: Tx, ticketId: string): Promise<TicketComment[]> {
  const rows = await trx
    .selectFrom('ticket_comments')
    .selectAll()
    .where('ticket_id', '=', ticketId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(commentFromColumns);
}

export async function listHistory(trx: Tx, ticketId: string): Promise<TicketHistoryEntry[]> {
  const rows = await trx
    .selectFrom('ticket_history')
    .selectAll()
    .where('ticket_id', '=', ticketId)
    .orderBy('at')
    .orderBy('version')
    .execute();
  return rows.map(historyFromColumns);
}

/**
 * The latest change of one field after `afterVersion` made anywhere but on `except`'s device: what a concurrent
 * editor did, whether another user or the same user on another device. The device's own edits are left out,
 * because an offline desktop sends a series of edits all based on the version it last saw. A device is a user
 * and a device id together; a null id (a desktop too old to send one, or a change older than the column) counts
 * as one device of its own.
 */
export async function lastFieldChangeSince(
  trx: Tx,
  ticketId: string,
  field: string,
  afterVersion: number,
  except: { actorId: string; deviceId: string | null },
): Promise<{ to: string | null; actorId: string | null; actorName: string; at: string } | undefined> {
  const r = await trx
    .selectFrom('ticket_history')
    .select(['to_value', 'actor_id', 'actor_name', 'at'])
    .where('ticket_id', '=', ticketId)
    .where('field', '=', field)
    .where('version', '>', afterVersion)
    .where((eb) =>
      eb.or([
        eb('actor_id', 'is', null),
        eb('actor_id', '<>', except.actorId),
        // IS DISTINCT FROM compares nulls as values (a null device differs from a named one, equals another
        // null) on both stores; SQLite's older spelling, IS NOT with a parameter, is an error on PostgreSQL.
        eb('device_id', 'is distinct from', except.deviceId),
      ]),
    )
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && { to: r.to_value, actorId: r.actor_id, actorName: r.actor_name, at: r.at };
}

/** Writes the ticket's editable fields and publishes it to its department; returns the new version. */
export async function saveTicket(trx: Tx, t: Ticket): Promise<number> {
  // The columns a change may touch, one list for both stores.
  const set = {
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    assignee_id: t.assigneeId,
    department_id: t.departmentId,
    hand_back_to: t.handBackTo,
    tags: JSON.stringify(t.tags),
    fields: JSON.stringify(t.fields),
    parent_id: t.parentId,
    related_ids: JSON.stringify(t.relatedIds),
    merged_into: t.mergedInto,
    // Triage (issue 15): a correction or a confirmation changes these with the fields.
    category: t.category,
    triage: t.triage ? JSON.stringify(t.triage) : null,
    triage_review: t.triage?.needsReview ? 1 : 0,
    updated_at: t.updatedAt,
  };
  if (dialectOf(trx) === 'postgres') {
    // The change and the row in one statement: a round trip each was a third of an offline replay's.
    const assignments = Object.entries(set).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
    const r = await sql<{ version: number }>`
      ${changeCte('ticket', t.id, t.departmentId)}
      UPDATE tickets SET ${sql.join(assignments)}, version = change.version
      FROM change WHERE tickets.id = ${t.id}
      RETURNING change.version`.execute(trx);
    return r.rows[0]!.version;
  }
  const version = await appendChange(trx, 'ticket', t.id, t.departmentId);
  await trx
    .updateTable('tickets')
    .set({ ...set, version })
    .where('id', '=', t.id)
    .execute();
  return version;
}

/**
 * The next human ticket number, from the `ticket_number` counter under its row lock (db/counters.ts): max + 1
 * was safe only while one process wrote (SQLite); two nodes on PostgreSQL read the same max. Tickets written
 * with their own numbers (the demo seed, a test) may have passed the counter: under the lock the highest
 * number is read afresh, and the counter moved past it.
 */
export async function nextTicketNumber(trx: Tx): Promise<number> {
  const next = await nextCounter(trx, 'ticket_number');
  const r = await trx
    .selectFrom('tickets')
    .select((eb) => eb.fn.max('number').as('last'))
    .executeTakeFirst();
  const last = Number(r?.last ?? 0);
  if (last < next) return next;
  await raiseCounter(trx, 'ticket_number', last + 1);
  return last + 1;
}

/**
 * A new ticket, published to its department; returns its version. Category and triage (issue 15) default to
 * none: every creation path triages first (src/server/triage/triage-ticket.ts triageDraft).
 */
export async function insertTicket(
  trx: Tx,
  t: Omit<Ticket, 'version' | 'category' | 'triage'> &
    Partial<Pick<Ticket, 'category' | 'triage'>> & { number: number },
): Promise<number> {
  const version = await appendChange(trx, 'ticket', t.id, t.departmentId);
  const triage = t.triage ?? null;
  await trx
    .insertInto('tickets')
    .values({
      ...ticketToColumns({ ...t, category: t.category ?? null, triage, version }),
      number: t.number,
      triage_review: triage?.needsReview ? 1 : 0,
      triage_version: triage?.modelVersion ?? null,
    })
    .execute();
  return version;
}

/** deviceId: the installation that made the change, kept server-side only (replicas are not told it). */
export async function insertHistory(
  trx: Tx,
  h: TicketHistoryEntry,
  departmentId: string,
  deviceId: string | null = null,
): Promise<number> {
  const row = { ...historyToColumns(h), device_id: deviceId };
  if (dialectOf(trx) === 'postgres') {
    // The change and the row in one statement, as saveTicket.
    const columns = Object.keys(row).map((c) => sql.ref(c));
    const r = await sql<{ version: number }>`
      ${changeCte('history', h.id, departmentId)}
      INSERT INTO ticket_history (${sql.join(columns)}, version)
      SELECT ${sql.join(Object.values(row))}, change.version FROM change
      RETURNING version`.execute(trx);
    return r.rows[0]!.version;
  }
  const version = await appendChange(trx, 'history', h.id, departmentId);
  await trx
    .insertInto('ticket_history')
    .values({ ...row, version })
    .execute();
  return version;
}

export async function commentExists(trx: Tx, id: string): Promise<boolean> {
  return (
    (await trx.selectFrom('ticket_comments').select('id').where('id', '=', id).executeTakeFirst()) !==
    undefined
  );
}

export async function insertComment(trx: Tx, c: TicketComment, departmentId: string): Promise<number> {
  const version = await appendChange(trx, 'comment', c.id, departmentId);
  await trx
    .insertInto('ticket_comments')
    .values({ ...commentToColumns(c), version })
    .execute();
  return version;
}

/** Publishes a customer to one more department's replicas (it now has a ticket there). */
export async function publishCustomerTo(trx: Tx, customerId: string, departmentId: string): Promise<number> {
  const version = await appendChange(trx, 'customer', customerId, departmentId);
  await trx.updateTable('customers').set({ version }).where('id', '=', customerId).execute();
  return version;
}
