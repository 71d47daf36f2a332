import { z } from 'zod';
import { Id, Instant } from './ids';
import { TicketPriority } from './priority';
import { TicketCategory } from '../triage/taxonomy';
import { TriagePrediction } from '../triage/schemas';

export { TicketPriority } from './priority';

/**
 * The workflow's states, in the order lists show them. `pending` is "pending customer" (waiting on the
 * customer's answer); it and `on_hold` (waiting on someone inside, another team or a supplier) stop the SLA
 * clocks. `reopened` is a solved ticket that came back; it works as `open` and keeps the fact visible.
 */
export const TicketStatus = z.enum(['new', 'open', 'reopened', 'pending', 'on_hold', 'solved', 'closed']);
export type TicketStatus = z.infer<typeof TicketStatus>;

/**
 * Where a ticket came in. Each SLA policy is for one department, priority and channel, and a public reply goes
 * out on the ticket's channel.
 */
export const Channel = z.enum(['phone', 'chat', 'email', 'web', 'api']);
export type Channel = z.infer<typeof Channel>;

/** A label on a ticket: one word (any script), kept lower-case so 退货 and Refund/refund each match once. */
export const Tag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(
    z
      .string()
      .min(1, 'A tag cannot be empty.')
      .max(40, 'A tag is at most 40 characters.')
      .regex(/^[^\s,;]+$/, 'A tag is one word: no spaces, commas or semicolons.'),
  );
/** A ticket's tags: each once, sorted, so two agents adding the same tags make the same value. */
export const Tags = z
  .array(Tag)
  .max(20, 'At most 20 tags on a ticket.')
  .transform((tags) => [...new Set(tags)].sort());
export type Tags = z.infer<typeof Tags>;

/** A custom field's value: text or date (YYYY-MM-DD) as a string, a number, or a multi choice's option values. */
export const CustomFieldValue = z.union([
  z.string().max(2000),
  z.number().finite(),
  z.array(z.string().max(40)).max(100),
]);
export type CustomFieldValue = z.infer<typeof CustomFieldValue>;
/** Values by field key (the admin's CustomFieldDefinition.key); a field left empty is absent. */
export const CustomFieldValues = z
  .record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/), CustomFieldValue)
  .refine((v) => Object.keys(v).length <= 100, 'At most 100 custom fields on a ticket.');
export type CustomFieldValues = z.infer<typeof CustomFieldValues>;

/** The most related tickets one ticket holds (each link is kept on both tickets). */
export const MAX_RELATED = 50;
/** A ticket's related tickets: each once, sorted, so equal sets read the same (a whole value, as tags). */
export const RelatedIds = z
  .array(Id)
  .max(MAX_RELATED, `At most ${MAX_RELATED} related tickets on a ticket.`)
  .transform((ids) => [...new Set(ids)].sort());
export type RelatedIds = z.infer<typeof RelatedIds>;

export const Ticket = z.object({
  id: Id,
  /** Human ticket number, assigned by the server; null while only local. */
  number: z.number().int().positive().nullable(),
  departmentId: Id,
  customerId: Id,
  subject: z.string().min(1).max(300),
  description: z.string().max(20000),
  status: TicketStatus,
  priority: TicketPriority,
  assigneeId: Id.nullable(),
  /**
   * Set by a transfer that asked for the ticket back: the department it came from, which the receiving team
   * hands it back to when their part is done (a transfer there clears it). Absent from older servers: null.
   */
  handBackTo: Id.nullable().default(null),
  /** Absent from older servers: web, the channel every earlier ticket was filed as. */
  channel: Channel.default('web'),
  tags: Tags.default([]),
  fields: CustomFieldValues.default({}),
  /** The ticket this one is part of (a child of it); absent from older servers: none. */
  parentId: Id.nullable().default(null),
  /** Related tickets, symmetric: the server keeps the reverse link on each of them. */
  relatedIds: RelatedIds.default([]),
  /** Set when the ticket was merged into another (it is then closed, its history and comments kept here). */
  mergedInto: Id.nullable().default(null),
  /** Triage (issue 15): the taxonomy category, predicted or set by a person; absent from older servers: none. */
  category: TicketCategory.nullable().default(null),
  /** The triage model's prediction when the ticket was made (with its model version); null: not triaged. */
  triage: TriagePrediction.nullable().default(null),
  createdAt: Instant,
  updatedAt: Instant,
  /** Server change-stream version of the last applied change. */
  version: z.number().int().nonnegative(),
});
export type Ticket = z.infer<typeof Ticket>;

// email (issue 13): delivery state and attachments of a comment.
/**
 * queued: waiting for the relay (retried with growing waits; `error` says why the last try failed, if it did);
 * sent: the relay took it; failed: given up (the relay refused it for good, or no address to send to).
 */
