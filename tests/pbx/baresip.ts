// A real plain-RTP SIP endpoint for call tests: Debian's baresip (1.0) with a config folder of its own.
// Its microphone is a WAV file (module aufile), what it hears is written to a WAV file (module sndfile:
// dump-*-dec.wav in the folder), and the test drives it over ctrl_tcp (netstring JSON commands and events).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freeTcpPort, freeUdpTcpPort } from '../../src/server/pbx';

export interface BaresipOptions {
  /** Its own folder: config, accounts, recordings. */
  dir: string;
  /** Kamailio's SIP port on 127.0.0.1 (UDP). */
  pbxPort: number;
  user: string;
  password: string;
  /** WAV file played as the microphone. */
  micWav: string;
  /** RTP port range start (10 ports are used). */
  rtpPortMin: number;
}

export interface BaresipEvent {
  type: string;
  param?: string;
  peeruri?: string;
}

export interface Baresip {
  events: BaresipEvent[];
  dial(uri: string): Promise<void>;
  hangup(): Promise<void>;
  /** Keys pressed in the current call (menu's sndcode: RFC 4733 telephone-events when the call has them). */
  sendDigits(digits: string): Promise<void>;
  /** Resolves with the first event of this type (seen before or after the call). */
  waitFor(type: string, ms?: number): Promise<BaresipEvent>;
  /** The WAV files of what it heard (sndfile's decoded stream), newest last. */
  recordings(): string[];
  stop(): Promise<void>;
  log: string[];
}

export async function startBaresip(opts: BaresipOptions): Promise<Baresip> {
  mkdirSync(opts.dir, { recursive: true });
  const sipPort = await freeUdpTcpPort();
  const ctrlPort = await freeTcpPort();
  writeFileSync(
    join(opts.dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'sip_transports udp',
      // Only loopback exists in the test's namespace; baresip skips loopback unless told.
      'net_interface 127.0.0.1',
      `audio_source aufile,${opts.micWav}`,
      // No sound card: the player is one end of an in-process bridge nobody reads; sndfile records the
      // decoded audio before it gets there.
      'audio_player aubridge,nowhere',
      'audio_alert aubridge,nowhere',
      'audio_level no',
      `rtp_ports ${opts.rtpPortMin}-${opts.rtpPortMin + 9}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module aubridge.so',
      'module sndfile.so',
      `snd_path ${opts.dir}`,
      'module_app account.so',
      'module_app menu.so', // the commands (dial, hangup) ctrl_tcp runs
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(opts.dir, 'accounts'),
    `<sip:${opts.user}@127.0.0.1:${opts.pbxPort};transport=udp>;auth_pass=${opts.password};regint=0;audio_codecs=PCMU,PCMA\n`,
  );
  const log: string[] = [];
  const child: ChildProcess = spawn('baresip', ['-f', opts.dir], {
    cwd: opts.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onOut = (c: Buffer) => {
    for (const line of String(c).split('\n')) if (line.trim()) log.push(line);
    if (log.length > 400) log.splice(0, log.length - 400);
  };
  child.stdout?.on('data', onOut);
  child.stderr?.on('data', onOut);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  let socket: Socket | undefined;
  for (let i = 0; i < 100 && !socket; i++) {
    socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect(ctrlPort, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (!socket) await new Promise((r) => setTimeout(r, 100));
  }
  if (!socket) {
    child.kill('SIGKILL');
    throw new Error(`baresip did not open its control port:\n${log.join('\n')}`);
  }
  const ctrl = socket;
  const events: BaresipEvent[] = [];
  const waiters: { type: string; resolve: (e: BaresipEvent) => void }[] = [];
  let buffer = '';
  ctrl.on('data', (c: Buffer) => {
    buffer += c.toString('utf8');
    for (;;) {
      const colon = buffer.indexOf(':');
      if (colon < 0) return;
      const len = Number(buffer.slice(0, colon));
      if (buffer.length < colon + 1 + len + 1) return;
      const json = buffer.slice(colon + 1, colon + 1 + len);
      buffer = buffer.slice(colon + 1 + len + 1);
      const msg = JSON.parse(json) as BaresipEvent & { event?: boolean };
      if (!msg.event) continue;
      events.push(msg);
      for (const w of waiters.filter((x) => x.type === msg.type)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    }
  });
  let token = 0;
  const command = (name: string, params?: string): Promise<void> => {
    const json = JSON.stringify({ command: name, params, token: String(++token) });
    return new Promise((resolve, reject) =>
      ctrl.write(`${Buffer.byteLength(json)}:${json},`, (e) => (e ? reject(e) : resolve())),
    );
  };
  return {
    events,
    log,
    dial: (uri) => {
      // Events belong to one call at a time: waitFor() then sees only this call's.
      events.length = 0;
      return command('dial', uri);
    },
    hangup: () => command('hangup'),
    sendDigits: (digits) => command('sndcode', digits),
    waitFor(type, ms = 15_000) {
      const seen = events.find((e) => e.type === type);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `baresip: no ${type} in ${ms} ms; events: ${events.map((e) => e.type).join(', ')}\n${log.slice(-30).join('\n')}`,
              ),
            ),
          ms,
        );
        waiters.push({
          type,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    recordings() {
      return readdirSync(opts.dir)
        .filter((f) => /^dump-.*-dec\.wav$/.test(f))
        .sort()
        .map((f) => join(opts.dir, f));
    },
    async stop() {
      ctrl.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** RMS of a 16-bit PCM WAV file's samples (0..32767), and its length in seconds. */
export function wavRms(file: string): { rms: number; seconds: number } {
  const buf = readFileSync(file);
  let offset = 12;
  let rate = 8000;
  let channels = 1;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    let size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(offset + 10);
      rate = buf.readUInt32LE(offset + 12);
    }
    if (id === 'data') {
      // sndfile's data chunk is the last one; while the file is still being written its header lags
      // behind (or says 0): the samples are whatever is there up to the end.
      const start = offset + 8;
      size = buf.length - start;
      let sum = 0;
      const n = Math.floor(size / 2);
      for (let i = 0; i < n; i++) {
        const v = buf.readInt16LE(start + i * 2);
        sum += v * v;
      }
      return { rms: n === 0 ? 0 : Math.sqrt(sum / n), seconds: n / channels / rate };
    }
    offset += 8 + size + (size % 2);
  }
  return { rms: 0, seconds: 0 };
}
