import { EMAIL_REST, MailboxList } from '../../shared/protocol/email';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import { fetchWithToken } from '../sync/server-api';
import type { SessionManager } from './session';

/**
 * email (issue 13): comment attachments live on the server (GET /api/attachments/:id), fetched on demand; the
 * admins' support mailboxes are read and changed on the server, never through the replica or the outbox.
 */
const TIMEOUT_MS = 60_000;

type Methods = 'attachments.get' | 'email.mailboxes' | 'email.mailboxSave' | 'email.mailboxRemove';

export function createAttachmentHandlers(sessions: SessionManager): Pick<ServiceHandlers, Methods> {
  /** One call to the server with the session's token; the server's refusal as it worded it. */
  const call = (path: string, init: { method: string; body?: unknown }) => {
    const { engine, info } = sessions.require();
    return engine.authorized((token) =>
      fetchWithToken(
        info.serverUrl,
        token,
        path,
        init.body === undefined
          ? { method: init.method }
          : {
              method: init.method,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(init.body),
            },
        TIMEOUT_MS,
      ),
    );
  };
  return {
    'attachments.get': async ({ id }) => {
      const res = await call(`/api/attachments/${id}`, { method: 'GET' });
      const named = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
      return {
        fileName: named ? decodeURIComponent(named) : 'attachment',
        mimeType: res.headers.get('content-type') ?? 'application/octet-stream',
        base64: Buffer.from(await res.arrayBuffer()).toString('base64'),
      };
    },
    'email.mailboxes': async () => {
      const res = await call(EMAIL_REST.mailboxes, { method: 'GET' });
      const parsed = MailboxList.safeParse(await res.json().catch(() => null));
      if (!parsed.success)
        throw new SwitchboardError(
          'internal',
          'The server answered the mailbox list in a form this desktop does not know.',
        );
      return parsed.data;
    },
    'email.mailboxSave': async ({ address, input }) => {
      await call(EMAIL_REST.mailbox(address), { method: 'PUT', body: input });
      return {};
    },
    'email.mailboxRemove': async ({ address }) => {
      await call(EMAIL_REST.mailbox(address), { method: 'DELETE' });
      return {};
    },
  };
}
