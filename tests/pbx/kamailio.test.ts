// Real Kamailio (Debian package) on free loopback ports, a temporary runtime folder, and a small SIP client
// doing real digest authentication over UDP and WebSocket.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAMAILIO_MISSING, startKamailio, type RunningKamailio } from '../../src/server/pbx';
import {
  answer,
  invite,
  message,
  register,
  reply,
  sendInDialog,
  SipEndpoint,
  type Account,
} from './sip-client';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose process group is pgid (Kamailio's main process and its workers). */
function groupMembers(pgid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

let runDir: string;
let pbx: RunningKamailio;
let routing: Server;
const routingRequests: URL[] = [];
const endpoints: SipEndpoint[] = [];
const logLines: string[] = [];

async function endpoint(kind: 'UDP' | 'WS'): Promise<SipEndpoint> {
  const ep = kind === 'UDP' ? await SipEndpoint.udp(pbx.sipPort) : await SipEndpoint.ws(pbx.wsUrl);
  endpoints.push(ep);
  return ep;
}

function account(user: string, password: string): Account {
  return { user, password, domain: pbx.domain, server: `127.0.0.1:${pbx.sipPort}` };
}

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'sb-pbx-'));
  // Stand-in for the central service's routing endpoint (issue 3, point 4).
  routing = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    routingRequests.push(url);
    const queue = url.searchParams.get('queue');
    // The first answer alone, without the ring timeout line: Kamailio falls back to its own.
    if (queue === '8001' && url.searchParams.get('retry') !== '1')
      res.writeHead(200, { 'content-type': 'text/plain' }).end('1002\n');
    else if (queue === '8001') res.writeHead(404).end();
    else if (queue === '8002') res.writeHead(404).end();
    else res.writeHead(500).end('boom');
  });
  await new Promise<void>((r) => routing.listen(0, '127.0.0.1', () => r()));
  const address = routing.address();
  const routingPort = typeof address === 'object' && address ? address.port : 0;

  pbx = await startKamailio({
    runDir,
    routingUrl: `http://127.0.0.1:${routingPort}/pbx/route`,
    sharedMemoryMb: 64,
    children: 2,
    log: (l) => logLines.push(l),
  });
  await pbx.setSipUser('1001', 'secret-1001');
  await pbx.setSipUser('1002', 'secret-1002');
  await pbx.setSipUser('1003', 'secret-1003');
});

afterAll(async () => {
  await Promise.all(endpoints.map((e) => e.close()));
  const pid = pbx?.pid;
  await pbx?.stop();
  await new Promise<void>((r) => (routing ? routing.close(() => r()) : r()));
  rmSync(runDir, { recursive: true, force: true });
  if (pid !== undefined) {
    expect(alive(pid)).toBe(false);
    expect(groupMembers(pid)).toEqual([]);
  }
});

