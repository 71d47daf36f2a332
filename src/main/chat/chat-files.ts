import { CHAT_AGENT_FILES_PATH } from '../../shared/chat/limits';
import { ChatAttachmentRef } from '../../shared/chat/protocol';
import type { ChatFileContent, ChatFileUpload } from '../../shared/ipc/chat-desk';
import { SwitchboardError } from '../../shared/protocol/errors';
import type { SessionManager } from '../services/session';
import { fetchWithToken } from '../sync/server-api';

/*
 * Chat files (issue 13): uploads to a chat the agent has and downloads of a chat's files, over the server's REST
 * API with the session's token (src/server/chat/chat-files.ts). Like chats, files live only on the server: offline
 * these fail at once with `unavailable`.
 */
const TIMEOUT_MS = 120_000;

export function chatFiles(sessions: SessionManager) {
  const call = (
    path: string,
    init: { method: string; headers?: Record<string, string>; body?: RequestInit['body'] },
  ) => {
    const { engine, info } = sessions.require();
    return engine.authorized((token) => fetchWithToken(info.serverUrl, token, path, init, TIMEOUT_MS));
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
