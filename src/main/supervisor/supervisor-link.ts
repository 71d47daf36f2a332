import { z } from 'zod';
import type { ErrorBody } from '../../shared/protocol/errors';
import { Ack, SwitchboardError } from '../../shared/protocol/errors';
import {
  SupervisorDelta,
  SupervisorMessage,
  SupervisorSnapshot,
  SupervisorSocketEvents,
  WaitingCallList,
  type AssignWaitingCallRequest,
  type SupervisorMessageRequest,
} from '../../shared/protocol/supervisor';
import { AgentStatus, VoiceSocketEvents } from '../../shared/protocol/voice';
import {
  AgentHistoryEntry,
  type SupervisorNotices,
  type SupervisorSetAgentState,
  type SupervisorView,
} from '../../shared/ipc/supervisor';

export interface SupervisorLinkOptions {
  /** A request over the sync socket; throws SwitchboardError('unavailable') at once when not connected. */
  request: (event: string, payload: unknown) => Promise<unknown>;
  connected: () => boolean;
  emitView: (v: SupervisorView) => void;
  emitNotices: (n: SupervisorNotices) => void;
  /** Deltas come in bursts: the window hears the view at most this often (ms); 0: after every change. */
  coalesceMs?: number;
  log?: (line: string) => void;
  now?: () => Date;
}

/** Notices kept for the window (the oldest go first beyond this). */
const MAX_NOTICES = 50;

export const supervisorOffline = () =>
  new SwitchboardError(
    'unavailable',
    'The live view needs the connection to the server, which is down. The numbers shown are as old as it says.',
  );

const HistoryAck = Ack(z.object({ changes: z.array(AgentHistoryEntry) }));

/**
 * The supervisor's live view (issue 14) over the session's sync socket, and the notices supervisors send to
 * this desktop. The service pushes whole changed rows numbered by seq: the link subscribes once, applies each
 * delta that is the next one, and on a gap, or after the socket was away, asks for a whole snapshot again, so
 * what the window shows is always a state the service was in, never a mix. Nothing is polled.
 */
