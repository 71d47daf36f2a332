// Starts Kamailio (Debian package) in the foreground with its own runtime folder, and manages SIP users
// over its JSON-RPC HTTP endpoint. Self-contained: imports nothing else of src/server.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon } from './daemon';
import { DEFAULT_DOMAIN, renderKamailioConfig, renderTlsConfig, type WssOptions } from './config';
import { freeTcpPort, freeUdpTcpPort } from './ports';

export const KAMAILIO_MISSING =
  'Kamailio is not installed: apt-get install kamailio kamailio-websocket-modules kamailio-utils-modules';

const DEFAULT_TEMPLATE = fileURLToPath(new URL('../../../resources/pbx/kamailio.cfg.tpl', import.meta.url));

export interface StartKamailioOptions {
  /** Runtime folder: rendered configuration, pid file, control socket. Created when missing. */
  runDir: string;
  /** UDP + TCP SIP port; a free one when not given. */
  sipPort?: number;
  /** SIP over WebSocket port; a free one when not given. */
  wsPort?: number;
  /** JSON-RPC (HTTP, loopback) port; a free one when not given. */
  rpcPort?: number;
  /** Secure WebSocket: rendered only when given (needs Debian's kamailio-tls-modules). */
  wss?: { port?: number; certFile: string; keyFile: string };
  routingUrl?: string;
  /** rtpengine's ng socket, e.g. RunningRtpengine.ngSocket (see KamailioConfigOptions.rtpengineSocket). */
  rtpengineSocket?: string;
  /** Waiting callers' media (see KamailioConfigOptions.promptsDir). */
  promptsDir?: string;
  /** Offer waiting callers the callback key (see KamailioConfigOptions.callbacks). */
  callbacks?: boolean;
  /** Call events of the routing service (see KamailioConfigOptions.eventsUrl). */
  eventsUrl?: string;
  /** The service's PBX secret, sent with routing requests and call events (see KamailioConfigOptions). */
  serviceSecret?: string;
  domain?: string;
  kamailioBin?: string;
  templateFile?: string;
  /** Shared memory in MB (-m). Default 256. */
  sharedMemoryMb?: number;
  children?: number;
  logLevel?: number;
  /** Kamailio's own log lines (stderr), one call per line. */
  log?: (line: string) => void;
  /** How long to wait for Kamailio to answer JSON-RPC. Default 15 s. */
  startTimeoutMs?: number;
}

export interface RunningKamailio {
  sipPort: number;
  wsPort: number;
  wsUrl: string;
  wssUrl?: string;
  rpcUrl: string;
  domain: string;
  pid: number;
  /** Any JSON-RPC method; throws on a JSON-RPC error. */
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  /** Create or change a SIP user; the password is stored as HA1 = md5(user:domain:password). */
  setSipUser(username: string, password: string): Promise<void>;
  /** Remove a SIP user: new registrations and calls by it are refused. */
  removeSipUser(username: string): Promise<void>;
  /** Whether the PBX knows this SIP user (false after a restart: it keeps users in memory only). */
  hasSipUser(username: string): Promise<boolean>;
  stop(): Promise<void>;
}

const SIP_USER = /^[A-Za-z0-9._-]{1,64}$/;

export function sipHa1(username: string, domain: string, password: string): string {
  return createHash('md5').update(`${username}:${domain}:${password}`).digest('hex');
}

