import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import type { ChatAgentRequests } from '../../shared/chat/agent-protocol';
import {
  ChatAgentEvents,
  ChatAgentResponses,
  ChatSocketEvents,
  type AgentChatSummary,
  type CannedResponse,
  type ChatOffer,
} from '../../shared/chat/agent-protocol';
import type { ChatAttachmentRef, ChatLanguage, ChatMessage } from '../../shared/chat/protocol';
import type { ChatDeskState, ChatSendResult, PendingChatMessage } from '../../shared/ipc/chat-desk';
import { Ack, SwitchboardError } from '../../shared/protocol/errors';

type Req = typeof ChatAgentRequests;
type Res = typeof ChatAgentResponses;
type RequestName = keyof Req;

export interface ChatLinkOptions {
  /** The signed-in user: only their chats are theirs to show and acknowledge (a supervisor hears others'). */
  userId: string;
  /** A request over the sync socket; throws SwitchboardError('unavailable') at once when not connected. */
  request: (event: string, payload: unknown) => Promise<unknown>;
  connected: () => boolean;
  emitState: (s: ChatDeskState) => void;
  emitMessage: (m: { chat: AgentChatSummary; message: ChatMessage }) => void;
  emitTyping: (t: { chatId: string; typing: boolean }) => void;
  /**
   * Where the outbox is kept across restarts (the session's replica, migration 019): read once here, written
   * before a send is tried, cleared when the server has stored the message or the agent discards it.
   */
  outbox?: ChatOutboxKeeper;
  log?: (line: string) => void;
  now?: () => Date;
}

/** The replica's chat outbox (src/main/store/chat-outbox.ts), oldest first. */
export interface ChatOutboxKeeper {
  all(): PendingChatMessage[];
  put(p: PendingChatMessage): void;
  remove(clientId: string): void;
}

/** Said when a chat call needs the server and there is no connection: nothing but unsent messages waits. */
export const chatOffline = () =>
  new SwitchboardError(
    'unavailable',
    'Chats need the connection to the server, which is down. Messages you write are kept and sent when it is back.',
  );

/**
 * The agent's chats on this desktop, over the session's sync socket (src/shared/chat/agent-protocol.ts).
 * The server owns chats; this keeps what it last said for the window, and keeps what the agent wrote until
 * the server has stored it: a message written while the socket is down (or whose answer was lost) is sent
 * again with the same clientId when the socket is back, so it is stored once and never dropped.
 */
export class ChatLink {
  private readonly chats = new Map<string, AgentChatSummary>();
  private readonly offers = new Map<string, ChatOffer>();
  /** In the order written; one flush at a time keeps that order on the server. */
  private readonly outbox: PendingChatMessage[] = [];
  private flushing: Promise<void> | null = null;
  private loaded: Promise<void> | null = null;

  constructor(private readonly o: ChatLinkOptions) {
    // What the agent wrote before the desktop stopped (crash, quit, host restart) goes with the next connection.
    try {
      this.outbox.push(...(o.outbox?.all() ?? []));
    } catch (e) {
      o.log?.(`chat: the kept chat messages could not be read from the replica: ${String(e)}`);
    }
  }

  /** The socket (re)connected: the server may have moved on (offers timed out, chats re-offered). */
  connected(): void {
    this.loaded = null;
    void this.load()
      .catch((e: unknown) => this.o.log?.(`chat: could not load the agent's chats: ${String(e)}`))
      .then(() => this.flush());
    this.changed();
  }

  disconnected(): void {
    this.loaded = null;
    // Offers cannot be accepted from here any more, and the server takes them back on its own.
    this.offers.clear();
    this.changed();
  }

  async state(): Promise<ChatDeskState> {
    if (this.o.connected()) await this.load().catch(() => undefined);
    return this.snapshot();
  }

  snapshot(): ChatDeskState {
    return {
      online: this.o.connected(),
      chats: [...this.chats.values()],
      offers: [...this.offers.values()],
      pending: this.outbox.map((p) => ({ ...p })),
    };
  }

