// A visitor's widget as the server sees it: a real WebSocket to the service's visitor socket, sending the
// page's Origin a browser would, with the frames it receives kept in order for the tests to wait on.
import WebSocket from 'ws';
import { CHAT_VISITOR_SOCKET_PATH, ServerFrame, type VisitorFrame } from '../../src/shared/chat';

export class Visitor {
  readonly frames: ServerFrame[] = [];
  closed: { code: number } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      // Every frame the server sends must match the shared schema.
      this.frames.push(ServerFrame.parse(JSON.parse(String(data))));
      this.wake();
    });
    ws.on('close', (code) => {
      this.closed = { code };
      this.wake();
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static open(baseUrl: string, origin: string): Promise<Visitor> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${CHAT_VISITOR_SOCKET_PATH}`, { origin });
    const v = new Visitor(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(v));
      ws.once('error', reject);
    });
  }

  send(frame: VisitorFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame (from index `from` on) that `pick` accepts; rejects if the socket closes first. */
  async frame(pick: (f: ServerFrame) => boolean, from = 0): Promise<ServerFrame> {
    for (;;) {
      const found = this.frames.slice(from).find(pick);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) before the frame awaited`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async next<T extends ServerFrame['type']>(
    type: T,
    pick: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    from = 0,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    return (await this.frame((f) => f.type === type && pick(f as never), from)) as Extract<
      ServerFrame,
      { type: T }
    >;
  }

  async untilClosed(): Promise<{ code: number }> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.closed;
  }

  async hello(site: string, token?: string, since = 0) {
    this.send({ type: 'hello', site, ...(token && { token }), since });
    return this.next('welcome');
  }

  /** Sends a message; resolves with the server's ack or its error event about that client id. */
  async say(clientId: string, text: string) {
    const from = this.frames.length;
    this.send({ type: 'send', clientId, text });
    return (await this.frame(
      (f) => (f.type === 'ack' || f.type === 'error') && f.clientId === clientId,
      from,
    )) as Extract<ServerFrame, { type: 'ack' | 'error' }>;
  }

  close(): void {
    this.ws.close();
  }
}
