import { chmodSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { InvokeMessage, type EventMessage, type ResultMessage } from '../../shared/ipc/contract';
import type { CredentialVault } from '../vault';
import { deviceKeyCookie, DeviceKeys, newDeviceKey, readDeviceKey } from './device-keys';
import { DEVICE_ID, DeviceRegistry } from './devices';
import { decodePath, staticHandler } from './static';

export interface HostOptions {
  port?: number;
  host?: string;
  dataDir: string;
  /** The built renderer (default out/renderer). */
  rendererDir?: string;
  log?: (line: string) => void;
  /** How long a device's services outlive its last tab (ms). */
  graceMs?: number;
  /** Override the credential vault (tests); default createVault({ dataDir }). */
  vault?: CredentialVault;
  /**
   * Host names (or addresses) browsers may reach this host by, beside the loopback names and the bind
   * address (SWITCHBOARD_HOST_NAMES).
   */
  hostNames?: readonly string[];
  /** The central services a browser may sign in to (SWITCHBOARD_SERVER_URLS); default DEFAULT_SERVER_URLS. */
  serverUrls?: readonly string[];
}

export interface Host {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * The largest IPC message the host reads. The biggest legitimate call is a ticket with a 20,000-character
 * description and a 300-character subject (or a comment or call notes of 20,000): JSON escapes a character
 * in at most 6 bytes, so about 122 KB at worst; 256 KiB leaves room and stops a client from making the host
 * buffer and parse megabytes. A bigger message closes its socket with 1009 and a reason.
 */
export const MAX_IPC_MESSAGE_BYTES = 256 * 1024;
/** Frames announcing more than this are refused by their header, before anything is buffered. */
const MAX_FRAME_BYTES = 4 * MAX_IPC_MESSAGE_BYTES;

/** The servers browsers may sign in to when the operator names none (`npm start`'s service). */
export const DEFAULT_SERVER_URLS = ['http://127.0.0.1:4000', 'http://localhost:4000'];

const bracket = (address: string) => (address.includes(':') ? `[${address}]` : address);

/**
 * The names a page may reach this host by: the loopback names and the bind address; bound to every
 * interface, also every address of this machine's interfaces. Addresses cannot be rebound by DNS; any other
 * name (agents.example.com) must be configured, since a name this host does not know may be an attacker's
 * domain pointed at it.
 */
export function defaultHostNames(bind: string): string[] {
  const names = new Set(LOOPBACK);
  if (!WILDCARD.has(bind)) names.add(bracket(bind).toLowerCase());
  else {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(bracket(a.address.replace(/%.*$/, '')).toLowerCase());
    }
  }
  return [...names];
}

/** The host name of a Host header (`name:port`, `[::1]:port`), lower-cased; null when there is none. */
function hostName(host: string | undefined): string | null {
  if (!host) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host.trim());
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * May this request reach the host? The Host header must be one of `names` (no DNS rebinding: a page of
 * evil.example whose name now points here still sends Host: evil.example), and a browser's Origin, when it
 * sends one (always on a websocket), must be this same host (no cross-site websocket hijacking).
 */
export function requestAllowed(req: IncomingMessage, names: ReadonlySet<string>): boolean {
  const name = hostName(req.headers.host);
  if (name === null || !names.has(name)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser: a local program, which still needs the device key
  const host = req.headers.host!.trim().toLowerCase();
  return origin.toLowerCase() === `http://${host}` || origin.toLowerCase() === `https://${host}`;
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The browser-mode host: the built renderer over http and the contract over a websocket at /ipc. */
export async function startHost(opts: HostOptions): Promise<Host> {
  const bind = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const names = new Set([...defaultHostNames(bind), ...(opts.hostNames ?? [])].map((n) => n.toLowerCase()));
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.dataDir, 0o700);
  const keys = new DeviceKeys(join(opts.dataDir, 'device-keys.json'));
  const devices = new DeviceRegistry({
    dataDir: opts.dataDir,
    graceMs: opts.graceMs ?? 10_000,
    log,
    vault: opts.vault,
    serverUrls: opts.serverUrls ?? DEFAULT_SERVER_URLS,
  });
  const serveStatic = staticHandler(opts.rendererDir ?? 'out/renderer');
  let port = 0;
  const refusedName = (req: IncomingMessage) =>
    `host: refused ${req.url} for Host ${req.headers.host} and Origin ${req.headers.origin}; ` +
    `the names allowed are ${[...names].join(', ')} (SWITCHBOARD_HOST_NAMES adds more)`;

  const http = createServer((req, res) => {
    if (!requestAllowed(req, names)) {
      log(refusedName(req));
      res
        .writeHead(403, { 'content-type': 'text/plain; charset=utf-8' })
        .end(
          `This desktop is not served under the name ${req.headers.host ?? '(none)'}. ` +
            'Open it by an address its operator configured (SWITCHBOARD_HOST_NAMES).',
        );
      return;
    }
    // Every page load hands the browser its device key (a new one if it has none) and renews its lifetime.
    const key = readDeviceKey(req, port);
    res.setHeader('Set-Cookie', deviceKeyCookie(port, key ?? newDeviceKey()));
    if (req.method === 'GET' && decodePath(req.url) === '/ipc') return deviceCheck(req, res, key);
    serveStatic(req, res).catch((e: unknown) => {
      log(`host: ${req.url}: ${describe(e)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  /**
   * Plain GET /ipc?device=: may this browser use that device? A browser whose device is bound to another key
   * (its cookie was cleared, its localStorage kept) learns here, since a refused websocket tells a page
   * nothing, and starts a new device instead of knocking forever. Binds nothing.
   */
  function deviceCheck(req: IncomingMessage, res: ServerResponse, key: string | null): void {
    const deviceId = new URL(req.url!, 'http://x').searchParams.get('device') ?? '';
    const status = !DEVICE_ID.test(deviceId) ? 400 : keys.mayUse(deviceId, key) ? 204 : 403;
    res.writeHead(status, { 'cache-control': 'no-store' }).end();
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  wss.on('error', (e) => log(`host: websocket server: ${describe(e)}`));

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node takes its own error listener off an upgraded socket: without one, a reset here ends the process.
    socket.on('error', (e) => log(`host: websocket handshake: ${describe(e)}`));
    const refuse = (status: string, why: string) => {
      log(`host: refused a websocket (${status}): ${why}`);
      socket.end(
        `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(why)}\r\n\r\n${why}`,
      );
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://x');
    } catch {
      return refuse('400 Bad Request', 'That is not a URL.');
    }
    if (url.pathname !== '/ipc') return refuse('404 Not Found', 'The desktop services are at /ipc.');
    if (!requestAllowed(req, names)) {
      log(refusedName(req));
      return refuse('403 Forbidden', "Not this host's own page.");
    }
    const deviceId = url.searchParams.get('device') ?? '';
    if (!DEVICE_ID.test(deviceId)) return refuse('400 Bad Request', 'No valid device id.');
    const key = readDeviceKey(req, port);
    if (!key) return refuse('403 Forbidden', 'No device key: load the page from this host first.');
    let admitted: boolean;
    try {
      admitted = keys.admit(deviceId, key);
    } catch (e) {
      // Recording a new device failed (disk full, permissions): refuse it rather than admit it unbound.
      log(`host: could not record device ${deviceId}: ${describe(e)}`);
      return refuse('503 Service Unavailable', 'The host could not record this device; see its log.');
    }
    if (!admitted) return refuse('403 Forbidden', `Device ${deviceId} belongs to another browser.`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveSocket(ws, deviceId).catch((e: unknown) => {
        log(`host: device ${deviceId}: ${describe(e)}`);
        ws.close(1011, 'The desktop services could not start for this device; see the host log.');
      });
    });
  });

  async function serveSocket(ws: WebSocket, deviceId: string): Promise<void> {
    // A broken frame (too big, not UTF-8, bad opcode) or a reset closes this socket, and only this one.
    ws.on('error', (e) => log(`host: device ${deviceId}: closed a socket: ${describe(e)}`));
    const send = (m: EventMessage | ResultMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    // Messages that arrive while the device's services are being created wait for them.
    const queued: string[] = [];
    let handle: ((raw: string) => void) | null = null;
    ws.on('message', (data, isBinary) => {
      const size = Array.isArray(data)
        ? data.reduce((n, b) => n + b.length, 0)
        : (data as Buffer | ArrayBuffer).byteLength;
      if (size > MAX_IPC_MESSAGE_BYTES) {
        ws.close(1009, `Message of ${size} bytes; the limit is ${MAX_IPC_MESSAGE_BYTES} bytes.`);
        return;
      }
      if (isBinary) {
        send({
          id: -1,
          ok: false,
          error: { code: 'bad_request', message: 'Send invokes as JSON text, not binary.' },
        });
        return;
      }
      const raw = String(data);
      if (handle) handle(raw);
      else queued.push(raw);
    });
    const attached = await devices.attach(deviceId, send);
    let closed = false;
    ws.on('close', () => {
      closed = true;
      attached.detach();
    });
    if (ws.readyState !== ws.OPEN && !closed) {
      closed = true;
      attached.detach();
      return;
    }
    handle = (raw) => {
      let msg: InvokeMessage;
      try {
        msg = InvokeMessage.parse(JSON.parse(raw));
      } catch {
        send({ id: -1, ok: false, error: { code: 'bad_request', message: 'Not an invoke message.' } });
        return;
      }
      void attached.services.invoke(msg.method, msg.input).then((r) => send({ id: msg.id, ...r }));
    };
    for (const raw of queued.splice(0)) handle(raw);
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 4100, bind, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (e) => log(`host: http server: ${describe(e)}`));
  port = (http.address() as AddressInfo).port;
  // Work left unsent by the last run goes out now, not when its browser comes back (a tab may never).
  const resumed = devices
    .resumeAll()
    .catch((e: unknown) => log(`host: resuming devices with unsent changes: ${describe(e)}`));
  const shown = WILDCARD.has(bind) ? '127.0.0.1' : bracket(bind);
  return {
    url: `http://${shown}:${port}`,
    port,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await devices.closeAll();
      await resumed;
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
