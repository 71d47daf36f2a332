import { v7 as uuidv7 } from 'uuid';
import {
  ADMIN_MESSAGES,
  QUEUE_ADMIN_MESSAGES,
  SwitchboardError,
  type AdminUser,
  type BusinessCalendar,
  type CreateUserRequest,
  type CustomFieldDefinition,
  type CustomFieldInput,
  type Department,
  type DepartmentInput,
  type Queue,
  type QueueInput,
  type SlaPolicy,
  type SlaPolicyInput,
  type UpdateUserRequest,
  type User,
  type RolePermissions,
  type WorkflowSettings,
} from '../../shared';
import { auditedTransaction, writeAudit } from '../audit/audit-log';
import { hashPassword } from '../auth/passwords';
import { appendChange } from '../db/change-log';
import type { Db, Tx } from '../db/schema';
import { findUserByUsername, getDepartment, getUserRow } from '../directory/directory-store';
import { disableUser, enableUser, moveUser, setUserPassword } from '../directory/user-admin';
import {
  configVersion,
  getAdminUser,
  getCalendar,
  getCustomField,
  getSlaPolicy,
  getRolePermissions,
  getWorkflow,
  skillsOf,
  toQueue,
} from './admin-store';

/**
 * Every change an administrator makes: checked (admin only, references exist, names unique), made and audited
 * with its before and after in one transaction, and published where desktops hold it (users and departments
 * in the sync stream; everything of /api/config under its version).
 */

export function requireAdmin(actor: User): void {
  if (actor.role !== 'admin')
    throw new SwitchboardError(
      'forbidden',
      'Only administrators may do this. Ask an administrator to make the change.',
    );
}

const notFound = (what: string) =>
  new SwitchboardError('not_found', `This ${what} does not exist (any more): reload the list.`);

async function audit(
  trx: Tx,
  actor: User,
  now: Date,
  action: string,
  subjectId: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  await writeAudit(trx, {
    at: now.toISOString(),
    actorId: actor.id,
    action,
    subjectId,
    detail: { before: before ?? null, after: after ?? null },
  });
}

async function needDepartment(trx: Tx, id: string | null, field = 'departmentId'): Promise<void> {
  if (id !== null && !(await getDepartment(trx, id)))
    throw new SwitchboardError(
      'bad_request',
      'The chosen department does not exist: pick one from the list (reload it if it is stale).',
      [{ path: field, message: ADMIN_MESSAGES.noSuchDepartment }],
    );
}

/** The user again in the sync stream, so every desktop's directory (assignee lists) follows. */
async function publishUser(trx: Tx, id: string): Promise<void> {
  const version = await appendChange(trx, 'user', id, null);
  await trx.updateTable('users').set({ version }).where('id', '=', id).execute();
}

async function publishDepartment(trx: Tx, id: string): Promise<void> {
  const version = await appendChange(trx, 'department', id, null);
  await trx.updateTable('departments').set({ version }).where('id', '=', id).execute();
}

/** A configuration part changed: the version of /api/config moves on, so desktops know to fetch it. */
async function bumpConfig(trx: Tx): Promise<number> {
  // Read then written under the audit chain's lock, which every administrative transaction takes first.
  const version = (await configVersion(trx)) + 1;
  await trx
    .updateTable('admin_settings')
    .set({ value: String(version) })
    .where('name', '=', 'config_version')
    .execute();
  return version;
}

