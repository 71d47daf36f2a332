import { CHAT_AGENT_FILES_PATH } from '../../shared/chat/limits';
import { ChatAttachmentRef } from '../../shared/chat/protocol';
import type { ChatFileContent, ChatFileUpload } from '../../shared/ipc/chat-desk';
import { ErrorBody, SwitchboardError } from '../../shared/protocol/errors';
import type { SessionManager } from '../services/session';

/*
 * Chat files (issue 13): uploads to a chat the agent has and downloads of a chat's files, over the server's REST
 * API with the session's token (src/server/chat/chat-files.ts). Like chats, files live only on the server: offline
 * these fail at once with `unavailable`.
 */
const TIMEOUT_MS = 120_000;

export function chatFiles(sessions: SessionManager) {
  const call = (path: string, init: RequestInit) => {
    const { engine, info } = sessions.require();
    return engine.authorized(async (token) => {
      let res: Response;
      try {
        res = await fetch(new URL(path, info.serverUrl), {
          ...init,
          headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch {
        throw new SwitchboardError(
          'unavailable',
          `Cannot reach the server at ${info.serverUrl}. Check your network and try again once you are online.`,
        );
      }
      if (!res.ok) {
        const body = ErrorBody.safeParse(await res.json().catch(() => null));
        if (body.success) throw SwitchboardError.fromBody(body.data);
        throw new SwitchboardError(
          'unavailable',
          `The server at ${info.serverUrl} could not answer (HTTP ${res.status}); it may need an update.`,
        );
      }
      return res;
    });
  };
  return {
    async upload(f: ChatFileUpload): Promise<ChatAttachmentRef> {
      const res = await call(`/api/chat/sessions/${encodeURIComponent(f.chatId)}/files`, {
        method: 'POST',
        headers: { 'content-type': f.type, 'x-file-name': encodeURIComponent(f.name) },
        body: Buffer.from(f.base64, 'base64'),
      });
      const ref = ChatAttachmentRef.safeParse(await res.json().catch(() => null));
      if (!ref.success)
        throw new SwitchboardError(
          'internal',
          'The server answered the upload in a form this desktop does not know.',
        );
      return ref.data;
    },
    async get(id: string): Promise<ChatFileContent> {
      const res = await call(`${CHAT_AGENT_FILES_PATH}/${encodeURIComponent(id)}`, { method: 'GET' });
      const named = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
      return {
        fileName: named ? decodeURIComponent(named) : 'attachment',
        mimeType: res.headers.get('content-type') ?? 'application/octet-stream',
        base64: Buffer.from(await res.arrayBuffer()).toString('base64'),
      };
    },
  };
}
