import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_REST,
  AdminConfig,
  CHINA_MAINLAND_CALENDAR,
  CONFIG_REST,
  Right,
  type LoginResponse,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { login, startTestServer, type TestServer } from './helpers';

/**
 * Every administration route refuses everyone but administrators, with a body it would accept from one, and
 * changes nothing; /api/config is readable by every signed-in user and nobody else.
 */

let server: TestServer;
const sessions: Record<string, LoginResponse> = {};
let ids: { user: string; department: string; queue: string };

beforeAll(async () => {
  server = await startTestServer({ tickets: 40, customers: 20 });
  for (const u of ['agent01', 'super01', 'admin']) sessions[u] = await login(server.url, u);
  const db = openDatabase(server.dbPath);
  const one = async (table: 'users' | 'departments' | 'queues') =>
    (await db.selectFrom(table).select('id').limit(1).executeTakeFirstOrThrow()).id;
  ids = { user: await one('users'), department: await one('departments'), queue: await one('queues') };
  await db.destroy();
});
afterAll(async () => server?.stop());

async function call(method: 'GET' | 'POST', path: string, token: string | null, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Bodies an administrator's request would be accepted with: a refusal is about the caller, not the input. */
function everyRoute(): {
  key: keyof typeof ADMIN_REST;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}[] {
  const queue = {
    number: '8999',
    nameZh: '测试',
    nameEn: 'Test',
    departmentId: ids.department,
    skill: 'test',
    ringTimeoutSeconds: 20,
  };
  const policy = {
    departmentId: ids.department,
    priority: 'urgent',
    channel: 'api',
    calendarId: CHINA_MAINLAND_CALENDAR.id,
    firstResponseMinutes: 30,
    nextResponseMinutes: null,
    resolutionMinutes: 480,
    warning: { kind: 'percent', percent: 80 },
  };
  const field = {
    departmentId: ids.department,
    key: 'order_no',
    labelZh: '订单号',
    labelEn: 'Order number',
    type: 'text',
  };
  const dept = { code: 'x1', nameZh: '新部门', nameEn: 'New' };
  const cal = { ...CHINA_MAINLAND_CALENDAR, id: 'other' };
  const someId = ids.user;
  return [
    { key: 'overview', method: 'GET', path: ADMIN_REST.overview },
    { key: 'users', method: 'GET', path: ADMIN_REST.users },
    {
      key: 'users',
      method: 'POST',
      path: ADMIN_REST.users,
      body: {
        username: 'mallory',
        displayName: 'M',
        role: 'admin',
        departmentId: null,
        password: 'password1',
      },
    },
    { key: 'user', method: 'POST', path: ADMIN_REST.user(someId), body: { role: 'admin' } },
    {
      key: 'userPassword',
      method: 'POST',
      path: ADMIN_REST.userPassword(someId),
      body: { password: 'password1' },
    },
    { key: 'userSkills', method: 'POST', path: ADMIN_REST.userSkills(someId), body: { skills: ['billing'] } },
    { key: 'departments', method: 'GET', path: ADMIN_REST.departments },
    { key: 'departments', method: 'POST', path: ADMIN_REST.departments, body: dept },
    { key: 'department', method: 'POST', path: ADMIN_REST.department(ids.department), body: dept },
    { key: 'queues', method: 'GET', path: ADMIN_REST.queues },
    { key: 'queues', method: 'POST', path: ADMIN_REST.queues, body: queue },
    { key: 'queue', method: 'POST', path: ADMIN_REST.queue(ids.queue), body: queue },
    { key: 'calendars', method: 'GET', path: ADMIN_REST.calendars },
    { key: 'calendars', method: 'POST', path: ADMIN_REST.calendars, body: cal },
    {
      key: 'calendar',
      method: 'POST',
      path: ADMIN_REST.calendar(CHINA_MAINLAND_CALENDAR.id),
      body: CHINA_MAINLAND_CALENDAR,
    },
    {
      key: 'calendarDelete',
      method: 'POST',
      path: ADMIN_REST.calendarDelete(CHINA_MAINLAND_CALENDAR.id),
      body: {},
    },
    { key: 'slaPolicies', method: 'GET', path: ADMIN_REST.slaPolicies },
    { key: 'slaPolicies', method: 'POST', path: ADMIN_REST.slaPolicies, body: policy },
    { key: 'slaPolicy', method: 'POST', path: ADMIN_REST.slaPolicy(someId), body: policy },
    { key: 'slaPolicyDelete', method: 'POST', path: ADMIN_REST.slaPolicyDelete(someId), body: {} },
    { key: 'customFields', method: 'GET', path: ADMIN_REST.customFields },
    { key: 'customFields', method: 'POST', path: ADMIN_REST.customFields, body: field },
    { key: 'customField', method: 'POST', path: ADMIN_REST.customField(someId), body: field },
    { key: 'workflow', method: 'GET', path: ADMIN_REST.workflow },
    { key: 'workflow', method: 'POST', path: ADMIN_REST.workflow, body: { autoCloseSolvedAfterDays: 3 } },
    { key: 'permissions', method: 'GET', path: ADMIN_REST.permissions },
    {
      key: 'permissions',
      method: 'POST',
      path: ADMIN_REST.permissions,
      body: { agent: [...Right.options], team_lead: [...Right.options], supervisor: [...Right.options] },
    },
  ];
}

async function auditCount(): Promise<number> {
  const db = openDatabase(server.dbPath);
  try {
    // Chained or still waiting for the chainer (audit/README.md): a record written is counted either way, in
    // one statement so a record the chainer moves meanwhile is counted once.
    const r = await sql<{ n: number }>`
      SELECT (SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) FROM audit_pending) AS n`.execute(db);
    return Number(r.rows[0]!.n);
  } finally {
    await db.destroy();
  }
}

describe('administration routes', () => {
  it('covers every route of ADMIN_REST in this test', () => {
    const covered = new Set(everyRoute().map((r) => r.key));
    expect([...covered].sort()).toEqual(Object.keys(ADMIN_REST).sort());
  });

  it('refuse agents and supervisors with 403 on every route, and change nothing', async () => {
    const before = await auditCount();
    for (const who of ['agent01', 'super01']) {
      for (const r of everyRoute()) {
        const res = await call(r.method, r.path, sessions[who]!.accessToken, r.body);
        expect(res.status, `${who} ${r.method} ${r.path}`).toBe(403);
        expect(res.body.code).toBe('forbidden');
        expect(String(res.body.message)).toMatch(/administrator/);
      }
    }
    const db = openDatabase(server.dbPath);
    try {
      expect(await db.selectFrom('users').select('id').where('username', '=', 'mallory').execute()).toEqual(
        [],
      );
      // The demo has no policy for the api channel; the refused create asked for one.
      expect(await db.selectFrom('sla_policies').select('id').where('channel', '=', 'api').execute()).toEqual(
        [],
      );
      expect(await db.selectFrom('queues').select('id').where('number', '=', '8999').execute()).toEqual([]);
      const agent = await db
        .selectFrom('users')
        .select('role')
        .where('id', '=', ids.user)
        .executeTakeFirstOrThrow();
      expect(agent.role).not.toBe('admin');
    } finally {
      await db.destroy();
    }
    expect(await auditCount()).toBe(before);
  });

  it('refuse callers without a token with 401', async () => {
    for (const r of everyRoute()) {
      const res = await call(r.method, r.path, null, r.body);
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
    }
  });

  it('answer an administrator', async () => {
    const res = await call('GET', ADMIN_REST.overview, sessions.admin!.accessToken);
    expect(res.status).toBe(200);
    expect((res.body.users as unknown[]).length).toBeGreaterThan(10);
  });
});

describe('GET /api/config', () => {
  it('is readable by every signed-in user, with its version and the seeded China calendar', async () => {
    for (const who of ['agent01', 'super01', 'admin']) {
      const res = await call('GET', CONFIG_REST, sessions[who]!.accessToken);
      expect(res.status).toBe(200);
      const config = AdminConfig.parse(res.body);
      expect(config.version).toBeGreaterThan(0);
      expect(config.calendars.map((c) => c.id)).toContain('cn-mainland');
      expect(config.workflow.autoCloseSolvedAfterDays).toBe(7);
    }
    expect((await call('GET', CONFIG_REST, null)).status).toBe(401);
  });
});
