import { AdminConfig } from '../../shared/admin';
import type { EventName, EventPayload } from '../../shared/ipc/contract';
import { slaAlertKey, type SlaAlert } from '../../shared/protocol/sla';
import { SwitchboardError } from '../../shared/protocol/errors';
import { SlaEngine, type SlaTargetKind } from '../../shared/sla';
import { CONFIG_META, META, type LocalStore } from '../store';

/** How often the watcher looks for targets entering warning or breach (offline too). */
export const WATCH_MS = 30_000;
/** How often, while online, the configuration is fetched again (an admin may have changed it elsewhere). */
export const CONFIG_POLL_MS = 5 * 60_000;
/** Stale tickets recomputed per transaction; more go on in the next turn of the event loop. */
const CHUNK = 2000;
const TARGETS: readonly SlaTargetKind[] = ['firstResponse', 'nextResponse', 'resolution'];

export interface SlaKeeperOptions {
  store: LocalStore;
  userId: string;
  /** A supervisor's department: its unassigned tickets are watched too. null: only the user's own. */
  watchDepartmentId: string | null;
  /** /api/config with the session's token; throws SwitchboardError (unavailable when offline). */
  fetchConfig: () => Promise<AdminConfig>;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  log?: (line: string) => void;
  now?: () => number;
}

/**
 * A session's SLA on the desktop: keeps the last configuration the service gave in the replica (so timers and
 * config.get work offline), keeps the replica's SLA columns current (sla_due_at for the "SLA due" order and the
 * "Breaching soon" view), and raises 'sla.alert' when a watched ticket's target enters warning or breach.
 */
/** How old a warning or breach may be and still be popped up (older ones are only in the list). */
export const ALERT_RECENT_MS = 2 * 60 * 60_000;

export class SlaKeeper {
  private config: AdminConfig | null = null;
  private engine: SlaEngine | null = null;
  private readonly alerted = new Set<string>();
  private watchTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private continuing: NodeJS.Immediate | null = null;
  private stopped = false;
  private online = false;

  constructor(private readonly o: SlaKeeperOptions) {
    const saved = o.store.read.meta(CONFIG_META);
    if (saved) {
      const parsed = AdminConfig.safeParse(safeJson(saved));
      if (parsed.success) this.use(parsed.data);
      else o.log?.('sla: the saved configuration could not be read; waiting for the server');
    }
  }

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(): void {
    this.refresh();
    this.watchTimer = setInterval(() => this.watch(), WATCH_MS);
    this.watchTimer.unref();
    this.pollTimer = setInterval(() => {
      if (this.online) this.refreshInBackground();
    }, CONFIG_POLL_MS);
    this.pollTimer.unref();
    this.watch();
  }

  stop(): void {
    this.stopped = true;
    if (this.watchTimer) clearInterval(this.watchTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.continuing) clearImmediate(this.continuing);
  }

  /**
   * An alert from the service's escalation rules for this user: shown unless this desktop's own clock raised the
   * same one (same ticket, target, kind and due time) already, and never twice. One set for both sources, here
   * in the session, so a reloaded window is not alerted again either.
   */
  serverAlert(alert: SlaAlert): void {
    const key = slaAlertKey(alert);
    if (this.alerted.has(key)) return;
    this.alerted.add(key);
    this.o.emit('sla.alert', alert);
  }

  /** The configuration held (the service's last answer, kept in the replica); null: never fetched here. */
  current(): AdminConfig | null {
    return this.config;
  }

  /** The sync engine's state: on every (re)connect the configuration is fetched again. */
  syncState(state: EventPayload<'sync.status'>['state']): void {
    const was = this.online;
    this.online = state === 'online' || state === 'syncing';
    if (this.online && !was) this.refreshInBackground();
  }

  /**
   * Fetch the configuration from the service and keep it. Offline (or the service unreachable) the cached one
   * stays and is returned; with none cached the error goes to the caller.
   */
  async refreshConfig(): Promise<AdminConfig> {
    try {
      const config = await this.o.fetchConfig();
      if (!this.stopped) this.accept(config);
      return config;
    } catch (e) {
      const offline = !(e instanceof SwitchboardError) || e.code === 'unavailable';
      if (offline && this.config) return this.config;
      if (!offline) this.o.log?.(`sla: the configuration could not be fetched: ${String(e)}`);
      throw e;
    }
  }

