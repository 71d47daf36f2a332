import { z } from 'zod';
import { Id, Instant } from './ids';

/**
 * The workflow's states, in the order lists show them. `pending` is "pending customer" (waiting on the
 * customer's answer); it and `on_hold` (waiting on someone inside, another team or a supplier) stop the SLA
 * clocks. `reopened` is a solved ticket that came back; it works as `open` and keeps the fact visible.
 */
export const TicketStatus = z.enum(['new', 'open', 'reopened', 'pending', 'on_hold', 'solved', 'closed']);
export type TicketStatus = z.infer<typeof TicketStatus>;

export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);
export type TicketPriority = z.infer<typeof TicketPriority>;

/**
 * Where a ticket came in. Each SLA policy is for one department, priority and channel, and a public reply goes
 * out on the ticket's channel.
 */
export const Channel = z.enum(['phone', 'chat', 'email', 'web', 'api']);
export type Channel = z.infer<typeof Channel>;

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
  createdAt: Instant,
  updatedAt: Instant,
  /** Server change-stream version of the last applied change. */
  version: z.number().int().nonnegative(),
});
export type Ticket = z.infer<typeof Ticket>;

export const TicketComment = z.object({
  id: Id,
  ticketId: Id,
  authorId: Id.nullable(),
  authorName: z.string(),
  body: z.string().min(1).max(20000),
  /** Internal notes are for agents only; public comments go to the customer. */
  internal: z.boolean(),
  createdAt: Instant,
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
  assigneeId: Id.nullable(),
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
  .object({ ...editableFields, departmentId: Id, handBackTo: Id.nullable() })
  .partial()
  .refine(named, nameOne);
export type TicketChange = z.infer<typeof TicketChange>;

/** Every field a ticket.update may change, in the order the server checks and records them. */
export const CHANGEABLE_FIELDS = [
  'subject',
  'status',
  'priority',
  'assigneeId',
  'departmentId',
  'handBackTo',
] as const satisfies readonly (keyof TicketChange)[];
