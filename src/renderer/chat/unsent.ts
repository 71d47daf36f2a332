import type { ChatMessage } from '../../shared/chat/protocol';
import type { PendingChatMessage } from '../../shared/ipc/chat-desk';

/**
 * The agent's lines of one chat still to show as "sending": the server may push the stored message before the
 * send's answer takes it off the desktop's outbox, and for that moment the same line (and its file) would
 * show twice. A pending line whose clientId is already in the conversation is the conversation's.
 */
export function unsentLines(
  pending: readonly PendingChatMessage[],
  messages: readonly ChatMessage[],
  chatId: string,
): PendingChatMessage[] {
  const shown = new Set<string>();
  for (const m of messages) if (m.clientId) shown.add(m.clientId);
  return pending.filter((p) => p.chatId === chatId && !shown.has(p.clientId));
}
