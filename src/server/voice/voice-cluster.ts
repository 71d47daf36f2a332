import express from 'express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pg from 'pg';
import { z } from 'zod';
import {
  InteractionLog,
  PBX_SECRET_HEADER,
  SwitchboardError,
  type AgentStatus,
  type User,
  type WaitingCall,
} from '../../shared';
import type { Db } from '../db/schema';
import { getUserRow, toUser } from '../directory/directory-store';
import type { LiveCalls } from './interaction-mutations';
import type { VoiceService } from './voice-service';
import { pbxAllowed } from './voice-api';

/**
 * Voice on several nodes (PostgreSQL): one node owns routing at a time. See README.md, "Several nodes".
 *
 * The owner holds a session-level advisory lock on a connection of its own; PostgreSQL releases it when that
 * connection ends, so a node that dies (process killed, machine gone) hands routing over as soon as its socket
 * closes, and another node's next attempt (every `lockRetryMs`) takes it. Every node names itself on that
 * connection (`application_name`), which is how the others find the owner's address and see which nodes live.
 */
/** The session-level advisory lock of the routing owner ("SWBV"); tests cut its owner off by it. */
export const ROUTING_LOCK_KEY = 0x5357_4256;
const CHANNEL = 'switchboard_voice';
const APP_PREFIX = 'switchboard-voice ';
/** Marks a request one node passed to another: a node that is not (or no longer) the owner refuses it. */
export const FORWARDED_HEADER = 'x-switchboard-forwarded';
export const CLUSTER_PATH = '/api/voice/cluster';
/** Node to node: a desktop's log of a call that may still be live on the owner (interaction.log). */
export const LOGGED_CALL_PATH = '/api/voice/cluster/logged-call';

interface PresenceEntry {
  userId: string;
  count: number;
  seq: number;
}

const PresenceBody = z.object({
  node: z.string().min(1).max(64),
  entries: z
    .array(z.object({ userId: z.string(), count: z.number().int(), seq: z.number().int() }))
    .max(100_000),
});

type Message = { from: string } & (
  | { kind: 'status'; status: AgentStatus }
  | { kind: 'owner' }
  // The waiting list changed: the list itself, or null when it is too long for a notification (ask the owner).
  | { kind: 'waiting'; calls: WaitingCall[] | null }
);

/** Node to node: the owner's waiting list (GET), a supervisor's choice of agent for a waiting call (POST). */
export const WAITING_PATH = '/api/voice/cluster/waiting';
export const WAITING_ASSIGN_PATH = '/api/voice/cluster/waiting/assign';
/** PostgreSQL's limit on a notification's payload is 8000 bytes. */
const NOTIFY_MAX = 7000;

export interface VoiceClusterDeps {
  dbUrl: string;
  voice: VoiceService;
  secret: string | undefined;
  log: (line: string) => void;
  /** How often a node that does not own routing tries to take it (and the owner looks for dead nodes). */
  lockRetryMs?: number;
}

export class VoiceCluster {
  readonly nodeId = randomUUID().slice(0, 8);
  private selfUrl = '';
  private client: pg.Client | null = null;
  private owning = false;
  private takingOver: Promise<void> | null = null;
  private cachedOwner: string | null = null;
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** This node's desktops per agent, with a sequence so the owner never applies an older count after a newer. */
  private readonly local = new Map<string, { count: number; seq: number }>();
  private seq = 0;
  /** Owner only: every node's desktops per agent. */
  private readonly presence = new Map<string, Map<string, { count: number; seq: number }>>();
  /** Followers: statuses the owner published, pushed to this node's sockets. */
  onRemoteStatus: (s: AgentStatus) => void = () => {};
  /** Followers: told of the owner's waiting list after each change (waiting-api.ts). */
  private readonly remoteWaiting = new Set<(calls: WaitingCall[]) => void>();

  constructor(private readonly deps: VoiceClusterDeps) {
    // The owner tells every other node of each change of the waiting list.
    deps.voice.onWaitingChange((calls) => {
      if (this.owning) this.publishWaiting(calls);
    });
  }

  get isOwner(): boolean {
    return this.owning;
  }