async function enabledAdmins(trx: Tx): Promise<number> {
  const r = await trx
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// ---------------------------------------------------------------- users

export async function createUser(
  db: Db,
  actor: User,
  input: CreateUserRequest,
  now: Date,
): Promise<AdminUser> {
  requireAdmin(actor);
  // Hashed before the transaction: scrypt takes tens of milliseconds, too long to hold the database.
  const hash = await hashPassword(input.password);
  return auditedTransaction(db, async (trx) => {
    if (await findUserByUsername(trx, input.username))
      throw new SwitchboardError(
        'conflict',
        `The user name "${input.username}" is taken: choose another one.`,
        [{ path: 'username', message: ADMIN_MESSAGES.usernameTaken }],
      );
    await needDepartment(trx, input.departmentId);
    const id = uuidv7();
    await trx
      .insertInto('users')
      .values({
        id,
        username: input.username,
        display_name: input.displayName,
        role: input.role,
        department_id: input.departmentId,
        password_hash: hash,
        disabled: 0,
        version: 0,
      })
      .execute();
    await publishUser(trx, id);
    const after = (await getAdminUser(trx, id))!;
    await audit(trx, actor, now, 'user.create', id, null, after);
    return after;
  });
}

/**
 * Display name, role, department and disabled in one change. The department and disabled steps go through
 * directory/user-admin.ts (moveUser, disableUser, enableUser), which end sessions and audit as the CLI does;
 * this adds one `user.update` record with the whole before and after.
 */
export async function updateUser(
  db: Db,
  actor: User,
  id: string,
  input: UpdateUserRequest,
  now: Date,
): Promise<AdminUser> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    const before = await getAdminUser(trx, id);
    if (!before) throw notFound('user');
    const role = input.role ?? before.role;
    const departmentId = input.departmentId !== undefined ? input.departmentId : before.departmentId;
    if (role !== 'admin' && departmentId === null)
      throw new SwitchboardError(
        'bad_request',
        'Agents, team leads and supervisors work in a department: choose one (only administrators may have none).',
        [{ path: 'departmentId', message: ADMIN_MESSAGES.chooseDepartment }],
      );
    const demotes = before.role === 'admin' && role !== 'admin';
    const disables = input.disabled === true && !before.disabled;
    // Nobody changes their own role, not even within the administrators' reach: a role change is always a
    // second person's decision, so one account can never widen its own rights.
    if (id === actor.id && role !== before.role)
      throw new SwitchboardError(
        'forbidden',
        'You cannot change your own role: ask another administrator to change it.',
      );
    if (id === actor.id && (demotes || disables))
      throw new SwitchboardError(
        'bad_request',
        'You cannot remove your own administrator rights or disable yourself: ask another administrator.',
      );
    if ((demotes || disables) && before.role === 'admin' && (await enabledAdmins(trx)) <= 1)
      throw new SwitchboardError(
        'bad_request',
        'This is the last active administrator: make another user an administrator first.',
      );
    await needDepartment(trx, departmentId);
    const fields: { display_name?: string; role?: User['role'] } = {};
    if (input.displayName !== undefined && input.displayName !== before.displayName)
      fields.display_name = input.displayName;
    if (role !== before.role) fields.role = role;
    if (Object.keys(fields).length > 0) {
      await trx.updateTable('users').set(fields).where('id', '=', id).execute();
      await publishUser(trx, id);
    }
    if (departmentId !== before.departmentId) await moveUser(trx, actor, id, departmentId, now);
    if (input.disabled === true && !before.disabled) await disableUser(trx, actor, id, now);
    if (input.disabled === false && before.disabled) await enableUser(trx, actor, id, now);
    const after = (await getAdminUser(trx, id))!;
    if (JSON.stringify(after) !== JSON.stringify(before))
      await audit(trx, actor, now, 'user.update', id, before, after);
    return after;
  });
}

/** A new password set by an administrator (user-admin.ts: sessions end, a lockout is lifted, audited). */
export async function resetPassword(
  db: Db,
  actor: User,
  id: string,
  password: string,
  now: Date,
): Promise<void> {
  requireAdmin(actor);
  if (!(await getUserRow(db, id))) throw notFound('user');
  await setUserPassword(db, actor, id, password, now);
}

export async function setSkills(
  db: Db,
  actor: User,
  id: string,
  skills: string[],
  now: Date,
): Promise<AdminUser> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    if (!(await getUserRow(trx, id))) throw notFound('user');
    const before = await skillsOf(trx, id);
    await trx.deleteFrom('agent_skills').where('user_id', '=', id).execute();
    if (skills.length > 0)
      await trx
        .insertInto('agent_skills')
        .values(skills.map((skill) => ({ user_id: id, skill })))
        .execute();
    const after = await skillsOf(trx, id);
    await audit(trx, actor, now, 'user.skills', id, before, after);
    return (await getAdminUser(trx, id))!;
  });
}

// ---------------------------------------------------------------- departments

async function uniqueDepartmentCode(trx: Tx, code: string, except: string | null): Promise<void> {
  const same = await trx
    .selectFrom('departments')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['code']), '=', code.toLowerCase()))
    .executeTakeFirst();
  if (same && same.id !== except)
    throw new SwitchboardError('conflict', `The department code "${code}" is taken: choose another one.`, [
      { path: 'code', message: ADMIN_MESSAGES.codeTaken },
    ]);
}

