import { v7 as uuidv7 } from 'uuid';
import { SwitchboardError, type User } from '../../shared';
import {
  CHAT_AGENT_GRACE_MS,
  CHAT_OFFER_TIMEOUT_MS,
  DEFAULT_CHAT_CAPACITY,
  type AgentChatSummary,
  type ChatOffer,
} from '../../shared/chat/agent-protocol';
import { writeAudit } from '../audit/audit-log';
import type { ChatService } from '../chat/chat-service';
import { getSession, type SessionRow } from '../chat/chat-store';
import type { Database, Db } from '../db/schema';
import type { VoiceService } from '../voice/voice-service';
import { agentSummary, summaryOf } from './agent-summary';

export interface ChatRoutingOptions {
  /** Chats per agent at once (a call in progress takes one); default DEFAULT_CHAT_CAPACITY. */
  capacity?: number;
  /** Default CHAT_OFFER_TIMEOUT_MS. */
  offerTimeoutMs?: number;
  /** Default CHAT_AGENT_GRACE_MS. */
  graceMs?: number;
  /** How often offers' expiry, grace periods and waiting chats are looked at; default 1000 ms (0: only sweep()). */
  sweepEveryMs?: number;
}

type OfferRow = Database['chat_offers'];
export type WithdrawReason = 'timeout' | 'declined' | 'ended' | 'taken';

/** What the router tells desktops (agent-socket.ts sends it). */
export interface RoutingPush {
  offer(agentId: string, offer: ChatOffer): void;
  withdrawn(agentId: string, w: { offerId: string; chatId: string; reason: WithdrawReason }): void;
  /** A chat changed for an agent who no longer has it (transfer, requeue): their tab learns it left. */
  chatTo(agentId: string, chat: AgentChatSummary): void;
}

/** Voice states in which an agent may be offered chats: at the desk (a call in progress takes one slot). */
const TAKES_CHATS = new Set(['Available', 'OnCall']);

/**
 * Routing of waiting chats to agents. Every decision runs one at a time (a promise chain) in this process, reads
 * agent states from the VoiceService of the node that owns routing, and is written before it is pushed:
 * offers live in chat_offers (open ones survive a restart and expire on the service's clock), assignment in
 * chat_sessions (ChatService.assign). See README.md for what holds on several nodes.
 */
export class ChatRouter {
  private chain: Promise<unknown> = Promise.resolve();
  /** ms at which an agent's last desktop left; their chats go back after the grace period. */
  private readonly goneAt = new Map<string, number>();
  /** The agent a chat was last offered to: never offered it twice in a row unless they are the only one. */
  private readonly lastOffered = new Map<string, string>();
  /** When each agent was last offered a chat: among equally loaded agents, the one waiting longest goes first. */
  private readonly lastOfferAt = new Map<string, number>();
  /** Chats being transferred to a named agent: the next offer goes to them. */
  private readonly transferTo = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private closed = false;
  readonly capacity: number;
  readonly offerTimeoutMs: number;
  readonly graceMs: number;
  push: RoutingPush = { offer() {}, withdrawn() {}, chatTo() {} };

  constructor(
    private readonly deps: {
      db: Db;
      chat: ChatService;
      voice: VoiceService;
      now: () => Date;
      log: (line: string) => void;
      /** Whether this node makes routing decisions (PostgreSQL: the node that owns voice routing). */
      decides: () => boolean;
      options?: ChatRoutingOptions;
    },
  ) {
    const o = deps.options ?? {};
    this.capacity = o.capacity ?? DEFAULT_CHAT_CAPACITY;
    this.offerTimeoutMs = o.offerTimeoutMs ?? CHAT_OFFER_TIMEOUT_MS;
    this.graceMs = o.graceMs ?? CHAT_AGENT_GRACE_MS;
  }

