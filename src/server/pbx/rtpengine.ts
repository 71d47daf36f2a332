// Starts rtpengine (Debian's rtpengine-daemon, userspace: no kernel module) in the foreground beside Kamailio.
// Kamailio's rtpengine module drives it over the ng control protocol (bencode over UDP): it bridges WebRTC
// phones (ICE, DTLS-SRTP, opus) with plain-RTP SIP endpoints (RTP/AVP, PCMU/PCMA), and plays hold music and
// announcements to waiting callers. Self-contained: imports nothing else of src/server.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startDaemon } from './daemon';
import { startDtmfCallback, type DtmfCallbackOptions } from './dtmf-callback';
import { freeUdpTcpPort } from './ports';

export const RTPENGINE_MISSING = 'rtpengine is not installed: apt-get install rtpengine-daemon';

export interface StartRtpengineOptions {
  /** Runtime folder (pid file). Created when missing. */
  runDir: string;
  /** ng control port on 127.0.0.1 (UDP); a free one when not given. */
  ngPort?: number;
  /** RTP/RTCP port range on 127.0.0.1. Default 30000..30999. */
  portMin?: number;
  portMax?: number;
  rtpengineBin?: string;
  /** rtpengine's log level (0..7). Default 5 (notice). */
  logLevel?: number;
  /** rtpengine's own log lines, one call per line. */
  log?: (line: string) => void;
  /** How long to wait for rtpengine to answer an ng ping. Default 10 s. */
  startTimeoutMs?: number;
  /**
   * A waiting caller's callback key (CALLBACK_KEY) becomes a callback request to the service: rtpengine logs
   * the keys it carries to a relay (dtmf-callback.ts) that posts them. Without it, keys are not read.
   */
  callbacks?: DtmfCallbackOptions;
}

export interface RunningRtpengine {
  ngPort: number;
  /** The ng address in Kamailio's notation (modparam rtpengine_sock). */
  ngSocket: string;
  pid: number;
  /** Whether waiting callers' callback key reaches the service (options.callbacks): Kamailio offers it then. */
  callbacks: boolean;
  /** One ng command (bencode dictionary of strings, numbers and lists) and its answer, decoded. */
  ng(command: Record<string, BencodeValue>): Promise<Record<string, BencodeValue>>;
  stop(): Promise<void>;
}

export type BencodeValue = string | number | BencodeValue[] | { [key: string]: BencodeValue };

function rtpengineBinary(given: string | undefined): string {
  if (given !== undefined) return given;
  for (const candidate of ['/usr/bin/rtpengine', '/usr/sbin/rtpengine', '/usr/local/bin/rtpengine']) {
    if (existsSync(candidate)) return candidate;
  }
  return 'rtpengine';
}

