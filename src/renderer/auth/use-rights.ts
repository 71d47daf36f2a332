import { useCallback, useEffect } from 'react';
import { can, DEFAULT_ROLE_PERMISSIONS, type Right } from '../../shared';
import { refreshAdminConfig, useAdminConfig } from '../config/use-admin-config';
import { useSessionInfo } from './session-context';

/**
 * `can(right)` for the signed-in user, from the administration config the desktop keeps: controls they may not
 * use are left out, not shown and refused. Until a config is known the defaults stand (the server still refuses
 * what they would not allow).
 */
export function useCan(): (right: Right) => boolean {
  const { user } = useSessionInfo();
  const matrix = useAdminConfig()?.rolePermissions ?? DEFAULT_ROLE_PERMISSIONS;
  // A role change arrives with a new session (token refresh): fetch the matrix again with it.
  useEffect(() => refreshAdminConfig(), [user.role]);
  return useCallback((right: Right) => can(user, right, matrix), [user, matrix]);
}
