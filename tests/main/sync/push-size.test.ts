import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore } from '../../../src/main/store';
import { SyncEngine } from '../../../src/main/sync';
import { refresh } from '../../../src/main/sync/server-api';
import { socketIoConnection } from '../../../src/main/sync/transport';
import { SYNC_SOCKET_MAX_BYTES, UNSOLVED_STATUSES, type Ticket } from '../../../src/shared';
import { openSqlite } from '../../../src/server/db/dialect-sqlite';
import { login, reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { customer as customerFixture, tempDir } from '../fixtures';
import { desktop, waitFor, type TestDesktop } from './helpers';

/**
 * Issue 9 point 6, against the real central service: an outbox made offline of long Chinese comments (3 bytes a
 * character) used to go out as one push larger than the socket's cap; the connection dropped and the desktop
 * sent the same push again forever. Now the outbox drains in pushes sized by bytes, and a mutation that can
 * never go through is refused and taken back instead of holding up the rest.
 */
let dir: ReturnType<typeof tempDir>;
let server: TestServer;

beforeAll(async () => {
  dir = tempDir('sb-push-size-');
  server = await startTestServer({ tickets: 150, customers: 60 });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  dir?.remove();
});

/** `n` characters of Chinese, different for each `seed`. */
function chinese(n: number, seed: number): string {
  const phrase = `第${seed}条：客户反映路由器无法连接网络，已经重启三次仍然无效，请尽快安排上门维修。`;
  return phrase.repeat(Math.ceil(n / phrase.length)).slice(0, n);
}

async function onServer<T>(fn: (db: ReturnType<typeof openSqlite>) => Promise<T>): Promise<T> {
  const db = openSqlite(server.dbPath);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** How many times each comment id is on the server, and its body there. */
const serverComments = (ids: string[]) =>
  onServer((db) => db.selectFrom('ticket_comments').select(['id', 'body']).where('id', 'in', ids).execute());

describe('a desktop whose outbox is larger than one push', () => {
  let agent: TestDesktop;
  afterAll(async () => agent?.services.dispose());

  it('drains 120 long Chinese comments made offline, with edits and a new ticket, each once on the server', async () => {
    agent = desktop(join(dir.path, 'a1'));
    await agent.call('auth.login', {
      serverUrl: server.url,
      username: 'agent01',
      password: 'switchboard',
      remember: false,
    });
    await agent.waitSynced();
    // Spread over 20 tickets: the desktop indexes a ticket with all its comments again at each new one.
    const tickets = (await agent.call('tickets.search', { status: [...UNSOLVED_STATUSES], limit: 20 })).rows;
    expect(tickets).toHaveLength(20);

    await server.close();
    await waitFor(async () => (await agent.call('sync.status', {})).state === 'offline', 'offline');
    const comments: { id: string; body: string }[] = [];
    for (let i = 0; i < 120; i++) {
      const body = chinese(20_000, i);
      const c = await agent.call('tickets.comment', { ticketId: tickets[i % 20]!.id, body });
      comments.push({ id: c.id, body });
    }
    for (const t of tickets) {
      await agent.call('tickets.update', {
        id: t.id,
        patch: { priority: 'urgent', subject: `${t.subject}（已跟进）` },
      });
    }
    const somebody = await agent.call('customers.create', { name: '离线客户', phone: '13912345670' });
    const made = await agent.call('tickets.create', {
      customerId: somebody.id,
      subject: '离线创建的工单',
      description: chinese(20_000, 500),
      status: 'open',
    });
    for (let i = 0; i < 5; i++) {
      const body = chinese(20_000, 600 + i);
      comments.push({ id: (await agent.call('tickets.comment', { ticketId: made.id, body })).id, body });
    }
    const queued = 120 + 20 + 2 + 5;
    expect((await agent.call('sync.status', {})).pending).toBe(queued);

    server = await reopenTestServer(server);
    await waitFor(
      async () => {
        const s = await agent.call('sync.status', {});
        return s.state === 'online' && s.pending === 0;
      },
      'the outbox drained',
      90_000,
    );

    // Every mutation is on the server exactly once, nothing was refused.
    expect((await agent.call('sync.status', {})).lastError).toBeNull();
    const stored = await serverComments(comments.map((c) => c.id));
    expect(stored).toHaveLength(comments.length);
    expect(new Map(stored.map((c) => [c.id, c.body]))).toEqual(new Map(comments.map((c) => [c.id, c.body])));
    const all = await onServer((db) =>
      db
        .selectFrom('ticket_comments')
        .select(['body'])
        .where('ticket_id', 'in', [...tickets.map((t) => t.id), made.id])
        .execute(),
    );
    const times = new Map<string, number>();
    for (const c of all) times.set(c.body, (times.get(c.body) ?? 0) + 1);
    for (const c of comments) expect(times.get(c.body)).toBe(1);
    const applied = await onServer((db) =>
      db
        .selectFrom('applied_mutations')
        .select(['name', 'status'])
        .where('at', '>=', new Date(Date.now() - 10 * 60_000).toISOString())
        .execute(),
    );
    expect(applied.filter((m) => m.status !== 'applied')).toEqual([]);
    expect(applied.length).toBe(queued);
    const detail = await agent.call('tickets.get', { id: made.id });
    expect(detail.ticket.number).not.toBeNull();
    expect(detail.ticket.description).toBe(chinese(20_000, 500));
    for (const t of tickets) {
      const after = await agent.call('tickets.get', { id: t.id });
      expect(after.ticket).toMatchObject({ priority: 'urgent', syncState: 'synced' });
    }
  }, 180_000);
});

describe('an outbox holding a mutation that can never go through', () => {
  /**
   * Written straight into the replica, as an older version or a bug could have left them: the screens and the
   * schemas let no such change be made today.
   */
  it('refuses it and takes it back, and the rest drains once', async () => {
    const session = await login(server.url, 'agent02');
    const store: LocalStore = openStore(join(dir.path, 'raw.sqlite'));
    const logged: string[] = [];
    const started: SyncEngine[] = [];
    const engine = (tokens: { accessToken: string | null; refreshToken: string }) => {
      const e = new SyncEngine({
        serverUrl: server.url,
        userId: session.user.id,
        store,
        ...tokens,
        refresh: (t) => refresh(server.url, t),
        emit: () => undefined,
        log: (line) => logged.push(line),
        connect: socketIoConnection,
      });
      started.push(e);
      return e;
    };
    const drained = (e: SyncEngine) =>
      waitFor(
        async () => e.status().state === 'online' && e.status().pending === 0,
        'the outbox drained',
        90_000,
      );
    try {
      const first = engine(session);
      first.start();
      await drained(first);
      const tokens = first.tokens;
      await first.stop();

      const open: Ticket[] = store.read.searchTickets({
        text: '',
        status: [...UNSOLVED_STATUSES],
        priority: [],
        departmentIds: [],
        assignees: [],
        sort: null,
        offset: 0,
        limit: 7,
      }).rows;
      expect(open).toHaveLength(7);
      // The huge one has a ticket of its own: the desktop indexes a ticket's comments again at each new one.
      const ticket = open[0]!;
      let made = 0;
      const comment = (body: string, on = open[1 + (made++ % 6)]!) => {
        const c = {
          id: uuidv7(),
          ticketId: on.id,
          authorId: session.user.id,
          authorName: 'agent02',
          body,
          internal: false,
          createdAt: new Date().toISOString(),
        };
        store.write.addCommentLocally(c, uuidv7());
        return c;
      };
      const before = Array.from({ length: 30 }, (_, i) => comment(chinese(20_000, 2000 + i)));
      // Over the socket's cap by itself: sent, it would drop the connection.
      const huge = comment(chinese(2_900_000, 1), ticket);
      expect(Buffer.byteLength(huge.body)).toBeGreaterThan(SYNC_SOCKET_MAX_BYTES);
      // Small, but the server refuses it (email over 254 characters), and with it the whole push it is in.
      const invalid = customerFixture({
        name: 'Long mail',
        email: `${'m'.repeat(300)}@example.com`,
        version: 0,
      });
      store.write.createCustomerLocally(invalid, uuidv7());
      const after = Array.from({ length: 30 }, (_, i) => comment(chinese(20_000, 3000 + i)));
      expect(store.read.pendingCount()).toBe(62);

      const second = engine(tokens);
      second.start();
      await drained(second);
      await second.stop();

      const sent = [...before, ...after];
      const stored = await serverComments([...sent, huge].map((c) => c.id));
      expect(stored.map((c) => c.id).sort()).toEqual(sent.map((c) => c.id).sort());
      const customers = await onServer((db) =>
        db.selectFrom('customers').select('id').where('id', '=', invalid.id).execute(),
      );
      expect(customers).toEqual([]);
      // Both taken back here, and the agent is told why.
      expect(store.read.getTicketDetail(ticket.id)!.comments.map((c) => c.id)).not.toContain(huge.id);
      expect(store.read.getCustomer(invalid.id)).toBeNull();
      expect(second.status().lastError).toMatch(/refused a change/);
      const refusals = logged.filter((l) => l.includes(' refused: '));
      expect(refusals).toEqual([
        expect.stringMatching(
          /ticket\.comment refused: This change is too large to send \(\d+ KiB; .*at most 1024 KiB/,
        ),
        expect.stringMatching(/customer\.create refused: .*email/),
      ]);
    } finally {
      for (const e of started) await e.stop();
      store.close();
    }
  }, 180_000);
});
