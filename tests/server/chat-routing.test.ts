// Web chat, agent side, against the real service (src/server/chat-routing/README.md): routing offers a waiting
// chat to one agent at the desk with a free slot (a call takes one), decline and timeout re-offer it, one accept
// wins, a desktop that stays away gives its chats back, transfer, end with the transcript kept, a ticket from a
// chat, canned responses, and agents kept to their department and their own chats.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ChatAgentEvents,
  ChatSocketEvents,
  type AgentChatSummary,
  type ChatOffer,
} from '../../src/shared/chat/agent-protocol';
import type { ChatMessage } from '../../src/shared/chat';
import type { Ack } from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { connectSocket, login, reopenTestServer, request, startTestServer, type TestServer } from './helpers';
import { untilChained } from './audit-wait';
import { Visitor } from './chat-visitor-client';
import { callEvent, mustSetState, route, signIn, until, type AgentSession } from './voice-helpers';

let server: TestServer;
const visitors: Visitor[] = [];
const desks: Desk[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 20, customers: 10 });
});
afterAll(async () => {
  await server?.stop();
});
// The visitor limits run on the service's clock: every test starts with full buckets.
beforeEach(() => {
  server.clock.now = new Date(server.clock.now.getTime() + 3_600_000);
});
afterEach(async () => {
  // Nothing of one test may hold a slot or an offer in the next: chats end, desktops leave on Break.
  for (const s of await server.chat.waiting()) await server.chat.end(s.id, 'ended_by_agent');
  const held = await stored((db) =>
    db.selectFrom('chat_sessions').select('id').where('state', '=', 'agent').execute(),
  );
  for (const h of held) await server.chat.end(h.id, 'ended_by_agent');
  for (const d of desks.splice(0)) {
    if (d.socket.connected) await mustSetState(d, 'Break', { reason: 'meeting' }).catch(() => {});
    d.socket.close();
  }
  for (const v of visitors.splice(0)) v.close();
  await server.chatRouting.sweep();
});

