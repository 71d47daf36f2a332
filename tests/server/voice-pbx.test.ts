// The central service with a real Kamailio: credentials issued by the service and pushed into the PBX, and a
// whole queue call (UDP caller -> Kamailio -> the real routing endpoint -> the chosen agent's phone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Interaction, VoiceCredentials } from '../../src/shared';
import { freeTcpPort, startKamailio, type RunningKamailio } from '../../src/server/pbx';
import { answer, invite, register, reply, sendInDialog, SipEndpoint, type Account } from '../pbx/sip-client';
import { rpcPbxController } from '../../src/server/voice/credentials';
import { pullAll, startTestServer, type TestServer } from './helpers';
import { callEvent, historyOf, mustSetState, signIn, statusOf, type AgentSession } from './voice-helpers';

let runDir: string;
let pbx: RunningKamailio;
let server: TestServer;
const endpoints: SipEndpoint[] = [];
const sessions: AgentSession[] = [];
const CUSTOMER = { user: '13800138000', password: 'gateway-secret-1' };

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'sb-voice-pbx-'));
  // Kamailio needs the routing address at start and the service needs the PBX at start: fix the port first.
  const port = await freeTcpPort();
  pbx = await startKamailio({
    runDir,
    routingUrl: `http://127.0.0.1:${port}/api/voice/route`,
    sharedMemoryMb: 64,
    children: 2,
  });
  // The customer's side: a gateway account that may place calls.
  await pbx.setSipUser(CUSTOMER.user, CUSTOMER.password);
  server = await startTestServer({ tickets: 200, customers: 100, port, pbx, voice: { offlineGraceMs: 500 } });
});

afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
  for (const s of sessions.splice(0)) s.socket.close();
  await new Promise((r) => setTimeout(r, 700));
});

afterAll(async () => {
  await server?.stop();
  await pbx?.stop();
  if (runDir) rmSync(runDir, { recursive: true, force: true });
});

async function endpoint(kind: 'UDP' | 'WS'): Promise<SipEndpoint> {
  const ep = kind === 'UDP' ? await SipEndpoint.udp(pbx.sipPort) : await SipEndpoint.ws(pbx.wsUrl);
  endpoints.push(ep);
  return ep;
}

async function session(username: string): Promise<AgentSession> {
  const s = await signIn(server.url, username);
  sessions.push(s);
  return s;
}