  /**
   * refreshConfig for the poll and a reconnect: nobody waits on it, so a failure ends here (refreshConfig logged
   * what is not plain unreachability); the next poll or reconnect tries again.
   */
  private refreshInBackground(): void {
    this.refreshConfig().catch(() => {});
  }

  /** Keep a configuration from the service; a changed one recomputes every unsolved ticket's due time. */
  accept(config: AdminConfig): void {
    const json = JSON.stringify(config);
    if (this.config && JSON.stringify(this.config) === json) return;
    const changed = this.config?.version !== config.version || this.config === null;
    this.o.store.write.sla.saveConfig(json);
    this.use(config);
    if (!changed) return;
    const n = this.o.store.write.sla.markUnsolvedStale();
    this.o.log?.(`sla: configuration version ${config.version}; ${n} unsolved ticket(s) to recompute`);
    this.refresh(true);
  }

  private use(config: AdminConfig): void {
    this.config = config;
    this.engine = new SlaEngine(config);
  }

  /**
   * Recompute the tickets whose SLA inputs changed (the store's triggers mark them). A few (one edit, a sync
   * page) are done at once, before the change is announced; a whole replica (a new configuration, a first sync)
   * goes on chunk by chunk between other work and then announces everything changed.
   */
  refresh(announce = false): void {
    if (this.stopped) return;
    if (this.continuing) return; // a background pass is under way and will pick these up
    // A first sync loads without the comment and history indexes: recomputing then would scan them per ticket.
    // Its last page builds them and announces the change, which brings us back here.
    if (this.loadingInBulk()) return;
    const { ticketIds, more } = this.o.store.write.sla.refreshStale(this.engine, this.now, CHUNK);
    if (!more) {
      // A reply, a transfer to this user or a reopen can start a clock that is already late: look at once.
      if (announce) this.announce();
      else if (ticketIds.length > 0) this.watch();
      return;
    }
    const step = () => {
      this.continuing = null;
      if (this.stopped || this.loadingInBulk()) return;
      try {
        const r = this.o.store.write.sla.refreshStale(this.engine, this.now, CHUNK);
        if (r.more) this.continuing = setImmediate(step);
        else this.announce();
      } catch (e) {
        this.o.log?.(`sla: recomputing due times stopped: ${String(e)}`);
      }
    };
    this.continuing = setImmediate(step);
  }

  private loadingInBulk(): boolean {
    return this.o.store.read.meta(META.bulkLoad) !== null;
  }

  private announce(): void {
    this.o.emit('data.changed', { ticketIds: [], customerIds: [], interactionIds: [], all: true });
    this.watch();
  }

  /** Alerts for the watched tickets whose targets are in warning or breached now, each key once. */
  watch(): SlaAlert[] {
    const engine = this.engine;
    if (!engine || this.stopped) return [];
    const now = this.now;
    const raised: SlaAlert[] = [];
    let watched;
    try {
      watched = this.o.store.read.sla.watchList(this.o.userId, this.o.watchDepartmentId);
    } catch (e) {
      this.o.log?.(`sla: the watch list could not be read: ${String(e)}`);
      return [];
    }
    for (const t of watched) {
      const sla = engine.statusOf(t, t.timeline, now);
      if (!sla) continue;
      for (const target of TARGETS) {
        const s = sla.status[target];
        if (!s || (s.state !== 'warning' && s.state !== 'breached')) continue;
        // Lateness from before the last couple of hours (a backlog found at sign-in, after a long outage) shows
        // in the list and in "Breaching soon", not as a stream of pop-ups: an alert is for what happens now.
        const happened = s.state === 'breached' ? s.dueAt : s.warnAt;
        const alert: SlaAlert = {
          ticketId: t.id,
          ticketNumber: t.number,
          subject: t.subject.slice(0, 300),
          departmentId: t.departmentId,
          target,
          kind: s.state === 'breached' ? 'breach' : 'warning',
          dueAt: new Date(s.dueAt).toISOString(),
          at: new Date(now).toISOString(),
          source: 'desktop',
        };
        const key = slaAlertKey(alert);
        if (this.alerted.has(key)) continue;
        this.alerted.add(key);
        if (now - happened > ALERT_RECENT_MS) continue;
        raised.push(alert);
        this.o.emit('sla.alert', alert);
      }
    }
    return raised;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
