import { z } from 'zod';
import { Id, Instant } from './ids';

export const TicketStatus = z.enum(['new', 'open', 'pending', 'solved', 'closed']);
export type TicketStatus = z.infer<typeof TicketStatus>;

export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);
export type TicketPriority = z.infer<typeof TicketPriority>;

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
});
export type TicketHistoryEntry = z.infer<typeof TicketHistoryEntry>;

/** The fields an agent may change on a ticket. Each is optional: a patch names only what changed. */
export const TicketPatch = z
  .object({
    subject: z.string().trim().min(1).max(300),
    status: TicketStatus,
    priority: TicketPriority,
    assigneeId: Id.nullable(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'A ticket change must name at least one field.' });
export type TicketPatch = z.infer<typeof TicketPatch>;
