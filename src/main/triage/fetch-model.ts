import { z } from 'zod';
import { ErrorBody, SwitchboardError } from '../../shared/protocol/errors';
import { TRIAGE_REST, TriageSettings } from '../../shared/triage';
import { fetchWithToken } from '../sync/server-api';
import type { ServiceModel } from './triage-keeper';

/** A model is a few megabytes: more time than an ordinary request. */
const MODEL_TIMEOUT_MS = 60_000;
const SETTINGS_TIMEOUT_MS = 10_000;

/** What the desktop reads of the service's model answer (the rest, figures and trainer, is for the supervisor). */
const ModelAnswer = z.object({ version: z.number().int().positive(), model: z.unknown() });

const unknownForm = (serverUrl: string) =>
  new SwitchboardError(
    'internal',
    `The server at ${serverUrl} sent the triage model in a form this desktop does not know: update one of them.`,
  );

/**
 * The service's current model with its review threshold, or null when `have` is already the current version
 * (the service answers 304 to If-None-Match). Offline: SwitchboardError unavailable.
 */
export async function fetchServiceModel(
  serverUrl: string,
  token: string,
  have: number | null,
): Promise<ServiceModel> {
  const settingsRes = await fetchWithToken(
    serverUrl,
    token,
    TRIAGE_REST.settings,
    { method: 'GET' },
    SETTINGS_TIMEOUT_MS,
  );
  const settings = TriageSettings.safeParse(await settingsRes.json().catch(() => null));
  if (!settings.success) throw unknownForm(serverUrl);
  let res: Response;
  try {
    res = await fetch(new URL(TRIAGE_REST.model, serverUrl), {
      headers: {
        authorization: `Bearer ${token}`,
        ...(have === null ? {} : { 'if-none-match': `"triage-v${have}"` }),
      },
      signal: AbortSignal.timeout(MODEL_TIMEOUT_MS),
    });
  } catch {
    throw new SwitchboardError(
      'unavailable',
      `Cannot reach the server at ${serverUrl}. The triage model kept on this desktop is used meanwhile.`,
    );
  }
  if (res.status === 304 && have !== null) {
    return { version: have, threshold: settings.data.threshold, model: undefined };
  }
  if (!res.ok) {
    const body = ErrorBody.safeParse(await res.json().catch(() => null));
    if (body.success) throw SwitchboardError.fromBody(body.data);
    throw new SwitchboardError(
      'unavailable',
      `The server at ${serverUrl} could not send the triage model (HTTP ${res.status}).`,
    );
  }
  const parsed = ModelAnswer.safeParse(await res.json().catch(() => null));
  if (!parsed.success || parsed.data.model === undefined) throw unknownForm(serverUrl);
  return { version: parsed.data.version, threshold: settings.data.threshold, model: parsed.data.model };
}