async function stored<T>(work: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const db = openDatabase(server.dbPath);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

const tick = (ms: number) => {
  server.clock.now = new Date(server.clock.now.getTime() + ms);
};

interface Desk extends AgentSession {
  userId: string;
  offers: ChatOffer[];
  withdrawn: { offerId: string; chatId: string; reason: string }[];
  chats: AgentChatSummary[];
  messages: { chat: AgentChatSummary; message: ChatMessage }[];
  typing: { chatId: string; typing: boolean }[];
}

/** An agent's (or supervisor's) desktop: signed in, the sync socket open, every chat push kept. */
async function desk(username: string, state?: 'Available' | 'Break'): Promise<Desk> {
  const s = await signIn(server.url, username);
  const d: Desk = {
    ...s,
    userId: s.session.user.id,
    offers: [],
    withdrawn: [],
    chats: [],
    messages: [],
    typing: [],
  };
  s.socket.on(ChatSocketEvents.offer, (o: unknown) => d.offers.push(ChatAgentEvents.offer.parse(o)));
  s.socket.on(ChatSocketEvents.offerWithdrawn, (o: unknown) =>
    d.withdrawn.push(ChatAgentEvents.offerWithdrawn.parse(o)),
  );
  s.socket.on(ChatSocketEvents.chat, (c: unknown) => d.chats.push(ChatAgentEvents.chat.parse(c)));
  s.socket.on(ChatSocketEvents.message, (m: unknown) => d.messages.push(ChatAgentEvents.message.parse(m)));
  s.socket.on(ChatSocketEvents.visitorTyping, (t: unknown) =>
    d.typing.push(ChatAgentEvents.visitorTyping.parse(t)),
  );
  desks.push(d);
  if (state === 'Available') await mustSetState(d, 'Available');
  if (state === 'Break') await mustSetState(d, 'Break', { reason: 'lunch' });
  return d;
}

/** A visitor on the demo page who asks for a person (the button): the chat waits. */
async function waitingChat(): Promise<{ v: Visitor; chatId: string }> {
  const v = await Visitor.open(server.url, server.url);
  visitors.push(v);
  await v.hello('demo');
  v.send({ type: 'handoff' });
  const st = await v.next('state', (f) => f.session.state === 'waiting');
  return { v, chatId: st.session.id };
}

const ask = <T>(d: { socket: AgentSession['socket'] }, event: keyof typeof ChatSocketEvents, body: unknown) =>
  request<T>(d.socket, ChatSocketEvents[event], body);

async function must<T>(p: Promise<Ack<T>>): Promise<T> {
  const a = await p;
  if (!a.ok) throw new Error(`${a.error.code}: ${a.error.message}`);
  return a.data;
}

const offerFor = (d: Desk, chatId: string, from = 0) =>
  until(() => d.offers.slice(from).find((o) => o.chat.id === chatId));

/** The audit actions recorded about a subject, once the chainer has caught up. */
async function auditActions(subjectId: string): Promise<string[]> {
  return stored(async (db) => {
    await untilChained(db);
    const rows = await db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', subjectId)
      .execute();
    return rows.map((r) => r.action);
  });
}

async function offersOf(chatId: string) {
  return stored((db) =>
    db.selectFrom('chat_offers').selectAll().where('session_id', '=', chatId).orderBy('offered_at').execute(),
  );
}

/** The agent accepts the chat offered to them. */
async function take(d: Desk, chatId: string): Promise<AgentChatSummary> {
  const o = await offerFor(d, chatId);
  return must(ask<AgentChatSummary>(d, 'accept', { offerId: o.offerId }));
}

describe('routing', () => {
  it('offers a waiting chat to one Available agent with a free slot, never to one on Break or full', async () => {
    await desk('agent01', 'Break');
    const a2 = await desk('agent02', 'Available');
    const full: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { chatId } = await waitingChat();
      expect((await take(a2, chatId)).agentId).toBe(a2.userId);
      full.push(chatId);
    }
    const a3 = await desk('agent03', 'Available');
    const { chatId: fourth } = await waitingChat();
    await offerFor(a3, fourth);
    // One offer, to the only agent at the desk with a slot.
    expect((await offersOf(fourth)).map((o) => o.agent_id)).toEqual([a3.userId]);

    await mustSetState(a3, 'Break', { reason: 'lunch' });
    const { chatId: fifth } = await waitingChat();
    await server.chatRouting.sweep();
    expect(await offersOf(fifth)).toEqual([]);
    // agent02 ends a chat: the slot is free and the waiting chat goes to them.
    await must(ask(a2, 'end', { chatId: full[0] }));
    await offerFor(a2, fifth);
    expect((await offersOf(fifth)).map((o) => o.agent_id)).toEqual([a2.userId]);
  });

  it('does not offer a chat to an agent whose desktop has gone, though still Available for calls a while', async () => {
    const a1 = await desk('agent01', 'Available');
    a1.socket.close();
    await until(() => (server.chatRouting.router.desktops(a1.userId) === 0 ? true : undefined));
    const a2 = await desk('agent02', 'Available');
    const { chatId } = await waitingChat();
    await offerFor(a2, chatId);
    expect((await offersOf(chatId)).map((o) => o.agent_id)).toEqual([a2.userId]);
  });

  it('counts a call in progress as one of the agent’s slots', async () => {
    for (const u of ['agent01', 'agent02', 'agent03']) await desk(u, 'Break');
    const a4 = await desk('agent04', 'Available');
    for (let i = 0; i < 2; i++) await take(a4, (await waitingChat()).chatId);
    // A call to the after-sales queue reserves agent04 (the only Available agent): OnCall.
    const routed = await route(server.url, '8001', 'chat-call-1');
    expect(routed.body.split('\n')[0]).toBe('1004');
    const { chatId } = await waitingChat();
    await server.chatRouting.sweep();
    expect(await offersOf(chatId)).toEqual([]);
    // The caller hangs up before an answer: agent04 is Available again with a slot free.
    expect((await callEvent(server.url, 'chat-call-1', 'abandoned')).status).toBe(200);
    await offerFor(a4, chatId);
  });

  it('offers a declined chat to another agent, and a chat nobody accepts in time to the next one', async () => {
    // y holds a chat, x none: x is offered first, and would be again but for "never twice in a row".
    const y = await desk('agent01', 'Available');
    await take(y, (await waitingChat()).chatId);
    const x = await desk('agent02', 'Available');
    const { chatId } = await waitingChat();
    const first = await offerFor(x, chatId);
    await must(ask(x, 'decline', { offerId: first.offerId }));
    expect(x.withdrawn).toContainEqual({ offerId: first.offerId, chatId, reason: 'declined' });
    const second = await offerFor(y, chatId);
    // y lets it ring out: past the offer's time it goes back to x (y just had it).
    tick(29_999);
    await server.chatRouting.sweep();
    expect((await offersOf(chatId)).map((o) => o.state)).toEqual(['declined', 'open']);
    tick(1);
    const xFrom = x.offers.length;
    await server.chatRouting.sweep();
    await until(() => y.withdrawn.find((w) => w.offerId === second.offerId && w.reason === 'timeout'));
    await offerFor(x, chatId, xFrom);
    const late = await ask(y, 'accept', { offerId: second.offerId });
    expect(!late.ok && late.error.code).toBe('conflict');
    expect((await offersOf(chatId)).map((o) => [o.agent_id, o.state])).toEqual([
      [x.userId, 'declined'],
      [y.userId, 'timeout'],
      [x.userId, 'open'],
    ]);
  });

  it('gives a chat to one agent when two accepts race', async () => {
    const a1 = await desk('agent01', 'Available');
    const a1b = await signIn(server.url, 'agent01'); // a second desktop of the same agent
    desks.push({ ...a1b, userId: a1.userId, offers: [], withdrawn: [], chats: [], messages: [], typing: [] });
    const { v, chatId } = await waitingChat();
    const o = await offerFor(a1, chatId);
    const acks = await Promise.all([
      ask<AgentChatSummary>(a1, 'accept', { offerId: o.offerId }),
      ask<AgentChatSummary>(a1b, 'accept', { offerId: o.offerId }),
    ]);
    expect(acks.filter((a) => a.ok)).toHaveLength(1);
    expect(acks.filter((a) => !a.ok).map((a) => !a.ok && a.error.code)).toEqual(['conflict']);
    // The visitor is told once that an agent joined.
    await v.next('message', (f) => f.message.event === 'agent_joined');
    const joined = v.frames.filter((f) => f.type === 'message' && f.message.event === 'agent_joined');
    expect(joined).toHaveLength(1);
  });
});

