// Runs inside the loopback-only namespace media.test.ts makes. rtpengine and Kamailio are started by the
// project's own code (startRtpengine, startKamailio with its rtpengine socket), and the central service
// (startServer, on a small demo data set) answers Kamailio's routing requests and call events with its PBX
// secret and gives agent01 their SIP account; the caller is baresip, a plain SIP endpoint (RTP/AVP, PCMU/PCMA,
// no ICE, no DTLS) playing a tone as its microphone and recording what it hears; the agent is the desktop's
// phone engine (JsSIP, WebRTC) in Chromium with its fake microphone, and agent01's and super01's desktops are
// stood for by their sync sockets (agent:setState, voice:callEvent as the desktop sends them;
// supervisor:subscribe and supervisor:waiting). What a user would notice is measured on both ends: Chromium
// receives audio with a level, baresip's recording is not silence, and the service's records and the
// supervisor's live view show the wait, the answer and the abandoned call.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import {
  ensureQueuePrompts,
  freeTcpPort,
  serviceCallUrls,
  startKamailio,
  startRtpengine,
  type RunningKamailio,
  type RunningRtpengine,
} from '../../src/server/pbx';
import { startServer, type RunningServer } from '../../src/server/app';
import { migrateToLatest } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { rpcPbxController } from '../../src/server/voice/credentials';
import {
  SupervisorDelta,
  SupervisorSnapshot,
  SupervisorSocketEvents,
  VoiceCredentials,
  VoiceSocketEvents,
  WaitingCallList,
  type QueueLive,
} from '../../src/shared';
import { startBaresip, wavRms, type Baresip } from '../pbx/baresip';
import { assertInNetns, CALL_FLAGS } from '../netns/run-in-netns';
import { request } from '../server/helpers';
import { mustSetState, signIn, statusOf, type AgentSession } from '../server/voice-helpers';
import {
  fixtureState,
  openFixturePhone,
  serveFixture,
  until,
  type FixtureServer,
} from '../softphone/fixture-server';
import { launchChromium, tempDir } from './harness';

const CALLER = { user: '13912345678', password: 'caller-media-secret' };
const CALLER2 = { user: '13800000002', password: 'caller2-media-secret' };
/** The demo data's after-sales queue: agent01 takes it, super01 supervises its department. */
const QUEUE = '8001';
/** Kamailio proves itself to the service with this (the PBX endpoints never answer without one). */
const PBX_SECRET = 'e2e-media-pbx-secret-e2e-media-pbx-secret';

/**
 * The real central service (startServer, in this process) on the demo data: Kamailio asks it where queue calls
 * go and tells it when a waiting caller gives up; it gives agent01 a SIP account in Kamailio (rpc), and agent01
 * (the agent) and super01 (their supervisor) are signed in on its sync socket as their desktops would be.
 */
let server: RunningServer;
let dbPath: string;
let agentSession: AgentSession;
let supervisor: AgentSession;
/** super01's live view of the queue: the snapshot's row, then every pushed delta's. */
const queueRows: QueueLive[] = [];

let dir: ReturnType<typeof tempDir>;
let rtpengine: RunningRtpengine;
let pbx: RunningKamailio;
let fixture: FixtureServer;
let browser: Browser;
let baresip: Baresip;
let baresip2: Baresip;
/** Kamailio's and rtpengine's logs, printed when a test fails. */
const logs: string[] = [];
const keep = (who: string) => (line: string) => {
  logs.push(`[${who}] ${line}`);
  if (logs.length > 600) logs.shift();
};
const printLogsOnFailure = (caller: () => Baresip) =>
  onTestFailed(() => console.error(`${logs.join('\n')}\n[baresip]\n${caller()?.log.join('\n')}`));

