import { accessSync, constants, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { EventName, EventPayload, SyncStatus } from '../../shared/ipc/contract';
import type { LoginResponse } from '../../shared/protocol/auth';
import { Ack, SwitchboardError, type StorageFault } from '../../shared/protocol/errors';
import { SlaAlert } from '../../shared/protocol/sla';
import { Poke, PULL_MAX_CHANGES } from '../../shared/protocol/sync';
import { asStorageError, storageFault, type LocalStore, type Touched } from '../store';
import { AgentStatusLink, offlineError } from './agent-status';
// Web chat (issue 13, chat desk): the agent's chats over this socket.
import { ChatLink } from '../chat/chat-link';
// Supervisors (issue 14, desk): the live view and the notices supervisors send, over this socket.
import { SupervisorLink } from '../supervisor/supervisor-link';
import { applyPoke, pullAll, type AppliedPage } from './pull';
import { PUSH_BATCH, pushAll, type Refusal } from './push';
import { socketIoConnection, type ConnectionFactory, type SyncConnection } from './transport';

export interface SyncEngineOptions {
  serverUrl: string;
  /** The signed-in user, whose agent state the engine follows. */
  userId: string;
  store: LocalStore;
  /** accessToken null: sign in with the refresh token first (a remembered session). */
  accessToken: string | null;
  refreshToken: string;
  /** Exchange a refresh token for a new pair (REST). Throws SwitchboardError. */
  refresh: (refreshToken: string) => Promise<LoginResponse>;
  /** The refresh token rotated: whoever remembers it must store the new one. */
  onTokens?: (tokens: LoginResponse) => void | Promise<void>;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  connect?: ConnectionFactory;
  log?: (line: string) => void;
  /**
   * This installation's device id (syncDeviceId), sent with every push: the server detects conflicts per
   * device, so one agent's two desktops conflict like two agents do.
   */
  deviceId?: string;
  pageSize?: number;
  pushBatch?: number;
  requestTimeoutMs?: number;
}

const AUTH_ERRORS = new Set(['unauthenticated', 'token_expired']);
/** A data.changed naming more records than this just says "everything". */
const MAX_IDS_IN_EVENT = 200;
const AnyAck = Ack(z.unknown());
/**
 * Reconnect backoff: 0.5 s doubling to 4 s, jittered by ±25% so a server restart is not met by every desktop
 * at once; at most 5 s, so an agent is back within a few seconds of the server.
 */
const RETRY_BASE_MS = 500;
const RETRY_CAP_MS = 4000;
/** While a storage fault holds, how often the engine looks (cheaply, without writing) whether it cleared. */
const FAULT_PROBE_MS = 5000;
/**
 * A full disk counts as having room again once this much more is free than when the write failed: SQLite
 * fills whatever is free before failing, so a resumed sync that fails again needs the agent to free more.
 */
const ROOM_BYTES = 1024 * 1024;
/**
 * A probe that said "cleared" while the very next sync failed the same way (a lock taken again and again, a
 * fault the probe cannot see) gets this many chances; after that only the agent's action resumes.
 */
const MAX_PROBE_RESUMES = 3;

/**
 * Keeps the local replica in step with the server: pulls on connect, after pushing and on every poke whose
 * changes it cannot apply as they come, pushes the outbox in order, refreshes the access token when told it
 * expired, and reports its state.
 * It never trusts the transport alone: every (re)connect pulls from the stored cursor.
 */
export class SyncEngine {
  private conn: SyncConnection | null = null;
  private accessToken: string | null;
  private refreshToken: string;
  private running = false;
  private loop: Promise<void> | null = null;
  private again = false;
  private refreshing: Promise<boolean> | null = null;
  private renewing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private current: SyncStatus;
  private lastEmitted = '';
  private refusal: string | null = null;
  /** A storage fault stopped syncing: no timed retries until the agent acts or the probe finds it cleared. */
  private fault: StorageFault | null = null;
  private faultProbe: NodeJS.Timeout | null = null;
  /** Free bytes on the replica's disk when disk_full was met. */
  private freeAtFault = 0;
  /** Syncs resumed by the probe since the last one that went through. */
  private probeResumes = 0;
  /** The agent's state, over the same socket. */
  readonly agent: AgentStatusLink;
  /** The agent's chats (issue 13), over the same socket. */
  readonly chat: ChatLink;
  /** The supervisor's live view and the notices sent to this user (issue 14), over the same socket. */
  readonly supervisor: SupervisorLink;

  constructor(private readonly o: SyncEngineOptions) {
    this.accessToken = o.accessToken;
    this.refreshToken = o.refreshToken;
    this.agent = new AgentStatusLink({
      userId: o.userId,
      request: (event, payload) => this.request(event, payload),
      onStatus: (s) => o.emit('agent.status', s),
      log: o.log,
    });
    this.chat = new ChatLink({
      userId: o.userId,
      request: (event, payload) => this.request(event, payload),
      connected: () => this.running && this.conn?.connected === true,
      emitState: (s) => o.emit('chat.state', s),
      emitMessage: (m) => o.emit('chat.message', m),
      emitTyping: (t) => o.emit('chat.visitorTyping', t),
      outbox: o.store.write.chatOutbox, // chat-outbox (issue 13): kept in the replica across restarts
      log: o.log,
    });
    this.supervisor = new SupervisorLink({
      request: (event, payload) => this.request(event, payload),
      connected: () => this.running && this.conn?.connected === true,
      emitView: (v) => o.emit('supervisor.view', v),
      emitNotices: (n) => o.emit('supervisor.notices', n),
      log: o.log,
    });
    const meta = o.store.read.syncMeta();
    this.current = {
      state: 'offline',
      pending: o.store.read.pendingCount(),
      lastSyncedAt: meta.lastSyncedAt,
      cursor: meta.cursor,
      head: meta.head,
      lastError: null,
      nextRetryAt: null,
      storageFault: null,
      setAside: o.store.setAside,
    };
  }

  status(): SyncStatus {
    try {
      return { ...this.current, pending: this.o.store.read.pendingCount() };
    } catch {
      return { ...this.current };
    }
  }

  get tokens(): { accessToken: string | null; refreshToken: string } {
    return { accessToken: this.accessToken, refreshToken: this.refreshToken };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setStatus({ state: 'connecting' });
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopProbe();
    this.conn?.close();
    this.conn = null;
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /**
   * The agent asked not to wait: offline, reconnect at once (the backoff timer is dropped); connected, pull and
   * push now.
   */
  retryNow(): SyncStatus {
    this.probeResumes = 0;
    return this.resume();
  }

  private resume(): SyncStatus {
    if (!this.running) return this.status();
    this.clearFault();
    if (this.conn?.connected) {
      this.requestSync();
      return this.status();
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.setStatus({ state: 'connecting', nextRetryAt: null });
    void this.connect();
    return this.status();
  }

  /** A local edit was queued: report it and push when connected. A storage fault it was saved past is over. */
  kick(): void {
    this.probeResumes = 0;
    this.clearFault();
    this.setStatus({});
    this.requestSync();
  }

  /**
   * Something the agent did failed on the replica for a storage fault: show it, and stop syncing into a
   * replica that cannot take it. Returns the error as the agent should see it.
   */
  storageFailed(e: unknown): unknown {
    const err = asStorageError(e, this.o.store.path);
    const fault = storageFault(err);
    if (fault && err instanceof SwitchboardError) this.enterFault(fault, err.message);
    return err;
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    if (!this.accessToken && !(await this.refreshTokens())) return;
    if (!this.running) return;
    if (this.conn) {
      this.conn.connect();
      return;
    }
    const conn = (this.o.connect ?? socketIoConnection)(this.o.serverUrl, () => this.accessToken ?? '');
    this.conn = conn;
    conn.on('connect', () => {
      this.failures = 0;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.setStatus({ state: 'syncing', lastError: null, nextRetryAt: null });
      this.requestSync();
      // The state may have moved while we were away (Offline after the grace period, a server restart).
      void this.agent.refresh();
      this.chat.connected();
      this.supervisor.connected();
    });
    conn.on('disconnect', (reason) => {
      if (!this.running) return;
      this.o.log?.(`sync: disconnected (${reason})`);
      this.setStatus({ state: 'offline' });
      this.chat.disconnected();
      this.supervisor.disconnected();
      this.retryLater(() => void this.connect());
    });
    conn.on('connect_error', (err) => {
      if (!this.running) return;
      if (AUTH_ERRORS.has(err.message)) {
        void this.refreshTokens().then((ok) => ok && this.conn?.connect());
        return;
      }
      this.setStatus({ state: 'offline', lastError: `Cannot reach the server at ${this.o.serverUrl}.` });
      this.retryLater(() => void this.connect());
    });
    conn.on('poke', (raw) => this.poked(raw));
    conn.on('agentStatus', (raw) => this.agent.pushed(raw));
    conn.on('chat', (event, raw) => this.chat.pushed(event, raw));
    conn.on('supervisor', (event, raw) => this.supervisor.pushed(event, raw));
    conn.on('slaAlert', (raw) => {
      // The service's escalation rules name this user: shown like the desktop's own (once per key).
      const alert = SlaAlert.safeParse(raw);
      if (alert.success) this.o.emit('sla.alert', alert.data);
      else this.o.log?.('sync: an SLA alert from the server could not be read; ignored');
    });
    conn.connect();
  }

  /**
   * A request over the sync socket that is answered now or not at all: offline it fails at once (nothing is
   * queued). An answer saying the token expired renews the connection, and this request fails.
   */
  async request(event: string, payload: unknown): Promise<unknown> {
    const conn = this.conn;
    if (!this.running || !conn?.connected) throw offlineError();
    let raw: unknown;
    try {
      raw = await conn.request(event, payload, this.o.requestTimeoutMs ?? 30_000);
    } catch {
      throw offlineError();
    }
    const ack = AnyAck.safeParse(raw);
    if (ack.success && !ack.data.ok && AUTH_ERRORS.has(ack.data.error.code)) {
      void this.renewConnection();
      throw new SwitchboardError(
        'unavailable',
        'The connection to the server is being renewed; try again in a moment.',
      );
    }
    return raw;
  }

  /**
   * A REST call with the session's access token, refreshing it once when the server says it expired.
   * The sync connection and such calls share one token pair, so neither rotates the other's away.
   */
  async authorized<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (!this.accessToken && !(await this.refreshTokens())) {
        throw new SwitchboardError(
          'unavailable',
          'Not connected to the server. Try again when the status says online.',
        );
      }
      try {
        return await call(this.accessToken!);
      } catch (e) {
        if (attempt > 0 || !(e instanceof SwitchboardError) || e.code !== 'token_expired') throw e;
        this.accessToken = null;
      }
    }
  }

  /** One refresh at a time; false when it failed (the session ended, or we retry later). */
  private refreshTokens(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    try {
      const r = await this.o.refresh(this.refreshToken);
      this.accessToken = r.accessToken;
      this.refreshToken = r.refreshToken;
      await this.o.onTokens?.(r);
      return true;
    } catch (e) {
      if (!this.running) return false;
      if (e instanceof SwitchboardError && e.code !== 'unavailable' && e.code !== 'internal') {
        this.o.log?.(`sync: refresh refused (${e.code}); session ended`);
        this.running = false;
        this.conn?.close();
        this.conn = null;
        // forbidden: the server refuses this account itself (disabled), not just this session.
        const accountDisabled = e.code === 'forbidden';
        const reason = accountDisabled
          ? 'Your account has been disabled. Ask an administrator.'
          : 'Your session has ended. Sign in again.';
        this.setStatus({ state: 'offline', lastError: reason, nextRetryAt: null });
        this.o.emit('session.ended', { reason, accountDisabled });
        return false;
      }
      this.setStatus({ state: 'offline', lastError: e instanceof Error ? e.message : String(e) });
      this.retryLater(() => void this.connect());
      return false;
    }
  }

  private requestSync(): void {
    this.again = true;
    if (this.loop || !this.running || this.fault) return;
    this.loop = this.runLoop().finally(() => (this.loop = null));
  }

  private async runLoop(): Promise<void> {
    while (this.again && this.running && this.conn?.connected) {
      this.again = false;
      const conn = this.conn;
      // Refusals are reported even when a later batch fails in transit: their outbox entries are already gone.
      const refused: Refusal[] = [];
      try {
        await pullAll(conn, this.o.store, {
          // Pages are short once caught up; while catching up, fewer and larger commits are much cheaper.
          pageSize: this.o.pageSize ?? PULL_MAX_CHANGES,
          timeoutMs: this.o.requestTimeoutMs ?? 30_000,
          onReset: () => {
            this.o.log?.('sync: the account moved to another scope; the local copy was replaced');
            this.o.emit('data.changed', { ticketIds: [], customerIds: [], interactionIds: [], all: true });
            // The account itself changed (a move): a refresh brings it as it is now, for the top bar and for
            // where new tickets go, instead of the one of the last sign-in.
            void this.refreshTokens();
          },
          onPage: (p) => this.pageApplied(p),
        });
        const pushed = await pushAll(this.reportingPushes(conn), this.o.store, {
          batchSize: this.o.pushBatch ?? PUSH_BATCH,
          timeoutMs: this.o.requestTimeoutMs ?? 30_000,
          deviceId: this.o.deviceId,
          onRejected: (r) => refused.push(r),
        });
        const anyRefused = refused.length > 0;
        this.reportRefused(refused);
        // Pull what our pushes produced (server versions, numbers), even if its poke is late.
        if (pushed.applied) this.again = true;
        this.failures = 0;
        this.probeResumes = 0;
        // A refusal stays on show until a later change goes through; transport errors clear at once.
        if (!anyRefused && pushed.applied) this.refusal = null;
        const lastError = this.refusal;
        this.setStatus({
          state: this.again ? 'syncing' : 'online',
          lastError,
          ...this.o.store.read.syncMeta(),
        });
      } catch (e) {
        this.reportRefused(refused);
        if (!this.running) return;
        if (e instanceof SwitchboardError && AUTH_ERRORS.has(e.code)) {
          await this.renewConnection();
          return;
        }
        if (storageFault(e)) {
          // The same write would fail the same way at every retry: stop here and say why.
          this.storageFailed(e);
          return;
        }
        const message = e instanceof Error ? e.message : String(e);
        this.o.log?.(`sync: ${message}`);
        this.setStatus({ lastError: message, state: this.conn?.connected ? 'syncing' : 'offline' });
        this.retryLater(() => this.requestSync());
        return;
      }
    }
  }

  /**
   * The connection as pushAll sees it, reporting the outbox once each push is answered and recorded: a long
   * outbox shows its true count falling push by push, not a stale one until the last push is done.
   */
  private reportingPushes(conn: SyncConnection): SyncConnection {
    return {
      get connected() {
        return conn.connected;
      },
      request: async (event, payload, timeoutMs) => {
        const answer = await conn.request(event, payload, timeoutMs);
        // pushAll records the answer synchronously once it has it; report after that, not before.
        setImmediate(() => {
          if (this.running && this.conn === conn) this.setStatus({});
        });
        return answer;
      },
      on: conn.on.bind(conn) as SyncConnection['on'],
      connect: () => conn.connect(),
      close: () => conn.close(),
    };
  }

  private pageApplied(p: AppliedPage): void {
    this.setStatus({
      state: p.hasMore ? 'syncing' : this.current.state,
      cursor: p.cursor,
      head: p.head,
    });
    if (p.count) this.emitChanged(p);
  }

  /**
   * A poke carrying changes is applied on the spot when it continues the replica and no pull or push is under
   * way (one could move the cursor or the outbox under it); every other poke asks for a pull, so a late,
   * repeated or reordered one costs a pull at worst. A queued edit still needs the loop to push it.
   */
  private poked(raw: unknown): void {
    const poke = Poke.safeParse(raw);
    let applied: AppliedPage | null = null;
    if (poke.success && !this.loop && this.running && this.conn?.connected) {
      try {
        applied = applyPoke(this.o.store, poke.data);
      } catch (e) {
        this.o.log?.(`sync: a poke could not be applied, pulling instead: ${String(e)}`);
      }
    }
    if (applied) this.pageApplied(applied);
    if (!applied || this.o.store.read.pendingCount() > 0) this.requestSync();
  }

  /** Reports, and forgets, the refusals gathered so far (so the error path cannot report them twice). */
  private reportRefused(gathered: Refusal[]): void {
    const refused = gathered.splice(0);
    if (!refused.length) return;
    for (const r of refused) this.o.log?.(`sync: ${r.name} refused: ${r.message}`);
    this.emitChanged(mergeTouched(refused.map((r) => r.touched)));
    this.refusal = `The server refused a change: ${refused.at(-1)!.message}`;
  }

  private enterFault(fault: StorageFault, message: string): void {
    this.o.log?.(`sync: stopped by a storage fault (${fault}): ${message}`);
    if (fault === 'storage_corrupt') this.o.store.markDamaged(message);
    this.fault = fault;
    this.freeAtFault = fault === 'disk_full' ? this.freeBytes() : 0;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    // Not "syncing" while nothing syncs: connected, the server is reachable and the fault is ours.
    this.setStatus({
      storageFault: fault,
      lastError: message,
      nextRetryAt: null,
      ...(this.conn?.connected ? { state: 'online' as const } : {}),
    });
    // A damaged replica does not heal: it is set aside at the next open (sign-in). The others can clear.
    if (fault !== 'storage_corrupt' && !this.faultProbe && this.probeResumes < MAX_PROBE_RESUMES) {
      this.faultProbe = setInterval(() => {
        if (this.fault && this.faultCleared(this.fault)) {
          this.o.log?.(`sync: the storage fault (${this.fault}) cleared; syncing again`);
          this.probeResumes++;
          this.resume();
        }
      }, FAULT_PROBE_MS);
      this.faultProbe.unref();
    }
  }

  /** Whether the condition behind `fault` is gone, found without writing to the replica. */
  private faultCleared(fault: StorageFault): boolean {
    const dir = dirname(this.o.store.path);
    try {
      if (fault === 'disk_full') return this.freeBytes() >= this.freeAtFault + ROOM_BYTES;
      if (fault === 'storage_read_only') {
        accessSync(dir, constants.W_OK);
        accessSync(this.o.store.path, constants.W_OK);
        return true;
      }
      if (fault === 'storage_locked') return this.o.store.write.canLock();
    } catch {
      return false;
    }
    return false;
  }

  private freeBytes(): number {
    try {
      const fs = statfsSync(dirname(this.o.store.path));
      return fs.bavail * fs.bsize;
    } catch {
      return 0;
    }
  }

  private clearFault(): void {
    this.stopProbe();
    if (!this.fault) return;
    this.fault = null;
    this.setStatus({ storageFault: null, lastError: null });
  }

  private stopProbe(): void {
    if (this.faultProbe) clearInterval(this.faultProbe);
    this.faultProbe = null;
  }

  private retryLater(fn: () => void): void {
    if (!this.running || this.retryTimer) return;
    this.failures++;
    const delay =
      Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(this.failures - 1, 10)) *
      (0.75 + Math.random() / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.running) return;
      this.setStatus({
        nextRetryAt: null,
        ...(this.conn?.connected ? {} : { state: 'connecting' as const }),
      });
      fn();
    }, delay);
    this.retryTimer.unref();
    this.setStatus({ nextRetryAt: new Date(Date.now() + delay).toISOString() });
  }

  /** The access token expired mid-connection: reconnect with a fresh one (the connect pulls again). */
  private renewConnection(): Promise<void> {
    this.renewing ??= (async () => {
      if (await this.refreshTokens()) {
        this.conn?.close();
        this.conn = null;
        void this.connect();
      }
    })().finally(() => (this.renewing = null));
    return this.renewing;
  }

  private emitChanged({ ticketIds, customerIds, interactionIds }: Touched): void {
    const all = ticketIds.length + customerIds.length + interactionIds.length > MAX_IDS_IN_EVENT;
    this.o.emit(
      'data.changed',
      all
        ? { ticketIds: [], customerIds: [], interactionIds: [], all }
        : { ticketIds, customerIds, interactionIds, all },
    );
  }

  private setStatus(patch: Partial<SyncStatus>): void {
    let stored: Pick<SyncStatus, 'lastSyncedAt' | 'cursor' | 'pending'>;
    try {
      const meta = this.o.store.read.syncMeta();
      stored = {
        lastSyncedAt: meta.lastSyncedAt,
        cursor: meta.cursor,
        pending: this.o.store.read.pendingCount(),
      };
    } catch {
      // A damaged replica can fail reads too: the status still goes out, with the last figures read.
      stored = {
        lastSyncedAt: this.current.lastSyncedAt,
        cursor: this.current.cursor,
        pending: this.current.pending,
      };
    }
    this.current = { ...this.current, ...stored, ...patch, pending: stored.pending };
    const key = JSON.stringify(this.current);
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    this.o.emit('sync.status', { ...this.current });
  }
}

function mergeTouched(list: Touched[]): Touched {
  const ids = (pick: (t: Touched) => string[]) => [...new Set(list.flatMap(pick))];
  return {
    ticketIds: ids((t) => t.ticketIds),
    customerIds: ids((t) => t.customerIds),
    interactionIds: ids((t) => t.interactionIds),
  };
}
