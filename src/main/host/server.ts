import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { InvokeMessage, type EventMessage, type ResultMessage } from '../../shared/ipc/contract';
import type { CredentialVault } from '../vault';
import { DEVICE_ID, DeviceRegistry } from './devices';
import { staticHandler } from './static';

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
}

export interface Host {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * May this page talk to the services? Browsers always send Origin on a websocket: it must be this
 * host's own page (no cross-site websocket hijacking), and the Host header must name an address we
 * listen on (no DNS rebinding), unless we were bound to every interface on purpose.
 */
export function originAllowed(req: IncomingMessage, bind: string, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser: a local program, which could read the data dir anyway
  const host = req.headers.host ?? '';
  if (origin !== `http://${host}`) return false;
  const name = host.replace(/:\d+$/, '');
  if (!host.endsWith(`:${port}`)) return false;
  return LOOPBACK.has(name) || name === bind || WILDCARD.has(bind);
}

/** The browser-mode host: the built renderer over http and the contract over a websocket at /ipc. */
export async function startHost(opts: HostOptions): Promise<Host> {
  const bind = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const devices = new DeviceRegistry({
    dataDir: opts.dataDir,
    graceMs: opts.graceMs ?? 10_000,
    log,
    vault: opts.vault,
  });
  const serveStatic = staticHandler(opts.rendererDir ?? 'out/renderer');
  const http = createServer((req, res) => {
    serveStatic(req, res).catch((e: unknown) => {
      log(`host: ${req.url}: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  let port = 0;

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const deviceId = url.searchParams.get('device') ?? '';
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ipc') return refuse('404 Not Found');
    if (!originAllowed(req, bind, port)) {
      log(`host: refused a websocket from origin ${req.headers.origin}`);
      return refuse('403 Forbidden');
    }
    if (!DEVICE_ID.test(deviceId)) return refuse('400 Bad Request');
    wss.handleUpgrade(req, socket, head, (ws) => void serveSocket(ws, deviceId));
  });

  async function serveSocket(ws: WebSocket, deviceId: string): Promise<void> {
    const send = (m: EventMessage | ResultMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    // Messages that arrive while the device's services are being created wait for them.
    const queued: string[] = [];
    let handle: ((raw: string) => void) | null = null;
    ws.on('message', (data) => {
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
  port = (http.address() as AddressInfo).port;
  const shown = WILDCARD.has(bind) ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  return {
    url: `http://${shown}:${port}`,
    port,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await devices.closeAll();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
