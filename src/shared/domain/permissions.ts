import { z } from 'zod';
import { Role, type User } from './directory';

/**
 * Field-level rights on tickets, checked by the server for every mutation and REST read, by the desktop before
 * it queues a change offline, and by the renderer to leave out controls a user may not use: one `can` for all.
 * Department scope is separate (auth/scope.ts on the server): a right is only ever used inside one's scope.
 */
export const Right = z.enum([
  'changePriority',
  'close',
  'reopen',
  'delete',
  'transfer',
  'seeInternalNotes',
  'export',
  'bulkEdit',
  /** Triage (issue 15): set or correct a ticket's category. */
  'changeCategory',
]);
export type Right = z.infer<typeof Right>;

/** The roles an administrator configures; admins hold every right, always (their column is fixed). */
export const ConfigurableRole = Role.exclude(['admin']);
export type ConfigurableRole = z.infer<typeof ConfigurableRole>;

const Rights = z
  .array(Right)
  .max(Right.options.length)
  .refine((r) => new Set(r).size === r.length, 'A right is listed twice: keep it once.');

/** Which rights each non-admin role has (AdminConfig.rolePermissions). */
export const RolePermissions = z.object({ agent: Rights, team_lead: Rights, supervisor: Rights });
export type RolePermissions = z.infer<typeof RolePermissions>;

/**
 * The defaults, close to what help desks such as Zendesk ship:
 * - agents work their tickets end to end: set priority, solve and close, reopen, transfer with a reason (the
 *   usual way to hand a call to 技术支持), and read internal notes (colleagues write them for each other);
 *   they do not delete, export or bulk-edit, which affect many tickets or erase the record;
 * - team leads add bulk edits for their team;
 * - supervisors add deletion (a ticket opened by mistake or spam);
 * - export stays with administrators: the audit export is for auditors (the right is there to grant it).
 * Admins can take any of these away from a role on the Permissions tab.
 */
export const DEFAULT_ROLE_PERMISSIONS: RolePermissions = {
  agent: ['changePriority', 'close', 'reopen', 'transfer', 'seeInternalNotes', 'changeCategory'],
  team_lead: [
    'changePriority',
    'close',
    'reopen',
    'transfer',
    'seeInternalNotes',
    'bulkEdit',
    'changeCategory',
  ],
  supervisor: [
    'changePriority',
    'close',
    'reopen',
    'transfer',
    'seeInternalNotes',
    'bulkEdit',
    'delete',
    'changeCategory',
  ],
};

/** Whether `user` holds `right` under the configured matrix (the defaults when none is configured). */
export function can(
  user: Pick<User, 'role'>,
  right: Right,
  permissions: RolePermissions = DEFAULT_ROLE_PERMISSIONS,
): boolean {
  if (user.role === 'admin') return true;
  return permissions[user.role].includes(right);
}

/**
 * Who watches and sets other agents' states (voice): team leads and supervisors in their own department,
 * admins everywhere. A team lead runs a shift of agents, so they see their team as a supervisor does.
 */
export function supervisesAgents(role: Role): boolean {
  return role === 'team_lead' || role === 'supervisor' || role === 'admin';
}

/** What a ticket patch needs beyond scope: each right it uses, for a refusal that names the missing one. */
export function rightsForChange(
  before: { status: string; priority: string; departmentId: string; category?: string | null },
  patch: { status?: string; priority?: string; departmentId?: string; category?: string | null },
): Right[] {
  const out: Right[] = [];
  if (patch.priority !== undefined && patch.priority !== before.priority) out.push('changePriority');
  if (patch.category !== undefined && patch.category !== (before.category ?? null))
    out.push('changeCategory');
  if (patch.status !== undefined && patch.status !== before.status) {
    if (patch.status === 'closed') out.push('close');
    if (patch.status === 'reopened') out.push('reopen');
  }
  if (patch.departmentId !== undefined && patch.departmentId !== before.departmentId) out.push('transfer');
  return out;
}

/** What deleting a ticket needs beyond scope (one list, as rightsForChange, for the desktop and the service). */
export function rightsForDelete(): Right[] {
  return ['delete'];
}

/** The refusal's sentence for a missing right: what was refused and whom to ask. */
export function rightRefusal(right: Right): string {
  const what: Record<Right, string> = {
    changePriority: 'change the priority of tickets',
    close: 'close tickets',
    reopen: 'reopen tickets',
    delete: 'delete tickets',
    transfer: 'transfer tickets to another department',
    seeInternalNotes: 'read or write internal notes',
    export: 'export records',
    bulkEdit: 'edit tickets in bulk',
    changeCategory: 'change the category of tickets',
  };
  return `Your role may not ${what[right]}. Ask your team lead or supervisor to do it, or an administrator to grant the right.`;
}