describe('an agent’s desktop going away', () => {
  it('keeps the chats through a reconnect within the grace period, and requeues them after it', async () => {
    const a1 = await desk('agent01', 'Available');
    const { v, chatId } = await waitingChat();
    await take(a1, chatId);
    a1.socket.close();
    await until(() => (server.chatRouting.router.desktops(a1.userId) === 0 ? true : undefined));
    tick(40_000);
    // The desktop comes back before the grace period ends: the chat stays.
    const back = await connectSocket(server.url, a1.session.accessToken);
    await until(async () => {
      const mine = await must(ask<{ chats: AgentChatSummary[] }>({ socket: back }, 'mine', {}));
      return mine.chats.some((c) => c.id === chatId) ? true : undefined;
    });
    tick(40_000);
    await server.chatRouting.sweep();
    expect((await server.chat.session(chatId))!.state).toBe('agent');

    const a2 = await desk('agent02', 'Available');
    back.close();
    await until(() => (server.chatRouting.router.desktops(a1.userId) === 0 ? true : undefined));
    // The grace period has begun by the first sweep that sees no desktop (on several nodes the count comes late).
    await server.chatRouting.sweep();
    tick(59_000);
    await server.chatRouting.sweep();
    expect((await server.chat.session(chatId))!.state).toBe('agent');
    const from = v.frames.length;
    tick(1_000);
    await server.chatRouting.sweep();
    const st = await v.next('state', (f) => f.session.state === 'waiting', from);
    expect(st.session.id).toBe(chatId);
    await v.next('message', (f) => f.message.event === 'agent_left', from);
    // Offered again, to the agent at the desk.
    await offerFor(a2, chatId);
  });
});

