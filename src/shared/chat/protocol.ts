import { z } from 'zod';
import {
  CHAT_MAX_CLIENT_ID,
  CHAT_MAX_FILES_PER_MESSAGE,
  CHAT_MAX_EMAIL,
  CHAT_MAX_NAME,
  CHAT_MAX_PHONE,
} from './limits';
import { parseUrl } from './url';

/*
 * The web chat's wire protocol: every frame a visitor's widget sends and receives over the visitor socket
 * (JSON text frames), and the shapes the agent side (a later round) is given by the server's chat API.
 * The server parses every inbound frame with these schemas; the widget imports only the types.
 */

/** bot: no person yet (the knowledge-base bot may answer); waiting: asked for a person, queued; agent: an agent has it. */
export const ChatState = z.enum(['bot', 'waiting', 'agent', 'ended']);
export type ChatState = z.infer<typeof ChatState>;

export const ChatSender = z.enum(['visitor', 'agent', 'bot', 'system']);
export type ChatSender = z.infer<typeof ChatSender>;

export const ChatLanguage = z.enum(['zh-CN', 'en']);
export type ChatLanguage = z.infer<typeof ChatLanguage>;

/** System events shown in the conversation as a line of their own (the widget words them in its language). */
export const ChatSystemEvent = z.enum([
  /** The visitor asked for a person (button or words); the chat waits for an agent. */
  'handoff_requested',
  /** An agent took the chat; `name` is the agent's display name. */
  'agent_joined',
  /** The agent's desktop went away; the chat waits for another agent. */
  'agent_left',
  'ended_by_visitor',
  'ended_by_agent',
  /** The visitor gave their name, phone or email. */
  'identified',
]);
export type ChatSystemEvent = z.infer<typeof ChatSystemEvent>;

/** A file the server stores (uploads come with the agent desktop's round); messages carry only the reference. */
export const ChatAttachmentRef = z.object({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(255),
  size: z.number().int().nonnegative(),
  type: z.string().min(1).max(127),
});
export type ChatAttachmentRef = z.infer<typeof ChatAttachmentRef>;

/** One message as stored: `seq` orders a session's messages and is what receipts and replays count by. */
export const ChatMessage = z.object({
  id: z.string(),
  sessionId: z.string(),
  seq: z.number().int().positive(),
  sender: ChatSender,
  /** The sender's own id for the message (a resend carries the same one); null for system lines. */
  clientId: z.string().nullable(),
  /** Plain text, never markup: shown with textContent / as a React child, links through textSegments. */
  text: z.string(),
  /** agent messages: the agent's display name; system lines: who it is about, when anyone. */
  name: z.string().nullable(),
  event: ChatSystemEvent.nullable(),
  attachments: z.array(ChatAttachmentRef),
  /** bot messages: the knowledge-base article the answer came from (the bot's round fills it). */
  articleId: z.string().nullable(),
  createdAt: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** What the visitor side is told about its session. Watermarks: the highest seq the other side has got / read. */
export const ChatSessionView = z.object({
  id: z.string(),
  state: ChatState,
  /** The agent's display name while state is agent. */
  agentName: z.string().nullable(),
  /** The agent side has got / read the visitor's messages up to these seq (0: none). */
  agentDelivered: z.number().int().nonnegative(),
  agentRead: z.number().int().nonnegative(),
  /** The visitor side has got / read the agent's and bot's messages up to these seq. */
  visitorDelivered: z.number().int().nonnegative(),
  visitorRead: z.number().int().nonnegative(),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
});
export type ChatSessionView = z.infer<typeof ChatSessionView>;

const ClientId = z.string().min(1).max(CHAT_MAX_CLIENT_ID);
/** Each frame may carry a ref; an error event about it names the same ref. */
const Ref = z.string().max(CHAT_MAX_CLIENT_ID).optional();
const Seq = z.number().int().nonnegative();

export const ChatIdentity = z.object({
  name: z.string().trim().max(CHAT_MAX_NAME).optional(),
  phone: z.string().trim().max(CHAT_MAX_PHONE).optional(),
  email: z
    .union([z.literal(''), z.email().max(CHAT_MAX_EMAIL)])
    .optional()
    .transform((e) => e || undefined),
});
export type ChatIdentity = z.input<typeof ChatIdentity>;

/** Frames the widget sends. The first one on a socket must be hello. */
export const VisitorFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    ref: Ref,
    /** The site key from the script tag's data-site; the page's origin must be on that site's allowlist. */
    site: z.string().min(1).max(64),
    /** The visitor token from an earlier welcome; absent for a new visitor. */
    token: z.string().min(1).max(128).optional(),
    /** The highest seq the widget already shows (0 after a page load): the replay starts after it. */
    since: Seq.default(0),
    /** The session `since` counts in; when the visitor's latest session is another one, all of it is replayed. */
    sessionId: z.string().max(64).optional(),
    language: ChatLanguage.optional(),
  }),
  z.object({
    type: z.literal('send'),
    ref: Ref,
    clientId: ClientId,
    // Checked against CHAT_MAX_TEXT by the server so the refusal is a too_large event, not a bad_request.
    text: z.string(),
    /** Ids of files this visitor uploaded (POST CHAT_FILES_PATH) that the message carries. */
    attachments: z.array(z.string().min(1).max(64)).max(CHAT_MAX_FILES_PER_MESSAGE).default([]),
  }),
  z.object({ type: z.literal('typing'), ref: Ref, typing: z.boolean() }),
  /** The widget got / showed the other side's messages up to these seq. */
  z.object({ type: z.literal('receipt'), ref: Ref, delivered: Seq.optional(), read: Seq.optional() }),
  /** The "talk to a person" button. */
  z.object({ type: z.literal('handoff'), ref: Ref }),
  z.object({ type: z.literal('identify'), ref: Ref, identity: ChatIdentity }),
  z.object({ type: z.literal('end'), ref: Ref }),
]);
export type VisitorFrame = z.input<typeof VisitorFrame>;
export type VisitorFrameParsed = z.output<typeof VisitorFrame>;

