import { useEffect, useState } from 'react';
import type { SyncStatus } from '../../shared';
import { getApi } from '../api';

/** The sync engine's state: asked once at start, then kept current by 'sync.status' events. */
export function useSyncStatus(): SyncStatus | null {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  useEffect(() => {
    let live = true;
    let pushed = false;
    const off = getApi().on('sync.status', (s) => {
      pushed = true;
      setStatus(s);
    });
    getApi()
      .invoke('sync.status', {})
      .then((s) => {
        // An event that arrived while we asked is newer than the answer.
        if (live && !pushed) setStatus(s);
      })
      .catch(() => {});
    return () => {
      live = false;
      off();
    };
  }, []);
  return status;
}
