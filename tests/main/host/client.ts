import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import WebSocket from 'ws';

/** The address a `npm run host` child prints once it serves; rejects if it exits first. */
export function hostReady(child: ChildProcessByStdio<null, Readable, Readable>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += String(c);
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`the host exited before it was ready: ${out}`)));
  });
}

/** What a browser would hold after loading the page: the device cookie, as `name=value`. */
export async function pageCookie(hostUrl: string): Promise<string> {
  const res = await fetch(`${hostUrl}/`);
  await res.text();
  const set = res.headers.get('set-cookie');
  if (!set) throw new Error('the host set no cookie');
  return set.split(';')[0]!;
}

export interface Client {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  /** Resolves with the close code and reason once the host closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
  invoke(method: string, input: unknown): Promise<Record<string, unknown>>;
}

let nextId = 1;

/** A websocket to `/ipc` as a page of hostUrl would open it; rejects with "refused: <status>" when refused. */
export function connect(
  hostUrl: string,
  device: string,
  o: { origin?: string | null; cookie?: string | null; host?: string } = {},
): Promise<Client> {
  const origin = o.origin === undefined ? hostUrl : o.origin;
  const headers: Record<string, string> = {};
  if (o.cookie) headers['cookie'] = o.cookie;
  if (o.host) headers['host'] = o.host;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${hostUrl.replace('http', 'ws')}/ipc?device=${device}`, {
      ...(origin ? { origin } : {}),
      headers,
    });
    const messages: Record<string, unknown>[] = [];
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.once('close', (code, reason) => done({ code, reason: String(reason) })),
    );
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Record<string, unknown>));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        closed,
        invoke(method, input) {
          const id = nextId++;
          ws.send(JSON.stringify({ id, method, input }));
          return new Promise((done, fail) => {
            const check = () => {
              const m = messages.find((x) => x['id'] === id);
              if (m) done(m);
              else if (ws.readyState !== WebSocket.OPEN) fail(new Error('socket closed'));
              else setTimeout(check, 10);
            };
            check();
          });
        },
      }),
    );
  });
}

/** A plain HTTP GET with exactly these headers and this request target, as a hostile client would send. */
export function rawGet(
  hostUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(hostUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes `text` on a fresh TCP connection and resolves with all the host answers until it closes. */
export function rawExchange(hostUrl: string, text: string): Promise<string> {
  const u = new URL(hostUrl);
  return new Promise((resolve, reject) => {
    const s = tcpConnect(Number(u.port), u.hostname, () => s.write(text));
    let out = '';
    s.on('data', (c: Buffer) => (out += String(c)));
    s.on('error', reject);
    s.on('close', () => resolve(out));
  });
}
