import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type LocalStore } from '../../../src/main/store';
import { SyncEngine } from '../../../src/main/sync';
import type { AgentChatSummary, ChatOffer } from '../../../src/shared/chat/agent-protocol';
import type { ChatMessage } from '../../../src/shared/chat/protocol';
import type { ChatDeskState } from '../../../src/shared/ipc/chat-desk';
import { SwitchboardError } from '../../../src/shared/protocol/errors';
import { AGENT_A1, tempDir } from '../fixtures';
import { waitFor } from '../sync/helpers';

/*
 * The desktop's chat link through the real sync engine and socket.io transport, against a socket.io server
 * made here that speaks the agent contract (src/shared/chat/agent-protocol.ts): the central service's chat:*
 * handlers are built in another branch. The same behaviours against the real service are in
 * chat-agent.test.ts, which needs those handlers.
 */

const CHAT = '0190b000-0000-7000-8000-00000000c001';
const OFFER = '0190b000-0000-7000-8000-00000000c0f1';
const DEPT = '0190b000-0000-7000-8000-0000000000d1';
const now = () => new Date().toISOString();

function summary(over: Partial<AgentChatSummary> = {}): AgentChatSummary {
  return {
    id: CHAT,
    state: 'waiting',
    departmentId: DEPT,
    queueId: null,
    agentId: null,
    visitor: { name: '王芳', phone: null, email: null, language: 'zh-CN' },
    customerId: null,
    ticketId: null,
    visitorDelivered: 0,
    visitorRead: 0,
    lastMessage: null,
    createdAt: now(),
    handoffAt: now(),
    endedAt: null,
    ...over,
  };
}

/** A chat service speaking the contract; `dropNextSendAnswer` stores a send and cuts the socket before answering. */
async function contractServer(port = 0) {
  const http: HttpServer = createServer();
  const io = new Server(http, { transports: ['websocket'] });
  const seen = { sends: [] as { clientId: string; text: string }[], receipts: [] as unknown[] };
  const stored = new Map<string, ChatMessage>();
  let chat = summary();
  const state = { dropNextSendAnswer: false, offers: [] as ChatOffer[], seen, stored };
  io.on('connection', (socket) => {
    socket.on('sync:pull', (_p, ack) =>
      ack({ ok: true, data: { changes: [], cursor: 0, hasMore: false, head: 0 } }),
    );
    socket.on('agent:getStatus', (_p, ack) =>
      ack({ ok: false, error: { code: 'not_found', message: 'No phone.' } }),
    );
    socket.on('chat:mine', (_p, ack) =>
      ack({ ok: true, data: { chats: chat.state === 'agent' ? [chat] : [], offers: state.offers } }),
    );
    socket.on('chat:accept', (p: { offerId: string }, ack) => {
      state.offers = state.offers.filter((o) => o.offerId !== p.offerId);
      chat = { ...chat, state: 'agent', agentId: AGENT_A1 };
      ack({ ok: true, data: chat });
    });
    socket.on('chat:send', (p: { chatId: string; clientId: string; text: string }, ack) => {
      seen.sends.push({ clientId: p.clientId, text: p.text });
      let m = stored.get(p.clientId);
      if (!m) {
        m = {
          id: `m${stored.size + 1}`,
          sessionId: p.chatId,
          seq: stored.size + 2,
          sender: 'agent',
          clientId: p.clientId,
          text: p.text,
          name: 'Agent One',
          event: null,
          attachments: [],
          articleId: null,
          createdAt: now(),
        };
        stored.set(p.clientId, m);
      }
      if (state.dropNextSendAnswer) {
        state.dropNextSendAnswer = false;
        socket.disconnect(true);
        return;
      }
      ack({ ok: true, data: m });
    });
    socket.on('chat:receipt', (p: unknown, ack) => {
      seen.receipts.push(p);
      ack({ ok: true, data: chat });
    });
  });
  await new Promise<void>((r) => http.listen(port, '127.0.0.1', r));
  const address = http.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  return {
    ...state,
    state,
    io,
    url,
    port: Number(new URL(url).port),
    setChat: (c: AgentChatSummary) => (chat = c),
    close: () => new Promise<void>((r) => void io.close(() => r())),
  };
}

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let engine: SyncEngine | null = null;
let servers: Awaited<ReturnType<typeof contractServer>>[] = [];
afterEach(async () => {
  await engine?.stop();
  engine = null;
  for (const s of servers) await s.close();
  servers = [];
  store?.close();
  dir?.remove();
});

function startEngine(url: string) {
  dir = tempDir();
  store = openStore(join(dir.path, 'r.sqlite'));
  const events: { event: string; payload: unknown }[] = [];
  engine = new SyncEngine({
    serverUrl: url,
    userId: AGENT_A1,
    store,
    accessToken: 'token',
    refreshToken: 'refresh',
    refresh: () => Promise.reject(new SwitchboardError('unavailable', 'no')),
    emit: (event, payload) => events.push({ event, payload }),
    requestTimeoutMs: 5_000,
  });
  engine.start();
  const lastState = () =>
    [...events].reverse().find((e) => e.event === 'chat.state')?.payload as ChatDeskState | undefined;
  return { engine, events, lastState };
}