  /** A chat:* push from the server; what does not parse is dropped (and logged), never shown. */
  pushed(event: string, raw: unknown): void {
    const drop = () => this.o.log?.(`chat: dropped a malformed ${event} push`);
    switch (event) {
      case ChatSocketEvents.offer: {
        const r = ChatAgentEvents.offer.safeParse(raw);
        if (!r.success) return drop();
        this.offers.set(r.data.offerId, r.data);
        return this.changed();
      }
      case ChatSocketEvents.offerWithdrawn: {
        const r = ChatAgentEvents.offerWithdrawn.safeParse(raw);
        if (!r.success) return drop();
        if (this.offers.delete(r.data.offerId)) this.changed();
        return;
      }
      case ChatSocketEvents.chat: {
        const r = ChatAgentEvents.chat.safeParse(raw);
        if (!r.success) return drop();
        this.keep(r.data);
        return;
      }
      case ChatSocketEvents.message: {
        const r = ChatAgentEvents.message.safeParse(raw);
        if (!r.success) return drop();
        if (!this.keep(r.data.chat)) return;
        this.o.emitMessage(r.data);
        // Delivered means this desktop has it; read is the window's to say (chat.read) when it is shown.
        if (r.data.message.sender === 'visitor') {
          void this.call('receipt', { chatId: r.data.chat.id, delivered: r.data.message.seq }).then(
            (s) => this.keep(s),
            (e: unknown) => this.o.log?.(`chat: delivered receipt not sent: ${String(e)}`),
          );
        }
        return;
      }
      case ChatSocketEvents.visitorTyping: {
        const r = ChatAgentEvents.visitorTyping.safeParse(raw);
        if (!r.success) return drop();
        return this.o.emitTyping(r.data);
      }
      default:
        return drop();
    }
  }

  async accept(offerId: string): Promise<AgentChatSummary> {
    try {
      const chat = await this.call('accept', { offerId });
      this.offers.delete(offerId);
      this.keep(chat);
      return chat;
    } catch (e) {
      // Taken by another agent or timed out: the offer is gone either way.
      if (e instanceof SwitchboardError && (e.code === 'conflict' || e.code === 'not_found')) {
        if (this.offers.delete(offerId)) this.changed();
      }
      throw e;
    }
  }

  async decline(offerId: string): Promise<void> {
    await this.call('decline', { offerId });
    if (this.offers.delete(offerId)) this.changed();
  }

  async history(chatId: string, since: number): Promise<ChatMessage[]> {
    return (await this.call('history', { chatId, since })).messages;
  }

  /**
   * Keeps the message, then sends it if connected. Offline (or the answer lost) it stays queued and goes with
   * the next connection; `clientId` given: the agent sends a failed or queued message again (same id). Throws
   * only when the message was not kept (a chat this desktop does not have, while offline).
   */
  async send(input: {
    chatId: string;
    text: string;
    attachments: ChatAttachmentRef[];
    clientId?: string;
  }): Promise<ChatSendResult> {
    const again = input.clientId ? this.outbox.find((p) => p.clientId === input.clientId) : undefined;
    if (again) {
      this.o.outbox?.put({ ...again, state: 'queued', error: null });
      again.state = 'queued';
      again.error = null;
    } else {
      if (!this.chats.has(input.chatId) && !this.o.connected()) throw chatOffline();
      const entry: PendingChatMessage = {
        chatId: input.chatId,
        clientId: input.clientId ?? uuidv7(),
        text: input.text,
        attachments: input.attachments,
        queuedAt: (this.o.now?.() ?? new Date()).toISOString(),
        state: 'queued',
        error: null,
      };
      // Kept on disk before it is tried: if this throws (disk full) the agent is told it was not kept.
      this.o.outbox?.put(entry);
      this.outbox.push(entry);
    }
    const entry = again ?? this.outbox[this.outbox.length - 1]!;
    this.changed();
    await this.flush();
    // Refused by the server: it stays in `pending` as failed, with the reason, for the agent to decide.
    const sent = !this.outbox.includes(entry);
    return { clientId: entry.clientId, message: sent ? (this.sent.get(entry.clientId) ?? null) : null };
  }

  /** The agent gave up on a message the server refused (or that waits): only on their word. */
  discard(clientId: string): void {
    const i = this.outbox.findIndex((p) => p.clientId === clientId);
    if (i >= 0 && this.outbox[i]!.state !== 'sending') {
      this.o.outbox?.remove(clientId);
      this.outbox.splice(i, 1);
      this.changed();
    }
  }

  /** Typing is worth nothing later: offline it is simply not said. */
  async typing(chatId: string, typing: boolean): Promise<void> {
    if (!this.o.connected()) return;
    await this.call('typing', { chatId, typing }).catch((e: unknown) => {
      if (!(e instanceof SwitchboardError && e.code === 'unavailable')) throw e;
    });
  }

  async read(chatId: string, seq: number): Promise<AgentChatSummary> {
    const s = await this.call('receipt', { chatId, delivered: seq, read: seq });
    this.keep(s);
    return s;
  }

  async transfer(input: z.input<Req['transfer']>): Promise<AgentChatSummary> {
    const s = await this.call('transfer', input);
    this.keep(s);
    return s;
  }

  async end(chatId: string): Promise<AgentChatSummary> {
    const s = await this.call('end', { chatId });
    this.keep(s);
    return s;
  }

