import type { Department, Ticket, TicketChange, User } from '../../shared/domain';
import type { TicketRow } from '../../shared/ipc/contract';
import type { SlaTimeline } from '../../shared/sla/clock';
import { ticketFromColumns, type CustomerColumns, type TicketColumns } from '../../shared/storage/columns';

/** Column shapes as the replica's SQLite returns them; the synced entities' columns are shared with the service. */

/** seq: the ticket's key in order of creation, its rowid in ticket_fts (see ticketSeq). */
export type TicketDbRow = TicketColumns & {
  rid: number;
  seq: number;
  server_base: string | null;
  /** JSON SlaTimeline (migration 012); absent in queries that do not select it. */
  sla_timeline?: string | null;
};

export type TicketListDbRow = TicketDbRow & {
  customer_name: string | null;
  pending: number;
  /** Absent in queries that do not ask (a ticket then shows pending or synced). */
  conflict?: number;
  /** A ticket.delete of it is queued; absent in queries that do not ask. */
  deleting?: number;
};

// A conflict outranks pending: it waits on the agent, pending only on the network.
export const ticketRowFromDb = (r: TicketListDbRow): TicketRow => ({
  ...ticketFromColumns(r),
  customerName: r.customer_name ?? '',
  syncState: r.conflict ? 'conflict' : r.pending ? 'pending' : 'synced',
  ...(r.deleting ? { deletePending: true } : {}),
  sla: r.sla_timeline ? (JSON.parse(r.sla_timeline) as SlaTimeline) : null,
});

/** The local view of a ticket: the server copy with the agent's unsent edits laid over it, in order. */
export function applyPatch(t: Ticket, patch: TicketChange): Ticket {
  const next = { ...t, ...patch };
  // Triage (issue 15): naming a triage field (a correction, or its value as it stands: a confirmation) ends the
  // prediction's review, as the service does when the edit reaches it; a refusal undoes it with the edit.
  if (t.triage?.needsReview && TRIAGE_PATCH_FIELDS.some((f) => patch[f] !== undefined)) {
    next.triage = { ...t.triage, needsReview: false };
  }
  return next;
}
const TRIAGE_PATCH_FIELDS = ['category', 'priority', 'departmentId'] as const;

export type CustomerDbRow = CustomerColumns & { rid: number };

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
