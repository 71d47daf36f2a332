// npm run pbx: Kamailio for development on loopback, with demo SIP users 1001..1012 (agent01..agent12).
//   SIP udp+tcp 127.0.0.1:5060, SIP over WebSocket ws://127.0.0.1:8088, JSON-RPC on 127.0.0.1:8089/RPC.
// Environment: SWITCHBOARD_SIP_DEMO_PASSWORD (default "switchboard"); SWITCHBOARD_PBX_SERVICE_URL (the central
// service, e.g. http://127.0.0.1:4000: queue routing and call events go there) or SWITCHBOARD_PBX_ROUTING_URL
// (routing only; without either, calls to 8xxx get 503); SWITCHBOARD_PBX_SECRET (the service's PBX secret,
// sent with routing requests and call events; default: the one kept beside SWITCHBOARD_DB, as the server does); SWITCHBOARD_PBX_DEMO_USERS=off (no demo users: the
// central service pushes the real accounts); SWITCHBOARD_PBX_VERBOSE=1 (Kamailio's log on stderr);
// SWITCHBOARD_PBX_SIP_PORT / _WS_PORT / _RPC_PORT / _RUN_DIR to move it (tests, a second copy);
// SWITCHBOARD_KAMAILIO_BIN (the kamailio binary, when not Debian's).
// Media: rtpengine (Debian's rtpengine-daemon) is started first, beside Kamailio, when installed: it bridges
// WebRTC phones with plain-RTP SIP endpoints and plays to waiting callers. SWITCHBOARD_PBX_MEDIA=off runs
// without it; with the service's URL it also reads a waiting caller's callback key (1) and books the callback
// there (src/server/pbx/dtmf-callback.ts); SWITCHBOARD_PBX_PROMPTS_DIR (.data/prompts): the queue's music and announcements;
// SWITCHBOARD_RTPENGINE_NG_PORT (a free one) and SWITCHBOARD_RTP_PORTS (30000-30999) move it.
// Exit codes: 0 stopped by SIGINT/SIGTERM, 3 Kamailio is not installed (npm start then runs without a phone),
// 1 anything else.
import { resolve } from 'node:path';
import { loadPbxSecret } from '../src/server/auth/signing-secret';
import { isPostgresUrl } from '../src/server/db/open';
import {
  ensureQueuePrompts,
  KAMAILIO_MISSING,
  PROMPTS_MISSING,
  promptToolsInstalled,
  rtpengineInstalled,
  serviceCallUrls,
  startKamailio,
  startRtpengine,
  type RunningRtpengine,
} from '../src/server/pbx';

