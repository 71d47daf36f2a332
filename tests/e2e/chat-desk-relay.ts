// For the chat desk's e2e: the desktop host signs in to this relay as if it were the central service. Every
// REST call and every sync-socket event goes through to the real service (started by the test), except the
// agent chat events (chat:*, src/shared/chat/agent-protocol.ts), which this relay answers itself, speaking the
// contract, because the service's chat:* handlers are built in another branch. The test plays the visitor side
// through it: offers, visitor messages, typing and read marks, and can take the "service" down and back.
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { Server, type Socket } from 'socket.io';
import { io as connectUpstream, type Socket as UpstreamSocket } from 'socket.io-client';
import type { AgentChatSummary, CannedResponse, ChatOffer } from '../../src/shared/chat/agent-protocol';
import type { ChatMessage } from '../../src/shared/chat/protocol';

const ok = (data: unknown) => ({ ok: true, data });
const refuse = (code: string, message: string) => ({ ok: false, error: { code, message } });
const now = () => new Date().toISOString();
let ids = 0;
/** A UUIDv7-shaped id (the contract's ids are uuids). */
const uuid = () => {
  const n = (++ids).toString(16).padStart(12, '0');
  return `0190c000-0000-7000-8000-${n}`;
};

export interface ChatRelay {
  url: string;
  /** What the desktop sent, for the test to check. */
  sends: { chatId: string; clientId: string; text: string }[];
  declines: string[];
  typing: { chatId: string; typing: boolean }[];
  reads: { chatId: string; read?: number; delivered?: number }[];
  offer(visitor: AgentChatSummary['visitor'], firstWords: string, opts?: { customerId?: string }): ChatOffer;
  visitorSays(chatId: string, text: string): ChatMessage;
  visitorTyping(chatId: string, typing: boolean): void;
  visitorReads(chatId: string, seq: number): void;
  /** The "service" goes away (sockets dropped, new ones refused) and comes back. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startChatRelay(opts: {
  upstream: string;
  departmentId: string;
  agentId: string;
  agentName: string;
  /** The ticket a "Make ticket" answers with (the relay does not make tickets). */
  ticketId: string;
  canned: CannedResponse[];
}): Promise<ChatRelay> {
  const chats = new Map<string, AgentChatSummary>();
  const messages = new Map<string, ChatMessage[]>();
  const offers = new Map<string, ChatOffer>();
  const stored = new Map<string, ChatMessage>();
  let refusing = false;

  const http: HttpServer = createServer((req, res) => void forward(req, res));
  async function forward(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (refusing) {
      res.destroy();
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || ['host', 'connection', 'content-length'].includes(k)) continue;
      headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    try {
      const body =
        chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
      const r = await fetch(`${opts.upstream}${req.url}`, { method: req.method, headers, body });
      const out = Buffer.from(await r.arrayBuffer());
      const h: Record<string, string> = {};
      r.headers.forEach((v, k) => {
        if (!['content-encoding', 'transfer-encoding', 'content-length', 'connection'].includes(k)) h[k] = v;
      });
      res.writeHead(r.status, h).end(out);
    } catch {
      res.destroy();
    }
  }

  const io = new Server(http, { transports: ['websocket'], maxHttpBufferSize: 8 * 1024 * 1024 });
  const upstreams = new WeakMap<Socket, UpstreamSocket>();
  // The desktop's socket is let in only once the service let the relay's own connection in with its token.
  io.use((socket, next) => {
    if (refusing) return next(new Error('relay: the service is down'));
    const up = connectUpstream(opts.upstream, {
      auth: socket.handshake.auth as Record<string, unknown>,
      transports: ['websocket'],
      reconnection: false,
    });
    up.once('connect', () => {
      upstreams.set(socket, up);
      next();
    });
    up.once('connect_error', (err) => {
      up.close();
      next(new Error(err.message));
    });
  });
  io.on('connection', (socket) => {
    const up = upstreams.get(socket)!;
    up.onAny((event: string, ...args: unknown[]) => socket.emit(event, ...args));
    up.on('disconnect', () => socket.disconnect(true));
    socket.on('disconnect', () => up.close());
    socket.onAny((event: string, ...args: unknown[]) => {
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as (a: unknown) => void) : null;
      if (ack) args.pop();
      if (event.startsWith('chat:')) {
        ack?.(answer(event, args[0] as Record<string, unknown>));
        return;
      }
      if (!ack) return void up.emit(event, ...args);
      up.timeout(30_000).emit(event, ...args, (err: unknown, answerUp: unknown) =>
        ack(err ? refuse('unavailable', 'relay: no answer from the service') : answerUp),
      );
    });
  });

  const push = (event: string, payload: unknown) => io.emit(event, payload);
  const chatOf = (id: unknown) => chats.get(String(id));
  const append = (
    chatId: string,
    m: Omit<ChatMessage, 'id' | 'sessionId' | 'seq' | 'createdAt'>,
  ): ChatMessage => {
    const list = messages.get(chatId) ?? [];
    const message: ChatMessage = {
      id: uuid(),
      sessionId: chatId,
      seq: list.length + 1,
      createdAt: now(),
      ...m,
    };
    list.push(message);
    messages.set(chatId, list);
    const c = { ...chats.get(chatId)!, lastMessage: message };
    chats.set(chatId, c);
    return message;
  };
  const line = (text: string, sender: ChatMessage['sender'], extra: Partial<ChatMessage> = {}) => ({
    sender,
    clientId: null,
    text,
    name: null,
    event: null,
    attachments: [],
    articleId: null,
    ...extra,
  });

  function answer(event: string, p: Record<string, unknown>): unknown {
    switch (event) {
      case 'chat:mine':
        return ok({
          chats: [...chats.values()].filter((c) => c.agentId === opts.agentId && c.state === 'agent'),
          offers: [...offers.values()],
        });
      case 'chat:accept': {
        const o = offers.get(String(p['offerId']));
        if (!o) return refuse('conflict', 'This offer is no longer open.');
        offers.delete(o.offerId);
        chats.set(o.chat.id, { ...chats.get(o.chat.id)!, state: 'agent', agentId: opts.agentId });
        const joined = append(o.chat.id, line('', 'system', { event: 'agent_joined', name: opts.agentName }));
        push('chat:message', { chat: chats.get(o.chat.id), message: joined });
        return ok(chats.get(o.chat.id));
      }
      case 'chat:decline': {
        const o = offers.get(String(p['offerId']));
        if (o) {
          offers.delete(o.offerId);
          relay.declines.push(o.offerId);
        }
        return ok({});
      }
      case 'chat:history':
        return ok({
          messages: (messages.get(String(p['chatId'])) ?? []).filter((m) => m.seq > Number(p['since'] ?? 0)),
        });
      case 'chat:send': {
        const c = chatOf(p['chatId']);
        if (!c || c.state !== 'agent') return refuse('conflict', 'This chat is not yours.');
        relay.sends.push({ chatId: c.id, clientId: String(p['clientId']), text: String(p['text']) });
        const key = `${c.id}:${String(p['clientId'])}`;
        let m = stored.get(key);
        if (!m) {
          m = append(
            c.id,
            line(String(p['text']), 'agent', { clientId: String(p['clientId']), name: opts.agentName }),
          );
          stored.set(key, m);
          push('chat:message', { chat: chats.get(c.id), message: m });
        }
        return ok(m);
      }
      case 'chat:typing':
        relay.typing.push({ chatId: String(p['chatId']), typing: Boolean(p['typing']) });
        return ok({});
      case 'chat:receipt': {
        relay.reads.push(p as ChatRelay['reads'][number]);
        return ok(chatOf(p['chatId']));
      }
      case 'chat:end': {
        const c = chatOf(p['chatId']);
        if (!c) return refuse('not_found', 'No such chat.');
        chats.set(c.id, { ...c, state: 'ended', endedAt: now() });
        append(c.id, line('', 'system', { event: 'ended_by_agent', name: opts.agentName }));
        return ok(chats.get(c.id));
      }
      case 'chat:transfer': {
        const c = chatOf(p['chatId']);
        if (!c) return refuse('not_found', 'No such chat.');
        chats.set(c.id, { ...c, state: 'waiting', agentId: null });
        return ok(chats.get(c.id));
      }
      case 'chat:toTicket': {
        const c = chatOf(p['chatId']);
        if (!c) return refuse('not_found', 'No such chat.');
        const ticketId = typeof p['ticketId'] === 'string' ? p['ticketId'] : opts.ticketId;
        chats.set(c.id, { ...c, ticketId });
        return ok({ chat: chats.get(c.id), ticketId });
      }
      case 'chat:canned':
        return ok(opts.canned.filter((c) => !p['language'] || c.language === p['language']));
      default:
        return refuse('bad_request', `Unknown chat event ${event}`);
    }
  }

  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const addr = http.address();
  const relay: ChatRelay = {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    sends: [],
    declines: [],
    typing: [],
    reads: [],
    offer(visitor, firstWords, o = {}) {
      const id = uuid();
      const chat: AgentChatSummary = {
        id,
        state: 'waiting',
        departmentId: opts.departmentId,
        queueId: null,
        agentId: null,
        visitor,
        customerId: o.customerId ?? null,
        ticketId: null,
        visitorDelivered: 0,
        visitorRead: 0,
        lastMessage: null,
        createdAt: now(),
        handoffAt: now(),
        endedAt: null,
      };
      chats.set(id, chat);
      append(id, line(firstWords, 'visitor', { clientId: uuid() }));
      append(id, line('', 'system', { event: 'handoff_requested' }));
      const offer: ChatOffer = {
        offerId: uuid(),
        chat: chats.get(id)!,
        expiresAt: new Date(Date.now() + 30_000).toISOString(),
      };
      offers.set(offer.offerId, offer);
      push('chat:offer', offer);
      return offer;
    },
    visitorSays(chatId, text) {
      const m = append(chatId, line(text, 'visitor', { clientId: uuid() }));
      push('chat:message', { chat: chats.get(chatId), message: m });
      return m;
    },
    visitorTyping(chatId, typing) {
      push('chat:visitorTyping', { chatId, typing });
    },
    visitorReads(chatId, seq) {
      const c = chats.get(chatId)!;
      chats.set(chatId, { ...c, visitorDelivered: seq, visitorRead: seq });
      push('chat:chat', chats.get(chatId));
    },
    down() {
      refusing = true;
      io.disconnectSockets(true);
    },
    up() {
      refusing = false;
    },
    close: () =>
      new Promise<void>((r) => {
        io.close(() => r());
      }),
  };
  return relay;
}
