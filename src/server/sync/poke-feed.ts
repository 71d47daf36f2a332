import type { Poke } from '../../shared';
import type { Scope } from '../auth/scope';
import { streamHead } from '../db/change-log';
import type { Db } from '../db/schema';
import { pullChanges, scopeKey } from './pull';

/** A poke carries at most this many stream rows. */
export const POKE_MAX_CHANGES = 200;
/**
 * A bigger backlog goes out as several pokes in a row, each continuing the one before, up to this many; beyond
 * that it is left to the replicas' pulls. Pokes coalesce under load (sync-socket.ts), so one often holds more
 * than POKE_MAX_CHANGES rows: as one plain poke it made every socket of the department pull the same pages.
 */
export const POKE_MAX_PARTS = 5;

/**
 * The pokes of each scope, carrying what changed since the previous poke of that scope when it is small.
 * Every replica of a department used to answer a poke with its own pull, all for the same page: reading it once
 * here and sending it along saves the server those pulls and the replica a round trip.
 *
 * `from` is the head of the previous poke of the scope, so the changes are exact only if pokes of a scope are
 * made one after another: they are queued. Any `from` is correct (the page is everything after it); a replica
 * whose cursor is not `from` pulls instead.
 */
export class PokeFeed {
  /** Scope key -> head of the last poke made for it. Unknown after a start: the first poke is plain. */
  private readonly last = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly maxChanges = POKE_MAX_CHANGES,
  ) {}

  /** The pokes for each scope, in order, keyed by scope key. */
  next(scopes: readonly Scope[]): Promise<Map<string, Poke[]>> {
    const run = this.queue.then(() => this.make(scopes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Nobody listens to the scope: its next poke will be plain rather than carry an old, long page. */
  forget(key: string): void {
    this.last.delete(key);
  }

  private async make(scopes: readonly Scope[]): Promise<Map<string, Poke[]>> {
    const out = new Map<string, Poke[]>();
    let head: number | undefined;
    for (const scope of scopes) {
      const key = scopeKey(scope);
      if (out.has(key)) continue;
      const from = this.last.get(key);
      head ??= await streamHead(this.db);
      // A head below `from` means a database restored under a running server: start over with a plain poke.
      if (from === undefined || from > head) {
        this.last.set(key, head);
        out.set(key, [{ head }]);
        continue;
      }
      const pokes: Poke[] = [];
      let at = from;
      for (;;) {
        const page = await pullChanges(this.db, scope, at, this.maxChanges, undefined, head);
        if (page.hasMore && pokes.length + 1 >= POKE_MAX_PARTS) {
          pokes.push({ head: page.head });
          at = page.head;
          break;
        }
        pokes.push({ head: page.cursor, from: at, changes: page.changes, scope: key });
        at = page.cursor;
        if (!page.hasMore) break;
      }
      this.last.set(key, at);
      out.set(key, pokes);
    }
    return out;
  }
}
