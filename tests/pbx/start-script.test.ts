// scripts/start.mjs (npm start) with the PBX: Kamailio started through scripts/pbx.ts, the agents' accounts
// pushed by the central service, the phone's address in the ready message, and Ctrl+C taking everything down.
// The UI build is skipped (SWITCHBOARD_SKIP_BUILD): it is slow and not what these tests are about.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { VoiceCredentials } from '../../src/shared';
import { freeTcpPort, freeUdpTcpPort } from '../../src/server/pbx';
import { login } from '../server/helpers';
import { invite, register, SipEndpoint } from './sip-client';

// A whole product start (seeding a fresh database, the service, Kamailio with rtpengine, the host) took up to
// 66 s on a shared 2-core machine under load: each test may take that plus its own steps.
vi.setConfig({ testTimeout: 150_000 });

let dir: string;
const started: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-start-'));
});

afterAll(() => {
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function groupMembers(pgid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

interface Started {
  child: ChildProcess;
  /** The ready message and everything before it. */
  stdout: string;
  exited: Promise<number | null>;
  serverUrl: string;
}

/**
 * `node scripts/start.mjs` in a process group of its own (as a terminal runs it), on free ports, with the
 * database shared by the tests of this file (seeded by the first).
 */
async function npmStart(extraEnv: Record<string, string>): Promise<Started> {
  const port = await freeTcpPort();
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    env: {
      ...process.env,
      SWITCHBOARD_SKIP_BUILD: '1',
      SWITCHBOARD_BROWSER_MODE: '1',
      SWITCHBOARD_PORT: String(port),
      SWITCHBOARD_HOST_PORT: String(await freeTcpPort()),
      SWITCHBOARD_DB: join(dir, 'server.sqlite'),
      SWITCHBOARD_DATA: join(dir, 'desktop'),
      SWITCHBOARD_PBX_RUN_DIR: join(dir, 'pbx'),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready in 120 s; stdout: ${stdout}; stderr: ${stderr}`)),
      120_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Ctrl+C stops everything')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ready; stdout: ${stdout}; stderr: ${stderr}`));
    });
  });
  return { child, stdout, exited, serverUrl: `http://127.0.0.1:${port}` };
}

