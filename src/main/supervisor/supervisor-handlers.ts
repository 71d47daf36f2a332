import { z } from 'zod';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import { WALLBOARD_REST, WallboardTokenCreated, WallboardTokenInfo } from '../../shared/protocol/supervisor';
import { fetchWithToken, request } from '../sync/server-api';
import type { SessionManager } from '../services/session';

type SupervisorMethods = Extract<keyof ServiceHandlers, `supervisor.${string}` | `wallboard.${string}`>;

/** The token list, as an array or wrapped ({ tokens }). */
const TokenList = z.union([
  z.array(WallboardTokenInfo),
  z.object({ tokens: z.array(WallboardTokenInfo) }).transform((r) => r.tokens),
]);

const TIMEOUT_MS = 10_000;

/** Said before asking the server, so an agent's desktop never sends what only supervisors may ask. */
const supervisorsOnly = () =>
  new SwitchboardError('forbidden', 'Only supervisors and administrators can use the queue monitor.');

/**
 * The supervisor's desktop (issue 14, desk): the live view and agent control over the session's sync socket
 * (src/main/supervisor/supervisor-link.ts), wallboard tokens over REST with the session's token. The server
 * checks every right itself (role and department); the role check here only keeps an agent's desktop quiet.
 * Notices are every user's.
 */
export function createSupervisorHandlers(sessions: SessionManager): Pick<ServiceHandlers, SupervisorMethods> {
  const link = () => sessions.require().engine.supervisor;
  const supervising = () => {
    const s = sessions.require();
    if (s.info.user.role !== 'supervisor' && s.info.user.role !== 'admin') throw supervisorsOnly();
    return s;
  };
  const rest = <T extends z.ZodType>(path: string, body: unknown, schema: T) => {
    const { engine, info } = supervising();
    return engine.authorized((token) => request(info.serverUrl, path, body, schema, token));
  };
  return {
    'supervisor.watch': async ({ departmentIds }) => {
      supervising();
      return link().watch(departmentIds);
    },
    'supervisor.unwatch': async () => {
      await link().unwatch();
      return {};
    },
    'supervisor.view': async () => link().state(),
    'supervisor.waiting': async () => {
      supervising();
      return link().waiting();
    },
    'supervisor.assignCall': async (input) => {
      supervising();
      await link().assignCall(input);
      return {};
    },
    'supervisor.message': async (input) => {
      supervising();
      return link().message(input);
    },
    'supervisor.setAgentState': async (input) => {
      supervising();
      return link().setAgentState(input);
    },
    'supervisor.agentHistory': async ({ userId, limit }) => {
      supervising();
      return { changes: await link().history(userId, limit) };
    },
    'supervisor.notices': async () => link().noticeList(),
    'supervisor.dismissNotice': async ({ id }) => link().dismissNotice(id),
    'wallboard.tokens': async () => rest(WALLBOARD_REST.tokens, undefined, TokenList),
    'wallboard.create': async (input) => rest(WALLBOARD_REST.tokens, input, WallboardTokenCreated),
    'wallboard.revoke': async ({ id }) => {
      const { engine, info } = supervising();
      await engine.authorized((token) =>
        fetchWithToken(info.serverUrl, token, WALLBOARD_REST.token(id), { method: 'DELETE' }, TIMEOUT_MS),
      );
      return {};
    },
  };
}
