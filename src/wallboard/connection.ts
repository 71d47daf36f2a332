import { io, type Socket } from 'socket.io-client';
import {
  WALLBOARD_NAMESPACE,
  WALLBOARD_REST,
  WallboardConfig,
  WallboardSocketEvents,
} from '../shared/protocol/supervisor';
import { applyDelta, fromSnapshot, type BoardData } from './board-state';

export type Phase =
  /** Nothing shown yet: the first snapshot has not come. */
  | 'connecting'
  /** Connected, and the numbers are the service's now. */
  | 'live'
  /** The service cannot be reached (or is sending a new snapshot): the numbers are as old as `lastHeardMs`. */
  | 'stale'
  /** The service refused the token (revoked, unknown): nothing will work until a new link is opened. */
  | 'refused';

export interface BoardView {
  phase: Phase;
  data: BoardData | null;
  config: WallboardConfig | null;
  /** This device's clock when the service was last heard from (message, heartbeat, connect). */
  lastHeardMs: number | null;
  /** The service's clock minus this device's, from the last message: live counters use the service's time. */
  offsetMs: number;
}

/** Error codes with which the service refuses a token; anything else is worth trying again. */
const REFUSALS = new Set(['unauthenticated', 'unauthorized', 'forbidden', 'not_found', 'token_revoked']);

/**
 * The board's link to the central service: the config over REST and the live rows over the /wallboard
 * namespace, both with the wallboard token. Reconnects by itself (socket.io's backoff, 1 s doubling to 10 s,
 * jittered); applies deltas in seq order and asks for a snapshot on a gap.
 */
export class WallboardConnection {
  private view: BoardView = { phase: 'connecting', data: null, config: null, lastHeardMs: null, offsetMs: 0 };
  private readonly listeners = new Set<() => void>();
  private readonly socket: Socket;
  /** A snapshot was asked for (or is due after connecting): deltas until it comes are not applied. */
  private awaitingSnapshot = true;
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;

  constructor(
    private readonly token: string,
    private readonly origin = '',
  ) {
    this.socket = io(`${origin}${WALLBOARD_NAMESPACE}`, {
      auth: { token },
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10_000,
      randomizationFactor: 0.5,
      timeout: 10_000,
    });
    this.socket.on('connect', () => {
      this.retries = 0;
      this.heard();
      // The service sends a snapshot on connect; should it not come, ask for one.
      this.awaitingSnapshot = true;
      clearTimeout(this.snapshotTimer);
      this.snapshotTimer = setTimeout(() => this.resync(), 10_000);
      void this.loadConfig();
    });
    this.socket.on(WallboardSocketEvents.snapshot, (raw: unknown) => this.onSnapshot(raw));
    this.socket.on(WallboardSocketEvents.delta, (raw: unknown) => this.onDelta(raw));
    this.socket.on('disconnect', (reason) => {
      this.set({ phase: this.view.data ? 'stale' : 'connecting' });
      // Closed by the service (a restart, a revoked token): socket.io leaves that to the page. Try again; a
      // refused token then shows as such.
      if (reason === 'io server disconnect') this.retryLater();
    });
    this.socket.io.on('ping', () => this.heard());
    this.socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      this.set({ phase: this.view.data ? 'stale' : 'connecting' });
      // Transport failures are retried by socket.io itself; a refusal by the service is not.
      if (this.socket.active) return;
      if (REFUSALS.has(err.data?.code ?? '')) return this.refused();
      this.retryLater();
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getView = (): BoardView => this.view;

  close(): void {
    clearTimeout(this.snapshotTimer);
    clearTimeout(this.retryTimer);
    this.socket.close();
  }

  private set(patch: Partial<BoardView>): void {
    this.view = { ...this.view, ...patch };
    for (const l of this.listeners) l();
  }

  /** The same backoff as socket.io's own (1 s doubling to 10 s, jittered), for the reconnects it leaves to us. */
  private retryLater(): void {
    const delay = Math.min(10_000, 1000 * 2 ** this.retries++) * (0.5 + Math.random());
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.socket.connect(), delay);
  }

  private refused(): void {
    this.close();
    this.set({ phase: 'refused' });
  }

  private heard(): void {
    this.set({ lastHeardMs: Date.now() });
  }

  private resync(): void {
    this.awaitingSnapshot = true;
    if (this.socket.connected) this.socket.emit(WallboardSocketEvents.resync);
  }

  private onSnapshot(raw: unknown): void {
    let data: BoardData;
    try {
      data = fromSnapshot(raw);
    } catch (e) {
      console.error('wallboard: a snapshot the board cannot read', e);
      return;
    }
    clearTimeout(this.snapshotTimer);
    this.awaitingSnapshot = false;
    this.set({ data, phase: 'live', lastHeardMs: Date.now(), offsetMs: Date.parse(data.at) - Date.now() });
  }

  private onDelta(raw: unknown): void {
    const data = this.view.data;
    if (!data || this.awaitingSnapshot) return;
    let outcome: ReturnType<typeof applyDelta>;
    try {
      outcome = applyDelta(data, raw);
    } catch (e) {
      // A row the board cannot read is a row it would miss: start again from a snapshot.
      console.error('wallboard: a delta the board cannot read', e);
      return this.resync();
    }
    if (outcome.kind === 'gap') return this.resync();
    if (outcome.kind === 'old') return this.heard();
    this.set({
      data: outcome.data,
      lastHeardMs: Date.now(),
      offsetMs: Date.parse(outcome.data.at) - Date.now(),
    });
  }

  private async loadConfig(): Promise<void> {
    try {
      const res = await fetch(`${this.origin}${WALLBOARD_REST.config}`, {
        headers: { authorization: `Bearer ${this.token}` },
        cache: 'no-store',
      });
      if (res.status === 401 || res.status === 403) return this.refused();
      if (!res.ok) throw new Error(`config: HTTP ${res.status}`);
      this.set({ config: WallboardConfig.parse(await res.json()) });
    } catch (e) {
      // The rows still come over the socket; the board rotates through what they hold until the next connect.
      console.warn('wallboard: settings not loaded', e);
    }
  }
}
