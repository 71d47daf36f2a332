import type { z } from 'zod';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import { VOC_REST, VocContactsPage, VocSummary } from '../../shared/protocol/voc';
import { fetchWithToken } from '../sync/server-api';
import type { SessionManager } from './session';

type VocMethods = 'voc.summary' | 'voc.contacts';

/**
 * A report waits for the server's index to catch up with what was written since the last one: after a server
 * start over a big store (or a bulk import) that can take longer than the usual 10 s of a request.
 */
const TIMEOUT_MS = 60_000;

/**
 * The voice-of-the-customer report's calls (issue 14): straight to the server with the session's token. The
 * report is the server's (its index of every department's contacts), not the replica's, so offline these fail
 * at once with `unavailable` and the tab says so.
 */
export function createVocHandlers(sessions: SessionManager): Pick<ServiceHandlers, VocMethods> {
  const get = <T extends z.ZodType>(
    path: string,
    query: Record<string, string | number | undefined>,
    schema: T,
  ): Promise<z.infer<T>> => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const { engine, info } = sessions.require();
    return engine.authorized(async (token) => {
      const res = await fetchWithToken(
        info.serverUrl,
        token,
        `${path}?${params.toString()}`,
        { method: 'GET' },
        TIMEOUT_MS,
      );
      const body = schema.safeParse(await res.json().catch(() => null));
      if (!body.success)
        throw new SwitchboardError(
          'internal',
          `The server at ${info.serverUrl} answered the report in a form this desktop does not know; it may need an update.`,
        );
      return body.data;
    });
  };
  return {
    'voc.summary': async (q) => get(VOC_REST.summary, q, VocSummary),
    'voc.contacts': async (q) => get(VOC_REST.contacts, q, VocContactsPage),
  };
}