export async function createDepartment(
  db: Db,
  actor: User,
  input: DepartmentInput,
  now: Date,
): Promise<Department> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    await uniqueDepartmentCode(trx, input.code, null);
    const id = uuidv7();
    await trx
      .insertInto('departments')
      .values({ id, code: input.code, name_zh: input.nameZh, name_en: input.nameEn, version: 0 })
      .execute();
    await publishDepartment(trx, id);
    const after = (await getDepartment(trx, id))!;
    await audit(trx, actor, now, 'department.create', id, null, after);
    return after;
  });
}

export async function updateDepartment(
  db: Db,
  actor: User,
  id: string,
  input: DepartmentInput,
  now: Date,
): Promise<Department> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    const before = await getDepartment(trx, id);
    if (!before) throw notFound('department');
    await uniqueDepartmentCode(trx, input.code, id);
    await trx
      .updateTable('departments')
      .set({ code: input.code, name_zh: input.nameZh, name_en: input.nameEn })
      .where('id', '=', id)
      .execute();
    await publishDepartment(trx, id);
    const after = (await getDepartment(trx, id))!;
    await audit(trx, actor, now, 'department.update', id, before, after);
    return after;
  });
}

// ---------------------------------------------------------------- queues

async function checkQueue(trx: Tx, input: QueueInput, except: string | null): Promise<void> {
  const same = await trx
    .selectFrom('queues')
    .select('id')
    .where('number', '=', input.number)
    .executeTakeFirst();
  if (same && same.id !== except)
    throw new SwitchboardError('conflict', `Queue number ${input.number} is taken: choose another one.`, [
      { path: 'number', message: ADMIN_MESSAGES.numberTaken },
    ]);
  await needDepartment(trx, input.departmentId);
  if (input.overflowQueueId !== null) {
    if (except !== null && input.overflowQueueId === except)
      throw new SwitchboardError('bad_request', QUEUE_ADMIN_MESSAGES.overflowSelf, [
        { path: 'overflowQueueId', message: QUEUE_ADMIN_MESSAGES.overflowSelf },
      ]);
    const over = await trx
      .selectFrom('queues')
      .select('id')
      .where('id', '=', input.overflowQueueId)
      .executeTakeFirst();
    if (!over)
      throw new SwitchboardError('bad_request', QUEUE_ADMIN_MESSAGES.noSuchQueue, [
        { path: 'overflowQueueId', message: QUEUE_ADMIN_MESSAGES.noSuchQueue },
      ]);
  }
}

const queueColumns = (q: QueueInput) => ({
  number: q.number,
  name_zh: q.nameZh,
  name_en: q.nameEn,
  department_id: q.departmentId,
  skill: q.skill,
  ring_timeout_seconds: q.ringTimeoutSeconds,
  priority: q.priority,
  max_wait_seconds: q.maxWaitSeconds,
  overflow_queue_id: q.overflowQueueId,
  callback_on_max_wait: q.callbackOnMaxWait ? 1 : 0,
  service_level_seconds: q.serviceLevelSeconds,
  service_level_target: q.serviceLevelTarget,
});

export async function createQueue(db: Db, actor: User, input: QueueInput, now: Date): Promise<Queue> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    await checkQueue(trx, input, null);
    const id = uuidv7();
    await trx
      .insertInto('queues')
      .values({ id, ...queueColumns(input) })
      .execute();
    const after = toQueue(
      (await trx.selectFrom('queues').selectAll().where('id', '=', id).executeTakeFirst())!,
    );
    await audit(trx, actor, now, 'queue.create', id, null, after);
    return after;
  });
}

export async function updateQueue(
  db: Db,
  actor: User,
  id: string,
  input: QueueInput,
  now: Date,
): Promise<Queue> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    const row = await trx.selectFrom('queues').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('queue');
    await checkQueue(trx, input, id);
    await trx.updateTable('queues').set(queueColumns(input)).where('id', '=', id).execute();
    const after = toQueue(
      (await trx.selectFrom('queues').selectAll().where('id', '=', id).executeTakeFirst())!,
    );
    await audit(trx, actor, now, 'queue.update', id, toQueue(row), after);
    return after;
  });
}

// ---------------------------------------------------------------- calendars

