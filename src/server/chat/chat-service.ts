import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { v7 as uuidv7 } from 'uuid';
import { SwitchboardError } from '../../shared';
import {
  asksForPerson,
  CHAT_HISTORY_LIMIT,
  CHAT_MAX_NAME,
  CHAT_MAX_TEXT,
  ChatAttachmentRef,
  ChatIdentity,
  ChatSite,
  cleanText,
  type ChatErrorCode,
  type ChatLanguage,
  type ChatMessage,
  type ChatSessionSummary,
  type ChatSiteInput,
  type ChatState,
  type ChatSystemEvent,
  type ServerFrame,
} from '../../shared/chat';
import { writeAudit } from '../audit/audit-log';
import { customerForContact } from '../customers/identity';
import type { Db, Tx } from '../db/schema';
import {
  appendMessage,
  getSession,
  getSite,
  getVisitor,
  latestSession,
  listSites,
  messageByClientKey,
  messagesAfter,
  putSite,
  toSummary,
  toView,
  visitorByTokenHash,
  type NewMessage,
  type SessionRow,
  type VisitorRow,
} from './chat-store';
import { claimFiles } from './chat-file-claims';
import { DEFAULT_CHAT_RATE_LIMITS, RateLimiter, type ChatRateLimits } from './rate-limit';

export interface ChatOptions {
  /** Per visitor and per address limits (rate-limit.ts); each defaults to DEFAULT_CHAT_RATE_LIMITS. */
  rateLimits?: Partial<ChatRateLimits>;
  /**
   * Keep a site "demo" (the first department's) that the service's own demo page may embed, made at start when
   * missing. Default true; an administrator switches it off by disabling the site, which then stays off.
   */
  demoSite?: boolean;
  /** Where the built widget is (widget.js); default out/widget of this checkout, or SWITCHBOARD_WIDGET_DIR. */
  widgetDir?: string;
}

/** A refusal the visitor is told about as an error event (the socket stays open unless said otherwise). */
export class ChatRefusal extends Error {
  constructor(
    readonly code: ChatErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ChatRefusal';
  }
}

/** One open visitor socket, as the service reaches it. */
export interface VisitorLink {
  send(frame: ServerFrame): void;
}