beforeAll(async () => {
  assertInNetns('tests/e2e/media.test.ts');
  dir = tempDir('sb-e2e-media-');
  const mic = join(dir.path, 'caller-mic.wav');
  // The caller's voice: a 440 Hz tone (sox, a system dependency).
  const sox = spawnSync('sox', [
    '-n',
    '-r',
    '8000',
    '-c',
    '1',
    '-b',
    '16',
    mic,
    'synth',
    '40',
    'sine',
    '440',
    'vol',
    '0.5',
  ]);
  expect(sox.status, String(sox.stderr)).toBe(0);
  // Kamailio needs the routing address at start, the service the PBX at start: fix the service's port first.
  const port = await freeTcpPort();
  // Announcements (espeak-ng, en and cmn) and hold music (sox), made as npm run pbx makes them.
  const promptsDir = await ensureQueuePrompts(join(dir.path, 'prompts'));
  const urls = serviceCallUrls(`http://127.0.0.1:${port}`);
  rtpengine = await startRtpengine({
    runDir: join(dir.path, 'rtpengine'),
    portMin: 30000,
    portMax: 30199,
    // A waiting caller's callback key, read by rtpengine, booked with the service (as npm run pbx does).
    callbacks: { callbackUrl: urls.callbackUrl, serviceSecret: PBX_SECRET, log: keep('callback key') },
    log: keep('rtpengine'),
  });
  pbx = await startKamailio({
    runDir: join(dir.path, 'pbx'),
    rtpengineSocket: rtpengine.ngSocket,
    promptsDir,
    callbacks: rtpengine.callbacks,
    ...urls,
    serviceSecret: PBX_SECRET,
    sharedMemoryMb: 64,
    children: 2,
    logLevel: 2,
    log: keep('kamailio'),
  });
  // A small demo data set (the same generator as --seed demo), then the service on it with the real clock.
  dbPath = join(dir.path, 'server.sqlite');
  const db = openDatabase(dbPath);
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 30, customers: 20 });
  await db.destroy();
  server = await startServer({
    port,
    dbPath,
    seed: 'none',
    jwtSecret: 'e2e-media-jwt-secret-e2e-media-jwt-secret',
    pbx: rpcPbxController({ rpcUrl: pbx.rpcUrl, wsUrl: pbx.wsUrl, domain: pbx.domain }),
    pbxSecret: PBX_SECRET,
    sla: { sweepEveryMs: 0 },
    log: keep('service'),
  });
  agentSession = await signIn(server.url, 'agent01');
  supervisor = await signIn(server.url, 'super01');
  supervisor.socket.on(SupervisorSocketEvents.delta, (d: unknown) => {
    const row = SupervisorDelta.parse(d).queues.find((q) => q.number === QUEUE);
    if (row) queueRows.push(row);
  });
  const subscribed = await request<unknown>(supervisor.socket, SupervisorSocketEvents.subscribe, {});
  if (!subscribed.ok) throw new Error(`supervisor:subscribe: ${subscribed.error.message}`);
  const row = SupervisorSnapshot.parse(subscribed.data).queues.find((q) => q.number === QUEUE);
  expect(row, `super01 does not see queue ${QUEUE}`).toBeDefined();
  queueRows.unshift(row!);
  await pbx.setSipUser(CALLER.user, CALLER.password);
  await pbx.setSipUser(CALLER2.user, CALLER2.password);
  fixture = await serveFixture(join(dir.path, 'www'));
  browser = await launchChromium(CALL_FLAGS);
  baresip = await startBaresip({
    dir: join(dir.path, 'baresip'),
    pbxPort: pbx.sipPort,
    user: CALLER.user,
    password: CALLER.password,
    micWav: mic,
    rtpPortMin: 31000,
  });
  baresip2 = await startBaresip({
    dir: join(dir.path, 'baresip2'),
    pbxPort: pbx.sipPort,
    user: CALLER2.user,
    password: CALLER2.password,
    micWav: mic,
    rtpPortMin: 31020,
  });
}, 120_000);

afterAll(async () => {
  await baresip?.stop();
  await baresip2?.stop();
  agentSession?.socket.close();
  supervisor?.socket.close();
  await server?.close();
  await browser?.close();
  await fixture?.close();
  await pbx?.stop();
  await rtpengine?.stop();
  dir?.remove();
});

