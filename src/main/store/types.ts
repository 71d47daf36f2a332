import type { Mutation } from '../../shared/protocol/sync';

/** Keys of the meta table. */
export const META = {
  cursor: 'cursor',
  head: 'head',
  lastSyncedAt: 'last_synced_at',
  sessionUser: 'session_user',
  /** The scope key of the last pull answer: whose data this replica holds. */
  scope: 'scope',
  /**
   * Set while a first sync loads in bulk (see StoreWriter.applyPage): the secondary indexes it dropped, as
   * JSON [name, sql][], to be built again, with the search index, when the load finishes.
   */
  bulkLoad: 'bulk_load',
} as const;

export interface OutboxEntry {
  seq: number;
  mutation: Mutation;
  attempts: number;
  lastError: string | null;
}

export interface SyncMeta {
  cursor: number;
  head: number;
  lastSyncedAt: string | null;
}
