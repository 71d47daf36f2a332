import { z } from 'zod';
import {
  Channel,
  Customer,
  Ticket,
  TicketComment,
  TicketHistoryEntry,
  Department,
  User,
  Id,
  CHANGEABLE_FIELDS,
  TicketChange,
  TicketPriority,
  Instant,
} from '../domain';
import { Disposition, Interaction, InteractionLog } from './voice';
import { TicketCategory } from '../triage/taxonomy';
import { TriagePrediction } from '../triage/schemas';

/**
 * An ended web chat (the service's chat_interactions): an entry of its customer's timeline on the desktops of the
 * chat's department (chat-timeline, issue 13). Sent again when its customer or linked ticket changes.
 */
export const ChatRecord = z.object({
  id: Id,
  sessionId: z.string().min(1).max(100),
  departmentId: Id,
  /** null: the visitor never said who they are and no ticket was made from the chat. */
  customerId: Id.nullable(),
  /** The agent who last had the chat; null for a chat only the assistant answered. */
  agentId: Id.nullable(),
  visitorName: z.string().max(200).nullable(),
  startedAt: Instant,
  endedAt: Instant,
  messageCount: z.number().int().nonnegative(),
  /** The visitor's first message, as sent (plain text); '' when they wrote nothing. */
  firstLine: z.string().max(20_000),
  /** The whole chat as plain text, one line per message (chat-routing/transcript.ts). */
  transcript: z.string(),
  /** The ticket the chat was made into or linked to, if any. */
  ticketId: Id.nullable(),
});
export type ChatRecord = z.infer<typeof ChatRecord>;

/**
 * Kinds of change a replica receives only when its pull names them (PullRequest.accepts): a desktop from before a
 * kind existed rejects a page holding it (Change is a closed union), so it is never sent one. Such a desktop still
 * gets pokes carrying them; it fails to parse those and pulls instead, which leaves them out.
 */
export const OPTIONAL_KINDS = ['chat'] as const;
export type OptionalKind = (typeof OPTIONAL_KINDS)[number];

/**
 * The sync protocol between a desktop replica and the central service (socket.io).
 * The server keeps one change stream with a monotonically increasing version; a client pulls
 * everything in its scope after its cursor. Mutations carry client-made ids and are idempotent.
 */

// Discriminated by kind, then by op where a kind has two ('ticket' and 'customer'; one flat discriminatedUnion
// would reject them as duplicate discriminators). The plain union this was tried each option in turn, parsing
// a history entry as a ticket, a customer and a comment first: validating a 100,000-ticket first sync took
// 4.6 s of the desktop's time, now 0.8 s. The inferred type is the same.
export const Change = z.discriminatedUnion('kind', [
  z.discriminatedUnion('op', [
    z.object({ version: z.number().int(), kind: z.literal('ticket'), op: z.literal('upsert'), data: Ticket }),
    /** The ticket left the client's scope (moved to another department, deleted): drop it from the cache. */
    z.object({ version: z.number().int(), kind: z.literal('ticket'), op: z.literal('remove'), id: Id }),
  ]),
  z.discriminatedUnion('op', [
    z.object({
      version: z.number().int(),
      kind: z.literal('customer'),
      op: z.literal('upsert'),
      data: Customer,
    }),
    /**
     * A customer made on a desktop turned out to be one the server already had (same phone): `id` is now an
     * alias of `into`. A replica that holds `id` moves its tickets to `into` and drops `id`; others ignore it.
     */
    z.object({
      version: z.number().int(),
      kind: z.literal('customer'),
      op: z.literal('merge'),
      id: Id,
      into: Id,
    }),
  ]),
  z.object({
    version: z.number().int(),
    kind: z.literal('comment'),
    op: z.literal('upsert'),
    data: TicketComment,
  }),
  z.object({
    version: z.number().int(),
    kind: z.literal('history'),
    op: z.literal('upsert'),
    data: TicketHistoryEntry,
  }),
  z.object({
    version: z.number().int(),
    kind: z.literal('department'),
    op: z.literal('upsert'),
    data: Department,
  }),
  z.object({ version: z.number().int(), kind: z.literal('user'), op: z.literal('upsert'), data: User }),
  /** A call record of the client's department (voice). A desktop that does not keep call records skips it. */
  z.object({
    version: z.number().int(),
    kind: z.literal('interaction'),
    op: z.literal('upsert'),
    data: Interaction,
  }),
  /** An ended chat of the client's department (chat-timeline); only to a client that accepts 'chat'. */
  z.object({
    version: z.number().int(),
    kind: z.literal('chat'),
    op: z.literal('upsert'),
    data: ChatRecord,
  }),
]);
export type Change = z.infer<typeof Change>;

