import type { z } from 'zod';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import {
  TRIAGE_REST,
  TriageAccuracy,
  TriageModelInfo,
  TriageModelList,
  TriageSettings,
} from '../../shared/triage';
import { fetchWithToken } from '../sync/server-api';
import type { TriageKeeper } from './triage-keeper';

type TriageMethods =
  | 'triage.model'
  | 'triage.refresh'
  | 'triage.accuracy'
  | 'triage.models'
  | 'triage.retrain'
  | 'triage.settings'
  | 'triage.saveSettings';

/** A retraining over the shipped data and every correction takes a while on a busy 2-core service. */
const RETRAIN_TIMEOUT_MS = 5 * 60_000;
const TIMEOUT_MS = 30_000;

export interface TriageSessionAccess {
  /** The signed-in session's keeper, server and a way to call the server with its token (throws when none). */
  require(): {
    triage: TriageKeeper;
    serverUrl: string;
    authorized: <T>(work: (token: string) => Promise<T>) => Promise<T>;
  };
}

/** The triage methods of the contract: the desktop's model, and the supervisor's calls straight to the service. */
export function createTriageHandlers(sessions: TriageSessionAccess): Pick<ServiceHandlers, TriageMethods> {
  const call = async <T extends z.ZodType>(
    path: string,
    init: { method: string; body?: unknown },
    schema: T,
    timeoutMs = TIMEOUT_MS,
  ): Promise<z.infer<T>> => {
    const { serverUrl, authorized } = sessions.require();
    return authorized(async (token) => {
      const res = await fetchWithToken(
        serverUrl,
        token,
        path,
        {
          method: init.method,
          ...(init.body === undefined
            ? {}
            : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }),
        },
        timeoutMs,
      );
      const parsed = schema.safeParse(await res.json().catch(() => null));
      if (!parsed.success)
        throw new SwitchboardError(
          'internal',
          `The server at ${serverUrl} answered about triage in a form this desktop does not know: update one of them.`,
        );
      return parsed.data;
    });
  };
  return {
    'triage.model': () => Promise.resolve(sessions.require().triage.status()),
    'triage.refresh': () => sessions.require().triage.refresh(),
    'triage.accuracy': (q) => {
      const p = new URLSearchParams({ from: q.from, to: q.to });
      if (q.departmentId) p.set('departmentId', q.departmentId);
      return call(`${TRIAGE_REST.accuracy}?${p.toString()}`, { method: 'GET' }, TriageAccuracy);
    },
    'triage.models': () => call(TRIAGE_REST.models, { method: 'GET' }, TriageModelList),
    'triage.retrain': async () => {
      const made = await call(
        TRIAGE_REST.retrain,
        { method: 'POST', body: {} },
        TriageModelInfo,
        RETRAIN_TIMEOUT_MS,
      );
      // The new version is what this desktop triages with from now on (best effort: the result stands anyway).
      await sessions
        .require()
        .triage.refresh()
        .catch(() => undefined);
      return made;
    },
    'triage.settings': () => call(TRIAGE_REST.settings, { method: 'GET' }, TriageSettings),
    'triage.saveSettings': async (s) => {
      const saved = await call(TRIAGE_REST.settings, { method: 'PUT', body: s }, TriageSettings);
      await sessions
        .require()
        .triage.refresh()
        .catch(() => undefined);
      return saved;
    },
  };
}
