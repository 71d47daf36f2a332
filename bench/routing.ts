/**
 * Routing benchmark. `npx tsx bench/routing.ts` (env BENCH_AGENTS, BENCH_QUEUES, BENCH_DECISIONS,
 * BENCH_SIPP_CALLS, BENCH_SIPP_RATE to change the size).
 *
 * 1. The routing decision in-process, against a store of 500 agents in 5 departments and 20 queues (each agent
 *    has 1-2 of their department's queue skills) and 20,000 customers: p50/p99 of VoiceService.route (pick +
 *    reservation + the call record written and committed), over >= 10,000 decisions. Each call is then
 *    ended (not timed) so the agent pool stays realistic.
 * 2. The same through the HTTP endpoint Kamailio calls (GET /api/voice/route), round trip p50/p99.
 * 3. Call setups per second through Kamailio: sipp (Debian's sip-tester) places calls to the 20 queue numbers
 *    (digest authentication, INVITE, 200, ACK, BYE); Kamailio asks the routing service, which picks an agent;
 *    all agents' SIP accounts are registered with a sipp UAS as their phone. The benchmark ends calls in the
 *    service as they come in (answered, ended; wrap-up ends by itself) so agents come back.
 *
 * The call rate counts only when at most 0.5 % of the calls failed. Last line: one JSON summary. Exit code 1
 * when a target is missed or could not be measured.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PBX_SECRET_HEADER, type User } from '../src/shared';
import { startServer, type RunningServer } from '../src/server/app';
import { hashPassword } from '../src/server/auth/passwords';
import { openSqlite } from '../src/server/db/dialect-sqlite';
import { migrateToLatest } from '../src/server/db/migrate';
import type { Database } from '../src/server/db/schema';
import {
  freeTcpPort,
  freeUdpTcpPort,
  serviceCallUrls,
  startKamailio,
  type RunningKamailio,
} from '../src/server/pbx';
import { digestAuthorization, parseSip } from '../tests/pbx/sip-client';
import { mulberry32 } from '../src/server/demo/prng';

const AGENTS = Number(process.env['BENCH_AGENTS'] ?? 500);
const QUEUES = Number(process.env['BENCH_QUEUES'] ?? 20);
const DEPARTMENTS = 5;
const CUSTOMERS = 20_000;
const DECISIONS = Number(process.env['BENCH_DECISIONS'] ?? 10_000);
const HTTP_DECISIONS = Number(process.env['BENCH_HTTP_DECISIONS'] ?? 5_000);
const SIPP_CALLS = Number(process.env['BENCH_SIPP_CALLS'] ?? 2_200);
const SIPP_RATE = Number(process.env['BENCH_SIPP_RATE'] ?? 220);
const targets = { routingP99Ms: 5, callSetupsPerSecond: 200 };
const CALLER = { user: '13800138000', password: 'bench-gateway-secret' };
/** Kamailio (and the HTTP round trips) prove themselves to the service with this. */
const PBX_SECRET = 'bench-routing-pbx-secret-bench-routing';

