import type { z } from 'zod';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { AUDIT_REST, AuditPage, AuditVerifyReport, type AuditQuery } from '../../shared/protocol/audit';
import { ErrorBody, SwitchboardError } from '../../shared/protocol/errors';
import type { SessionManager } from './session';

type AuditMethods = 'audit.verify' | 'audit.search' | 'audit.export';

/** Verification over a million records takes seconds; exports may be long too. */
const TIMEOUT_MS = 120_000;

const unreachable = (serverUrl: string) =>
  new SwitchboardError(
    'unavailable',
    `Cannot reach the server at ${serverUrl}. Check the address and your network.`,
  );

/** A GET on the admin audit API with the session's token; the server's error (forbidden, ...) as it said it. */
async function auditGet(serverUrl: string, path: string, query: Record<string, unknown>, token: string) {
  const url = new URL(path, serverUrl);
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw unreachable(serverUrl);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: below
    }
    const err = ErrorBody.safeParse(json);
    if (err.success) throw SwitchboardError.fromBody(err.data);
    if (res.status === 404)
      throw new SwitchboardError(
        'not_found',
        `The server at ${serverUrl} has no audit API yet: update the server.`,
      );
    throw unreachable(serverUrl);
  }
  return { text, headers: res.headers };
}

function parsed<T extends z.ZodType>(schema: T, text: string, serverUrl: string): z.infer<T> {
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // fall through
  }
  const r = schema.safeParse(json);
  if (!r.success)
    throw new SwitchboardError(
      'internal',
      `The server at ${serverUrl} answered the audit request in a form this desktop does not know.`,
    );
  return r.data;
}

/** The audit panel's calls: straight to the server (admins only; the server refuses everyone else). */
export function createAuditHandlers(sessions: SessionManager): Pick<ServiceHandlers, AuditMethods> {
  const call = <T>(work: (serverUrl: string, token: string) => Promise<T>) => {
    const { engine, info } = sessions.require();
    return engine.authorized((token) => work(info.serverUrl, token));
  };
  return {
    'audit.verify': () =>
      call(async (url, token) =>
        parsed(AuditVerifyReport, (await auditGet(url, AUDIT_REST.verify, {}, token)).text, url),
      ),
    'audit.search': (q: AuditQuery) =>
      call(async (url, token) =>
        parsed(AuditPage, (await auditGet(url, AUDIT_REST.records, q, token)).text, url),
      ),
    'audit.export': ({ format, ...filters }) =>
      call(async (url, token) => {
        const { text, headers } = await auditGet(url, AUDIT_REST.export, { ...filters, format }, token);
        const named = /filename="([^"]+)"/.exec(headers.get('content-disposition') ?? '')?.[1];
        return {
          fileName: named ?? `audit.${format}`,
          mimeType: format === 'csv' ? 'text/csv' : 'application/json',
          text,
        };
      }),
  };
}
