import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SocketEvents, type Change, type LoginResponse, type Mutation, type Ticket } from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { verifyAudit } from '../../src/server/audit/audit-log';
import { connectSocket, login, pullAll, pushAll, request, startTestServer, type TestServer } from './helpers';

let server: TestServer;
let aftersales: LoginResponse; // agent01
let colleague: LoginResponse; // agent02, same department
let tech: LoginResponse; // agent05
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 300, customers: 100 });
  [aftersales, colleague, tech] = await Promise.all([
    login(server.url, 'agent01'),
    login(server.url, 'agent02'),
    login(server.url, 'agent05'),
  ]);
});
afterEach(() => {
  while (sockets.length) sockets.pop()!.close();
});
afterAll(async () => server?.stop());

async function open(session: LoginResponse): Promise<Socket> {
  const s = await connectSocket(server.url, session.accessToken);
  sockets.push(s);
  return s;
}

const push = (socket: Socket, mutations: Mutation[]) => pushAll(socket, mutations);

const tickets = (changes: Change[]) =>
  changes.flatMap((c) => (c.kind === 'ticket' && c.op === 'upsert' ? [c.data] : []));

async function ticketWhere(socket: Socket, pred: (t: Ticket) => boolean): Promise<Ticket> {
  const latest = new Map<string, Ticket>();
  for (const t of tickets((await pullAll(socket)).changes)) latest.set(t.id, t);
  const t = [...latest.values()].find(pred);
  if (!t) throw new Error('no matching ticket in scope');
  return t;
}

const update = (ticket: Ticket, patch: Record<string, unknown>, baseVersion = ticket.version): Mutation =>
  ({
    id: randomUUID(),
    name: 'ticket.update',
    args: { ticketId: ticket.id, patch, baseVersion },
  }) as Mutation;