// The demo data's seeded PRNG: every run builds the same store.
const rnd = mulberry32(20261125);
const int = (n: number) => Math.floor(rnd() * n);
const uuid = () => {
  const h = Array.from({ length: 32 }, () => int(16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
};

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
const ms = (x: number) => Math.round(x * 1000) / 1000;

interface Store {
  agents: User[];
  queueNumbers: string[];
  phones: string[];
}

async function buildStore(dbPath: string): Promise<Store> {
  const db = openSqlite(dbPath);
  await migrateToLatest(db);
  const hash = await hashPassword('bench'); // nobody signs in; one hash for all
  const depts = Array.from({ length: DEPARTMENTS }, (_, i) => ({
    id: uuid(),
    code: `dept${i + 1}`,
    name_zh: `部门${i + 1}`,
    name_en: `Department ${i + 1}`,
    version: 0,
  }));
  const queues = Array.from({ length: QUEUES }, (_, i) => ({
    id: uuid(),
    number: String(8001 + i),
    name_zh: `队列${i + 1}`,
    name_en: `Queue ${i + 1}`,
    department_id: depts[i % DEPARTMENTS]!.id,
    skill: `q${i + 1}`,
    ring_timeout_seconds: 20,
  }));
  const agents: User[] = [];
  const users: Database['users'][] = [];
  const skills: { user_id: string; skill: string }[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const dept = depts[i % DEPARTMENTS]!;
    const u: User = {
      id: uuid(),
      username: `agent${String(i + 1).padStart(4, '0')}`,
      displayName: `Agent ${i + 1}`,
      role: 'agent',
      departmentId: dept.id,
    };
    agents.push(u);
    users.push({
      id: u.id,
      username: u.username,
      display_name: u.displayName,
      role: 'agent' as const,
      department_id: dept.id,
      password_hash: hash,
      disabled: 0,
      version: 0,
    });
    const own = queues.filter((q) => q.department_id === dept.id);
    const first = own[int(own.length)]!;
    skills.push({ user_id: u.id, skill: first.skill });
    const second = own[int(own.length)]!;
    if (second !== first && rnd() < 0.5) skills.push({ user_id: u.id, skill: second.skill });
  }
  const phones: string[] = [];
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => {
    const phone = `+86138${String(10_000_000 + i * 37).padStart(8, '0')}`;
    phones.push(phone);
    return {
      id: uuid(),
      name: `客户${i}`,
      phone,
      email: null,
      language: 'zh-CN' as const,
      company: null,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      version: 0,
    };
  });
  const chunk = async <T>(rows: T[], insert: (part: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += 500) await insert(rows.slice(i, i + 500));
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('departments').values(depts).execute();
    await chunk(users, (p) => trx.insertInto('users').values(p).execute());
    await trx.insertInto('queues').values(queues).execute();
    await chunk(skills, (p) => trx.insertInto('agent_skills').values(p).execute());
    await chunk(customers, (p) => trx.insertInto('customers').values(p).execute());
  });
  await db.destroy();
  return { agents, queueNumbers: queues.map((q) => q.number), phones };
}

/** Every agent connected and Available, as if their desktops had signed in. */
function everyoneAvailable(server: RunningServer, agents: User[]): void {
  for (const a of agents) {
    server.voice.connected(a.id);
    const s = server.voice.status(a.id);
    if (s && s.state !== 'Available') server.voice.setState(a, { state: 'Available', version: s.version });
  }
}

async function inProcess(server: RunningServer, store: Store) {
  const times: number[] = [];
  const committed: number[] = [];
  let misses = 0;
  for (let i = 0; i < DECISIONS; i++) {
    const queue = store.queueNumbers[i % store.queueNumbers.length]!;
    const caller = store.phones[int(store.phones.length)]!.replace('+86', '');
    const callId = `inproc-${i}@bench`;
    const t0 = performance.now();
    const r = await server.voice.route(queue, caller, callId);
    times.push(performance.now() - t0);
    // The same decision until its state change and call record are committed to the database.
    await server.voice.flush();
    committed.push(performance.now() - t0);
    if (r.kind !== 'agent') misses++;
    else await server.voice.callEvent(callId, 'abandoned', null);
  }
  times.sort((a, b) => a - b);
  committed.sort((a, b) => a - b);
  return {
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    max: times.at(-1) ?? NaN,
    committedP50: quantile(committed, 0.5),
    committedP99: quantile(committed, 0.99),
    misses,
  };
}

async function overHttp(server: RunningServer, store: Store) {
  const times: number[] = [];
  let misses = 0;
  for (let i = 0; i < HTTP_DECISIONS; i++) {
    const queue = store.queueNumbers[i % store.queueNumbers.length]!;
    const caller = store.phones[int(store.phones.length)]!.replace('+86', '');
    const callId = `http-${i}@bench`;
    const t0 = performance.now();
    const res = await fetch(
      `${server.url}/api/voice/route?queue=${queue}&caller=${caller}&callid=${callId}`,
      {
        headers: { [PBX_SECRET_HEADER]: PBX_SECRET },
      },
    );
    const body = await res.text();
    times.push(performance.now() - t0);
    if (res.status !== 200 || !/^\d+\n\d+\n$/.test(body)) misses++;
    else await server.voice.callEvent(callId, 'abandoned', null);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), misses };
}

