import { createContext, useContext } from 'react';
import type { SessionInfo } from '../../shared';

/**
 * The signed-in session, for components deep in the workbench that depend on who the agent is (their
 * department, their id) without threading it through every page.
 */
export const SessionContext = createContext<SessionInfo | null>(null);

export function useSessionInfo(): SessionInfo {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSessionInfo is used outside the workbench');
  return s;
}