export class SupervisorLink {
  private watching = false;
  private live = false;
  private departmentIds: string[] | undefined;
  private view: SupervisorSnapshot | null = null;
  private receivedAt: string | null = null;
  private error: ErrorBody | null = null;
  /** A subscribe in flight; deltas heard meanwhile wait here for its snapshot. */
  private subscribing: Promise<void> | null = null;
  private again = false;
  private early: SupervisorDelta[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly notices: SupervisorMessage[] = [];

  constructor(private readonly o: SupervisorLinkOptions) {}

  state(): SupervisorView {
    return {
      watching: this.watching,
      live: this.live,
      view: this.view,
      receivedAt: this.receivedAt,
      error: this.error,
    };
  }

  /** The window opened the monitor: subscribe (again, if departments changed) and answer the view. */
  async watch(departmentIds?: string[]): Promise<SupervisorView> {
    const changed = JSON.stringify(departmentIds ?? null) !== JSON.stringify(this.departmentIds ?? null);
    this.departmentIds = departmentIds;
    if (!this.watching || changed || !this.live) {
      this.watching = true;
      await this.subscribe();
    }
    return this.state();
  }

  /** The monitor closed: the service stops sending deltas to this desktop. */
  async unwatch(): Promise<void> {
    this.watching = false;
    this.live = false;
    this.view = null;
    this.early = [];
    this.changed(true);
    if (this.o.connected()) {
      await this.o.request(SupervisorSocketEvents.unsubscribe, {}).catch((e: unknown) => {
        this.o.log?.(`supervisor: unsubscribe not sent: ${String(e)}`);
      });
    }
  }

  /** The socket (re)connected: the service forgot the subscription, and deltas may have been missed. */
  connected(): void {
    if (this.watching) void this.subscribe();
  }

  /** The socket went away: the numbers stop here, and the window says how old they are. */
  disconnected(): void {
    if (!this.live) return;
    this.live = false;
    this.changed(true);
  }

  /** A supervisor:* push from the server; what does not parse is dropped (and logged), never shown. */
  pushed(event: string, raw: unknown): void {
    if (event === SupervisorSocketEvents.notice) {
      const r = SupervisorMessage.safeParse(raw);
      if (!r.success) return this.o.log?.('supervisor: dropped a malformed notice');
      if (this.notices.some((n) => n.id === r.data.id)) return;
      this.notices.push(r.data);
      if (this.notices.length > MAX_NOTICES) this.notices.shift();
      this.o.emitNotices(this.noticeList());
      return;
    }
    if (event !== SupervisorSocketEvents.delta) return this.o.log?.(`supervisor: unexpected push ${event}`);
    const r = SupervisorDelta.safeParse(raw);
    if (!r.success) {
      // A delta we cannot read is a gap: the next snapshot says what it carried.
      this.o.log?.('supervisor: dropped a malformed delta; asking for a new snapshot');
      if (this.watching) void this.subscribe();
      return;
    }
    if (!this.watching) return;
    if (this.subscribing || !this.view) {
      this.early.push(r.data);
      return;
    }
    this.apply(r.data);
  }

  noticeList(): SupervisorNotices {
    return { notices: this.notices.map((n) => ({ ...n })) };
  }

  dismissNotice(id: string): SupervisorNotices {
    const i = this.notices.findIndex((n) => n.id === id);
    if (i >= 0) {
      this.notices.splice(i, 1);
      this.o.emitNotices(this.noticeList());
    }
    return this.noticeList();
  }

  waiting(): Promise<WaitingCallList> {
    return this.call(SupervisorSocketEvents.waiting, {}, WaitingCallList);
  }

  async assignCall(req: AssignWaitingCallRequest): Promise<void> {
    await this.call(SupervisorSocketEvents.assignCall, req, z.object({}));
  }

  message(req: SupervisorMessageRequest): Promise<SupervisorMessage> {
    return this.call(SupervisorSocketEvents.message, req, SupervisorMessage);
  }

  /**
   * Another agent's state: the service refuses a stale version, so the agent's current one is asked first (a
   * supervisor's view carries no versions). A change asked while the agent is on a call becomes their pending one.
   */
  async setAgentState(req: SupervisorSetAgentState): Promise<AgentStatus> {
    const now = await this.call(VoiceSocketEvents.getStatus, { userId: req.userId }, AgentStatus);
    return this.call(
      VoiceSocketEvents.setState,
      {
        userId: req.userId,
        state: req.state,
        version: now.version,
        ...(req.reason ? { reason: req.reason } : {}),
        ...(req.note ? { note: req.note } : {}),
      },
      AgentStatus,
    );
  }

  async history(userId: string, limit: number): Promise<AgentHistoryEntry[]> {
    const raw = await this.send(VoiceSocketEvents.history, { userId, limit });
    return this.read(HistoryAck, raw, VoiceSocketEvents.history).changes;
  }

  // ------------------------------------------------------------------ internals

  private subscribe(): Promise<void> {
    if (this.subscribing) {
      this.again = true;
      return this.subscribing;
    }
    this.subscribing = this.subscribeOnce().finally(() => {
      this.subscribing = null;
      if (this.again && this.watching) {
        this.again = false;
        void this.subscribe();
      }
    });
    return this.subscribing;
  }

  private async subscribeOnce(): Promise<void> {
    this.early = [];
    try {
      const payload = this.departmentIds ? { departmentIds: this.departmentIds } : {};
      const snap = await this.call(SupervisorSocketEvents.subscribe, payload, SupervisorSnapshot);
      if (!this.watching) return;
      this.view = snap;
      this.live = this.o.connected();
      this.error = null;
      this.receivedAt = this.now();
      const early = this.early.sort((a, b) => a.seq - b.seq);
      this.early = [];
      this.changed(true);
      // Heard before the snapshot: those that follow it on, in order. The rest belonged to the subscription this
      // one replaced (the service numbers each subscription from the snapshot): not a gap, just old news.
      for (const d of early) if (d.seq === this.view.seq + 1) this.apply(d);
    } catch (e) {
      this.live = false;
      this.error =
        e instanceof SwitchboardError
          ? e.toBody()
          : { code: 'internal', message: 'The live view could not be loaded.' };
      this.o.log?.(`supervisor: subscribe failed: ${this.error.message}`);
      this.changed(true);
    }
  }

  private apply(d: SupervisorDelta): void {
    const v = this.view;
    if (!v || d.seq <= v.seq) return; // already in the snapshot
    if (d.seq !== v.seq + 1) {
      this.o.log?.(`supervisor: delta ${d.seq} after ${v.seq}: asking for a new snapshot`);
      void this.subscribe();
      return;
    }
    const merge = <T>(rows: T[], changed: T[], key: (r: T) => string, removed: string[] = []): T[] => {
      if (changed.length === 0 && removed.length === 0) return rows;
      const gone = new Set(removed);
      const byKey = new Map(rows.map((r) => [key(r), r]));
      for (const r of changed) byKey.set(key(r), r);
      for (const k of gone) byKey.delete(k);
      return [...byKey.values()];
    };
    this.view = {
      at: d.at,
      day: d.day,
      seq: d.seq,
      queues: merge(v.queues, d.queues, (q) => q.queueId),
      agents: merge(v.agents, d.agents, (a) => a.userId, d.removedAgents),
      departments: merge(v.departments, d.departments, (x) => x.departmentId),
    };
    this.receivedAt = this.now();
    this.changed(false);
  }

  private now(): string {
    return (this.o.now?.() ?? new Date()).toISOString();
  }

  /** The window hears the view; a burst of deltas is one message (at most every coalesceMs). */
  private changed(atOnce: boolean): void {
    const delay = this.o.coalesceMs ?? 100;
    if (atOnce || delay === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.o.emitView(this.state());
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.o.emitView(this.state());
    }, delay);
  }

  private async send(event: string, payload: unknown): Promise<unknown> {
    if (!this.o.connected()) throw supervisorOffline();
    try {
      return await this.o.request(event, payload);
    } catch (e) {
      if (e instanceof SwitchboardError && e.code === 'unavailable' && !this.o.connected()) {
        throw supervisorOffline();
      }
      throw e;
    }
  }

  private read<T>(schema: z.ZodType<Ack<T>>, raw: unknown, event: string): T {
    const ack = schema.safeParse(raw);
    if (!ack.success) {
      this.o.log?.(`supervisor: ${event} answer could not be read`);
      throw new SwitchboardError('internal', 'The server sent an answer this desktop cannot read.');
    }
    if (!ack.data.ok) throw SwitchboardError.fromBody(ack.data.error);
    return ack.data.data;
  }

  private async call<T extends z.ZodType>(event: string, payload: unknown, schema: T): Promise<z.infer<T>> {
    const raw = await this.send(event, payload);
    return this.read(Ack(schema) as unknown as z.ZodType<Ack<z.infer<T>>>, raw, event);
  }
}
