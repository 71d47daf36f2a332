import { useEffect, useState } from 'react';
import type { ScreenPop } from '../../shared';
import { getApi } from '../api';
import { useDataChanged } from '../sync/use-data-changed';
import { lookupScreenPop } from './screen-pop-lookup';

/**
 * The caller's profile, tickets and last calls from the local replica, asked the moment the call rings
 * (no network in that path). It is asked again whenever sync brings changes to this customer, their
 * tickets or the calls it lists, which is how the background refresh from the server shows up.
 */
export function useScreenPop(callerId: string | null): { pop: ScreenPop | null; reload: () => void } {
  // Kept with the number it is for, so the previous caller's profile never shows under a new call.
  const [found, setFound] = useState<{ callerId: string; pop: ScreenPop | null } | null>(null);
  const pop = found && found.callerId === callerId ? found.pop : null;
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (!callerId) return;
    let live = true;
    lookupScreenPop(getApi(), callerId, generation > 0).then(
      (p) => live && setFound({ callerId, pop: p }),
      () => live && setFound({ callerId, pop: null }),
    );
    return () => {
      live = false;
    };
  }, [callerId, generation]);
  useDataChanged((change) => {
    if (!pop) return;
    const customerId = pop.customer?.id;
    const touched =
      change.all ||
      (customerId !== undefined && change.customerIds.includes(customerId)) ||
      // Only calls it shows: every routed call's record syncs in while its phone rings, and reloading the
      // pop for each would put a second lookup and render in the way of the first paint.
      pop.interactions.some((i) => change.interactionIds.includes(i.id)) ||
      [...pop.openTickets, ...pop.recentTickets].some((r) => change.ticketIds.includes(r.id));
    if (touched) setGeneration((g) => g + 1);
  });
  return { pop, reload: () => setGeneration((g) => g + 1) };
}
