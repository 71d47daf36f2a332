import type { Server } from 'socket.io';
import { SlaSocketEvents } from '../../shared';
import { configVersion } from '../admin/admin-store';
import { retryConflicts } from '../db/retry';
import type { Db } from '../db/schema';
import type { SocketData } from '../sync/sync-socket';
import { sweepTicket, type Notice } from './escalate';
import {
  claimRecompute,
  recomputeSla,
  slaVersion,
  type RecomputeResult,
  type RecomputeTuning,
} from './recompute';
import { ensureNextCheckIndex } from './recompute-chunk';

/** The room of one user's sockets on a node, for their SLA alerts. */
export const slaUserRoom = (userId: string) => `sla:user:${userId}`;
/** Server-to-server (socket.io adapter): alerts for users whose sockets may be on another node. */
const DELIVER_EVENT = 'sla:deliver';

/** Tickets taken per sweep query; the sweep goes on until none is due. */
const SWEEP_BATCH = 200;

export interface SlaServiceOptions {
  db: Db;
  io: Server;
  now: () => Date;
  log: (line: string) => void;
  /** Tells the replicas of these departments to pull (sync's poke). */
  poke: (departments: string[]) => Promise<void>;
  /** io spans several nodes (PostgreSQL adapter): alerts are passed to the others too. */
  clustered: boolean;
  /** Sweep interval; default 30 s. 0: no timer (tests sweep by hand). */
  sweepEveryMs?: number;
  /** Delay of the first sweep after start; default 5 s (a restart loop does not churn). */
  firstSweepMs?: number;
  /** How recomputes run (tests: small chunks, the worker thread from a few tickets, a hook between chunks). */
  recompute?: RecomputeTuning;
}

/**
 * The SLA engine's running part on one service node:
 * - the sweeper: every 30 s, the tickets whose sla_next_check_ms has come get their warnings and breaches
 *   fired once (across sweeps and nodes: sla_events' key) with the policy's escalation rules (escalate.ts);
 * - the recompute of every unsolved ticket when the configuration is newer than what the tickets were computed
 *   under (an admin edit on this node, at once; on another node, at the next sweep);
 * - alerts to the users a notify rule names, on whichever node their desktop is connected.
 */