describe('handling a chat', () => {
  it('transfers a chat to another agent of the department, or to a queue, and refuses other departments', async () => {
    const a1 = await desk('agent01', 'Available');
    const { v, chatId } = await waitingChat();
    await take(a1, chatId);
    const a2 = await desk('agent02', 'Available');
    const other = await login(server.url, 'agent05');
    const refused = await ask(a1, 'transfer', { chatId, toAgentId: other.user.id });
    expect(!refused.ok && refused.error.code).toBe('bad_request');
    // A colleague cannot pass on a chat that is not theirs; the department's supervisor can.
    const colleague = await ask(a2, 'transfer', { chatId, toAgentId: a2.userId });
    expect(!colleague.ok && colleague.error.code).toBe('forbidden');

    const moved = await must(
      ask<AgentChatSummary>(a1, 'transfer', { chatId, toAgentId: a2.userId, note: 'VIP' }),
    );
    expect(moved.state).toBe('waiting');
    await v.next('message', (f) => f.message.event === 'agent_left');
    await until(() => a1.chats.find((c) => c.id === chatId && c.agentId === null));
    const joined = await take(a2, chatId);
    expect(joined.agentId).toBe(a2.userId);
    await v.next('message', (f) => f.message.event === 'agent_joined' && f.message.name === '李娜');

    const sup = await desk('super01');
    const queue = await stored((db) =>
      db.selectFrom('queues').select('id').where('number', '=', '8001').executeTakeFirstOrThrow(),
    );
    const toQueue = await must(ask<AgentChatSummary>(sup, 'transfer', { chatId, toQueueId: queue.id }));
    expect(toQueue).toMatchObject({ state: 'waiting', queueId: queue.id, agentId: null });
    expect((await auditActions(chatId)).filter((a) => a === 'chat.transfer')).toHaveLength(2);
  });

  it('sends once per client id, carries typing and receipts both ways, and keeps the transcript at the end', async () => {
    const a1 = await desk('agent01', 'Available');
    const { v, chatId } = await waitingChat();
    await take(a1, chatId);
    await v.say('v1', 'My parcel 4711 has not arrived');
    await until(() => a1.messages.find((m) => m.message.text === 'My parcel 4711 has not arrived'));
    v.send({ type: 'typing', typing: true });
    await until(() => a1.typing.find((t) => t.chatId === chatId && t.typing));
    await must(ask(a1, 'typing', { chatId, typing: true }));
    await v.next('typing', (f) => f.sender === 'agent' && f.typing);

    const sent = await must(
      ask<ChatMessage>(a1, 'send', { chatId, clientId: 'a-1', text: 'Let me check 4711.' }),
    );
    const again = await must(
      ask<ChatMessage>(a1, 'send', { chatId, clientId: 'a-1', text: 'Let me check 4711.' }),
    );
    expect(again.id).toBe(sent.id);
    await v.next('message', (f) => f.message.id === sent.id);
    const lastVisitor = (await server.chat.history(chatId)).filter((m) => m.sender === 'visitor').at(-1)!;
    await must(ask(a1, 'receipt', { chatId, read: lastVisitor.seq }));
    await v.next('receipt', (f) => f.agentRead === lastVisitor.seq);
    v.send({ type: 'receipt', read: sent.seq });
    await until(() => a1.chats.find((c) => c.id === chatId && c.visitorRead === sent.seq));

    const history = await must(ask<{ messages: ChatMessage[] }>(a1, 'history', { chatId }));
    expect(history.messages.filter((m) => m.text === 'Let me check 4711.')).toHaveLength(1);

    const ended = await must(ask<AgentChatSummary>(a1, 'end', { chatId }));
    expect(ended.state).toBe('ended');
    await v.next('message', (f) => f.message.event === 'ended_by_agent');
    const rec = await stored((db) =>
      db.selectFrom('chat_interactions').selectAll().where('session_id', '=', chatId).executeTakeFirst(),
    );
    expect(rec).toMatchObject({ agent_id: a1.userId, message_count: history.messages.length + 1 });
    expect(rec!.transcript).toContain('My parcel 4711 has not arrived');
    expect(rec!.transcript).toContain('Let me check 4711.');

    // A chat the visitor ends is kept too.
    const { v: w, chatId: other } = await waitingChat();
    await take(a1, other);
    await w.say('w1', 'Thanks, bye');
    w.send({ type: 'end' });
    await w.next('message', (f) => f.message.event === 'ended_by_visitor');
    const kept = await until(() =>
      stored((db) =>
        db.selectFrom('chat_interactions').selectAll().where('session_id', '=', other).executeTakeFirst(),
      ),
    );
    expect(kept.transcript).toContain('Thanks, bye');
  });

  it('makes a ticket from a chat with its transcript, or links the chat to an existing ticket', async () => {
    const a1 = await desk('agent01', 'Available');
    const { v, chatId } = await waitingChat();
    await take(a1, chatId);
    await v.say('v1', '屏幕裂了，想申请维修');
    await until(() => a1.messages.find((m) => m.message.text === '屏幕裂了，想申请维修'));
    const made = await must(
      ask<{ chat: AgentChatSummary; ticketId: string }>(a1, 'toTicket', {
        chatId,
        subject: 'Cracked screen',
      }),
    );
    expect(made.chat.ticketId).toBe(made.ticketId);
    expect(made.chat.customerId).toBeTruthy();
    const t = await stored((db) =>
      db.selectFrom('tickets').selectAll().where('id', '=', made.ticketId).executeTakeFirstOrThrow(),
    );
    expect(t).toMatchObject({
      channel: 'chat',
      subject: 'Cracked screen',
      customer_id: made.chat.customerId,
    });
    expect(t.description).toContain('屏幕裂了，想申请维修');
    // Asked again: the same ticket, not a second one.
    const again = await must(ask<{ ticketId: string }>(a1, 'toTicket', { chatId }));
    expect(again.ticketId).toBe(made.ticketId);
    expect(await auditActions(chatId)).toContain('chat.ticket.create');

    // Another chat linked to an existing ticket of the department; another department's ticket is not found.
    const { chatId: second } = await waitingChat();
    await take(a1, second);
    const [ours, theirs] = await stored(async (db) => {
      const dept = (await server.chat.session(second))!.departmentId;
      return [
        await db
          .selectFrom('tickets')
          .select('id')
          .where('department_id', '=', dept)
          .executeTakeFirstOrThrow(),
        await db
          .selectFrom('tickets')
          .select('id')
          .where('department_id', '!=', dept)
          .executeTakeFirstOrThrow(),
      ];
    });
    const foreign = await ask(a1, 'toTicket', { chatId: second, ticketId: theirs.id });
    expect(!foreign.ok && foreign.error.code).toBe('not_found');
    const linked = await must(
      ask<{ chat: AgentChatSummary; ticketId: string }>(a1, 'toTicket', {
        chatId: second,
        ticketId: ours.id,
      }),
    );
    expect(linked.chat.ticketId).toBe(ours.id);
  });
});

