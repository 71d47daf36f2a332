import { z } from 'zod';
import { Id, Instant } from '../domain/ids';
import { ChatAttachmentRef, ChatLanguage, ChatMessage, ChatState } from './protocol';

/*
 * The agent side of web chat: what a desktop and the central service say about chats over the sync socket (the
 * same socket.io connection as sync and voice, every event authorised afresh by role and department). Both sides
 * parse with these schemas. Visitor frames are in ./protocol.ts.
 */

/** How many chats an agent handles at once unless the department says otherwise; a call in progress takes one. */
export const DEFAULT_CHAT_CAPACITY = 3;
/** How long an offer waits for accept before it is taken back and offered to the next agent. */
export const CHAT_OFFER_TIMEOUT_MS = 30_000;
/** How long an agent's chats stay theirs after their last desktop disconnects, before they are offered again. */
export const CHAT_AGENT_GRACE_MS = 60_000;

/** One chat as an agent's desktop shows it in a tab (and in the waiting list). */
export const AgentChatSummary = z.object({
  id: Id,
  state: ChatState,
  departmentId: Id,
  queueId: Id.nullable(),
  /** The agent who has it (state agent), else null. */
  agentId: Id.nullable(),
  visitor: z.object({
    name: z.string().nullable(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    language: ChatLanguage.nullable(),
  }),
  /** The customer the visitor was matched to (customerForContact), when they gave who they are. */
  customerId: Id.nullable(),
  /** The ticket made from or linked to the chat, once there is one. */
  ticketId: Id.nullable(),
  /** The visitor's side watermarks: they have got / read the agent's messages up to these seq. */
  visitorDelivered: z.number().int().nonnegative(),
  visitorRead: z.number().int().nonnegative(),
  /** The last message, for the tab and the list. */
  lastMessage: ChatMessage.nullable(),
  createdAt: Instant,
  handoffAt: Instant.nullable(),
  endedAt: Instant.nullable(),
});
export type AgentChatSummary = z.infer<typeof AgentChatSummary>;

/** A chat offered to one agent; it is theirs only once they accept before `expiresAt`. */
export const ChatOffer = z.object({
  offerId: Id,
  chat: AgentChatSummary,
  expiresAt: Instant,
});
export type ChatOffer = z.infer<typeof ChatOffer>;

/** A canned response; `text` may hold variables such as {{customer.name}}, {{agent.name}}, {{ticket.number}}. */
export const CannedResponse = z.object({
  id: Id,
  /** null: every department. */
  departmentId: Id.nullable(),
  language: ChatLanguage,
  /** What the agent types after "/" to pick it, e.g. "greet". */
  shortcut: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, - and _ (at most 32)'),
  title: z.string().trim().min(1).max(100),
  text: z.string().trim().min(1).max(2000),
  updatedAt: Instant,
});
export type CannedResponse = z.infer<typeof CannedResponse>;

/** The variables a canned response may use; unknown ones are left as written so the agent sees them. */
export const CANNED_VARIABLES = ['customer.name', 'agent.name', 'ticket.number', 'department.name'] as const;

export const ChatRef = z.object({ chatId: Id });

/** Requests a desktop sends (each answered with Ack<...>, see ../protocol/errors.ts). */
export const ChatAgentRequests = {
  /** The agent's open chats and the offers waiting for them: what a desktop shows after (re)connecting. */
  mine: z.object({}),
  accept: z.object({ offerId: Id }),
  decline: z.object({ offerId: Id }),
  /** Messages of a chat after `since` (0: all, the latest 500). */
  history: ChatRef.extend({ since: z.number().int().nonnegative().default(0) }),
  send: ChatRef.extend({
    /** The desktop's id for the message: a resend after a reconnect is stored once. */
    clientId: z.string().min(1).max(64),
    text: z.string().max(2000),
    attachments: z.array(ChatAttachmentRef).max(5).default([]),
  }),
  typing: ChatRef.extend({ typing: z.boolean() }),
  /** The agent's desktop got / showed the visitor's messages up to these seq. */
  receipt: ChatRef.extend({
    delivered: z.number().int().nonnegative().optional(),
    read: z.number().int().nonnegative().optional(),
  }),
  /** To another agent (offered to them, as routing would) or back to a queue of the department. */
  transfer: ChatRef.extend({
    toAgentId: Id.optional(),
    toQueueId: Id.optional(),
    note: z.string().max(500).optional(),
  }),
  end: ChatRef,
  /** A ticket from the chat (its transcript as the description) or the chat linked to an existing ticket. */
  toTicket: ChatRef.extend({
    ticketId: Id.optional(),
    subject: z.string().trim().min(1).max(300).optional(),
  }),
  canned: z.object({ language: ChatLanguage.optional() }),
} as const;

/** What each request's Ack carries when ok. */
export const ChatAgentResponses = {
  mine: z.object({ chats: z.array(AgentChatSummary), offers: z.array(ChatOffer) }),
  accept: AgentChatSummary,
  decline: z.object({}),
  history: z.object({ messages: z.array(ChatMessage) }),
  /** The stored message (a resend gets the one stored first). */
  send: ChatMessage,
  typing: z.object({}),
  receipt: AgentChatSummary,
  transfer: AgentChatSummary,
  end: AgentChatSummary,
  toTicket: z.object({ chat: AgentChatSummary, ticketId: Id }),
  canned: z.array(CannedResponse),
} as const;

/** Events the service pushes to agents' desktops. */
export const ChatAgentEvents = {
  /** To one agent: a chat offered to them. */
  offer: ChatOffer,
  /** To one agent: an offer taken back (timed out, declined, the visitor left, or another agent has it). */
  offerWithdrawn: z.object({
    offerId: Id,
    chatId: Id,
    reason: z.enum(['timeout', 'declined', 'ended', 'taken']),
  }),
  /** To the chat's agent (and the department's supervisors): a message in one of their chats. */
  message: z.object({ chat: AgentChatSummary, message: ChatMessage }),
  /** A chat's state or watermarks changed. */
  chat: AgentChatSummary,
  visitorTyping: z.object({ chatId: Id, typing: z.boolean() }),
} as const;

export const ChatSocketEvents = {
  mine: 'chat:mine',
  accept: 'chat:accept',
  decline: 'chat:decline',
  history: 'chat:history',
  send: 'chat:send',
  typing: 'chat:typing',
  receipt: 'chat:receipt',
  transfer: 'chat:transfer',
  end: 'chat:end',
  toTicket: 'chat:toTicket',
  canned: 'chat:canned',
  offer: 'chat:offer',
  offerWithdrawn: 'chat:offerWithdrawn',
  message: 'chat:message',
  chat: 'chat:chat',
  visitorTyping: 'chat:visitorTyping',
} as const;
