import { useEffect, useSyncExternalStore } from 'react';
import { SlaEngine, type AdminConfig } from '../../shared';
import { getApi } from '../api';

/**
 * The SLA engine of the configuration the desktop holds (config.get answers from the replica's copy offline),
 * shared by every timer on screen: one fetch, one calendar index per calendar. Fetched again when the desktop
 * says everything changed (it does so after a new configuration recomputed the due times) and whenever the first
 * timer mounts again (a new sign-in), keeping the engine when the version is the same.
 */
let engine: SlaEngine | null = null;
let loading = false;
let subscribed = 0;
const listeners = new Set<() => void>();
let unsubscribeData: (() => void) | null = null;

function load(): void {
  if (loading) return;
  loading = true;
  getApi()
    .invoke('config.get', {})
    .then(
      (config: AdminConfig) => {
        if (!engine || engine.config.version !== config.version) {
          engine = new SlaEngine(config);
          for (const l of listeners) l();
        }
      },
      () => undefined, // no configuration yet (signed in offline for the first time): no timers to show
    )
    .finally(() => (loading = false));
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (subscribed++ === 0) {
    load();
    unsubscribeData = getApi().on('data.changed', (c) => {
      if (c.all) load();
    });
  }
  return () => {
    listeners.delete(listener);
    if (--subscribed === 0) {
      unsubscribeData?.();
      unsubscribeData = null;
    }
  };
}

export function useSlaEngine(): SlaEngine | null {
  const e = useSyncExternalStore(subscribe, () => engine);
  useEffect(() => {
    if (!engine) load();
  }, []);
  return e;
}
