import { untilChained } from './audit-wait';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginResponse, Poke, SocketEvents, type User } from '../../src/shared';
import type { Db } from '../../src/server/db/schema';
import {
  disableUser,
  enableUser,
  endUserSessions,
  setUserPassword,
} from '../../src/server/directory/user-admin';
import {
  asAdmin as asAdminOf,
  connectSocket,
  login,
  postJson,
  pullAll,
  request,
  startTestServer,
  type TestServer,
} from './helpers';

/**
 * An access token lives 15 minutes, but a session that ended (sign-out, password change, an administrator)
 * must stop it at once: on REST, at a socket's next event, and for the data pokes a socket is sent.
 */

let server: TestServer;
const sockets: Socket[] = [];
beforeAll(async () => {
  server = await startTestServer({ tickets: 120, customers: 40 });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

const queues = (token: string) =>
  fetch(`${server.url}/api/voice/queues`, { headers: { authorization: `Bearer ${token}` } });

async function socketOf(token: string) {
  const socket = await connectSocket(server.url, token);
  sockets.push(socket);
  return socket;
}

const asAdmin = <T>(work: (db: Db, admin: User) => Promise<T>) => asAdminOf(server.dbPath, work);

async function audited(action: string, subjectId: string) {
  return asAdmin(async (db) => {
    // Records are chained shortly after their transaction commits (audit/README.md): chain what is there.
    await untilChained(db);
    return (
      await db
        .selectFrom('audit_log')
        .select('detail')
        .where('action', '=', action)
        .where('subject_id', '=', subjectId)
        .orderBy('seq')
        .execute()
    ).map((r) => JSON.parse(r.detail) as Record<string, unknown>);
  });
}

describe('ending a session stops its access tokens at once', () => {
  it('sign-out: REST and the open socket refuse the token right away; other sessions go on', async () => {
    const session = await login(server.url, 'agent05');
    const other = await login(server.url, 'agent05');
    const socket = await socketOf(session.accessToken);
    await pullAll(socket);
    expect((await queues(session.accessToken)).status).toBe(200);

    expect(
      (await postJson(`${server.url}/api/auth/logout`, { refreshToken: session.refreshToken })).status,
    ).toBe(200);

    const rest = await queues(session.accessToken);
    expect(rest.status).toBe(401);
    expect(await rest.json()).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/ended/),
    });
    const refused = await request<unknown>(socket, SocketEvents.pull, { cursor: 0, limit: 10 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    await expect(connectSocket(server.url, session.accessToken)).rejects.toMatchObject({
      message: 'unauthenticated',
    });
    // Refreshing it does not bring it back.
    expect(
      (await postJson(`${server.url}/api/auth/refresh`, { refreshToken: session.refreshToken })).status,
    ).toBe(401);

    expect((await queues(other.accessToken)).status).toBe(200);
    const logouts = await audited('auth.logout', session.user.id);
    expect(logouts).toHaveLength(1);
  });

  it('a signed-out socket hears that something changed, not what', async () => {
    const editor = await login(server.url, 'agent01');
    const leaving = await login(server.url, 'agent02'); // same department as agent01
    const editorSocket = await socketOf(editor.accessToken);
    const leavingSocket = await socketOf(leaving.accessToken);
    const pokes: Poke[] = [];
    leavingSocket.on(SocketEvents.poke, (p: unknown) => pokes.push(Poke.parse(p)));
    const { changes } = await pullAll(editorSocket);
    const ticket = changes.find((c) => c.kind === 'ticket' && c.op === 'upsert');
    if (!ticket || ticket.kind !== 'ticket' || ticket.op !== 'upsert') throw new Error('no ticket');

    const edit = async (subject: string, baseVersion: number) => {
      const ack = await request<unknown>(editorSocket, SocketEvents.push, {
        mutations: [
          {
            id: crypto.randomUUID(),
            name: 'ticket.update',
            args: { ticketId: ticket.data.id, patch: { subject }, baseVersion },
          },
        ],
      });
      expect(ack.ok).toBe(true);
    };
    // The first poke of a room is plain; from the second on, a signed-in socket is sent the changes.
    await edit('Before sign-out', ticket.data.version);
    await expect.poll(() => pokes.length).toBe(1);
    await edit('Still signed in', ticket.data.version + 1);
    await expect.poll(() => pokes.length).toBe(2);
    expect(pokes[1]!.changes?.length).toBeGreaterThan(0);

    await postJson(`${server.url}/api/auth/logout`, { refreshToken: leaving.refreshToken });
    await edit('After sign-out', ticket.data.version + 2);
    await expect.poll(() => pokes.length).toBe(3);
    expect(pokes[2]).toEqual({ head: expect.any(Number) });
  });

  it('password change: every session of the user ends, the caller gets a new one, the old password stops', async () => {
    const a = await login(server.url, 'agent06');
    const b = await login(server.url, 'agent06');
    const socket = await socketOf(b.accessToken);
    await pullAll(socket);

    const wrong = await postJson(
      `${server.url}/api/auth/password`,
      { currentPassword: 'not-it', newPassword: 'a-new-password-6' },
      { authorization: `Bearer ${a.accessToken}` },
    );
    expect(wrong).toMatchObject({ status: 401, body: { code: 'wrong_credentials' } });
    expect((await queues(a.accessToken)).status).toBe(200);

    const changed = await postJson(
      `${server.url}/api/auth/password`,
      { currentPassword: 'switchboard', newPassword: 'a-new-password-6' },
      { authorization: `Bearer ${a.accessToken}` },
    );
    expect(changed.status).toBe(200);
    const fresh = LoginResponse.parse(changed.body);

    expect((await queues(a.accessToken)).status).toBe(401);
    expect((await queues(b.accessToken)).status).toBe(401);
    expect(await request<unknown>(socket, SocketEvents.pull, { cursor: 0, limit: 10 })).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    expect((await postJson(`${server.url}/api/auth/refresh`, { refreshToken: b.refreshToken })).status).toBe(
      401,
    );
    expect((await queues(fresh.accessToken)).status).toBe(200);

    const old = await postJson(`${server.url}/api/auth/login`, {
      username: 'agent06',
      password: 'switchboard',
    });
    expect(old).toMatchObject({ status: 401, body: { code: 'wrong_credentials' } });
    expect((await login(server.url, 'agent06', 'a-new-password-6')).user.username).toBe('agent06');

    const revoked = await audited('auth.revoke', a.user.id);
    expect(revoked).toEqual([expect.objectContaining({ reason: 'password' })]);
    expect((revoked[0]!.sessions as string[]).length).toBe(2);
  });

  it('an administrator setting a password or disabling the account ends its sessions at once', async () => {
    const reset = await login(server.url, 'agent07');
    const disabled = await login(server.url, 'agent08');
    await asAdmin(async (db, admin) => {
      await setUserPassword(db, admin, reset.user.id, 'reset-by-admin-7', new Date());
      await db.transaction().execute((trx) => disableUser(trx, admin, disabled.user.id, new Date()));
    });
    expect((await queues(reset.accessToken)).status).toBe(401);
    expect((await queues(disabled.accessToken)).status).toBe(401);
    expect(
      (await postJson(`${server.url}/api/auth/refresh`, { refreshToken: reset.refreshToken })).status,
    ).toBe(401);
    expect(await audited('auth.revoke', disabled.user.id)).toEqual([
      expect.objectContaining({ reason: 'disabled' }),
    ]);
  });

  it('an administrator ends every session of a user: tokens stop, the password still signs in', async () => {
    const one = await login(server.url, 'agent10');
    const two = await login(server.url, 'agent10');
    const ended = await asAdmin((db, admin) =>
      db.transaction().execute((trx) => endUserSessions(trx, admin, one.user.id, new Date())),
    );
    expect(ended).toBe(2);
    expect((await queues(one.accessToken)).status).toBe(401);
    expect((await queues(two.accessToken)).status).toBe(401);
    expect(
      (await postJson(`${server.url}/api/auth/refresh`, { refreshToken: two.refreshToken })).status,
    ).toBe(401);
    expect(await audited('auth.revoke', one.user.id)).toEqual([expect.objectContaining({ reason: 'admin' })]);
    const again = await login(server.url, 'agent10');
    expect((await queues(again.accessToken)).status).toBe(200);
  });

  it('enabling a disabled account lets its agent sign in again; its old sessions stay ended', async () => {
    const before = await login(server.url, 'agent11');
    await asAdmin((db, admin) =>
      db.transaction().execute((trx) => disableUser(trx, admin, before.user.id, new Date())),
    );
    const refused = await postJson(`${server.url}/api/auth/login`, {
      username: 'agent11',
      password: 'switchboard',
    });
    expect(refused.status).toBe(401);
    await asAdmin((db, admin) =>
      db.transaction().execute((trx) => enableUser(trx, admin, before.user.id, new Date())),
    );
    expect(
      (await postJson(`${server.url}/api/auth/refresh`, { refreshToken: before.refreshToken })).status,
    ).toBe(401);
    const after = await login(server.url, 'agent11');
    expect((await queues(after.accessToken)).status).toBe(200);
    expect(await audited('user.enable', before.user.id)).toHaveLength(1);
  });

  it('audits sign-in and token refresh', async () => {
    const s = await login(server.url, 'agent09');
    const r = await postJson(`${server.url}/api/auth/refresh`, { refreshToken: s.refreshToken });
    expect(r.status).toBe(200);
    expect(await audited('auth.login', s.user.id)).toHaveLength(1);
    expect(await audited('auth.refresh', s.user.id)).toHaveLength(1);
  });
});