function checkBinary(bin: string): void {
  const probe = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) {
    if ((probe.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(KAMAILIO_MISSING);
    throw probe.error;
  }
  if (probe.status !== 0 || !/kamailio/i.test(probe.stdout + probe.stderr)) {
    throw new Error(`${bin} -v did not answer as Kamailio: ${(probe.stdout + probe.stderr).trim()}`);
  }
}

function kamailioBinary(given: string | undefined): string {
  if (given !== undefined) return given;
  // Debian puts it in /usr/sbin, which is not on every user's PATH.
  for (const candidate of ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio']) {
    if (existsSync(candidate)) return candidate;
  }
  return 'kamailio';
}

export async function startKamailio(opts: StartKamailioOptions): Promise<RunningKamailio> {
  const bin = kamailioBinary(opts.kamailioBin);
  checkBinary(bin);
  const log = opts.log ?? (() => {});
  const runDir = resolve(opts.runDir);
  mkdirSync(runDir, { recursive: true });

  const sipPort = opts.sipPort ?? (await freeUdpTcpPort());
  const taken = new Set([sipPort]);
  const pick = async (given: number | undefined): Promise<number> => {
    if (given !== undefined) return given;
    for (;;) {
      const port = await freeTcpPort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const wsPort = await pick(opts.wsPort);
  taken.add(wsPort);
  const rpcPort = await pick(opts.rpcPort);
  taken.add(rpcPort);
  let wss: WssOptions | undefined;
  if (opts.wss) {
    wss = { port: await pick(opts.wss.port), certFile: opts.wss.certFile, keyFile: opts.wss.keyFile };
  }
  const domain = opts.domain ?? DEFAULT_DOMAIN;

  const template = readFileSync(opts.templateFile ?? DEFAULT_TEMPLATE, 'utf8');
  const cfgFile = resolve(runDir, 'kamailio.cfg');
  const tlsConfigFile = resolve(runDir, 'tls.cfg');
  if (wss) writeFileSync(tlsConfigFile, renderTlsConfig(wss));
  writeFileSync(
    cfgFile,
    renderKamailioConfig(template, {
      runDir,
      sipPort,
      wsPort,
      rpcPort,
      domain,
      routingUrl: opts.routingUrl,
      eventsUrl: opts.eventsUrl,
      serviceSecret: opts.serviceSecret,
      rtpengineSocket: opts.rtpengineSocket,
      promptsDir: opts.promptsDir,
      callbacks: opts.callbacks,
      wss,
      tlsConfigFile: wss ? tlsConfigFile : undefined,
      children: opts.children,
      logLevel: opts.logLevel,
    }),
    // It may hold the service's PBX secret.
    { mode: 0o600 },
  );

  const check = spawnSync(bin, ['-c', '-f', cfgFile], { encoding: 'utf8', timeout: 20_000 });
  if (check.status !== 0) {
    const all = `${check.stdout ?? ''}${check.stderr ?? ''}${check.error ? String(check.error) : ''}`.split(
      '\n',
    );
    const errors = all.filter((l) => /ERROR|CRITICAL|error/.test(l));
    const shown = (errors.length > 0 ? errors : all.filter((l) => l.trim() !== '')).slice(-20);
    throw new Error(`Kamailio refused ${cfgFile}:\n${shown.join('\n')}`);
  }

  const pidFile = resolve(runDir, 'kamailio.pid');
  const args = ['-f', cfgFile, '-DD', '-E', '-m', String(opts.sharedMemoryMb ?? 256), '-M', '8'];
  args.push('-P', pidFile, '-Y', runDir);
  const rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
  const users = kamailioUsers(rpcUrl, domain);
  const rpc = users.rpc;
  const daemon = await startDaemon({
    name: 'Kamailio',
    cmd: bin,
    args,
    cwd: runDir,
    log,
    startTimeoutMs: opts.startTimeoutMs ?? 15_000,
    ready: async () => {
      const version = await rpc('core.version');
      return typeof version === 'string' && version.includes('kamailio');
    },
    readyWhat: `JSON-RPC at ${rpcUrl} in time`,
  });

  return {
    sipPort,
    wsPort,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    wssUrl: wss ? `wss://127.0.0.1:${wss.port}` : undefined,
    rpcUrl,
    domain,
    pid: daemon.pid,
    rpc,
    setSipUser: users.setSipUser,
    removeSipUser: users.removeSipUser,
    hasSipUser: users.hasSipUser,
    stop: daemon.stop,
  };
}

/**
 * SIP users of a running Kamailio, over its JSON-RPC endpoint: htable `sipusers` (user -> HA1), and
 * `ul.rm` so a removed user's registrations go too. Used for a Kamailio we started and for one started
 * elsewhere (`npm run pbx`).
 */
export function kamailioUsers(rpcUrl: string, domain: string) {
  let rpcId = 0;
  const rpc = async (method: string, params: unknown[] = []): Promise<unknown> => {
    const text = await postOnce(rpcUrl, JSON.stringify({ jsonrpc: '2.0', method, params, id: ++rpcId }));
    const body = JSON.parse(text) as { result?: unknown; error?: { code: number; message: string } };
    if (body.error) throw new Error(`Kamailio ${method}: ${body.error.message} (${body.error.code})`);
    return body.result;
  };
  return {
    rpc,
    async setSipUser(username: string, password: string): Promise<void> {
      if (!SIP_USER.test(username)) throw new Error(`invalid SIP user name: ${JSON.stringify(username)}`);
      if (password.length === 0) throw new Error('SIP password must not be empty');
      await rpc('htable.sets', ['sipusers', username, sipHa1(username, domain, password)]);
    },
    async hasSipUser(username: string): Promise<boolean> {
      if (!SIP_USER.test(username)) throw new Error(`invalid SIP user name: ${JSON.stringify(username)}`);
      try {
        await rpc('htable.get', ['sipusers', username]);
        return true;
      } catch (e) {
        if (/not found|doesn't exist|no such/i.test(String(e))) return false;
        throw e;
      }
    },
    async removeSipUser(username: string): Promise<void> {
      if (!SIP_USER.test(username)) throw new Error(`invalid SIP user name: ${JSON.stringify(username)}`);
      try {
        await rpc('htable.delete', ['sipusers', username]);
      } catch (e) {
        if (!/doesn't exist/.test(String(e))) throw e;
      }
      try {
        await rpc('ul.rm', ['location', username]);
      } catch {
        // not registered
      }
    },
  };
}

/**
 * One JSON-RPC POST on a connection of its own. Kamailio's xhttp closes connections after a reply at
 * times of its choosing; fetch's keep-alive pool would then reuse a closed socket ("other side closed").
 */
function postOnce(url: string, body: string): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolvePost, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: pathname,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 5_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolvePost(text));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Kamailio JSON-RPC at ${url} did not answer in 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
