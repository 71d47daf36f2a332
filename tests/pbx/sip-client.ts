// A tiny SIP user agent for tests: SIP over UDP (node:dgram) or WebSocket (ws, subprotocol "sip"),
// with real MD5 digest authentication (qop=auth). Just enough to REGISTER and send or receive an INVITE.
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import WebSocket from 'ws';

export interface SipMessage {
  raw: string;
  /** Requests: method; responses: undefined. */
  method?: string;
  requestUri?: string;
  status?: number;
  reason?: string;
  headers: [string, string][];
  body: string;
  header(name: string): string | undefined;
  headerAll(name: string): string[];
}

const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
};

export function parseSip(raw: string): SipMessage {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1] as [string, string];
      last[1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
  }
  const msg: SipMessage = {
    raw,
    headers,
    body,
    header: (n) => headers.find(([k]) => k === n.toLowerCase())?.[1],
    headerAll: (n) => headers.filter(([k]) => k === n.toLowerCase()).map(([, v]) => v),
  };
  const response = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(startLine);
  if (response) {
    msg.status = Number(response[1]);
    msg.reason = response[2];
  } else {
    const request = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(startLine);
    if (!request) throw new Error(`not a SIP message: ${startLine}`);
    msg.method = request[1];
    msg.requestUri = request[2];
  }
  return msg;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const token = () => randomBytes(6).toString('hex');

