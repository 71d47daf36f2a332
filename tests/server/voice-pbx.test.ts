// The central service with a real Kamailio: credentials issued by the service and pushed into the PBX, and a
// whole queue call (UDP caller -> Kamailio -> the real routing endpoint -> the chosen agent's phone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Interaction, VoiceCredentials } from '../../src/shared';
import { freeTcpPort, serviceCallUrls, startKamailio, type RunningKamailio } from '../../src/server/pbx';
import { answer, invite, register, reply, sendInDialog, SipEndpoint, type Account } from '../pbx/sip-client';
import { rpcPbxController } from '../../src/server/voice/credentials';
import { pullAll, startTestServer, type TestServer } from './helpers';
import {
  callEvent,
  historyOf,
  mustSetState,
  signIn,
  statusOf,
  until,
  type AgentSession,
} from './voice-helpers';

let runDir: string;
let pbx: RunningKamailio;
let server: TestServer;
const endpoints: SipEndpoint[] = [];
const sessions: AgentSession[] = [];
const CUSTOMER = { user: '13800138000', password: 'gateway-secret-1' };
const PBX_SECRET = 'pbx-secret-Zq9_x-4';
/** Billing's queue rings each agent this long here, so a ring timeout can be waited out. */
const BILLING_RING_SECONDS = 5;

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'sb-voice-pbx-'));
  // Kamailio needs the routing address at start and the service needs the PBX at start: fix the port first.
  const port = await freeTcpPort();
  // With a PBX secret on both sides, as `npm start` runs them: every routing request and call event below
  // reaches the service only because Kamailio sends it.
  pbx = await startKamailio({
    runDir,
    ...serviceCallUrls(`http://127.0.0.1:${port}`),
    serviceSecret: PBX_SECRET,
    sharedMemoryMb: 64,
    children: 2,
  });
  // The customer's side: a gateway account that may place calls.
  await pbx.setSipUser(CUSTOMER.user, CUSTOMER.password);
  server = await startTestServer({
    tickets: 200,
    customers: 100,
    port,
    pbx,
    pbxSecret: PBX_SECRET,
    voice: { offlineGraceMs: 500 },
    prepare: async (db) => {
      await db
        .updateTable('queues')
        .set({ ring_timeout_seconds: BILLING_RING_SECONDS })
        .where('number', '=', '8003')
        .execute();
    },
  });
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
    expect((await callEvent(server.url, call.callId, 'answered', PBX_SECRET)).status).toBe(200);
    sendInDialog(caller, ok, 'BYE', call.cseq + 1);
    const bye = await first.phone.next((m) => m.method === 'BYE');
    reply(first.phone, bye, 200, 'OK');
    expect((await caller.finalResponse(call.callId, call.cseq + 1)).status).toBe(200);
    expect((await callEvent(server.url, call.callId, 'ended', PBX_SECRET)).status).toBe(200);
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

  it('moves a call the first agent refuses (486 Busy) to the next agent, who answers', async () => {
    const first = await agentWithPhone('agent05');
    const second = await agentWithPhone('agent06');
    await mustSetState(first.s, 'Available');
    server.clock.now = new Date(server.clock.now.getTime() + 1000);
    await mustSetState(second.s, 'Available');

    const caller = await endpoint('UDP');
    const call = await invite(caller, customer(), '8002');
    const offered = await first.phone.next((m) => m.method === 'INVITE', 5_000);
    expect(offered.header('call-id')).toBe(call.callId);
    reply(first.phone, offered, 486, 'Busy Here');

    const incoming = await second.phone.next((m) => m.method === 'INVITE', 5_000);
    expect(incoming.header('call-id')).toBe(call.callId);
    expect(incoming.requestUri).toContain(`sip:${second.creds.extension}@`);
    // The queue header once, though the request went through the failure route.
    expect(incoming.headerAll('x-switchboard-queue')).toEqual(['8002']);
    answer(second.phone, incoming, second.creds.extension);
    const ok = await call.final;
    expect(ok.status).toBe(200);
    sendInDialog(caller, ok, 'ACK', call.cseq);
    await second.phone.next((m) => m.method === 'ACK');
    // The caller heard one final answer: the busy agent's 486 never reached them.
    expect(caller.received.filter((m) => m.status === 486)).toEqual([]);

    expect(await statusOf(first.s)).toMatchObject({ state: 'Break', reason: 'missed_call' });
    expect((await historyOf(first.s))[0]).toMatchObject({ from: 'OnCall', to: 'Break', cause: 'no_answer' });
    const taken = await statusOf(second.s);
    expect(taken.state).toBe('OnCall');
    expect((await callEvent(server.url, call.callId, 'answered', PBX_SECRET)).status).toBe(200);

    sendInDialog(caller, ok, 'BYE', call.cseq + 1);
    reply(second.phone, await second.phone.next((m) => m.method === 'BYE'), 200, 'OK');
    expect((await caller.finalResponse(call.callId, call.cseq + 1)).status).toBe(200);
    expect((await callEvent(server.url, call.callId, 'ended', PBX_SECRET)).status).toBe(200);
    const res = await fetch(`${server.url}/api/voice/interactions/${taken.interactionId}`, {
      headers: { authorization: `Bearer ${second.s.session.accessToken}` },
    });
    expect(Interaction.parse(await res.json())).toMatchObject({
      callId: call.callId,
      agentId: second.s.session.user.id,
      status: 'ended',
    });
  });

  it('rings the next agent when the first lets it ring past the queue ring timeout', async () => {
    const first = await agentWithPhone('agent09');
    const second = await agentWithPhone('agent10');
    await mustSetState(first.s, 'Available');
    server.clock.now = new Date(server.clock.now.getTime() + 1000);
    await mustSetState(second.s, 'Available');

    const caller = await endpoint('UDP');
    const call = await invite(caller, customer(), '8003');
    const offered = await first.phone.next((m) => m.method === 'INVITE', 5_000);
    const ringingSince = Date.now();
    const tag = reply(first.phone, offered, 180, 'Ringing');
    expect((await caller.next((m) => m.status === 180)).header('call-id')).toBe(call.callId);

    // Nobody picks up: after the ring timeout Kamailio cancels that phone and rings the next agent.
    const cancel = await first.phone.next((m) => m.method === 'CANCEL', (BILLING_RING_SECONDS + 3) * 1000);
    reply(first.phone, cancel, 200, 'OK');
    reply(first.phone, offered, 487, 'Request Terminated', tag);
    const incoming = await second.phone.next((m) => m.method === 'INVITE', 5_000);
    expect(Date.now() - ringingSince).toBeGreaterThanOrEqual(BILLING_RING_SECONDS * 1000 - 500);
    expect(incoming.header('call-id')).toBe(call.callId);
    expect(incoming.headerAll('x-switchboard-queue')).toEqual(['8003']);
    answer(second.phone, incoming, second.creds.extension);
    const ok = await call.final;
    expect(ok.status).toBe(200);
    sendInDialog(caller, ok, 'ACK', call.cseq);
    await second.phone.next((m) => m.method === 'ACK');

    expect(await statusOf(first.s)).toMatchObject({ state: 'Break', reason: 'missed_call' });
    expect((await statusOf(second.s)).state).toBe('OnCall');
    sendInDialog(caller, ok, 'BYE', call.cseq + 1);
    reply(second.phone, await second.phone.next((m) => m.method === 'BYE'), 200, 'OK');
    expect((await caller.finalResponse(call.callId, call.cseq + 1)).status).toBe(200);
  });

  it('skips an Available agent without a registered phone, and answers 480 once every agent refused', async () => {
    // agent11 is Available in the service but their softphone never registered.
    const noPhone = await session('agent11');
    const last = await agentWithPhone('agent12');
    await mustSetState(noPhone, 'Available');
    server.clock.now = new Date(server.clock.now.getTime() + 1000);
    await mustSetState(last.s, 'Available');

    const caller = await endpoint('UDP');
    const call = await invite(caller, customer(), '8003');
    const offered = await last.phone.next((m) => m.method === 'INVITE', 5_000);
    reply(last.phone, offered, 603, 'Decline');
    const final = await call.final;
    expect([final.status, final.reason]).toEqual([480, 'No Agent Available']);

    expect(await statusOf(noPhone)).toMatchObject({ state: 'Break', reason: 'missed_call' });
    expect(await statusOf(last.s)).toMatchObject({ state: 'Break', reason: 'missed_call' });
    // Synced to the queue's department (billing), which agent12 belongs to.
    const records = (await pullAll(last.s.socket)).changes.flatMap((c) =>
      c.kind === 'interaction' ? [c.data] : [],
    );
    expect(records.find((i) => i.callId === call.callId)).toMatchObject({
      status: 'abandoned',
      queueNumber: '8003',
    });
  });

  it("tells the service at once when the caller hangs up while an agent's phone rings", async () => {
    const agent = await agentWithPhone('agent07');
    await mustSetState(agent.s, 'Available');
    const caller = await endpoint('UDP');
    const call = await invite(caller, customer(), '8002');
    const offered = await agent.phone.next((m) => m.method === 'INVITE', 5_000);
    const tag = reply(agent.phone, offered, 180, 'Ringing');
    await caller.next((m) => m.status === 180);
    const ringing = await statusOf(agent.s);
    expect(ringing.state).toBe('OnCall');

    call.cancel();
    const cancel = await agent.phone.next((m) => m.method === 'CANCEL');
    reply(agent.phone, cancel, 200, 'OK');
    reply(agent.phone, offered, 487, 'Request Terminated', tag);
    expect((await call.final).status).toBe(487);
    // Well before the queue's 20 s ring timeout: Kamailio posted the abandoned event.
    const free = await until(async () => {
      const s = await statusOf(agent.s);
      return s.state === 'Available' ? s : undefined;
    }, 3_000);
    expect(free.reason).toBeNull();
    expect((await historyOf(agent.s))[0]).toMatchObject({
      from: 'OnCall',
      to: 'Available',
      cause: 'call_ended',
    });
    const res = await fetch(`${server.url}/api/voice/interactions/${ringing.interactionId}`, {
      headers: { authorization: `Bearer ${agent.s.session.accessToken}` },
    });
    expect(Interaction.parse(await res.json())).toMatchObject({ callId: call.callId, status: 'abandoned' });
  });
});
