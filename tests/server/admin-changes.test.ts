import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_REST,
  AdminConfig,
  AdminUser,
  CHINA_MAINLAND_CALENDAR,
  CONFIG_REST,
  Department,
  SlaPolicy,
  type Change,
  type LoginResponse,
} from '../../src/shared';
import { verifyAudit } from '../../src/server/audit/audit-log';
import { openDatabase } from '../../src/server/db/open';
import { untilChained } from './audit-wait';
import { connectSocket, login, postJson, pullAll, startTestServer, type TestServer } from './helpers';
import { agentSessions, mustSetState, route } from './voice-helpers';

/** What administrators change: checked with errors that say what to do, audited with before and after, and seen. */

let server: TestServer;
let admin: LoginResponse;
let departments: { code: string; id: string }[];
const { session, closeAll } = agentSessions(() => server);

beforeAll(async () => {
  server = await startTestServer({ tickets: 40, customers: 20 });
  admin = await login(server.url, 'admin');
  const db = openDatabase(server.dbPath);
  departments = await db.selectFrom('departments').select(['code', 'id']).orderBy('code').execute();
  await db.destroy();
});
afterEach(() => closeAll());
afterAll(async () => server?.stop());

const dept = (code: string) => departments.find((d) => d.code === code)!.id;
const post = (path: string, body: unknown, token = admin.accessToken) =>
  postJson(`${server.url}${path}`, body, { authorization: `Bearer ${token}` });
async function get(path: string, token = admin.accessToken) {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function auditOf(action: string, subjectId: string) {
  const db = openDatabase(server.dbPath);
  try {
    // Records are chained shortly after their commit (audit/README.md): wait for this one to have its place.
    await untilChained(db);
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', action)
      .where('subject_id', '=', subjectId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as { before: unknown; after: unknown } }));
  } finally {
    await db.destroy();
  }
}

const newUser = (over: Record<string, unknown> = {}) => ({
  username: 'wangfang',
  displayName: '王芳',
  role: 'agent',
  departmentId: dept('tech'),
  password: 'first-pass-1',
  ...over,
});