/** Audio the agent's browser receives: bytes, packets and level of its inbound audio. */
function inboundAudio(page: Page) {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs[pcs.length - 1];
    if (!pc) return null;
    const out = { state: pc.connectionState, bytes: 0, packets: 0, level: 0, sent: 0 };
    (await pc.getStats()).forEach(
      (s: {
        type: string;
        kind?: string;
        bytesReceived?: number;
        packetsReceived?: number;
        audioLevel?: number;
        bytesSent?: number;
      }) => {
        if (s.kind !== 'audio') return;
        if (s.type === 'inbound-rtp') {
          out.bytes += s.bytesReceived ?? 0;
          out.packets += s.packetsReceived ?? 0;
          out.level = Math.max(out.level, s.audioLevel ?? 0);
        }
        if (s.type === 'outbound-rtp') out.sent += s.bytesSent ?? 0;
      },
    );
    return out;
  });
}

/** agent01's SIP account, as their desktop asks the service for it. */
async function agentCredentials(): Promise<VoiceCredentials> {
  const res = await fetch(`${server.url}/api/voice/credentials`, {
    headers: { authorization: `Bearer ${agentSession.session.accessToken}` },
  });
  expect(res.status).toBe(200);
  return VoiceCredentials.parse(await res.json());
}

/** The agent's WebRTC phone: the desktop's phone engine in a Chromium page, registered with agent01's account. */
async function agentPhone(): Promise<{ context: BrowserContext; agent: Page; extension: string }> {
  const creds = await agentCredentials();
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const w = window as unknown as {
      __pcs: RTCPeerConnection[];
      RTCPeerConnection: typeof RTCPeerConnection;
    };
    w.__pcs = [];
    const Original = w.RTCPeerConnection;
    w.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        w.__pcs.push(this);
      }
    };
  });
  const agent = await context.newPage();
  await openFixturePhone(agent, fixture.url, {
    wsUrl: pbx.wsUrl,
    sipUri: `sip:${creds.extension}@${pbx.domain}`,
    password: creds.password,
    iceGatheringTimeoutMs: 500,
  });
  await until(
    'agent registered',
    () => fixtureState(agent),
    (s) => s.registration.status === 'registered',
  );
  return { context, agent, extension: creds.extension };
}

