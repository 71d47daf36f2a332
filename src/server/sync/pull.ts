import {
  OPTIONAL_KINDS,
  PULL_MAX_BYTES,
  SCOPE_WITHOUT_INTERNAL_NOTES,
  type Change,
  type ChatRecord,
  type OptionalKind,
  type PullResponse,
} from '../../shared';
import type { Scope } from '../auth/scope';
import { streamEnd, streamHead } from '../db/change-log';
import { idList } from '../db/id-list';
import type { ChangeKind, Db, Tx } from '../db/schema';
import { toDepartment, toUser } from '../directory/directory-store';
import {
  commentFromColumns,
  customerFromColumns,
  historyFromColumns,
  interactionFromColumns,
  ticketFromColumns,
} from '../../shared/storage/columns';

type Upsert = Extract<Change, { op: 'upsert' }>;

/** Current state of the entities named by a page of changes, one query per kind. */
async function loadEntities(trx: Tx, kind: ChangeKind, ids: string[]): Promise<Map<string, Upsert['data']>> {
  const out = new Map<string, Upsert['data']>();
  if (ids.length === 0) return out;
  const put = (rows: Upsert['data'][]) => rows.forEach((r) => out.set(r.id, r));
  switch (kind) {
    case 'department':
      put(
        (await trx.selectFrom('departments').selectAll().where('id', 'in', idList(trx, ids)).execute()).map(
          toDepartment,
        ),
      );
      break;
    case 'user':
      put(
        (await trx.selectFrom('users').selectAll().where('id', 'in', idList(trx, ids)).execute()).map(toUser),
      );
      break;
    case 'customer':
      put(
        (await trx.selectFrom('customers').selectAll().where('id', 'in', idList(trx, ids)).execute()).map(
          customerFromColumns,
        ),
      );
      break;
    case 'ticket':
      put(
        // A deleted ticket is never sent again (its stream row is a remove; this covers any row left behind).
        (
          await trx
            .selectFrom('tickets')
            .selectAll()
            .where('id', 'in', idList(trx, ids))
            .where('deleted_at', 'is', null)
            .execute()
        ).map(ticketFromColumns),
      );
      break;
    case 'comment':
      put(
        (
          await trx.selectFrom('ticket_comments').selectAll().where('id', 'in', idList(trx, ids)).execute()
        ).map(commentFromColumns),
      );
      break;
    case 'history':
      put(
        (
          await trx.selectFrom('ticket_history').selectAll().where('id', 'in', idList(trx, ids)).execute()
        ).map(historyFromColumns),
      );
      break;
    case 'interaction':
      put(
        (await trx.selectFrom('interactions').selectAll().where('id', 'in', idList(trx, ids)).execute()).map(
          interactionFromColumns,
        ),
      );
      break;
    case 'chat':
      put((await loadChats(trx, ids)).map(chatFromRow));
      break;
  }
  return out;
}

/** Ended chats (chat_interactions) with their linked ticket and the visitor's first message. */
function loadChats(trx: Tx, ids: string[]) {
  return trx
    .selectFrom('chat_interactions as c')
    .leftJoin('chat_ticket_links as l', 'l.session_id', 'c.session_id')
    .selectAll('c')
    .select('l.ticket_id')
    .select((eb) =>
      eb
        .selectFrom('chat_messages as m')
        .select('m.body')
        .whereRef('m.session_id', '=', 'c.session_id')
        .where('m.sender', '=', 'visitor')
        .orderBy('m.seq')
        .limit(1)
        .as('first_line'),
    )
    .where('c.id', 'in', idList(trx, ids))
    .execute();
}

function chatFromRow(r: Awaited<ReturnType<typeof loadChats>>[number]): ChatRecord {
  return {
    id: r.id,
    sessionId: r.session_id,
    departmentId: r.department_id,
    customerId: r.customer_id,
    agentId: r.agent_id,
    visitorName: r.visitor_name,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    messageCount: r.message_count,
    firstLine: r.first_line ?? '',
    transcript: r.transcript,
    ticketId: r.ticket_id ?? null,
  };
}

