import { z } from 'zod';
import {
  Channel,
  DEFAULT_ROLE_PERMISSIONS,
  Department,
  Id,
  Role,
  RolePermissions,
  TicketPriority,
  User,
} from '../domain';
import { Queue, Skill } from '../protocol/voice';
import { BusinessCalendar } from '../sla/calendar';
import { SlaTargets } from '../sla/clock';

/**
 * What administrators manage (the admin screen, /api/admin/*) and what desktops read of it for offline use
 * (/api/config). The SLA engine reads SlaPolicy and BusinessCalendar from here; messages name the field's rule
 * so an admin knows what to type instead.
 */

/**
 * The queue settings' messages (issue 14, queue helper), shown like ADMIN_MESSAGES (queueWait.msg.<key> in the
 * renderer's locales).
 */
export const QUEUE_ADMIN_MESSAGES = {
  priority: 'Priority is a whole number from -100 to 100.',
  maxWait: 'The maximum wait is 10 to 7200 seconds, or empty for no limit.',
  needsMaxWait: 'Overflow and callback happen at the maximum wait: give a maximum wait.',
  overflowOrCallback: 'At the maximum wait a call overflows or gets a callback, not both: choose one.',
  overflowSelf: 'A queue cannot overflow to itself.',
  noSuchQueue: 'No such queue.',
  slSeconds: 'The service level threshold is 1 to 3600 seconds.',
  slTarget: 'The service level target is a percentage from 0 to 100.',
} as const;
export type QueueAdminMessageKey = keyof typeof QUEUE_ADMIN_MESSAGES;
const Q = QUEUE_ADMIN_MESSAGES;

/**
 * Every message a field of these forms (and the admin service's checks) may carry, by key: the admin screen
 * shows each in the admin's language (admin.msg.<key> in the renderer's locales), the API in English.
 */
export const ADMIN_MESSAGES = {
  passwordShort: 'A password needs at least 8 characters.',
  passwordLong: 'A password is at most 256 characters.',
  username:
    'A user name is 2 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
  needsDepartment:
    'Agents, team leads and supervisors work in a department: choose one (only administrators may have none).',
  nothingToChange: 'Nothing to change: give a display name, role, department or disabled.',
  skill:
    'A skill is a lower-case word of up to 32 letters, digits or _, starting with a letter (e.g. billing).',
  tooManySkills: 'At most 50 skills per agent.',
  skillTwice: 'A skill is listed twice: keep it once.',
  departmentCode: 'A department code is 1 to 32 letters, digits, dashes or underscores (e.g. after_sales).',
  queueNumber: 'A queue number is 4 digits starting with 8 (e.g. 8005).',
  ringMin: 'Ring at least 5 seconds.',
  ringMax: 'Ring at most 300 seconds.',
  notifyWhom: 'Choose the user to notify.',
  tooManyRules: 'At most 20 escalation rules per policy.',
  oneTarget: 'Give at least one target (first response, next response or resolution) in minutes.',
  optionValue: 'An option value is 1 to 40 letters, digits, dashes or underscores.',
  fieldKey:
    'A field key is a lower-case word of up to 40 letters, digits or _, starting with a letter (e.g. order_no).',
  tooManyOptions: 'At most 100 options.',
  needsOptions: 'A choice field needs at least one option.',
  noOptions: 'Only single and multi choice fields have options: remove them or change the type.',
  wholeDays: 'Give whole days.',
  daysMin: 'Close solved tickets after at least 1 day.',
  daysMax: 'Close solved tickets after at most 365 days.',
  required: 'Fill this in.',
  tooLong: 'This is too long: at most 100 characters.',
  noSuchDepartment: 'No such department.',
  usernameTaken: 'This user name is taken.',
  chooseDepartment: 'Choose a department.',
  codeTaken: 'This code is taken.',
  numberTaken: 'This number is taken.',
  idTaken: 'This id is taken.',
  noSuchCalendar: 'No such calendar.',
  noSuchUser: 'No such active user.',
  otherDepartment: 'Choose another department.',
  keyTaken: 'This key is taken in this department.',
} as const;
export type AdminMessageKey = keyof typeof ADMIN_MESSAGES;
const M = ADMIN_MESSAGES;

// ---------------------------------------------------------------- users

/** The rule of the password change (ChangePasswordRequest): at least 8 characters. */
export const NewPassword = z.string().min(8, M.passwordShort).max(256, M.passwordLong);

/** Stored lower-case, as sign-in compares user names without case. */
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, M.username));

const Name = () => z.string().trim().min(1, M.required).max(100, M.tooLong);

export const AdminUser = User.extend({ disabled: z.boolean(), skills: z.array(Skill) });
export type AdminUser = z.infer<typeof AdminUser>;

const needsDepartment = (u: { role?: Role; departmentId?: string | null }) =>
  u.role === undefined || u.role === 'admin' || u.departmentId !== null;
