import type {
  EventName,
  EventPayload,
  MethodInput,
  MethodName,
  MethodOutput,
  SwitchboardApi,
} from '../../shared';
import { EventMessage, ResultMessage, SwitchboardError } from '../../shared';
import type { HostConnectionState } from './host-connection';

/** The smallest part of the DOM WebSocket we use, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WebSocketTransportOptions {
  /** The address, or how to find it before each connection (browser mode checks its device id first). */
  url: string | (() => Promise<string>);
  connection: HostConnectionState;
  createSocket?: (url: string) => SocketLike;
  /** How long an invoke waits for the first connection before it fails. */
  connectWaitMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const OPEN = 1;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

const unreachable = () =>
  new SwitchboardError(
    'unavailable',
    'The desktop services cannot be reached (the connection dropped). Try again once they are back.',
  );

/**
 * Browser-mode carrier of the contract: InvokeMessage out, ResultMessage and EventMessage in, over one
 * websocket to the Node host. Reconnects with exponential backoff; what was in flight when the socket
 * dropped fails at once, since the host may or may not have applied it and the caller should decide.
 */
export class WebSocketTransport implements SwitchboardApi {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Array<{ send: () => void; fail: (e: unknown) => void }> = [];
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly createSocket: (url: string) => SocketLike;

  constructor(private readonly options: WebSocketTransportOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.connect();
  }

  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    return new Promise<unknown>((resolve, reject) => {
      const send = () => {
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject });
        try {
          this.socket!.send(JSON.stringify({ id, method, input }));
        } catch (e) {
          this.pending.delete(id);
          reject(e instanceof SwitchboardError ? e : unreachable());
        }
      };
      if (this.socket?.readyState === OPEN) return send();
      if (this.options.connection.get() === 'unreachable') return reject(unreachable());
      // Still on the first connection: wait a little for it rather than failing the start-up calls.
      const entry = { send, fail: reject };
      this.waiting.push(entry);
      setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          reject(unreachable());
        }
      }, this.options.connectWaitMs ?? 8000);
    }) as Promise<MethodOutput<M>>;
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Stop for good (tests, page unload). */
  dispose(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.close();
  }

  private connect(): void {
    const { url } = this.options;
    if (typeof url === 'string') return this.open(url);
    url().then(
      (u) => {
        if (!this.closed) this.open(u);
      },
      () => {
        if (!this.closed) this.scheduleReconnect();
      },
    );
  }

  private open(url: string): void {
    const socket = this.createSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.options.connection.set('connected');
      for (const w of this.waiting.splice(0)) w.send();
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => {
      // onclose follows and does the work.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      // The host says why it closed a socket it could not read (1009 too big, 1007 not UTF-8 ...).
      const reason = (ev as { reason?: unknown } | null)?.reason;
      if (typeof reason === 'string' && reason)
        console.warn(`switchboard: the host closed the connection: ${reason}`);
      this.socket = null;
      this.options.connection.set('unreachable');
      const inFlight = [...this.pending.values()];
      this.pending.clear();
      for (const p of inFlight) p.reject(unreachable());
      for (const w of this.waiting.splice(0)) w.fail(unreachable());
      if (!this.closed) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const min = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 10_000;
    const delay = Math.min(max, min * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private receive(data: unknown): void {
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      console.warn('switchboard: ignored a message that is not JSON');
      return;
    }
    const result = ResultMessage.safeParse(message);
    if (result.success) {
      const p = this.pending.get(result.data.id);
      if (!p) return;
      this.pending.delete(result.data.id);
      if (result.data.ok) p.resolve(result.data.output);
      else p.reject(SwitchboardError.fromBody(result.data.error));
      return;
    }
    const event = EventMessage.safeParse(message);
    if (event.success) {
      for (const l of [...(this.listeners.get(event.data.event) ?? [])]) l(event.data.payload);
      return;
    }
    console.warn('switchboard: ignored a message of unknown shape');
  }
}