describe('Kamailio as the PBX', () => {
  it('renders its configuration into the runtime folder and answers JSON-RPC', async () => {
    const cfg = readFileSync(join(runDir, 'kamailio.cfg'), 'utf8');
    expect(cfg).toContain(`listen=udp:127.0.0.1:${pbx.sipPort}`);
    expect(cfg).not.toMatch(/\{\{/);
    expect(Number(readFileSync(join(runDir, 'kamailio.pid'), 'utf8').trim())).toBe(pbx.pid);
    expect(await pbx.rpc('core.version')).toMatch(/^kamailio 5\./);
    // The control endpoint is only on its own port, not on the WebSocket port the softphones use.
    const viaWsPort = await fetch(`http://127.0.0.1:${pbx.wsPort}/RPC`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'core.version', id: 1 }),
    });
    expect(viaWsPort.status).toBe(404);
  });

  it('registers a user with the right digest password over UDP', async () => {
    const ep = await endpoint('UDP');
    const res = await register(ep, account('1001', 'secret-1001'));
    expect(res.status).toBe(200);
    expect(res.header('contact')).toContain(`sip:1001@${ep.viaHost}`);
    // The first attempt was challenged, not accepted blindly.
    expect(ep.received.map((m) => m.status)).toEqual([401, 200]);
  });

  it('refuses a wrong password and an unknown user', async () => {
    const ep = await endpoint('UDP');
    expect((await register(ep, account('1001', 'wrong'))).status).toBe(403);
    expect((await register(ep, account('4242', 'secret-1001'))).status).toBe(403);
    // Nothing got registered for the refused attempts.
    const contacts = JSON.stringify(await pbx.rpc('ul.dump'));
    expect(contacts).not.toContain('4242');
  });

  it('takes SIP users added and removed at run time', async () => {
    const ep = await endpoint('UDP');
    expect((await register(ep, account('2001', 'fresh'))).status).toBe(403);
    await pbx.setSipUser('2001', 'fresh');
    expect((await register(ep, account('2001', 'fresh'))).status).toBe(200);
    await pbx.setSipUser('2001', 'changed');
    expect((await register(ep, account('2001', 'fresh'))).status).toBe(403);
    expect((await register(ep, account('2001', 'changed'))).status).toBe(200);
    await pbx.removeSipUser('2001');
    expect((await register(ep, account('2001', 'changed'))).status).toBe(403);
    expect(JSON.stringify(await pbx.rpc('ul.dump'))).not.toContain('2001');
  });

  it('registers over SIP WebSocket with digest authentication', async () => {
    const ep = await endpoint('WS');
    const res = await register(ep, account('1002', 'secret-1002'));
    expect(res.status).toBe(200);
    expect(ep.received.map((m) => m.status)).toEqual([401, 200]);
    expect((await register(await endpoint('WS'), account('1002', 'nope'))).status).toBe(403);
  });

  it('delivers a call from a UDP user to a WebSocket user and relays the answer', async () => {
    const b = await endpoint('WS');
    expect((await register(b, account('1003', 'secret-1003'))).status).toBe(200);
    const a = await endpoint('UDP');
    const call = await invite(a, account('1001', 'secret-1001'), '1003');
    const incoming = await b.next((m) => m.method === 'INVITE');
    expect(incoming.requestUri).toContain(`sip:1003@${b.viaHost}`);
    expect(incoming.header('from')).toContain('sip:1001@');
    expect(incoming.header('call-id')).toBe(call.callId);
    expect(incoming.headerAll('record-route').length).toBeGreaterThan(0);
    reply(b, incoming, 486, 'Busy Here');
    expect((await call.final).status).toBe(486);
  });

  it('carries a whole call: answer, ACK and BYE follow the recorded route to the WebSocket phone', async () => {
    const b = await endpoint('WS');
    expect((await register(b, account('1003', 'secret-1003'))).status).toBe(200);
    const a = await endpoint('UDP');
    const call = await invite(a, account('1001', 'secret-1001'), '1003');
    const incoming = await b.next((m) => m.method === 'INVITE');
    answer(b, incoming, '1003');
    const ok = await call.final;
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('m=audio');
    sendInDialog(a, ok, 'ACK', call.cseq);
    const ack = await b.next((m) => m.method === 'ACK');
    expect(ack.header('call-id')).toBe(call.callId);
    sendInDialog(a, ok, 'BYE', call.cseq + 1);
    const bye = await b.next((m) => m.method === 'BYE');
    expect(bye.requestUri).toContain(`sip:1003@${b.viaHost}`);
    reply(b, bye, 200, 'OK');
    expect((await a.finalResponse(call.callId, call.cseq + 1)).status).toBe(200);
  });

  it('answers 480 for a known user who is not registered and 404 for an unknown one', async () => {
    const a = await endpoint('UDP');
    await pbx.setSipUser('1009', 'offline');
    expect((await (await invite(a, account('1001', 'secret-1001'), '1009')).final).status).toBe(480);
    expect((await (await invite(a, account('1001', 'secret-1001'), '7777')).final).status).toBe(404);
  });

  it('refuses a call with a wrong password', async () => {
    const a = await endpoint('UDP');
    const call = await invite(a, account('1001', 'wrong'), '1003');
    expect((await call.final).status).toBe(403);
  });

  it('sends calls to the newest registration of a user only', async () => {
    const older = await endpoint('WS');
    expect((await register(older, account('1003', 'secret-1003'))).status).toBe(200);
    const newer = await endpoint('WS');
    expect((await register(newer, account('1003', 'secret-1003'))).status).toBe(200);
    const call = await invite(await endpoint('UDP'), account('1001', 'secret-1001'), '1003');
    const incoming = await newer.next((m) => m.method === 'INVITE');
    reply(newer, incoming, 603, 'Decline');
    expect((await call.final).status).toBe(603);
    expect(older.received.some((m) => m.method === 'INVITE')).toBe(false);
  });

  it('routes a queue number to the agent the routing service names', async () => {
    const agent = await endpoint('WS');
    expect((await register(agent, account('1002', 'secret-1002'))).status).toBe(200);
    const caller = await endpoint('UDP');
    const call = await invite(caller, account('1001', 'secret-1001'), '8001');
    const incoming = await agent.next((m) => m.method === 'INVITE');
    expect(incoming.header('x-switchboard-queue')).toBe('8001');
    expect(incoming.header('call-id')).toBe(call.callId);
    reply(agent, incoming, 486, 'Busy Here');
    // The agent refused: Kamailio asks for the next one (retry=1); the stand-in has nobody else.
    const final = await call.final;
    expect([final.status, final.reason]).toEqual([480, 'No Agent Available']);
    const asked = routingRequests.filter((u) => u.searchParams.get('callid') === call.callId);
    expect(asked.map((u) => u.searchParams.get('retry'))).toEqual([null, '1']);
    expect(asked[0]?.pathname).toBe('/pbx/route');
    expect(asked[0]?.searchParams.get('queue')).toBe('8001');
    expect(asked[0]?.searchParams.get('caller')).toBe('1001');
  });

  it('answers other requests to a queue number 405 without asking the routing service', async () => {
    const before = routingRequests.length;
    const res = await message(await endpoint('UDP'), account('1001', 'secret-1001'), '8001', 'hello');
    expect(res.status).toBe(405);
    expect(res.header('allow')).toBe('INVITE');
    expect(routingRequests.length).toBe(before);
  });

  it('answers 480 when no agent is available and 503 when routing fails', async () => {
    const caller = await endpoint('UDP');
    expect((await (await invite(caller, account('1001', 'secret-1001'), '8002')).final).status).toBe(480);
    expect((await (await invite(caller, account('1001', 'secret-1001'), '8003')).final).status).toBe(503);
  });
});