it('baresip calls the agent WebRTC phone through Kamailio and rtpengine; audio flows both ways', async () => {
  printLogsOnFailure(() => baresip);
  const { context, agent, extension } = await agentPhone();

  await baresip.dial(`sip:${extension}@127.0.0.1:${pbx.sipPort}`);
  await until(
    'agent rings',
    () => fixtureState(agent),
    (s) => s.call?.state === 'ringing',
  );
  await agent.evaluate(() => (window as unknown as { phone: { answer(): void } }).phone.answer());
  await baresip.waitFor('CALL_ESTABLISHED');

  // Chromium hears the caller: audio packets with a level above silence (the tone).
  const heard = await until(
    'agent hears the caller',
    () => inboundAudio(agent),
    (m) => m !== null && m.state === 'connected' && m.packets > 50 && m.level > 0.01,
    15_000,
  );
  expect(heard?.sent).toBeGreaterThan(0);
  // The caller hears the agent's (fake) microphone for a few seconds (checked in its recording below).
  await new Promise((r) => setTimeout(r, 3000));
  // Hold and resume (re-INVITEs through rtpengine, each way's flags by direction): audio flows again.
  type TestPhone = { phone: { hold(): void; resume(): void; answer(): void; hangup(): void } };
  await agent.evaluate(() => (window as unknown as TestPhone).phone.hold());
  await until(
    'agent on hold',
    () => fixtureState(agent),
    (s) => s.call?.state === 'held',
  );
  // The hold's re-INVITE must complete before the resume can be sent.
  await until(
    'agent resumes',
    () =>
      agent.evaluate(() => {
        try {
          (window as unknown as TestPhone).phone.resume();
          return true;
        } catch {
          return false;
        }
      }),
    (ok) => ok,
    10_000,
  );
  await until(
    'agent resumed',
    () => fixtureState(agent),
    (s) => s.call?.state === 'active',
  );
  const before = (await inboundAudio(agent))?.packets ?? 0;
  await until(
    'agent hears the caller again after the hold',
    () => inboundAudio(agent),
    (m) => m !== null && m.packets > before + 50,
    10_000,
  );
  await agent.evaluate(() => (window as unknown as { phone: { hangup(): void } }).phone.hangup());
  await baresip.waitFor('CALL_CLOSED');
  await context.close();

  // baresip 1.0's recorder (sndfile) stops writing when a re-INVITE restarts its player, so the recording
  // covers the time before the hold; after it, the agent's inbound audio above shows the media is back.
  const recordings = baresip.recordings().map((file) => ({ file, ...wavRms(file) }));
  expect(recordings.length, `baresip recorded nothing:\n${baresip.log.join('\n')}`).toBeGreaterThan(0);
  const seconds = recordings.reduce((sum, r) => sum + r.seconds, 0);
  const rms = Math.sqrt(recordings.reduce((sum, r) => sum + r.rms * r.rms * r.seconds, 0) / seconds);
  console.log(JSON.stringify(recordings));
  expect(seconds).toBeGreaterThan(2.5);
  // Chromium's fake microphone beeps loudly; silence (or comfort noise) stays far below this.
  expect(rms).toBeGreaterThan(300);
  console.log(
    `agent heard ${heard?.packets} packets (level ${heard?.level}); caller recorded ${seconds.toFixed(1)} s, RMS ${rms.toFixed(0)}`,
  );
});

/** What a baresip caller recorded, except the files given (earlier calls'): total seconds and RMS. */
function heardBy(caller: Baresip, earlier: readonly string[] = []): { seconds: number; rms: number } {
  const recordings = caller
    .recordings()
    .filter((file) => !earlier.includes(file))
    .map((file) => wavRms(file));
  const seconds = recordings.reduce((sum, r) => sum + r.seconds, 0);
  const rms =
    seconds === 0
      ? 0
      : Math.sqrt(recordings.reduce((sum, r) => sum + r.rms * r.rms * r.seconds, 0) / seconds);
  return { seconds, rms };
}

/** The callers super01 sees waiting (supervisor:waiting on their socket). */
async function waitingSeenBySupervisor() {
  const ack = await request<unknown>(supervisor.socket, SupervisorSocketEvents.waiting, {});
  if (!ack.ok) throw new Error(`supervisor:waiting: ${ack.error.message}`);
  return WaitingCallList.parse(ack.data).calls;
}

/** The service's record of a call (its interactions row), once its written-behind records are flushed. */
/** A read of the service's database, after its call records are written. */
async function withServerDb<T>(read: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  await server.voice.flush();
  const db = openDatabase(dbPath);
  try {
    return await read(db);
  } finally {
    await db.destroy();
  }
}

const interactionOf = (callId: string) =>
  withServerDb((db) =>
    db.selectFrom('interactions').selectAll().where('call_id', '=', callId).executeTakeFirst(),
  );

/** A call progress report on the agent's socket, as the desktop sends when its phone answers or hangs up. */
async function reportCall(callId: string, event: 'answered' | 'ended') {
  const ack = await request<unknown>(agentSession.socket, VoiceSocketEvents.callEvent, { callId, event });
  if (!ack.ok) throw new Error(`voice:callEvent ${event}: ${ack.error.message}`);
}

const queueNow = () => queueRows[queueRows.length - 1]!;

/**
 * A baresip caller dials the queue and waits: 183 Session Progress with rtpengine's SDP (their media starts
 * before anyone answers), and super01 sees them in the waiting list. Returns that entry.
 */