function digestParams(challenge: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of challenge.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) {
    params[(m[1] as string).toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return params;
}

/** The Authorization value answering a Digest challenge (RFC 2617, MD5, qop=auth when offered). */
export function digestAuthorization(
  challenge: string,
  user: string,
  password: string,
  method: string,
  uri: string,
): string {
  const p = digestParams(challenge);
  const realm = p.realm ?? '';
  const nonce = p.nonce ?? '';
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const parts = [
    `username="${user}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `uri="${uri}"`,
    'algorithm=MD5',
  ];
  if (
    p.qop
      ?.split(',')
      .map((q) => q.trim())
      .includes('auth')
  ) {
    const nc = '00000001';
    const cnonce = token();
    parts.push(`response="${md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`, 'qop=auth', `nc=${nc}`);
    parts.push(`cnonce="${cnonce}"`);
  } else {
    parts.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  if (p.opaque !== undefined) parts.push(`opaque="${p.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

export class SipEndpoint {
  private queue: SipMessage[] = [];
  private waiters: { match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[] = [];
  /** Every message received, in order (for assertions). */
  readonly received: SipMessage[] = [];

  private constructor(
    readonly transport: 'UDP' | 'WS',
    /** Host:port written into Via and Contact. */
    readonly viaHost: string,
    private readonly sendRaw: (text: string) => void,
    private readonly closeRaw: () => Promise<void>,
  ) {}

  static async udp(serverPort: number): Promise<SipEndpoint> {
    const socket: Socket = createSocket('udp4');
    await new Promise<void>((res, rej) => {
      socket.once('error', rej);
      socket.bind(0, '127.0.0.1', () => res());
    });
    const ep = new SipEndpoint(
      'UDP',
      `127.0.0.1:${socket.address().port}`,
      (text) => socket.send(text, serverPort, '127.0.0.1'),
      () => new Promise((res) => socket.close(() => res())),
    );
    socket.on('message', (data) => ep.deliver(data.toString('utf8')));
    return ep;
  }

  static async ws(url: string, options: { rejectUnauthorized?: boolean } = {}): Promise<SipEndpoint> {
    const socket = new WebSocket(url, 'sip', { rejectUnauthorized: options.rejectUnauthorized ?? true });
    await new Promise<void>((res, rej) => {
      socket.once('open', () => res());
      socket.once('error', rej);
    });
    if (socket.protocol !== 'sip')
      throw new Error(`WebSocket subprotocol is "${socket.protocol}", not "sip"`);
    const ep = new SipEndpoint(
      'WS',
      `${token()}.invalid`,
      (text) => socket.send(text),
      () =>
        new Promise((res) => {
          if (socket.readyState === WebSocket.CLOSED) return res();
          socket.once('close', () => res());
          socket.close();
        }),
    );
    socket.on('message', (data: Buffer) => ep.deliver(data.toString('utf8')));
    return ep;
  }

  private deliver(text: string): void {
    const msg = parseSip(text);
    this.received.push(msg);
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0) {
      const [waiter] = this.waiters.splice(i, 1);
      waiter?.resolve(msg);
    } else {
      this.queue.push(msg);
    }
  }

  send(text: string): void {
    this.sendRaw(text);
  }

  /** The next message (already received or to come) that matches; rejects after timeoutMs. */
  next(match: (m: SipMessage) => boolean, timeoutMs = 3_000): Promise<SipMessage> {
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as SipMessage);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: SipMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching SIP message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * The final response (>= 200) to the request with this Call-ID and CSeq number (and method, when given: a
   * CANCEL shares its INVITE's CSeq number).
   */
  finalResponse(callId: string, cseq: number, timeoutMs = 3_000, method?: string): Promise<SipMessage> {
    return this.next((m) => {
      const [number, cseqMethod] = m.header('cseq')?.split(/\s+/) ?? [];
      return (
        m.status !== undefined &&
        m.status >= 200 &&
        m.header('call-id') === callId &&
        number === String(cseq) &&
        (method === undefined || cseqMethod === method)
      );
    }, timeoutMs);
  }

  via(branch: string): string {
    return `SIP/2.0/${this.transport} ${this.viaHost};branch=${branch};rport`;
  }

  contact(user: string): string {
    return `<sip:${user}@${this.viaHost};transport=${this.transport.toLowerCase()}>`;
  }

  close(): Promise<void> {
    return this.closeRaw();
  }
}

export interface Account {
  user: string;
  password: string;
  /** SIP domain and digest realm. */
  domain: string;
  /** Server host:port for request URIs. */
  server: string;
}

function request(
  ep: SipEndpoint,
  lines: { method: string; uri: string; callId: string; cseq: number; from: string; to: string },
  extra: string[],
  body = '',
): string {
  return [
    `${lines.method} ${lines.uri} SIP/2.0`,
    `Via: ${ep.via(`z9hG4bK${token()}`)}`,
    'Max-Forwards: 70',
    `From: ${lines.from}`,
    `To: ${lines.to}`,
    `Call-ID: ${lines.callId}`,
    `CSeq: ${lines.cseq} ${lines.method}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** REGISTER with digest authentication; resolves with the final response (200, 403, ...). */
export async function register(ep: SipEndpoint, account: Account, expires = 60): Promise<SipMessage> {
  const callId = `${token()}@test`;
  const aor = `<sip:${account.user}@${account.domain}>`;
  const from = `${aor};tag=${token()}`;
  const uri = `sip:${account.server}`;
  const extra = [`Contact: ${ep.contact(account.user)}`, `Expires: ${expires}`];
  ep.send(request(ep, { method: 'REGISTER', uri, callId, cseq: 1, from, to: aor }, extra));
  const first = await ep.finalResponse(callId, 1);
  if (first.status !== 401) return first;
  const challenge = first.header('www-authenticate');
  if (challenge === undefined) throw new Error('401 without WWW-Authenticate');
  const authorization = digestAuthorization(challenge, account.user, account.password, 'REGISTER', uri);
  ep.send(
    request(ep, { method: 'REGISTER', uri, callId, cseq: 2, from, to: aor }, [
      ...extra,
      `Authorization: ${authorization}`,
    ]),
  );
  return ep.finalResponse(callId, 2);
}

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

export interface Invite {
  callId: string;
  cseq: number;
  /** Resolves with the INVITE's final response (after proxy authentication). */
  final: Promise<SipMessage>;
  /** CANCEL the (authenticated) INVITE: the caller hangs up before an answer. */
  cancel(): void;
}

/** Send an INVITE from account to target user, answering the 407 challenge. */
export async function invite(ep: SipEndpoint, account: Account, target: string): Promise<Invite> {
  const sent = await authenticated(ep, account, 'INVITE', target, ['Content-Type: application/sdp'], SDP);
  const { uri, callId, cseq, from, to, via } = sent;
  const final = sent.final.then((response) => {
    if (response.status !== undefined && response.status >= 300) ackNon2xx(ep, response, uri);
    return response;
  });
  const cancel = () =>
    ep.send(
      [
        `CANCEL ${uri} SIP/2.0`,
        `Via: ${via}`,
        'Max-Forwards: 70',
        `From: ${from}`,
        `To: ${to}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} CANCEL`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  return { callId, cseq, final, cancel };
}

/** Send a MESSAGE from account to target user, answering the 407 challenge; resolves with the final response. */
export async function message(
  ep: SipEndpoint,
  account: Account,
  target: string,
  text: string,
): Promise<SipMessage> {
  return (await authenticated(ep, account, 'MESSAGE', target, ['Content-Type: text/plain'], text)).final;
}

/**
 * A request that needs proxy authentication: sent once, and again with credentials on a 407. `final` is the
 * final response to the last one sent; the other fields describe that request (for CANCEL).
 */
async function authenticated(
  ep: SipEndpoint,
  account: Account,
  method: 'INVITE' | 'MESSAGE',
  target: string,
  extraHeaders: string[],
  body: string,
) {
  const callId = `${token()}@test`;
  const from = `<sip:${account.user}@${account.domain}>;tag=${token()}`;
  const to = `<sip:${target}@${account.domain}>`;
  const uri = `sip:${target}@${account.server}`;
  const extra = [`Contact: ${ep.contact(account.user)}`, ...extraHeaders];
  const first = request(ep, { method, uri, callId, cseq: 1, from, to }, extra, body);
  ep.send(first);
  const response = await ep.finalResponse(callId, 1, 3_000, method);
  const viaOf = (text: string) => parseSip(text).header('via') ?? '';
  if (response.status !== 407) {
    return { uri, callId, cseq: 1, from, to, via: viaOf(first), final: Promise.resolve(response) };
  }
  if (method === 'INVITE') ackNon2xx(ep, response, uri);
  const challenge = response.header('proxy-authenticate');
  if (challenge === undefined) throw new Error('407 without Proxy-Authenticate');
  const authorization = digestAuthorization(challenge, account.user, account.password, method, uri);
  const second = request(
    ep,
    { method, uri, callId, cseq: 2, from, to },
    [...extra, `Proxy-Authorization: ${authorization}`],
    body,
  );
  ep.send(second);
  // Queue calls may ring several agents in turn before the caller hears a final answer.
  const final = ep.finalResponse(callId, 2, 15_000, method);
  return { uri, callId, cseq: 2, from, to, via: viaOf(second), final };
}

/** ACK for a non-2xx final response: same Via branch, To with the response's tag (RFC 3261 17.1.1.3). */
function ackNon2xx(ep: SipEndpoint, response: SipMessage, uri: string): void {
  const cseq = response.header('cseq')?.split(/\s+/)[0] ?? '1';
  ep.send(
    [
      `ACK ${uri} SIP/2.0`,
      `Via: ${response.header('via')}`,
      'Max-Forwards: 70',
      `From: ${response.header('from')}`,
      `To: ${response.header('to')}`,
      `Call-ID: ${response.header('call-id')}`,
      `CSeq: ${cseq} ACK`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/**
 * Answer a received request (copies Via, From, Call-ID, CSeq; To with a tag: the one given, so a final answer
 * can follow a provisional one in the same dialog, or a new one). Returns the To tag.
 */
export function reply(
  ep: SipEndpoint,
  req: SipMessage,
  status: number,
  reason: string,
  toTag: string = token(),
): string {
  const to = req.header('to') ?? '';
  const tag = /;tag=([^;]+)/.exec(to)?.[1];
  ep.send(
    [
      `SIP/2.0 ${status} ${reason}`,
      ...req.headerAll('via').map((v) => `Via: ${v}`),
      ...req.headerAll('record-route').map((v) => `Record-Route: ${v}`),
      `From: ${req.header('from')}`,
      tag === undefined ? `To: ${to};tag=${toTag}` : `To: ${to}`,
      `Call-ID: ${req.header('call-id')}`,
      `CSeq: ${req.header('cseq')}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
  return tag ?? toTag;
}

function uriOf(nameAddr: string): string {
  const m = nameAddr.match(/<([^>]+)>/);
  return m ? (m[1] as string) : (nameAddr.split(';')[0] as string).trim();
}

/** Record-Route entries in order, whether on separate header lines or comma-joined. */
export function routeSet(msg: SipMessage): string[] {
  return msg.headerAll('record-route').flatMap((v) => v.match(/<[^>]+>[^,]*/g) ?? []);
}

/**
 * A request inside the dialog a 2xx response to our INVITE established (RFC 3261 12.2.1.1): Request-URI is the
 * remote Contact, Route is the reversed Record-Route set.
 */
export function sendInDialog(ep: SipEndpoint, ok: SipMessage, method: 'ACK' | 'BYE', cseq: number): void {
  const contact = ok.header('contact');
  if (contact === undefined) throw new Error('2xx without Contact');
  const routes = routeSet(ok).reverse();
  ep.send(
    [
      `${method} ${uriOf(contact)} SIP/2.0`,
      `Via: ${ep.via(`z9hG4bK${token()}`)}`,
      'Max-Forwards: 70',
      ...(routes.length > 0 ? [`Route: ${routes.join(', ')}`] : []),
      `From: ${ok.header('from')}`,
      `To: ${ok.header('to')}`,
      `Call-ID: ${ok.header('call-id')}`,
      `CSeq: ${cseq} ${method}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/** Answer a received INVITE with 200 OK (our Contact, an SDP answer); returns the To tag. */
export function answer(ep: SipEndpoint, req: SipMessage, user: string): string {
  const tag = token();
  ep.send(
    [
      'SIP/2.0 200 OK',
      ...req.headerAll('via').map((v) => `Via: ${v}`),
      ...req.headerAll('record-route').map((v) => `Record-Route: ${v}`),
      `From: ${req.header('from')}`,
      `To: ${req.header('to')};tag=${tag}`,
      `Call-ID: ${req.header('call-id')}`,
      `CSeq: ${req.header('cseq')}`,
      `Contact: ${ep.contact(user)}`,
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(SDP)}`,
      '',
      SDP,
    ].join('\r\n'),
  );
  return tag;
}