/** What the agent side (routing, the desktop's chat tabs, the bot) can listen to. */
export interface ChatEventMap {
  /** A chat asked for a person and waits in its queue: routing offers it (next round). */
  handoff: [ChatSessionSummary];
  /** Any message stored in a session: the visitor's, an agent's, the bot's, a system line. */
  message: [ChatMessage, ChatSessionSummary];
  state: [ChatSessionSummary];
  visitorTyping: [{ sessionId: string; typing: boolean }];
  /** The visitor's widget got / showed the agent's messages up to these seq. */
  visitorReceipt: [{ sessionId: string; delivered: number; read: number }];
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Web chat sessions: the visitor side (called by visitor-socket.ts) and the agent side's API (routing, the
 * desktop's chat tabs and the knowledge-base bot build on it; README.md). Everything sent is stored first and
 * then pushed, so a socket that drops loses nothing: the widget replays from its last seq on reconnect.
 */
export class ChatService {
  readonly limits: ChatRateLimits;
  readonly limiter: RateLimiter;
  private readonly links = new Map<string, Set<VisitorLink>>();
  private readonly events = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      db: Db;
      now: () => Date;
      log: (line: string) => void;
      options?: ChatOptions;
    },
  ) {
    this.limits = { ...DEFAULT_CHAT_RATE_LIMITS, ...deps.options?.rateLimits };
    this.limiter = new RateLimiter(deps.now);
    this.sweeper = setInterval(() => this.limiter.sweep(300_000), 60_000);
    this.sweeper.unref();
  }

  get options(): ChatOptions {
    return this.deps.options ?? {};
  }

  async start(): Promise<void> {
    if (this.options.demoSite === false) return;
    const { db } = this.deps;
    if (await getSite(db, 'demo')) return;
    const dept = await db.selectFrom('departments').select('id').orderBy('code').limit(1).executeTakeFirst();
    if (!dept) return;
    await putSite(
      db,
      ChatSite.parse({
        id: 'demo',
        name: 'Demo page',
        departmentId: dept.id,
        origins: [],
        allowServiceOrigin: true,
      }),
      this.deps.now().toISOString(),
    );
  }

  close(): void {
    clearInterval(this.sweeper);
    this.events.removeAllListeners();
  }

  on<K extends keyof ChatEventMap>(event: K, listener: (...args: ChatEventMap[K]) => void): () => void {
    this.events.on(event, listener as (...a: unknown[]) => void);
    return () => this.events.off(event, listener as (...a: unknown[]) => void);
  }

  private emit<K extends keyof ChatEventMap>(event: K, ...args: ChatEventMap[K]): void {
    try {
      this.events.emit(event, ...args);
    } catch (e) {
      // A listener's failure is its own; the chat itself went through.
      this.deps.log(
        `chat ${event} listener failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
    }
  }

  // ---------------------------------------------------------------- sites

  site(id: string): Promise<ChatSite | undefined> {
    return getSite(this.deps.db, id);
  }

  sites(): Promise<ChatSite[]> {
    return listSites(this.deps.db);
  }

  /** Adds or changes a site (an administrator's act: audited with what it was before). */
  async putSite(input: ChatSiteInput, actor: { id: string; source?: string | null }): Promise<ChatSite> {
    const site = ChatSite.parse(input);
    const at = this.deps.now().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      const dept = await trx
        .selectFrom('departments')
        .select('id')
        .where('id', '=', site.departmentId)
        .executeTakeFirst();
      if (!dept) throw new SwitchboardError('bad_request', `No department ${site.departmentId}.`);
      const before = await getSite(trx, site.id);
      await putSite(trx, site, at);
      await writeAudit(trx, {
        at,
        actorId: actor.id,
        action: 'chat.site.put',
        subjectId: site.id,
        detail: { before: before ?? null, after: site },
        source: actor.source ?? null,
      });
    });
    return site;
  }

  /**
   * Whether a page at `origin` may use `site`'s chat. `serviceOrigins`: the service's own origins as the request
   * addressed it (its demo page's), allowed for sites that say so.
   */
  static originAllowed(site: ChatSite, origin: string | undefined, serviceOrigins: string[]): boolean {
    if (!site.enabled || !origin) return false;
    return site.origins.includes(origin) || (site.allowServiceOrigin && serviceOrigins.includes(origin));
  }

  // ---------------------------------------------------------------- visitor side

  /** Rate limit by key, refusing with a sentence that says what and for how long. */
  private take(key: string, rule: keyof ChatRateLimits, what: string): void {
    const wait = this.limiter.take(`${rule}:${key}`, this.limits[rule]);
    if (wait !== null)
      throw new ChatRefusal('rate_limited', `Too many ${what}; try again in ${wait} s.`, wait);
  }

  /** Counts a file upload by a visitor and from its address (chat-files.ts). */
  takeFile(visitorId: string, address: string): void {
    this.take(visitorId, 'visitorFiles', 'files');
    this.take(address, 'addressFiles', 'files from this address');
  }

  /** The visitor's open session, if any: an upload belongs to it (or to the next message's session). */
  async openSessionId(visitorId: string): Promise<string | undefined> {
    const s = await latestSession(this.deps.db, visitorId);
    return s && s.state !== 'ended' ? s.id : undefined;
  }

  /** Counts a socket connection from an address (visitor-socket.ts refuses the socket when over). */
  takeConnection(address: string): void {
    this.take(address, 'addressConnections', 'connections from this address');
  }

  /** The visitor a token names on a site, or a new one (with its token) when no token is given. */
  async visitor(
    site: ChatSite,
    token: string | undefined,
    ctx: { address: string; language?: ChatLanguage },
  ): Promise<{ visitor: VisitorRow; token?: string }> {
    const { db } = this.deps;
    const at = this.deps.now().toISOString();
    if (token !== undefined) {
      const v = await visitorByTokenHash(db, hashToken(token));
      if (!v || v.site_id !== site.id)
        throw new ChatRefusal(
          'unauthenticated',
          'This chat is not known here any more; a new chat starts (the widget forgets the old one).',
        );
      await db.updateTable('chat_visitors').set({ last_seen_at: at }).where('id', '=', v.id).execute();
      return { visitor: v };
    }
    this.take(ctx.address, 'addressNewVisitors', 'new chats from this address');
    const fresh = randomBytes(32).toString('base64url');
    const v: VisitorRow = {
      id: uuidv7(),
      site_id: site.id,
      token_hash: hashToken(fresh),
      name: null,
      phone: null,
      email: null,
      language: ctx.language ?? null,
      customer_id: null,
      address: ctx.address.slice(0, 64),
      created_at: at,
      last_seen_at: at,
    };
    await db.insertInto('chat_visitors').values(v).execute();
    return { visitor: v, token: fresh };
  }

  /** The welcome a (re)connecting widget gets: its latest session and the messages after `since`. */
  async welcome(
    visitor: VisitorRow,
    since: number,
    token?: string,
    sinceSession?: string,
  ): Promise<Extract<ServerFrame, { type: 'welcome' }>> {
    const { db } = this.deps;
    const session = await latestSession(db, visitor.id);
    // A new chat began while the widget was away: its `since` counted in the old one.
    const from = sinceSession !== undefined && sinceSession !== session?.id ? 0 : since;
    const messages = session ? await messagesAfter(db, session.id, from, CHAT_HISTORY_LIMIT) : [];
    return {
      type: 'welcome',
      visitorId: visitor.id,
      ...(token !== undefined && { token }),
      session: session ? toView(session, await this.agentName(db, session.agent_id)) : null,
      messages,
      identity: { name: visitor.name, phone: visitor.phone, email: visitor.email },
      limits: { maxText: CHAT_MAX_TEXT, maxName: CHAT_MAX_NAME },
    };
  }

  /** Registers a socket of a visitor; the returned function unregisters it. */
  connect(visitorId: string, link: VisitorLink): () => void {
    let set = this.links.get(visitorId);
    if (!set) this.links.set(visitorId, (set = new Set()));
    set.add(link);
    return () => {
      set.delete(link);
      if (set.size === 0 && this.links.get(visitorId) === set) this.links.delete(visitorId);
    };
  }

  private toVisitor(visitorId: string, frame: ServerFrame, except?: VisitorLink): void {
    for (const link of this.links.get(visitorId) ?? []) if (link !== except) link.send(frame);
  }

  /** Visitor sockets open now (diagnostics, the benchmark). */
  get connectedVisitors(): number {
    return this.links.size;
  }

  private async agentName(trx: Tx, agentId: string | null): Promise<string | null> {
    if (!agentId) return null;
    const r = await trx
      .selectFrom('users')
      .select('display_name')
      .where('id', '=', agentId)
      .executeTakeFirst();
    return r?.display_name ?? null;
  }

  private async summary(trx: Tx, s: SessionRow): Promise<ChatSessionSummary> {
    const v = await getVisitor(trx, s.visitor_id);
    return toSummary(s, await this.agentName(trx, s.agent_id), v?.name ?? null);
  }

  private async openSession(trx: Tx, visitor: VisitorRow): Promise<SessionRow | undefined> {
    const s = await latestSession(trx, visitor.id);
    return s && s.state !== 'ended' ? s : undefined;
  }

  private async newSession(trx: Tx, visitor: VisitorRow, at: string): Promise<SessionRow> {
    const site = await getSite(trx, visitor.site_id);
    if (!site) throw new ChatRefusal('origin_not_allowed', 'This site no longer offers chat.');
    // The current visitor row: an identity given since the socket said hello is on it.
    const fresh = (await getVisitor(trx, visitor.id)) ?? visitor;
    const row: SessionRow = {
      id: uuidv7(),
      visitor_id: visitor.id,
      site_id: site.id,
      department_id: site.departmentId,
      queue_id: site.queueId,
      customer_id: fresh.customer_id,
      state: 'bot',
      agent_id: null,
      last_seq: 0,
      agent_delivered_seq: 0,
      agent_read_seq: 0,
      visitor_delivered_seq: 0,
      visitor_read_seq: 0,
      language: fresh.language,
      created_at: at,
      updated_at: at,
      handoff_at: null,
      ended_at: null,
    };
    await trx.insertInto('chat_sessions').values(row).execute();
    return row;
  }

  private async setState(
    trx: Tx,
    s: SessionRow,
    state: ChatState,
    at: string,
    extra: Partial<SessionRow> = {},
  ): Promise<SessionRow> {
    const set = { state, updated_at: at, ...extra };
    await trx.updateTable('chat_sessions').set(set).where('id', '=', s.id).execute();
    return { ...s, ...set };
  }

  /** After a transaction: tell the visitor's sockets and the agent side what changed. */
  private async publish(
    sessionId: string,
    messages: ChatMessage[],
    stateChanged: boolean,
    opts: { except?: VisitorLink; handoff?: boolean } = {},
  ): Promise<ChatSessionSummary | undefined> {
    const s = await getSession(this.deps.db, sessionId);
    if (!s) return undefined;
    const summary = await this.summary(this.deps.db, s);
    // The state first: a widget learns of a new session before the messages in it.
    if (stateChanged) {
      this.toVisitor(s.visitor_id, { type: 'state', session: toView(s, summary.agentName) });
      this.emit('state', summary);
    }
    for (const m of messages) {
      this.toVisitor(
        s.visitor_id,
        { type: 'message', message: m },
        m.sender === 'visitor' ? opts.except : undefined,
      );
      this.emit('message', m, summary);
    }
    if (opts.handoff) this.emit('handoff', summary);
    return summary;
  }

  private async handoffLine(
    trx: Tx,
    s: SessionRow,
    at: string,
  ): Promise<{ row: SessionRow; line: ChatMessage }> {
    const row = await this.setState(trx, s, 'waiting', at, { handoff_at: at });
    const line = await appendMessage(
      trx,
      s.id,
      { sender: 'system', text: '', event: 'handoff_requested' },
      at,
    );
    return { row: { ...row, last_seq: line.seq }, line };
  }

  /**
   * A visitor's message: stored once per client id (a resend is answered with the stored message), in the open
   * session or a new one; words asking for a person hand the chat off.
   */
  async visitorSend(
    visitor: VisitorRow,
    clientId: string,
    rawText: string,
    ctx: { address: string; except?: VisitorLink; attachments?: readonly string[] },
  ): Promise<{ message: ChatMessage; duplicate: boolean }> {
    const fileIds = ctx.attachments ?? [];
    const { db } = this.deps;
    if (rawText.length > CHAT_MAX_TEXT)
      throw new ChatRefusal(
        'too_large',
        `The message is ${rawText.length} characters; at most ${CHAT_MAX_TEXT} go in one message. Split it.`,
      );
    const clientKey = `visitor:${visitor.id}:${clientId}`;
    // A resend of what is stored costs nothing and is never refused: the widget is only catching up.
    const stored = await messageByClientKey(db, clientKey);
    if (stored) return { message: stored, duplicate: true };
    const text = cleanText(rawText);
    if (!text && fileIds.length === 0) throw new ChatRefusal('bad_request', 'The message is empty.');
    this.take(visitor.id, 'visitorMessages', 'messages');
    this.take(ctx.address, 'addressMessages', 'messages from this address');
    const at = this.deps.now().toISOString();
    let result: {
      message: ChatMessage;
      lines: ChatMessage[];
      sessionId: string;
      handoff: boolean;
      created: boolean;
    };
    try {
      result = await db.transaction().execute(async (trx) => {
        let s = await this.openSession(trx, visitor);
        const created = !s;
        s ??= await this.newSession(trx, visitor, at);
        const attachments = await claimFiles(trx, fileIds, s.id, { visitorId: visitor.id });
        const message = await appendMessage(
          trx,
          s.id,
          { sender: 'visitor', clientId, clientKey, text, attachments },
          at,
        );
        const lines: ChatMessage[] = [];
        let handoff = false;
        if (s.state === 'bot' && asksForPerson(text)) {
          lines.push((await this.handoffLine(trx, s, at)).line);
          handoff = true;
        }
        return { message, lines, sessionId: s.id, handoff, created };
      });
    } catch (e) {
      // Two sockets of one visitor resending at once (PostgreSQL): the other one stored it.
      const again = await messageByClientKey(db, clientKey);
      if (again) return { message: again, duplicate: true };
      throw e;
    }
    await this.publish(
      result.sessionId,
      [result.message, ...result.lines],
      result.handoff || result.created,
      {
        except: ctx.except,
        handoff: result.handoff,
      },
    );
    return { message: result.message, duplicate: false };
  }

  /** The "talk to a person" button: the chat waits for an agent (a session is opened for it if none is). */
  async visitorHandoff(visitor: VisitorRow): Promise<void> {
    this.take(visitor.id, 'visitorMessages', 'requests');
    const at = this.deps.now().toISOString();
    const r = await this.deps.db.transaction().execute(async (trx) => {
      let s = await this.openSession(trx, visitor);
      const created = !s;
      s ??= await this.newSession(trx, visitor, at);
      if (s.state !== 'bot') return { id: s.id, lines: [], changed: created };
      return { id: s.id, lines: [(await this.handoffLine(trx, s, at)).line], changed: true };
    });
    await this.publish(r.id, r.lines, r.changed, { handoff: r.lines.length > 0 });
  }

  /** The visitor gives a name, phone or email: kept, and the customer they are found or made (identity.ts). */
  async visitorIdentify(visitor: VisitorRow, input: unknown): Promise<void> {
    const parsed = ChatIdentity.safeParse(input);
    if (!parsed.success) {
      const big = parsed.error.issues.some((i) => i.code === 'too_big');
      throw new ChatRefusal(
        big ? 'too_large' : 'bad_request',
        big
          ? `A name is at most ${CHAT_MAX_NAME} characters; phone and email as usual.`
          : 'Check the email address: it does not look like one.',
      );
    }
    this.take(visitor.id, 'visitorMessages', 'requests');
    const name = parsed.data.name ? cleanText(parsed.data.name) || undefined : undefined;
    const { phone, email } = parsed.data;
    if (!name && !phone && !email) return;
    const at = this.deps.now();
    const r = await this.deps.db.transaction().execute(async (trx) => {
      const site = await getSite(trx, visitor.site_id);
      if (!site) throw new ChatRefusal('origin_not_allowed', 'This site no longer offers chat.');
      const { customer } = await customerForContact(
        trx,
        {
          name,
          phone,
          email,
          // The browser is remembered as the customer it led to: the same visitor is found again.
          external: { channel: 'webchat', id: visitor.id },
          language: (visitor.language as ChatLanguage | null) ?? null,
        },
        site.departmentId,
        at,
      );
      await trx
        .updateTable('chat_visitors')
        .set({
          name: name ?? visitor.name,
          phone: phone ?? visitor.phone,
          email: email ?? visitor.email,
          customer_id: customer.id,
        })
        .where('id', '=', visitor.id)
        .execute();
      const s = await this.openSession(trx, visitor);
      if (!s) return undefined;
      await trx
        .updateTable('chat_sessions')
        .set({ customer_id: customer.id })
        .where('id', '=', s.id)
        .execute();
      const line = await appendMessage(
        trx,
        s.id,
        { sender: 'system', text: '', event: 'identified', name: name ?? null },
        at.toISOString(),
      );
      return { id: s.id, line };
    });
    Object.assign(visitor, {
      name: name ?? visitor.name,
      phone: phone ?? visitor.phone,
      email: email ?? visitor.email,
    });
    if (r) await this.publish(r.id, [r.line], true);
  }

  async visitorTyping(visitor: VisitorRow, typing: boolean): Promise<void> {
    this.take(visitor.id, 'visitorSignals', 'typing signals');
    const s = await this.openSession(this.deps.db, visitor);
    if (s) this.emit('visitorTyping', { sessionId: s.id, typing });
  }

  /** The widget got / showed the other side's messages up to these seq (never past what exists, never back). */
  async visitorReceipt(visitor: VisitorRow, delivered?: number, read?: number): Promise<void> {
    this.take(visitor.id, 'visitorSignals', 'receipts');
    const s = await latestSession(this.deps.db, visitor.id);
    if (!s) return;
    const d = Math.min(s.last_seq, Math.max(s.visitor_delivered_seq, delivered ?? 0, read ?? 0));
    const rd = Math.min(s.last_seq, Math.max(s.visitor_read_seq, read ?? 0));
    if (d === s.visitor_delivered_seq && rd === s.visitor_read_seq) return;
    await this.deps.db
      .updateTable('chat_sessions')
      .set({ visitor_delivered_seq: d, visitor_read_seq: rd })
      .where('id', '=', s.id)
      .execute();
    this.emit('visitorReceipt', { sessionId: s.id, delivered: d, read: rd });
  }

  async visitorEnd(visitor: VisitorRow): Promise<void> {
    const s = await this.openSession(this.deps.db, visitor);
    if (s) await this.end(s.id, 'ended_by_visitor');
  }

  // ---------------------------------------------------------------- agent side (README.md)

  /** A session as the agent side sees it. */
  async session(sessionId: string): Promise<ChatSessionSummary | undefined> {
    const s = await getSession(this.deps.db, sessionId);
    return s && this.summary(this.deps.db, s);
  }

  /** The session's messages after `since` (the latest CHAT_HISTORY_LIMIT, or `limit`). */
  history(sessionId: string, since = 0, limit = CHAT_HISTORY_LIMIT): Promise<ChatMessage[]> {
    return messagesAfter(this.deps.db, sessionId, since, limit);
  }

  /** Chats waiting for an agent, oldest hand-off first; of one department when given. */
  async waiting(departmentId?: string): Promise<ChatSessionSummary[]> {
    const { db } = this.deps;
    const rows = await db
      .selectFrom('chat_sessions')
      .selectAll()
      .where('state', '=', 'waiting')
      .$if(departmentId !== undefined, (b) => b.where('department_id', '=', departmentId!))
      .orderBy('handoff_at')
      .orderBy('id')
      .execute();
    return Promise.all(rows.map((r) => this.summary(db, r)));
  }

  private async mustGet(trx: Tx, sessionId: string): Promise<SessionRow> {
    const s = await getSession(trx, sessionId);
    if (!s) throw new SwitchboardError('not_found', 'No such chat.');
    return s;
  }

  /**
   * An agent takes a chat (routing's accept, or an agent picking one): it must still be waiting (or with the
   * bot); a chat another agent has, or one that ended, is a conflict.
   */
  async assign(sessionId: string, agentId: string): Promise<ChatSessionSummary> {
    const at = this.deps.now().toISOString();
    const line = await this.deps.db.transaction().execute(async (trx) => {
      const s = await this.mustGet(trx, sessionId);
      if (s.state === 'agent' && s.agent_id === agentId) return null;
      if (s.state === 'agent' || s.state === 'ended')
        throw new SwitchboardError(
          'conflict',
          s.state === 'ended' ? 'This chat has ended.' : 'Another agent has this chat already.',
        );
      const name = await this.agentName(trx, agentId);
      if (name === null) throw new SwitchboardError('not_found', 'No such agent.');
      await this.setState(trx, s, 'agent', at, { agent_id: agentId });
      return appendMessage(trx, s.id, { sender: 'system', text: '', event: 'agent_joined', name }, at);
    });
    return (await this.publish(sessionId, line ? [line] : [], line !== null))!;
  }

  /** The agent's desktop went away (or the agent gave the chat back): it waits again, and the visitor is told. */
  async requeue(sessionId: string): Promise<ChatSessionSummary> {
    const at = this.deps.now().toISOString();
    const line = await this.deps.db.transaction().execute(async (trx) => {
      const s = await this.mustGet(trx, sessionId);
      if (s.state !== 'agent') return null;
      const name = await this.agentName(trx, s.agent_id);
      await this.setState(trx, s, 'waiting', at, { agent_id: null, handoff_at: at });
      return appendMessage(trx, s.id, { sender: 'system', text: '', event: 'agent_left', name }, at);
    });
    return (await this.publish(sessionId, line ? [line] : [], line !== null, { handoff: line !== null }))!;
  }

  /**
   * A message from the agent who has the chat, stored once per (agent, clientId). Plain text like the
   * visitor's; attachments are references to files the server stores.
   */
  async agentSend(
    sessionId: string,
    agentId: string,
    input: { clientId: string; text: string; attachments?: ChatAttachmentRef[] },
  ): Promise<ChatMessage> {
    if (input.text.length > CHAT_MAX_TEXT)
      throw new SwitchboardError('bad_request', `A message is at most ${CHAT_MAX_TEXT} characters.`);
    const attachments = ChatAttachmentRef.array()
      .max(10)
      .parse(input.attachments ?? []);
    const clientKey = `agent:${agentId}:${input.clientId}`;
    const stored = await messageByClientKey(this.deps.db, clientKey);
    if (stored) return stored;
    const text = cleanText(input.text);
    if (!text && attachments.length === 0) throw new SwitchboardError('bad_request', 'The message is empty.');
    const at = this.deps.now().toISOString();
    const message = await this.deps.db.transaction().execute(async (trx) => {
      const s = await this.mustGet(trx, sessionId);
      if (s.state !== 'agent' || s.agent_id !== agentId)
        throw new SwitchboardError(
          'conflict',
          'This chat is not yours (any more): it was ended or passed on.',
        );
      const name = await this.agentName(trx, agentId);
      // The refs the desktop sends name files; what they are comes from the store, and only the agent's own.
      const files = await claimFiles(
        trx,
        attachments.map((a) => a.id),
        s.id,
        { agentId },
      );
      return appendMessage(
        trx,
        s.id,
        {
          sender: 'agent',
          authorId: agentId,
          clientId: input.clientId,
          clientKey,
          text,
          name,
          attachments: files,
        },
        at,
      );
    });
    await this.publish(sessionId, [message], false);
    return message;
  }

  /** The bot's answer while the chat is with the bot; `articleId` names the article it came from. */
  async botSend(
    sessionId: string,
    // Chat routing (issue 13): the article's title rides in the message's name, so the widget shows the source.
    input: { text: string; articleId?: string | null; articleTitle?: string | null },
  ): Promise<ChatMessage> {
    const at = this.deps.now().toISOString();
    const msg: NewMessage = {
      sender: 'bot',
      text: cleanText(input.text).slice(0, CHAT_MAX_TEXT),
      articleId: input.articleId ?? null,
      name: input.articleTitle ? cleanText(input.articleTitle).slice(0, 300) : null,
    };
    const message = await this.deps.db.transaction().execute(async (trx) => {
      const s = await this.mustGet(trx, sessionId);
      if (s.state !== 'bot') throw new SwitchboardError('conflict', 'The chat is no longer with the bot.');
      return appendMessage(trx, s.id, msg, at);
    });
    await this.publish(sessionId, [message], false);
    return message;
  }

  // Chat routing (issue 13): the bot hands a chat off by session (no visitor row, no visitor rate limit).
  /** The bot found no answer good enough, or gives up: the chat waits for an agent as if the visitor asked. */
  async botHandoff(sessionId: string): Promise<ChatSessionSummary | undefined> {
    const at = this.deps.now().toISOString();
    const line = await this.deps.db.transaction().execute(async (trx) => {
      const s = await this.mustGet(trx, sessionId);
      return s.state === 'bot' ? (await this.handoffLine(trx, s, at)).line : null;
    });
    return this.publish(sessionId, line ? [line] : [], line !== null, { handoff: line !== null });
  }

  /** The agent (or the bot) is typing: shown in the widget. */
  async agentTyping(sessionId: string, typing: boolean, sender: 'agent' | 'bot' = 'agent'): Promise<void> {
    const s = await this.mustGet(this.deps.db, sessionId);
    if (s.state !== 'ended') this.toVisitor(s.visitor_id, { type: 'typing', sender, typing });
  }

  /** The agent's desktop got / showed the visitor's messages up to these seq: the widget's delivered / read marks. */
  async agentReceipt(sessionId: string, marks: { delivered?: number; read?: number }): Promise<void> {
    const { db } = this.deps;
    const s = await this.mustGet(db, sessionId);
    const d = Math.min(s.last_seq, Math.max(s.agent_delivered_seq, marks.delivered ?? 0, marks.read ?? 0));
    const r = Math.min(s.last_seq, Math.max(s.agent_read_seq, marks.read ?? 0));
    if (d === s.agent_delivered_seq && r === s.agent_read_seq) return;
    await db
      .updateTable('chat_sessions')
      .set({ agent_delivered_seq: d, agent_read_seq: r })
      .where('id', '=', s.id)
      .execute();
    this.toVisitor(s.visitor_id, { type: 'receipt', sessionId: s.id, agentDelivered: d, agentRead: r });
  }

  /** Ends a chat (the visitor, the agent, or a system reason); a second end changes nothing. */
  async end(sessionId: string, event: Extract<ChatSystemEvent, 'ended_by_visitor' | 'ended_by_agent'>) {
    const at = this.deps.now().toISOString();
    const line = await this.deps.db.transaction().execute(async (trx) => {
      const s = await this.mustGet(trx, sessionId);
      if (s.state === 'ended') return null;
      await this.setState(trx, s, 'ended', at, { ended_at: at });
      return appendMessage(trx, s.id, { sender: 'system', text: '', event }, at);
    });
    return this.publish(sessionId, line ? [line] : [], line !== null);
  }
}
