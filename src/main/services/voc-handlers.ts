import type { z } from 'zod';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { VOC_REST, VocContactsPage, VocSummary } from '../../shared/protocol/voc';
import { request } from '../sync/server-api';
import type { SessionManager } from './session';

type VocMethods = 'voc.summary' | 'voc.contacts';

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
  ) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const { engine, info } = sessions.require();
    return engine.authorized((token) =>
      request(info.serverUrl, `${path}?${params.toString()}`, undefined, schema, token),
    );
  };
  return {
    'voc.summary': async (q) => get(VOC_REST.summary, q, VocSummary),
    'voc.contacts': async (q) => get(VOC_REST.contacts, q, VocContactsPage),
  };
}
