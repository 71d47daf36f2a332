// chat-timeline (issue 13): an ended web chat reaches the replicas of its department (sync kind chat) with its
// customer, first visitor line, transcript and linked ticket; never another department's replica, never a desktop
// that did not ask for the kind (an older one rejects a page holding a kind it does not know); a customer merge
// sends it again under the kept customer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { PullResponse, SocketEvents, type Change } from '../../src/shared';
import { chatToTicket } from '../../src/server/chat-routing/transcript';
import { getSession } from '../../src/server/chat/chat-store';
import { mergeCustomers } from '../../src/server/customers/merge';
import { openDatabase } from '../../src/server/db/open';
import { asAdmin, connectSocket, login, request, startTestServer, type TestServer } from './helpers';
import { Visitor } from './chat-visitor-client';
import { until } from './voice-helpers';

let server: TestServer;
const sockets: Socket[] = [];
const visitors: Visitor[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 10, customers: 5, chatRouting: { bot: false } });
});
afterAll(async () => {
  for (const v of visitors) v.close();
  for (const s of sockets) s.close();
  await server?.stop();
});

async function stored<T>(work: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const db = openDatabase(server.dbPath);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

async function syncSocket(username: string): Promise<Socket> {
  const s = await connectSocket(server.url, (await login(server.url, username)).accessToken);
  sockets.push(s);
  return s;
}

/** Every change from version 0, as a desktop that applies `accepts` (none: a desktop from before chats). */
async function pullEverything(socket: Socket, accepts?: string[]): Promise<Change[]> {
  const changes: Change[] = [];
  let cursor = 0;
  for (;;) {
    const ack = await request<unknown>(socket, SocketEvents.pull, {
      cursor,
      limit: 1000,
      ...(accepts ? { accepts } : {}),
    });
    if (!ack.ok) throw new Error(`pull failed: ${ack.error.message}`);
    const page = PullResponse.parse(ack.data);
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.hasMore) return changes;
  }
}

const chatsIn = (changes: Change[]) => changes.flatMap((c) => (c.kind === 'chat' ? [c.data] : []));

