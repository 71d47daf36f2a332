// Kamailio in front of a cluster: its routing requests and call events go to HAProxy's one address, so they
// reach whichever node is up. The node that owns routing is killed (SIGKILL); the next queue call is still
// routed, by the node that took routing over, to an agent whose desktop and phone came in after the death.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type RunningCluster } from '../../scripts/cluster.mjs';
import { demoData } from './demo-data';
import { freeTcpPort, serviceCallUrls, startKamailio, type RunningKamailio } from '../../src/server/pbx';
import { VoiceCredentials } from '../../src/shared';
import { invite, register, SipEndpoint } from '../pbx/sip-client';
import { mustSetState, signIn, statusOf, type AgentSession } from '../server/voice-helpers';

const PBX_SECRET = 'cluster-pbx-secret-7Hq_2';
const CALLER = { user: '13800138000', password: 'gateway-secret-2' };
let runDir: string;
let pbx: RunningKamailio;
let cluster: RunningCluster;
const endpoints: SipEndpoint[] = [];
const sessions: AgentSession[] = [];

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'sb-cluster-pbx-'));
  const port = await freeTcpPort();
  pbx = await startKamailio({
    runDir,
    ...serviceCallUrls(`http://127.0.0.1:${port}`),
    serviceSecret: PBX_SECRET,
    sharedMemoryMb: 64,
    children: 2,
  });
  await pbx.setSipUser(CALLER.user, CALLER.password);
  cluster = await startCluster({
    nodes: 2,
    port,
    seed: 'none',
    balance: 'first',
    env: { SWITCHBOARD_PBX_SECRET: PBX_SECRET },
    nodeArgs: ['--pbx-rpc', pbx.rpcUrl, '--pbx-ws', pbx.wsUrl, '--pbx-domain', pbx.domain],
    prepare: demoData({ tickets: 50, customers: 20 }),
    log: process.env.DEBUG_SERVER_LOG ? (l) => console.error(l) : undefined,
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(endpoints.map((e) => e.close()));
  for (const s of sessions) s.socket.close();
  cluster?.stop();
  await pbx?.stop();
  if (runDir) rmSync(runDir, { recursive: true, force: true });
});

describe('Kamailio through HAProxy', () => {
  it('routes a queue call after the node owning routing died', async () => {
    // node1 started first: it owns routing, and HAProxy sends everything to it while it is up.
    cluster.nodes[0]!.kill('SIGKILL');

    const agent = await signIn(cluster.url, 'agent01');
    sessions.push(agent);
    const res = await fetch(`${cluster.url}/api/voice/credentials`, {
      headers: { authorization: `Bearer ${agent.session.accessToken}` },
    });
    const creds = VoiceCredentials.parse(await res.json());
    const phone = await SipEndpoint.ws(pbx.wsUrl);
    endpoints.push(phone);
    const server = `127.0.0.1:${pbx.sipPort}`;
    expect(
      (await register(phone, { user: creds.extension, password: creds.password, domain: pbx.domain, server }))
        .status,
    ).toBe(200);
    await mustSetState(agent, 'Available');

    const caller = await SipEndpoint.udp(pbx.sipPort);
    endpoints.push(caller);
    const call = await invite(caller, { ...CALLER, domain: pbx.domain, server }, '8001');
    const incoming = await phone.next((m) => m.method === 'INVITE', 15_000);
    expect(incoming.requestUri).toContain(`sip:${creds.extension}@`);
    expect(incoming.header('call-id')).toBe(call.callId);
    const offered = await statusOf(agent);
    expect(offered.state).toBe('OnCall');
  });
});
