import { z } from 'zod';
import { BusinessCalendar } from '../sla/calendar';
import {
  CreateUserRequest,
  CustomFieldInput,
  DepartmentInput,
  QueueInput,
  ResetPasswordRequest,
  SetSkillsRequest,
  SlaPolicyInput,
  UpdateUserRequest,
  WorkflowSettings,
} from './schemas';
import { Id, RolePermissions } from '../domain';

/** The administration API: every route answers administrators only (403 for everyone else). */
export const ADMIN_REST = {
  overview: '/api/admin/overview',
  users: '/api/admin/users',
  user: (id: string) => `/api/admin/users/${id}`,
  userPassword: (id: string) => `/api/admin/users/${id}/password`,
  userSkills: (id: string) => `/api/admin/users/${id}/skills`,
  departments: '/api/admin/departments',
  department: (id: string) => `/api/admin/departments/${id}`,
  queues: '/api/admin/queues',
  queue: (id: string) => `/api/admin/queues/${id}`,
  calendars: '/api/admin/calendars',
  calendar: (id: string) => `/api/admin/calendars/${id}`,
  calendarDelete: (id: string) => `/api/admin/calendars/${id}/delete`,
  slaPolicies: '/api/admin/sla-policies',
  slaPolicy: (id: string) => `/api/admin/sla-policies/${id}`,
  slaPolicyDelete: (id: string) => `/api/admin/sla-policies/${id}/delete`,
  customFields: '/api/admin/custom-fields',
  customField: (id: string) => `/api/admin/custom-fields/${id}`,
  workflow: '/api/admin/workflow',
  permissions: '/api/admin/permissions',
} as const;

/** GET /api/config: SLA policies, calendars, custom fields and workflow settings, for every signed-in user. */
export const CONFIG_REST = '/api/config';

/**
 * One administrator's change, as the desktop's admin screen sends it (IPC admin.apply); adminRequest gives the
 * REST call that makes it. Calendar ids are the admin's own (e.g. cn-mainland), everything else is a UUID.
 */
export const AdminAction = z.discriminatedUnion('op', [
  z.object({ op: z.literal('user.create'), input: CreateUserRequest }),
  z.object({ op: z.literal('user.update'), id: Id, input: UpdateUserRequest }),
  z.object({ op: z.literal('user.password'), id: Id, input: ResetPasswordRequest }),
  z.object({ op: z.literal('user.skills'), id: Id, input: SetSkillsRequest }),
  z.object({ op: z.literal('department.create'), input: DepartmentInput }),
  z.object({ op: z.literal('department.update'), id: Id, input: DepartmentInput }),
  z.object({ op: z.literal('queue.create'), input: QueueInput }),
  z.object({ op: z.literal('queue.update'), id: Id, input: QueueInput }),
  z.object({ op: z.literal('calendar.create'), input: BusinessCalendar }),
  z.object({ op: z.literal('calendar.update'), id: z.string().min(1).max(100), input: BusinessCalendar }),
  z.object({ op: z.literal('calendar.delete'), id: z.string().min(1).max(100) }),
  z.object({ op: z.literal('slaPolicy.create'), input: SlaPolicyInput }),
  z.object({ op: z.literal('slaPolicy.update'), id: Id, input: SlaPolicyInput }),
  z.object({ op: z.literal('slaPolicy.delete'), id: Id }),
  z.object({ op: z.literal('customField.create'), input: CustomFieldInput }),
  z.object({ op: z.literal('customField.update'), id: Id, input: CustomFieldInput }),
  z.object({ op: z.literal('workflow.update'), input: WorkflowSettings }),
  z.object({ op: z.literal('permissions.update'), input: RolePermissions }),
]);
export type AdminAction = z.infer<typeof AdminAction>;

/** The POST that makes an action (path and body). Ids travel in the path, encoded. */
export function adminRequest(a: AdminAction): { path: string; body: unknown } {
  const id = 'id' in a ? encodeURIComponent(a.id) : '';
  switch (a.op) {
    case 'user.create':
      return { path: ADMIN_REST.users, body: a.input };
    case 'user.update':
      return { path: ADMIN_REST.user(id), body: a.input };
    case 'user.password':
      return { path: ADMIN_REST.userPassword(id), body: a.input };
    case 'user.skills':
      return { path: ADMIN_REST.userSkills(id), body: a.input };
    case 'department.create':
      return { path: ADMIN_REST.departments, body: a.input };
    case 'department.update':
      return { path: ADMIN_REST.department(id), body: a.input };
    case 'queue.create':
      return { path: ADMIN_REST.queues, body: a.input };
    case 'queue.update':
      return { path: ADMIN_REST.queue(id), body: a.input };
    case 'calendar.create':
      return { path: ADMIN_REST.calendars, body: a.input };
    case 'calendar.update':
      return { path: ADMIN_REST.calendar(id), body: a.input };
    case 'calendar.delete':
      return { path: ADMIN_REST.calendarDelete(id), body: {} };
    case 'slaPolicy.create':
      return { path: ADMIN_REST.slaPolicies, body: a.input };
    case 'slaPolicy.update':
      return { path: ADMIN_REST.slaPolicy(id), body: a.input };
    case 'slaPolicy.delete':
      return { path: ADMIN_REST.slaPolicyDelete(id), body: {} };
    case 'customField.create':
      return { path: ADMIN_REST.customFields, body: a.input };
    case 'customField.update':
      return { path: ADMIN_REST.customField(id), body: a.input };
    case 'workflow.update':
      return { path: ADMIN_REST.workflow, body: a.input };
    case 'permissions.update':
      return { path: ADMIN_REST.permissions, body: a.input };
  }
}
