import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/shared/domain';
import type { SessionInfo } from '../../src/shared/ipc/contract';
import { storePath } from '../../src/main/services';
import { EncryptorVault } from '../../src/main/vault';
import { openSqlite } from '../../src/server/db/dialect-sqlite';
import type { Db } from '../../src/server/db/schema';
import { toUser } from '../../src/server/directory/directory-store';
import { disableUser, setUserPassword } from '../../src/server/directory/user-admin';
import { reopenTestServer, startTestServer, type TestServer } from '../server/helpers';
import { aesEncryptor, tempDir } from './fixtures';
import { apiLogin, desktop, serverTicket, waitFor, type TestDesktop } from './sync/helpers';

/**
 * Offline sign-in through the real desktop services and a real central service: an agent who signed in
 * online here once can sign in again while the server is down (after a restart of the desktop), work on the
 * replica, and have the work sent only once the server has accepted the session.
 */
let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const open: TestDesktop[] = [];

beforeAll(async () => {
  dir = tempDir('sb-offsign-');
  server = await startTestServer({ tickets: 150, customers: 60 });
}, 60_000);

afterEach(async () => {
  for (const d of open.splice(0)) await d.services.dispose();
});

afterAll(async () => {
  await server?.stop();
  dir?.remove();
});

/** A desktop (re)started on the given data folder, as after a restart of the app or host. */
function start(name: string): TestDesktop {
  const d = desktop(join(dir.path, name), { deviceId: `device-${name}` });
  open.push(d);
  return d;
}

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openSqlite(server.dbPath);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}
const userNamed = (db: Db, username: string): Promise<User> =>
  db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow().then(toUser);

const signIn = (d: TestDesktop, username: string, password = 'switchboard', offline = false) =>
  d.services.invoke('auth.login', { serverUrl: server.url, username, password, remember: false, offline });

/** Signs in online on a fresh desktop, waits for the first sync, and stops that desktop. */
async function onlineOnce(name: string, username: string): Promise<void> {
  const d = start(name);
  const r = await signIn(d, username);
  expect(r.ok, JSON.stringify(r)).toBe(true);
  await d.waitSynced();
  await d.call('auth.logout', {});
  await d.services.dispose();
  open.splice(open.indexOf(d), 1);
}

async function serverDown(): Promise<void> {
  await server.close();
}
async function serverUp(): Promise<void> {
  server = await reopenTestServer(server);
}

const status = (d: TestDesktop, username: string) =>
  d.call('auth.offlineStatus', { serverUrl: server.url, username });