  /**
   * After a restart: open offers are in the table (they expire on the service's clock); chats of agents without
   * a desktop get the grace period from the first sweep (sweep()).
   */
  async start(): Promise<void> {
    const { db } = this.deps;
    for (const o of await db.selectFrom('chat_offers').selectAll().where('state', '=', 'open').execute())
      this.lastOffered.set(o.session_id, o.agent_id);
    const every = this.deps.options?.sweepEveryMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => void this.sweep(), every);
      this.timer.unref();
    }
    this.kick();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** Runs decisions one after another; a failure is logged and does not stop the next one. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => (this.closed ? (undefined as T) : work()));
    this.chain = run.catch((e: unknown) =>
      this.deps.log(`chat routing failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
    );
    return run;
  }

  // ---------------------------------------------------------------- desktops

  /**
   * Desktops of the agent: the VoiceService's count (it counts them for calls; on the routing owner across every
   * node, voice-cluster.ts), so an agent is at the desk for chats exactly when they are for calls.
   */
  desktops(userId: string): number {
    return this.deps.voice.desktops(userId);
  }

  /** A desktop of the agent connected to this node (after the VoiceService counted it). */
  connected(userId: string): void {
    this.goneAt.delete(userId);
    this.kick();
  }

  /**
   * A desktop of the agent left this node: the grace period starts now if it was their last. On several nodes
   * the count reaches the owner a moment later, so the time is kept anyway; a sweep that finds a desktop still
   * connected drops it.
   */
  disconnected(userId: string): void {
    if (!this.goneAt.has(userId)) this.goneAt.set(userId, this.deps.now().getTime());
  }

  /** Something changed that may let a waiting chat be offered (an agent's state, a freed slot). */
  kick(): void {
    void this.serial(() => this.routeWaiting()).catch(() => {});
  }

  /** A chat waits (hand-off, requeue): offer it. */
  route(sessionId: string): Promise<void> {
    return this.serial(async () => void (await this.routeNow(sessionId)));
  }

  // ---------------------------------------------------------------- decisions

  /**
   * Every waiting chat without an open offer, oldest hand-off first. Once a department's queue has no agent
   * with a free slot its other chats are skipped, so a sweep over many waiting chats costs a few queries.
   */
  private async routeWaiting(): Promise<void> {
    if (!this.deps.decides()) return;
    const { db } = this.deps;
    const rows = await db
      .selectFrom('chat_sessions')
      .select(['id', 'department_id', 'queue_id'])
      .where('state', '=', 'waiting')
      .orderBy('handoff_at')
      .orderBy('id')
      .execute();
    if (rows.length === 0) return;
    const offered = new Set((await this.openOffers({})).map((o) => o.session_id));
    const full = new Set<string>();
    for (const r of rows) {
      const key = `${r.department_id}|${r.queue_id ?? ''}`;
      if (offered.has(r.id) || full.has(key)) continue;
      if (!(await this.routeNow(r.id))) full.add(key);
    }
  }

  private async openOffers(where: { sessionId?: string; agentId?: string }): Promise<OfferRow[]> {
    return this.deps.db
      .selectFrom('chat_offers')
      .selectAll()
      .where('state', '=', 'open')
      .$if(where.sessionId !== undefined, (b) => b.where('session_id', '=', where.sessionId!))
      .$if(where.agentId !== undefined, (b) => b.where('agent_id', '=', where.agentId!))
      .orderBy('offered_at')
      .execute();
  }

  /** Chats each agent has or is offered, plus one for a call in progress. */
  async loads(agentIds: string[]): Promise<Map<string, number>> {
    const { db, voice } = this.deps;
    const out = new Map(agentIds.map((id) => [id, voice.status(id)?.state === 'OnCall' ? 1 : 0]));
    if (agentIds.length === 0) return out;
    const chats = await db
      .selectFrom('chat_sessions')
      .select(['agent_id as id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', '=', 'agent')
      .where('agent_id', 'in', agentIds)
      .groupBy('agent_id')
      .execute();
    const offers = await db
      .selectFrom('chat_offers')
      .select(['agent_id as id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', '=', 'open')
      .where('agent_id', 'in', agentIds)
      .groupBy('agent_id')
      .execute();
    for (const r of [...chats, ...offers]) if (r.id) out.set(r.id, (out.get(r.id) ?? 0) + Number(r.n));
    return out;
  }

  /** Agents who may be offered the chat now: its department (and queue skill), at the desk, a slot free. */
  private async candidates(s: SessionRow): Promise<{ id: string; username: string; load: number }[]> {
    const { db, voice } = this.deps;
    let skill: string | null = null;
    if (s.queue_id) {
      const q = await db.selectFrom('queues').select('skill').where('id', '=', s.queue_id).executeTakeFirst();
      skill = q?.skill ?? null;
    }
    const agents = await db
      .selectFrom('users')
      .select(['users.id', 'users.username'])
      .where('users.role', '=', 'agent')
      .where('users.disabled', '=', 0)
      .where('users.department_id', '=', s.department_id)
      .$if(skill !== null, (b) =>
        b.where((eb) =>
          eb.exists(
            eb
              .selectFrom('agent_skills')
              .select('agent_skills.user_id')
              .whereRef('agent_skills.user_id', '=', 'users.id')
              .where('agent_skills.skill', '=', skill!),
          ),
        ),
      )
      .execute();
    const atDesk = agents.filter((a) => {
      const state = voice.status(a.id)?.state;
      return this.desktops(a.id) > 0 && state !== undefined && TAKES_CHATS.has(state);
    });
    const loads = await this.loads(atDesk.map((a) => a.id));
    return atDesk.map((a) => ({ ...a, load: loads.get(a.id) ?? 0 })).filter((a) => a.load < this.capacity);
  }

  /** Offers one waiting chat; false when nobody could take it now. */
  private async routeNow(sessionId: string): Promise<boolean> {
    if (!this.deps.decides()) return false;
    const { db } = this.deps;
    const s = await getSession(db, sessionId);
    if (!s || s.state !== 'waiting') return true;
    if ((await this.openOffers({ sessionId })).length > 0) return true;
    let target: string | undefined;
    const named = this.transferTo.get(sessionId);
    if (named !== undefined) {
      this.transferTo.delete(sessionId);
      // A transfer names the agent: offered if they are at the desk, whatever their load (they may decline).
      const state = this.deps.voice.status(named)?.state;
      if (this.desktops(named) > 0 && state && TAKES_CHATS.has(state)) target = named;
    }
    if (target === undefined) {
      const all = await this.candidates(s);
      const last = this.lastOffered.get(sessionId);
      const pool = all.length > 1 ? all.filter((a) => a.id !== last) : all;
      pool.sort(
        (a, b) =>
          a.load - b.load ||
          (this.lastOfferAt.get(a.id) ?? 0) - (this.lastOfferAt.get(b.id) ?? 0) ||
          (a.username < b.username ? -1 : a.username > b.username ? 1 : 0),
      );
      target = pool[0]?.id;
    }
    if (target === undefined) return false;
    const now = this.deps.now();
    const row: OfferRow = {
      id: uuidv7(),
      session_id: sessionId,
      agent_id: target,
      state: 'open',
      offered_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.offerTimeoutMs).toISOString(),
      closed_at: null,
    };
    await db.insertInto('chat_offers').values(row).execute();
    this.lastOffered.set(sessionId, target);
    this.lastOfferAt.set(target, now.getTime());
    const chat = await summaryOf(db, s);
    this.push.offer(target, { offerId: row.id, chat, expiresAt: row.expires_at });
    return true;
  }

  private async closeOffer(o: OfferRow, state: string, reason: WithdrawReason | null): Promise<void> {
    await this.deps.db
      .updateTable('chat_offers')
      .set({ state, closed_at: this.deps.now().toISOString() })
      .where('id', '=', o.id)
      .where('state', '=', 'open')
      .execute();
    if (reason) this.push.withdrawn(o.agent_id, { offerId: o.id, chatId: o.session_id, reason });
  }

  private async mustOffer(user: User, offerId: string): Promise<OfferRow> {
    const o = await this.deps.db
      .selectFrom('chat_offers')
      .selectAll()
      .where('id', '=', offerId)
      .executeTakeFirst();
    // Someone else's offer is answered as one that does not exist: offer ids cannot be probed.
    if (!o || o.agent_id !== user.id) throw new SwitchboardError('not_found', 'No such chat offer.');
    if (o.state !== 'open')
      throw new SwitchboardError(
        'conflict',
        o.state === 'accepted'
          ? 'You accepted this chat already.'
          : 'This offer was taken back (it timed out, was declined, or the chat ended); look at your chats again.',
      );
    return o;
  }

  /** The agent takes the offered chat. One open offer per chat, decided one at a time: one accept wins. */
  accept(user: User, offerId: string): Promise<AgentChatSummary> {
    return this.serial(async () => {
      const o = await this.mustOffer(user, offerId);
      if (this.deps.now().toISOString() >= o.expires_at) {
        await this.closeOffer(o, 'timeout', 'timeout');
        await this.routeNow(o.session_id);
        throw new SwitchboardError('conflict', 'This offer timed out; the chat was offered to someone else.');
      }
      try {
        await this.deps.chat.assign(o.session_id, user.id);
      } catch (e) {
        await this.closeOffer(o, 'withdrawn', e instanceof SwitchboardError ? 'taken' : null);
        throw e;
      }
      await this.closeOffer(o, 'accepted', null);
      return (await agentSummary(this.deps.db, o.session_id))!;
    });
  }

  decline(user: User, offerId: string): Promise<void> {
    return this.serial(async () => {
      const o = await this.mustOffer(user, offerId);
      await this.closeOffer(o, 'declined', 'declined');
      await this.routeNow(o.session_id);
    });
  }

  /** A chat ended: its open offer is taken back. */
  ended(sessionId: string): Promise<void> {
    return this.serial(async () => {
      for (const o of await this.openOffers({ sessionId })) await this.closeOffer(o, 'withdrawn', 'ended');
      this.transferTo.delete(sessionId);
      this.lastOffered.delete(sessionId);
      await this.routeWaiting(); // a slot is free
    });
  }

  /**
   * To another agent of the chat's department (offered to them; if they decline or let it time out, routing
   * offers it as usual) or to a queue of the department. Audited with the note.
   */
  transfer(
    user: User,
    s: SessionRow,
    req: { toAgentId?: string; toQueueId?: string; note?: string },
  ): Promise<AgentChatSummary> {
    return this.serial(async () => {
      const { db } = this.deps;
      if (!req.toAgentId === !req.toQueueId)
        throw new SwitchboardError('bad_request', 'Name one agent (toAgentId) or one queue (toQueueId).');
      if (s.state === 'ended') throw new SwitchboardError('conflict', 'This chat has ended.');
      if (s.state === 'bot') throw new SwitchboardError('conflict', 'This chat is still with the bot.');
      if (req.toAgentId) {
        const a = await db
          .selectFrom('users')
          .select(['id', 'department_id', 'role', 'disabled'])
          .where('id', '=', req.toAgentId)
          .executeTakeFirst();
        if (!a || a.role !== 'agent' || a.disabled || a.department_id !== s.department_id)
          throw new SwitchboardError('bad_request', 'Transfer to an agent of the chat’s department.');
        if (s.state === 'agent' && s.agent_id === a.id)
          throw new SwitchboardError('bad_request', 'This agent has the chat already.');
        this.transferTo.set(s.id, a.id);
      } else {
        const q = await db
          .selectFrom('queues')
          .select(['id', 'department_id'])
          .where('id', '=', req.toQueueId!)
          .executeTakeFirst();
        if (!q || q.department_id !== s.department_id)
          throw new SwitchboardError('bad_request', 'Transfer to a queue of the chat’s department.');
        await db.updateTable('chat_sessions').set({ queue_id: q.id }).where('id', '=', s.id).execute();
      }
      await writeAudit(db, {
        at: this.deps.now().toISOString(),
        actorId: user.id,
        action: 'chat.transfer',
        subjectId: s.id,
        detail: {
          from: s.agent_id,
          toAgentId: req.toAgentId ?? null,
          toQueueId: req.toQueueId ?? null,
          note: req.note ?? null,
        },
        source: null,
      });
      for (const o of await this.openOffers({ sessionId: s.id }))
        await this.closeOffer(o, 'withdrawn', 'taken');
      // The chat waits again (the visitor is told); the hand-off it emits routes it, after this decision.
      if (s.state === 'agent') await this.deps.chat.requeue(s.id);
      else await this.routeNow(s.id);
      const after = (await agentSummary(db, s.id))!;
      if (s.agent_id && s.state === 'agent') this.push.chatTo(s.agent_id, after);
      return after;
    });
  }

  /** Offers past their time go to the next agent; chats of agents gone past the grace period are requeued. */
  sweep(): Promise<void> {
    return this.serial(async () => {
      if (!this.deps.decides()) return;
      const { db } = this.deps;
      const now = this.deps.now();
      const expired = await db
        .selectFrom('chat_offers')
        .selectAll()
        .where('state', '=', 'open')
        .where('expires_at', '<=', now.toISOString())
        .execute();
      for (const o of expired) await this.closeOffer(o, 'timeout', 'timeout');
      // Agents holding chats without a desktop anywhere (after a restart or takeover, or a desktop that left
      // another node) start their grace period now; one with a desktop again has none.
      const holders = await db
        .selectFrom('chat_sessions')
        .select('agent_id')
        .distinct()
        .where('state', '=', 'agent')
        .execute();
      for (const { agent_id: id } of holders)
        if (id && this.desktops(id) === 0 && !this.goneAt.has(id)) this.goneAt.set(id, now.getTime());
      for (const [agentId, at] of [...this.goneAt]) {
        if (this.desktops(agentId) > 0) {
          this.goneAt.delete(agentId);
          continue;
        }
        if (now.getTime() - at < this.graceMs) continue;
        this.goneAt.delete(agentId);
        const held = await db
          .selectFrom('chat_sessions')
          .select('id')
          .where('state', '=', 'agent')
          .where('agent_id', '=', agentId)
          .execute();
        for (const h of held) await this.deps.chat.requeue(h.id);
        for (const o of await this.openOffers({ agentId })) await this.closeOffer(o, 'timeout', 'timeout');
        if (held.length) this.deps.log(`chat: ${held.length} chat(s) of an agent without a desktop requeued`);
      }
      await this.routeWaiting();
    });
  }
}
