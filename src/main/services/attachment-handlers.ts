import type { ServiceHandlers } from '../../shared/ipc/contract';
import { ErrorBody, SwitchboardError } from '../../shared/protocol/errors';
import type { SessionManager } from './session';

/** email (issue 13): comment attachments live on the server (GET /api/attachments/:id); fetched on demand. */
const TIMEOUT_MS = 60_000;

export function createAttachmentHandlers(sessions: SessionManager): Pick<ServiceHandlers, 'attachments.get'> {
  return {
    'attachments.get': ({ id }) => {
      const { engine, info } = sessions.require();
      return engine.authorized(async (token) => {
        let res: Response;
        try {
          res = await fetch(new URL(`/api/attachments/${id}`, info.serverUrl), {
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(TIMEOUT_MS),
          });
        } catch {
          throw new SwitchboardError(
            'unavailable',
            `Cannot reach the server at ${info.serverUrl} to fetch the file. Files are kept on the server: try again once you are online.`,
          );
        }
        if (!res.ok) {
          const body = ErrorBody.safeParse(await res.json().catch(() => null));
          if (body.success) throw SwitchboardError.fromBody(body.data);
          throw new SwitchboardError(
            'unavailable',
            `The server at ${info.serverUrl} could not send the file (HTTP ${res.status}).`,
          );
        }
        const named = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
        return {
          fileName: named ? decodeURIComponent(named) : 'attachment',
          mimeType: res.headers.get('content-type') ?? 'application/octet-stream',
          base64: Buffer.from(await res.arrayBuffer()).toString('base64'),
        };
      });
    },
  };
}
