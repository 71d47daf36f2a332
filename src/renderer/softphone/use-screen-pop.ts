import { useEffect, useState } from 'react';
import type { ScreenPop } from '../../shared';
import { getApi } from '../api';
import { useDataChanged } from '../sync/use-data-changed';
import { lookupScreenPop } from './screen-pop-lookup';

/**
 * The caller's profile, tickets and last calls from the local replica, asked the moment the call rings
 * (no network in that path). It is asked again whenever sync brings changes to this customer, their
 * tickets or the calls it lists, which is how the background refresh from the server shows up. The call
 * on screen (`callId`) is left out of the last calls: its own record syncs in while it rings.
 */
export function useScreenPop(
  callerId: string | null,
  callId: string | null,
): { pop: ScreenPop | null; reload: () => void } {
  // Kept with the call it is for, so the previous caller's profile never shows under a new call.
  const [found, setFound] = useState<{
    callerId: string;
    callId: string | null;
    pop: ScreenPop | null;
  } | null>(null);
  const pop = found && found.callerId === callerId && found.callId === callId ? found.pop : null;
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (!callerId) return;
    let live = true;
    lookupScreenPop(getApi(), callerId, generation > 0).then(
      (p) =>
        live &&
        setFound({
          callerId,
          callId,
          pop: p && { ...p, interactions: p.interactions.filter((i) => i.callId !== callId) },
        }),
      () => live && setFound({ callerId, callId, pop: null }),
    );
    return () => {
      live = false;
    };
  }, [callerId, callId, generation]);
  useDataChanged((change) => {
    if (!pop) return;
    const customerId = pop.customer?.id;
    const touched =
      change.all ||
      (customerId !== undefined && change.customerIds.includes(customerId)) ||
      // Only calls it shows: a reload for every synced call record (each routed call's own, while it rings)
      // would put a second lookup and render in the way of the first paint.
      pop.interactions.some((i) => change.interactionIds.includes(i.id)) ||
      [...pop.openTickets, ...pop.recentTickets].some((r) => change.ticketIds.includes(r.id));
    if (touched) setGeneration((g) => g + 1);
  });
  return { pop, reload: () => setGeneration((g) => g + 1) };
}