/** Whether the rtpengine binary is there (npm run pbx runs without media bridging when it is not). */
export function rtpengineInstalled(bin?: string): boolean {
  const probe = spawnSync(rtpengineBinary(bin), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return !probe.error && probe.status === 0;
}

export function bencode(value: BencodeValue): string {
  if (typeof value === 'number') return `i${Math.trunc(value)}e`;
  if (typeof value === 'string') return `${Buffer.byteLength(value)}:${value}`;
  if (Array.isArray(value)) return `l${value.map(bencode).join('')}e`;
  const keys = Object.keys(value).sort();
  return `d${keys.map((k) => bencode(k) + bencode(value[k] as BencodeValue)).join('')}e`;
}

export function bdecode(text: Buffer): BencodeValue {
  let i = 0;
  const next = (): BencodeValue => {
    const c = String.fromCharCode(text[i] as number);
    if (c === 'i') {
      const end = text.indexOf(0x65, i);
      const n = Number(text.subarray(i + 1, end).toString('latin1'));
      i = end + 1;
      return n;
    }
    if (c === 'l') {
      i++;
      const list: BencodeValue[] = [];
      while (text[i] !== 0x65) list.push(next());
      i++;
      return list;
    }
    if (c === 'd') {
      i++;
      const dict: Record<string, BencodeValue> = {};
      while (text[i] !== 0x65) {
        const key = next() as string;
        dict[key] = next();
      }
      i++;
      return dict;
    }
    const colon = text.indexOf(0x3a, i);
    const len = Number(text.subarray(i, colon).toString('latin1'));
    if (!Number.isInteger(len) || colon < 0) throw new Error(`bad bencode at ${i}`);
    const s = text.subarray(colon + 1, colon + 1 + len).toString('utf8');
    i = colon + 1 + len;
    return s;
  };
  return next();
}

/** One ng command to rtpengine at 127.0.0.1:port; rejects after timeoutMs. */
export function ngCommand(
  port: number,
  command: Record<string, BencodeValue>,
  timeoutMs = 2_000,
): Promise<Record<string, BencodeValue>> {
  const cookie = randomBytes(6).toString('hex');
  const socket = createSocket('udp4');
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`rtpengine at 127.0.0.1:${port} did not answer ${String(command.command)}`));
    }, timeoutMs);
    socket.on('message', (msg) => {
      const space = msg.indexOf(0x20);
      if (msg.subarray(0, space).toString('latin1') !== cookie) return;
      clearTimeout(timer);
      socket.close();
      try {
        resolvePromise(bdecode(msg.subarray(space + 1)) as Record<string, BencodeValue>);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      socket.close();
      reject(e);
    });
    socket.send(`${cookie} ${bencode(command)}`, port, '127.0.0.1');
  });
}

export async function startRtpengine(opts: StartRtpengineOptions): Promise<RunningRtpengine> {
  const bin = rtpengineBinary(opts.rtpengineBin);
  if (!rtpengineInstalled(bin)) throw new Error(RTPENGINE_MISSING);
  const log = opts.log ?? (() => {});
  const runDir = resolve(opts.runDir);
  mkdirSync(runDir, { recursive: true });
  const ngPort = opts.ngPort ?? (await freeUdpTcpPort());
  const portMin = opts.portMin ?? 30000;
  const portMax = opts.portMax ?? 30999;
  if (!(portMin > 1024 && portMax > portMin && portMax < 65536 && (portMax - portMin) % 2 === 1)) {
    throw new Error(`RTP port range must be 1025..65535, even to odd, got ${portMin}..${portMax}`);
  }
  const args = [
    '--foreground',
    '--log-stderr',
    '--interface=127.0.0.1',
    `--listen-ng=127.0.0.1:${ngPort}`,
    // Userspace forwarding only: the kernel module is not there (nor wanted on a developer's machine).
    '--table=-1',
    `--port-min=${portMin}`,
    `--port-max=${portMax}`,
    `--log-level=${opts.logLevel ?? 5}`,
    `--pidfile=${resolve(runDir, 'rtpengine.pid')}`,
    // No system configuration file (/etc/rtpengine/rtpengine.conf): everything is on this command line.
    '--config-file=none',
  ];
  const relay = opts.callbacks ? await startDtmfCallback(opts.callbacks) : undefined;
  if (relay) args.push(`--dtmf-log-dest=${relay.dest}`);
  // setpriv (util-linux) execs rtpengine with a parent-death signal: if the process that started it dies
  // without stopping it (SIGKILL, a crash), rtpengine gets SIGTERM instead of living on with its ports.
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  const [cmd, cmdArgs] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', bin, ...args]] : [bin, args];
  const daemon = await startDaemon({
    name: 'rtpengine',
    cmd,
    args: cmdArgs,
    cwd: runDir,
    log,
    startTimeoutMs: opts.startTimeoutMs ?? 10_000,
    ready: async () => (await ngCommand(ngPort, { command: 'ping' }, 300)).result === 'pong',
    readyWhat: `an ng ping on 127.0.0.1:${ngPort}`,
  }).catch(async (e: unknown) => {
    await relay?.stop();
    throw e;
  });
  return {
    ngPort,
    ngSocket: `udp:127.0.0.1:${ngPort}`,
    pid: daemon.pid,
    callbacks: relay !== undefined,
    ng: (command) => ngCommand(ngPort, command),
    stop: async () => {
      await daemon.stop();
      await relay?.stop();
    },
  };
}
