// Runs inside the loopback-only namespace media.test.ts makes. rtpengine and Kamailio are started by the
// project's own code (startRtpengine, startKamailio with its rtpengine socket); the caller is baresip, a
// plain SIP endpoint (RTP/AVP, PCMU/PCMA, no ICE, no DTLS) playing a tone as its microphone and recording
// what it hears; the agent is the desktop's phone engine (JsSIP, WebRTC) in Chromium with its fake
// microphone. What a user would notice is measured on both ends: Chromium receives audio with a level, and
// baresip's recording is not silence.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import {
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

let dir: ReturnType<typeof tempDir>;
let rtpengine: RunningRtpengine;
let pbx: RunningKamailio;
let fixture: FixtureServer;
let browser: Browser;
let baresip: Baresip;
/** Kamailio's and rtpengine's logs, printed when a test fails. */
const logs: string[] = [];
const keep = (who: string) => (line: string) => {
  logs.push(`[${who}] ${line}`);
  if (logs.length > 600) logs.shift();
};
const printLogsOnFailure = () =>
  onTestFailed(() => console.error(`${logs.join('\n')}\n[baresip]\n${baresip?.log.join('\n')}`));

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
  rtpengine = await startRtpengine({
    runDir: join(dir.path, 'rtpengine'),
    portMin: 30000,
    portMax: 30199,
    log: keep('rtpengine'),
  });
  pbx = await startKamailio({
    runDir: join(dir.path, 'pbx'),
    rtpengineSocket: rtpengine.ngSocket,
    sharedMemoryMb: 64,
    children: 2,
    logLevel: 2,
    log: keep('kamailio'),
  });
  await pbx.setSipUser(AGENT.user, AGENT.password);
  await pbx.setSipUser(CALLER.user, CALLER.password);
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
}, 60_000);

afterAll(async () => {
  await baresip?.stop();
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

it('baresip calls the agent WebRTC phone through Kamailio and rtpengine; audio flows both ways', async () => {
  printLogsOnFailure();
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
  await agent.evaluate(() => (window as unknown as TestPhone).phone.resume());
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
