import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { can, DEFAULT_ROLE_PERMISSIONS, type Right, type RolePermissions } from '../../shared';
import { getApi } from '../api';
import { useSessionInfo } from './session-context';

/**
 * The rights of the signed-in user, from the administration config the desktop keeps (config.get answers from
 * the replica's copy when offline). One copy for the whole window, fetched again when it may have changed: after
 * a minute, and when the replica was reset (a rights change moves the sync scope).
 */
const STALE_MS = 60_000;
let permissions: RolePermissions = DEFAULT_ROLE_PERMISSIONS;
let fetchedAt = 0;
let inFlight: Promise<void> | null = null;
const listeners = new Set<() => void>();

function refresh(): void {
  if (inFlight) return;
  inFlight = getApi()
    .invoke('config.get', {})
    .then(
      (config) => {
        fetchedAt = Date.now();
        if (JSON.stringify(config.rolePermissions) !== JSON.stringify(permissions)) {
          permissions = config.rolePermissions;
          listeners.forEach((l) => l());
        }
      },
      // Nothing cached and no server: the defaults stand (the server still refuses what they would not allow).
      () => undefined,
    )
    .finally(() => (inFlight = null));
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (Date.now() - fetchedAt > STALE_MS) refresh();
  const off = getApi().on('data.changed', (c) => c.all && refresh());
  return () => {
    listeners.delete(listener);
    off();
  };
}

/** `can(right)` for the signed-in user: controls they may not use are left out, not shown and refused. */
export function useCan(): (right: Right) => boolean {
  const { user } = useSessionInfo();
  const matrix = useSyncExternalStore(subscribe, () => permissions);
  // A role change arrives with a new session (token refresh): fetch the matrix again with it.
  useEffect(() => refresh(), [user.role]);
  return useCallback((right: Right) => can(user, right, matrix), [user, matrix]);
}