export async function saveCalendar(
  db: Db,
  actor: User,
  id: string | null,
  calendar: BusinessCalendar,
  now: Date,
): Promise<BusinessCalendar> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    const before = await getCalendar(trx, id ?? calendar.id);
    if (id === null && before)
      throw new SwitchboardError(
        'conflict',
        `A calendar with the id "${calendar.id}" exists: choose another id, or edit that calendar.`,
        [{ path: 'id', message: ADMIN_MESSAGES.idTaken }],
      );
    if (id !== null && !before) throw notFound('calendar');
    if (id !== null && calendar.id !== id)
      throw new SwitchboardError(
        'bad_request',
        'A calendar keeps its id: make a new calendar for a new id.',
        [{ path: 'id', message: `Keep "${id}".` }],
      );
    const body = JSON.stringify(calendar);
    if (before)
      await trx.updateTable('admin_calendars').set({ body }).where('id', '=', calendar.id).execute();
    else await trx.insertInto('admin_calendars').values({ id: calendar.id, body }).execute();
    await bumpConfig(trx);
    await audit(
      trx,
      actor,
      now,
      before ? 'calendar.update' : 'calendar.create',
      calendar.id,
      before,
      calendar,
    );
    return calendar;
  });
}

export async function deleteCalendar(db: Db, actor: User, id: string, now: Date): Promise<void> {
  requireAdmin(actor);
  await auditedTransaction(db, async (trx) => {
    const before = await getCalendar(trx, id);
    if (!before) throw notFound('calendar');
    const using = await trx.selectFrom('sla_policies').select('id').where('calendar_id', '=', id).execute();
    if (using.length > 0)
      throw new SwitchboardError(
        'conflict',
        `${using.length} SLA ${using.length === 1 ? 'policy uses' : 'policies use'} this calendar: give ${using.length === 1 ? 'it' : 'them'} another calendar first.`,
      );
    await trx.deleteFrom('admin_calendars').where('id', '=', id).execute();
    await bumpConfig(trx);
    await audit(trx, actor, now, 'calendar.delete', id, before, null);
  });
}

// ---------------------------------------------------------------- SLA policies

async function checkPolicy(trx: Tx, p: SlaPolicyInput, except: string | null): Promise<void> {
  await needDepartment(trx, p.departmentId);
  if (!(await getCalendar(trx, p.calendarId)))
    throw new SwitchboardError('bad_request', 'The chosen calendar does not exist: pick one from the list.', [
      { path: 'calendarId', message: ADMIN_MESSAGES.noSuchCalendar },
    ]);
  const same = await trx
    .selectFrom('sla_policies')
    .select('id')
    .where('department_id', '=', p.departmentId)
    .where('priority', '=', p.priority)
    .where('channel', '=', p.channel)
    .executeTakeFirst();
  if (same && same.id !== except)
    throw new SwitchboardError(
      'conflict',
      `This department already has a policy for ${p.priority} priority on ${p.channel}: edit that one instead.`,
    );
  for (const [i, rule] of p.escalations.entries()) {
    const a = rule.action;
    const userId = a.kind === 'reassign' ? a.userId : a.kind === 'notify' ? a.userId : null;
    if (userId !== null) {
      const u = await getUserRow(trx, userId);
      if (!u || u.disabled)
        throw new SwitchboardError(
          'bad_request',
          `Escalation rule ${i + 1} names a user who does not exist or is disabled: choose an active user.`,
          [{ path: `escalations.${i}.action.userId`, message: ADMIN_MESSAGES.noSuchUser }],
        );
    }
    if (a.kind === 'moveDepartment') {
      await needDepartment(trx, a.departmentId, `escalations.${i}.action.departmentId`);
      if (a.departmentId === p.departmentId)
        throw new SwitchboardError(
          'bad_request',
          `Escalation rule ${i + 1} moves tickets to the policy's own department: choose another department.`,
          [{ path: `escalations.${i}.action.departmentId`, message: ADMIN_MESSAGES.otherDepartment }],
        );
    }
  }
}

async function writePolicy(trx: Tx, policy: SlaPolicy, insert: boolean): Promise<void> {
  const row = {
    department_id: policy.departmentId,
    priority: policy.priority,
    channel: policy.channel,
    calendar_id: policy.calendarId,
    body: JSON.stringify(policy),
  };
  if (insert)
    await trx
      .insertInto('sla_policies')
      .values({ id: policy.id, ...row })
      .execute();
  else await trx.updateTable('sla_policies').set(row).where('id', '=', policy.id).execute();
}