describe('chat link over the sync socket', () => {
  it('fails at once with unavailable while there is no connection', async () => {
    const { engine } = startEngine('http://127.0.0.1:1');
    const accept = engine.chat.accept(OFFER);
    await expect(accept).rejects.toMatchObject({ code: 'unavailable' });
    await expect(engine.chat.end(CHAT)).rejects.toMatchObject({ code: 'unavailable' });
    // Nothing to keep a message for: a chat this desktop never had is refused too, not queued forever.
    await expect(engine.chat.send({ chatId: CHAT, text: 'hi', attachments: [] })).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect((await engine.chat.state()).online).toBe(false);
  });

  it("shows a pushed offer, drops a malformed push, and accepting makes the chat the agent's", async () => {
    const server = await contractServer();
    servers.push(server);
    const { engine, lastState } = startEngine(server.url);
    await waitFor(async () => lastState()?.online === true, 'online');
    const offer: ChatOffer = {
      offerId: OFFER,
      chat: summary(),
      expiresAt: new Date(Date.now() + 30_000).toISOString(),
    };
    server.io.emit('chat:offer', { offerId: OFFER, chat: { id: 'not-a-chat' } });
    server.io.emit('chat:offer', offer);
    await waitFor(async () => (lastState()?.offers.length ?? 0) > 0, 'offer shown');
    expect(lastState()!.offers.map((o) => o.offerId)).toEqual([OFFER]);

    const chat = await engine.chat.accept(OFFER);
    expect(chat.state).toBe('agent');
    expect(lastState()!.offers).toEqual([]);
    expect(lastState()!.chats.map((c) => c.id)).toEqual([CHAT]);
  });

  it('a visitor message pushed to the desktop is acknowledged as delivered', async () => {
    const server = await contractServer();
    servers.push(server);
    server.setChat(summary({ state: 'agent', agentId: AGENT_A1 }));
    const { events } = startEngine(server.url);
    await waitFor(async () => events.some((e) => e.event === 'chat.state'), 'connected');
    const message: ChatMessage = {
      id: 'v1',
      sessionId: CHAT,
      seq: 7,
      sender: 'visitor',
      clientId: 'w1',
      text: '<b>hi</b>',
      name: null,
      event: null,
      attachments: [],
      articleId: null,
      createdAt: now(),
    };
    server.io.emit('chat:message', { chat: summary({ state: 'agent', agentId: AGENT_A1 }), message });
    await waitFor(async () => server.seen.receipts.length > 0, 'delivered receipt');
    expect(server.seen.receipts[0]).toEqual({ chatId: CHAT, delivered: 7 });
    expect(events.find((e) => e.event === 'chat.message')?.payload).toMatchObject({
      message: { text: '<b>hi</b>' },
    });
  });

  it("another agent's chat heard by a supervisor's desktop is neither shown nor marked delivered", async () => {
    const server = await contractServer();
    servers.push(server);
    const { events, lastState } = startEngine(server.url);
    await waitFor(async () => lastState()?.online === true, 'online');
    const other = summary({ state: 'agent', agentId: '0190b000-0000-7000-8000-0000000000a2' });
    const message: ChatMessage = {
      id: 'v2',
      sessionId: CHAT,
      seq: 3,
      sender: 'visitor',
      clientId: 'w2',
      text: 'hello',
      name: null,
      event: null,
      attachments: [],
      articleId: null,
      createdAt: now(),
    };
    server.io.emit('chat:message', { chat: other, message });
    server.io.emit('chat:chat', other);
    // Something this desktop does act on, sent after: once it is seen, the two before it were handled.
    const offer: ChatOffer = {
      offerId: OFFER,
      chat: summary(),
      expiresAt: new Date(Date.now() + 30_000).toISOString(),
    };
    server.io.emit('chat:offer', offer);
    await waitFor(async () => (lastState()?.offers.length ?? 0) > 0, 'offer shown');
    expect(lastState()!.chats).toEqual([]);
    expect(events.some((e) => e.event === 'chat.message')).toBe(false);
    expect(server.seen.receipts).toEqual([]);
  });

  it('keeps what the agent writes while the server is away and sends it, same clientId, once back', async () => {
    const server = await contractServer();
    servers.push(server);
    server.setChat(summary({ state: 'agent', agentId: AGENT_A1 }));
    const { engine, lastState } = startEngine(server.url);
    await waitFor(async () => (lastState()?.chats.length ?? 0) === 1, 'chat loaded');

    // The answer to the first send is lost (the socket drops after the server stored it).
    server.state.dropNextSendAnswer = true;
    const first = await engine.chat.send({ chatId: CHAT, text: '您好，请稍等', attachments: [] });
    expect(first.message).toBeNull();
    await waitFor(async () => lastState()?.online === false, 'offline');
    await server.close();
    servers = [];

    // Written while the server is down: kept, in order.
    const second = await engine.chat.send({ chatId: CHAT, text: 'second line', attachments: [] });
    expect(second.message).toBeNull();
    expect(lastState()!.pending.map((p) => [p.text, p.state])).toEqual([
      ['您好，请稍等', 'queued'],
      ['second line', 'queued'],
    ]);

    const back = await contractServer(server.port);
    servers.push(back);
    back.setChat(summary({ state: 'agent', agentId: AGENT_A1 }));
    // The restarted service still has the first message (same store in real life): seeded so.
    back.stored.set(first.clientId, server.stored.get(first.clientId)!);
    await waitFor(
      async () => lastState()?.online === true && lastState()!.pending.length === 0,
      'resent',
      20_000,
    );
    expect(back.seen.sends).toEqual([
      { clientId: first.clientId, text: '您好，请稍等' },
      { clientId: second.clientId, text: 'second line' },
    ]);
    expect(back.stored.size).toBe(2);
  }, 40_000);
});