/**
 * Whose data a replica holds: 'all' (an admin) or 'dept:<id>', followed by SCOPE_WITHOUT_INTERNAL_NOTES for a
 * user who may not read internal notes (their replica is filled without them, and refilled when that changes).
 */
export const ScopeKey = z.string().min(1).max(100);
export const SCOPE_WITHOUT_INTERNAL_NOTES = '+public';

/** The department a scope key names; null for 'all'. */
export function scopeDepartment(key: string): string | null {
  if (!key.startsWith('dept:')) return null;
  const id = key.slice('dept:'.length);
  return id.endsWith(SCOPE_WITHOUT_INTERNAL_NOTES) ? id.slice(0, -SCOPE_WITHOUT_INTERNAL_NOTES.length) : id;
}

/**
 * The most changes one pull page may carry (PULL_MAX_BYTES bounds its size as well). A first sync commits once a
 * page, and each commit rewrites the id-index pages its rows landed on: 10,000-change pages instead of 5,000 took
 * a fifth off applying a 100,000-ticket first sync, and halved the pages the server reads.
 */
export const PULL_MAX_CHANGES = 10_000;

export const PullRequest = z.object({
  /** Last version the client has applied; 0 for a fresh replica. */
  cursor: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(PULL_MAX_CHANGES).default(1000),
  /** The scope the replica was filled for (from an earlier answer); absent on a replica that never pulled. */
  scope: ScopeKey.optional(),
  /** The OPTIONAL_KINDS this client applies; absent (an older desktop): none of them is sent. */
  accepts: z
    .array(z.enum(OPTIONAL_KINDS))
    .max(OPTIONAL_KINDS.length * 2)
    .optional(),
});
export type PullRequest = z.infer<typeof PullRequest>;

export const PullResponse = z.object({
  changes: z.array(Change),
  cursor: z.number().int().nonnegative(),
  hasMore: z.boolean(),
  /** Latest version on the server, for a progress bar during the initial sync. */
  head: z.number().int().nonnegative(),
  /** The scope this answer is for: the user's scope now. */
  scope: ScopeKey.optional(),
  /**
   * The user's scope is not the one the replica was filled for (moved to another department): this page starts
   * from version 0 of the new scope, and the client must drop everything it cached before applying it.
   */
  reset: z.boolean().default(false),
});
export type PullResponse = z.infer<typeof PullResponse>;

/**
 * What deleting a ticket says besides which one (the ticket.delete mutation's args, and the body of REST
 * `DELETE /api/tickets/:id`): the version the user saw, and why (kept in the audit record).
 */
export const TicketDeleteRequest = z.object({
  baseVersion: z.number().int().nonnegative(),
  reason: z.string().trim().max(1000).optional(),
});
export type TicketDeleteRequest = z.infer<typeof TicketDeleteRequest>;

