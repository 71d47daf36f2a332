import { z } from 'zod';
import { AdminConfig, AdminOverview, ADMIN_REST, adminRequest, CONFIG_REST } from '../../shared/admin';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { request } from '../sync/server-api';
import { SwitchboardError } from '../../shared/protocol/errors';
import { cacheConfig, cachedConfig } from './rights';
import type { SessionManager } from './session';

/**
 * The admin screen's calls: straight to the server with the session's token, never through the replica or the
 * outbox (an administrative change needs the server's checks; offline it fails at once and says so).
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
      return {};
    },
    // Kept with the replica, and answered from there when the server cannot be reached: rights and SLA
    // settings must hold offline too.
    'config.get': async () => {
      const { engine, info, store } = sessions.require();
      try {
        const config = await engine.authorized((token) =>
          request(info.serverUrl, CONFIG_REST, undefined, AdminConfig, token),
        );
        cacheConfig(store, config);
        return config;
      } catch (e) {
        const cached = e instanceof SwitchboardError && e.code === 'unavailable' ? cachedConfig(store) : null;
        if (cached) return cached;
        throw e;
      }
    },
  };
}