/** Why the server refused something; each has a sentence in both languages in the widget. */
export const ChatErrorCode = z.enum([
  'bad_request',
  /** The visitor token is unknown (or the site changed): start as a new visitor. */
  'unauthenticated',
  /** The page's origin may not embed this site's chat (allowlist), or the site is unknown or switched off. */
  'origin_not_allowed',
  /** Too many messages, connections or new visitors; retryAfterSeconds says when to try again. */
  'rate_limited',
  /** A message, name, frame or file above the size limits. */
  'too_large',
  /** A file of a type chat does not accept (CHAT_FILE_TYPES). */
  'file_type',
  'internal',
]);
export type ChatErrorCode = z.infer<typeof ChatErrorCode>;

export const ChatLimitsView = z.object({ maxText: z.number().int(), maxName: z.number().int() });

/** Frames the server sends a visitor's sockets. */
export const ServerFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    ref: Ref,
    visitorId: z.string(),
    /** Only to a new visitor: the widget keeps it (localStorage) and sends it in every later hello. */
    token: z.string().optional(),
    /** The visitor's latest session (ended or not), or null before the first message. */
    session: ChatSessionView.nullable(),
    /** That session's messages after `since` (the latest CHAT_HISTORY_LIMIT). */
    messages: z.array(ChatMessage),
    identity: z.object({
      name: z.string().nullable(),
      phone: z.string().nullable(),
      email: z.string().nullable(),
    }),
    limits: ChatLimitsView,
  }),
  /** The visitor's message is stored (or was already: a resend gets the stored one). */
  z.object({ type: z.literal('ack'), ref: Ref, clientId: z.string(), message: ChatMessage }),
  /** A message in the session: the agent's, the bot's, a system line, or the visitor's own from another tab. */
  z.object({ type: z.literal('message'), message: ChatMessage }),
  z.object({ type: z.literal('state'), session: ChatSessionView }),
  z.object({ type: z.literal('typing'), sender: z.enum(['agent', 'bot']), typing: z.boolean() }),
  /** The agent side's watermarks moved (delivered / read marks on the visitor's messages). */
  z.object({
    type: z.literal('receipt'),
    sessionId: z.string(),
    agentDelivered: z.number().int().nonnegative(),
    agentRead: z.number().int().nonnegative(),
  }),
  z.object({
    type: z.literal('error'),
    ref: Ref,
    /** A refused send names its message. */
    clientId: z.string().optional(),
    code: ChatErrorCode,
    message: z.string(),
    retryAfterSeconds: z.number().int().positive().optional(),
  }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** An embedding site as administrators configure it (GET/PUT /api/chat/sites). */
export const ChatSite = z.object({
  /** The key pages put in data-site. */
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
  name: z.string().trim().min(1).max(200),
  departmentId: z.string().min(1),
  /** The queue handed-off chats wait in (routing's round); null: the department's first chat queue. */
  queueId: z.string().nullable().default(null),
  /** Exact origins (scheme://host[:port]) whose pages may embed the widget for this site. */
  origins: z
    .array(
      z
        .string()
        .max(255)
        .refine((o) => {
          const u = parseUrl(o);
          return u !== null && (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o;
        }, 'an origin: scheme://host[:port], no path or trailing slash'),
    )
    .max(100),
  /** Pages the service itself serves (its demo page) may embed it too. */
  allowServiceOrigin: z.boolean().default(false),
  enabled: z.boolean().default(true),
});
export type ChatSite = z.infer<typeof ChatSite>;
export type ChatSiteInput = z.input<typeof ChatSite>;

/**
 * A session as the agent side sees it (the server's ChatService API now; the desktop's chat tabs and routing
 * offers in the next round): the visitor view plus who and where.
 */
export const ChatSessionSummary = ChatSessionView.extend({
  visitorId: z.string(),
  siteId: z.string(),
  departmentId: z.string(),
  queueId: z.string().nullable(),
  customerId: z.string().nullable(),
  agentId: z.string().nullable(),
  visitorName: z.string().nullable(),
  language: ChatLanguage.nullable(),
  lastSeq: z.number().int().nonnegative(),
  handoffAt: z.string().nullable(),
});
export type ChatSessionSummary = z.infer<typeof ChatSessionSummary>;
