// The web chat's knowledge-base bot against the real service and the demo articles
// (src/server/chat-routing/README.md): a question the knowledge base answers gets the article's answer with
// its id and title, in the language it was asked in; asking for a person, or a question no article answers
// well enough, hands the chat to an agent and the visitor is told.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatAgentEvents, ChatSocketEvents, type ChatOffer } from '../../src/shared/chat/agent-protocol';
import type { ChatMessage } from '../../src/shared/chat';
import { openDatabase } from '../../src/server/db/open';
import { startTestServer, type TestServer } from './helpers';
import { Visitor } from './chat-visitor-client';
import { mustSetState, signIn, until, type AgentSession } from './voice-helpers';

let server: TestServer;
let agent: AgentSession;
const offers: ChatOffer[] = [];
const visitors: Visitor[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 20, customers: 10 });
  // An agent of the demo site's department at the desk, to see hand-offs offered.
  agent = await signIn(server.url, 'agent01');
  agent.socket.on(ChatSocketEvents.offer, (o: unknown) => offers.push(ChatAgentEvents.offer.parse(o)));
  await mustSetState(agent, 'Available');
});
afterAll(async () => {
  agent?.socket.close();
  await server?.stop();
});
beforeEach(() => {
  server.clock.now = new Date(server.clock.now.getTime() + 3_600_000);
});
afterEach(async () => {
  for (const v of visitors.splice(0)) v.close();
  for (const s of await server.chat.waiting()) await server.chat.end(s.id, 'ended_by_agent');
});

async function ask(text: string): Promise<{ v: Visitor; sessionId: string }> {
  const v = await Visitor.open(server.url, server.url);
  visitors.push(v);
  await v.hello('demo');
  const ack = await v.say('q1', text);
  if (ack.type !== 'ack') throw new Error(`refused: ${ack.message}`);
  return { v, sessionId: ack.message.sessionId };
}

async function article(title: string) {
  const db = openDatabase(server.dbPath);
  try {
    return await db
      .selectFrom('knowledge_articles')
      .select(['id', 'title'])
      .where('title', '=', title)
      .executeTakeFirstOrThrow();
  } finally {
    await db.destroy();
  }
}

const botMessage = (v: Visitor) =>
  v.next('message', (f) => f.message.sender === 'bot').then((f) => f.message as ChatMessage);

describe('the knowledge-base bot', () => {
  it('answers a Chinese question from the demo article, naming it', async () => {
    const { v } = await ask('忘记密码怎么办');
    const m = await botMessage(v);
    const a = await article('如何重置账号密码');
    expect(m.articleId).toBe(a.id);
    expect(m.name).toBe(a.title);
    expect(m.text).toMatch(/[\u4e00-\u9fff]/);
    expect(v.frames.some((f) => f.type === 'state' && f.session.state === 'waiting')).toBe(false);
  });

  it('answers an English question from the English article', async () => {
    const { v } = await ask('I forgot my password');
    const m = await botMessage(v);
    const a = await article('Resetting your account password');
    expect(m).toMatchObject({ articleId: a.id, name: 'Resetting your account password' });
  });

  it('hands off on 转人工 without answering, and the chat is offered to an agent', async () => {
    const { v, sessionId } = await ask('转人工');
    await v.next('message', (f) => f.message.event === 'handoff_requested');
    await until(() => offers.find((o) => o.chat.id === sessionId));
    expect(v.frames.some((f) => f.type === 'message' && f.message.sender === 'bot')).toBe(false);
  });

  it.each([
    ['今天天气怎么样', /人工/],
    ['recommend a movie', /person/],
  ])('hands off a question no article answers (%s), telling the visitor', async (q, words) => {
    const { v, sessionId } = await ask(q);
    const m = await botMessage(v);
    expect(m.articleId).toBeNull();
    expect(m.text).toMatch(words);
    await v.next('message', (f) => f.message.event === 'handoff_requested');
    expect((await server.chat.session(sessionId))!.state).toBe('waiting');
    await until(() => offers.find((o) => o.chat.id === sessionId));
  });
});
