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
