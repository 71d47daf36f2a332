import type { AdminConfig } from '../../shared';
import {
  BusinessCalendar,
  CustomFieldDefinition,
  DEFAULT_ROLE_PERMISSIONS,
  DEFAULT_WORKFLOW,
  Role,
  RolePermissions,
  SlaPolicy,
  WorkflowSettings,
  type AdminOverview,
  type AdminUser,
  type Queue,
  type UserQuery,
} from '../../shared';
import type { Tx } from '../db/schema';
import { toDepartment, toUser } from '../directory/directory-store';
import { queueFromRow } from '../voice/routing-directory';

/** Reads of what administrators manage. Stored JSON is parsed with its shared schema: what desktops get is valid. */

/** A queue row as the admin screen shows it (the routing's own reading). */
export const toQueue = queueFromRow;

export async function skillsOf(trx: Tx, userId: string): Promise<string[]> {
  const rows = await trx.selectFrom('agent_skills').select('skill').where('user_id', '=', userId).execute();
  return rows.map((r) => r.skill).sort();
}

export async function listUsers(trx: Tx, q: UserQuery = {}): Promise<AdminUser[]> {
  const text = q.text?.trim().toLowerCase();
  const rows = await trx
    .selectFrom('users')
    .selectAll()
    .$if(q.role !== undefined, (b) => b.where('role', '=', q.role!))
    .$if(q.departmentId !== undefined, (b) => b.where('department_id', '=', q.departmentId!))
    .$if(q.disabled !== undefined, (b) => b.where('disabled', '=', q.disabled === 'true' ? 1 : 0))
    .orderBy('username')
    .execute();
  const skills = await trx.selectFrom('agent_skills').selectAll().orderBy('skill').execute();
  return rows
    .filter(
      (r) => !text || r.username.toLowerCase().includes(text) || r.display_name.toLowerCase().includes(text),
    )
    .map((r) => ({
      ...toUser(r),
      disabled: r.disabled !== 0,
      skills: skills.filter((s) => s.user_id === r.id).map((s) => s.skill),
    }));
}

export async function getAdminUser(trx: Tx, id: string): Promise<AdminUser | undefined> {
  const r = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return r && { ...toUser(r), disabled: r.disabled !== 0, skills: await skillsOf(trx, id) };
}

export async function listDepartments(trx: Tx) {
  return (await trx.selectFrom('departments').selectAll().orderBy('code').execute()).map(toDepartment);
}

export async function listQueues(trx: Tx): Promise<Queue[]> {
  return (await trx.selectFrom('queues').selectAll().orderBy('number').execute()).map(toQueue);
}

export async function getCalendar(trx: Tx, id: string): Promise<BusinessCalendar | undefined> {
  const r = await trx.selectFrom('admin_calendars').selectAll().where('id', '=', id).executeTakeFirst();
  return r && BusinessCalendar.parse(JSON.parse(r.body));
}

export async function getSlaPolicy(trx: Tx, id: string): Promise<SlaPolicy | undefined> {
  const r = await trx.selectFrom('sla_policies').selectAll().where('id', '=', id).executeTakeFirst();
  return r && SlaPolicy.parse(JSON.parse(r.body));
}

export async function getCustomField(trx: Tx, id: string): Promise<CustomFieldDefinition | undefined> {
  const r = await trx.selectFrom('custom_fields').selectAll().where('id', '=', id).executeTakeFirst();
  return r && CustomFieldDefinition.parse(JSON.parse(r.body));
}

/** A department's custom field definitions (active or not), for checking a ticket's values. */
export async function customFieldsOf(trx: Tx, departmentId: string): Promise<CustomFieldDefinition[]> {
  const rows = await trx
    .selectFrom('custom_fields')
    .select('body')
    .where('department_id', '=', departmentId)
    .execute();
  return rows.map((r) => CustomFieldDefinition.parse(JSON.parse(r.body)));
}

export async function getWorkflow(trx: Tx): Promise<WorkflowSettings> {
  const r = await trx
    .selectFrom('admin_settings')
    .select('value')
    .where('name', '=', 'workflow')
    .executeTakeFirst();
  return r ? WorkflowSettings.parse(JSON.parse(r.value)) : DEFAULT_WORKFLOW;
}

/** The rights matrix (admin_settings 'role_permissions'), the defaults until an administrator saves one. */
export async function getRolePermissions(trx: Tx): Promise<RolePermissions> {
  const r = await trx
    .selectFrom('admin_settings')
    .select('value')
    .where('name', '=', 'role_permissions')
    .executeTakeFirst();
  return r ? RolePermissions.parse(JSON.parse(r.value)) : DEFAULT_ROLE_PERMISSIONS;
}

export async function configVersion(trx: Tx): Promise<number> {
  const r = await trx
    .selectFrom('admin_settings')
    .select('value')
    .where('name', '=', 'config_version')
    .executeTakeFirst();
  return Number(r?.value ?? 0);
}

/** Everything desktops need offline (GET /api/config). */
export async function readConfig(trx: Tx): Promise<AdminConfig> {
  // One after another: on PostgreSQL a transaction is one connection.
  const calendars = await trx.selectFrom('admin_calendars').select('body').orderBy('id').execute();
  const policies = await trx
    .selectFrom('sla_policies')
    .select('body')
    .orderBy('department_id')
    .orderBy('id')
    .execute();
  const fields = await trx
    .selectFrom('custom_fields')
    .select('body')
    .orderBy('department_id')
    .orderBy('key')
    .execute();
  return {
    version: await configVersion(trx),
    calendars: calendars.map((r) => BusinessCalendar.parse(JSON.parse(r.body))),
    slaPolicies: policies.map((r) => SlaPolicy.parse(JSON.parse(r.body))),
    customFields: fields.map((r) => CustomFieldDefinition.parse(JSON.parse(r.body))),
    workflow: await getWorkflow(trx),
    rolePermissions: await getRolePermissions(trx),
  };
}

export async function readOverview(trx: Tx): Promise<AdminOverview> {
  return {
    users: await listUsers(trx),
    departments: await listDepartments(trx),
    queues: await listQueues(trx),
    config: await readConfig(trx),
    roles: [...Role.options],
  };
}