async function callAndWait(caller: Baresip, user: string) {
  await caller.dial(`sip:${QUEUE}@127.0.0.1:${pbx.sipPort}`);
  await caller.waitFor('CALL_PROGRESS');
  const calls = await until(
    `caller ${user} is listed as waiting`,
    () => waitingSeenBySupervisor(),
    (list) => list.some((c) => c.callerNumber.endsWith(user)),
    10_000,
  );
  return calls.find((c) => c.callerNumber.endsWith(user))!;
}

it('every agent busy: a baresip caller waits in the service queue with music and announcements, then the freed agent takes the call', async () => {
  printLogsOnFailure(() => baresip);
  const { context, agent } = await agentPhone();
  // The only agent of the queue is on a break (set through the service, as their desktop does).
  expect((await mustSetState(agentSession, 'Break', { reason: 'meeting' })).state).toBe('Break');
  const offeredBefore = queueNow().offered;
  // This caller's recordings of the first test's call are not what they hear now.
  const earlier = baresip.recordings();

  // The service holds the caller in its waiting list, and super01 sees them there and in the queue's row.
  const waiting = await callAndWait(baresip, CALLER.user);
  const callId = waiting.callId;
  expect(waiting.position).toBe(1);
  expect((await server.waiting.waitingCalls()).map((c) => c.callId)).toEqual([callId]);
  await until(
    'super01 sees one caller waiting',
    async () => queueNow(),
    (q) => q.waiting === 1 && q.oldestWaitingSince !== null,
    5_000,
  );
  // The announcements and music: far from silence, and more than a couple of seconds of it.
  const waited = await until(
    'the waiting caller hears hold media',
    async () => heardBy(baresip, earlier),
    (h) => h.seconds > 3,
    15_000,
  );
  expect(waited.rms).toBeGreaterThan(300);
  // Nobody was offered the call while the agent was on their break.
  expect((await fixtureState(agent)).call).toBeNull();
  expect((await statusOf(agentSession)).state).toBe('Break');

  // The agent becomes Available: the service offers them the waiting call, their phone rings, they answer.
  await mustSetState(agentSession, 'Available');
  await until(
    'agent rings',
    () => fixtureState(agent),
    (s) => s.call?.state === 'ringing',
    10_000,
  );
  await agent.evaluate(() => (window as unknown as { phone: { answer(): void } }).phone.answer());
  await reportCall(callId, 'answered');
  await baresip.waitFor('CALL_ESTABLISHED');
  const heard = await until(
    'agent hears the waiting caller',
    () => inboundAudio(agent),
    (m) => m !== null && m.state === 'connected' && m.packets > 50 && m.level > 0.01,
    15_000,
  );
  expect(heard?.sent).toBeGreaterThan(0);
  expect((await server.waiting.waitingCalls()).map((c) => c.callId)).toEqual([]);
  await agent.evaluate(() => (window as unknown as { phone: { hangup(): void } }).phone.hangup());
  await baresip.waitFor('CALL_CLOSED');
  await reportCall(callId, 'ended');
  await context.close();

  // The record keeps the wait: from the entry to the queue to the agent's answer.
  const row = await interactionOf(callId);
  expect(row).toMatchObject({ agent_id: agentSession.session.user.id, queue_result: 'answered' });
  expect(row?.queued_at).toBeTruthy();
  expect(row?.wait_seconds ?? 0).toBeGreaterThanOrEqual(Math.floor(waited.seconds));
  // super01's view: the call was offered and answered, nobody waits now.
  await until(
    'super01 sees the call answered',
    async () => queueNow(),
    (q) => q.waiting === 0 && q.offered === offeredBefore + 1 && q.answered >= 1,
    5_000,
  );
  console.log(
    `waiting caller heard ${waited.seconds.toFixed(1)} s, RMS ${waited.rms.toFixed(0)}; recorded wait ${row?.wait_seconds} s`,
  );
});

