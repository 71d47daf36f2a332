import type { SyncStatus } from '../../shared';

/** How far behind the server a replica must be for the catch-up bar (and search caveats) to show. */
const CATCH_UP_GAP = 200;

/**
 * A first sync, or one back after a long time offline: not every small pull. While it runs, the replica's
 * search index is built only at the end (bulk load), so searches cannot find what is still arriving.
 */
export function isCatchingUp(status: SyncStatus | null): boolean {
  return (
    status?.state === 'syncing' &&
    (status.lastSyncedAt === null || status.head - status.cursor > CATCH_UP_GAP)
  );
}