describe('starting Kamailio', () => {
  it('says how to install Kamailio when the binary is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-pbx-missing-'));
    try {
      await expect(startKamailio({ runDir: dir, kamailioBin: '/nonexistent/kamailio' })).rejects.toThrow(
        KAMAILIO_MISSING,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves wss with a configured certificate, without routing, and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-pbx-wss-'));
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    const second = await startKamailio({
      runDir: join(dir, 'run'),
      wss: { certFile, keyFile },
      sharedMemoryMb: 64,
      children: 1,
    });
    const ws: SipEndpoint[] = [];
    try {
      await second.setSipUser('1001', 'tls-pass');
      expect(second.wssUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      const ep = await SipEndpoint.ws(second.wssUrl as string, { rejectUnauthorized: false });
      ws.push(ep);
      const acc = {
        user: '1001',
        password: 'tls-pass',
        domain: second.domain,
        server: `127.0.0.1:${second.sipPort}`,
      };
      expect((await register(ep, acc)).status).toBe(200);
      // Without a routing service configured, a queue number gets a clear 503.
      const caller = await SipEndpoint.udp(second.sipPort);
      ws.push(caller);
      expect((await (await invite(caller, acc, '8001')).final).status).toBe(503);
    } finally {
      await Promise.all(ws.map((e) => e.close()));
      await second.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(alive(second.pid)).toBe(false);
    expect(groupMembers(second.pid)).toEqual([]);
  });
});