describe('canned responses', () => {
  const put = async (token: string, id: string, body: unknown) => {
    const res = await fetch(`${server.url}/api/chat/canned/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('are kept per department and language by supervisors, audited, and listed to agents with variables as written', async () => {
    const super01 = await login(server.url, 'super01');
    const super02 = await login(server.url, 'super02');
    const agent = await login(server.url, 'agent01');
    const admin = await login(server.url, 'admin');
    const dept = super01.user.departmentId;
    const greet = {
      departmentId: dept,
      language: 'zh-CN',
      shortcut: 'greet',
      title: '问候',
      text: '您好 {{customer.name}}，我是 {{agent.name}}，很高兴为您服务。',
    };
    const id1 = '01900000-0000-7000-8000-000000000001';
    expect((await put(super01.accessToken, id1, greet)).status).toBe(200);
    // Another department's supervisor and an agent may not; an unknown variable is refused with the known ones.
    expect((await put(super02.accessToken, '01900000-0000-7000-8000-000000000002', greet)).status).toBe(403);
    expect((await put(agent.accessToken, '01900000-0000-7000-8000-000000000003', greet)).status).toBe(403);
    const typo = await put(super01.accessToken, '01900000-0000-7000-8000-000000000004', {
      ...greet,
      shortcut: 'typo',
      text: 'Hi {{customer.nmae}}',
    });
    expect(typo.status).toBe(400);
    expect(String(typo.body.message)).toContain('{{customer.name}}');
    const tech = { ...greet, departmentId: super02.user.departmentId, shortcut: 'tech-hello' };
    expect((await put(super02.accessToken, '01900000-0000-7000-8000-000000000005', tech)).status).toBe(200);
    const everyone = {
      ...greet,
      departmentId: null,
      language: 'en',
      shortcut: 'bye',
      title: 'Bye',
      text: 'Thanks, {{customer.name}}!',
    };
    expect((await put(super01.accessToken, '01900000-0000-7000-8000-000000000006', everyone)).status).toBe(
      403,
    );
    expect((await put(admin.accessToken, '01900000-0000-7000-8000-000000000006', everyone)).status).toBe(200);

    const a1 = await desk('agent01');
    const zh = await must(ask<{ shortcut: string; text: string }[]>(a1, 'canned', { language: 'zh-CN' }));
    expect(zh.map((c) => c.shortcut)).toEqual(['greet']);
    expect(zh[0]!.text).toBe(greet.text);
    const all = await must(ask<{ shortcut: string }[]>(a1, 'canned', {}));
    expect(all.map((c) => c.shortcut).sort()).toEqual(['bye', 'greet']);
    expect(await auditActions(id1)).toEqual(['chat.canned.put']);
  });
});

describe('scope', () => {
  it('keeps agents to their own department and their own chats', async () => {
    const a1 = await desk('agent01', 'Available');
    const { chatId } = await waitingChat();
    const offer = await offerFor(a1, chatId);
    const outsider = await desk('agent05', 'Available');
    const colleague = await desk('agent02');
    const stolen = await ask(outsider, 'accept', { offerId: offer.offerId });
    expect(!stolen.ok && stolen.error.code).toBe('not_found');
    expect(!(await ask(colleague, 'accept', { offerId: offer.offerId })).ok).toBe(true);
    await take(a1, chatId);
    for (const [event, body] of [
      ['history', { chatId }],
      ['send', { chatId, clientId: 'x', text: 'hi' }],
      ['typing', { chatId, typing: true }],
      ['end', { chatId }],
      ['toTicket', { chatId }],
      ['transfer', { chatId, toAgentId: outsider.userId }],
    ] as const) {
      const a = await ask(outsider, event, body);
      expect(!a.ok && a.error.code, event).toBe('not_found');
      if (event !== 'history' && event !== 'transfer') {
        const b = await ask(colleague, event, body);
        expect(!b.ok && b.error.code, event).toBe('forbidden');
      }
    }
    // Nothing the outsider sent reached the chat.
    expect((await server.chat.history(chatId)).some((m) => m.text === 'hi')).toBe(false);
    expect((await server.chat.session(chatId))!.state).toBe('agent');
  });
});

describe('a restart', () => {
  it('keeps an open offer and an agent’s chats, and the desktop finds both when it comes back', async () => {
    const a1 = await desk('agent01', 'Available');
    const { chatId: held } = await waitingChat();
    await take(a1, held);
    const { chatId: offered } = await waitingChat();
    const offer = await offerFor(a1, offered);
    a1.socket.close();
    await server.close();
    server = await reopenTestServer(server);
    visitors.splice(0);

    const back = await desk('agent01');
    const mine = await must(ask<{ chats: AgentChatSummary[]; offers: ChatOffer[] }>(back, 'mine', {}));
    expect(mine.chats.map((c) => c.id)).toContain(held);
    expect(mine.offers.map((o) => [o.offerId, o.chat.id])).toEqual([[offer.offerId, offered]]);
    const accepted = await must(ask<AgentChatSummary>(back, 'accept', { offerId: offer.offerId }));
    expect(accepted).toMatchObject({ id: offered, state: 'agent', agentId: a1.userId });
    // The desktop came back within the grace period the restart began: its chat stays.
    tick(120_000);
    await server.chatRouting.sweep();
    expect((await server.chat.session(held))!.state).toBe('agent');
  });
});