describe('users', () => {
  it('creates a user who can sign in at once, audited without the password', async () => {
    const res = await post(ADMIN_REST.users, newUser());
    expect(res.status).toBe(201);
    const user = AdminUser.parse(res.body);
    expect(user).toMatchObject({ username: 'wangfang', role: 'agent', disabled: false });
    const signedIn = await login(server.url, 'WangFang', 'first-pass-1');
    expect(signedIn.user.id).toBe(user.id);
    expect(signedIn.department?.code).toBe('tech');
    const [record] = await auditOf('user.create', user.id);
    expect(record!.actor_id).toBe(admin.user.id);
    expect(record!.detail.before).toBeNull();
    expect(record!.detail.after).toMatchObject({ username: 'wangfang', departmentId: dept('tech') });
    expect(JSON.stringify(record!.detail)).not.toContain('first-pass-1');
    expect(JSON.stringify(record!.detail)).not.toContain('scrypt');
  });

  it('refuses a taken user name (any case), a short password and a missing department, saying what to do', async () => {
    const taken = await post(ADMIN_REST.users, newUser({ username: 'Agent01' }));
    expect(taken.status).toBe(409);
    expect(taken.body.message).toMatch(/"agent01" is taken: choose another/);
    expect(taken.body.issues).toEqual([{ path: 'username', message: 'This user name is taken.' }]);
    const short = await post(ADMIN_REST.users, newUser({ username: 'shorty', password: 'abc' }));
    expect(short.status).toBe(400);
    expect(short.body.issues).toEqual([
      { path: 'password', message: 'A password needs at least 8 characters.' },
    ]);
    const nowhere = await post(ADMIN_REST.users, newUser({ username: 'nowhere', departmentId: null }));
    expect(nowhere.status).toBe(400);
    expect(JSON.stringify(nowhere.body.issues)).toMatch(/departmentId.*work in a department: choose one/);
    const badRole = await post(ADMIN_REST.users, newUser({ username: 'boss', role: 'owner' }));
    expect(badRole.status).toBe(400);
    expect(JSON.stringify(badRole.body.issues)).toContain('role');
  });

  it('changes role and department, disables and enables, each audited with before and after', async () => {
    const created = AdminUser.parse((await post(ADMIN_REST.users, newUser({ username: 'lilei' }))).body);
    const moved = await post(ADMIN_REST.user(created.id), {
      role: 'supervisor',
      departmentId: dept('billing'),
      displayName: '李雷',
    });
    expect(moved.status).toBe(200);
    expect(AdminUser.parse(moved.body)).toMatchObject({ role: 'supervisor', departmentId: dept('billing') });
    const [update] = await auditOf('user.update', created.id);
    expect(update!.detail.before).toMatchObject({ role: 'agent', departmentId: dept('tech') });
    expect(update!.detail.after).toMatchObject({ role: 'supervisor', departmentId: dept('billing') });

    const session = await login(server.url, 'lilei', 'first-pass-1');
    expect((await post(ADMIN_REST.user(created.id), { disabled: true })).status).toBe(200);
    // Disabled: the session ends and signing in is refused.
    expect((await get(CONFIG_REST, session.accessToken)).status).toBe(401);
    await expect(login(server.url, 'lilei', 'first-pass-1')).rejects.toThrow();
    expect((await post(ADMIN_REST.user(created.id), { disabled: false })).status).toBe(200);
    await login(server.url, 'lilei', 'first-pass-1');
    const updates = await auditOf('user.update', created.id);
    expect(
      updates.map((u) => [u.detail.before, u.detail.after].map((x) => (x as AdminUser).disabled)),
    ).toEqual([
      [false, false],
      [false, true],
      [true, false],
    ]);
  });

  it('resets a password: the old one stops, the new one signs in', async () => {
    const created = AdminUser.parse((await post(ADMIN_REST.users, newUser({ username: 'hanmei' }))).body);
    const short = await post(ADMIN_REST.userPassword(created.id), { password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.issues).toEqual([
      { path: 'password', message: 'A password needs at least 8 characters.' },
    ]);
    expect((await post(ADMIN_REST.userPassword(created.id), { password: 'second-pass-2' })).status).toBe(200);
    await expect(login(server.url, 'hanmei', 'first-pass-1')).rejects.toThrow();
    await login(server.url, 'hanmei', 'second-pass-2');
    expect(await auditOf('user.password_change', created.id)).toHaveLength(1);
  });

  it('keeps an administrator from locking themselves out', async () => {
    const self = await post(ADMIN_REST.user(admin.user.id), { role: 'agent', departmentId: dept('tech') });
    expect(self.status).toBe(403);
    expect(self.body.message).toMatch(/own role.*ask another administrator/);
    expect((await post(ADMIN_REST.user(admin.user.id), { disabled: true })).status).toBe(400);
  });
});

describe('departments', () => {
  it('creates one that reaches every desktop through the sync stream, audited; a taken code is refused', async () => {
    const agent = await login(server.url, 'agent01');
    const socket = await connectSocket(server.url, agent.accessToken);
    try {
      const { cursor } = await pullAll(socket);
      const res = await post(ADMIN_REST.departments, {
        code: 'vip',
        nameZh: '贵宾服务',
        nameEn: 'VIP service',
      });
      expect(res.status).toBe(201);
      const created = Department.parse(res.body);
      const { changes } = await pullAll(socket, cursor);
      const seen = (changes as Change[]).find((c) => c.kind === 'department' && c.data.id === created.id);
      expect(seen).toMatchObject({ data: { code: 'vip', nameZh: '贵宾服务' } });
      const renamed = await post(ADMIN_REST.department(created.id), {
        code: 'vip',
        nameZh: '贵宾',
        nameEn: 'VIP',
      });
      expect(renamed.status).toBe(200);
      const again = await pullAll(socket, cursor);
      expect(
        (again.changes as Change[]).find((c) => c.kind === 'department' && c.data.id === created.id),
      ).toMatchObject({ data: { nameZh: '贵宾', nameEn: 'VIP' } });
      const [rename] = await auditOf('department.update', created.id);
      expect(rename!.detail).toMatchObject({ before: { nameEn: 'VIP service' }, after: { nameEn: 'VIP' } });
    } finally {
      socket.close();
    }
    const dup = await post(ADMIN_REST.departments, { code: 'VIP', nameZh: '重复', nameEn: 'Dup' });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/code "VIP" is taken: choose another/);
  });
});

