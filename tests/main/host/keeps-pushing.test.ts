import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deviceCookieName } from '../../../src/main/host/device-keys';
import { startHost, type Host } from '../../../src/main/host/server';
import { storePath } from '../../../src/main/services';
import { openSqlite } from '../../../src/server/db/dialect-sqlite';
import { toUser } from '../../../src/server/directory/directory-store';
import { setUserPassword } from '../../../src/server/directory/user-admin';
import { EncryptorVault, NoVault, type CredentialVault } from '../../../src/main/vault';
import { reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { aesEncryptor, tempDir } from '../fixtures';
import { apiLogin, serverTicket } from '../sync/helpers';
import { connect, hostReady, pageCookie, type Client } from './client';

/**
 * Browser mode keeps pushing: a tab closed during an outage, or a host restarted, must not strand the
 * agent's queued work until that browser signs in again. Everything here is real: the host, its
 * websocket, the desktop services, the replicas and the central service.
 */
let dir: ReturnType<typeof tempDir>;
let renderer: string;
let server: TestServer;
let ticketId: string | undefined;
/** The last signed-in agent's user id, which names its replica. */
let agentId = '';
const hosts: Host[] = [];
const GRACE_MS = 200;

beforeAll(async () => {
  dir = tempDir('sb-host-push-');
  renderer = join(dir.path, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><div id="root"></div>');
  server = await startTestServer({ tickets: 120, customers: 40 });
}, 120_000);

let serverDown = false;

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  // A test that failed during its outage must not leave the next one without a server.
  if (serverDown) await serverBack();
});

async function serverDownNow(): Promise<void> {
  await server.close();
  serverDown = true;
}

async function serverBack(): Promise<void> {
  server = await reopenTestServer(server);
  serverDown = false;
}

afterAll(async () => {
  await server?.stop();
  dir?.remove();
});

async function host(data: string, vault: CredentialVault, log?: (l: string) => void): Promise<Host> {
  const h = await startHost({
    port: 0,
    dataDir: join(dir.path, data),
    rendererDir: renderer,
    vault,
    graceMs: GRACE_MS,
    serverUrls: [server.url],
    log,
  });
  hosts.push(h);
  return h;
}

async function ok(c: Client, method: string, input: unknown): Promise<Record<string, unknown>> {
  const r = await c.invoke(method, input);
  if (r['ok'] !== true) throw new Error(`${method}: ${JSON.stringify(r['error'])}`);
  return r['output'] as Record<string, unknown>;
}

/** Each device's browser keeps its device key, also across host restarts (the cookie is named by port). */
const keys = new Map<string, string>();

async function tab(h: Pick<Host, 'url' | 'port'>, device: string): Promise<Client> {
  let key = keys.get(device);
  if (!key) keys.set(device, (key = (await pageCookie(h.url)).split('=')[1]!));
  return connect(h.url, device, { cookie: `${deviceCookieName(h.port)}=${key}` });
}

/** A tab of `device` signs the agent (agent01 unless named) in and waits until its replica is in step with the server. */
async function signedInTab(
  h: Pick<Host, 'url' | 'port'>,
  device: string,
  remember: boolean,
  username = 'agent01',
): Promise<Client> {
  const c = await tab(h, device);
  const session = await ok(c, 'auth.login', {
    serverUrl: server.url,
    username,
    password: 'switchboard',
    remember,
  });
  agentId = (session['user'] as { id: string }).id;
  await expect
    .poll(() => ok(c, 'sync.status', {}), { timeout: 30_000 })
    .toMatchObject({ state: 'online', pending: 0 });
  const found = (await ok(c, 'tickets.search', { limit: 1 })) as { rows: { id: string }[] };
  ticketId ??= found.rows[0]!.id;
  return c;
}

