import { useSyncExternalStore } from 'react';
import type { AdminConfig } from '../../shared';
import { getApi } from '../api';

/**
 * The administration configuration (SLA policies and calendars, custom fields, rights) as the desktop keeps it:
 * config.get answers from the replica's copy when offline. One copy for the whole window, fetched again when it
 * may have changed: after a minute, and when the replica was reset (a rights change moves the sync scope).
 */
const STALE_MS = 60_000;
let config: AdminConfig | null = null;
let fetchedAt = 0;
let inFlight: Promise<void> | null = null;
const listeners = new Set<() => void>();

export function refreshAdminConfig(): void {
  if (inFlight) return;
  inFlight = getApi()
    .invoke('config.get', {})
    .then(
      (next) => {
        fetchedAt = Date.now();
        if (JSON.stringify(next) !== JSON.stringify(config)) {
          config = next;
          listeners.forEach((l) => l());
        }
      },
      // Nothing cached and no server: callers fall back to what they do without a configuration.
      () => undefined,
    )
    .finally(() => (inFlight = null));
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (Date.now() - fetchedAt > STALE_MS) refreshAdminConfig();
  const off = getApi().on('data.changed', (c) => c.all && refreshAdminConfig());
  return () => {
    listeners.delete(listener);
    off();
  };
}

/** The configuration, or null until the first answer (or when neither the service nor a kept copy has one). */
export function useAdminConfig(): AdminConfig | null {
  return useSyncExternalStore(subscribe, () => config);
}