export const Mutation = z.discriminatedUnion('name', [
  z.object({
    id: Id,
    name: z.literal('ticket.update'),
    args: z.object({
      ticketId: Id,
      patch: TicketChange,
      baseVersion: z.number().int().nonnegative(),
      /** Why: required when the patch moves the ticket to another department (transferError). */
      reason: z.string().trim().max(1000).optional(),
      /** Part of a bulk edit (a supervisor changing many tickets at once): needs the bulkEdit right too. */
      bulk: z.literal(true).optional(),
    }),
  }),
  /**
   * Deletes a ticket (the delete right, in scope). baseVersion: the version the user saw; a change someone else
   * made since refuses it with `conflict`, so nobody deletes what they have not seen. The service keeps the
   * ticket, its comments and history for the audit trail and takes it out of every replica (`remove`).
   */
  z.object({
    id: Id,
    name: z.literal('ticket.delete'),
    args: z.object({ ticketId: Id, ...TicketDeleteRequest.shape }),
  }),
  z.object({
    id: Id,
    name: z.literal('ticket.comment'),
    args: z.object({
      commentId: Id,
      ticketId: Id,
      body: z.string().trim().min(1).max(20000),
      internal: z.boolean(),
    }),
  }),
  /**
   * A ticket made on a desktop (possibly offline). The server assigns its number; until then the desktop
   * shows a provisional one. interactionId links the call it was made from.
   */
  z.object({
    id: Id,
    name: z.literal('ticket.create'),
    args: z.object({
      ticketId: Id,
      customerId: Id,
      departmentId: Id,
      subject: z.string().trim().min(1).max(300),
      description: z.string().max(20000).default(''),
      status: z.enum(['new', 'open']).default('new'),
      priority: TicketPriority.default('normal'),
      assigneeId: Id.nullable().default(null),
      createdAt: Instant,
      interactionId: Id.nullable().default(null),
      /** Absent from older desktops: web, as every ticket was filed before channels. */
      channel: Channel.default('web'),
      /** Triage (issue 15): a category the agent chose; absent: the service's prediction sets it. */
      category: TicketCategory.nullable().optional(),
      /** The desktop's own prediction, made offline (source 'desktop'); absent: the service predicts. */
      triage: TriagePrediction.nullable().optional(),
    }),
  }),
  /** A customer made on a desktop (quick-create from an unknown caller, or by hand), possibly offline. */
  z.object({
    id: Id,
    name: z.literal('customer.create'),
    args: z.object({
      customerId: Id,
      name: z.string().trim().min(1).max(200),
      /** E.164; the desktop normalises what the agent typed before it queues the mutation. */
      phone: Customer.shape.phone,
      /** 254: the longest address SMTP carries (RFC 5321); bounded so every valid mutation fits one push. */
      email: Customer.shape.email.unwrap().max(254).nullable(),
      company: Customer.shape.company,
      language: Customer.shape.language,
      createdAt: Instant,
    }),
  }),
  /**
   * A call the desktop recorded that no routing decision created on the server (direct and outbound
   * calls, calls while the service was unreachable). Idempotent by interactionId; a Call-ID the server
   * already has for the same agent is merged into that record instead.
   */
  z.object({
    id: Id,
    name: z.literal('interaction.log'),
    args: InteractionLog,
  }),
  /**
   * After-call work: the disposition, notes and optionally the ticket the call is about. customerId names
   * the caller when the call has no customer yet (an unknown caller the agent made a customer of during the
   * call); a call that already names one keeps it.
   */
  z.object({
    id: Id,
    name: z.literal('interaction.complete'),
    args: z.object({
      interactionId: Id,
      disposition: Disposition,
      notes: z.string().max(20000).default(''),
      ticketId: Id.nullable().optional(),
      customerId: Id.nullable().optional(),
    }),
  }),
]);
export type Mutation = z.infer<typeof Mutation>;
export type MutationName = Mutation['name'];

