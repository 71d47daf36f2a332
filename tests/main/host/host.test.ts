import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type Host } from '../../../src/main/host/server';
import { startServer } from '../../../src/server/app';
import { NoVault } from '../../../src/main/vault';
import { tempDir } from '../fixtures';
import { connect as hostConnect, pageCookie } from './client';

let dir: ReturnType<typeof tempDir>;
let host: Host;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  dir = tempDir('sb-host-');
  const renderer = join(dir.path, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(
    join(renderer, 'index.html'),
    '<!doctype html><title>Switchboard</title><div id="root"></div>',
  );
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log("hi")');
  writeFileSync(join(dir.path, 'secret.txt'), 'outside the renderer');
  server = await startServer({
    port: 0,
    dbPath: join(dir.path, 'server.sqlite'),
    seed: 'demo',
    log: () => undefined,
  });
  host = await startHost({
    port: 0,
    dataDir: join(dir.path, 'data'),
    rendererDir: renderer,
    vault: new NoVault(),
    graceMs: 200,
    serverUrls: [server.url],
  });
  cookie = await pageCookie(host.url);
}, 60_000);

afterAll(async () => {
  await host?.close();
  await server?.close();
  dir?.remove();
});

let cookie: string;
const connect = (device: string, origin: string | undefined = host.url) =>
  hostConnect(host.url, device, { origin: origin ?? null, cookie });

describe('browser-mode host', () => {
  it('serves the renderer with the security headers and falls back to index.html for app routes', async () => {
    for (const path of ['/', '/tickets/123']) {
      const res = await fetch(`${host.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await res.text()).toContain('<div id="root">');
    }
    const js = await fetch(`${host.url}/assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${host.url}/assets/missing.js`)).status).toBe(404);
    const escape = await fetch(`${host.url}/%2e%2e/secret.txt`);
    expect(await escape.text()).not.toContain('outside the renderer');
  });

  it('answers invokes over the websocket with results and validation errors', async () => {
    const c = await connect('device-aaaa');
    expect(await c.invoke('session.get', {})).toEqual({ id: expect.any(Number), ok: true, output: null });
    expect(await c.invoke('tickets.search', {})).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    expect(await c.invoke('tickets.get', { id: 42 })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(await c.invoke('no.such.method', {})).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    c.ws.close();
  });

  it('refuses websockets from other origins and malformed device ids', async () => {
    await expect(connect('device-bbbb', 'http://evil.example')).rejects.toThrow(/403/);
    await expect(connect('device-bbbb', `http://evil.example:${host.port}`)).rejects.toThrow(/403/);
    await expect(connect('../../etc')).rejects.toThrow(/400/);
  });

  it('shares one desktop between the tabs of a device and keeps devices apart', async () => {
    const tab1 = await connect('device-cccc');
    const tab2 = await connect('device-cccc');
    const other = await connect('device-dddd');
    const login = await tab1.invoke('auth.login', {
      serverUrl: server.url,
      username: 'agent09',
      password: 'switchboard',
      remember: true,
    });
    expect(login).toMatchObject({ ok: true, output: { user: { username: 'agent09' }, remembered: false } });
    expect(await tab2.invoke('session.get', {})).toMatchObject({
      ok: true,
      output: { user: { username: 'agent09' } },
    });
    expect(await other.invoke('session.get', {})).toMatchObject({ ok: true, output: null });
    // Events reach every tab of the device, and only that device.
    await expect
      .poll(() => tab2.messages.some((m) => m['event'] === 'sync.status'), { timeout: 10_000 })
      .toBe(true);
    // The agent's state, fetched when the sync socket connects, reaches the tabs as an event too.
    await expect
      .poll(
        () =>
          tab2.messages.find((m) => m['event'] === 'agent.status')?.['payload'] as
            { state: string } | undefined,
        { timeout: 10_000 },
      )
      .toMatchObject({ state: 'Offline' });
    expect(other.messages.some((m) => 'event' in m)).toBe(false);
    await tab1.invoke('auth.logout', {});
    for (const c of [tab1, tab2, other]) c.ws.close();
  });
});
