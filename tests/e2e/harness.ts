import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const root = join(import.meta.dirname, '../..');

export interface Proc {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a project process and resolves with the http address from its "ready" line. */
export function startProcess(
  script: string,
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), [script, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
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
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
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

export async function startServer(dir: string): Promise<Proc> {
  return startProcess(
    'src/server/cli.ts',
    ['--port', '0', '--db', join(dir, 'server.sqlite'), '--seed', 'demo'],
    /listening on/,
  );
}

export async function startHost(dir: string): Promise<Proc> {
  const rendererDir = join(root, 'out/renderer');
  if (!existsSync(join(rendererDir, 'index.html')))
    throw new Error('out/renderer is missing: run `npm run build` first');
  return startProcess(
    'src/main/host/cli.ts',
    ['--port', '0', '--data', join(dir, 'desktop'), '--renderer', rendererDir],
    /browser mode\) on/,
  );
}

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
