import { Ack, SwitchboardError } from '../../shared/protocol/errors';
import { OPTIONAL_KINDS, PullResponse, SocketEvents, type Poke } from '../../shared/protocol/sync';
import { META, type LocalStore, type Touched } from '../store';
import type { SyncConnection } from './transport';

const PullAck = Ack(PullResponse);

/** Turn an acknowledgement into its data, or throw the server's error as a SwitchboardError. */
export function ackData<T>(
  schema: { safeParse(x: unknown): { success: boolean; data?: unknown } },
  raw: unknown,
): T {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new SwitchboardError('internal', 'The server sent a sync message this desktop cannot read.');
  const ack = r.data as Ack<T>;
  if (!ack.ok) throw new SwitchboardError(ack.error.code, ack.error.message);
  return ack.data;
}

/** What one applied page (pulled, or carried by a poke) changed, for the status and data.changed events. */
export type AppliedPage = Touched & { count: number; cursor: number; head: number; hasMore: boolean };

/**
 * Applies the changes a poke carries when they continue this replica: the poke holds every change of its scope
 * after `from` up to `head` (the server made them with a pull's query), so a replica whose cursor lies
 * anywhere from `from` to `head` takes the ones after its cursor and is at `head`, as a pull would have left
 * it. A cursor moved on by a pull since the previous poke is the common case when many desktops write at once;
 * asking for a pull then made each desktop pull after nearly every poke. A cursor already at or past `head`
 * has nothing to take. Returns null, having changed nothing, for any other poke (plain, one that starts after
 * the cursor, for a scope this replica no longer holds): the caller pulls then.
 */
export function applyPoke(store: LocalStore, poke: Poke): AppliedPage | null {
  const { changes, from, scope, head } = poke;
  if (!changes || from === undefined || !scope) return null;
  const { cursor } = store.read.syncMeta();
  if (cursor < from || scope !== store.read.meta(META.scope)) return null;
  const none = { ticketIds: [], customerIds: [], interactionIds: [] };
  if (cursor >= head) return { ...none, count: 0, cursor, head: cursor, hasMore: false };
  // A ticket sent ahead of its children carries a child's version but its state now (pull.ts on the server,
  // ticketsAfterTheirChildren), and its own later row is left out of the page: it is judged by its own version.
  const after =
    cursor === from
      ? changes
      : changes.filter(
          (c) => c.version > cursor || (c.kind === 'ticket' && c.op === 'upsert' && c.data.version > cursor),
        );
  const touched = store.write.applyPage(after, head, head, new Date().toISOString(), { key: scope });
  return { ...touched, count: after.length, cursor: head, head, hasMore: false };
}

/**
 * Pull every page after the stored cursor until the server says there is no more. Each page is applied,
 * with its cursor, in one transaction, so an interrupted pull resumes where it stopped. The next page is
 * asked for before this one is applied, so the server reads it while this desktop writes.
 */
export async function pullAll(
  conn: SyncConnection,
  store: LocalStore,
  opts: {
    pageSize: number;
    timeoutMs: number;
    onPage: (page: AppliedPage) => void;
    /** The replica was emptied for a new scope: everything on screen is stale. */
    onReset?: () => void;
  },
): Promise<void> {
  const ask = (cursor: number, scope: string | null | undefined) =>
    conn.request(
      SocketEvents.pull,
      // Every optional kind this desktop applies (chat-timeline, issue 13): the service sends no others.
      { cursor, limit: opts.pageSize, ...(scope ? { scope } : {}), accepts: [...OPTIONAL_KINDS] },
      opts.timeoutMs,
    );
  let { cursor } = store.read.syncMeta();
  let next = ask(cursor, store.read.meta(META.scope));
  let bulk = false;
  for (;;) {
    const page = ackData<PullResponse>(PullAck, await next);
    const more = page.hasMore && (page.cursor > cursor || page.reset);
    // A first sync (or a new scope) spanning pages loads in bulk, its indexes built once at the end.
    if (more && (cursor === 0 || page.reset)) bulk = true;
    if (more) {
      next = ask(page.cursor, page.scope);
      // Dropped unread if applying this page fails; the failure is reported from here.
      next.catch(() => {});
    }
    const touched = store.write.applyPage(
      page.changes,
      page.cursor,
      page.head,
      new Date().toISOString(),
      { key: page.scope, reset: page.reset },
      bulk,
    );
    // Before the last page is reported, so the replica is not shown as synced while its indexes are down.
    if (!more) store.write.finishBulkLoad();
    if (page.reset) opts.onReset?.();
    opts.onPage({
      ...touched,
      count: page.changes.length,
      cursor: page.cursor,
      head: page.head,
      hasMore: page.hasMore,
    });
    if (!more) return;
    cursor = page.cursor;
  }
}