it('a caller who hangs up while waiting is recorded abandoned with the wait, and super01 counts it', async () => {
  printLogsOnFailure(() => baresip2);
  // The agent is not free (wrap-up of the last call, then a break).
  await mustSetState(agentSession, 'Break', { reason: 'meeting' });
  const status = await statusOf(agentSession);
  expect(status.state).not.toBe('Available');
  const { abandoned: abandonedBefore, waiting: waitingBefore } = queueNow();

  const { callId } = await callAndWait(baresip2, CALLER2.user);
  // Long enough to count a whole second of waiting.
  await new Promise((r) => setTimeout(r, 2000));
  expect((await interactionOf(callId))?.queue_result ?? null).toBeNull();
  await baresip2.hangup();
  await baresip2.waitFor('CALL_CLOSED');
  // Kamailio reports the CANCEL at once: no 10 s lost-caller timeout.
  const row = await until(
    'the service records the call abandoned',
    () => interactionOf(callId),
    (r) => r?.queue_result === 'abandoned',
    5_000,
  );
  expect(row).toMatchObject({ status: 'abandoned', agent_id: null });
  expect(row?.queued_at).toBeTruthy();
  expect(row?.wait_seconds ?? 0).toBeGreaterThanOrEqual(2);
  expect((await waitingSeenBySupervisor()).map((c) => c.callId)).not.toContain(callId);
  await until(
    'super01 counts the call abandoned',
    async () => queueNow(),
    (q) => q.abandoned === abandonedBefore + 1 && q.waiting === waitingBefore,
    5_000,
  );
});

it('a waiting caller presses 1 for a callback: the service files the callback ticket, the caller is told and let go', async () => {
  printLogsOnFailure(() => baresip2);
  await mustSetState(agentSession, 'Break', { reason: 'meeting' });
  const { waiting: waitingBefore } = queueNow();
  const earlier = baresip2.recordings();

  const { callId } = await callAndWait(baresip2, CALLER2.user);
  // Position, expected wait and the offer of the key in English, then in Mandarin: a wait longer than the
  // dozen seconds a hold leg suspended once per poll used to survive (tm's branch limit).
  await until(
    'caller 2 hears the announcements in both languages',
    async () => heardBy(baresip2, earlier),
    (h) => h.seconds > 15,
    30_000,
  );
  expect((await interactionOf(callId))?.queue_result ?? null).toBeNull();

  const pressedAt = Date.now();
  await baresip2.sendDigits('1');
  // rtpengine reads the key from the caller's RTP, the relay books the callback with the service.
  const row = await until(
    'the service books the callback',
    () => interactionOf(callId),
    (r) => r?.queue_result === 'callback',
    10_000,
  );
  expect(row).toMatchObject({ status: 'ended', agent_id: null });
  expect(row?.ticket_id).toBeTruthy();
  const ticket = await withServerDb((db) =>
    db
      .selectFrom('tickets')
      .innerJoin('customers', 'customers.id', 'tickets.customer_id')
      .select(['tickets.subject', 'tickets.channel', 'tickets.department_id', 'customers.phone'])
      .where('tickets.id', '=', row!.ticket_id!)
      .executeTakeFirstOrThrow(),
  );
  expect(ticket).toMatchObject({ channel: 'phone', department_id: row!.department_id });
  expect(ticket.subject).toMatch(/Callback requested/);
  expect(ticket.subject.replace(/\s/g, '')).toContain(CALLER2.user);
  expect(ticket.phone).toBe(`+86${CALLER2.user}`);

  // The caller hears the confirmation (English, then Mandarin, several seconds), then the PBX ends the call.
  const closed = await baresip2.waitFor('CALL_CLOSED', 30_000);
  const confirmedMs = Date.now() - pressedAt;
  expect(closed.param ?? '').toMatch(/Callback Booked/);
  expect(confirmedMs).toBeGreaterThan(4_000);
  expect((await waitingSeenBySupervisor()).map((c) => c.callId)).not.toContain(callId);
  await until(
    'super01 sees nobody waiting',
    async () => queueNow(),
    (q) => q.waiting === waitingBefore,
    5_000,
  );
  console.log(`callback booked; the caller was told for ${(confirmedMs / 1000).toFixed(1)} s, then let go`);
});