async function credentials(s: AgentSession, rotate = false): Promise<VoiceCredentials> {
  const res = await fetch(`${server.url}/api/voice/credentials${rotate ? '/rotate' : ''}`, {
    method: rotate ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${s.session.accessToken}` },
  });
  if (res.status !== 200) throw new Error(`credentials: ${res.status} ${await res.text()}`);
  return VoiceCredentials.parse(await res.json());
}

const account = (c: { extension: string; password: string }): Account => ({
  user: c.extension,
  password: c.password,
  domain: pbx.domain,
  server: `127.0.0.1:${pbx.sipPort}`,
});
const customer: () => Account = () => ({
  user: CUSTOMER.user,
  password: CUSTOMER.password,
  domain: pbx.domain,
  server: `127.0.0.1:${pbx.sipPort}`,
});

/** An agent signed in, their softphone registered over WebSocket with the credentials the service issued. */
async function agentWithPhone(username: string) {
  const s = await session(username);
  const creds = await credentials(s);
  const phone = await endpoint('WS');
  const res = await register(phone, account(creds));
  if (res.status !== 200) throw new Error(`REGISTER ${creds.extension}: ${res.status}`);
  return { s, creds, phone };
}

describe('voice with Kamailio', () => {
  it('pushes the SIP credentials it issues into Kamailio: REGISTER with them succeeds, a rotated one stops working', async () => {
    const s = await session('agent01');
    const creds = await credentials(s);
    expect(creds).toMatchObject({ extension: '1001', wsUrl: pbx.wsUrl, domain: pbx.domain });
    const phone = await endpoint('WS');
    expect((await register(phone, account(creds))).status).toBe(200);
    expect((await register(phone, account({ ...creds, password: 'switchboard' }))).status).toBe(403);

    // Every agent's account was pushed at start, not only the one asked for.
    const other = await session('agent12');
    const c12 = await credentials(other);
    expect(c12.extension).toBe('1012');
    expect((await register(await endpoint('UDP'), account(c12))).status).toBe(200);

    const rotated = await credentials(s, true);
    expect(rotated.extension).toBe('1001');
    expect(rotated.password).not.toBe(creds.password);
    expect((await register(await endpoint('WS'), account(creds))).status).toBe(403);
    expect((await register(await endpoint('WS'), account(rotated))).status).toBe(200);
    expect((await credentials(s)).password).toBe(rotated.password);
  });

  it('can also reach a Kamailio started elsewhere through its JSON-RPC address', async () => {
    const remote = rpcPbxController({ rpcUrl: pbx.rpcUrl, wsUrl: pbx.wsUrl, domain: pbx.domain });
    await remote.setSipUser('7001', 'over-rpc-secret-7001');
    const ep = await endpoint('UDP');
    expect(
      (await register(ep, account({ extension: '7001', password: 'over-rpc-secret-7001' }))).status,
    ).toBe(200);
    await remote.removeSipUser('7001');
    expect(
      (await register(ep, account({ extension: '7001', password: 'over-rpc-secret-7001' }))).status,
    ).toBe(403);
  });

  it('carries a queue call from a UDP caller to the longest idle agent through the real routing endpoint', async () => {
    const first = await agentWithPhone('agent02');
    const second = await agentWithPhone('agent03');
    await mustSetState(first.s, 'Available');
    server.clock.now = new Date(server.clock.now.getTime() + 1000);
    await mustSetState(second.s, 'Available');

    const caller = await endpoint('UDP');
    const call = await invite(caller, customer(), '8001');
    const incoming = await first.phone.next((m) => m.method === 'INVITE', 5_000);
    expect(incoming.requestUri).toContain(`sip:${first.creds.extension}@`);
    expect(incoming.header('x-switchboard-queue')).toBe('8001');
    expect(incoming.header('call-id')).toBe(call.callId);
    expect(incoming.header('from')).toContain(`sip:${CUSTOMER.user}@`);
    const offered = await statusOf(first.s);
    expect(offered.state).toBe('OnCall');
    expect((await statusOf(second.s)).state).toBe('Available');

    answer(first.phone, incoming, first.creds.extension);
    const ok = await call.final;
    expect(ok.status).toBe(200);
    sendInDialog(caller, ok, 'ACK', call.cseq);
    await first.phone.next((m) => m.method === 'ACK');
    expect((await callEvent(server.url, call.callId, 'answered')).status).toBe(200);
    sendInDialog(caller, ok, 'BYE', call.cseq + 1);
    const bye = await first.phone.next((m) => m.method === 'BYE');
    reply(first.phone, bye, 200, 'OK');
    expect((await caller.finalResponse(call.callId, call.cseq + 1)).status).toBe(200);
    expect((await callEvent(server.url, call.callId, 'ended')).status).toBe(200);
    expect(second.phone.received.some((m) => m.method === 'INVITE')).toBe(false);

    expect((await statusOf(first.s)).state).toBe('WrapUp');
    const res = await fetch(`${server.url}/api/voice/interactions/${offered.interactionId}`, {
      headers: { authorization: `Bearer ${first.s.session.accessToken}` },
    });
    expect(Interaction.parse(await res.json())).toMatchObject({
      callId: call.callId,
      callerNumber: '+8613800138000',
      queueNumber: '8001',
      agentId: first.s.session.user.id,
      status: 'ended',
    });
    expect((await historyOf(first.s)).slice(0, 3).map((c) => c.cause)).toEqual([
      'call_ended',
      'call_answered',
      'call_offered',
    ]);
  });

  it('answers the caller 480 when nobody in the queue is Available, and records the call as abandoned', async () => {
    const busy = await agentWithPhone('agent04');
    await mustSetState(busy.s, 'Break', { reason: 'meeting' });
    const caller = await endpoint('UDP');
    const call = await invite(caller, customer(), '8001');
    expect((await call.final).status).toBe(480);
    expect(busy.phone.received.some((m) => m.method === 'INVITE')).toBe(false);
    const sup = await session('super01');
    const records = (await pullAll(sup.socket)).changes.flatMap((c) =>
      c.kind === 'interaction' ? [c.data] : [],
    );
    expect(records.find((i) => i.callId === call.callId)).toMatchObject({
      status: 'abandoned',
      agentId: null,
    });
  });
});