export class SlaService {
  private sweeping: Promise<number> | null = null;
  private recomputing: Promise<RecomputeResult | null> | null = null;
  private recomputeAgain = false;
  /** The last recompute this node ran to its end or stop (diagnostics, tests). */
  lastRecompute: RecomputeResult | null = null;
  /** Whether the next-check index was made sure of since this service started. */
  private indexChecked = false;
  /** A catch-up check under way (catchUp), which may start a recompute. */
  private checking: Promise<void> | null = null;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly o: SlaServiceOptions) {
    o.io.on('connection', (socket) => {
      void socket.join(slaUserRoom((socket.data as SocketData).user.id));
    });
    if (o.clustered) o.io.on(DELIVER_EVENT, (notices: Notice[]) => this.deliverHere(notices));
  }

  start(): void {
    const every = this.o.sweepEveryMs ?? 30_000;
    const tick = () => {
      void this.catchUp();
      void this.sweep().catch((e: unknown) => this.o.log(`SLA sweep failed: ${String(e)}`));
    };
    // The columns of tickets written before this version (or under an older configuration) at once.
    void this.catchUp();
    if (every <= 0) return;
    const first = setTimeout(tick, Math.min(this.o.firstSweepMs ?? 5000, every));
    const timer = setInterval(tick, every);
    first.unref();
    timer.unref();
    this.timers.push(first, timer);
  }

  /** An admin changed a calendar or policy: every unsolved ticket is computed again, in the background. */
  configChanged(): void {
    void this.recompute(true);
  }

  /**
   * Recomputes when the tickets were computed under an older configuration than the current one (the columns
   * are new, or an admin's change on another node): unless another node has started on it (claimRecompute).
   */
  private catchUp(): Promise<void> {
    if (this.recomputing) return Promise.resolve();
    this.checking ??= this.check().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async check(): Promise<void> {
    try {
      // A recompute that died before building the next-check index again (recompute-chunk.ts) left it out.
      if (!this.indexChecked) {
        await ensureNextCheckIndex(this.o.db);
        this.indexChecked = true;
      }
      const [config, computed] = [await configVersion(this.o.db), await slaVersion(this.o.db)];
      if (computed === null || computed < config) await this.recompute(false);
    } catch (e) {
      this.o.log(`SLA recompute check failed: ${String(e)}`);
    }
  }

  /**
   * One recompute at a time; a change during one runs another after it. mine: this node's admin made the
   * change, so it runs even when another node has claimed the version.
   */
  recompute(mine = true): Promise<RecomputeResult | null> {
    if (this.recomputing) {
      this.recomputeAgain = true;
      return this.recomputing;
    }
    const run = async (): Promise<RecomputeResult | null> => {
      let last: RecomputeResult | null = null;
      do {
        this.recomputeAgain = false;
        const version = await configVersion(this.o.db);
        if (!(await claimRecompute(this.o.db, version, this.o.now(), mine))) return null;
        last = await recomputeSla(this.o.db, this.o.now, {
          ...this.o.recompute,
          log: this.o.log,
          stopped: () => this.closed,
        });
        this.lastRecompute = last;
        const config = await configVersion(this.o.db);
        if (config > last.version) this.recomputeAgain = true;
      } while (this.recomputeAgain && !this.closed);
      return last;
    };
    this.recomputing = run()
      .catch((e: unknown) => {
        this.o.log(`SLA recompute failed: ${String(e)}`);
        return null;
      })
      .finally(() => {
        this.recomputing = null;
      });
    return this.recomputing;
  }

  /** Resolves when no recompute or sweep is under way (for diagnostics and tests). */
  async idle(): Promise<void> {
    while (this.checking || this.recomputing || this.sweeping) {
      await this.checking;
      await this.recomputing;
      await this.sweeping?.catch(() => undefined);
    }
  }

  /** One sweep now (the timer's, or a test's); a sweep already running is joined. Returns events fired. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    const { db, now, log } = this.o;
    const seen = new Set<string>();
    let fired = 0;
    for (;;) {
      if (this.closed) return fired;
      const at = now();
      const due = await db
        .selectFrom('tickets')
        .select('id')
        .where('sla_next_check_ms', '<=', at.getTime())
        // Deletion clears sla_next_check_ms too; this keeps a deleted ticket out should a writer set it again.
        .where('deleted_at', 'is', null)
        .orderBy('sla_next_check_ms')
        .limit(SWEEP_BATCH)
        .execute();
      // Each ticket once per sweep: one left due (another target's event, found after an escalation) waits
      // for the next sweep rather than holding this one.
      const fresh = due.filter((r) => !seen.has(r.id));
      if (fresh.length === 0) return fired;
      for (const { id } of fresh) {
        seen.add(id);
        if (this.closed) return fired;
        try {
          // PostgreSQL may end it to break a deadlock with a push that locks the same tickets: run again.
          const r = await retryConflicts(() =>
            db.transaction().execute((trx) => sweepTicket(db, trx, id, now())),
          );
          fired += r.fired;
          if (r.notices.length > 0) this.deliver(r.notices);
          if (r.departments.size > 0)
            await this.o.poke([...r.departments]).catch((e: unknown) => log(`poke failed: ${String(e)}`));
        } catch (e) {
          log(`SLA sweep of ticket ${id} failed: ${String(e)}`);
        }
      }
      if (due.length < SWEEP_BATCH) return fired;
    }
  }

  /** Sends each alert to its user's sockets on this node, and through the adapter to the other nodes'. */
  private deliver(notices: Notice[]): void {
    this.deliverHere(notices);
    if (this.o.clustered) this.o.io.serverSideEmit(DELIVER_EVENT, notices);
  }

  private deliverHere(notices: Notice[]): void {
    const nowSeconds = Math.floor(this.o.now().getTime() / 1000);
    const nsp = this.o.io.of('/');
    for (const { userId, alert } of notices) {
      for (const socketId of nsp.adapter.rooms.get(slaUserRoom(userId)) ?? []) {
        const s = nsp.sockets.get(socketId);
        // Only to a socket still signed in (its token not expired); an expired one hears of it from its own
        // desktop's clock, or at the next event.
        if (s && (s.data as SocketData).expiresAt > nowSeconds) s.emit(SlaSocketEvents.alert, alert);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await this.checking;
    await this.sweeping?.catch(() => undefined);
    await this.recomputing;
  }
}