/** REGISTER every agent's extension with Contact = the sipp UAS, answering the digest challenge. */
async function registerAll(
  pbx: RunningKamailio,
  accounts: { extension: string; password: string }[],
  uasPort: number,
) {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const local = socket.address().port;
  const waiting = new Map<string, (text: string) => void>();
  socket.on('message', (buf) => {
    const msg = parseSip(buf.toString('utf8'));
    const key = `${msg.header('call-id')}|${msg.header('cseq')?.split(/\s+/)[0]}`;
    if (msg.status !== undefined && msg.status >= 200) waiting.get(key)?.(buf.toString('utf8'));
  });
  const send = (ext: string, callId: string, cseq: number, auth: string | null) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`REGISTER ${ext}: no answer`)), 5_000);
      waiting.set(`${callId}|${cseq}`, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
      const aor = `<sip:${ext}@${pbx.domain}>`;
      socket.send(
        [
          `REGISTER sip:127.0.0.1:${pbx.sipPort} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${callId}${cseq};rport`,
          'Max-Forwards: 70',
          `From: ${aor};tag=${ext}`,
          `To: ${aor}`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} REGISTER`,
          `Contact: <sip:${ext}@127.0.0.1:${uasPort}>`,
          'Expires: 3600',
          ...(auth ? [`Authorization: ${auth}`] : []),
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        pbx.sipPort,
        '127.0.0.1',
      );
    });
  for (const a of accounts) {
    const callId = `reg${a.extension}bench`;
    const first = parseSip(await send(a.extension, callId, 1, null));
    const challenge = first.header('www-authenticate');
    if (first.status !== 401 || !challenge) throw new Error(`REGISTER ${a.extension}: ${first.status}`);
    const uri = `sip:127.0.0.1:${pbx.sipPort}`;
    const second = parseSip(
      await send(
        a.extension,
        callId,
        2,
        digestAuthorization(challenge, a.extension, a.password, 'REGISTER', uri),
      ),
    );
    if (second.status !== 200) throw new Error(`REGISTER ${a.extension}: ${second.status}`);
  }
  socket.close();
}

function uacScenario(domain: string): string {
  const from = `From: <sip:${CALLER.user}@${domain}>;tag=[pid]SIPpTag00[call_number]`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="switchboard queue call">
  <send retrans="500"><![CDATA[
INVITE sip:[field0]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from}
To: <sip:[field0]@${domain}>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:${CALLER.user}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
  <send><![CDATA[
ACK sip:[field0]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
${from}
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <send retrans="500"><![CDATA[
INVITE sip:[field0]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from}
To: <sip:[field0]@${domain}>
Call-ID: [call_id]
CSeq: 2 INVITE
Contact: <sip:${CALLER.user}@[local_ip]:[local_port]>
[authentication username=${CALLER.user} password=${CALLER.password}]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true" rtd="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from}
[last_To:]
Call-ID: [call_id]
CSeq: 2 ACK
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="100"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from}
[last_To:]
Call-ID: [call_id]
CSeq: 3 BYE
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true"/>
</scenario>
`;
}

/** The agents' phone: rings, answers with the Record-Route set copied (so ACK and BYE go through Kamailio). */
const UAS_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="switchboard agent phone">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <!-- Kamailio relays replies from several workers: a 200 sent right behind the 180 could overtake it. -->
  <pause milliseconds="5"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv request="ACK" optional="true" rtd="true" crlf="true"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`;

function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(process.env['BENCH_DIR'] ?? tmpdir(), 'sb-bench-routing-'));
  const dbPath = join(dir, 'server.sqlite');
  const metrics: Record<string, number | string | null> = {};
  let server: RunningServer | undefined;
  let pbx: RunningKamailio | undefined;
  const children: ChildProcess[] = [];
  try {
    let t = performance.now();
    const store = await buildStore(dbPath);
    console.log(
      `store: ${AGENTS} agents, ${QUEUES} queues, ${DEPARTMENTS} departments, ${CUSTOMERS} customers (${Math.round(performance.now() - t)} ms)`,
    );

    // Kamailio first when it is installed: it needs the routing address, the service needs the PBX at start.
    const port = await freeTcpPort();
    const sippAvailable = spawnSync('sipp', ['-v'], { encoding: 'utf8' }).error === undefined;
    try {
      pbx = await startKamailio({
        runDir: join(dir, 'pbx'),
        ...serviceCallUrls(`http://127.0.0.1:${port}`),
        serviceSecret: PBX_SECRET,
        children: 8,
        sharedMemoryMb: 256,
        logLevel: -1,
        // An alternative configuration template, for trying PBX changes against this load.
        ...(process.env['BENCH_KAMAILIO_TEMPLATE']
          ? { templateFile: process.env['BENCH_KAMAILIO_TEMPLATE'] }
          : {}),
      });
      await pbx.setSipUser(CALLER.user, CALLER.password);
    } catch (e) {
      console.log(
        `Kamailio could not start, call setups not measured: ${e instanceof Error ? e.message : String(e)}`,
      );
      pbx = undefined;
    }
    t = performance.now();
    server = await startServer({
      port,
      dbPath,
      seed: 'none',
      jwtSecret: 'bench-secret-bench-secret-bench-secret',
      pbxSecret: PBX_SECRET,
      log: () => {},
      pbx,
      voice: { wrapUpLimitMs: 20, offlineGraceMs: 3_600_000 },
    });
    console.log(
      `server started${pbx ? ' with Kamailio (credentials pushed)' : ''} in ${Math.round(performance.now() - t)} ms`,
    );
    everyoneAvailable(server, store.agents);

    // Warm-up (JIT, statement caches), not measured.
    for (let i = 0; i < 500; i++) {
      const r = await server.voice.route(store.queueNumbers[i % QUEUES]!, '13800000000', `warm-${i}`);
      if (r.kind === 'agent') await server.voice.callEvent(`warm-${i}`, 'abandoned', null);
    }

    const inproc = await inProcess(server, store);
    console.log(
      `routing decision in-process (${DECISIONS}): p50 ${ms(inproc.p50)} ms, p99 ${ms(inproc.p99)} ms, max ${ms(inproc.max)} ms, no agent ${inproc.misses}`,
    );
    console.log(
      `  with its records committed: p50 ${ms(inproc.committedP50)} ms, p99 ${ms(inproc.committedP99)} ms`,
    );
    metrics.routingCommittedP50Ms = ms(inproc.committedP50);
    metrics.routingCommittedP99Ms = ms(inproc.committedP99);
    metrics.routingP50Ms = ms(inproc.p50);
    metrics.routingP99Ms = ms(inproc.p99);
    metrics.routingDecisions = DECISIONS;

    const http = await overHttp(server, store);
    console.log(
      `routing over HTTP (${HTTP_DECISIONS}): p50 ${ms(http.p50)} ms, p99 ${ms(http.p99)} ms, no agent ${http.misses}`,
    );
    metrics.routingHttpP50Ms = ms(http.p50);
    metrics.routingHttpP99Ms = ms(http.p99);

    metrics.callSetupsPerSecond = null;
    if (!pbx) {
      console.log('call setups/s: not measured (no Kamailio)');
    } else if (!sippAvailable) {
      console.log('call setups/s: not measured (sipp is not installed: apt-get install sip-tester)');
    } else {
      const uasPort = await freeUdpTcpPort();
      writeFileSync(join(dir, 'uas.xml'), UAS_SCENARIO);
      const uas = spawn(
        'sipp',
        [
          '-sf',
          'uas.xml',
          '-i',
          '127.0.0.1',
          '-p',
          String(uasPort),
          '-nostdin',
          ...(process.env['BENCH_KEEP'] ? ['-trace_err'] : []),
        ],
        {
          cwd: dir,
          stdio: 'ignore',
        },
      );
      children.push(uas);
      const db = openSqlite(dbPath);
      const accounts = await db.selectFrom('sip_accounts').select(['extension', 'password']).execute();
      await db.destroy();
      t = performance.now();
      await registerAll(pbx, accounts, uasPort);
      console.log(
        `registered ${accounts.length} agent phones with the sipp UAS in ${Math.round(performance.now() - t)} ms`,
      );

      // The service learns that calls were answered and ended (the desktops' part), so agents come back.
      const voice = server.voice;
      // When the service first saw each call routed: the span of call setups.
      const seen = new Set<string>();
      let firstSeen = 0;
      let lastSeen = 0;
      const ender = setInterval(() => {
        const now = Date.now();
        const cutoff = now - 50;
        for (const c of voice.activeCalls()) {
          if (!seen.has(c.callId)) {
            seen.add(c.callId);
            firstSeen ||= now;
            lastSeen = now;
          }
          if (Date.parse(c.ringAt) > cutoff) continue;
          void voice
            .callEvent(c.callId, 'answered', null)
            .then(() => voice.callEvent(c.callId, 'ended', null))
            .catch(() => {});
        }
      }, 20);

      writeFileSync(join(dir, 'uac.xml'), uacScenario(pbx.domain));
      writeFileSync(
        join(dir, 'queues.csv'),
        `SEQUENTIAL\n${store.queueNumbers.map((q) => `${q};`).join('\n')}\n`,
      );
      const uacPort = await freeUdpTcpPort();
      const args = [
        `127.0.0.1:${pbx.sipPort}`,
        ...['-sf', 'uac.xml', '-inf', 'queues.csv', '-i', '127.0.0.1', '-p', String(uacPort)],
        ...['-r', String(SIPP_RATE), '-m', String(SIPP_CALLS), '-l', '1000', '-nostdin'],
        ...['-trace_stat', '-stf', 'stats.csv', '-fd', '1', '-timeout', '120s', '-timeout_error'],
        ...(process.env['BENCH_KEEP'] ? ['-trace_err', '-trace_msg'] : []),
      ];
      const started = performance.now();
      const uac = spawn('sipp', args, { cwd: dir, stdio: 'ignore' });
      children.push(uac);
      const code = await waitExit(uac);
      const elapsedS = (performance.now() - started) / 1000;
      clearInterval(ender);
      const lines = readFileSync(join(dir, 'stats.csv'), 'utf8').trim().split('\n');
      const header = (lines[0] ?? '').split(';');
      const last = (lines.at(-1) ?? '').split(';');
      const field = (name: string) => Number(last[header.indexOf(name)]);
      const ok = field('SuccessfulCall(C)');
      const failed = field('FailedCall(C)');
      // Setups per second over the span in which the routing service saw the calls arrive.
      const spanS = Math.max((lastSeen - firstSeen) / 1000, 1 / SIPP_RATE);
      const rate = ok / spanS;
      console.log(
        `sipp: ${SIPP_CALLS} calls offered at ${SIPP_RATE}/s: ${ok} set up and cleared, ${failed} failed ` +
          `(sipp exit ${code}, ${elapsedS.toFixed(1)} s in all); ${seen.size} routed over ${spanS.toFixed(2)} s ` +
          `-> ${rate.toFixed(1)} call setups/s`,
      );
      metrics.sippCalls = SIPP_CALLS;
      metrics.sippSuccessful = ok;
      metrics.sippFailed = failed;
      // A run where more than 0.5 % of the calls failed does not count as sustaining the rate.
      const acceptable = Number.isFinite(failed) && failed <= SIPP_CALLS * 0.005;
      metrics.callSetupsPerSecond = acceptable && Number.isFinite(rate) ? Math.round(rate * 10) / 10 : null;
      if (!acceptable)
        console.log('call setups/s: more than 0.5 % of the calls failed; the rate is not counted');
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map(waitExit));
    await server?.close();
    await pbx?.stop();
    if (process.env['BENCH_KEEP']) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }

  const p99 = metrics.routingP99Ms;
  const cps = metrics.callSetupsPerSecond;
  const pass =
    typeof p99 === 'number' &&
    p99 <= targets.routingP99Ms &&
    typeof cps === 'number' &&
    cps >= targets.callSetupsPerSecond;
  console.log(JSON.stringify({ bench: 'routing', metrics, targets, pass }));
  process.exit(pass ? 0 : 1);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  console.log(JSON.stringify({ bench: 'routing', metrics: {}, targets, pass: false }));
  process.exit(1);
});
