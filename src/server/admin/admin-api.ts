import express, { type Request } from 'express';
import {
  ADMIN_REST,
  BusinessCalendar,
  CONFIG_REST,
  CreateUserRequest,
  CustomFieldInput,
  DepartmentInput,
  Id,
  parseOrThrow,
  QueueInput,
  ResetPasswordRequest,
  RolePermissions,
  SetSkillsRequest,
  SlaPolicyInput,
  SwitchboardError,
  UpdateUserRequest,
  UserQuery,
  WorkflowSettings,
  type User,
} from '../../shared';
import type { Db } from '../db/schema';
import { ensureSipAccounts, pushSipAccounts, type PbxController } from '../voice/credentials';
import * as admin from './admin-service';
import { listDepartments, listQueues, listUsers, readConfig, readOverview } from './admin-store';

export interface AdminApiDeps {
  db: Db;
  now: () => Date;
  log: (line: string) => void;
  bearerUser: (req: Request) => Promise<User>;
  /** Tells the running call routing that queues, skills or agents changed (VoiceService.reloadDirectory). */
  reloadRouting: () => Promise<void>;
  /** Pokes every desktop: a user or department changed in the sync stream. */
  pokeAll: () => void;
  /** A calendar or SLA policy changed: the SLA of every unsolved ticket is computed again (sla-service.ts). */
  configChanged?: () => void;
  pbx?: PbxController;
}

const CalendarId = BusinessCalendar.shape.id;

/**
 * /api/admin/*: administrators only; everyone else gets 403 before the body is even read. Plus GET /api/config
 * for every signed-in user (SLA policies, calendars, custom fields, workflow settings: needed offline, not secret).
 */
