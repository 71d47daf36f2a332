import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

const root = join(import.meta.dirname, '../..');

export interface Proc {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a project process and resolves with the http address from its "ready" line. With `keyring` (a
 * folder) it runs in its own D-Bus session with an unlocked GNOME keyring kept in that folder, as on an
 * agent's desktop, so "remember me" works and survives a restart of the process.
 */
export function startProcess(
  script: string,
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
  keyring?: string,
): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const tsx = join(root, 'node_modules/.bin/tsx');
    let command = tsx;
    let argv = [script, ...args];
    let extraEnv = env;
    if (keyring) {
      const runtime = join(keyring, 'run');
      mkdirSync(runtime, { recursive: true, mode: 0o700 });
      const quoted = [tsx, script, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
      command = 'dbus-run-session';
      argv = [
        '--',
        'bash',
        '-c',
        `echo -n switchboard | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec ${quoted}`,
      ];
      extraEnv = { ...env, HOME: keyring, XDG_RUNTIME_DIR: runtime };
    }
    const child = spawn(command, argv, {
      cwd: root,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping it also stops the D-Bus session and keyring it started.
      detached: keyring !== undefined,
    });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += String(chunk);
      const m = ready.exec(out);
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(m ? out.slice(m.index) : '');
      if (m && url) {
        child.stdout?.off('data', onData);
        resolve({
          url: url[1]!,
          child,
          stop: () =>
            new Promise<void>((done) => {
              const exited = () => child.exitCode !== null || child.signalCode !== null;
              if (exited()) return done();
              const signal = (s: NodeJS.Signals) => {
                if (!keyring || !child.pid) return void child.kill(s);
                try {
                  process.kill(-child.pid, s);
                } catch {
                  // The group is already gone.
                }
              };
              child.once('exit', () => done());
              signal('SIGTERM');
              setTimeout(() => !exited() && signal('SIGKILL'), 5000).unref();
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      out += String(c);
    });
    child.once('exit', (code) =>
      reject(new Error(`${script} exited (${code}) before it was ready:\n${out}`)),
    );
  });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The central service over `<dir>/server.sqlite` (demo data on first start). Started again with the same
 * dir and `port`, it is the same server back after an outage: same database, same address, same signing
 * secret (kept beside the database).
 */
export async function startServer(dir: string, opts: { port?: number } = {}): Promise<Proc> {
  return startProcess(
    'src/server/cli.ts',
    ['--port', String(opts.port ?? 0), '--db', join(dir, 'server.sqlite'), '--seed', 'demo'],
    /listening on/,
  );
}

/**
 * The browser-mode host with its data in `<dir>/desktop`. `port` brings a restarted host back where the
 * open pages look for it; `keyring` gives it an OS keychain (see startProcess) so sessions are remembered;
 * `serverUrls` are the central services its pages may sign in to (SWITCHBOARD_SERVER_URLS).
 */
export async function startHost(
  dir: string,
  opts: { port?: number; keyring?: boolean; serverUrls?: string[] } = {},
): Promise<Proc> {
  const rendererDir = join(root, 'out/renderer');
  if (!existsSync(join(rendererDir, 'index.html')))
    throw new Error('out/renderer is missing: run `npm run build` first');
  return startProcess(
    'src/main/host/cli.ts',
    ['--port', String(opts.port ?? 0), '--data', join(dir, 'desktop'), '--renderer', rendererDir],
    /browser mode\) on/,
    opts.serverUrls ? { SWITCHBOARD_SERVER_URLS: opts.serverUrls.join(',') } : {},
    opts.keyring ? join(dir, 'keyring-home') : undefined,
  );
}

export const portOf = (url: string) => Number(new URL(url).port);

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** A demo server, a browser-mode host signed to it, and Chromium: what most end-to-end files start with. */
export interface E2eWorld {
  dir: ReturnType<typeof tempDir>;
  server: Proc;
  host: Proc;
  browser: Browser;
}

/**
 * Starts an E2eWorld before the file's tests and stops it after them. `setup` runs once it is up (an admin's
 * configuration before anyone signs in, say). Its fields are set when the tests run, not when this returns.
 */
export function e2eWorld(prefix: string, setup?: (world: E2eWorld) => Promise<void>): E2eWorld {
  const world = {} as E2eWorld;
  beforeAll(async () => {
    world.dir = tempDir(prefix);
    world.server = await startServer(world.dir.path);
    world.host = await startHost(world.dir.path, { serverUrls: [world.server.url] });
    world.browser = await launchChromium();
    await setup?.(world);
  });
  afterAll(async () => {
    await world.browser?.close();
    await world.host?.stop();
    await world.server?.stop();
    world.dir?.remove();
  });
  return world;
}

/** Logs in over the REST API, as an integration would, to check what the server holds. */
export async function apiLogin(serverUrl: string, username: string, password = 'switchboard') {
  const res = await fetch(`${serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { accessToken: string; user: { id: string; departmentId: string | null } };
}

/**
 * Signs `username` in on the browser-mode desktop at hostUrl against the service at serverUrl, as an agent
 * does on the sign-in screen; resolves once the workbench is up. `beforeSubmit` checks the filled form.
 */
export async function signIn(
  page: Page,
  at: { hostUrl: string; serverUrl: string },
  username: string,
  beforeSubmit?: (page: Page) => Promise<void>,
): Promise<void> {
  await page.goto(at.hostUrl);
  await page.getByTestId('login-server').fill(at.serverUrl);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill('switchboard');
  await beforeSubmit?.(page);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('workbench').waitFor();
}

/** The desktop's status says online: its first sync (or catch-up) is done. */
export async function untilOnline(page: Page): Promise<void> {
  await expect
    .poll(() => page.getByTestId('sync-status').getAttribute('data-state'), { timeout: 90_000 })
    .toBe('online');
}

/**
 * Online, and the ticket list shows rows and has stopped changing: it refreshes a moment after the last page
 * of the first sync lands.
 */
export async function untilTicketsSettled(page: Page): Promise<void> {
  await untilOnline(page);
  await page.getByTestId('ticket-row').first().waitFor();
  let last = '';
  await expect
    .poll(
      async () => {
        const seen = last;
        last = (await page.getByTestId('ticket-count').getAttribute('data-total')) ?? '';
        return last !== '' && last === seen;
      },
      { interval: 1000, timeout: 30_000 },
    )
    .toBe(true);
}

/** Ticket rows still being worked on (neither solved nor closed). */
export const UNSOLVED_ROW =
  '[data-testid="ticket-row"]:not([data-status="closed"]):not([data-status="solved"])';

/**
 * With SWITCHBOARD_SCREENS=<folder>: `<name>-en.png` and `<name>-zh.png` of the page as it is, then back to
 * English. The language switch sits under an open dialog's backdrop: clicked in the page, as a keyboard user's
 * shortcut would.
 */
export async function shootBothLanguages(page: Page, name: string): Promise<void> {
  const screens = process.env['SWITCHBOARD_SCREENS'];
  if (!screens) return;
  const switchLanguage = () => page.getByTestId('lang-switch').evaluate((b) => (b as HTMLElement).click());
  for (const lang of ['en', 'zh']) {
    if (lang === 'zh') await switchLanguage();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screens, `${name}-${lang}.png`) });
  }
  await switchLanguage();
}