const EXIT_KAMAILIO_MISSING = 3;

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${name} must be a port, got ${raw}`);
  return port;
}

function serviceUrls(): {
  routingUrl?: string;
  eventsUrl?: string;
  callbackUrl?: string;
  serviceSecret?: string;
} {
  const service = process.env.SWITCHBOARD_PBX_SERVICE_URL || undefined;
  const urls = service ? serviceCallUrls(service) : {};
  const routingUrl = process.env.SWITCHBOARD_PBX_ROUTING_URL || undefined;
  const withRouting: { routingUrl?: string; eventsUrl?: string; callbackUrl?: string } = routingUrl
    ? { ...urls, routingUrl }
    : urls;
  // The secret goes only where Kamailio talks to the service. Unset, it is the one `npm run server` keeps
  // beside its database (made here first if the PBX starts first), so the two pair up with nothing to copy.
  const configured = process.env.SWITCHBOARD_PBX_SECRET || undefined;
  const store = process.env.SWITCHBOARD_DB || '.data/server.sqlite';
  if (withRouting.routingUrl && !configured && isPostgresUrl(store))
    throw new Error(
      "The service's store is PostgreSQL, which keeps the PBX secret in the database: set SWITCHBOARD_PBX_SECRET " +
        "to SELECT value FROM server_secrets WHERE name = 'pbx' (or give both the same one).",
    );
  const db = resolve(store);
  const secret = withRouting.routingUrl ? loadPbxSecret(db, configured) : { source: 'none' as const };
  const serviceSecret = secret.source === 'none' ? undefined : secret.secret;
  return withRouting.routingUrl && serviceSecret ? { ...withRouting, serviceSecret } : withRouting;
}

async function main(): Promise<void> {
  const password = process.env.SWITCHBOARD_SIP_DEMO_PASSWORD || 'switchboard';
  const demoUsers = process.env.SWITCHBOARD_PBX_DEMO_USERS !== 'off';
  const verbose = process.env.SWITCHBOARD_PBX_VERBOSE === '1';
  const runDir = resolve(process.env.SWITCHBOARD_PBX_RUN_DIR || '.data/pbx');
  // Whatever has started stops on SIGINT/SIGTERM, also while the rest is still starting (both run in
  // process groups of their own, which a signal to this script does not reach).
  const started: { stop(): Promise<void> }[] = [];
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping Kamailio\n`);
    Promise.all(started.map((p) => p.stop())).then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const service = serviceUrls();
  let media: RunningRtpengine | undefined;
  let promptsDir: string | undefined;
  let mediaNote = 'media: off (SWITCHBOARD_PBX_MEDIA=off)';
  if (process.env.SWITCHBOARD_PBX_MEDIA !== 'off') {
    if (rtpengineInstalled()) {
      const [portMin, portMax] = (process.env.SWITCHBOARD_RTP_PORTS || '30000-30999').split('-').map(Number);
      media = await startRtpengine({
        runDir,
        // Only Kamailio talks to it, and it is told the port: a free one unless set.
        ngPort: process.env.SWITCHBOARD_RTPENGINE_NG_PORT
          ? portFromEnv('SWITCHBOARD_RTPENGINE_NG_PORT', 0)
          : undefined,
        portMin,
        portMax,
        // A waiting caller's callback key goes to the service's callback endpoint (with its PBX secret).
        callbacks: service.callbackUrl
          ? {
              callbackUrl: service.callbackUrl,
              serviceSecret: service.serviceSecret,
              log: (line) => process.stderr.write(`[callback key] ${line}\n`),
            }
          : undefined,
        log: (line) => {
          if (verbose || /ERR|CRIT|ALERT/.test(line)) process.stderr.write(`[rtpengine] ${line}\n`);
        },
      });
      started.push(media);
      if (stopping) media.stop().catch(() => {});
      mediaNote = `media: rtpengine ${media.ngSocket}`;
      // Waiting callers hear music and announcements made once (espeak-ng, sox) into a folder kept between
      // starts (SWITCHBOARD_PBX_PROMPTS_DIR, default .data/prompts). Kamailio needs only its path: a first
      // start makes them in the background instead of delaying the PBX. Without those packages, queue calls
      // are refused when nobody is free, as before.
      if (promptToolsInstalled()) {
        promptsDir = resolve(process.env.SWITCHBOARD_PBX_PROMPTS_DIR || '.data/prompts');
        ensureQueuePrompts(promptsDir).catch((e: unknown) =>
          process.stderr.write(`queue prompts: ${e instanceof Error ? e.message : String(e)}\n`),
        );
      } else {
        process.stderr.write(`${PROMPTS_MISSING}: callers do not wait in queues.\n`);
      }
    } else {
      mediaNote = 'media: off (rtpengine is not installed: apt-get install rtpengine-daemon)';
      process.stderr.write(
        'rtpengine is not installed: WebRTC phones reach only WebRTC phones, and waiting callers hear nothing.\n',
      );
    }
  }
  const pbx = await startKamailio({
    runDir,
    rtpengineSocket: media?.ngSocket,
    promptsDir,
    callbacks: media?.callbacks,
    sipPort: portFromEnv('SWITCHBOARD_PBX_SIP_PORT', 5060),
    wsPort: portFromEnv('SWITCHBOARD_PBX_WS_PORT', 8088),
    rpcPort: portFromEnv('SWITCHBOARD_PBX_RPC_PORT', 8089),
    ...service,
    kamailioBin: process.env.SWITCHBOARD_KAMAILIO_BIN || undefined,
    logLevel: verbose ? 2 : 1,
    log: (line) => {
      if (verbose || /ERROR|CRITICAL|ALERT/.test(line)) process.stderr.write(`[kamailio] ${line}\n`);
    },
  }).catch(async (e: unknown) => {
    await media?.stop();
    throw e;
  });
  started.push(pbx);
  if (stopping) {
    await pbx.stop();
    return;
  }

  try {
    for (let i = 1; i <= 12 && demoUsers; i++) {
      // agentNN logs in with SIP user 10NN.
      await pbx.setSipUser(String(1000 + i), password);
    }
  } catch (e) {
    await pbx.stop();
    await media?.stop();
    throw e;
  }
  process.stdout.write(
    `Switchboard PBX (Kamailio) ready: ${pbx.wsUrl} sip:127.0.0.1:${pbx.sipPort} (${mediaNote})\n`,
  );
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`${message}\n`);
  process.exit(message === KAMAILIO_MISSING ? EXIT_KAMAILIO_MISSING : 1);
});
