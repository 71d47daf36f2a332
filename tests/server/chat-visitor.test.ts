// Web chat, visitor side, against the real service (chat/README.md): what a widget sends is stored once and
// replayed after a reconnect; the allowlist, rate limits and size limits refuse with an error event saying so;
// HTML comes back as the characters sent; asking for a person hands the chat off; the agent side's API
// reaches the widget (messages, typing, receipts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_MAX_TEXT, ChatCloseCode, textSegments, type ChatSessionSummary } from '../../src/shared/chat';
import { openDatabase } from '../../src/server/db/open';
import { login, startTestServer, type TestServer } from './helpers';
import { Visitor } from './chat-visitor-client';

let server: TestServer;
let own: string;
const open: Visitor[] = [];

beforeAll(async () => {
  // The visitor protocol alone: the knowledge-base bot (chat-routing) would add its answers and hand-offs.
  server = await startTestServer({ tickets: 20, customers: 10, chatRouting: { bot: false } });
  own = server.url;
});
afterAll(async () => {
  for (const v of open) v.close();
  await server?.stop();
});
// The limits run on the service's clock: each test starts with every bucket full again.
beforeEach(() => {
  server.clock.now = new Date(server.clock.now.getTime() + 3_600_000);
});

async function visitor(origin = own): Promise<Visitor> {
  const v = await Visitor.open(server.url, origin);
  open.push(v);
  return v;
}

