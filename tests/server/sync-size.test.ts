import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  jsonBytes,
  Mutation,
  PULL_MAX_BYTES,
  PULL_MAX_CHANGES,
  PullResponse,
  PUSH_MAX_BYTES,
  PushResponse,
  SocketEvents,
  SYNC_SOCKET_MAX_BYTES,
  type Change,
  type LoginResponse,
  type Ticket,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { connectSocket, login, pullAll, request, startTestServer, type TestServer } from './helpers';

/**
 * Issue 9 point 6: a push too large for the socket used to drop the connection, unanswered, and the desktop sent
 * the same push again forever. The server now answers an oversize push with a refusal the client can act on,
 * and the schemas keep every single valid mutation small enough to travel alone.
 */
let server: TestServer;
let agent: LoginResponse; // agent01, after-sales
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 120, customers: 60 });
  agent = await login(server.url, 'agent01');
});
afterEach(() => {
  while (sockets.length) sockets.pop()!.close();
});
afterAll(async () => server?.stop());

async function open(): Promise<Socket> {
  const s = await connectSocket(server.url, agent.accessToken);
  sockets.push(s);
  return s;
}

/** `n` characters of Chinese (3 bytes each in UTF-8), different for each `seed`. */
function chinese(n: number, seed: number): string {
  const phrase = `第${seed}条：客户反映路由器无法连接网络，已经重启三次仍然无效，请尽快安排上门维修。`;
  return phrase.repeat(Math.ceil(n / phrase.length)).slice(0, n);
}

const comment = (ticketId: string, body: string): Mutation => ({
  id: randomUUID(),
  name: 'ticket.comment',
  args: { commentId: randomUUID(), ticketId, body, internal: false },
});

async function someTicket(socket: Socket): Promise<Ticket> {
  const changes: Change[] = (await pullAll(socket)).changes;
  const t = changes.find((c) => c.kind === 'ticket' && c.op === 'upsert');
  if (!t || t.kind !== 'ticket' || t.op !== 'upsert') throw new Error('no ticket in scope');
  return t.data;
}

async function commentsOnServer(ids: string[]): Promise<number> {
  const db = openDatabase(server.dbPath);
  try {
    const r = await db.selectFrom('ticket_comments').select('id').where('id', 'in', ids).execute();
    return r.length;
  } finally {
    await db.destroy();
  }
}

describe('a push larger than one push may carry', () => {
  it('100 long Chinese comments in one push are refused with an answer, not a dropped connection', async () => {
    const socket = await open();
    const ticket = await someTicket(socket);
    const mutations = Array.from({ length: 100 }, (_, i) => comment(ticket.id, chinese(20_000, i)));
    const bytes = jsonBytes({ mutations });
    // Each is a valid mutation; together ~6 MB, over the old 5 MB socket cap and under the new one.
    expect(mutations.every((m) => Mutation.safeParse(m).success)).toBe(true);
    expect(bytes).toBeGreaterThan(5_000_000);
    expect(bytes).toBeLessThan(SYNC_SOCKET_MAX_BYTES);

    const ack = await request<unknown>(socket, SocketEvents.push, { mutations });
    expect(ack).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/at most 1024 KiB.*smaller pushes/) },
    });
    // The connection stays up and answers; nothing of the refused push was applied.
    expect(socket.connected).toBe(true);
    await expect(pullAll(socket)).resolves.toBeDefined();
    expect(await commentsOnServer(mutations.map((m) => (m.args as { commentId: string }).commentId))).toBe(0);
  });

  it('a push just under the limit is applied whole', async () => {
    const socket = await open();
    const ticket = await someTicket(socket);
    const mutations: Mutation[] = [];
    for (let i = 0; ; i++) {
      const next = comment(ticket.id, chinese(20_000, 1000 + i));
      if (jsonBytes({ mutations: [...mutations, next] }) > PUSH_MAX_BYTES) break;
      mutations.push(next);
    }
    expect(mutations.length).toBeGreaterThan(10);
    const ack = await request<unknown>(socket, SocketEvents.push, { mutations });
    if (!ack.ok) throw new Error(`push refused: ${ack.error.message}`);
    const results = PushResponse.parse(ack.data).results;
    expect(results.map((r) => r.status)).toEqual(mutations.map(() => 'applied'));
    expect(await commentsOnServer(mutations.map((m) => (m.args as { commentId: string }).commentId))).toBe(
      mutations.length,
    );
  });
});

