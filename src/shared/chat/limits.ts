// Web chat limits and addresses, free of zod so the widget bundle can import them without the schema library.

/** The longest message a visitor or agent may send, in characters (UTF-16 code units, as a textarea counts). */
export const CHAT_MAX_TEXT = 2000;
export const CHAT_MAX_NAME = 100;
export const CHAT_MAX_EMAIL = 254;
export const CHAT_MAX_PHONE = 40;
/** Client ids are UUIDs in practice; the cap only keeps a forged one from bloating the store. */
export const CHAT_MAX_CLIENT_ID = 64;
/**
 * The largest frame the visitor socket reads at all; a frame above it closes the socket (1009). Frames under it
 * but carrying a message above CHAT_MAX_TEXT get a too_large error event, so a widget learns which message.
 */
export const CHAT_MAX_FRAME_BYTES = 64 * 1024;
/** How many of a session's latest messages a reconnecting widget is sent. */
export const CHAT_HISTORY_LIMIT = 500;

/** Where the central service serves the widget bundle, its demo page and the visitors' WebSocket. */
export const CHAT_WIDGET_PATH = '/widget.js';
export const CHAT_DEMO_PATH = '/demo/chat.html';
export const CHAT_VISITOR_SOCKET_PATH = '/chat/visitor';

/** WebSocket close codes the server ends a visitor socket with after an error event saying why. */
export const ChatCloseCode = {
  /** The page's origin is not on the site's allowlist, or the site is unknown or disabled. */
  refused: 4003,
  /** The visitor's token is unknown: the widget drops it and starts as a new visitor. */
  unauthenticated: 4001,
  /** Too many connections or new visitors from one address. */
  rateLimited: 4029,
  /** No hello within the time allowed, or a frame that is not JSON. */
  protocol: 4002,
} as const;

// Chat files (issue 13, chat files): what the widget says before a file is sent, and where it goes. The server's
// attachment store (src/server/attachments) holds the same limits and is what refuses.
/** The largest file a visitor or agent may attach. */
export const CHAT_FILE_MAX_BYTES = 10 * 1024 * 1024;
/** Files one message may carry. */
export const CHAT_MAX_FILES_PER_MESSAGE = 5;
/** Accepted content types, each with the file name endings that belong to it (the first is added when missing). */
export const CHAT_FILE_TYPES: Readonly<Record<string, readonly string[]>> = {
  'image/png': ['.png'],
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/gif': ['.gif'],
  'image/webp': ['.webp'],
  'application/pdf': ['.pdf'],
  'text/plain': ['.txt', '.log'],
  'text/csv': ['.csv'],
  'application/msword': ['.doc'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['.docx'],
  'application/vnd.ms-excel': ['.xls'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['.xlsx'],
  'application/zip': ['.zip'],
};
/** Visitors upload here (POST, the visitor token as bearer, ?site=) and read their session's files (GET /<id>). */
export const CHAT_FILES_PATH = '/chat/files';
/** The agent side: POST /api/chat/sessions/<id>/files uploads to a chat one has; GET /api/chat/files/<id> reads. */
export const CHAT_AGENT_FILES_PATH = '/api/chat/files';