async function stored<T>(work: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const db = openDatabase(server.dbPath);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

describe('messages are kept', () => {
  it('persists messages and replays them to the same visitor after a reconnect', async () => {
    const a = await visitor();
    const welcome = await a.hello('demo');
    expect(welcome.token).toBeTruthy();
    expect(welcome.session).toBeNull();
    const texts = ['你好', 'My order 1234 has not arrived', 'Can you check?'];
    for (const [i, t] of texts.entries()) expect((await a.say(`c-${i}`, t)).type).toBe('ack');
    a.close();

    const b = await visitor();
    const again = await b.hello('demo', welcome.token);
    expect(again.token).toBeUndefined();
    expect(again.visitorId).toBe(welcome.visitorId);
    expect(again.messages.filter((m) => m.sender === 'visitor').map((m) => m.text)).toEqual(texts);
    expect(again.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    // A widget that still shows the first two asks only for what came after.
    const c = await visitor();
    const since = await c.hello('demo', welcome.token, 2);
    expect(since.messages.map((m) => m.text)).toEqual(['Can you check?']);
    const rows = await stored((db) =>
      db
        .selectFrom('chat_messages')
        .select('body')
        .where('session_id', '=', again.session!.id)
        .orderBy('seq')
        .execute(),
    );
    expect(rows.map((r) => r.body)).toEqual(texts);
  });

  it('stores a message resent with the same client id once, and answers the resend with it', async () => {
    const a = await visitor();
    const w = await a.hello('demo');
    const first = await a.say('same-id', 'Is anyone there?');
    a.close();
    // The widget never saw the ack (page reloaded, network lost) and sends its queue again.
    const b = await visitor();
    await b.hello('demo', w.token);
    const resent = await b.say('same-id', 'Is anyone there?');
    expect(first.type).toBe('ack');
    expect(resent.type).toBe('ack');
    if (first.type !== 'ack' || resent.type !== 'ack') return;
    expect(resent.message.id).toBe(first.message.id);
    const count = await stored((db) =>
      db
        .selectFrom('chat_messages')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('session_id', '=', first.message.sessionId)
        .where('client_id', '=', 'same-id')
        .executeTakeFirstOrThrow(),
    );
    expect(Number(count.n)).toBe(1);
  });

  it("sends a visitor's message to the visitor's other tabs", async () => {
    const a = await visitor();
    const w = await a.hello('demo');
    const b = await visitor();
    await b.hello('demo', w.token);
    await a.say('tab-1', 'from the first tab');
    const seen = await b.next('message', (f) => f.message.clientId === 'tab-1');
    expect(seen.message.text).toBe('from the first tab');
  });
});

describe('refusals', () => {
  it('refuses a page of another origin, on the socket and for the script, until an admin allows it', async () => {
    const evil = 'http://shop.evil.example';
    const v = await visitor(evil);
    v.send({ type: 'hello', site: 'demo' });
    const err = await v.next('error');
    expect(err.code).toBe('origin_not_allowed');
    expect(err.message).toContain(evil);
    expect((await v.untilClosed()).code).toBe(ChatCloseCode.refused);

    const script = await fetch(`${server.url}/widget.js`, { headers: { referer: `${evil}/products/1` } });
    expect(script.status).toBe(403);
    expect(await script.text()).toContain('may not embed');
    const ownScript = await fetch(`${server.url}/widget.js`, {
      headers: { referer: `${own}/demo/chat.html` },
    });
    expect(ownScript.status).toBe(200);
    expect(ownScript.headers.get('content-type')).toContain('javascript');

    // An unknown site is refused the same way, naming the site.
    const w = await visitor();
    w.send({ type: 'hello', site: 'no-such-site' });
    expect((await w.next('error')).message).toContain('no-such-site');

    // An administrator adds the origin to a site: that site's pages may chat, the demo site still may not.
    const admin = await login(server.url, 'admin');
    const departmentId = (await server.chat.site('demo'))!.departmentId;
    const put = await fetch(`${server.url}/api/chat/sites/evil-shop`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Partner shop', departmentId, origins: [evil] }),
    });
    expect(put.status).toBe(200);
    const agent = await login(server.url, 'agent01');
    const refused = await fetch(`${server.url}/api/chat/sites/x`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${agent.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', departmentId, origins: [evil] }),
    });
    expect(refused.status).toBe(403);
    const allowed = await visitor(evil);
    expect((await allowed.hello('evil-shop')).visitorId).toBeTruthy();
    const stillNot = await visitor(evil);
    stillNot.send({ type: 'hello', site: 'demo' });
    expect((await stillNot.next('error')).code).toBe('origin_not_allowed');
    expect((await fetch(`${server.url}/widget.js`, { headers: { origin: evil } })).status).toBe(200);
  });

  it('refuses a flood of messages from one visitor, says so and when to retry, and stores only those allowed', async () => {
    const v = await visitor();
    await v.hello('demo');
    const answers = [];
    for (let i = 0; i < 25; i++) answers.push(await v.say(`flood-${i}`, `message ${i}`));
    const refused = answers.filter((a) => a.type === 'error');
    const acked = answers.filter((a) => a.type === 'ack');
    expect(acked.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      if (r.type !== 'error') continue;
      expect(r.code).toBe('rate_limited');
      expect(r.retryAfterSeconds).toBeGreaterThan(0);
      expect(r.message).toMatch(/Too many messages/);
    }
    const sessionId = acked[0]!.type === 'ack' ? acked[0]!.message.sessionId : '';
    const rows = await stored((db) =>
      db.selectFrom('chat_messages').select('client_id').where('session_id', '=', sessionId).execute(),
    );
    expect(rows).toHaveLength(acked.length);
    // Once the wait has passed, the same visitor may send again.
    server.clock.now = new Date(server.clock.now.getTime() + 60_000);
    expect((await v.say('after-wait', 'still there?')).type).toBe('ack');
  });

  it('refuses a flood of new visitors from one address', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const v = await visitor();
      v.send({ type: 'hello', site: 'demo' });
      const f = await v.frame((x) => x.type === 'welcome' || x.type === 'error');
      codes.push(f.type === 'error' ? f.code : 'welcome');
      v.close();
    }
    expect(codes).toContain('welcome');
    expect(codes).toContain('rate_limited');
  });

  it('refuses an oversized message with too_large, naming it, and stores nothing', async () => {
    const v = await visitor();
    await v.hello('demo');
    const big = await v.say('big-1', 'x'.repeat(CHAT_MAX_TEXT + 1));
    expect(big.type).toBe('error');
    if (big.type === 'error') {
      expect(big.code).toBe('too_large');
      expect(big.message).toContain(String(CHAT_MAX_TEXT));
    }
    const n = await stored((db) =>
      db.selectFrom('chat_messages').select('id').where('client_id', '=', 'big-1').execute(),
    );
    expect(n).toHaveLength(0);
    // A name over the limit is refused the same way; the socket stays usable.
    v.send({ type: 'identify', ref: 'id-1', identity: { name: 'n'.repeat(500) } });
    expect((await v.next('error', (f) => f.ref === 'id-1')).code).toBe('too_large');
    expect((await v.say('small-1', 'x'.repeat(CHAT_MAX_TEXT))).type).toBe('ack');
    // A frame over the socket's cap closes it (1009, message too big).
    v.ws.send('y'.repeat(70_000));
    expect((await v.untilClosed()).code).toBe(1009);
  });

  it('answers a frame that is not JSON or not a known frame with bad_request and keeps the socket', async () => {
    const v = await visitor();
    await v.hello('demo');
    v.ws.send('<not json>');
    expect((await v.next('error')).code).toBe('bad_request');
    v.send({ type: 'launch-missiles' } as never);
    expect((await v.next('error', (f) => /type/.test(f.message))).code).toBe('bad_request');
    expect((await v.say('ok-1', 'fine')).type).toBe('ack');
  });

  it('refuses an unknown visitor token so the widget starts afresh', async () => {
    const v = await visitor();
    v.send({ type: 'hello', site: 'demo', token: 'forged-token' });
    expect((await v.next('error')).code).toBe('unauthenticated');
    expect((await v.untilClosed()).code).toBe(ChatCloseCode.unauthenticated);
  });
});

