import { z } from 'zod';
import { LoginResponse, REST } from '../../shared/protocol/auth';
import { ErrorBody, SwitchboardError } from '../../shared/protocol/errors';
import { QueueList, VOICE_REST, VoiceCredentials } from '../../shared/protocol/voice';

/** The central service's REST endpoints the desktop needs: sign in, rotate the refresh token, sign out. */

const TIMEOUT_MS = 10_000;

export function unreachable(serverUrl: string): SwitchboardError {
  return new SwitchboardError(
    'unavailable',
    `Cannot reach the server at ${serverUrl}. Check the address and your network.`,
  );
}

/**
 * One request with the session's token whose answer the caller reads itself (files, or nothing): unreachable and
 * timed out say so, a refusal is the server's own error as it worded it.
 */
export async function fetchWithToken(
  serverUrl: string,
  token: string,
  path: string,
  init: { method: string; headers?: Record<string, string>; body?: RequestInit['body'] },
  timeoutMs: number,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(new URL(path, serverUrl), {
      method: init.method,
      headers: { ...init.headers, authorization: `Bearer ${token}` },
      body: init.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new SwitchboardError(
      'unavailable',
      `Cannot reach the server at ${serverUrl}. Check your network and try again once you are online.`,
    );
  }
  if (!res.ok) {
    const body = ErrorBody.safeParse(await res.json().catch(() => null));
    if (body.success) throw SwitchboardError.fromBody(body.data);
    throw new SwitchboardError(
      'unavailable',
      `The server at ${serverUrl} could not answer (HTTP ${res.status}); it may need an update.`,
    );
  }
  return res;
}

/** POST a JSON body, or GET when body is undefined; with a bearer token when one is given. */
export async function request<T extends z.ZodType>(
  serverUrl: string,
  path: string,
  body: unknown,
  schema: T,
  accessToken?: string,
): Promise<z.infer<T>> {
  let res: Response;
  try {
    res = await fetch(new URL(path, serverUrl), {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw unreachable(serverUrl);
  }
  const text = await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: handled below
  }
  if (!res.ok) {
    const err = ErrorBody.safeParse(json);
    if (err.success) throw SwitchboardError.fromBody(err.data);
    if (res.status >= 500 || res.status === 404) throw unreachable(serverUrl);
    throw new SwitchboardError(
      'internal',
      `The server at ${serverUrl} answered ${res.status} without an explanation.`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new SwitchboardError(
      'internal',
      `The server at ${serverUrl} does not look like a Switchboard server.`,
    );
  }
  return parsed.data;
}

export function login(serverUrl: string, username: string, password: string): Promise<LoginResponse> {
  return request(serverUrl, REST.login, { username, password }, LoginResponse);
}

export function refresh(serverUrl: string, refreshToken: string): Promise<LoginResponse> {
  return request(serverUrl, REST.refresh, { refreshToken }, LoginResponse);
}

export async function logout(serverUrl: string, refreshToken: string): Promise<void> {
  await request(serverUrl, REST.logout, { refreshToken }, z.unknown());
}

/** The signed-in agent's SIP account for the softphone (never stored on the desktop). */
export function voiceQueues(serverUrl: string, accessToken: string): Promise<QueueList> {
  return request(serverUrl, VOICE_REST.queues, undefined, QueueList, accessToken);
}

export function voiceCredentials(serverUrl: string, accessToken: string): Promise<VoiceCredentials> {
  return request(serverUrl, VOICE_REST.credentials, undefined, VoiceCredentials, accessToken);
}
