import { z } from 'zod';
import { AdminOverview, ADMIN_REST, adminRequest } from '../../shared/admin';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { request } from '../sync/server-api';
import type { SessionManager } from './session';

/**
 * The admin screen's calls: straight to the server with the session's token, never through the replica or the
 * outbox (an administrative change needs the server's checks; offline it fails at once and says so). config.get
 * is the exception: any signed-in user's timers need it, so the last answer is kept and serves offline.
 */
export function createAdminHandlers(
  sessions: SessionManager,
): Pick<ServiceHandlers, 'admin.overview' | 'admin.apply' | 'config.get'> {
  return {
    'admin.overview': async () => {
      const { engine, info } = sessions.require();
      return engine.authorized((token) =>
        request(info.serverUrl, ADMIN_REST.overview, undefined, AdminOverview, token),
      );
    },
    'admin.apply': async (action) => {
      const { engine, info } = sessions.require();
      const { path, body } = adminRequest(action);
      await engine.authorized((token) => request(info.serverUrl, path, body, z.unknown(), token));
      // An SLA policy or calendar may have changed: timers and due times follow at once, not at the next poll.
      await sessions.current?.sla.refreshConfig().catch(() => undefined);
      return {};
    },
    // From the service when it answers (kept in the replica), else the copy kept: timers run offline too.
    'config.get': async () => sessions.require().sla.refreshConfig(),
  };
}
