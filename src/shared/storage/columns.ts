import type { Customer, Ticket, TicketComment, TicketHistoryEntry } from '../domain';
import type { Interaction } from '../protocol/voice';

/**
 * The columns both SQL stores (the central service's and each desktop's replica) keep for the synced
 * entities, and their mapping to the shared types. One definition, so a field added to an entity is stored
 * and read the same way on both sides. Each store adds columns of its own around these (a desktop's `rid`
 * and `server_base`, the service's `version` on comments and history).
 */

export interface TicketColumns {
  id: string;
  /** null only on a desktop, for a ticket made there that the service has not numbered yet. */
  number: number | null;
  department_id: string;
  customer_id: string;
  subject: string;
  description: string;
  status: Ticket['status'];
  priority: Ticket['priority'];
  assignee_id: string | null;
  hand_back_to: string | null;
  channel: Ticket['channel'];
  /** JSON arrays/objects: tags are few and custom fields vary by department, so neither earns a table. */
  tags: string;
  fields: string;
  /** Links (migration 0017 / desktop 013): the parent, related ids as a JSON array, the ticket merged into. */
  parent_id: string | null;
  related_ids: string;
  merged_into: string | null;
  /** Triage (server migration 0031 / desktop 020): the category, and the prediction as JSON (null: none). */
  category: Ticket['category'];
  triage: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export const ticketFromColumns = (r: TicketColumns): Ticket => ({
  id: r.id,
  number: r.number,
  departmentId: r.department_id,
  customerId: r.customer_id,
  subject: r.subject,
  description: r.description,
  status: r.status,
  priority: r.priority,
  assigneeId: r.assignee_id,
  handBackTo: r.hand_back_to ?? null,
  channel: r.channel,
  // Rows built without these (the demo's, which the store's column defaults fill) read as none.
  tags: JSON.parse(r.tags ?? '[]') as Ticket['tags'],
  fields: JSON.parse(r.fields ?? '{}') as Ticket['fields'],
  parentId: r.parent_id ?? null,
  relatedIds: JSON.parse(r.related_ids ?? '[]') as Ticket['relatedIds'],
  mergedInto: r.merged_into ?? null,
  category: r.category ?? null,
  triage: r.triage ? (JSON.parse(r.triage) as Ticket['triage']) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

export const ticketToColumns = (t: Ticket): TicketColumns => ({
  id: t.id,
  number: t.number,
  department_id: t.departmentId,
  customer_id: t.customerId,
  subject: t.subject,
  description: t.description,
  status: t.status,
  priority: t.priority,
  assignee_id: t.assigneeId,
  hand_back_to: t.handBackTo,
  channel: t.channel,
  tags: JSON.stringify(t.tags),
  fields: JSON.stringify(t.fields),
  parent_id: t.parentId,
  related_ids: JSON.stringify(t.relatedIds),
  merged_into: t.mergedInto,
  category: t.category,
  triage: t.triage ? JSON.stringify(t.triage) : null,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
  version: t.version,
});

export interface CustomerColumns {
  id: string;
  name: string;
  phone: string | null;
  email: string | null;
  language: Customer['language'];
  company: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export const customerFromColumns = (r: CustomerColumns): Customer => ({
  id: r.id,
  name: r.name,
  phone: r.phone,
  email: r.email,
  language: r.language,
  company: r.company,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

export const customerToColumns = (c: Customer): CustomerColumns => ({
  id: c.id,
  name: c.name,
  phone: c.phone,
  email: c.email,
  language: c.language,
  company: c.company,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  version: c.version,
});

export interface CommentColumns {
  id: string;
  ticket_id: string;
  author_id: string | null;
  author_name: string;
  body: string;
  /** SQLite has no boolean: 1 or 0. */
  internal: number;
  created_at: string;
  // email (issue 13): server migration 0022, desktop 017; absent in rows written before them (read as defaults).
  from_customer?: number;
  /** CommentDelivery JSON, or null. */
  delivery?: string | null;
  /** CommentAttachment[] JSON. */
  attachments?: string;
}

export const commentFromColumns = (r: CommentColumns): TicketComment => ({
  id: r.id,
  ticketId: r.ticket_id,
  authorId: r.author_id,
  authorName: r.author_name,
  body: r.body,
  internal: r.internal === 1,
  createdAt: r.created_at,
  fromCustomer: r.from_customer === 1,
  delivery: r.delivery ? (JSON.parse(r.delivery) as TicketComment['delivery']) : null,
  attachments: JSON.parse(r.attachments ?? '[]') as TicketComment['attachments'],
});

export const commentToColumns = (c: TicketComment): CommentColumns => ({
  id: c.id,
  ticket_id: c.ticketId,
  author_id: c.authorId,
  author_name: c.authorName,
  body: c.body,
  internal: c.internal ? 1 : 0,
  created_at: c.createdAt,
  from_customer: c.fromCustomer ? 1 : 0,
  delivery: c.delivery ? JSON.stringify(c.delivery) : null,
  attachments: JSON.stringify(c.attachments ?? []),
});

export interface HistoryColumns {
  id: string;
  ticket_id: string;
  field: string;
  from_value: string | null;
  to_value: string | null;
  actor_id: string | null;
  actor_name: string;
  at: string;
  note: string | null;
}

export const historyFromColumns = (r: HistoryColumns): TicketHistoryEntry => ({
  id: r.id,
  ticketId: r.ticket_id,
  field: r.field,
  from: r.from_value,
  to: r.to_value,
  actorId: r.actor_id,
  actorName: r.actor_name,
  at: r.at,
  note: r.note ?? null,
});

export const historyToColumns = (h: TicketHistoryEntry): HistoryColumns => ({
  id: h.id,
  ticket_id: h.ticketId,
  field: h.field,
  from_value: h.from,
  to_value: h.to,
  actor_id: h.actorId,
  actor_name: h.actorName,
  at: h.at,
  note: h.note,
});

export interface InteractionColumns {
  id: string;
  call_id: string;
  direction: Interaction['direction'];
  caller_number: string;
  callee_number: string;
  queue_number: string | null;
  department_id: string;
  agent_id: string | null;
  customer_id: string | null;
  status: Interaction['status'];
  ring_at: string;
  answer_at: string | null;
  end_at: string | null;
  hold_seconds: number;
  disposition: string | null;
  notes: string | null;
  ticket_id: string | null;
  completed_at: string | null;
  version: number;
}

export const interactionFromColumns = (r: InteractionColumns): Interaction => ({
  id: r.id,
  callId: r.call_id,
  direction: r.direction,
  callerNumber: r.caller_number,
  calleeNumber: r.callee_number,
  queueNumber: r.queue_number,
  departmentId: r.department_id,
  agentId: r.agent_id,
  customerId: r.customer_id,
  status: r.status,
  ringAt: r.ring_at,
  answerAt: r.answer_at,
  endAt: r.end_at,
  holdSeconds: r.hold_seconds,
  disposition: r.disposition,
  notes: r.notes,
  ticketId: r.ticket_id,
  completedAt: r.completed_at,
  version: r.version,
});

export const interactionToColumns = (i: Interaction): InteractionColumns => ({
  id: i.id,
  call_id: i.callId,
  direction: i.direction,
  caller_number: i.callerNumber,
  callee_number: i.calleeNumber,
  queue_number: i.queueNumber,
  department_id: i.departmentId,
  agent_id: i.agentId,
  customer_id: i.customerId,
  status: i.status,
  ring_at: i.ringAt,
  answer_at: i.answerAt,
  end_at: i.endAt,
  hold_seconds: i.holdSeconds,
  disposition: i.disposition,
  notes: i.notes,
  ticket_id: i.ticketId,
  completed_at: i.completedAt,
  version: i.version,
});
