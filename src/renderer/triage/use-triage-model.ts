import { useEffect, useState } from 'react';
import type { TriageModelStatus } from '../../shared';
import { getApi } from '../api';

/**
 * The triage model this desktop holds (version, threshold), asked again when the connection comes back (a newer
 * model or threshold is fetched then). null until known.
 */
export function useTriageModel(): TriageModelStatus | null {
  const [status, setStatus] = useState<TriageModelStatus | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      getApi()
        .invoke('triage.model', {})
        .then(
          (s) => live && setStatus(s),
          () => {},
        );
    read();
    let online = false;
    const off = getApi().on('sync.status', (s) => {
      const now = s.state === 'online';
      // The desktop fetches the model on reconnect: read the status a moment after.
      if (now && !online) setTimeout(read, 1500);
      online = now;
    });
    return () => {
      live = false;
      off();
    };
  }, []);
  return status;
}
