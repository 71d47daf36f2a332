import { z } from 'zod';
import { LoginResponse, REST } from '../../shared/protocol/auth';
import { ErrorBody, SwitchboardError } from '../../shared/protocol/errors';

/** The central service's REST endpoints the desktop needs: sign in, rotate the refresh token, sign out. */

const TIMEOUT_MS = 10_000;

export function unreachable(serverUrl: string): SwitchboardError {
  return new SwitchboardError(
    'unavailable',
    `Cannot reach the server at ${serverUrl}. Check the address and your network.`,
  );
}

async function post<T extends z.ZodType>(
  serverUrl: string,
  path: string,
  body: unknown,
  schema: T,
): Promise<z.infer<T>> {
  let res: Response;
  try {
    res = await fetch(new URL(path, serverUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
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
    if (err.success) throw new SwitchboardError(err.data.code, err.data.message, err.data.issues);
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
  return post(serverUrl, REST.login, { username, password }, LoginResponse);
}

export function refresh(serverUrl: string, refreshToken: string): Promise<LoginResponse> {
  return post(serverUrl, REST.refresh, { refreshToken }, LoginResponse);
}

export async function logout(serverUrl: string, refreshToken: string): Promise<void> {
  await post(serverUrl, REST.logout, { refreshToken }, z.unknown());
}
