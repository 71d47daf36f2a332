import { useState } from 'react';
import { usePhoneSession, usePhoneState } from './PhoneProvider';

/**
 * Click-to-call for any screen: whether a call can be placed now, and placing it. A failure (not
 * registered, already in a call) is kept for the caller to show.
 */
export function usePhoneDial(): { canDial: boolean; call: (target: string) => void; error: string | null } {
  const session = usePhoneSession();
  const { phone } = usePhoneState();
  const [error, setError] = useState<string | null>(null);
  const busy = Boolean(
    (phone?.call && phone.call.state !== 'ended') ||
    (phone?.consultation && phone.consultation.state !== 'ended'),
  );
  const canDial = phone?.registration.status === 'registered' && !busy;
  return {
    canDial,
    error,
    call(target) {
      setError(null);
      try {
        session?.phone?.call(target);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    },
  };
}
