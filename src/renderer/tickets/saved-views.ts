import { z } from 'zod';
import { TicketPriority, TicketSort, TicketStatus } from '../../shared';
import { TRIAGE_CATEGORIES } from '../../shared/triage/taxonomy';
import { BREACHING_SOON_MINUTES, NO_FILTERS, openStatuses, type TicketFilters } from './ticket-filters';

/** The views every agent has; their names are `tickets.views.<id>` in the locale files. */
export type BuiltinViewId = 'myOpen' | 'unassignedMine' | 'allOpen' | 'breachingSoon' | 'needsTriage';

export interface SavedView {
  id: string;
  /** Set for the built-in views (named in the agent's language); null for the agent's own. */
  builtin: BuiltinViewId | null;
  /** The agent's own name for it; '' for a built-in view. */
  name: string;
  filters: TicketFilters;
  /** The name's key when it is not `tickets.views.<id>` (a view another part adds). */
  labelKey?: string;
}

/** "My open", "Unassigned in my department", "All open", "Breaching soon" (earliest due first), for this user. */
export function builtinViews(user: { departmentId: string | null }): SavedView[] {
  const open = openStatuses();
  const view = (id: BuiltinViewId, f: Partial<TicketFilters>): SavedView => ({
    id,
    builtin: id,
    name: '',
    filters: { ...NO_FILTERS, status: open, ...f },
  });
  return [
    view('myOpen', { assignees: ['me'] }),
    view('unassignedMine', {
      assignees: ['unassigned'],
      departmentIds: user.departmentId ? [user.departmentId] : [],
    }),
    view('allOpen', {}),
    view('breachingSoon', { slaDueWithinMinutes: BREACHING_SOON_MINUTES, sort: 'slaDue' }),
    // Triage (issue 15): what waits for a person to check its prediction, longest waiting first.
    { ...view('needsTriage', { needsTriage: true, sort: 'oldest' }), labelKey: 'triage.view' },
  ];
}

/** Two filter sets that list the same tickets in the same order (values in any order). */
export function sameFilters(a: TicketFilters, b: TicketFilters): boolean {
  const set = (xs: readonly string[]) => [...xs].sort().join('\n');
  return (
    a.text.trim() === b.text.trim() &&
    a.sort === b.sort &&
    set(a.status) === set(b.status) &&
    set(a.priority) === set(b.priority) &&
    set(a.departmentIds) === set(b.departmentIds) &&
    set(a.assignees) === set(b.assignees) &&
    (a.slaDueWithinMinutes ?? null) === (b.slaDueWithinMinutes ?? null) &&
    set(a.categories ?? []) === set(b.categories ?? []) &&
    (a.needsTriage ?? false) === (b.needsTriage ?? false)
  );
}

const Stored = z.object({
  id: z.string().min(1),
  name: z.string().min(1).max(60),
  filters: z.object({
    text: z.string().max(200).catch(''),
    status: z.array(z.string()).catch([]),
    priority: z.array(z.string()).catch([]),
    departmentIds: z.array(z.string()).catch([]),
    assignees: z.array(z.string()).catch([]),
    sort: TicketSort.nullable().catch(null),
    slaDueWithinMinutes: z.number().int().min(0).max(10_080).nullable().catch(null).default(null),
    categories: z.array(z.string()).catch([]).default([]),
    needsTriage: z.boolean().catch(false).default(false),
  }),
});

/**
 * The agent's own views, kept on this desktop per server and user (localStorage). What cannot be read is left
 * out rather than failing the list, and a value the app no longer knows (a status renamed in a newer version)
 * is dropped from its view, which keeps the rest.
 */
export class ViewStore {
  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
    private readonly key: string,
  ) {}

  static keyFor(serverUrl: string, userId: string): string {
    return `switchboard.views:${serverUrl}:${userId}`;
  }

  list(): SavedView[] {
    let raw: unknown;
    try {
      raw = JSON.parse(this.storage.getItem(this.key) ?? '[]');
    } catch {
      return [];
    }
    if (!Array.isArray(raw)) return [];
    const known = <T extends string>(values: string[], options: readonly T[]) =>
      values.filter((v): v is T => (options as readonly string[]).includes(v));
    return raw.flatMap((item) => {
      const r = Stored.safeParse(item);
      if (!r.success) return [];
      const f = r.data.filters;
      return [
        {
          id: r.data.id,
          builtin: null,
          name: r.data.name,
          filters: {
            ...f,
            status: known(f.status, TicketStatus.options),
            priority: known(f.priority, TicketPriority.options),
            categories: known(f.categories, TRIAGE_CATEGORIES),
          },
        },
      ];
    });
  }

  /** Adds a view (a view of the same name is replaced); returns the list as it now is. */
  save(name: string, filters: TicketFilters): SavedView[] {
    const trimmed = name.trim().slice(0, 60);
    if (!trimmed) throw new Error('A view needs a name');
    const view: SavedView = {
      id: `v${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      builtin: null,
      name: trimmed,
      filters,
    };
    return this.write([...this.list().filter((v) => v.name !== trimmed), view]);
  }

  remove(id: string): SavedView[] {
    return this.write(this.list().filter((v) => v.id !== id));
  }

  private write(views: SavedView[]): SavedView[] {
    this.storage.setItem(
      this.key,
      JSON.stringify(views.map(({ id, name, filters }) => ({ id, name, filters }))),
    );
    return views;
  }
}