describe('ended chats on the replicas', () => {
  it("reach the chat's department with its customer, and no other department nor an older desktop", async () => {
    const v = await Visitor.open(server.url, server.url);
    visitors.push(v);
    await v.hello('demo');
    const ack = await v.say('c-1', 'My parcel 4711 has not arrived');
    if (ack.type !== 'ack') throw new Error('refused');
    const sessionId = ack.message.sessionId;
    v.send({ type: 'identify', identity: { name: 'Zhao Lei', email: 'zhao.lei@example.com', phone: '' } });
    await v.next('message', (f) => f.message.event === 'identified');
    await server.chat.end(sessionId, 'ended_by_agent');
    const session = (await server.chat.session(sessionId))!;
    expect(session.customerId).toBeTruthy();

    const { home, otherAgent } = await stored(async (db) => {
      const s = await db
        .selectFrom('chat_sessions')
        .select('department_id')
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      const agents = await db
        .selectFrom('users')
        .select(['username', 'department_id'])
        .where('role', '=', 'agent')
        .orderBy('username')
        .execute();
      return {
        home: agents.find((a) => a.department_id === s.department_id)!.username,
        otherAgent: agents.find((a) => a.department_id !== s.department_id)!.username,
      };
    });
    const mine = await syncSocket(home);
    const record = await until(async () =>
      chatsIn(await pullEverything(mine, ['chat'])).find((c) => c.sessionId === sessionId),
    );
    expect(record).toMatchObject({
      customerId: session.customerId,
      visitorName: 'Zhao Lei',
      firstLine: 'My parcel 4711 has not arrived',
      ticketId: null,
    });
    expect(record.transcript).toContain('My parcel 4711 has not arrived');
    // The chat's customer is in the same replica, so the desktop's timeline can show it.
    expect(
      (await pullEverything(mine, ['chat'])).some(
        (c) => c.kind === 'customer' && c.op === 'upsert' && c.data.id === session.customerId,
      ),
    ).toBe(true);

    // Another department's desktop, even asking for chats, never gets it.
    const theirs = await syncSocket(otherAgent);
    expect(chatsIn(await pullEverything(theirs, ['chat']))).toEqual([]);
    // A desktop from before chats (no accepts) gets none: one would make its whole page fail to parse.
    expect(chatsIn(await pullEverything(mine))).toEqual([]);
  });

  it('sends a chat again under the kept customer when its customer is merged into another', async () => {
    const v = await Visitor.open(server.url, server.url);
    visitors.push(v);
    await v.hello('demo');
    const ack = await v.say('m-1', '退款还没到');
    if (ack.type !== 'ack') throw new Error('refused');
    const sessionId = ack.message.sessionId;
    v.send({ type: 'identify', identity: { name: '钱多多', email: 'qian@example.com', phone: '' } });
    await v.next('message', (f) => f.message.event === 'identified');
    await server.chat.end(sessionId, 'ended_by_agent');
    const dup = (await server.chat.session(sessionId))!.customerId!;
    const { keep, agent } = await stored(async (db) => {
      const d = await db
        .selectFrom('chat_sessions')
        .select('department_id')
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      const k = await db
        .selectFrom('customers')
        .select('id')
        .where('id', '!=', dup)
        .executeTakeFirstOrThrow();
      const a = await db
        .selectFrom('users')
        .select('username')
        .where('role', '=', 'agent')
        .where('department_id', '=', d.department_id)
        .executeTakeFirstOrThrow();
      return { keep: k.id, agent: a.username };
    });
    const socket = await syncSocket(agent);
    await until(async () =>
      chatsIn(await pullEverything(socket, ['chat'])).find((c) => c.sessionId === sessionId),
    );
    await asAdmin(server.dbPath, (db, admin) => mergeCustomers(db, admin, keep, dup, new Date(), null));
    const after = chatsIn(await pullEverything(socket, ['chat'])).find((c) => c.sessionId === sessionId);
    expect(after?.customerId).toBe(keep);
  });

  it('sends a chat again with its ticket and customer when a ticket is made from it after it ended', async () => {
    const v = await Visitor.open(server.url, server.url);
    visitors.push(v);
    await v.hello('demo');
    const ack = await v.say('t-1', 'Invoice 88 is wrong');
    if (ack.type !== 'ack') throw new Error('refused');
    const sessionId = ack.message.sessionId;
    await server.chat.end(sessionId, 'ended_by_agent');
    const agent = await stored(async (db) => {
      const d = await db
        .selectFrom('chat_sessions')
        .select('department_id')
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      return (
        await db
          .selectFrom('users')
          .select('username')
          .where('role', '=', 'agent')
          .where('department_id', '=', d.department_id)
          .executeTakeFirstOrThrow()
      ).username;
    });
    const socket = await syncSocket(agent);
    // A visitor who never said who they are: the record has no customer, so no timeline shows it yet.
    const before = await until(async () =>
      chatsIn(await pullEverything(socket, ['chat'])).find((c) => c.sessionId === sessionId),
    );
    expect(before).toMatchObject({ customerId: null, ticketId: null });
    const made = await asAdmin(server.dbPath, async (db, admin) =>
      chatToTicket(db, admin, (await getSession(db, sessionId))!, {}, new Date()),
    );
    const ticket = await stored((db) =>
      db
        .selectFrom('tickets')
        .select('customer_id')
        .where('id', '=', made.ticketId)
        .executeTakeFirstOrThrow(),
    );
    const after = chatsIn(await pullEverything(socket, ['chat'])).find((c) => c.sessionId === sessionId);
    expect(after).toMatchObject({ ticketId: made.ticketId, customerId: ticket.customer_id });
  });
});
