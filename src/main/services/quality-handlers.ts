import type { z } from 'zod';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import {
  QUALITY_REST,
  QualityConfig,
  QualityContactDetail,
  QualityMine,
  QualityQueueItem,
  QualityReview,
  QualityRunResult,
} from '../../shared/quality';
import { fetchWithToken } from '../sync/server-api';
import type { SessionManager } from './session';

type QualityMethods =
  | 'quality.config'
  | 'quality.saveRule'
  | 'quality.saveSettings'
  | 'quality.recheck'
  | 'quality.sample'
  | 'quality.queue'
  | 'quality.contact'
  | 'quality.review'
  | 'quality.mine'
  | 'quality.acknowledge';

/** A re-run of a month's contacts can take a while on a busy server. */
const TIMEOUT_MS = 60_000;

/**
 * Quality review's calls (issue 15): straight to the server with the session's token, which authorises them
 * (supervisors their department, admins all; agents their own reviews). Nothing is kept in the replica, so
 * offline each fails at once with `unavailable` and the screen says so.
 */
export function createQualityHandlers(sessions: SessionManager): Pick<ServiceHandlers, QualityMethods> {
  const call = <T extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    input: Record<string, unknown>,
    schema: T,
  ): Promise<z.infer<T>> => {
    const { engine, info } = sessions.require();
    return engine.authorized(async (token) => {
      let target = path;
      let body: string | undefined;
      if (method === 'GET') {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(input)) if (v !== undefined) params.set(k, String(v));
        target = `${path}?${params.toString()}`;
      } else body = JSON.stringify(input);
      const send = () =>
        fetchWithToken(
          info.serverUrl,
          token,
          target,
          { method, headers: body ? { 'content-type': 'application/json' } : undefined, body },
          TIMEOUT_MS,
        );
      // A read that could not reach the server is tried once more at once: a kept-alive connection the server
      // had just closed fails the first try (seen from the desktop's periodic "My reviews" check).
      const res = await send().catch((e: unknown) => {
        if (method === 'GET' && e instanceof SwitchboardError && e.code === 'unavailable') return send();
        throw e;
      });
      const parsed = schema.safeParse(await res.json().catch(() => null));
      if (!parsed.success)
        throw new SwitchboardError(
          'internal',
          `The server at ${info.serverUrl} answered in a form this desktop does not know; one of them may need an update.`,
        );
      return parsed.data;
    });
  };
  return {
    'quality.config': (q) => call('GET', QUALITY_REST.config, q, QualityConfig),
    'quality.saveRule': (input) => call('PUT', QUALITY_REST.rule, input, QualityConfig),
    'quality.saveSettings': (input) => call('PUT', QUALITY_REST.settings, input, QualityConfig),
    'quality.recheck': (p) => call('POST', QUALITY_REST.recheck, p, QualityRunResult),
    'quality.sample': (q) => call('POST', QUALITY_REST.sample, q, QualityRunResult),
    'quality.queue': (q) => call('GET', QUALITY_REST.queue, q, QualityQueueItem.array()),
    'quality.contact': (ref) => call('GET', QUALITY_REST.contact, ref, QualityContactDetail),
    'quality.review': (input) => call('POST', QUALITY_REST.review, input, QualityReview),
    'quality.mine': () => call('GET', QUALITY_REST.mine, {}, QualityMine),
    'quality.acknowledge': (input) => call('POST', QUALITY_REST.acknowledge, input, QualityMine),
  };
}
