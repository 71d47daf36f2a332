import { z } from 'zod';
import { AgentChatSummary, ChatOffer } from '../chat/agent-protocol';
import { ChatAttachmentRef, ChatMessage } from '../chat/protocol';
import { Id, Instant } from '../domain/ids';
import { ErrorBody } from '../protocol/errors';

/*
 * Web chat on the desktop (issue 13, chat desk): what the desktop services tell the renderer about the agent's
 * chats. The services hold it (src/main/chat) from the server's chat:* answers and pushes over the sync socket.
 */

/**
 * A message the agent wrote that the server has not stored yet: kept by the desktop and sent again, with the same
 * clientId (the server stores it once), whenever the connection is back. failed: the server refused it (the
 * error says why); it stays until the agent sends it again or discards it.
 */
export const PendingChatMessage = z.object({
  chatId: Id,
  clientId: z.string().min(1).max(64),
  text: z.string(),
  attachments: z.array(ChatAttachmentRef),
  queuedAt: Instant,
  state: z.enum(['queued', 'sending', 'failed']),
  error: ErrorBody.nullable(),
});
export type PendingChatMessage = z.infer<typeof PendingChatMessage>;

export const ChatDeskState = z.object({
  /** The sync socket is connected: chats can be accepted, sent to, transferred and ended. */
  online: z.boolean(),
  /** The agent's open chats (and those ended this session, until closed), oldest first. */
  chats: z.array(AgentChatSummary),
  offers: z.array(ChatOffer),
  pending: z.array(PendingChatMessage),
});
export type ChatDeskState = z.infer<typeof ChatDeskState>;

export const ChatSendResult = z.object({
  clientId: z.string(),
  /** The stored message; null while it waits for the connection (it is in `pending`). */
  message: ChatMessage.nullable(),
});
export type ChatSendResult = z.infer<typeof ChatSendResult>;