/**
 * Sizes on the sync socket, counted as the server reads them: bytes of the UTF-8 JSON of the message. Text
 * counts more than its length (a Chinese character is 3 bytes, a control character escaped in JSON 6), and
 * zod's max() counts characters, so limits in bytes are checked on the serialized message.
 *
 * SYNC_SOCKET_MAX_BYTES is the server's socket.io cap (maxHttpBufferSize): a larger message closes the
 * connection before anyone can answer it, so nothing is sent anywhere near it. PUSH_MAX_BYTES is what one push
 * may carry; the desktop batches under it and the server refuses a larger push with bad_request. The gap
 * between them is the headroom that turns an oversize push into an answer instead of a dropped connection.
 * A push of PUSH_MAX_BYTES takes 8 s at 1 Mbit/s, well inside the desktop's 30 s request timeout.
 */
export const SYNC_SOCKET_MAX_BYTES = 8 * 1024 * 1024;
export const PUSH_MAX_BYTES = 1024 * 1024;
export const PUSH_MAX_MUTATIONS = 500;
/**
 * What one pull page carries at most. The count limit alone let a page of long comments (5,000 of 20,000
 * Chinese characters are about 300 MB) outgrow the desktop's socket, which dropped it and asked again forever.
 */
export const PULL_MAX_BYTES = 4 * 1024 * 1024;

/** The UTF-8 length of a string, without encoding it. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3; // a lone surrogate is written as U+FFFD, 3 bytes (JSON.stringify escapes them anyway)
  }
  return n;
}

/** The size of a value on the sync socket: the UTF-8 length of its JSON. */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value) ?? '');

/**
 * The installation a push comes from: made once by each desktop and kept in its data folder (the browser-mode
 * host keeps one per browser device). Conflicts are told apart by device, not by user: the same agent editing
 * one field on two devices from the same base version is a conflict, exactly as two agents are.
 */
export const DeviceId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'a device id is 8-64 letters, digits, - or _');
export type DeviceId = z.infer<typeof DeviceId>;

export const PushRequest = z.object({
  mutations: z.array(Mutation).min(1).max(PUSH_MAX_MUTATIONS),
  /**
   * Absent from desktops older than device ids. The server counts all of one user's pushes without an id as one
   * device of its own (see applyTicketUpdate), so an older desktop still conflicts with its user's newer ones.
   */
  deviceId: DeviceId.optional(),
});
export type PushRequest = z.infer<typeof PushRequest>;

/** A ticket field someone else changed since the client's base version, to a value other than the client's. */
export const FieldConflict = z.object({
  field: z.enum(CHANGEABLE_FIELDS),
  /** The value on the server now (it wins). */
  theirs: z.string().nullable(),
  changedById: Id.nullable(),
  changedByName: z.string(),
  changedAt: Instant,
});
export type FieldConflict = z.infer<typeof FieldConflict>;

export const MutationResult = z.object({
  id: Id,
  /** applied: now or earlier (idempotent replay); rejected: will never apply, the client drops it and shows why. */
  status: z.enum(['applied', 'rejected']),
  version: z.number().int().nonnegative().optional(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      /** code 'conflict' on ticket.update: the fields that collided, so the client can show both values. */
      conflicts: z.array(FieldConflict).optional(),
    })
    .optional(),
});
export type MutationResult = z.infer<typeof MutationResult>;

export const PushResponse = z.object({ results: z.array(MutationResult) });
export type PushResponse = z.infer<typeof PushResponse>;

/**
 * Server -> client: something in your scope changed. A plain poke says "pull from your cursor". When the change
 * is small the poke carries it: `changes` is the whole of `scope` in (`from`, `head`], exactly the page a pull
 * from `from` would answer, so a replica whose cursor is `from` and whose scope is `scope` applies it instead of
 * pulling; any other replica pulls as for a plain poke.
 */
export const Poke = z.object({
  head: z.number().int().nonnegative(),
  from: z.number().int().nonnegative().optional(),
  changes: z.array(Change).optional(),
  scope: ScopeKey.optional(),
});
export type Poke = z.infer<typeof Poke>;

export const SocketEvents = {
  pull: 'sync:pull',
  push: 'sync:push',
  poke: 'sync:poke',
} as const;
