import type { ServiceHandlers } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import { CallRatingLink, REPORTS_REST, ReportResult, type ReportQuery } from '../../shared/protocol/reports';
import { fetchWithToken, request } from '../sync/server-api';
import type { SessionManager } from './session';

type ReportMethods = 'reports.get' | 'reports.export' | 'reports.callRatingLink';

/** A year of 15-minute rows is refused by the schema; a year of days still takes a moment on a busy server. */
const TIMEOUT_MS = 60_000;

const search = (q: ReportQuery, extra: Record<string, string> = {}) => {
  const p = new URLSearchParams({
    interval: q.interval,
    dimension: q.dimension,
    from: q.from,
    to: q.to,
    ...extra,
  });
  if (q.departmentId) p.set('departmentId', q.departmentId);
  return p.toString();
};

/** The Reports page's calls: to the server with the session's token (it refuses agents and other departments). */
export function createReportHandlers(sessions: SessionManager): Pick<ServiceHandlers, ReportMethods> {
  const call = <T>(work: (serverUrl: string, token: string) => Promise<T>) => {
    const { engine, info } = sessions.require();
    return engine.authorized((token) => work(info.serverUrl, token));
  };
  return {
    // The agent's own call: the server checks it is theirs (or in their scope) and records the link.
    'reports.callRatingLink': ({ interactionId }) =>
      call((url, token) =>
        request(url, REPORTS_REST.callRatingLink, { interactionId }, CallRatingLink, token),
      ),
    'reports.get': (q) =>
      call(async (url, token) => {
        const res = await fetchWithToken(
          url,
          token,
          `${REPORTS_REST.report}?${search(q)}`,
          { method: 'GET' },
          TIMEOUT_MS,
        );
        const parsed = ReportResult.safeParse(await res.json().catch(() => null));
        if (!parsed.success)
          throw new SwitchboardError(
            'internal',
            `The server at ${url} answered the report in a form this desktop does not know: update one of them.`,
          );
        return parsed.data;
      }),
    'reports.export': ({ query, language }) =>
      call(async (url, token) => {
        const res = await fetchWithToken(
          url,
          token,
          `${REPORTS_REST.export}?${search(query, { lang: language })}`,
          { method: 'GET' },
          TIMEOUT_MS,
        );
        // Decoded keeping the byte-order mark: Excel needs it to read the file as UTF-8 (Chinese names).
        const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
        const named = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
        return { fileName: named ?? 'report.csv', mimeType: 'text/csv', text };
      }),
  };
}
