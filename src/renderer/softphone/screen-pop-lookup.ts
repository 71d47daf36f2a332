import type { ScreenPop, SwitchboardApi } from '../../shared';

/** Lookups in flight or just answered, by caller id: the INVITE's prefetch is reused by the pop's render. */
const recent = new Map<string, Promise<ScreenPop>>();
const KEEP_MS = 5000;

/**
 * Ask the local replica who is calling. The phone session asks the moment the INVITE arrives, before React
 * has rendered anything, and the call panel picks up that same answer; `fresh` asks again (after sync brought
 * changes for this caller).
 */
export function lookupScreenPop(api: SwitchboardApi, callerId: string, fresh = false): Promise<ScreenPop> {
  const known = fresh ? undefined : recent.get(callerId);
  if (known) return known;
  // Diagnostics (and bench:screenpop's breakdown): when the lookup was asked and answered.
  performance.mark('switchboard:screenpop-asked', { detail: callerId });
  const asked = api.invoke('screenpop.lookup', { callerId }).then((pop) => {
    performance.mark('switchboard:screenpop-answered', { detail: callerId });
    return pop;
  });
  recent.set(callerId, asked);
  const forget = () =>
    setTimeout(() => {
      if (recent.get(callerId) === asked) recent.delete(callerId);
    }, KEEP_MS);
  asked.then(forget, () => {
    // A failed lookup is not kept: the next render asks again.
    if (recent.get(callerId) === asked) recent.delete(callerId);
  });
  return asked;
}
