import { sql } from 'kysely';
import { type CustomerDbRow, type TicketDbRow } from '../../src/main/store/rows';
import type { Db } from '../../src/server/db/schema';
import type { Confirmed, SimDevice } from './sim-client';
import type { SimServer } from './sim-server';
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
 * (a) Every change an agent made (a local write the UI confirmed) is on the server exactly once, or in that
 * device's not-sent list, or kept on its ticket as a same-field conflict for the agent to settle: never lost,
 * and never both applied and listed as not sent (a retry would send it twice). "Refused and reported" is not
 * kept: the list is where the agent's words stay.
 */
export async function checkMutations(db: Db, devices: SimDevice[]): Promise<string[]> {
  const failures: string[] = [];
  const applied = new Map(
    (await db.selectFrom('applied_mutations').selectAll().execute()).map((r) => [r.id, r]),
  );
  const audited = new Map<string, number>();
  // Chained records and those still waiting for the chainer (audit/README.md): each is one audit record.
  // One statement, so one snapshot: a record moving between the two meanwhile is counted once.
  const records = await db
    .selectFrom('audit_log')
    .select('detail')
    .unionAll(db.selectFrom('audit_pending').select('detail'))
    .execute();
  for (const a of records) {
    const id = (JSON.parse(a.detail) as { mutationId?: string }).mutationId;
    if (id) audited.set(id, (audited.get(id) ?? 0) + 1);
  }
  const comments = new Map<string, number>();
  for (const c of await db.selectFrom('ticket_comments').select('id').execute())
    comments.set(c.id, (comments.get(c.id) ?? 0) + 1);
  const tickets = new Set((await db.selectFrom('tickets').select('id').execute()).map((r) => r.id));
  const history = await db.selectFrom('ticket_history').selectAll().orderBy('version').execute();
  const byVersion = new Map(history.map((h) => [h.version, h]));
  // Which change made each version: the first applied with it (in the order the server applied them). A
  // change that found its value already there is answered with the version standing, and made nothing.
  const writer = new Map<number, string>();
  const inOrder = await sql<{ id: string; version: number | null; status: string }>`
    SELECT id, version, status FROM applied_mutations ORDER BY rowid`.execute(db);
  for (const r of inOrder.rows) {
    if (r.status === 'applied' && r.version !== null && !writer.has(r.version)) writer.set(r.version, r.id);
  }

  for (const d of devices) {
    const who = `device ${d.index} (${d.agent.username})`;
    const pending = d.outboxIds();
    if (pending.length) failures.push(`${who}: outbox not drained after quiescence (${pending.length} left)`);
    const notSent = d.notSentIds();
    const conflicts = d.conflicts();
    // The history rows this device's applied changes wrote, found from what the server answered (each change's
    // rows come right before the version it was answered with), not from the server's record of devices.
    const own = new Set<number>();
    for (const m of d.confirmed) {
      const r = applied.get(m.id);
      if (r?.status !== 'applied' || r.version === null || writer.get(r.version) !== m.id) continue;
      for (let v = r.version - 1; byVersion.get(v)?.ticket_id === m.ticketId; v--) own.add(v);
    }
    for (const m of d.confirmed) {
      const row = applied.get(m.id);
      const listed = notSent.has(m.id);
      if (row) {
        if (row.user_id !== d.agent.id) failures.push(`${who}: ${m.name} ${m.id} recorded for another user`);
        const n = audited.get(m.id) ?? 0;
        if (n !== 1) failures.push(`${who}: ${m.name} ${m.id} audited ${n} times (expected once)`);
      }
      if (row?.status === 'applied') {
        if (listed)
          failures.push(
            `${who}: ${m.name} ${m.id} is on the server and also in the not-sent list (${notSent.get(m.id)})`,
          );
        if (m.name === 'ticket.comment' && comments.get(m.commentId!) !== 1)
          failures.push(`${who}: comment ${m.commentId} stored ${comments.get(m.commentId!) ?? 0} times`);
        if (m.name === 'ticket.create' && !tickets.has(m.ticketId!))
          failures.push(`${who}: ticket ${m.ticketId} applied but not on the server`);
        if (m.name === 'ticket.update' && writer.get(row.version!) === m.id)
          failures.push(...overwrites(who, m, row.version!, own, byVersion, history));
        continue;
      }
      if (listed) continue;
      const conflictKept =
        row?.status === 'rejected' &&
        m.name === 'ticket.update' &&
        (m.fields ?? []).some((f) => conflicts.has(`${m.ticketId}:${f}`));
      if (conflictKept) continue;
      failures.push(
        `${who}: ${m.name} ${m.id} lost: ` +
          (row ? `refused (${row.error_code}: ${row.error_message})` : 'never reached the server') +
          ', and not in the not-sent list',
      );
    }
  }
  return failures;
}

/**
 * (d) An applied edit never silently overwrote a change another device (another agent's, or the same agent's
 * other desktop) made to the same field after the version the edit was based on: that is a conflict, which
 * the server must refuse and the desktop keep for the agent.
 */
function overwrites(
  who: string,
  m: Confirmed,
  version: number,
  own: Set<number>,
  byVersion: Map<number, (typeof history)[number]>,
  history: {
    ticket_id: string;
    field: string;
    to_value: string | null;
    version: number;
    actor_id: string | null;
    device_id: string | null;
  }[],
): string[] {
  const out: string[] = [];
  for (const [field, mine] of Object.entries(m.patch ?? {})) {
    const onTicket = history.filter((h) => h.ticket_id === m.ticketId && h.field === field);
    // The edit's own row: the last one on this field before its version, in the rows it wrote (an edit that
    // changed nothing wrote none, and overwrote nothing).
    let row: (typeof history)[number] | undefined;
    for (let v = version - 1; byVersion.get(v)?.ticket_id === m.ticketId; v--) {
      if (byVersion.get(v)!.field === field) row = byVersion.get(v);
    }
    if (!row) continue;
    const theirs = onTicket
      .filter((h) => h.version > m.baseVersion! && h.version < row.version && !own.has(h.version))
      .at(-1);
    if (theirs && theirs.to_value !== mine) {
      out.push(
        `${who}: edit ${m.id} set ${field} to "${mine}" over "${theirs.to_value}" (version ${theirs.version}) ` +
          `without a conflict; it was based on version ${m.baseVersion}`,
      );
    }
  }
  return out;
}

/**
 * (b) Each replica equals the server's view of its scope (tickets, comments, history, customers), and
 * (c) holds nothing outside it.
 */
export async function checkReplicas(sim: SimServer, devices: SimDevice[]): Promise<string[]> {
  const db = sim.database;
  const failures: string[] = [];
  const byId = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => a.id.localeCompare(b.id));
  for (const c of devices) {
    // The department the account is in now (it may have moved during the run).
    const dept = (await sim.account(c.agent.id)).user.departmentId!;
    const who = `device ${c.index} (${c.agent.username})`;
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
