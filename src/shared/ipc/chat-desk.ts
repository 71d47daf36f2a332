import { z } from 'zod';
import { AgentChatSummary, ChatOffer } from '../chat/agent-protocol';
import { CHAT_FILE_MAX_BYTES, CHAT_FILE_TYPES } from '../chat/limits';
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

/**
 * Chat files (issue 13): a file the agent picked in the composer, read by the window and carried to the desktop
 * services as base64 (the same in Electron and in browser mode, where the host forwards it), which upload it to
 * the chat on the server. The type must be one chat accepts and the size within the limit, here already, so a
 * refused file never leaves the window's process.
 */
export const ChatFileUpload = z.object({
  chatId: Id,
  name: z.string().trim().min(1).max(255),
  type: z.string().refine((t) => Object.hasOwn(CHAT_FILE_TYPES, t), {
    message: 'Files of this type cannot be sent in a chat (images, PDF, text, Office documents, zip).',
  }),
  base64: z
    .string()
    .min(1)
    .max(Math.ceil(CHAT_FILE_MAX_BYTES / 3) * 4, {
      message: `The file is larger than the ${CHAT_FILE_MAX_BYTES / 1024 / 1024} MB a chat file may be.`,
    })
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
});
export type ChatFileUpload = z.infer<typeof ChatFileUpload>;

/** A chat file fetched for the agent to save (the server's download name and type). */
export const ChatFileContent = z.object({ fileName: z.string(), mimeType: z.string(), base64: z.string() });
export type ChatFileContent = z.infer<typeof ChatFileContent>;
