import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_REST,
  AdminConfig,
  CONFIG_REST,
  DEFAULT_ROLE_PERMISSIONS,
  Poke,
  PullResponse,
  REST,
  SocketEvents,
  type LoginResponse,
  type Mutation,
  type RolePermissions,
  type Ticket,
  type TicketComment,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { ticketFromColumns } from '../../src/shared/storage/columns';
import { untilChained } from './audit-wait';
import { connectSocket, login, pullAll, pushAll, request, startTestServer, type TestServer } from './helpers';

/**
 * Roles, department scope and field-level rights, through the doors a desktop uses (socket push and pull, pokes)
 * and REST: an agent reaches only their department, only what their role's rights allow, never sees internal
 * notes without the right, and cannot raise their own role. Rights are the administrator's to change, audited.
 */

let server: TestServer;
const sessions: Record<string, LoginResponse> = {};
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 80, customers: 40 });
  for (const u of ['agent01', 'agent02', 'super01', 'admin', 'agent05'])
    sessions[u] = await login(server.url, u);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

async function socketOf(username: string): Promise<Socket> {
  const s = await connectSocket(server.url, sessions[username]!.accessToken);
  sockets.push(s);
  return s;
}

async function call(method: 'GET' | 'POST', path: string, username: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sessions[username]!.accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const setRights = async (rp: RolePermissions) => {
  const r = await call('POST', ADMIN_REST.permissions, 'admin', rp);
  expect(r.status).toBe(200);
};
const without = (...rights: string[]): RolePermissions => ({
  ...DEFAULT_ROLE_PERMISSIONS,
  agent: DEFAULT_ROLE_PERMISSIONS.agent.filter((r) => !rights.includes(r)),
});

async function ticketOf(username: string, status?: Ticket['status']): Promise<Ticket> {
  const db = openDatabase(server.dbPath);
  try {
    const dept = (
      await db
        .selectFrom('users')
        .select('department_id')
        .where('username', '=', username)
        .executeTakeFirstOrThrow()
    ).department_id!;
    const row = await db
      .selectFrom('tickets')
      .selectAll()
      .where('department_id', '=', dept)
      .$if(status !== undefined, (b) => b.where('status', '=', status!))
      .$if(status === undefined, (b) => b.where('status', 'in', ['new', 'open']))
      .orderBy('id')
      .executeTakeFirstOrThrow();
    return ticketFromColumns(row);
  } finally {
    await db.destroy();
  }
}

const fresh = async (id: string): Promise<Ticket> =>
  (await call('GET', REST.ticket(id), 'admin')).body.ticket as Ticket;

const update = (t: Ticket, patch: Record<string, unknown>, reason?: string): Mutation =>
  ({
    id: randomUUID(),
    name: 'ticket.update',
    args: { ticketId: t.id, patch, baseVersion: t.version, ...(reason ? { reason } : {}) },
  }) as Mutation;
const comment = (ticketId: string, body: string, internal: boolean): Mutation => ({
  id: randomUUID(),
  name: 'ticket.comment',
  args: { commentId: randomUUID(), ticketId, body, internal },
});

describe('department scope', () => {
  it('an agent can neither read nor change another department’s ticket, through REST or the socket', async () => {
    const tech = await ticketOf('agent05');
    expect((await call('GET', REST.ticket(tech.id), 'agent01')).status).toBe(404);
    const socket = await socketOf('agent01');
    const results = await pushAll(socket, [
      update(tech, { subject: 'mine now' }),
      comment(tech.id, 'hello from after-sales', false),
    ]);
    expect(results.map((r) => r.status === 'rejected' && r.error?.code)).toEqual(['not_found', 'not_found']);
    const { changes } = await pullAll(socket);
    expect(changes.some((c) => c.kind === 'ticket' && c.op === 'upsert' && c.data.id === tech.id)).toBe(
      false,
    );
    expect((await fresh(tech.id)).subject).toBe(tech.subject);
  });
});

describe('field-level rights', () => {
  it('without the rights an agent cannot change priority, close, reopen or transfer; told whom to ask', async () => {
    const supervisor = await socketOf('super01');
    const open = await ticketOf('agent01');
    const solvedBase = await ticketOf('agent01', 'solved');
    const techDept = (await ticketOf('agent05')).departmentId;
    await setRights(without('changePriority', 'close', 'reopen', 'transfer'));
    try {
      const agent = await socketOf('agent01');
      const attempts = [
        update(open, { priority: open.priority === 'urgent' ? 'low' : 'urgent' }),
        update(solvedBase, { status: 'closed' }),
        update(solvedBase, { status: 'reopened' }),
        update(open, { departmentId: techDept }, 'Needs technical support'),
      ];
      const results = await pushAll(agent, attempts);
      for (const r of results) {
        expect(r).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
        expect(r.status === 'rejected' && r.error?.message).toMatch(/team lead or supervisor/);
      }
      expect(await fresh(open.id)).toMatchObject({
        priority: open.priority,
        departmentId: open.departmentId,
      });
      expect((await fresh(solvedBase.id)).status).toBe('solved');
      // What they may still do goes through, in the same ticket.
      const ok = await pushAll(agent, [update(await fresh(open.id), { subject: 'Still editable' })]);
      expect(ok[0]!.status).toBe('applied');
      // A supervisor keeps the rights the agent lost.
      const sup = await pushAll(supervisor, [update(await fresh(solvedBase.id), { status: 'reopened' })]);
      expect(sup[0]!.status).toBe('applied');
    } finally {
      await setRights(DEFAULT_ROLE_PERMISSIONS);
    }
  });

  it('with the default rights the same agent may close and change priority', async () => {
    const agent = await socketOf('agent02');
    const t = await fresh((await ticketOf('agent02')).id);
    const results = await pushAll(agent, [update(t, { priority: t.priority === 'low' ? 'high' : 'low' })]);
    expect(results[0]!.status).toBe('applied');
  });
});

describe('internal notes', () => {
  it('without the right: none in pull, pokes or GET, none written, and the replica resets', async () => {
    const ticket = await ticketOf('agent01');
    const supervisor = await socketOf('super01');
    const agent = await socketOf('agent01');
    const filled = PullResponse.parse(
      ((await request(agent, SocketEvents.pull, { cursor: 0, limit: 10 })) as { data: unknown }).data,
    );
    expect(filled.scope).toBe(`dept:${ticket.departmentId}`);

    await setRights(without('seeInternalNotes'));
    try {
      // The replica filled with notes is told to start over without them.
      const again = PullResponse.parse(
        (
          (await request(agent, SocketEvents.pull, {
            cursor: filled.cursor,
            limit: 1000,
            scope: filled.scope,
          })) as { data: unknown }
        ).data,
      );
      expect(again).toMatchObject({ reset: true, scope: `dept:${ticket.departmentId}+public` });
      const pokes: Poke[] = [];
      agent.on(SocketEvents.poke, (p: unknown) => pokes.push(Poke.parse(p)));

      const secret = `内部备注 secret ${randomUUID()}`;
      const visible = `public reply ${randomUUID()}`;
      // The first poke of a scope is plain; the ones after carry the changes.
      await pushAll(supervisor, [comment(ticket.id, 'warm-up', false)]);
      await expect.poll(() => pokes.length).toBeGreaterThan(0);
      await pushAll(supervisor, [comment(ticket.id, secret, true), comment(ticket.id, visible, false)]);
      await expect.poll(() => JSON.stringify(pokes)).toContain(visible);
      expect(JSON.stringify(pokes)).not.toContain(secret);

      const { changes } = await pullAll(agent);
      const bodies = changes.flatMap((c) => (c.kind === 'comment' ? [c.data.body] : []));
      expect(bodies).toContain(visible);
      expect(bodies).not.toContain(secret);
      expect(changes.some((c) => c.kind === 'comment' && c.data.internal)).toBe(false);

      const got = await call('GET', REST.ticket(ticket.id), 'agent01');
      const gotBodies = (got.body.comments as TicketComment[]).map((c) => c.body);
      expect(gotBodies).toContain(visible);
      expect(gotBodies).not.toContain(secret);
      // The supervisor still reads it.
      const sup = await call('GET', REST.ticket(ticket.id), 'super01');
      expect((sup.body.comments as TicketComment[]).map((c) => c.body)).toContain(secret);

      const write = await pushAll(agent, [comment(ticket.id, 'my own note', true)]);
      expect(write[0]).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
    } finally {
      await setRights(DEFAULT_ROLE_PERMISSIONS);
    }
    // Given back: the notes come back with a reset into the full scope.
    const back = await pullAll(agent);
    expect(back.changes.some((c) => c.kind === 'comment' && c.data.internal)).toBe(true);
  });
});

describe('roles', () => {
  it('nobody raises their own role: not an agent, not a team lead, not an administrator', async () => {
    const me = sessions.agent01!.user;
    const r = await call('POST', ADMIN_REST.user(me.id), 'agent01', { role: 'admin' });
    expect(r.status).toBe(403);
    expect((await call('POST', ADMIN_REST.permissions, 'agent01', DEFAULT_ROLE_PERMISSIONS)).status).toBe(
      403,
    );
    // Made a team lead by the administrator, still no way into the admin API.
    expect((await call('POST', ADMIN_REST.user(me.id), 'admin', { role: 'team_lead' })).status).toBe(200);
    const lead = await login(server.url, 'agent01');
    expect(lead.user.role).toBe('team_lead');
    sessions.agent01 = lead;
    expect((await call('POST', ADMIN_REST.user(me.id), 'agent01', { role: 'supervisor' })).status).toBe(403);
    const admin = sessions.admin!.user;
    const self = await call('POST', ADMIN_REST.user(admin.id), 'admin', {
      role: 'supervisor',
      departmentId: me.departmentId,
    });
    expect(self.status).toBe(403);
    expect(self.body.message).toMatch(/own role/);
    expect((await call('POST', ADMIN_REST.user(me.id), 'admin', { role: 'agent' })).status).toBe(200);
    sessions.agent01 = await login(server.url, 'agent01');
  });

  it('a rights change by an administrator reaches every desktop’s config and is audited with before and after', async () => {
    const rp = without('changePriority');
    await setRights(rp);
    try {
      const config = AdminConfig.parse((await call('GET', CONFIG_REST, 'agent01')).body);
      expect(config.rolePermissions.agent).not.toContain('changePriority');
      const db = openDatabase(server.dbPath);
      try {
        await untilChained(db);
        const rows = await db
          .selectFrom('audit_log')
          .selectAll()
          .where('action', '=', 'permissions.update')
          .orderBy('seq', 'desc')
          .execute();
        const latest = JSON.parse(rows[0]!.detail) as { before: RolePermissions; after: RolePermissions };
        expect(latest.before).toEqual(DEFAULT_ROLE_PERMISSIONS);
        expect(latest.after).toEqual(rp);
        expect(rows[0]!.actor_id).toBe(sessions.admin!.user.id);
      } finally {
        await db.destroy();
      }
      const t = await fresh((await ticketOf('agent02')).id);
      const agent = await socketOf('agent02');
      const r = await pushAll(agent, [update(t, { priority: t.priority === 'low' ? 'high' : 'low' })]);
      expect(r[0]).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
    } finally {
      await setRights(DEFAULT_ROLE_PERMISSIONS);
    }
  });
});
