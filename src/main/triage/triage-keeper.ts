import type { Channel, TicketPriority } from '../../shared/domain';
import type { TriageModelStatus } from '../../shared/ipc/triage';
import { SwitchboardError } from '../../shared/protocol/errors';
import { DEFAULT_TRIAGE_THRESHOLD, type TicketCategory, type TriagePrediction } from '../../shared/triage';
import { loadTriageModel, type TriagePredictor } from '../../shared/triage/model';
import { jiebaCut } from './jieba-cut';
import type { TriageModelCache, CachedTriageModel } from './model-cache';

/** How often, while online, the service is asked for a newer model (a retraining may have made one). */
export const MODEL_POLL_MS = 10 * 60_000;

/** The service's current model: its version, the review threshold, the model (undefined: the one kept here). */
export interface ServiceModel {
  version: number;
  threshold: number;
  model: unknown;
}

export interface TriageKeeperOptions {
  cache: TriageModelCache;
  /**
   * The service's current model; its `model` is undefined when it is the version this desktop already has
   * (`have`). Throws SwitchboardError (unavailable when offline).
   */
  fetchModel: (have: number | null) => Promise<ServiceModel>;
  log?: (line: string) => void;
  now?: () => Date;
}

/** What triage sets on a ticket the agent creates. */
export interface NewTicketTriage {
  category: TicketCategory;
  priority: TicketPriority;
  triage: TriagePrediction;
}

/**
 * Triage on the desktop (issue 15): keeps the service's model beside the replica and triages the tickets this
 * desktop creates with it, online or offline, so a ticket made during an outage has its category, priority and
 * prediction at once. The prediction names the model's version and says it was made here (source desktop).
 */
export class TriageKeeper {
  private entry: CachedTriageModel | null;
  private runtime: TriagePredictor | null = null;
  private runtimeFailed = false;
  private lastError: string | null = null;
  private online = false;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<TriageModelStatus> | null = null;

  constructor(private readonly o: TriageKeeperOptions) {
    this.entry = o.cache.read(o.log);
  }

  start(): void {
    this.pollTimer = setInterval(() => {
      if (this.online) void this.refresh().catch(() => undefined);
    }, MODEL_POLL_MS);
    this.pollTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
  }

  status(): TriageModelStatus {
    return {
      version: this.entry?.version ?? null,
      fetchedAt: this.entry?.fetchedAt ?? null,
      threshold: this.entry?.threshold ?? DEFAULT_TRIAGE_THRESHOLD,
      lastError: this.lastError,
    };
  }

  /** The sync engine's state: on every (re)connect the service is asked for a newer model. */
  syncState(state: 'offline' | 'connecting' | 'syncing' | 'online'): void {
    const was = this.online;
    this.online = state === 'online' || state === 'syncing';
    if (this.online && !was) void this.refresh().catch(() => undefined);
  }

  /**
   * Ask the service for its current model and keep it when it is newer. Offline, the kept one stays and the
   * status says why no newer one came; a refusal (not offline) goes to the caller as well.
   */
  refresh(): Promise<TriageModelStatus> {
    this.refreshing ??= this.fetchAndKeep().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async fetchAndKeep(): Promise<TriageModelStatus> {
    let got: ServiceModel;
    try {
      got = await this.o.fetchModel(this.entry?.version ?? null);
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      const offline = e instanceof SwitchboardError && e.code === 'unavailable';
      if (!offline) this.o.log?.(`triage: the model could not be fetched: ${this.lastError}`);
      throw e;
    }
    this.lastError = null;
    if (this.stopped) return this.status();
    const fetchedAt = this.now().toISOString();
    if (got.model === undefined || got.version === this.entry?.version) {
      // The kept model is the current one; the threshold may have changed.
      if (this.entry) {
        this.entry = { ...this.entry, threshold: got.threshold, fetchedAt };
        this.o.cache.write(this.entry);
        this.runtime = null; // made again with the new threshold on the next ticket
        this.runtimeFailed = false;
      }
      return this.status();
    }
    const entry: CachedTriageModel = {
      version: got.version,
      threshold: got.threshold,
      fetchedAt,
      model: got.model,
    };
    // Read before it replaces the kept one: a model this desktop cannot read must not take its place.
    const runtime = this.load(entry);
    if (!runtime) return this.status();
    this.o.cache.write(entry);
    this.entry = entry;
    this.runtime = runtime;
    this.runtimeFailed = false;
    this.o.log?.(`triage: model version ${entry.version} kept for offline use`);
    return this.status();
  }

  /**
   * Triage a ticket the agent is creating: category from the model; priority from the model unless the agent
   * picked one; the prediction with this desktop as its source. null: no model here yet (never online since
   * install), or the kept model cannot be read: the ticket is made untriaged and the service triages it.
   */
  triageNewTicket(t: {
    subject: string;
    description: string;
    channel: Channel;
    priority: TicketPriority;
    priorityChosen: boolean;
  }): NewTicketTriage | null {
    const runtime = this.ready();
    if (!runtime || !this.entry) return null;
    const text = t.description.trim() ? `${t.subject}\n${t.description}` : t.subject;
    let triage: TriagePrediction;
    try {
      triage = runtime.predict(text, t.channel, {
        reviewBelow: this.entry.threshold,
        at: this.now().toISOString(),
      });
    } catch (e) {
      this.o.log?.(`triage: the model failed on a new ticket: ${String(e)}`);
      return null;
    }
    // The knowledge base is the service's: an article is matched when the service sees the ticket.
    triage = { ...triage, article: null, source: 'desktop' };
    const agentsOwn = t.priorityChosen || t.priority !== 'normal';
    return {
      category: triage.category.value,
      priority: agentsOwn ? t.priority : triage.priority.value,
      triage,
    };
  }

  private ready(): TriagePredictor | null {
    if (this.runtime || this.runtimeFailed || !this.entry) return this.runtime;
    this.runtime = this.load(this.entry);
    this.runtimeFailed = this.runtime === null;
    return this.runtime;
  }

  private load(entry: CachedTriageModel): TriagePredictor | null {
    try {
      return loadTriageModel(entry.model, {
        cut: jiebaCut,
        modelVersion: entry.version,
        source: 'desktop',
        reviewBelow: entry.threshold,
      });
    } catch (e) {
      this.lastError = `The triage model (version ${entry.version}) cannot be read by this desktop: ${String(e)}`;
      this.o.log?.(`triage: ${this.lastError}`);
      return null;
    }
  }

  private now(): Date {
    return (this.o.now ?? (() => new Date()))();
  }
}