/** Every optional kind: what pokes carry (an older desktop fails to parse such a poke and pulls instead). */
export const ALL_OPTIONAL: ReadonlySet<OptionalKind> = new Set(OPTIONAL_KINDS);

/** Marks a scope without internal notes: a replica filled with them resets when the right goes, and back. */
export const WITHOUT_INTERNAL_NOTES = SCOPE_WITHOUT_INTERNAL_NOTES;
export const scopeKey = (scope: Scope): string =>
  (scope.all ? 'all' : `dept:${scope.departmentId}`) +
  (scope.withoutInternalNotes ? WITHOUT_INTERNAL_NOTES : '');

type Row = { version: number; kind: ChangeKind; entity_id: string; op: string };
type TicketData = Extract<Upsert, { kind: 'ticket' }>['data'];

/**
 * Comments and history whose ticket's own change comes later in the stream, keyed `kind:id`, with that ticket.
 * Every ticket edit moves the ticket's row to the end of the stream (older rows are compacted away), behind the
 * comments it already had; a replica that does not hold the ticket yet (a first sync, or a page boundary)
 * drops children of a ticket it does not know, so the ticket is sent first, ahead of its children.
 */
async function ticketsAfterTheirChildren(
  trx: Tx,
  scope: Scope,
  rows: readonly Row[],
  entities: Map<ChangeKind, Map<string, Upsert['data']>>,
): Promise<Map<string, { ticket: TicketData; sent: boolean }>> {
  const out = new Map<string, { ticket: TicketData; sent: boolean }>();
  const children = rows.flatMap((r) => {
    if (r.op !== 'upsert' || (r.kind !== 'comment' && r.kind !== 'history')) return [];
    const data = entities.get(r.kind)?.get(r.entity_id) as { ticketId: string } | undefined;
    return data ? [{ key: `${r.kind}:${r.entity_id}`, version: r.version, ticketId: data.ticketId }] : [];
  });
  if (children.length === 0) return out;
  // A ticket whose upsert is later in this very page (it is in scope: the page holds nothing else) is late for
  // every child before it, whatever else the stream holds of it: those children need no lookup. In a first
  // sync that is nearly all of them, and the lookup was a fifth of the server's time serving it.
  const inPage = new Map<string, number>();
  for (const r of rows) if (r.kind === 'ticket' && r.op === 'upsert') inPage.set(r.entity_id, r.version);
  const latest = new Map<string, number>();
  const ticketIds = [
    ...new Set(children.filter((c) => !(c.version < (inPage.get(c.ticketId) ?? 0))).map((c) => c.ticketId)),
  ];
  // Only (kind, entity_id) in SQL, so SQLite takes the entity index; with the department in the WHERE it
  // chose the department index and read the whole department for every page (100 ms a page at 100k tickets).
  const ticketRows =
    ticketIds.length === 0
      ? []
      : await trx
          .selectFrom('change_log')
          .select(['entity_id', 'version', 'department_id', 'op'])
          .where('kind', '=', 'ticket')
          .where('entity_id', 'in', idList(trx, ticketIds))
          .execute();
  for (const r of ticketRows) {
    if (r.op !== 'upsert' || (!scope.all && r.department_id !== scope.departmentId)) continue;
    latest.set(r.entity_id, Math.max(r.version, latest.get(r.entity_id) ?? 0));
  }
  for (const [id, version] of inPage) latest.set(id, Math.max(version, latest.get(id) ?? 0));
  const late = [
    ...new Set(children.filter((c) => c.version < (latest.get(c.ticketId) ?? 0)).map((c) => c.ticketId)),
  ];
  if (late.length === 0) return out;
  // Tickets whose own change is later in this same page are already loaded, in the same state.
  const loaded = entities.get('ticket') ?? new Map<string, Upsert['data']>();
  const tickets = await loadEntities(
    trx,
    'ticket',
    late.filter((id) => !loaded.has(id)),
  );
  for (const id of late) if (loaded.has(id)) tickets.set(id, loaded.get(id)!);
  const shared = new Map<string, { ticket: TicketData; sent: boolean }>();
  for (const c of children) {
    const ticket = tickets.get(c.ticketId) as TicketData | undefined;
    if (!ticket || !(c.version < (latest.get(c.ticketId) ?? 0))) continue;
    // One entry per ticket, so it is sent once, before the first of its children.
    if (!shared.has(c.ticketId)) shared.set(c.ticketId, { ticket, sent: false });
    out.set(c.key, shared.get(c.ticketId)!);
  }
  return out;
}

