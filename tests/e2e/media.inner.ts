// Runs inside the loopback-only namespace media.test.ts makes. rtpengine and Kamailio are started by the
// project's own code (startRtpengine, startKamailio with its rtpengine socket); the caller is baresip, a
// plain SIP endpoint (RTP/AVP, PCMU/PCMA, no ICE, no DTLS) playing a tone as its microphone and recording
// what it hears; the agent is the desktop's phone engine (JsSIP, WebRTC) in Chromium with its fake
// microphone. What a user would notice is measured on both ends: Chromium receives audio with a level, and
// baresip's recording is not silence.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import {
  ensureQueuePrompts,
  startKamailio,
  startRtpengine,
  type RunningKamailio,
  type RunningRtpengine,
} from '../../src/server/pbx';
import { startBaresip, wavRms, type Baresip } from '../pbx/baresip';
import { assertInNetns, CALL_FLAGS } from '../netns/run-in-netns';
import {
  fixtureState,
  openFixturePhone,
  serveFixture,
  until,
  type FixtureServer,
} from '../softphone/fixture-server';
import { launchChromium, tempDir } from './harness';

const AGENT = { user: '1001', password: 'agent-media-secret' };
const CALLER = { user: '13912345678', password: 'caller-media-secret' };
const CALLER2 = { user: '13800000002', password: 'caller2-media-secret' };
const QUEUE = '8001';

/**
 * Stand-in for the central service's routing endpoint and call events (as tests/pbx/kamailio.test.ts has),
 * answering as resources/pbx/README.md "Waiting in the queue" specifies: while no agent is free, `wait` with
 * the caller's position and expected wait; once the test frees the agent, the agent to the longest waiting.
 */
const routing = {
  agentFree: false,
  requests: [] as URL[],
  events: [] as { callId: string; event: string }[],
  waiting: [] as string[],
};
let routingServer: Server;

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
  routingServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += String(c)));
      req.on('end', () => {
        routing.events.push(JSON.parse(body) as { callId: string; event: string });
        res.writeHead(200).end('{}');
      });
      return;
    }
    routing.requests.push(url);
    const callId = url.searchParams.get('callid') ?? '';
    if (url.searchParams.get('wait') !== '1') {
      res.writeHead(404).end();
      return;
    }
    if (!routing.waiting.includes(callId)) routing.waiting.push(callId);
    if (routing.agentFree && routing.waiting[0] === callId) {
      routing.agentFree = false;
      routing.waiting.shift();
      res.writeHead(200).end(`${AGENT.user}\n20\n`);
      return;
    }
    const position = routing.waiting.indexOf(callId) + 1;
    res.writeHead(200).end(`wait\n${position}\n${position * 45}\n`);
  });
  await new Promise<void>((r) => routingServer.listen(0, '127.0.0.1', () => r()));
  const address = routingServer.address();
  const routingPort = typeof address === 'object' && address ? address.port : 0;
  // Announcements (espeak-ng, en and cmn) and hold music (sox), made as npm run pbx makes them.
  const promptsDir = await ensureQueuePrompts(join(dir.path, 'prompts'));
  rtpengine = await startRtpengine({
    runDir: join(dir.path, 'rtpengine'),
    portMin: 30000,
    portMax: 30199,
    log: keep('rtpengine'),
  });
  pbx = await startKamailio({
    runDir: join(dir.path, 'pbx'),
    rtpengineSocket: rtpengine.ngSocket,
    promptsDir,
    routingUrl: `http://127.0.0.1:${routingPort}/api/voice/route`,
    eventsUrl: `http://127.0.0.1:${routingPort}/api/voice/events`,
    sharedMemoryMb: 64,
    children: 2,
    logLevel: 2,
    log: keep('kamailio'),
  });
  await pbx.setSipUser(AGENT.user, AGENT.password);
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
  await new Promise((r) => routingServer?.close(r));
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

/** The agent's WebRTC phone: the desktop's phone engine in a Chromium page, registered as 1001. */
async function agentPhone(): Promise<{ context: BrowserContext; agent: Page }> {
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
    sipUri: `sip:${AGENT.user}@${pbx.domain}`,
    password: AGENT.password,
    iceGatheringTimeoutMs: 500,
  });
  await until(
    'agent registered',
    () => fixtureState(agent),
    (s) => s.registration.status === 'registered',
  );
  return { context, agent };
}

