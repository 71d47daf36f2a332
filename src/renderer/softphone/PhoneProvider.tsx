import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { getApi } from '../api';
import type { AudioDeviceState } from './audio-devices';
import { createPhoneSession, type PhoneSession, type PhoneSessionState } from './phone-session';

const PhoneContext = createContext<PhoneSession | null>(null);

/** One phone session per signed-in workbench: created on mount, unregistered and disposed on sign-out. */
export function PhoneProvider({ agentId, children }: { agentId: string; children: ReactNode }) {
  const [session, setSession] = useState<PhoneSession | null>(null);
  useEffect(() => {
    const s = createPhoneSession(getApi(), { agentId });
    setSession(s);
    return () => s.dispose();
  }, [agentId]);
  return <PhoneContext.Provider value={session}>{children}</PhoneContext.Provider>;
}

export function usePhoneSession(): PhoneSession | null {
  return useContext(PhoneContext);
}

const EMPTY: PhoneSessionState = {
  account: { status: 'loading' },
  queues: {},
  phone: null,
  agent: null,
  agentError: null,
  wrapUp: null,
  agentNotice: null,
  linkDownSince: null,
};

export function usePhoneState(): PhoneSessionState {
  const session = usePhoneSession();
  return useSyncExternalStore(
    (cb) => session?.subscribe(cb) ?? (() => {}),
    () => session?.getState() ?? EMPTY,
  );
}

export function useAudioDevices(): AudioDeviceState | null {
  const session = usePhoneSession();
  const state = usePhoneState();
  const devices = state.account.status === 'ready' ? session?.devices : null;
  return useSyncExternalStore(
    (cb) => devices?.subscribe(cb) ?? (() => {}),
    () => devices?.getState() ?? null,
  );
}
