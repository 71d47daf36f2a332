import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent as written: percent-encodings stay as they are, broken ones included. */
  path: string;
  headers?: [string, string][];
  body?: Buffer | string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * One HTTP/1.1 request over a plain TCP socket, so that what fetch would refuse or repair (broken
 * %-encodings, bodies that are not UTF-8, odd header values) reaches the server as sent.
 */
export function rawHttp(port: number, req: RawRequest): Promise<RawResponse> {
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
  const head =
    `${req.method} ${req.path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n` +
    (req.headers ?? []).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
    `content-length: ${body.length}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parse(Buffer.concat(chunks)));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    // Header bytes as latin1, so a test can put any byte in a header value.
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}

function parse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP response (${raw.length} bytes: ${raw.toString('latin1', 0, 200)})`);
  const [statusLine, ...lines] = raw.toString('latin1', 0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!Number.isInteger(status)) throw new Error(`bad status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  let json: unknown;
  try {
    json = body.length > 0 ? (JSON.parse(body.toString('utf8')) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, body, json };
}

function unchunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    const size = parseInt(b.toString('latin1', i, eol), 16);
    if (!size) return Buffer.concat(out);
    out.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}