async function credentials(serverUrl: string, username: string): Promise<VoiceCredentials> {
  const { accessToken } = await login(serverUrl, username);
  const res = await fetch(`${serverUrl}/api/voice/credentials`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(res.status).toBe(200);
  return VoiceCredentials.parse(await res.json());
}

it('starts Kamailio with the product: ws address in the ready message, issued accounts register, Ctrl+C stops it', async () => {
  const sipPort = await freeUdpTcpPort();
  const wsPort = await freeTcpPort();
  const rpcPort = await freeTcpPort();
  const run = await npmStart({
    SWITCHBOARD_PBX_SIP_PORT: String(sipPort),
    SWITCHBOARD_PBX_WS_PORT: String(wsPort),
    SWITCHBOARD_PBX_RPC_PORT: String(rpcPort),
  });
  const wsUrl = `ws://127.0.0.1:${wsPort}`;
  // rtpengine is started beside Kamailio for the media (WebRTC <-> plain RTP, waiting callers).
  expect(run.stdout).toContain(
    `Phone: softphones register at ${wsUrl} (Kamailio, sip:127.0.0.1:${sipPort}; media: rtpengine udp:127.0.0.1:`,
  );
  expect(run.stdout).not.toContain('Phone off');
  const kamailioPid = Number(readFileSync(join(dir, 'pbx', 'kamailio.pid'), 'utf8').trim());
  expect(alive(kamailioPid)).toBe(true);
  const rtpenginePid = Number(readFileSync(join(dir, 'pbx', 'rtpengine.pid'), 'utf8').trim());
  expect(alive(rtpenginePid)).toBe(true);

  const creds = await credentials(run.serverUrl, 'agent01');
  expect(creds).toMatchObject({ extension: '1001', wsUrl, domain: '127.0.0.1' });
  const account = (password: string) => ({
    user: creds.extension,
    password,
    domain: '127.0.0.1',
    server: `127.0.0.1:${sipPort}`,
  });
  const phone = await SipEndpoint.ws(wsUrl);
  try {
    expect((await register(phone, account(creds.password))).status).toBe(200);
    // No demo passwords in this PBX: only what the service issued.
    expect((await register(phone, account('switchboard'))).status).toBe(403);
    // Queue routing reaches the service (not 503): nobody is Available right after a start.
    const call = await invite(phone, account(creds.password), '8001');
    const final = await call.final;
    expect([final.status, final.reason]).toEqual([480, 'No Agent Available']);
  } finally {
    await phone.close();
  }

  // Ctrl+C in a terminal signals the whole foreground process group.
  process.kill(-(run.child.pid as number), 'SIGINT');
  expect(await run.exited).toBe(0);
  expect(alive(kamailioPid)).toBe(false);
  expect(alive(rtpenginePid)).toBe(false);
  // Kamailio's worker processes end a moment after its main process; none may be left behind.
  await expect.poll(() => groupMembers(kamailioPid), { timeout: 10_000 }).toEqual([]);
  await expect.poll(() => groupMembers(run.child.pid as number), { timeout: 10_000 }).toEqual([]);
  await expect(fetch(run.serverUrl)).rejects.toThrow();
});

it('runs everything else without Kamailio and says in one line which packages give the phone', async () => {
  const run = await npmStart({ SWITCHBOARD_KAMAILIO_BIN: join(dir, 'no-such-kamailio') });
  const off = run.stdout.split('\n').filter((l) => /phone/i.test(l));
  expect(off).toEqual([
    'Phone off: Kamailio is not installed: apt-get install kamailio kamailio-websocket-modules kamailio-utils-modules',
  ]);
  const creds = await credentials(run.serverUrl, 'agent02');
  expect(creds).toMatchObject({ extension: '1002', wsUrl: null, domain: null });

  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
  await expect.poll(() => groupMembers(run.child.pid as number), { timeout: 10_000 }).toEqual([]);
});

// `npm ci` never downloads the Electron runtime (package.json's allowScripts denies its install script);
// npm start uses it where it can be had and otherwise says in one line why it runs in browser mode.
const electronRuntimePresent = existsSync('node_modules/electron/dist');

it('falls back to browser mode in one line where there is no display', async () => {
  const env: Record<string, string> = { SWITCHBOARD_BROWSER_MODE: '', DISPLAY: '', WAYLAND_DISPLAY: '' };
  const run = await npmStart({ ...env, SWITCHBOARD_KAMAILIO_BIN: join(dir, 'no-such-kamailio') });
  const lines = run.stdout.split('\n').filter((l) => /browser mode/i.test(l) && !/on http/.test(l));
  expect(lines).toEqual(['(Browser mode: no display here. Ctrl+C stops everything.)']);
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
});

// Where the runtime was downloaded before (a developer's machine with internet), npm start would open it.
it.skipIf(electronRuntimePresent)(
  'tries to fetch the Electron runtime where there is a display, and runs in browser mode when it cannot',
  async () => {
    const run = await npmStart({
      SWITCHBOARD_BROWSER_MODE: '',
      DISPLAY: ':99',
      // No download can succeed: nothing listens there (and this machine has no internet either).
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
      SWITCHBOARD_KAMAILIO_BIN: join(dir, 'no-such-kamailio'),
    });
    expect(run.stdout).toContain('Downloading the Electron runtime (once) ...');
    const lines = run.stdout.split('\n').filter((l) => /browser mode/i.test(l) && !/on http/.test(l));
    expect(lines).toEqual([
      '(Browser mode: the Electron runtime could not be downloaded (no internet?). Ctrl+C stops everything.)',
    ]);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  },
);