const departmentRule = {
  message: M.needsDepartment,
  path: ['departmentId'],
};

export const CreateUserRequest = z
  .object({
    username: Username,
    displayName: Name(),
    role: Role,
    departmentId: Id.nullable(),
    password: NewPassword,
  })
  .refine(needsDepartment, departmentRule);
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

/** Any of these; the ones left out stay as they are. A role and department change together are checked together. */
export const UpdateUserRequest = z
  .object({
    displayName: Name().optional(),
    role: Role.optional(),
    departmentId: Id.nullable().optional(),
    disabled: z.boolean().optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), {
    message: M.nothingToChange,
  });
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

export const ResetPasswordRequest = z.object({ password: NewPassword });
export type ResetPasswordRequest = z.infer<typeof ResetPasswordRequest>;

/** The voice Skill's rule (protocol/voice.ts), with a message an admin can act on. */
export const SkillName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, M.skill)
  .pipe(Skill);

export const SetSkillsRequest = z.object({
  skills: z
    .array(SkillName)
    .max(50, M.tooManySkills)
    .refine((s) => new Set(s).size === s.length, M.skillTwice),
});
export type SetSkillsRequest = z.infer<typeof SetSkillsRequest>;

export const UserQuery = z.object({
  text: z.string().max(100).optional(),
  role: Role.optional(),
  departmentId: Id.optional(),
  disabled: z.enum(['true', 'false']).optional(),
});
export type UserQuery = z.infer<typeof UserQuery>;

// ---------------------------------------------------------------- departments and queues

export const DepartmentInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, M.departmentCode),
  nameZh: Name(),
  nameEn: Name(),
});
export type DepartmentInput = z.infer<typeof DepartmentInput>;

export const QueueInput = z
  .object({
    number: z
      .string()
      .trim()
      .regex(/^8\d{3}$/, M.queueNumber),
    nameZh: Name(),
    nameEn: Name(),
    departmentId: Id,
    skill: SkillName,
    ringTimeoutSeconds: z.number().int().min(5, M.ringMin).max(300, M.ringMax),
    // Waiting in the queue (issue 14; src/server/voice/README.md "Waiting calls").
    priority: z.number().int(Q.priority).min(-100, Q.priority).max(100, Q.priority).default(0),
    maxWaitSeconds: z
      .number()
      .int(Q.maxWait)
      .min(10, Q.maxWait)
      .max(7200, Q.maxWait)
      .nullable()
      .default(null),
    overflowQueueId: Id.nullable().default(null),
    callbackOnMaxWait: z.boolean().default(false),
    serviceLevelSeconds: z.number().int(Q.slSeconds).min(1, Q.slSeconds).max(3600, Q.slSeconds).default(20),
    serviceLevelTarget: z.number().min(0, Q.slTarget).max(1, Q.slTarget).default(0.8),
  })
  .superRefine((q, ctx) => {
    if (q.maxWaitSeconds === null && q.overflowQueueId !== null)
      ctx.addIssue({ code: 'custom', path: ['maxWaitSeconds'], message: Q.needsMaxWait });
    if (q.maxWaitSeconds === null && q.callbackOnMaxWait)
      ctx.addIssue({ code: 'custom', path: ['maxWaitSeconds'], message: Q.needsMaxWait });
    if (q.overflowQueueId !== null && q.callbackOnMaxWait)
      ctx.addIssue({ code: 'custom', path: ['callbackOnMaxWait'], message: Q.overflowOrCallback });
  });
export type QueueInput = z.infer<typeof QueueInput>;

// ---------------------------------------------------------------- SLA

export const SlaTarget = z.enum(['firstResponse', 'nextResponse', 'resolution']);
export type SlaTarget = z.infer<typeof SlaTarget>;

export const EscalationAction = z.discriminatedUnion('kind', [
  /** Tell people: the assignee, the department's supervisors, or one user. */
  z.object({
    kind: z.literal('notify'),
    who: z.enum(['assignee', 'supervisors', 'user']),
    userId: Id.nullable().default(null),
  }),
  /** One step up (low -> normal -> high -> urgent); urgent stays urgent. */
  z.object({ kind: z.literal('raisePriority') }),
  z.object({ kind: z.literal('reassign'), userId: Id }),
  z.object({ kind: z.literal('moveDepartment'), departmentId: Id }),
]);
export type EscalationAction = z.infer<typeof EscalationAction>;

export const EscalationRule = z
  .object({
    on: z.enum(['warning', 'breach']),
    /** null: any of the policy's targets. */
    target: SlaTarget.nullable().default(null),
    action: EscalationAction,
  })
  .refine((r) => r.action.kind !== 'notify' || r.action.who !== 'user' || r.action.userId !== null, {
    message: M.notifyWhom,
    path: ['action', 'userId'],
  });