/** The server goes down; the tab comments while it is away, then closes. Returns the comment bodies. */
async function queueWhileDown(c: Client, n: number, label: string, pad = 0): Promise<string[]> {
  await serverDownNow();
  const bodies = Array.from({ length: n }, (_, i) =>
    `${label} ${i + 1} ${Math.random().toString(36).slice(2)} ${'·'.repeat(pad)}`.trim(),
  );
  for (const body of bodies) await ok(c, 'tickets.comment', { ticketId, body, internal: false });
  expect(await ok(c, 'sync.status', {})).toMatchObject({ pending: n });
  return bodies;
}

async function closeTab(c: Client, graceMs = GRACE_MS): Promise<void> {
  c.ws.close();
  await c.closed;
  // Well past the grace, so services kept only for a reload would be gone by now.
  await new Promise((r) => setTimeout(r, graceMs * 1.5 + 500));
}

/** How many times each body is among the ticket's comments on the server. */
async function onServer(bodies: string[]): Promise<number[]> {
  const { accessToken } = await apiLogin(server.url, 'agent01');
  const { comments } = await serverTicket(server.url, accessToken, ticketId!);
  return bodies.map((b) => comments.filter((c) => c.body === b).length);
}

const once = (bodies: string[]) => bodies.map(() => 1);