  async toTicket(input: z.input<Req['toTicket']>): Promise<{ chat: AgentChatSummary; ticketId: string }> {
    const r = await this.call('toTicket', input);
    this.keep(r.chat);
    return r;
  }

  canned(language?: ChatLanguage): Promise<CannedResponse[]> {
    return this.call('canned', language ? { language } : {});
  }

  /** A tab the agent closed after the chat ended: forgotten here (the server keeps the transcript). */
  close(chatId: string): void {
    const c = this.chats.get(chatId);
    if (c && c.state === 'ended' && this.chats.delete(chatId)) this.changed();
  }

  // ------------------------------------------------------------------ internals

  /** Stored messages by clientId, for the answer to the send that stored them. */
  private readonly sent = new Map<string, ChatMessage>();

  private load(): Promise<void> {
    this.loaded ??= this.call('mine', {}).then(
      (r) => {
        // Ended chats stay until the agent closes their tab; the rest is as the server says.
        for (const [id, c] of this.chats) if (c.state !== 'ended') this.chats.delete(id);
        for (const c of r.chats) if (c.agentId === this.o.userId) this.chats.set(c.id, c);
        this.offers.clear();
        for (const o of r.offers) this.offers.set(o.offerId, o);
        this.changed();
      },
      (e: unknown) => {
        this.loaded = null;
        throw e;
      },
    );
    return this.loaded;
  }

  private flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const next = this.outbox.find((p) => p.state === 'queued');
      if (!next || !this.o.connected()) return;
      next.state = 'sending';
      this.changed();
      try {
        const message = await this.call('send', {
          chatId: next.chatId,
          clientId: next.clientId,
          text: next.text,
          attachments: next.attachments,
        });
        this.outbox.splice(this.outbox.indexOf(next), 1);
        this.keptOnDisk(() => this.o.outbox?.remove(next.clientId));
        this.sent.set(next.clientId, message);
        if (this.sent.size > 200) this.sent.delete(this.sent.keys().next().value!);
        const chat = this.chats.get(next.chatId);
        if (chat) {
          const updated = { ...chat, lastMessage: message };
          this.chats.set(chat.id, updated);
          this.o.emitMessage({ chat: updated, message });
        }
        this.changed();
      } catch (e) {
        if (e instanceof SwitchboardError && e.code !== 'unavailable' && e.code !== 'internal') {
          next.state = 'failed';
          next.error = e.toBody();
          this.keptOnDisk(() => this.o.outbox?.put(next));
          this.changed();
          continue;
        }
        // Lost on the way: kept, and sent again (same clientId) when the socket is back.
        next.state = 'queued';
        this.changed();
        return;
      }
    }
  }

  private async call<N extends RequestName>(name: N, payload: z.input<Req[N]>): Promise<z.infer<Res[N]>> {
    if (!this.o.connected()) throw chatOffline();
    let raw: unknown;
    try {
      raw = await this.o.request(ChatSocketEvents[name], payload);
    } catch (e) {
      if (e instanceof SwitchboardError && e.code === 'unavailable') throw chatOffline();
      throw e;
    }
    const ack = Ack(ChatAgentResponses[name] as z.ZodType).safeParse(raw);
    if (!ack.success) {
      this.o.log?.(`chat: ${ChatSocketEvents[name]} answer could not be read`);
      throw new SwitchboardError('internal', 'The server sent a chat answer this desktop cannot read.');
    }
    const a = ack.data as Ack<z.infer<Res[N]>>;
    if (!a.ok) throw new SwitchboardError(a.error.code, a.error.message);
    return a.data;
  }

  /**
   * A chat as the server says it is now: in the tabs while it is this agent's (and once ended, until they close
   * it); one that went to someone else (transferred, re-offered) leaves them. Whether it is this agent's.
   */
  private keep(chat: AgentChatSummary): boolean {
    const had = this.chats.has(chat.id);
    if (chat.agentId === this.o.userId || (had && chat.state === 'ended')) {
      this.chats.set(chat.id, chat);
      this.changed();
      return true;
    }
    if (had) {
      this.chats.delete(chat.id);
      this.changed();
    }
    return false;
  }

  /**
   * After the server answered, the replica only follows it: a write that fails here (disk full, store closed
   * while quitting) is logged, and at worst the message is sent again after a restart, which the server stores
   * once (same clientId), or shows as refused again.
   */
  private keptOnDisk(write: () => void): void {
    try {
      write();
    } catch (e) {
      this.o.log?.(`chat: the replica's chat outbox could not be updated: ${String(e)}`);
    }
  }

  private changed(): void {
    this.o.emitState(this.snapshot());
  }
}
