import { useSyncExternalStore } from 'react';
import { hostConnection } from './get-api';
import type { HostConnection } from './host-connection';

export function useHostConnection(): HostConnection {
  return useSyncExternalStore(
    (cb) => hostConnection.subscribe(cb),
    () => hostConnection.get(),
  );
}