export function adminRouter(deps: AdminApiDeps): express.Router {
  const { db, now, log } = deps;
  const r = express.Router();
  const no = (res: express.Response) => res.set('cache-control', 'no-store');

  r.get(CONFIG_REST, async (req, res) => {
    await deps.bearerUser(req);
    no(res).json(await readConfig(db));
  });

  // Every admin route, whatever its method: the caller must be an administrator.
  r.use('/api/admin', async (req, _res, next) => {
    try {
      const user = await deps.bearerUser(req);
      admin.requireAdmin(user);
      (req as Request & { admin?: User }).admin = user;
      next();
    } catch (e) {
      next(e);
    }
  });
  const actor = (req: Request): User => {
    const u = (req as Request & { admin?: User }).admin;
    if (!u) throw new SwitchboardError('forbidden', 'Only administrators may do this.');
    return u;
  };
  const id = (req: Request, what: string) => parseOrThrow(Id, req.params.id, `${what} id`);
  const routingChanged = () =>
    deps.reloadRouting().catch((e: unknown) => log(`call routing reload failed: ${String(e)}`));

  r.get(ADMIN_REST.overview, async (_req, res) => {
    no(res).json(await readOverview(db));
  });

  r.get(ADMIN_REST.users, async (req, res) => {
    no(res).json(await listUsers(db, parseOrThrow(UserQuery, req.query, 'user search')));
  });
  r.post(ADMIN_REST.users, async (req, res) => {
    const body = parseOrThrow(CreateUserRequest, req.body, 'new user');
    const user = await admin.createUser(db, actor(req), body, now());
    if (user.role === 'agent') {
      // A new agent gets a SIP account at once (as at start) and becomes routable.
      const accounts = await ensureSipAccounts(db, now());
      if (deps.pbx)
        await pushSipAccounts(
          deps.pbx,
          accounts.filter((a) => a.userId === user.id),
        ).catch((e: unknown) => log(`SIP account of ${user.username} not pushed yet: ${String(e)}`));
      await routingChanged();
    }
    deps.pokeAll();
    res.status(201).json(user);
  });
  r.post(ADMIN_REST.user(':id'), async (req, res) => {
    const userId = id(req, 'user');
    const body = parseOrThrow(UpdateUserRequest, req.body, 'user change');
    const user = await admin.updateUser(db, actor(req), userId, body, now());
    if (user.role === 'agent' && !user.disabled) await ensureSipAccounts(db, now());
    await routingChanged();
    deps.pokeAll();
    res.json(user);
  });
  r.post(ADMIN_REST.userPassword(':id'), async (req, res) => {
    const userId = id(req, 'user');
    const body = parseOrThrow(ResetPasswordRequest, req.body, 'password reset');
    await admin.resetPassword(db, actor(req), userId, body.password, now());
    res.json({});
  });
  r.post(ADMIN_REST.userSkills(':id'), async (req, res) => {
    const userId = id(req, 'user');
    const body = parseOrThrow(SetSkillsRequest, req.body, 'skills');
    const user = await admin.setSkills(db, actor(req), userId, body.skills, now());
    await routingChanged();
    res.json(user);
  });

  r.get(ADMIN_REST.departments, async (_req, res) => {
    no(res).json(await listDepartments(db));
  });
  r.post(ADMIN_REST.departments, async (req, res) => {
    const body = parseOrThrow(DepartmentInput, req.body, 'new department');
    const d = await admin.createDepartment(db, actor(req), body, now());
    deps.pokeAll();
    res.status(201).json(d);
  });
  r.post(ADMIN_REST.department(':id'), async (req, res) => {
    const depId = id(req, 'department');
    const body = parseOrThrow(DepartmentInput, req.body, 'department');
    const d = await admin.updateDepartment(db, actor(req), depId, body, now());
    deps.pokeAll();
    res.json(d);
  });

  r.get(ADMIN_REST.queues, async (_req, res) => {
    no(res).json(await listQueues(db));
  });
  r.post(ADMIN_REST.queues, async (req, res) => {
    const body = parseOrThrow(QueueInput, req.body, 'new queue');
    const q = await admin.createQueue(db, actor(req), body, now());
    await routingChanged();
    res.status(201).json(q);
  });
  r.post(ADMIN_REST.queue(':id'), async (req, res) => {
    const queueId = id(req, 'queue');
    const body = parseOrThrow(QueueInput, req.body, 'queue');
    const q = await admin.updateQueue(db, actor(req), queueId, body, now());
    await routingChanged();
    res.json(q);
  });

  r.get(ADMIN_REST.calendars, async (_req, res) => {
    no(res).json((await readConfig(db)).calendars);
  });
  r.post(ADMIN_REST.calendars, async (req, res) => {
    const body = parseOrThrow(BusinessCalendar, req.body, 'calendar');
    res.status(201).json(await admin.saveCalendar(db, actor(req), null, body, now()));
    deps.configChanged?.();
  });
  r.post(ADMIN_REST.calendar(':id'), async (req, res) => {
    const calId = parseOrThrow(CalendarId, req.params.id, 'calendar id');
    const body = parseOrThrow(BusinessCalendar, req.body, 'calendar');
    res.json(await admin.saveCalendar(db, actor(req), calId, body, now()));
    deps.configChanged?.();
  });
  r.post(ADMIN_REST.calendarDelete(':id'), async (req, res) => {
    const calId = parseOrThrow(CalendarId, req.params.id, 'calendar id');
    await admin.deleteCalendar(db, actor(req), calId, now());
    res.json({});
    deps.configChanged?.();
  });

  r.get(ADMIN_REST.slaPolicies, async (_req, res) => {
    no(res).json((await readConfig(db)).slaPolicies);
  });
  r.post(ADMIN_REST.slaPolicies, async (req, res) => {
    const body = parseOrThrow(SlaPolicyInput, req.body, 'SLA policy');
    res.status(201).json(await admin.saveSlaPolicy(db, actor(req), null, body, now()));
    deps.configChanged?.();
  });
  r.post(ADMIN_REST.slaPolicy(':id'), async (req, res) => {
    const policyId = id(req, 'SLA policy');
    const body = parseOrThrow(SlaPolicyInput, req.body, 'SLA policy');
    res.json(await admin.saveSlaPolicy(db, actor(req), policyId, body, now()));
    deps.configChanged?.();
  });
  r.post(ADMIN_REST.slaPolicyDelete(':id'), async (req, res) => {
    await admin.deleteSlaPolicy(db, actor(req), id(req, 'SLA policy'), now());
    res.json({});
    deps.configChanged?.();
  });

  r.get(ADMIN_REST.customFields, async (_req, res) => {
    no(res).json((await readConfig(db)).customFields);
  });
  r.post(ADMIN_REST.customFields, async (req, res) => {
    const body = parseOrThrow(CustomFieldInput, req.body, 'custom field');
    res.status(201).json(await admin.saveCustomField(db, actor(req), null, body, now()));
  });
  r.post(ADMIN_REST.customField(':id'), async (req, res) => {
    const fieldId = id(req, 'custom field');
    const body = parseOrThrow(CustomFieldInput, req.body, 'custom field');
    res.json(await admin.saveCustomField(db, actor(req), fieldId, body, now()));
  });

  r.get(ADMIN_REST.workflow, async (_req, res) => {
    no(res).json((await readConfig(db)).workflow);
  });
  r.post(ADMIN_REST.workflow, async (req, res) => {
    const body = parseOrThrow(WorkflowSettings, req.body, 'workflow settings');
    res.json(await admin.saveWorkflow(db, actor(req), body, now()));
  });

  r.get(ADMIN_REST.permissions, async (_req, res) => {
    no(res).json((await readConfig(db)).rolePermissions);
  });
  r.post(ADMIN_REST.permissions, async (req, res) => {
    const body = parseOrThrow(RolePermissions, req.body, 'role permissions');
    const saved = await admin.saveRolePermissions(db, actor(req), body, now());
    // Replicas whose sync scope the change moved (internal notes) learn it at their next pull: poke them all.
    deps.pokeAll();
    res.json(saved);
  });

  return r;
}