  /** Joins the cluster once this node listens at `selfUrl`; resolves after the first attempt at ownership. */
  async start(selfUrl: string, rejoining = false): Promise<void> {
    this.selfUrl = selfUrl;
    const client = new pg.Client({
      connectionString: this.deps.dbUrl,
      application_name: `${APP_PREFIX}${this.nodeId} ${selfUrl}`.slice(0, 63),
    });
    client.on('error', (e) => {
      if (this.client === client) this.lost(e);
    });
    client.on('end', () => {
      if (this.client === client) this.lost(new Error('connection closed'));
    });
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) this.message(n.payload);
    });
    this.client = client;
    try {
      await client.connect();
    } catch (e) {
      this.client = null;
      await client.end().catch(() => {});
      throw e;
    }
    await client.query(`LISTEN ${CHANNEL}`);
    // Rejoining after a lost connection is never a cold start: the states carry on.
    await this.tryOwn(!rejoining);
    // A node back after a cut missed the new owner's announcement: it tells it of its desktops now.
    if (!this.owning) void this.sendPresence(this.localEntries());
    this.timer = setInterval(() => void this.tick(), this.deps.lockRetryMs ?? 1000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const c = this.client;
    this.client = null;
    this.owning = false;
    await c?.end().catch(() => {});
  }

  private lost(e: Error): void {
    if (this.closed || !this.client) return;
    // Without its connection this node no longer holds the lock: another takes over; this one stops deciding.
    this.deps.log(`voice: lost the cluster connection (${e.message}); routing goes to another node.`);
    // Its timers (ring timeouts, wrap-up, grace) would decide beside the new owner: they stop here.
    if (this.owning) this.deps.voice.suspend();
    this.owning = false;
    this.client = null;
    clearInterval(this.timer);
    this.rejoin();
  }

  /** Joins again (as a follower first) once the database answers. */
  private rejoin(): void {
    const retry = setTimeout(() => {
      if (this.closed) return;
      this.start(this.selfUrl, true).catch((err: unknown) => {
        this.deps.log(
          `voice: rejoining the cluster failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        this.rejoin();
      });
    }, this.deps.lockRetryMs ?? 1000);
    retry.unref();
  }

  private async tick(): Promise<void> {
    try {
      if (!this.owning && !this.takingOver) await this.tryOwn(false);
      else if (this.owning) await this.pruneDeadNodes();
    } catch (e) {
      this.deps.log(`voice: cluster check failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async tryOwn(atStart: boolean): Promise<void> {
    const c = this.client;
    if (!c) return;
    const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [ROUTING_LOCK_KEY]);
    if (!r.rows[0]?.ok) return;
    this.takingOver = (async () => {
      const others = (await this.liveNodes()).filter((n) => n !== this.nodeId);
      // A cluster starting cold begins as a single node does (everyone Offline); a takeover carries on.
      if (atStart && others.length === 0) await this.deps.voice.coldStart();
      else await this.deps.voice.resume();
      this.presence.clear();
      this.applyPresence(this.nodeId, this.localEntries());
      this.owning = true;
      this.cachedOwner = null;
      this.deps.log(`voice: this node (${this.nodeId}) now owns call routing.`);
      await this.publish({ from: this.nodeId, kind: 'owner' });
      // The callers it carried on with (VoiceService.resume) wait on here.
      this.publishWaiting(this.deps.voice.waitingCalls());
    })();
    try {
      await this.takingOver;
    } finally {
      this.takingOver = null;
    }
  }

  private async liveNodes(): Promise<string[]> {
    const c = this.client;
    if (!c) return [];
    const r = await c.query<{ name: string }>(
      `SELECT application_name AS name FROM pg_stat_activity WHERE application_name LIKE $1`,
      [`${APP_PREFIX}%`],
    );
    return r.rows.map((row) => row.name.slice(APP_PREFIX.length).split(' ')[0] ?? '');
  }

  /** A node gone from the database has no desktops any more: its agents' counts drop (grace, then Offline). */
  private async pruneDeadNodes(): Promise<void> {
    const live = new Set(await this.liveNodes());
    for (const [node, users] of this.presence) {
      if (live.has(node)) continue;
      this.presence.delete(node);
      for (const userId of users.keys()) this.deps.voice.setSockets(userId, this.total(userId));
    }
  }

  private message(payload: string): void {
    let m: Message;
    try {
      m = JSON.parse(payload) as Message;
    } catch {
      return;
    }
    if (m.from === this.nodeId) return;
    if (m.kind === 'status') this.onRemoteStatus(m.status);
    else if (m.kind === 'waiting') void this.remoteWaitingChanged(m.calls);
    else {
      // A new owner: it knows nothing of this node's desktops yet.
      this.cachedOwner = null;
      void this.sendPresence(this.localEntries());
    }
  }

  private async publish(m: Message): Promise<void> {
    await this.client?.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(m)]);
  }

  /** The owner tells every other node of a status change, which pushes it to its own sockets. */
  publishStatus(s: AgentStatus): void {
    this.publish({ from: this.nodeId, kind: 'status', status: s }).catch((e: unknown) =>
      this.deps.log(`voice: publishing a status failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  // ---------------------------------------------------------------- waiting calls (README "API for the live view")

  private publishWaiting(calls: WaitingCall[]): void {
    const whole = JSON.stringify({ from: this.nodeId, kind: 'waiting', calls });
    const m: Message =
      Buffer.byteLength(whole) <= NOTIFY_MAX
        ? { from: this.nodeId, kind: 'waiting', calls }
        : { from: this.nodeId, kind: 'waiting', calls: null };
    this.publish(m).catch((e: unknown) =>
      this.deps.log(
        `voice: publishing the waiting list failed: ${e instanceof Error ? e.message : String(e)}`,
      ),
    );
  }

  private async remoteWaitingChanged(calls: WaitingCall[] | null): Promise<void> {
    if (this.remoteWaiting.size === 0) return;
    let list = calls;
    if (list === null) {
      try {
        list = await this.waitingCalls();
      } catch (e) {
        this.deps.log(
          `voice: reading the waiting list failed: ${e instanceof Error ? e.message : String(e)}`,
        );
        return;
      }
    }
    for (const l of this.remoteWaiting) l(list);
  }

  /** Followers: a listener of the owner's waiting list; returns the way to stop listening. */
  onRemoteWaitingChange(listener: (calls: WaitingCall[]) => void): () => void {
    this.remoteWaiting.add(listener);
    return () => this.remoteWaiting.delete(listener);
  }

  /** The waiting list of the routing owner (this node's own when it owns routing). */
  waitingCalls(): Promise<WaitingCall[]> {
    return this.via(
      undefined,
      async () => this.deps.voice.waitingCalls(),
      WAITING_PATH,
      { method: 'GET' },
      async (r) => {
        if (!r.ok) throw new SwitchboardError('unavailable', `The routing node answered ${r.status}.`);
        return ((await r.json()) as { calls: WaitingCall[] }).calls;
      },
    );
  }

  /** VoiceService.assignWaiting on the owner; the actor is read again there (their rights checked). */
  assignWaiting(callId: string, userId: string, actor: User): Promise<void> {
    return this.via(
      undefined,
      async () => this.deps.voice.assignWaiting(callId, userId, actor.id, actor),
      WAITING_ASSIGN_PATH,
      {
        method: 'POST',
        body: JSON.stringify({ callId, userId, actorId: actor.id }),
        headers: { 'content-type': 'application/json' },
      },
      async (r) => {
        if (r.ok) return;
        const body = (await r.json().catch(() => null)) as { code?: string; message?: string } | null;
        throw new SwitchboardError(
          (body?.code as ConstructorParameters<typeof SwitchboardError>[0] | undefined) ?? 'unavailable',
          body?.message ?? `The routing node answered ${r.status}.`,
        );
      },
    );
  }

  // ---------------------------------------------------------------- desktops

  connected(userId: string): void {
    this.changeLocal(userId, 1);
  }

  disconnected(userId: string): void {
    this.changeLocal(userId, -1);
  }

  private changeLocal(userId: string, delta: number): void {
    const e = this.local.get(userId) ?? { count: 0, seq: 0 };
    e.count = Math.max(0, e.count + delta);
    e.seq = ++this.seq;
    this.local.set(userId, e);
    void this.sendPresence([{ userId, ...e }]);
  }

  private localEntries(): PresenceEntry[] {
    return [...this.local].map(([userId, e]) => ({ userId, ...e }));
  }

  private async sendPresence(entries: PresenceEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.via(
        undefined,
        async () => this.applyPresence(this.nodeId, entries),
        CLUSTER_PATH,
        {
          method: 'POST',
          body: JSON.stringify({ node: this.nodeId, entries }),
          headers: { 'content-type': 'application/json' },
        },
        async () => {},
      );
    } catch (e) {
      // Sent again in full to the next owner (its 'owner' message).
      this.deps.log(
        `voice: telling the owner of desktops failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  applyPresence(node: string, entries: PresenceEntry[]): void {
    let users = this.presence.get(node);
    if (!users) this.presence.set(node, (users = new Map()));
    for (const e of entries) {
      const had = users.get(e.userId);
      if (had && had.seq >= e.seq) continue;
      users.set(e.userId, { count: e.count, seq: e.seq });
      this.deps.voice.setSockets(e.userId, this.total(e.userId));
    }
  }

  private total(userId: string): number {
    let n = 0;
    for (const users of this.presence.values()) n += users.get(userId)?.count ?? 0;
    return n;
  }

  /**
   * interaction.log of a call that may still be live: only the owner holds live calls, so a desktop's log that
   * reaches another node is passed on to it, and the push goes on once the owner has ended the call (or found
   * nothing live). Without an owner for 5 s it fails `unavailable`, which ends the push unanswered: the desktop
   * sends it again.
   */
  liveCalls(): LiveCalls {
    return {
      endLoggedCall: (user: User, log: InteractionLog) =>
        this.via(
          undefined,
          () => this.deps.voice.endLoggedCall(user, log),
          LOGGED_CALL_PATH,
          {
            method: 'POST',
            body: JSON.stringify({ userId: user.id, log }),
            headers: { 'content-type': 'application/json' },
          },
          async (r) => {
            if (!r.ok) throw new SwitchboardError('unavailable', `The routing node answered ${r.status}.`);
          },
        ),
    };
  }

  // ---------------------------------------------------------------- forwarding

  /** Whether this node decides (it owns routing), after a takeover under way ends. */
  async decidesHere(req?: IncomingMessage): Promise<boolean> {
    if (this.owning) return true;
    if (this.takingOver) {
      await this.takingOver.catch(() => {});
      if (this.owning) return true;
    }
    if (req?.headers[FORWARDED_HEADER] !== undefined) throw noOwner();
    return false;
  }

  private async ownerUrl(): Promise<string> {
    if (this.cachedOwner) return this.cachedOwner;
    const c = this.client;
    if (!c) throw noOwner();
    const r = await c.query<{ name: string }>(
      `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1`,
      [ROUTING_LOCK_KEY],
    );
    const url = r.rows[0]?.name.slice(APP_PREFIX.length).split(' ')[1];
    // Nobody holds it (between an owner's death and the takeover), or this node does and is still loading.
    if (!url || url === this.selfUrl) throw noOwner();
    this.cachedOwner = url;
    return url;
  }

  /**
   * Every answer of the owner goes through here: it is told to nobody before it is in the database, so a node
   * taking over after this one dies starts from there (VoiceService.resume), and an agent this answer reserved
   * is never offered a second call.
   */
  async decide<T>(work: () => Promise<T>): Promise<T> {
    const answer = await work();
    await this.deps.voice.committed();
    return answer;
  }

  /**
   * Runs `local` when this node owns routing, else sends the request to the owner (with the cluster's secret)
   * and reads its answer. While there is no owner (one died; another takes over within `lockRetryMs` or so) or
   * the owner it asked has just lost the lock, it asks again for up to 5 s before answering `unavailable`.
   */
  async via<T>(
    req: IncomingMessage | undefined,
    local: () => Promise<T>,
    path: string,
    init: RequestInit,
    read: (res: Response) => Promise<T>,
  ): Promise<T> {
    const headers = {
      ...(init.headers as Record<string, string> | undefined),
      [FORWARDED_HEADER]: this.nodeId,
      ...(this.deps.secret ? { [PBX_SECRET_HEADER]: this.deps.secret } : {}),
    };
    const deadline = Date.now() + 5000;
    for (;;) {
      if (await this.decidesHere(req)) return this.decide(local);
      let res: Response | undefined;
      try {
        const url = await this.ownerUrl();
        res = await fetch(`${url}${path}`, { ...init, headers, signal: AbortSignal.timeout(10_000) });
      } catch {
        res = undefined;
      }
      if (res && res.status !== 503) return read(res);
      this.cachedOwner = null;
      if (Date.now() > deadline || this.closed) throw noOwner();
      await new Promise((r) => setTimeout(r, Math.min(250, this.deps.lockRetryMs ?? 1000)));
    }
  }
}

const noOwner = () =>
  new SwitchboardError(
    'unavailable',
    'No node owns call routing at this moment (another takes over within seconds); try again.',
  );

/**
 * POST /api/voice/cluster/logged-call (the cluster's secret): a desktop's log of a call, passed on by the node
 * its push reached (VoiceCluster.liveCalls). That node checked the user's token; the user is read again here.
 */
export function loggedCallRouter(
  cluster: VoiceCluster,
  voice: VoiceService,
  db: Db,
  secret: string | undefined,
) {
  const router = express.Router();
  router.post(LOGGED_CALL_PATH, async (req, res) => {
    if (!pbxAllowed(req, secret)) throw new SwitchboardError('forbidden', 'Only another node may call this.');
    if (!(await cluster.decidesHere(req))) throw noOwner();
    const body = z.object({ userId: z.string().max(64), log: InteractionLog }).parse(req.body);
    const row = await getUserRow(db, body.userId);
    if (!row) throw new SwitchboardError('not_found', 'No such user.');
    await cluster.decide(() => voice.endLoggedCall(toUser(row), body.log));
    res.json({ ok: true });
  });
  return router;
}

/**
 * POST /api/voice/cluster (the cluster's secret, which is the PBX secret every node reads from the database):
 * another node's desktops per agent. Only the owner counts them.
 */
export function clusterRouter(cluster: VoiceCluster, secret: string | undefined) {
  const router = express.Router();
  router.post(CLUSTER_PATH, async (req, res) => {
    if (!pbxAllowed(req, secret)) throw new SwitchboardError('forbidden', 'Only another node may call this.');
    if (!(await cluster.decidesHere(req))) throw noOwner();
    const body = PresenceBody.parse(req.body);
    cluster.applyPresence(body.node, body.entries);
    res.json({ ok: true });
  });
  return router;
}

/**
 * Node to node (the cluster's secret): the owner's waiting list, and a supervisor's choice of agent for a
 * waiting call that reached another node (VoiceCluster.assignWaiting). That node checked the user's token; the
 * user is read again here and their rights checked by VoiceService.assignWaiting.
 */
export function waitingRouter(
  cluster: VoiceCluster,
  voice: VoiceService,
  db: Db,
  secret: string | undefined,
) {
  const router = express.Router();
  router.get(WAITING_PATH, async (req, res) => {
    if (!pbxAllowed(req, secret)) throw new SwitchboardError('forbidden', 'Only another node may call this.');
    if (!(await cluster.decidesHere(req))) throw noOwner();
    res.json({ calls: voice.waitingCalls() });
  });
  router.post(WAITING_ASSIGN_PATH, async (req, res) => {
    if (!pbxAllowed(req, secret)) throw new SwitchboardError('forbidden', 'Only another node may call this.');
    if (!(await cluster.decidesHere(req))) throw noOwner();
    const body = z
      .object({ callId: z.string().min(1).max(256), userId: z.string().max(64), actorId: z.string().max(64) })
      .parse(req.body);
    const row = await getUserRow(db, body.actorId);
    if (!row) throw new SwitchboardError('forbidden', 'No such user.');
    const actor = toUser(row);
    await cluster.decide(async () => voice.assignWaiting(body.callId, body.userId, actor.id, actor));
    res.json({ ok: true });
  });
  return router;
}