describe('plain text', () => {
  it('stores and returns HTML as the characters sent, never as markup; only http(s) links are links', async () => {
    const html = '<img src=x onerror="alert(1)"><script>alert(2)</script><b>bold</b> javascript:alert(3)';
    const v = await visitor();
    const w = await v.hello('demo');
    const ack = await v.say('html-1', html);
    expect(ack.type).toBe('ack');
    if (ack.type !== 'ack') return;
    expect(ack.message.text).toBe(html);
    const again = await visitor();
    const replay = await again.hello('demo', w.token);
    expect(replay.messages.find((m) => m.clientId === 'html-1')!.text).toBe(html);
    // What the widget and desktop render: text segments; no segment of it is a link.
    expect(textSegments(html).every((s) => !('href' in s))).toBe(true);
    const linked = textSegments('see https://example.com/a?b=1. or javascript:alert(1) or data:text/html,x');
    expect(linked.filter((s) => 'href' in s)).toEqual([
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
    ]);
    expect(linked.map((s) => s.text).join('')).toBe(
      'see https://example.com/a?b=1. or javascript:alert(1) or data:text/html,x',
    );
  });
});

describe('handoff', () => {
  for (const words of ['转人工', '我要人工客服', 'Can I talk to a human please', 'AGENT']) {
    it(`"${words}" moves the chat to waiting for an agent and tells routing`, async () => {
      const handoffs: ChatSessionSummary[] = [];
      const off = server.chat.on('handoff', (s) => handoffs.push(s));
      try {
        const v = await visitor();
        await v.hello('demo');
        await v.say('hello-1', 'hello');
        const ack = await v.say('ask-1', words);
        if (ack.type !== 'ack') throw new Error(`refused: ${JSON.stringify(ack)}`);
        const state = await v.next('state', (f) => f.session.state === 'waiting');
        expect(state.session.id).toBe(ack.message.sessionId);
        const line = await v.next('message', (f) => f.message.event === 'handoff_requested');
        expect(line.message.sender).toBe('system');
        expect(handoffs.map((h) => h.id)).toContain(ack.message.sessionId);
        expect((await server.chat.waiting()).map((s) => s.id)).toContain(ack.message.sessionId);
      } finally {
        off();
      }
    });
  }

  it('does not hand off ordinary messages; the button does', async () => {
    const v = await visitor();
    await v.hello('demo');
    const ack = await v.say('plain-1', 'What are your opening hours?');
    if (ack.type !== 'ack') throw new Error('refused');
    expect((await server.chat.session(ack.message.sessionId))!.state).toBe('bot');
    v.send({ type: 'handoff' });
    await v.next('state', (f) => f.session.state === 'waiting');
    expect((await server.chat.session(ack.message.sessionId))!.state).toBe('waiting');
  });
});