describe('sync:push', () => {
  it('applies a change once even when the same mutation is replayed, and tells the colleague to pull', async () => {
    const mine = await open(aftersales);
    const theirs = await open(colleague);
    const other = await open(tech);
    const { cursor } = await pullAll(theirs);
    const ticket = await ticketWhere(mine, (t) => t.status === 'open' && t.priority !== 'urgent');

    const pokes: number[] = [];
    const otherPokes: number[] = [];
    theirs.on(SocketEvents.poke, (p: { head: number }) => pokes.push(p.head));
    other.on(SocketEvents.poke, (p: { head: number }) => otherPokes.push(p.head));

    const m = update(ticket, { status: 'pending', priority: 'urgent' });
    const [first] = await push(mine, [m]);
    expect(first).toMatchObject({ id: m.id, status: 'applied' });
    expect(first!.version).toBeGreaterThan(ticket.version);
    const [again] = await push(mine, [m]);
    expect(again).toEqual(first);

    await expect.poll(() => pokes.length).toBeGreaterThan(0);
    const seen = await pullAll(theirs, cursor);
    const updated = tickets(seen.changes).filter((t) => t.id === ticket.id);
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({ status: 'pending', priority: 'urgent', version: first!.version });
    const historyEntries = seen.changes.filter(
      (c) => c.kind === 'history' && c.op === 'upsert' && c.data.ticketId === ticket.id,
    );
    expect(historyEntries).toHaveLength(2); // status and priority, written once although pushed twice
    expect(otherPokes).toEqual([]); // another department is not told about it

    const audit = openDatabase(server.dbPath);
    try {
      expect((await verifyAudit(audit)).ok).toBe(true);
    } finally {
      await audit.destroy();
    }
  });

  it('rejects a ticket of another department, an assignee from another department and reopening a closed ticket', async () => {
    const mine = await open(aftersales);
    const theirs = await open(tech);
    const techTicket = await ticketWhere(theirs, () => true);
    const closed = await ticketWhere(mine, (t) => t.status === 'closed');
    const openOne = await ticketWhere(mine, (t) => t.status === 'open');

    const results = await push(mine, [
      update(techTicket, { priority: 'low' }),
      update(openOne, { assigneeId: tech.user.id }),
      update(closed, { status: 'open' }),
      update(openOne, { priority: 'high' }), // a valid one after refusals still applies
    ]);
    expect(results.map((r) => [r.status, r.error?.code])).toEqual([
      ['rejected', 'not_found'], // as if it did not exist: ids of other departments cannot be probed
      ['rejected', 'bad_request'],
      ['rejected', 'conflict'],
      ['applied', undefined],
    ]);
    expect(results[2]!.error!.message).toMatch(/closed/);
    // Nothing of the refused changes reached the tech department's ticket.
    expect((await ticketWhere(theirs, (t) => t.id === techTicket.id)).priority).toBe(techTicket.priority);
  });

  it('answers a long push in order across its transactions: a mutation sent twice applies once, a refusal undoes only itself', async () => {
    const mine = await open(aftersales);
    const theirs = await open(tech);
    const techTicket = await ticketWhere(theirs, () => true);
    const target = await ticketWhere(mine, (t) => t.status === 'open');
    const levels = ['low', 'normal', 'high', 'urgent'] as const;
    // 250 edits of one ticket: more than one of the server's transactions (100 mutations each).
    const edits = Array.from({ length: 250 }, (_, i) => update(target, { priority: levels[i % 4] }));
    const refused = update(techTicket, { priority: 'low' });
    const batch = [...edits.slice(0, 11), edits[10]!, ...edits.slice(11, 120), refused, ...edits.slice(120)];
    batch.splice(160, 0, edits[10]!); // and again in a later transaction of the same push
    const audit = openDatabase(server.dbPath);
    try {
      const count = async (ids: string[]) =>
        (await audit.selectFrom('applied_mutations').select('id').where('id', 'in', ids).execute()).length;
      const results = await push(mine, batch);
      expect(results.map((r) => r.id)).toEqual(batch.map((m) => m.id));
      expect(results[11]).toEqual(results[10]);
      expect(results[160]).toEqual(results[10]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([
        expect.objectContaining({ id: refused.id, error: expect.objectContaining({ code: 'not_found' }) }),
      ]);
      expect(await count([...edits.map((m) => m.id), refused.id])).toBe(251);
      // Each edit once in the ticket's history: 250 edits cycling through four values change it 250 times less
      // the first when it already held that value.
      const history = await audit
        .selectFrom('ticket_history')
        .select('id')
        .where('ticket_id', '=', target.id)
        .where('field', '=', 'priority')
        .where('version', '>', target.version)
        .execute();
      expect(history.length).toBe(target.priority === 'low' ? 249 : 250);
      const versions = results.filter((r) => r.status === 'applied').map((r) => r.version!);
      expect(Math.max(...versions)).toBe((await ticketWhere(mine, (t) => t.id === target.id)).version);
      expect((await ticketWhere(mine, (t) => t.id === target.id)).priority).toBe(levels[249 % 4]);
      expect((await verifyAudit(audit)).ok).toBe(true);
    } finally {
      await audit.destroy();
    }
  });

  it('merges edits of different fields and refuses an edit of a field someone else changed meanwhile', async () => {
    const mine = await open(aftersales);
    const theirs = await open(colleague);
    const base = await ticketWhere(mine, (t) => t.status === 'open' && t.priority !== 'urgent');

    const [a] = await push(theirs, [update(base, { priority: 'urgent' })]);
    expect(a!.status).toBe('applied');
    // Offline edit based on the old version: a different field merges...
    const [b] = await push(mine, [update(base, { subject: `${base.subject} (merged)` })]);
    expect(b!.status).toBe('applied');
    // ...the same field set differently is a conflict naming who changed it, and changes nothing.
    const [c] = await push(mine, [update(base, { priority: 'low' })]);
    expect(c).toMatchObject({ status: 'rejected', error: { code: 'conflict' } });
    expect(c!.error!.message).toContain(colleague.user.displayName);
    const now = await ticketWhere(mine, (t) => t.id === base.id);
    expect(now).toMatchObject({ priority: 'urgent', subject: `${base.subject} (merged)` });
    // The agent's own series of offline edits on one base version does not conflict with itself.
    const [d] = await push(mine, [update(base, { status: 'pending' })]);
    const [e] = await push(mine, [update(base, { status: 'solved' })]);
    expect([d!.status, e!.status]).toEqual(['applied', 'applied']);
  });

  it('adds comments under the client id, once', async () => {
    const mine = await open(aftersales);
    const ticket = await ticketWhere(mine, (t) => t.status !== 'closed');
    const m: Mutation = {
      id: randomUUID(),
      name: 'ticket.comment',
      args: { commentId: randomUUID(), ticketId: ticket.id, body: '已回电客户，问题解决。', internal: false },
    };
    expect((await push(mine, [m]))[0]!.status).toBe('applied');
    expect((await push(mine, [m]))[0]!.status).toBe('applied');
    const comments = (await pullAll(mine)).changes.filter(
      (c) => c.kind === 'comment' && c.op === 'upsert' && c.data.id === m.args.commentId,
    );
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({
      data: { authorName: aftersales.user.displayName, body: '已回电客户，问题解决。' },
    });
  });

  it('answers malformed requests with bad_request and changes nothing; a request without a callback is ignored', async () => {
    const mine = await open(aftersales);
    const before = await fetch(`${server.url}/api/health`).then(
      (r) => r.json() as Promise<{ version: number }>,
    );
    const bad = await request(mine, SocketEvents.push, {
      mutations: [{ id: 'x', name: 'ticket.delete', args: {} }],
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const badPull = await request(mine, SocketEvents.pull, { cursor: -1 });
    expect(badPull).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    mine.emit(SocketEvents.pull, { cursor: 0 }); // no ack: must not crash the connection
    const after = await fetch(`${server.url}/api/health`).then(
      (r) => r.json() as Promise<{ version: number }>,
    );
    expect(after.version).toBe(before.version);
    expect((await request(mine, SocketEvents.pull, { cursor: 0, limit: 1 })).ok).toBe(true);
  });

  it('refuses the next event once an account is disabled, without waiting for its token to expire', async () => {
    const session = await login(server.url, 'agent04');
    const socket = await open(session);
    expect((await request(socket, SocketEvents.pull, { cursor: 0, limit: 1 })).ok).toBe(true);
    const admin = openDatabase(server.dbPath);
    try {
      await admin.updateTable('users').set({ disabled: 1 }).where('username', '=', 'agent04').execute();
    } finally {
      await admin.destroy();
    }
    const ack = await request(socket, SocketEvents.pull, { cursor: 0, limit: 1 });
    expect(ack).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('refuses events after the access token expired, so the client refreshes', async () => {
    const session = await login(server.url, 'agent03');
    const socket = await open(session);
    const realNow = server.clock.now;
    server.clock.now = new Date(realNow.getTime() + 16 * 60_000);
    try {
      const ack = await request(socket, SocketEvents.pull, { cursor: 0 });
      expect(ack).toMatchObject({ ok: false, error: { code: 'token_expired' } });
    } finally {
      server.clock.now = realNow;
    }
  });
});