describe('queues and skills', () => {
  it('a new queue and an agent given its skill are routed to at once, without a restart', async () => {
    const queue = await post(ADMIN_REST.queues, {
      number: '8077',
      nameZh: '贵宾热线',
      nameEn: 'VIP line',
      departmentId: dept('aftersales'),
      skill: 'vip',
      ringTimeoutSeconds: 15,
    });
    expect(queue.status).toBe(201);
    const a1 = await session('agent01');
    await mustSetState(a1, 'Available');
    expect((await route(server.url, '8077', 'vip-1')).status).toBe(404); // nobody has the skill yet
    const skills = await post(ADMIN_REST.userSkills(a1.session.user.id), { skills: ['aftersales', 'vip'] });
    expect(skills.status).toBe(200);
    expect(AdminUser.parse(skills.body).skills).toEqual(['aftersales', 'vip']);
    const routed = await route(server.url, '8077', 'vip-2');
    expect(routed.status).toBe(200);
    expect(routed.body).toMatch(/^\d+\n15\n$/);
    const [audit] = await auditOf('user.skills', a1.session.user.id);
    expect(audit!.detail.after).toEqual(['aftersales', 'vip']);
  });

  it('refuses a taken queue number and a bad skill with what to type', async () => {
    const dup = await post(ADMIN_REST.queues, {
      number: '8001',
      nameZh: '重复',
      nameEn: 'Dup',
      departmentId: dept('tech'),
      skill: 'tech',
      ringTimeoutSeconds: 20,
    });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/8001 is taken/);
    const bad = await post(ADMIN_REST.userSkills(admin.user.id), { skills: ['VIP Line'] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.issues)).toMatch(/lower-case word/);
  });
});

