import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_IPC_MESSAGE_BYTES, startHost, type Host } from '../../../src/main/host/server';
import { createDesktopServices } from '../../../src/main/services';
import { checkedDeviceId } from '../../../src/renderer/api/device-id';
import { openStore } from '../../../src/main/store';
import { EncryptorVault, NoVault } from '../../../src/main/vault';
import { startServer } from '../../../src/server/app';
import { tempDir, aesEncryptor } from '../fixtures';
import { connect, hostReady, pageCookie, rawExchange, rawGet } from './client';

let dir: ReturnType<typeof tempDir>;
let renderer: string;
let host: Host;
let server: Awaited<ReturnType<typeof startServer>>;
let cookie: string;

const hostOpts = (data: string) => ({
  port: 0,
  dataDir: join(dir.path, data),
  rendererDir: renderer,
  vault: new NoVault(),
  graceMs: 200,
});

beforeAll(async () => {
  dir = tempDir('sb-host-hard-');
  renderer = join(dir.path, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><div id="root"></div>');
  server = await startServer({
    port: 0,
    dbPath: join(dir.path, 'server.sqlite'),
    seed: 'demo',
    log: () => undefined,
  });
  host = await startHost({ ...hostOpts('data'), serverUrls: [server.url] });
  cookie = await pageCookie(host.url);
}, 60_000);

afterAll(async () => {
  await host?.close();
  await server?.close();
  dir?.remove();
});

/** A second agent, well-behaved, must still be served after each bad client. */
async function stillServes(h: Host = host, c: string = cookie): Promise<void> {
  const good = await connect(h.url, `good-${Math.random().toString(36).slice(2, 10)}`, { cookie: c });
  expect(await good.invoke('session.get', {})).toMatchObject({ ok: true, output: null });
  good.ws.close();
  expect((await fetch(`${h.url}/`)).status).toBe(200);
}

const badClient = () => connect(host.url, 'bad-client-1', { cookie });

describe('bad clients on /ipc', () => {
  it('an oversized message closes that socket with 1009 and a reason; the host serves others', async () => {
    const bad = await badClient();
    const peer = await connect(host.url, 'bad-client-1', { cookie }); // the same device's other tab
    bad.ws.send('x'.repeat(MAX_IPC_MESSAGE_BYTES + 1));
    const closed = await bad.closed;
    expect(closed.code).toBe(1009);
    expect(closed.reason).toMatch(/limit is 262144 bytes/);
    // Only that socket: the device's other tab is still open and answered.
    expect(await peer.invoke('session.get', {})).toMatchObject({ ok: true });
    peer.ws.close();
    await stillServes();
  });

  it('a frame announcing megabytes is refused by its header and closes that socket only', async () => {
    const bad = await badClient();
    bad.ws.send(Buffer.alloc(8 * 1024 * 1024, 0x61), { binary: false });
    expect((await bad.closed).code).toBe(1009);
    await stillServes();
  });

  it('an invalid UTF-8 text frame closes that socket with 1007; the host serves others', async () => {
    const bad = await badClient();
    bad.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]), { binary: false });
    expect((await bad.closed).code).toBe(1007);
    await stillServes();
  });

  it('binary frames and malformed JSON get a clear error and the socket stays usable', async () => {
    const bad = await badClient();
    bad.ws.send(Buffer.from(JSON.stringify({ id: 1, method: 'session.get', input: {} })), { binary: true });
    bad.ws.send('{"id": 2, "method": ');
    bad.ws.send('[]');
    await expect.poll(() => bad.messages.length, { timeout: 5000 }).toBe(3);
    expect(bad.messages[0]).toMatchObject({
      id: -1,
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/JSON text, not binary/) },
    });
    expect(bad.messages[1]).toMatchObject({ id: -1, ok: false, error: { code: 'bad_request' } });
    expect(await bad.invoke('session.get', {})).toMatchObject({ ok: true, output: null });
    bad.ws.close();
    await stillServes();
  });

  it('the largest legitimate call fits under the limit: 20,000 characters JSON escapes 6 bytes each', async () => {
    const c = await badClient();
    const body = '\u0001'.repeat(20_000);
    const size = JSON.stringify({ id: 1, method: 'tickets.comment', input: { ticketId: 'x', body } }).length;
    expect(size).toBeGreaterThan(120_000);
    expect(size).toBeLessThan(MAX_IPC_MESSAGE_BYTES);
    const r = await c.invoke('tickets.comment', {
      ticketId: '0190a000-0000-7000-8000-00000000000a',
      body,
      internal: false,
    });
    // Read and answered (the agent is not signed in), not cut off.
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    c.ws.close();
  });

  it('a handshake to a target that is not a URL is a 400 and the host stays up', async () => {
    const answer = await rawExchange(
      host.url,
      `GET //[ HTTP/1.1\r\nHost: ${new URL(host.url).host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await stillServes();
  });
});

describe('the host process', () => {
  it('stays up, serving others, after an oversized, a non-UTF-8 and a non-URL request', async () => {
    // As `npm run host` runs it: an uncaught socket error here would end the process and every session on it.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main/host/cli.ts',
        '--port',
        '0',
        '--data',
        join(dir.path, 'cli'),
        '--renderer',
        renderer,
      ],
      { cwd: join(import.meta.dirname, '../../..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let exited: number | string | null = null;
    child.once('exit', (code, signal) => (exited = code ?? signal));
    try {
      const url = await hostReady(child);
      const c = await pageCookie(url);
      const big = await connect(url, 'cli-bad-1', { cookie: c });
      big.ws.send(Buffer.alloc(2 * 1024 * 1024, 0x61), { binary: false });
      expect((await big.closed).code).toBe(1009);
      const utf = await connect(url, 'cli-bad-2', { cookie: c });
      utf.ws.send(Buffer.from([0xff, 0xfe]), { binary: false });
      expect((await utf.closed).code).toBe(1007);
      await rawExchange(
        url,
        `GET //[ HTTP/1.1\r\nHost: ${new URL(url).host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      await stillServes({ url } as Host, c);
      expect(exited).toBeNull();
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});

describe('a device id alone is not a credential', () => {
  it('hands the browser an HttpOnly, SameSite=Strict device key with the page', async () => {
    const res = await fetch(`${host.url}/`);
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Max-Age=\d+/);
  });

  it('refuses /ipc without the cookie, and another browser that knows the device id', async () => {
    await expect(connect(host.url, 'victim-device', { cookie: null })).rejects.toThrow(/403/);
    const victim = await connect(host.url, 'victim-device', { cookie });
    const login = await victim.invoke('auth.login', {
      serverUrl: server.url,
      username: 'agent09',
      password: 'switchboard',
      remember: false,
    });
    expect(login).toMatchObject({ ok: true });
    const attacker = await pageCookie(host.url);
    expect(attacker).not.toBe(cookie);
    await expect(connect(host.url, 'victim-device', { cookie: attacker })).rejects.toThrow(/403/);
    // A made-up key of the right shape is no better.
    const forged = `${cookie.split('=')[0]}=${'A'.repeat(43)}`;
    await expect(connect(host.url, 'victim-device', { cookie: forged })).rejects.toThrow(/403/);
    // The attacker's own device works; the victim's session is untouched.
    const own = await connect(host.url, 'attacker-device', { cookie: attacker });
    expect(await own.invoke('session.get', {})).toMatchObject({ ok: true, output: null });
    expect(await victim.invoke('session.get', {})).toMatchObject({
      ok: true,
      output: { user: { username: 'agent09' } },
    });
    await victim.invoke('auth.logout', {});
    for (const c of [victim, own]) c.ws.close();
  });

  it('a browser that lost its key learns so over plain GET /ipc and starts a new device', async () => {
    const owner = await connect(host.url, 'lost-key-device', { cookie });
    owner.ws.close();
    const fresh = await pageCookie(host.url); // the same browser after its cookies were cleared
    const store = new Map<string, string>([['switchboard.deviceId', 'lost-key-device']]);
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    } as unknown as Storage;
    const ask = (c: string) => (path: string) => fetch(`${host.url}${path}`, { headers: { cookie: c } });
    expect(await checkedDeviceId(ask(cookie), storage)).toBe('lost-key-device');
    const renewed = await checkedDeviceId(ask(fresh), storage);
    expect(renewed).not.toBe('lost-key-device');
    expect(store.get('switchboard.deviceId')).toBe(renewed);
    const c = await connect(host.url, renewed, { cookie: fresh });
    expect(await c.invoke('session.get', {})).toMatchObject({ ok: true, output: null });
    c.ws.close();
    expect((await rawGet(host.url, '/ipc?device=../x', { host: new URL(host.url).host })).status).toBe(400);
  });

  it('refuses a new device it cannot record (503) and stays up', async () => {
    const h = await startHost(hostOpts('unwritable'));
    try {
      mkdirSync(join(dir.path, 'unwritable', 'device-keys.json.tmp')); // the write of the records fails
      const c = await pageCookie(h.url);
      await expect(connect(h.url, 'unrecorded-device', { cookie: c })).rejects.toThrow(/503/);
      expect((await fetch(`${h.url}/`)).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('keeps devices bound to their browser across a host restart, storing only a hash owner-only', async () => {
    const h1 = await startHost(hostOpts('restart'));
    const a = await pageCookie(h1.url);
    const b = await pageCookie(h1.url);
    (await connect(h1.url, 'device-of-a', { cookie: a })).ws.close();
    const port = h1.port;
    await h1.close();
    const h2 = await startHost({ ...hostOpts('restart'), port });
    try {
      const again = await connect(h2.url, 'device-of-a', { cookie: a });
      expect(await again.invoke('session.get', {})).toMatchObject({ ok: true });
      again.ws.close();
      await expect(connect(h2.url, 'device-of-a', { cookie: b })).rejects.toThrow(/403/);
      const file = join(dir.path, 'restart', 'device-keys.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).not.toContain(a.split('=')[1]);
    } finally {
      await h2.close();
    }
  });
});

describe('DNS rebinding', () => {
  it('bound to every interface, pages and websockets answer only to the configured names', async () => {
    const wide = await startHost({ ...hostOpts('wide'), host: '0.0.0.0', hostNames: ['agents.example'] });
    try {
      const port = wide.port;
      const evil = `evil.example:${port}`;
      expect((await rawGet(wide.url, '/', { host: evil })).status).toBe(403);
      expect((await rawGet(wide.url, '/', { host: `127.0.0.1:${port}` })).status).toBe(200);
      expect((await rawGet(wide.url, '/', { host: `agents.example:${port}` })).status).toBe(200);
      expect(await rawExchange(wide.url, 'GET / HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 403/); // no Host
      const c = await pageCookie(wide.url);
      await expect(
        connect(wide.url, 'rebound-device', { cookie: c, host: evil, origin: `http://${evil}` }),
      ).rejects.toThrow(/403/);
      const ok = await connect(wide.url, 'named-device', {
        cookie: c,
        host: `agents.example:${port}`,
        origin: `http://agents.example:${port}`,
      });
      ok.ws.close();
    } finally {
      await wide.close();
    }
  });

  it('bound to loopback, a page request naming another host is refused too', async () => {
    const res = await rawGet(host.url, '/', { host: `evil.example:${host.port}` });
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/SWITCHBOARD_HOST_NAMES/);
    await expect(
      connect(host.url, 'device-eeee', { cookie, origin: `http://evil.example:${host.port}` }),
    ).rejects.toThrow(/403/);
  });
});

describe('sign-in only to the servers the operator allows', () => {
  it('refuses any other address without contacting it, naming the allowed ones', async () => {
    const strict = await startHost(hostOpts('strict')); // the default list: http://127.0.0.1:4000, localhost:4000
    try {
      const c = await connect(strict.url, 'probe-device', { cookie: await pageCookie(strict.url) });
      for (const serverUrl of [server.url, 'http://127.0.0.1:22', 'http://10.0.0.1:8080']) {
        const r = await c.invoke('auth.login', {
          serverUrl,
          username: 'agent09',
          password: 'switchboard',
          remember: false,
        });
        expect(r).toMatchObject({
          ok: false,
          error: {
            code: 'forbidden',
            message: expect.stringContaining('http://127.0.0.1:4000 or http://localhost:4000'),
          },
        });
      }
      c.ws.close();
    } finally {
      await strict.close();
    }
  });

  it('under Electron (no list configured) any server may be named', async () => {
    const previous = process.env['SWITCHBOARD_SERVER_URLS'];
    delete process.env['SWITCHBOARD_SERVER_URLS'];
    const services = createDesktopServices({
      dataDir: join(dir.path, 'electron'),
      deviceId: 'electron',
      vault: new NoVault(),
      emit: () => undefined,
    });
    try {
      const r = await services.invoke('auth.login', {
        serverUrl: server.url,
        username: 'agent09',
        password: 'switchboard',
        remember: false,
      });
      expect(r).toMatchObject({ ok: true, output: { user: { username: 'agent09' } } });
      await services.invoke('auth.logout', {});
    } finally {
      await services.dispose();
      if (previous !== undefined) process.env['SWITCHBOARD_SERVER_URLS'] = previous;
    }
  });
});

describe('owner-only files', () => {
  const mode = (p: string) => statSync(p).mode & 0o777;

  it('data folders are 0700 and the replica with its -wal and -shm 0600 after a sign-in', async () => {
    const c = await connect(host.url, 'modes-device', { cookie });
    expect(
      await c.invoke('auth.login', {
        serverUrl: server.url,
        username: 'agent09',
        password: 'switchboard',
        remember: false,
      }),
    ).toMatchObject({ ok: true });
    const data = join(dir.path, 'data');
    const device = join(data, 'devices', 'modes-device');
    const [replicaDir] = readdirSync(device).filter((f) => statSync(join(device, f)).isDirectory());
    const folder = join(device, replicaDir!);
    for (const d of [data, join(data, 'devices'), device, folder]) expect(mode(d), d).toBe(0o700);
    const files = readdirSync(folder).filter((f) => /\.sqlite(-wal|-shm)?$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(mode(join(folder, f)), f).toBe(0o600);
    await c.invoke('auth.logout', {});
    c.ws.close();
  });

  it('tightens a replica and a vault file that already existed with looser modes', async () => {
    const folder = join(dir.path, 'loose', 'replica');
    mkdirSync(folder, { recursive: true, mode: 0o755 });
    chmodSync(folder, 0o755);
    const db = join(folder, 'user.sqlite');
    openStore(db).close();
    for (const f of [db, `${db}-wal`, `${db}-shm`]) {
      writeFileSync(f, existsSync(f) ? readFileSync(f) : '');
      chmodSync(f, 0o644);
    }
    const store = openStore(db);
    try {
      expect(mode(folder)).toBe(0o700);
      for (const f of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(f)) expect(mode(f), f).toBe(0o600);
    } finally {
      store.close();
    }

    const vaultDir = join(dir.path, 'loose', 'vault');
    mkdirSync(vaultDir, { recursive: true });
    chmodSync(vaultDir, 0o755);
    const file = join(vaultDir, 'credentials.enc.json');
    writeFileSync(file, '{}');
    chmodSync(file, 0o644);
    const vault = new EncryptorVault(aesEncryptor(), vaultDir);
    await vault.get('anyone');
    expect(mode(file)).toBe(0o600);
    await vault.set('device', 'refresh-token');
    expect(mode(file)).toBe(0o600);
    expect(mode(vaultDir)).toBe(0o700);
  });
});

describe('bad %-encoding', () => {
  it('is a 400 for pages, assets and the websocket path, never a 500', async () => {
    for (const path of ['/%E0%A4%A', '/%zz', '/assets/%E0%A4%A.js', '/%00', '//%zz', '/tickets/%ff%fe']) {
      const res = await rawGet(host.url, path, { host: new URL(host.url).host });
      expect(res.status, path).toBe(400);
    }
    const ws = new WebSocket(`${host.url.replace('http', 'ws')}/ipc?device=%zz%E0`, {
      origin: host.url,
      headers: { cookie },
    });
    const status = await new Promise<number>((done) => {
      ws.once('unexpected-response', (_q, res) => done(res.statusCode ?? 0));
      ws.once('open', () => done(101));
      ws.once('error', () => done(-1));
    });
    expect(status).toBe(400);
    await stillServes();
  });
});
