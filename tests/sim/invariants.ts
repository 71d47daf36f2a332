import { type CustomerDbRow, type TicketDbRow } from '../../src/main/store/rows';
import type { Db } from '../../src/server/db/schema';
import type { SimClient } from './sim-client';
import {
  type CommentColumns,
  type HistoryColumns,
  commentFromColumns,
  customerFromColumns,
  historyFromColumns,
  ticketFromColumns,
} from '../../src/shared/storage/columns';

/** Lines saying what differs between two sets of records keyed by id (at most a few, to stay readable). */
function diff<T extends { id: string }>(what: string, server: T[], replica: T[]): string[] {
  const s = new Map(server.map((x) => [x.id, JSON.stringify(x)]));
  const r = new Map(replica.map((x) => [x.id, JSON.stringify(x)]));
  const out: string[] = [];
  for (const [id, json] of s) {
    if (!r.has(id)) out.push(`${what} ${id} missing from the replica: ${json}`);
    else if (r.get(id) !== json)
      out.push(`${what} ${id} differs:\n    server  ${json}\n    replica ${r.get(id)}`);
  }
  for (const [id, json] of r) if (!s.has(id)) out.push(`${what} ${id} only in the replica: ${json}`);
  return out.slice(0, 3);
}

/**
 * (a) Every mutation a desktop confirmed is applied exactly once on the server, or was refused and the
 * desktop reported the refusal, or was taken back with a refused create it depended on; never lost.
 */
export async function checkMutations(db: Db, clients: SimClient[]): Promise<string[]> {
  const failures: string[] = [];
  const applied = new Map(
    (await db.selectFrom('applied_mutations').selectAll().execute()).map((r) => [r.id, r]),
  );
  const audited = new Map<string, number>();
  for (const a of await db.selectFrom('audit_log').select('detail').execute()) {
    const id = (JSON.parse(a.detail) as { mutationId?: string }).mutationId;
    if (id) audited.set(id, (audited.get(id) ?? 0) + 1);
  }
  const comments = new Map<string, number>();
  for (const c of await db.selectFrom('ticket_comments').select('id').execute())
    comments.set(c.id, (comments.get(c.id) ?? 0) + 1);
  const tickets = new Set((await db.selectFrom('tickets').select('id').execute()).map((r) => r.id));

  for (const c of clients) {
    const who = `client ${c.index} (${c.user.username})`;
    const pending = c.outboxIds();
    if (pending.length) failures.push(`${who}: outbox not drained after quiescence (${pending.length} left)`);
    for (const m of c.confirmed) {
      const row = applied.get(m.id);
      const takenBack =
        (m.ticketId !== undefined && c.takenBack.tickets.has(m.ticketId)) ||
        (m.customerId !== undefined && c.takenBack.customers.has(m.customerId));
      if (!row) {
        if (!takenBack) failures.push(`${who}: ${m.name} ${m.id} confirmed but never reached the server`);
        continue;
      }
      if (row.user_id !== c.user.id) failures.push(`${who}: ${m.name} ${m.id} recorded for another user`);
      const n = audited.get(m.id) ?? 0;
      if (n !== 1) failures.push(`${who}: ${m.name} ${m.id} audited ${n} times (expected once)`);
      if (row.status === 'rejected') {
        if (!c.refusals.has(m.id) && !takenBack)
          failures.push(
            `${who}: ${m.name} ${m.id} refused (${row.error_code}: ${row.error_message}) but the desktop never reported it`,
          );
        continue;
      }
      if (m.name === 'ticket.comment' && comments.get(m.commentId!) !== 1)
        failures.push(`${who}: comment ${m.commentId} stored ${comments.get(m.commentId!) ?? 0} times`);
      if (m.name === 'ticket.create' && !tickets.has(m.ticketId!))
        failures.push(`${who}: ticket ${m.ticketId} applied but not on the server`);
    }
  }
  return failures;
}

/**
 * (b) Each replica equals the server's view of its scope (tickets, comments, history, customers), and
 * (c) holds nothing outside it.
 */
export async function checkReplicas(db: Db, clients: SimClient[]): Promise<string[]> {
  const failures: string[] = [];
  const byId = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => a.id.localeCompare(b.id));
  for (const c of clients) {
    const dept = c.user.departmentId!;
    const who = `client ${c.index} (${c.user.username})`;
    const inDept = db.selectFrom('tickets').select('id').where('department_id', '=', dept);
    const server = {
      tickets: (await db.selectFrom('tickets').selectAll().where('department_id', '=', dept).execute()).map(
        ticketFromColumns,
      ),
      comments: (
        await db.selectFrom('ticket_comments').selectAll().where('ticket_id', 'in', inDept).execute()
      ).map(commentFromColumns),
      history: (
        await db.selectFrom('ticket_history').selectAll().where('ticket_id', 'in', inDept).execute()
      ).map(historyFromColumns),
      customers: (
        await db
          .selectFrom('customers')
          .selectAll()
          .where(
            'id',
            'in',
            db
              .selectFrom('change_log')
              .select('entity_id')
              .where('kind', '=', 'customer')
              .where('op', '=', 'upsert')
              .where('department_id', '=', dept),
          )
          .execute()
      ).map(customerFromColumns),
    };
    const replica = {
      tickets: c.rows<TicketDbRow>('SELECT * FROM tickets').map(ticketFromColumns),
      comments: c.rows<CommentColumns>('SELECT * FROM comments').map(commentFromColumns),
      history: c.rows<HistoryColumns>('SELECT * FROM history').map(historyFromColumns),
      customers: c.rows<CustomerDbRow>('SELECT * FROM customers').map(customerFromColumns),
    };
    const outside = replica.tickets.filter((t) => t.departmentId !== dept);
    if (outside.length) failures.push(`${who}: holds ${outside.length} tickets of other departments`);
    // A customer's version is the server's newest change to it in any department (publishing it to another
    // department bumps it); a department's stream does not resend it for that, and no desktop reads it.
    const unversioned = (xs: { id: string; version: number }[]) => xs.map((x) => ({ ...x, version: 0 }));
    const lines = [
      ...diff('ticket', byId(server.tickets), byId(replica.tickets)),
      ...diff('comment', byId(server.comments), byId(replica.comments)),
      ...diff('history', byId(server.history), byId(replica.history)),
      ...diff('customer', byId(unversioned(server.customers)), byId(unversioned(replica.customers))),
    ];
    failures.push(...lines.map((line) => `${who}: ${line}`));
  }
  return failures;
}