describe('SLA policies, calendars, custom fields and workflow', () => {
  const policy = () => ({
    departmentId: dept('tech'),
    priority: 'high',
    channel: 'api',
    calendarId: CHINA_MAINLAND_CALENDAR.id,
    firstResponseMinutes: 60,
    nextResponseMinutes: 240,
    resolutionMinutes: 1440,
    warning: { kind: 'minutesBefore', minutes: 30 },
    escalations: [
      { on: 'warning', action: { kind: 'notify', who: 'supervisors' } },
      {
        on: 'breach',
        target: 'resolution',
        action: { kind: 'moveDepartment', departmentId: dept('billing') },
      },
    ],
  });

  it('stores a policy desktops read from /api/config under a new version, audited', async () => {
    const agent = await login(server.url, 'agent05');
    const before = AdminConfig.parse((await get(CONFIG_REST, agent.accessToken)).body);
    const res = await post(ADMIN_REST.slaPolicies, policy());
    expect(res.status).toBe(201);
    const created = SlaPolicy.parse(res.body);
    const after = AdminConfig.parse((await get(CONFIG_REST, agent.accessToken)).body);
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.slaPolicies).toContainEqual(created);
    const [audit] = await auditOf('sla_policy.create', created.id);
    expect(audit!.detail).toMatchObject({
      before: null,
      after: { channel: 'api', resolutionMinutes: 1440 },
    });

    const dup = await post(ADMIN_REST.slaPolicies, policy());
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/already has a policy for high priority on api: edit that one/);
    // The calendar a policy uses cannot go.
    const del = await post(ADMIN_REST.calendarDelete(CHINA_MAINLAND_CALENDAR.id), {});
    expect(del.status).toBe(409);
    expect(del.body.message).toMatch(/49 SLA policies use this calendar: give them another calendar first/);
  });

  it('names what is wrong in a policy', async () => {
    const none = await post(ADMIN_REST.slaPolicies, {
      ...policy(),
      priority: 'low',
      firstResponseMinutes: null,
      nextResponseMinutes: null,
      resolutionMinutes: null,
    });
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body.issues)).toMatch(/Give at least one target/);
    const channel = await post(ADMIN_REST.slaPolicies, { ...policy(), channel: 'fax' });
    expect(channel.status).toBe(400);
    expect(JSON.stringify(channel.body.issues)).toContain('channel');
    const calendar = await post(ADMIN_REST.slaPolicies, { ...policy(), priority: 'low', calendarId: 'mars' });
    expect(calendar.status).toBe(400);
    expect(calendar.body.message).toMatch(/calendar does not exist: pick one/);
    const self = await post(ADMIN_REST.slaPolicies, {
      ...policy(),
      priority: 'low',
      escalations: [{ on: 'breach', action: { kind: 'moveDepartment', departmentId: dept('tech') } }],
    });
    expect(self.status).toBe(400);
    expect(self.body.message).toMatch(/Escalation rule 1 moves tickets to the policy's own department/);
  });

  it('checks calendars with the shared schema (overlaps, holiday and make-up day on one date)', async () => {
    const overlap = await post(ADMIN_REST.calendars, {
      ...CHINA_MAINLAND_CALENDAR,
      id: 'overlap',
      weekly: {
        ...CHINA_MAINLAND_CALENDAR.weekly,
        mon: [
          { start: '09:00', end: '12:00' },
          { start: '11:30', end: '18:00' },
        ],
      },
    });
    expect(overlap.status).toBe(400);
    expect(overlap.body.message).toMatch(/opening ranges overlap: 09:00-12:00 and 11:30-18:00/);
    const ok = await post(ADMIN_REST.calendars, {
      id: 'berlin',
      name: 'Berlin office',
      timeZone: 'Europe/Berlin',
      weekly: {
        mon: [{ start: '08:00', end: '17:00' }],
        tue: [],
        wed: [],
        thu: [],
        fri: [],
        sat: [],
        sun: [],
      },
    });
    expect(ok.status).toBe(201);
    const [audit] = await auditOf('calendar.create', 'berlin');
    expect(audit!.detail.after).toMatchObject({ timeZone: 'Europe/Berlin' });
  });

  it('stores custom fields with their options and refuses a choice field without options', async () => {
    const field = {
      departmentId: dept('tech'),
      key: 'device_model',
      labelZh: '设备型号',
      labelEn: 'Device model',
      type: 'singleChoice',
      options: [
        { value: 'x1', labelZh: '一代', labelEn: 'First generation' },
        { value: 'x2', labelZh: '二代', labelEn: 'Second generation' },
      ],
      required: true,
    };
    const res = await post(ADMIN_REST.customFields, field);
    expect(res.status).toBe(201);
    const bad = await post(ADMIN_REST.customFields, { ...field, key: 'other', options: [] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.issues)).toMatch(/choice field needs at least one option/);
    const dup = await post(ADMIN_REST.customFields, field);
    expect(dup.status).toBe(409);
    const config = AdminConfig.parse((await get(CONFIG_REST)).body);
    expect(config.customFields.map((f) => f.key)).toContain('device_model');
  });

  it('sets the auto-close days (default 7), audited with before and after', async () => {
    expect((await post(ADMIN_REST.workflow, { autoCloseSolvedAfterDays: 0 })).status).toBe(400);
    const res = await post(ADMIN_REST.workflow, { autoCloseSolvedAfterDays: 3 });
    expect(res.status).toBe(200);
    expect(AdminConfig.parse((await get(CONFIG_REST)).body).workflow.autoCloseSolvedAfterDays).toBe(3);
    const [audit] = await auditOf('workflow.update', 'workflow');
    expect(audit!.detail).toEqual({
      before: { autoCloseSolvedAfterDays: 7 },
      after: { autoCloseSolvedAfterDays: 3 },
    });
  });

  it('leaves the audit chain whole', async () => {
    const db = openDatabase(server.dbPath);
    try {
      expect(await verifyAudit(db)).toMatchObject({ ok: true });
    } finally {
      await db.destroy();
    }
  });
});
