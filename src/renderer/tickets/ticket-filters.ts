import {
  TicketStatus,
  type TicketFilter,
  type TicketPriority,
  type TicketQuery,
  type TicketSort,
} from '../../shared';
import type { TicketCategory } from '../../shared/triage/taxonomy';

/** What the list shows: text, filters (each a set of values, empty: any) and the order. */
export interface TicketFilters {
  text: string;
  status: TicketStatus[];
  priority: TicketPriority[];
  departmentIds: string[];
  /** User ids, 'me' and 'unassigned'. */
  assignees: string[];
  /** null: relevance when there is text, newest first otherwise. */
  sort: TicketSort | null;
  /** "Breaching soon": running SLA clocks due within this many minutes, or overdue; null or absent: any. */
  slaDueWithinMinutes?: number | null;
  /** Triage (issue 15): any of these categories (empty or absent: any); only those waiting for a person. */
  categories?: TicketCategory[];
  needsTriage?: boolean;
}

export const NO_FILTERS: TicketFilters = {
  text: '',
  status: [],
  priority: [],
  departmentIds: [],
  assignees: [],
  sort: null,
  slaDueWithinMinutes: null,
  categories: [],
  needsTriage: false,
};

/** The "Breaching soon" window: due within two hours, or already overdue. */
export const BREACHING_SOON_MINUTES = 120;

/** Statuses after which a ticket needs nothing more from an agent; every other status is "open". */
const DONE: ReadonlySet<string> = new Set(['solved', 'closed']);

/** The open statuses, from the shared enum, so a status added there is open unless it is done. */
export const openStatuses = (): TicketStatus[] => TicketStatus.options.filter((s) => !DONE.has(s));

/** The order the list is in: the one chosen, or the default for what is typed. */
export function effectiveSort(f: Pick<TicketFilters, 'text' | 'sort'>): TicketSort {
  const text = f.text.trim() !== '';
  if (f.sort === 'relevance' && !text) return 'newest';
  return f.sort ?? (text ? 'relevance' : 'newest');
}

/** How many filter values are set (text and order aside). */
export const filterCount = (f: TicketFilters) =>
  f.status.length +
  f.priority.length +
  f.departmentIds.length +
  f.assignees.length +
  (f.slaDueWithinMinutes != null ? 1 : 0) +
  (f.categories?.length ?? 0) +
  (f.needsTriage ? 1 : 0);

/** One value in or out of a set, keeping the order the values were given in. */
export function toggle<T>(values: readonly T[], value: T, order?: readonly T[]): T[] {
  const next = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
  return order ? order.filter((v) => next.includes(v)) : next;
}

export function toFilter(f: TicketFilters): TicketFilter {
  return {
    text: f.text.trim().slice(0, 200),
    status: f.status,
    priority: f.priority,
    departmentIds: f.departmentIds,
    assignees: f.assignees,
    slaDueWithinMinutes: f.slaDueWithinMinutes ?? null,
    categories: f.categories ?? [],
    needsTriage: f.needsTriage ?? false,
  };
}

export function toQuery(f: TicketFilters): Omit<TicketQuery, 'offset' | 'limit'> {
  return { ...toFilter(f), sort: f.sort };
}
