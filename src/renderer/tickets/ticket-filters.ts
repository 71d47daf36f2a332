import type { TicketPriority, TicketQuery, TicketStatus } from '../../shared';

export interface TicketFilters {
  text: string;
  status: TicketStatus[];
  priority: TicketPriority[];
  /** '' for any department. */
  departmentId: string;
  /** '' any, 'me', 'unassigned' or a user id. */
  assignee: string;
}

export const NO_FILTERS: TicketFilters = {
  text: '',
  status: [],
  priority: [],
  departmentId: '',
  assignee: '',
};

export function toQuery(f: TicketFilters): Omit<TicketQuery, 'offset' | 'limit'> {
  return {
    text: f.text.trim().slice(0, 200),
    status: f.status,
    priority: f.priority,
    departmentId: f.departmentId || null,
    assignee: f.assignee || null,
  };
}
