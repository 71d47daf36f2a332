import type {
  Customer,
  Department,
  Ticket,
  TicketComment,
  TicketHistoryEntry,
  TicketPatch,
  User,
} from '../../shared/domain';
import type { TicketRow } from '../../shared/ipc/contract';

/** Column shapes as SQLite returns them, and the mapping to the shared domain types. */

export interface TicketDbRow {
  rid: number;
  id: string;
  number: number | null;
  department_id: string;
  customer_id: string;
  subject: string;
  description: string;
  status: Ticket['status'];
  priority: Ticket['priority'];
  assignee_id: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  server_base: string | null;
}

export const ticketFromDb = (r: TicketDbRow): Ticket => ({
  id: r.id,
  number: r.number,
  departmentId: r.department_id,
  customerId: r.customer_id,
  subject: r.subject,
  description: r.description,
  status: r.status,
  priority: r.priority,
  assigneeId: r.assignee_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

export const ticketToDb = (t: Ticket) => ({
  id: t.id,
  number: t.number,
  department_id: t.departmentId,
  customer_id: t.customerId,
  subject: t.subject,
  description: t.description,
  status: t.status,
  priority: t.priority,
  assignee_id: t.assigneeId,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
  version: t.version,
});

export type TicketListDbRow = TicketDbRow & {
  customer_name: string | null;
  pending: number;
  /** Absent in queries that do not ask (a ticket then shows pending or synced). */
  conflict?: number;
};

// A conflict outranks pending: it waits on the agent, pending only on the network.
export const ticketRowFromDb = (r: TicketListDbRow): TicketRow => ({
  ...ticketFromDb(r),
  customerName: r.customer_name ?? '',
  syncState: r.conflict ? 'conflict' : r.pending ? 'pending' : 'synced',
});

/** The local view of a ticket: the server copy with the agent's unsent edits laid over it, in order. */
export function applyPatch(t: Ticket, patch: TicketPatch): Ticket {
  return { ...t, ...patch };
}

export interface CustomerDbRow {
  rid: number;
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

export const customerFromDb = (r: CustomerDbRow): Customer => ({
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

export const customerToDb = (c: Customer) => ({
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

export interface CommentDbRow {
  id: string;
  ticket_id: string;
  author_id: string | null;
  author_name: string;
  body: string;
  internal: number;
  created_at: string;
}

export const commentFromDb = (r: CommentDbRow): TicketComment => ({
  id: r.id,
  ticketId: r.ticket_id,
  authorId: r.author_id,
  authorName: r.author_name,
  body: r.body,
  internal: r.internal === 1,
  createdAt: r.created_at,
});

export const commentToDb = (c: TicketComment) => ({
  id: c.id,
  ticket_id: c.ticketId,
  author_id: c.authorId,
  author_name: c.authorName,
  body: c.body,
  internal: c.internal ? 1 : 0,
  created_at: c.createdAt,
});

export interface HistoryDbRow {
  id: string;
  ticket_id: string;
  field: string;
  from_value: string | null;
  to_value: string | null;
  actor_id: string | null;
  actor_name: string;
  at: string;
}

export const historyFromDb = (r: HistoryDbRow): TicketHistoryEntry => ({
  id: r.id,
  ticketId: r.ticket_id,
  field: r.field,
  from: r.from_value,
  to: r.to_value,
  actorId: r.actor_id,
  actorName: r.actor_name,
  at: r.at,
});

export const historyToDb = (h: TicketHistoryEntry) => ({
  id: h.id,
  ticket_id: h.ticketId,
  field: h.field,
  from_value: h.from,
  to_value: h.to,
  actor_id: h.actorId,
  actor_name: h.actorName,
  at: h.at,
});

export interface DepartmentDbRow {
  id: string;
  code: string;
  name_zh: string;
  name_en: string;
}
export const departmentFromDb = (r: DepartmentDbRow): Department => ({
  id: r.id,
  code: r.code,
  nameZh: r.name_zh,
  nameEn: r.name_en,
});

export interface UserDbRow {
  id: string;
  username: string;
  display_name: string;
  role: User['role'];
  department_id: string | null;
}
export const userFromDb = (r: UserDbRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  departmentId: r.department_id,
});