export async function saveSlaPolicy(
  db: Db,
  actor: User,
  id: string | null,
  input: SlaPolicyInput,
  now: Date,
): Promise<SlaPolicy> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    const before = id === null ? undefined : await getSlaPolicy(trx, id);
    if (id !== null && !before) throw notFound('SLA policy');
    await checkPolicy(trx, input, id);
    const policy: SlaPolicy = { id: id ?? uuidv7(), ...input };
    await writePolicy(trx, policy, id === null);
    await bumpConfig(trx);
    await audit(
      trx,
      actor,
      now,
      id === null ? 'sla_policy.create' : 'sla_policy.update',
      policy.id,
      before,
      policy,
    );
    return policy;
  });
}

export async function deleteSlaPolicy(db: Db, actor: User, id: string, now: Date): Promise<void> {
  requireAdmin(actor);
  await auditedTransaction(db, async (trx) => {
    const before = await getSlaPolicy(trx, id);
    if (!before) throw notFound('SLA policy');
    await trx.deleteFrom('sla_policies').where('id', '=', id).execute();
    await bumpConfig(trx);
    await audit(trx, actor, now, 'sla_policy.delete', id, before, null);
  });
}

// ---------------------------------------------------------------- custom fields

export async function saveCustomField(
  db: Db,
  actor: User,
  id: string | null,
  input: CustomFieldInput,
  now: Date,
): Promise<CustomFieldDefinition> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    const before = id === null ? undefined : await getCustomField(trx, id);
    if (id !== null && !before) throw notFound('custom field');
    await needDepartment(trx, input.departmentId);
    const same = await trx
      .selectFrom('custom_fields')
      .select('id')
      .where('department_id', '=', input.departmentId)
      .where('key', '=', input.key)
      .executeTakeFirst();
    if (same && same.id !== id)
      throw new SwitchboardError(
        'conflict',
        `This department already has a field with the key "${input.key}": choose another key.`,
        [{ path: 'key', message: ADMIN_MESSAGES.keyTaken }],
      );
    const field: CustomFieldDefinition = { id: id ?? uuidv7(), ...input };
    const row = { department_id: field.departmentId, key: field.key, body: JSON.stringify(field) };
    if (id === null)
      await trx
        .insertInto('custom_fields')
        .values({ id: field.id, ...row })
        .execute();
    else await trx.updateTable('custom_fields').set(row).where('id', '=', id).execute();
    await bumpConfig(trx);
    await audit(
      trx,
      actor,
      now,
      id === null ? 'custom_field.create' : 'custom_field.update',
      field.id,
      before,
      field,
    );
    return field;
  });
}

// ---------------------------------------------------------------- workflow

export async function saveWorkflow(
  db: Db,
  actor: User,
  input: WorkflowSettings,
  now: Date,
): Promise<WorkflowSettings> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    const before = await getWorkflow(trx);
    const value = JSON.stringify(input);
    const updated = await trx
      .updateTable('admin_settings')
      .set({ value })
      .where('name', '=', 'workflow')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await trx.insertInto('admin_settings').values({ name: 'workflow', value }).execute();
    await bumpConfig(trx);
    await audit(trx, actor, now, 'workflow.update', 'workflow', before, input);
    return input;
  });
}

// ---------------------------------------------------------------- permissions

/**
 * The role × right matrix. Takes effect at each user's next request: the server reads it for every mutation
 * and pull, and a change of who may see internal notes changes those users' sync scope, so their replicas
 * reset and refill without the notes (or with them).
 */
export async function saveRolePermissions(
  db: Db,
  actor: User,
  input: RolePermissions,
  now: Date,
): Promise<RolePermissions> {
  requireAdmin(actor);
  return auditedTransaction(db, async (trx) => {
    const before = await getRolePermissions(trx);
    const value = JSON.stringify(input);
    const updated = await trx
      .updateTable('admin_settings')
      .set({ value })
      .where('name', '=', 'role_permissions')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await trx.insertInto('admin_settings').values({ name: 'role_permissions', value }).execute();
    await bumpConfig(trx);
    await audit(trx, actor, now, 'permissions.update', 'role_permissions', before, input);
    return input;
  });
}
