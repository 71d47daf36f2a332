// scripts/pbx.ts (npm run pbx) as a user runs it: a child process that prints one ready line, serves the demo
// agents' SIP users, and takes Kamailio down with it on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freeTcpPort, freeUdpTcpPort, ngCommand } from '../../src/server/pbx';
import { invite, register, SipEndpoint } from './sip-client';

let runDir: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  runDir = mkdtempSync(join(tmpdir(), 'sb-pbx-script-'));
});

afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(runDir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('npm run pbx: ready line, demo agents register with the demo password, SIGTERM stops Kamailio', async () => {
  const sipPort = await freeUdpTcpPort();
  const wsPort = await freeTcpPort();
  const rpcPort = await freeTcpPort();
  child = spawn(join('node_modules', '.bin', 'tsx'), ['scripts/pbx.ts'], {
    env: {
      ...process.env,
      SWITCHBOARD_SIP_DEMO_PASSWORD: 'demo-pass',
      SWITCHBOARD_PBX_SIP_PORT: String(sipPort),
      SWITCHBOARD_PBX_WS_PORT: String(wsPort),
      SWITCHBOARD_PBX_RPC_PORT: String(rpcPort),
      SWITCHBOARD_PBX_RUN_DIR: runDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = child;
  let stdout = '';
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 45 s; stderr: ${stderr}`)), 45_000);
    proc.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('Switchboard PBX'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    proc.once('exit', () => reject(new Error(`exited before ready; stderr: ${stderr}`)));
  });
  expect(ready).toMatch(
    new RegExp(
      `^Switchboard PBX \\(Kamailio\\) ready: ws://127\\.0\\.0\\.1:${wsPort} sip:127\\.0\\.0\\.1:${sipPort} \\(media: rtpengine udp:127\\.0\\.0\\.1:\\d+\\)$`,
    ),
  );
  const kamailioPid = Number(readFileSync(join(runDir, 'kamailio.pid'), 'utf8').trim());
  expect(alive(kamailioPid)).toBe(true);
  // rtpengine beside it, answering its control protocol.
  const rtpenginePid = Number(readFileSync(join(runDir, 'rtpengine.pid'), 'utf8').trim());
  expect(alive(rtpenginePid)).toBe(true);
  const ngPort = Number(/udp:127\.0\.0\.1:(\d+)/.exec(ready)?.[1]);
  expect((await ngCommand(ngPort, { command: 'ping' })).result).toBe('pong');

  const account = (user: string, password: string) => ({
    user,
    password,
    domain: '127.0.0.1',
    server: `127.0.0.1:${sipPort}`,
  });
  const udp = await SipEndpoint.udp(sipPort);
  const ws = await SipEndpoint.ws(`ws://127.0.0.1:${wsPort}`);
  try {
    expect((await register(udp, account('1001', 'demo-pass'))).status).toBe(200);
    expect((await register(ws, account('1012', 'demo-pass'))).status).toBe(200);
    expect((await register(udp, account('1012', 'switchboard'))).status).toBe(403);
    expect((await register(udp, account('1013', 'demo-pass'))).status).toBe(403);
  } finally {
    await udp.close();
    await ws.close();
  }

  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(alive(kamailioPid)).toBe(false);
  expect(alive(rtpenginePid)).toBe(false);
}, 90_000);

/** A child's stdout until `ready` matches; rejects when it exits first or takes longer than 45 s. */
function readyLine(proc: ChildProcess, ready: RegExp): Promise<RegExpExecArray> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 45 s: ${out}`)), 45_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`exited (${code}) before ready: ${out}`)));
  });
}

it('npm run server and npm run pbx on one database pair up through the secret kept beside it, with nothing to copy', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-pbx-pair-'));
  const db = join(dir, 'server.sqlite');
  const [port, sipPort, wsPort, rpcPort] = [
    await freeTcpPort(),
    await freeUdpTcpPort(),
    await freeTcpPort(),
    await freeTcpPort(),
  ];
  const env = { ...process.env, SWITCHBOARD_PBX_SECRET: '', SWITCHBOARD_DB: db };
  const procs: ChildProcess[] = [];
  try {
    const server = spawn(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'src/server/cli.ts', '--port', String(port)],
      {
        env: { ...env, SWITCHBOARD_SEED: 'none' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    procs.push(server);
    await readyLine(server, /listening on/);
    const pbx = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/pbx.ts'], {
      env: {
        ...env,
        SWITCHBOARD_SIP_DEMO_PASSWORD: 'demo-pass',
        SWITCHBOARD_PBX_SERVICE_URL: `http://127.0.0.1:${port}`,
        SWITCHBOARD_PBX_SIP_PORT: String(sipPort),
        SWITCHBOARD_PBX_WS_PORT: String(wsPort),
        SWITCHBOARD_PBX_RPC_PORT: String(rpcPort),
        SWITCHBOARD_PBX_RUN_DIR: join(dir, 'pbx'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.push(pbx);
    await readyLine(pbx, /ready: ws:/);
    const phone = await SipEndpoint.udp(sipPort);
    try {
      const account = {
        user: '1001',
        password: 'demo-pass',
        domain: '127.0.0.1',
        server: `127.0.0.1:${sipPort}`,
      };
      expect((await register(phone, account)).status).toBe(200);
      // The service answered the routing request (an empty database has no queue 8001): not refused for
      // a missing secret, which Kamailio would turn into a server error.
      const call = await invite(phone, account, '8001');
      const final = await call.final;
      expect([final.status, final.reason]).toEqual([480, 'No Agent Available']);
    } finally {
      await phone.close();
    }
  } finally {
    for (const p of procs) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGTERM');
        await once(p, 'exit');
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