describe('identity and the agent side', () => {
  it('maps a visitor who gives an email to one customer, and the same again next time', async () => {
    const v = await visitor();
    const w = await v.hello('demo');
    const ack = await v.say('id-msg', 'hi');
    if (ack.type !== 'ack') throw new Error('refused');
    v.send({ type: 'identify', identity: { name: 'Wang Fang', email: 'Wang.Fang@Example.com', phone: '' } });
    await v.next('message', (f) => f.message.event === 'identified');
    const s = (await server.chat.session(ack.message.sessionId))!;
    expect(s.customerId).toBeTruthy();
    const customer = await stored((db) =>
      db
        .selectFrom('customers')
        .select(['name', 'email'])
        .where('id', '=', s.customerId!)
        .executeTakeFirstOrThrow(),
    );
    expect(customer).toEqual({ name: 'Wang Fang', email: 'wang.fang@example.com' });
    const again = await visitor();
    const back = await again.hello('demo', w.token);
    expect(back.identity.email).toBe('Wang.Fang@Example.com');
  });

  it("carries an agent's messages, typing and read marks to the widget, and the visitor's marks back", async () => {
    const v = await visitor();
    await v.hello('demo');
    const ack = await v.say('q-1', '人工');
    if (ack.type !== 'ack') throw new Error('refused');
    const sessionId = ack.message.sessionId;
    const agent = await stored((db) =>
      db
        .selectFrom('users')
        .select(['id', 'display_name'])
        .where('username', '=', 'agent01')
        .executeTakeFirstOrThrow(),
    );
    const visitorMarks: { delivered: number; read: number }[] = [];
    const off = server.chat.on('visitorReceipt', (r) => r.sessionId === sessionId && visitorMarks.push(r));
    try {
      await server.chat.assign(sessionId, agent.id);
      const joined = await v.next('state', (f) => f.session.state === 'agent');
      expect(joined.session.agentName).toBe(agent.display_name);
      await server.chat.agentTyping(sessionId, true);
      expect((await v.next('typing')).typing).toBe(true);
      const reply = await server.chat.agentSend(sessionId, agent.id, {
        clientId: 'a-1',
        text: 'Hello, how can I help?',
      });
      const got = await v.next('message', (f) => f.message.id === reply.id);
      expect(got.message).toMatchObject({ sender: 'agent', name: agent.display_name });
      // Sent again with the same client id (the desktop retried): stored once.
      expect((await server.chat.agentSend(sessionId, agent.id, { clientId: 'a-1', text: 'x' })).id).toBe(
        reply.id,
      );
      await server.chat.agentReceipt(sessionId, { read: ack.message.seq });
      const marks = await v.next('receipt');
      expect(marks).toMatchObject({ agentDelivered: ack.message.seq, agentRead: ack.message.seq });
      v.send({ type: 'receipt', delivered: reply.seq, read: reply.seq });
      await expect
        .poll(() => visitorMarks.at(-1))
        .toEqual({ sessionId, delivered: reply.seq, read: reply.seq });
      // Another agent cannot take or write in it.
      const other = await stored((db) =>
        db.selectFrom('users').select('id').where('username', '=', 'agent02').executeTakeFirstOrThrow(),
      );
      await expect(server.chat.assign(sessionId, other.id)).rejects.toMatchObject({ code: 'conflict' });
      await expect(
        server.chat.agentSend(sessionId, other.id, { clientId: 'b-1', text: 'hi' }),
      ).rejects.toMatchObject({ code: 'conflict' });
      await server.chat.end(sessionId, 'ended_by_agent');
      await v.next('state', (f) => f.session.state === 'ended');
      // The next message starts a new chat.
      const next = await v.say('after-end', 'one more thing');
      if (next.type !== 'ack') throw new Error('refused');
      expect(next.message.sessionId).not.toBe(sessionId);
    } finally {
      off();
    }
  });
});