describe('one mutation always fits one push', () => {
  // The worst text for its size: a control character is 1 character but 6 bytes of JSON (\u0001).
  const worst = (n: number) => '\u0001'.repeat(n);
  const at = new Date().toISOString();
  const id = () => randomUUID();

  it('holds for the largest valid mutation of every kind, and the server takes each one alone', async () => {
    const socket = await open();
    const ticket = await someTicket(socket);
    const largest: Mutation[] = [
      {
        id: id(),
        name: 'ticket.comment',
        args: { commentId: id(), ticketId: ticket.id, body: worst(20_000), internal: true },
      },
      {
        id: id(),
        name: 'ticket.update',
        args: { ticketId: ticket.id, patch: { subject: `x${worst(298)}x` }, baseVersion: ticket.version },
      },
      {
        id: id(),
        name: 'ticket.create',
        args: {
          ticketId: id(),
          customerId: ticket.customerId,
          departmentId: ticket.departmentId,
          subject: `x${worst(298)}x`,
          description: worst(20_000),
          status: 'open',
          priority: 'normal',
          assigneeId: null,
          createdAt: at,
          interactionId: null,
          channel: 'web',
        },
      },
      {
        id: id(),
        name: 'customer.create',
        args: {
          customerId: id(),
          name: `x${worst(198)}x`,
          phone: '+8613912345678',
          email: `${'a'.repeat(240)}@example.com`,
          company: worst(200),
          language: 'zh-CN',
          createdAt: at,
        },
      },
      {
        id: id(),
        name: 'interaction.log',
        args: {
          interactionId: id(),
          callId: worst(256),
          direction: 'inbound',
          callerNumber: worst(64),
          calleeNumber: worst(64),
          queueNumber: '8001',
          ringAt: at,
          answerAt: at,
          endAt: at,
          holdSeconds: 0,
        },
      },
      {
        id: id(),
        name: 'interaction.complete',
        args: {
          interactionId: id(),
          disposition: `a${'b'.repeat(31)}`,
          notes: worst(20_000),
          ticketId: ticket.id,
          customerId: null,
        },
      },
    ];
    for (const m of largest) {
      expect(Mutation.safeParse(m).success, m.name).toBe(true);
      // Far inside the budget, so a batch of one is never refused for its size.
      expect(jsonBytes({ mutations: [m] }), m.name).toBeLessThan(PUSH_MAX_BYTES / 4);
      const ack = await request<unknown>(socket, SocketEvents.push, { mutations: [m] });
      // Answered per mutation (applied, or refused for what it says), never refused as a whole.
      expect(ack.ok, `${m.name}: ${ack.ok ? '' : ack.error.message}`).toBe(true);
    }
  });

  it('a text field without a length bound is not a valid mutation: an email is at most 254 characters', () => {
    const m = {
      id: id(),
      name: 'customer.create',
      args: {
        customerId: id(),
        name: 'Long mail',
        phone: null,
        email: `${'a'.repeat(2_000_000)}@example.com`,
        company: null,
        language: 'en',
        createdAt: at,
      },
    };
    expect(Mutation.safeParse(m).success).toBe(false);
  });
});

describe('a pull page', () => {
  it('stays under PULL_MAX_BYTES however long the comments are, and every comment still arrives once', async () => {
    const socket = await open();
    const ticket = await someTicket(socket);
    const mutations = Array.from({ length: 150 }, (_, i) => comment(ticket.id, chinese(20_000, 1000 + i)));
    // Sent as a desktop does, in pushes under PUSH_MAX_BYTES: 150 x 59 KB is about 9 MB in all.
    for (let i = 0; i < mutations.length; i += 15) {
      const ack = await request<unknown>(socket, SocketEvents.push, {
        mutations: mutations.slice(i, i + 15),
      });
      expect(ack.ok).toBe(true);
    }
    const wanted = new Set(mutations.map((m) => (m.name === 'ticket.comment' ? m.args.commentId : '')));
    const seen = new Map<string, number>();
    let cursor = 0;
    let pages = 0;
    for (;;) {
      // As many changes as a desktop asks for: the byte bound, not the count, cuts these pages.
      const ack = await request<unknown>(socket, SocketEvents.pull, { cursor, limit: PULL_MAX_CHANGES });
      if (!ack.ok) throw new Error(ack.error.message);
      const page = PullResponse.parse(ack.data);
      pages++;
      expect(jsonBytes(page.changes)).toBeLessThanOrEqual(PULL_MAX_BYTES);
      for (const c of page.changes) {
        if (c.kind === 'comment' && c.op === 'upsert' && wanted.has(c.data.id)) {
          seen.set(c.data.id, (seen.get(c.data.id) ?? 0) + 1);
        }
      }
      expect(page.cursor).toBeGreaterThanOrEqual(cursor);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    expect(pages).toBeGreaterThan(2);
    expect(seen.size).toBe(150);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });
});