export const CommentDelivery = z.object({
  state: z.enum(['queued', 'sent', 'failed']),
  error: z.string().max(500).nullable(),
  at: Instant,
});
export type CommentDelivery = z.infer<typeof CommentDelivery>;

/** A file kept with a comment; the bytes are fetched from the service by id, with the ticket's scope checks. */
export const CommentAttachment = z.object({
  id: Id,
  fileName: z.string().min(1).max(255),
  contentType: z.string().min(1).max(255),
  size: z.number().int().nonnegative(),
});
export type CommentAttachment = z.infer<typeof CommentAttachment>;

export const TicketComment = z.object({
  id: Id,
  ticketId: Id,
  authorId: Id.nullable(),
  authorName: z.string(),
  body: z.string().min(1).max(20000),
  /** Internal notes are for agents only; public comments go to the customer. */
  internal: z.boolean(),
  createdAt: Instant,
  // email (issue 13): who wrote it and what became of a reply by mail. Optional, so older servers' and
  // replicas' comments (and comments made before these existed) read as agents' comments that went nowhere.
  /** Written by the customer (a mail they sent), not by an agent; authorName is then the sender's name. */
  fromCustomer: z.boolean().optional(),
  /** A public reply on a ticket that answers by mail: whether the mail went out; null for every other comment. */
  delivery: CommentDelivery.nullable().optional(),
  /** Files that came with it (kept by the service: GET /api/attachments/:id). */
  attachments: z.array(CommentAttachment).max(50).optional(),
});
export type TicketComment = z.infer<typeof TicketComment>;

export const TicketHistoryEntry = z.object({
  id: Id,
  ticketId: Id,
  field: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  actorId: Id.nullable(),
  actorName: z.string(),
  at: Instant,
  /** Why, when the change asks for one (a transfer's reason). */
  note: z.string().nullable().default(null),
});
export type TicketHistoryEntry = z.infer<typeof TicketHistoryEntry>;

const editableFields = {
  subject: z.string().trim().min(1).max(300),
  status: TicketStatus,
  priority: TicketPriority,
  /** Triage (issue 15): correcting a prediction is a change like any other, recorded as a correction too. */
  category: TicketCategory.nullable(),
  assigneeId: Id.nullable(),
  tags: Tags,
  /** The whole set of values (a change sends all of them), so a concurrent edit is a conflict, never lost. */
  fields: CustomFieldValues,
  parentId: Id.nullable(),
  relatedIds: RelatedIds,
};
const named = (p: object) => Object.keys(p).length > 0;
const nameOne = { message: 'A ticket change must name at least one field.' };

/** The fields an agent edits in place on a ticket. Each is optional: a patch names only what changed. */
export const TicketPatch = z.object(editableFields).partial().refine(named, nameOne);
export type TicketPatch = z.infer<typeof TicketPatch>;

/**
 * What a ticket.update carries: the editable fields, and the department and hand-back of a transfer, which
 * travel the same way (offline, merged field by field, undone on refusal) but need a reason (transferError).
 */
export const TicketChange = z
  .object({ ...editableFields, departmentId: Id, handBackTo: Id.nullable(), mergedInto: Id.nullable() })
  .partial()
  .refine(named, nameOne);
export type TicketChange = z.infer<typeof TicketChange>;

/** Every field a ticket.update may change, in the order the server checks and records them. */
export const CHANGEABLE_FIELDS = [
  'subject',
  'status',
  'priority',
  'category',
  'assigneeId',
  'departmentId',
  'handBackTo',
  'tags',
  'fields',
  'parentId',
  'relatedIds',
  'mergedInto',
] as const satisfies readonly (keyof TicketChange)[];

type FieldValue = Ticket[(typeof CHANGEABLE_FIELDS)[number]] | null | undefined;

/**
 * A changeable field's value as history and conflicts record it: text as it is, tags and custom fields as JSON
 * with sorted keys, so equal values always read the same and a collision is found by comparing text.
 */
export function fieldText(value: FieldValue): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return JSON.stringify(value);
  const sorted = Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(sorted);
}

/** The change that sets `field` back to a value fieldText wrote (an agent keeping their side of a conflict). */
export function fieldFromText(field: (typeof CHANGEABLE_FIELDS)[number], text: string | null): TicketChange {
  if (field === 'tags') return { tags: text === null ? [] : (JSON.parse(text) as string[]) };
  if (field === 'fields') return { fields: text === null ? {} : (JSON.parse(text) as CustomFieldValues) };
  if (field === 'relatedIds') return { relatedIds: text === null ? [] : (JSON.parse(text) as string[]) };
  return { [field]: text } as TicketChange;
}
