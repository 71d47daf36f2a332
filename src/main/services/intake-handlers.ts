import {
  CUSTOMER_MERGE_REST,
  CustomerMergeResult,
  INTAKE_ADMIN_REST,
  IntakeActionResult,
  IntakeOverview,
  intakeRequest,
} from '../../shared/intake';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { request } from '../sync/server-api';
import type { SessionManager } from './session';

/**
 * Intake (issue 13): the admin screen's API-key and messaging-channel tabs, and the customer view's merge. Straight
 * to the server with the session's token, never through the outbox: each needs the server's checks, and offline
 * it fails at once and says so. After a merge the replica learns it from the server's `merge` change (pulled now).
 */
export function createIntakeHandlers(
  sessions: SessionManager,
): Pick<ServiceHandlers, 'intake.overview' | 'intake.apply' | 'customers.merge'> {
  return {
    'intake.overview': async () => {
      const { engine, info } = sessions.require();
      return engine.authorized((token) =>
        request(info.serverUrl, INTAKE_ADMIN_REST.overview, undefined, IntakeOverview, token),
      );
    },
    'intake.apply': async (action) => {
      const { engine, info } = sessions.require();
      const { path, body } = intakeRequest(action);
      return engine.authorized((token) => request(info.serverUrl, path, body, IntakeActionResult, token));
    },
    'customers.merge': async (input) => {
      const { engine, info } = sessions.require();
      const result = await engine.authorized((token) =>
        request(info.serverUrl, CUSTOMER_MERGE_REST, input, CustomerMergeResult, token),
      );
      engine.kick();
      return result;
    },
  };
}