/**
 * How many of `changes` fit in PULL_MAX_BYTES: all of them as a rule (one serialisation to find out); else the
 * longest run that fits, never less than every change of the first version so that each page moves on.
 */
function fittingBytes(changes: Change[]): number {
  if (Buffer.byteLength(JSON.stringify(changes)) <= PULL_MAX_BYTES) return changes.length;
  let bytes = 2;
  let n = 0;
  for (; n < changes.length; n++) {
    bytes += Buffer.byteLength(JSON.stringify(changes[n])) + 1;
    const firstVersion = changes[n]!.version === changes[0]!.version;
    if (bytes > PULL_MAX_BYTES && !firstVersion) break;
  }
  return n;
}

/**
 * Everything in the scope after `cursor`, oldest first, at most `limit` changes. Read in one transaction so
 * the page and `head` agree. A short page means nothing else in scope exists up to head, so the cursor jumps there.
 * `held` is the scope the replica was filled for: when the user has moved since, the answer starts over from 0
 * with `reset`, because the stream never says "this department is no longer yours" ticket by ticket.
 */
export async function pullChanges(
  db: Db,
  scope: Scope,
  from: number,
  limit: number,
  held?: string,
  /** A safe head the caller has just read (streamHead), so it is not read twice. */
  knownHead?: number,
  /** The optional kinds the client applies (PullRequest.accepts); rows of the others are passed over. */
  accepts: ReadonlySet<string> = ALL_OPTIONAL,
): Promise<PullResponse> {
  const key = scopeKey(scope);
  const reset = held !== undefined && held !== key;
  // The safe head, read before the transaction so that its snapshot holds every change up to it; the page stops
  // there, so a change still being committed below a newer one is never passed (sync/README.md). One snapshot
  // (REPEATABLE READ) for the page and the entities it names.
  const head = knownHead ?? (await streamHead(db));
  const snapshot = db.transaction().setIsolationLevel('repeatable read');
  return snapshot.execute(async (trx) => {
    // A cursor past the newest change comes from a replica of an earlier database (the server was reset or
    // restored): it would wait forever, so it gets its whole scope again. One past the safe head only (another
    // node's, while this one waits out a long writer) just waits.
    if (!reset && from > head) {
      if (from <= (await streamEnd(trx)))
        return { changes: [], cursor: from, hasMore: false, head: from, scope: key, reset };
    }
    const cursor = reset || from > head ? 0 : from;
    // One index range per part of the scope, each in version order and stopping at `limit`: an OR of the two
    // made SQLite read every row after the cursor and sort them, for each page (quadratic in a first sync).
    const part = (departmentId: string | null) =>
      trx
        .selectFrom('change_log')
        .selectAll()
        .where('version', '>', cursor)
        .where('version', '<=', head)
        .where('department_id', departmentId === null ? 'is' : '=', departmentId)
        .orderBy('version')
        .limit(limit)
        .execute();
    const rows = scope.all
      ? await trx
          .selectFrom('change_log')
          .selectAll()
          .where('version', '>', cursor)
          .where('version', '<=', head)
          .orderBy('version')
          .limit(limit)
          .execute()
      : [...(await part(null)), ...(await part(scope.departmentId))]
          .sort((a, b) => a.version - b.version)
          .slice(0, limit);

    // A kind the client did not ask for is never sent: an older desktop rejects the whole page for one change
    // of a kind it does not know. Its cursor still moves past those rows.
    const skipped = (kind: ChangeKind) =>
      (OPTIONAL_KINDS as readonly string[]).includes(kind) && !accepts.has(kind);
    const idsByKind = new Map<ChangeKind, string[]>();
    for (const r of rows) {
      if (r.op !== 'upsert' || skipped(r.kind)) continue;
      const ids = idsByKind.get(r.kind);
      if (ids) ids.push(r.entity_id);
      else idsByKind.set(r.kind, [r.entity_id]);
    }
    const entities = new Map<ChangeKind, Map<string, Upsert['data']>>();
    for (const [kind, ids] of idsByKind) entities.set(kind, await loadEntities(trx, kind, [...new Set(ids)]));
    const aliasIds = rows.filter((r) => r.op === 'merge').map((r) => r.entity_id);
    const aliases = new Map(
      aliasIds.length === 0
        ? []
        : (
            await trx
              .selectFrom('customer_aliases')
              .select(['alias_id', 'customer_id'])
              .where('alias_id', 'in', idList(trx, aliasIds))
              .execute()
          ).map((a) => [a.alias_id, a.customer_id]),
    );

    // An admin sees a customer once per department it has tickets in: send only the newest of those rows.
    const lastUpsert = new Map<string, number>();
    for (const r of rows) if (r.op === 'upsert') lastUpsert.set(`${r.kind}:${r.entity_id}`, r.version);

    const early = await ticketsAfterTheirChildren(trx, scope, rows, entities);
    const sentEarly = new Set<string>();
    const changes: Change[] = [];
    for (const r of rows) {
      const parent = r.op === 'upsert' ? early.get(`${r.kind}:${r.entity_id}`) : undefined;
      if (parent && !parent.sent) {
        parent.sent = true;
        sentEarly.add(parent.ticket.id);
        changes.push({ version: r.version, kind: 'ticket', op: 'upsert', data: parent.ticket });
      }
      if (r.op === 'remove') {
        changes.push({ version: r.version, kind: 'ticket', op: 'remove', id: r.entity_id });
        continue;
      }
      if (r.op === 'merge') {
        const into = aliases.get(r.entity_id);
        if (into) changes.push({ version: r.version, kind: 'customer', op: 'merge', id: r.entity_id, into });
        continue;
      }
      if (lastUpsert.get(`${r.kind}:${r.entity_id}`) !== r.version || skipped(r.kind)) continue;
      // Already sent ahead of its children, in the state it has now.
      if (r.kind === 'ticket' && sentEarly.has(r.entity_id)) continue;
      const data = entities.get(r.kind)?.get(r.entity_id);
      // What a user may not see never reaches their replica (the stream row is passed over, the cursor moves on).
      if (scope.withoutInternalNotes && r.kind === 'comment' && (data as { internal?: boolean })?.internal)
        continue;
      if (data) changes.push({ version: r.version, kind: r.kind, op: 'upsert', data } as Change);
    }
    const fit = fittingBytes(changes);
    if (fit < changes.length) {
      // The rest from the first change left out: the next page starts at its version, so nothing is skipped
      // (a ticket sent ahead of its child shares the child's version and is simply sent again).
      const cut = changes[fit]!.version - 1;
      return { changes: changes.slice(0, fit), cursor: cut, hasMore: true, head, scope: key, reset };
    }
    const hasMore = rows.length === limit;
    const last = rows[rows.length - 1]?.version ?? cursor;
    return { changes, cursor: hasMore ? last : Math.max(head, cursor), hasMore, head, scope: key, reset };
  });
}