export type EscalationRule = z.infer<typeof EscalationRule>;

export const SlaPolicyInput = z
  .object({
    departmentId: Id,
    priority: TicketPriority,
    channel: Channel,
    calendarId: BusinessCalendar.shape.id,
    ...SlaTargets.shape,
    escalations: z.array(EscalationRule).max(20, M.tooManyRules).default([]),
    active: z.boolean().default(true),
  })
  .refine(
    (p) => p.firstResponseMinutes !== null || p.nextResponseMinutes !== null || p.resolutionMinutes !== null,
    {
      message: M.oneTarget,
      path: ['firstResponseMinutes'],
    },
  );
export type SlaPolicyInput = z.infer<typeof SlaPolicyInput>;

export const SlaPolicy = z.object({ id: Id, ...SlaPolicyInput.shape });
export type SlaPolicy = z.infer<typeof SlaPolicy>;

/** The targets of a policy as the SLA clock (src/shared/sla/clock.ts) takes them. */
export const targetsOf = (p: SlaPolicy): SlaTargets => ({
  firstResponseMinutes: p.firstResponseMinutes,
  nextResponseMinutes: p.nextResponseMinutes,
  resolutionMinutes: p.resolutionMinutes,
  warning: p.warning,
});

// ---------------------------------------------------------------- custom fields

export const CustomFieldType = z.enum(['text', 'number', 'date', 'singleChoice', 'multiChoice']);
export type CustomFieldType = z.infer<typeof CustomFieldType>;

export const CustomFieldOption = z.object({
  value: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, M.optionValue),
  labelZh: Name(),
  labelEn: Name(),
});
export type CustomFieldOption = z.infer<typeof CustomFieldOption>;

export const CustomFieldInput = z
  .object({
    departmentId: Id,
    key: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, M.fieldKey),
    labelZh: Name(),
    labelEn: Name(),
    type: CustomFieldType,
    options: z.array(CustomFieldOption).max(100, M.tooManyOptions).default([]),
    required: z.boolean().default(false),
    active: z.boolean().default(true),
  })
  .superRefine((f, ctx) => {
    const choice = f.type === 'singleChoice' || f.type === 'multiChoice';
    if (choice && f.options.length === 0)
      ctx.addIssue({
        code: 'custom',
        message: M.needsOptions,
        path: ['options'],
      });
    if (!choice && f.options.length > 0)
      ctx.addIssue({
        code: 'custom',
        message: M.noOptions,
        path: ['options'],
      });
    const seen = new Set<string>();
    f.options.forEach((o, i) => {
      if (seen.has(o.value))
        ctx.addIssue({
          code: 'custom',
          message: `Option "${o.value}" is listed twice: keep it once.`,
          path: ['options', i, 'value'],
        });
      seen.add(o.value);
    });
  });
export type CustomFieldInput = z.infer<typeof CustomFieldInput>;

export const CustomFieldDefinition = z.object({ id: Id, ...CustomFieldInput.shape });
export type CustomFieldDefinition = z.infer<typeof CustomFieldDefinition>;

// ---------------------------------------------------------------- workflow and the whole configuration

export const WorkflowSettings = z.object({
  /** Solved tickets close by themselves after this many days without a reply. */
  autoCloseSolvedAfterDays: z.number().int(M.wholeDays).min(1, M.daysMin).max(365, M.daysMax).default(7),
});
export type WorkflowSettings = z.infer<typeof WorkflowSettings>;
export const DEFAULT_WORKFLOW: WorkflowSettings = { autoCloseSolvedAfterDays: 7 };

/**
 * GET /api/config, readable by every signed-in user: what a desktop needs offline to run SLA timers and show
 * custom fields. `version` grows with every change of any part, so a desktop holding it knows whether to fetch.
 */
export const AdminConfig = z.object({
  version: z.number().int().nonnegative(),
  calendars: z.array(BusinessCalendar),
  slaPolicies: z.array(SlaPolicy),
  customFields: z.array(CustomFieldDefinition),
  workflow: WorkflowSettings,
  /**
   * Which rights each role has (shared/domain/permissions.ts). The desktop keeps it for offline checks and to
   * leave out controls; a config cached before rights existed reads as the defaults.
   */
  rolePermissions: RolePermissions.default(DEFAULT_ROLE_PERMISSIONS),
});
export type AdminConfig = z.infer<typeof AdminConfig>;

/** GET /api/admin/overview: everything the admin screen shows, in one answer. */
export const AdminOverview = z.object({
  users: z.array(AdminUser),
  departments: z.array(Department),
  queues: z.array(Queue),
  config: AdminConfig,
  /** The Role enum's values, so the screen offers exactly what the server accepts. */
  roles: z.array(Role),
});
export type AdminOverview = z.infer<typeof AdminOverview>;