describe('browser mode keeps pushing', () => {
  it('a tab closed with queued changes: they reach the server when it returns, with no tab open', async () => {
    const h = await host('closed-tab', new NoVault()); // an in-memory session: nothing is remembered
    const c = await signedInTab(h, 'device-closed-tab', false);
    const bodies = await queueWhileDown(c, 3, 'closed tab');
    await closeTab(c);
    await serverBack();
    await expect.poll(() => onServer(bodies), { timeout: 45_000, interval: 500 }).toEqual(once(bodies));
  }, 90_000);

  it('a tab that opens later finds the session and the true pending count at once', async () => {
    const h = await host('new-tab', new NoVault());
    const device = 'device-new-tab';
    const first = await signedInTab(h, device, false);
    const bodies = await queueWhileDown(first, 2, 'new tab');
    await closeTab(first);
    const later = await tab(h, device);
    expect(await ok(later, 'session.get', {})).toMatchObject({ user: { username: 'agent01' } });
    expect(await ok(later, 'sync.status', {})).toMatchObject({ pending: 2 });
    await serverBack();
    await ok(later, 'sync.retryNow', {});
    // The open tab is told when the outbox empties.
    await expect
      .poll(
        () =>
          later.messages.some(
            (m) => m['event'] === 'sync.status' && (m['payload'] as { pending: number }).pending === 0,
          ),
        { timeout: 45_000 },
      )
      .toBe(true);
    expect(await onServer(bodies)).toEqual(once(bodies));
    later.ws.close();
  }, 90_000);

  it('an open tab sees the pending count fall push by push, not only once the outbox is empty', async () => {
    const h = await host('falling', new NoVault());
    const c = await signedInTab(h, 'device-falling', false);
    // About 40 KB of UTF-8 each: a push carries at most 1 MiB, so these go in three pushes.
    const bodies = await queueWhileDown(c, 60, 'falling', 19_900);
    const seen = () =>
      c.messages
        .filter((m) => m['event'] === 'sync.status')
        .map((m) => (m['payload'] as { pending: number }).pending);
    const before = seen().length;
    await serverBack();
    await ok(c, 'sync.retryNow', {});
    await expect.poll(() => seen().at(-1), { timeout: 45_000 }).toBe(0);
    const during = seen().slice(before);
    expect(during.some((n) => n > 0 && n < bodies.length)).toBe(true);
    // Never up again while nothing new is queued.
    expect(during).toEqual([...during].sort((a, b) => b - a));
    expect(await onServer(bodies)).toEqual(once(bodies));
    c.ws.close();
  }, 90_000);

  it('a host restarted with a remembered session and an outbox pushes it with no tab, each change once', async () => {
    const vault = new EncryptorVault(aesEncryptor(), join(dir.path, 'vault'));
    const first = await host('restart', vault);
    const c = await signedInTab(first, 'device-restart', true);
    const bodies = await queueWhileDown(c, 4, 'restart');
    // The host stops (what SIGTERM does) while the server is still away: the outbox is on disk.
    await hosts.pop()!.close();
    await serverBack();
    const lines: string[] = [];
    await host('restart', vault, (l) => lines.push(l));
    await expect.poll(() => onServer(bodies), { timeout: 45_000, interval: 500 }).toEqual(once(bodies));
    expect(lines.some((l) => /device-restart: pushing 4 unsent changes of agent01/.test(l))).toBe(true);
  }, 90_000);

  it('a host stopped in the middle of a push loses nothing and applies nothing twice', async () => {
    const vault = new EncryptorVault(aesEncryptor(), join(dir.path, 'vault-mid'));
    const first = await host('mid-push', vault);
    const c = await signedInTab(first, 'device-mid-push', true);
    // Long comments (about 40 KB of UTF-8 each): a push carries at most 1 MiB, so these take three.
    const bodies = await queueWhileDown(c, 60, 'mid push', 19_900);
    await closeTab(c);
    const replica = storePath(join(dir.path, 'mid-push', 'devices', 'device-mid-push'), server.url, agentId);
    const outbox = new Database(replica, { readonly: true });
    const count = outbox.prepare('SELECT count(*) AS n FROM outbox').pluck();
    await serverBack();
    // Stop the host (what SIGTERM does) as soon as the first push is through, with more in flight.
    await expect
      .poll(() => count.get() as number, { timeout: 45_000, interval: 2 })
      .toBeLessThan(bodies.length);
    await hosts.pop()!.close();
    outbox.close();
    await host('mid-push', vault);
    await expect.poll(() => onServer(bodies), { timeout: 45_000, interval: 500 }).toEqual(once(bodies));
  }, 120_000);

  it('SIGTERM to `npm run host` in the middle of a push: nothing lost, nothing applied twice', async () => {
    const data = join(dir.path, 'sigterm');
    // As `npm run host` runs it: node with tsx's loader. Under the tsx command, its wrapper SIGKILLs a child slow to
    // acknowledge a relayed SIGTERM (a host busy pushing on a loaded machine was: exit 143).
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main/host/cli.ts', '--port', '0', '--data', data, '--renderer', renderer],
      {
        cwd: join(import.meta.dirname, '../../..'),
        env: { ...process.env, SWITCHBOARD_SERVER_URLS: server.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | string | null>((done) =>
      child.once('exit', (code, signal) => done(code ?? signal)),
    );
    try {
      const url = await hostReady(child);
      const cookie = await pageCookie(url);
      keys.set('device-sigterm', cookie.split('=')[1]!);
      const c = await signedInTab({ url, port: Number(new URL(url).port) }, 'device-sigterm', false);
      const bodies = await queueWhileDown(c, 60, 'sigterm', 19_900);
      await closeTab(c, 10_000); // the grace of `npm run host`
      const replica = storePath(join(data, 'devices', 'device-sigterm'), server.url, agentId);
      const outbox = new Database(replica, { readonly: true });
      const count = outbox.prepare('SELECT count(*) AS n FROM outbox').pluck();
      await serverBack();
      await expect
        .poll(() => count.get() as number, { timeout: 45_000, interval: 2 })
        .toBeLessThan(bodies.length);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      outbox.close();
      // The agent signs in again in that browser, on a host started over the same folder.
      const again = await signedInTab(await host('sigterm', new NoVault()), 'device-sigterm', false);
      await expect.poll(() => onServer(bodies), { timeout: 45_000, interval: 500 }).toEqual(once(bodies));
      again.ws.close();
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  it('a host whose acknowledgements were lost pushes again and the server applies nothing twice', async () => {
    const vault = new EncryptorVault(aesEncryptor(), join(dir.path, 'vault-acks'));
    const first = await host('acks-lost', vault);
    const c = await signedInTab(first, 'device-acks-lost', true);
    const bodies = await queueWhileDown(c, 5, 'acks lost');
    await closeTab(c);
    await hosts.pop()!.close();
    // The replica as it is on disk with its outbox full: what a host that died (or lost its last
    // transactions to a power cut) after the server applied the push, before it deleted the entries, has.
    const replica = storePath(
      join(dir.path, 'acks-lost', 'devices', 'device-acks-lost'),
      server.url,
      agentId,
    );
    const before = readFileSync(replica);
    expect(existsSync(`${replica}-wal`)).toBe(false);
    await serverBack();
    await host('acks-lost', vault);
    await expect.poll(() => onServer(bodies), { timeout: 45_000, interval: 500 }).toEqual(once(bodies));
    await hosts.pop()!.close();
    for (const suffix of ['-wal', '-shm']) rmSync(replica + suffix, { force: true });
    writeFileSync(replica, before);

    const lines: string[] = [];
    await host('acks-lost', vault, (l) => lines.push(l));
    await expect
      .poll(() => lines.some((l) => /device-acks-lost: pushing 5 unsent changes/.test(l)), {
        timeout: 10_000,
      })
      .toBe(true);
    const outbox = new Database(replica, { readonly: true });
    const count = outbox.prepare('SELECT count(*) AS n FROM outbox').pluck();
    await expect.poll(() => count.get(), { timeout: 45_000 }).toBe(0);
    outbox.close();
    expect(await onServer(bodies)).toEqual(once(bodies));
  }, 90_000);

  it('a session the server ends lets the device go and keeps its outbox on disk', async () => {
    const lines: string[] = [];
    const h = await host('ended', new NoVault(), (l) => lines.push(l));
    const c = await signedInTab(h, 'device-ended', false, 'agent02');
    const userId = agentId;
    const bodies = await queueWhileDown(c, 2, 'ended');
    await closeTab(c);
    // While the server is away, an administrator resets agent02's password: every session of theirs ends.
    const db = openSqlite(server.dbPath);
    try {
      const admin = await db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow();
      await setUserPassword(db, toUser(admin), userId, 'reset-by-admin-2', new Date());
    } finally {
      await db.destroy();
    }
    await serverBack();
    await expect
      .poll(() => lines.filter((l) => l.includes('device-ended')), { timeout: 45_000 })
      .toEqual([expect.stringMatching(/2 unsent changes wait on disk \(no signed-in session/)]);
    const replica = storePath(join(dir.path, 'ended', 'devices', 'device-ended'), server.url, userId);
    const outbox = new Database(replica, { readonly: true });
    expect(outbox.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 2 });
    outbox.close();
    expect(await onServer(bodies)).toEqual([0, 0]);
  }, 90_000);

  it('an outbox with no remembered session stays on disk, is named in the log and goes out at the next sign-in', async () => {
    const first = await host('no-session', new NoVault());
    const c = await signedInTab(first, 'device-no-session', false);
    const bodies = await queueWhileDown(c, 2, 'no session');
    c.ws.close();
    await c.closed;
    await hosts.pop()!.close();
    await serverBack();
    const lines: string[] = [];
    const second = await host('no-session', new NoVault(), (l) => lines.push(l));
    await expect
      .poll(() => lines.filter((l) => l.includes('device-no-session')), { timeout: 10_000 })
      .toEqual([
        expect.stringMatching(/2 unsent changes wait on disk .* pushed when that browser signs in again/),
      ]);
    const { user } = await apiLogin(server.url, 'agent01');
    const replica = storePath(
      join(dir.path, 'no-session', 'devices', 'device-no-session'),
      server.url,
      user.id,
    );
    const db = new Database(replica, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 2 });
    db.close();
    expect(await onServer(bodies)).toEqual([0, 0]);
    // The agent signs in again in that browser: the work goes out.
    const again = await signedInTab(second, 'device-no-session', false);
    await expect.poll(() => onServer(bodies), { timeout: 45_000, interval: 500 }).toEqual(once(bodies));
    again.ws.close();
  }, 90_000);
});