describe('offline sign-in', () => {
  it('after a restart during an outage: right password opens the replica, edits queue, and go only after the server checks the session', async () => {
    await onlineOnce('main', 'agent01');
    // The verifier is owner-only and holds no password.
    const file = join(dir.path, 'main', 'offline-signin.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = readFileSync(file, 'utf8');
    expect(kept).not.toContain('switchboard');
    // A memory-hard KDF: scrypt with at least N = 2^15, r = 8, p = 1 and a salt of its own.
    const entry = Object.values(
      (JSON.parse(kept) as { entries: Record<string, { kdf: Record<string, unknown>; salt: string }> })
        .entries,
    )[0]!;
    expect(entry.kdf).toMatchObject({ name: 'scrypt', r: 8, p: 1 });
    expect(entry.kdf['N']).toBeGreaterThanOrEqual(2 ** 15);
    expect(Buffer.from(entry.salt, 'base64').length).toBeGreaterThanOrEqual(16);

    await serverDown();
    const d = start('main');
    // Without asking for it, an unreachable server is an error, as before.
    const plain = await signIn(d, 'agent01');
    expect(plain.ok || plain.error.code).toBe('unavailable');
    expect(await status(d, 'agent01')).toMatchObject({ available: true, locked: false, attemptsLeft: 5 });
    // Nobody else signed in here: there is nothing to sign in to offline.
    expect(await status(d, 'agent02')).toMatchObject({ available: false });
    const stranger = await signIn(d, 'agent02', 'switchboard', true);
    expect(stranger.ok || stranger.error.code).toBe('forbidden');

    // A wrong password is refused, and the try is counted on disk: a restart does not give it back.
    const wrong = await signIn(d, 'agent01', 'not-the-password', true);
    expect(wrong.ok || wrong.error.code).toBe('wrong_credentials');
    expect(await d.call('session.get', {})).toBeNull();
    await d.services.dispose();
    open.pop();
    const d2 = start('main');
    expect(await status(d2, 'agent01')).toMatchObject({ available: true, attemptsLeft: 4 });

    const ok = await signIn(d2, 'agent01', 'switchboard', true);
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    const info = (ok as { output: SessionInfo }).output;
    expect(info.user.username).toBe('agent01');
    expect(info.offline).toEqual({ check: 'waiting', refusal: null });
    // A right password gives the tries back.
    expect(await status(d2, 'agent01')).toMatchObject({ attemptsLeft: 5 });

    // The replica is there: search, edit and comment, all queued.
    const page = await d2.call('tickets.search', { status: ['open'], limit: 5 });
    expect(page.total).toBeGreaterThan(0);
    const t = page.rows[0]!;
    const priority = t.priority === 'urgent' ? 'low' : 'urgent';
    await d2.call('tickets.update', { id: t.id, patch: { priority } });
    await d2.call('tickets.comment', { ticketId: t.id, body: '离线登录后的备注 offline sign-in' });
    expect((await d2.call('sync.status', {})).pending).toBe(2);

    // The server is back: the desktop sees it and asks for the password, and sends nothing before.
    await serverUp();
    await d2.call('sync.retryNow', {});
    await waitFor(
      async () => (await d2.call('session.get', {}))?.offline?.check === 'password',
      'the password prompt',
    );
    expect(d2.events.some((e) => e.event === 'session.changed')).toBe(true);
    const { accessToken } = await apiLogin(server.url, 'agent02');
    expect((await serverTicket(server.url, accessToken, t.id)).ticket.priority).toBe(t.priority);
    expect((await d2.call('sync.status', {})).pending).toBe(2);

    // A wrong password at the prompt: refused by the server, still nothing sent, nothing lost.
    const refused = await d2.services.invoke('auth.confirm', { password: 'guess-again' });
    expect(refused.ok || refused.error.code).toBe('wrong_credentials');
    expect((await d2.call('session.get', {}))?.offline).toEqual({
      check: 'password',
      refusal: 'password_refused',
    });
    expect((await d2.call('sync.status', {})).pending).toBe(2);
    expect((await serverTicket(server.url, accessToken, t.id)).ticket.priority).toBe(t.priority);

    // The right one: the session is checked, then the queued work goes.
    const confirmed = await d2.call('auth.confirm', { password: 'switchboard' });
    expect(confirmed.offline).toBeNull();
    await d2.waitSynced();
    const after = await serverTicket(server.url, accessToken, t.id);
    expect(after.ticket.priority).toBe(priority);
    expect(after.comments.map((c) => c.body)).toContain('离线登录后的备注 offline sign-in');
  }, 90_000);

  it('locks after five wrong passwords, across restarts, until the next online sign-in', async () => {
    await onlineOnce('lock', 'agent03');
    await serverDown();
    try {
      let d = start('lock');
      for (let i = 0; i < 4; i++) {
        const r = await signIn(d, 'agent03', `wrong-${i}`, true);
        expect(r.ok || r.error.code).toBe('wrong_credentials');
        if (i === 1) {
          // A restart in the middle changes nothing.
          await d.services.dispose();
          open.pop();
          d = start('lock');
        }
      }
      const fifth = await signIn(d, 'agent03', 'wrong-4', true);
      expect(fifth.ok || fifth.error.code).toBe('forbidden');
      // Locked: even the right password no longer opens it offline, after a restart too.
      await d.services.dispose();
      open.pop();
      d = start('lock');
      expect(await status(d, 'agent03')).toMatchObject({ available: true, locked: true, attemptsLeft: 0 });
      const right = await signIn(d, 'agent03', 'switchboard', true);
      expect(right.ok || right.error.code).toBe('forbidden');
      expect(await d.call('session.get', {})).toBeNull();
    } finally {
      await serverUp();
    }
    // Online again, a sign-in unlocks it.
    const d = start('lock');
    expect((await signIn(d, 'agent03')).ok).toBe(true);
    expect(await status(d, 'agent03')).toMatchObject({ locked: false, attemptsLeft: 5 });
  }, 90_000);

  it('a password changed online replaces the kept one; signing out keeps it, forgetting the device removes it', async () => {
    await onlineOnce('pw', 'agent04');
    await withDb(async (db) => {
      const admin = await userNamed(db, 'admin');
      const agent = await userNamed(db, 'agent04');
      await setUserPassword(db, admin, agent.id, 'new-password-04', new Date());
    });
    // The old password is refused by the server: it no longer opens the replica offline either.
    const d = start('pw');
    const old = await signIn(d, 'agent04');
    expect(old.ok || old.error.code).toBe('wrong_credentials');
    expect(await status(d, 'agent04')).toMatchObject({ locked: true });
    expect((await signIn(d, 'agent04', 'new-password-04')).ok).toBe(true);
    await d.call('auth.logout', {});

    await serverDown();
    try {
      const offOld = await signIn(d, 'agent04', 'switchboard', true);
      expect(offOld.ok || offOld.error.code).toBe('wrong_credentials');
      expect((await signIn(d, 'agent04', 'new-password-04', true)).ok).toBe(true);
      await d.call('auth.logout', { forgetDevice: true });
      expect(await status(d, 'agent04')).toMatchObject({ available: false });
      const gone = await signIn(d, 'agent04', 'new-password-04', true);
      expect(gone.ok || gone.error.code).toBe('forbidden');
    } finally {
      await serverUp();
    }
  }, 90_000);

  it('an account disabled during the outage: nothing is sent, nothing is deleted, and the reason is said', async () => {
    await onlineOnce('off', 'agent05');
    await serverDown();
    const d = start('off');
    const info = (await d.call('auth.login', {
      serverUrl: server.url,
      username: 'agent05',
      password: 'switchboard',
      remember: false,
      offline: true,
    })) as SessionInfo;
    const t = (await d.call('tickets.search', { status: ['open'], limit: 1 })).rows[0]!;
    await d.call('tickets.comment', { ticketId: t.id, body: 'typed while the account was being disabled' });
    await withDb(async (db) => {
      const admin = await userNamed(db, 'admin');
      await db.transaction().execute(async (trx) => disableUser(trx, admin, info.user.id, new Date()));
    });
    await serverUp();
    await d.call('sync.retryNow', {});
    await waitFor(async () => (await d.call('session.get', {}))?.offline?.check === 'password', 'the prompt');
    const r = await d.services.invoke('auth.confirm', { password: 'switchboard' });
    expect(r.ok || r.error.code).toBe('wrong_credentials');
    expect(r.ok || r.error.message).toMatch(/disabled/);
    // The work is still here, queued, and the replica too.
    expect((await d.call('sync.status', {})).pending).toBe(1);
    expect(existsSync(storePath(join(dir.path, 'off'), server.url, info.user.id))).toBe(true);
    const detail = await d.call('tickets.get', { id: t.id });
    expect(detail.comments.map((c) => c.body)).toContain('typed while the account was being disabled');
    // And the kept password no longer opens it offline.
    expect(await status(d, 'agent05')).toMatchObject({ locked: true });
  }, 90_000);

  it('with a remembered session on this computer, the server check refreshes it without asking, then sends', async () => {
    const vault = new EncryptorVault(aesEncryptor(), join(dir.path, 'vault'));
    const first = desktop(join(dir.path, 'remembered'), { vault, deviceId: 'remembered' });
    open.push(first);
    await first.call('auth.login', {
      serverUrl: server.url,
      username: 'agent06',
      password: 'switchboard',
      remember: true,
    });
    await first.waitSynced();
    await first.services.dispose();
    open.pop();

    await serverDown();
    const d = desktop(join(dir.path, 'remembered'), { vault, deviceId: 'remembered' });
    open.push(d);
    const info = await d.call('auth.login', {
      serverUrl: server.url,
      username: 'agent06',
      password: 'switchboard',
      remember: true,
      offline: true,
    });
    expect(info.offline?.check).toBe('waiting');
    const t = (await d.call('tickets.search', { status: ['open'], limit: 1 })).rows[0]!;
    await d.call('tickets.comment', { ticketId: t.id, body: 'sent after a refresh, no password asked' });
    await serverUp();
    await d.call('sync.retryNow', {});
    await d.waitSynced();
    expect((await d.call('session.get', {}))?.offline).toBeNull();
    expect(
      d.events.some(
        (e) => e.event === 'session.changed' && (e.payload as SessionInfo).offline?.check === 'password',
      ),
    ).toBe(false);
    const { accessToken } = await apiLogin(server.url, 'agent06');
    const onServer = await serverTicket(server.url, accessToken, t.id);
    expect(onServer.comments.map((c) => c.body)).toContain('sent after a refresh, no password asked');
  }, 90_000);
});
