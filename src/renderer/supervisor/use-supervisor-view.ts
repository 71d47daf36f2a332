import { useEffect, useState } from 'react';
import type { SupervisorView } from '../../shared/ipc/supervisor';
import { errorBodyOf, getApi } from '../api';

const NONE: SupervisorView = { watching: false, live: false, view: null, receivedAt: null, error: null };

/**
 * The live view while the monitor is shown: the desktop services subscribe once and push every change
 * (supervisor.view); nothing here asks again on a timer. Leaving the monitor stops the subscription.
 */
export function useSupervisorView(): SupervisorView {
  const [view, setView] = useState<SupervisorView>(NONE);
  useEffect(() => {
    const api = getApi();
    let live = true;
    const off = api.on('supervisor.view', (v) => live && setView(v));
    api.invoke('supervisor.watch', {}).then(
      (v) => live && setView(v),
      (e: unknown) => live && setView({ ...NONE, error: errorBodyOf(e) }),
    );
    return () => {
      live = false;
      off();
      void api.invoke('supervisor.unwatch', {}).catch(() => undefined);
    };
  }, []);
  return view;
}