it('baresip calls the agent WebRTC phone through Kamailio and rtpengine; audio flows both ways', async () => {
  printLogsOnFailure(() => baresip);
  const { context, agent } = await agentPhone();

  await baresip.dial(`sip:${AGENT.user}@127.0.0.1:${pbx.sipPort}`);
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

/** The recordings of a baresip caller: total seconds and RMS over all of them. */
function heardBy(caller: Baresip): { seconds: number; rms: number } {
  const recordings = caller.recordings().map((file) => wavRms(file));
  const seconds = recordings.reduce((sum, r) => sum + r.seconds, 0);
  const rms =
    seconds === 0
      ? 0
      : Math.sqrt(recordings.reduce((sum, r) => sum + r.rms * r.rms * r.seconds, 0) / seconds);
  return { seconds, rms };
}

const callIdsOf = (user: string) => [
  ...new Set(
    routing.requests
      .filter((u) => u.searchParams.get('caller') === user)
      .map((u) => u.searchParams.get('callid')),
  ),
];

it('nobody is free: a baresip caller waits with music and announcements (early media), then an agent takes the call', async () => {
  printLogsOnFailure(() => baresip);
  const { context, agent } = await agentPhone();
  routing.agentFree = false;
  await baresip.dial(`sip:${QUEUE}@127.0.0.1:${pbx.sipPort}`);
  // 183 Session Progress with rtpengine's SDP: the caller's media starts before anyone answers.
  await baresip.waitFor('CALL_PROGRESS');
  // Kamailio polls the service with wait=1, about once a second, without holding the call.
  await until(
    'polls while waiting',
    async () => routing.requests.filter((u) => u.searchParams.get('caller') === CALLER.user).length,
    (n) => n >= 4,
    10_000,
  );
  expect(
    routing.requests
      .filter((u) => u.searchParams.get('caller') === CALLER.user)
      .every((u) => u.searchParams.get('wait') === '1'),
  ).toBe(true);
  const waited = heardBy(baresip);
  // The announcements and music: far from silence, and more than a second of it.
  expect(waited.seconds).toBeGreaterThan(2);
  expect(waited.rms).toBeGreaterThan(300);
  expect(fixtureState(agent).then((s) => s.call)).resolves.toBeNull();

  // An agent becomes free: the next poll names them, their phone rings, they answer, audio flows.
  routing.agentFree = true;
  await until(
    'agent rings',
    () => fixtureState(agent),
    (s) => s.call?.state === 'ringing',
    10_000,
  );
  await agent.evaluate(() => (window as unknown as { phone: { answer(): void } }).phone.answer());
  await baresip.waitFor('CALL_ESTABLISHED');
  const heard = await until(
    'agent hears the waiting caller',
    () => inboundAudio(agent),
    (m) => m !== null && m.state === 'connected' && m.packets > 50 && m.level > 0.01,
    15_000,
  );
  expect(heard?.sent).toBeGreaterThan(0);
  await agent.evaluate(() => (window as unknown as { phone: { hangup(): void } }).phone.hangup());
  await context.close();
  console.log(`waiting caller heard ${waited.seconds.toFixed(1)} s, RMS ${waited.rms.toFixed(0)}`);
});

it('a caller who hangs up while waiting is reported abandoned at once', async () => {
  printLogsOnFailure(() => baresip2);
  routing.agentFree = false;
  await baresip2.dial(`sip:${QUEUE}@127.0.0.1:${pbx.sipPort}`);
  await baresip2.waitFor('CALL_PROGRESS');
  await until(
    'caller 2 is waiting',
    async () => routing.requests.filter((u) => u.searchParams.get('caller') === CALLER2.user).length,
    (n) => n >= 2,
    10_000,
  );
  const [callId] = callIdsOf(CALLER2.user);
  expect(routing.events.filter((e) => e.callId === callId)).toEqual([]);
  await baresip2.hangup();
  await baresip2.waitFor('CALL_CLOSED');
  await until(
    'abandoned event',
    async () => routing.events.filter((e) => e.callId === callId),
    (e) => e.length > 0,
    5_000,
  );
  expect(routing.events.filter((e) => e.callId === callId)).toEqual([{ callId, event: 'abandoned' }]);
  // And Kamailio stops asking for it.
  const polls = routing.requests.length;
  await new Promise((r) => setTimeout(r, 2500));
  expect(routing.requests.slice(polls).filter((u) => u.searchParams.get('callid') === callId)).toEqual([]);
});
