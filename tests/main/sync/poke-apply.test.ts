import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type LocalStore } from '../../../src/main/store';
import { socketIoConnection, SyncEngine, type ConnectionFactory } from '../../../src/main/sync';
import type { EventName, EventPayload } from '../../../src/shared/ipc/contract';
import { SocketEvents, type Change, type Mutation, type Ticket } from '../../../src/shared';
import {
  connectSocket,
  login,
  pullAll,
  request,
  startTestServer,
  type TestServer,
} from '../../server/helpers';
import { tempDir } from '../fixtures';
import { waitFor } from './helpers';

let server: TestServer;
let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let engine: SyncEngine;
let pulls = 0;
let deliverPoke: (payload: unknown) => void = () => undefined;
const pokes: unknown[] = [];
/** While set, pokes are recorded in `held` instead of reaching the engine (delivered later by the test). */
let hold = false;
const held: unknown[] = [];
const changed: EventPayload<'data.changed'>[] = [];

/** The product's socket.io connection, counting the pulls the engine asks for and recording the pokes it hears. */
const counting: ConnectionFactory = (url, token) => {
  const conn = socketIoConnection(url, token);
  return {
    get connected() {
      return conn.connected;
    },
    request: (event, payload, timeoutMs) => {
      if (event === SocketEvents.pull) pulls++;
      return conn.request(event, payload, timeoutMs);
    },
    on: ((event: string, fn: (...args: unknown[]) => void) => {
      if (event === 'poke') {
        deliverPoke = fn;
        conn.on('poke', (p) => {
          pokes.push(p);
          if (hold) held.push(p);
          else fn(p);
        });
      } else (conn.on as (e: string, f: (...args: unknown[]) => void) => void)(event, fn);
    }) as typeof conn.on,
    connect: () => conn.connect(),
    close: () => conn.close(),
  };
};

beforeAll(async () => {
  server = await startTestServer({ tickets: 200, customers: 60 });
  dir = tempDir('sb-poke-');
  store = openStore(join(dir.path, 'replica.sqlite'));
  const session = await login(server.url, 'agent02');
  engine = new SyncEngine({
    serverUrl: server.url,
    userId: session.user.id,
    store,
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    refresh: () => Promise.reject(new Error('not needed')),
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event === 'data.changed') changed.push(payload as EventPayload<'data.changed'>);
    },
    connect: counting,
  });
  engine.start();
});
afterAll(async () => {
  await engine?.stop();
  store?.close();
  await server?.stop();
  dir?.remove();
});

/** Caught up and idle: online, with the cursor at the head the server last poked or answered. */
async function settled(): Promise<void> {
  await waitFor(async () => engine.status().state === 'online', 'online');
  await new Promise((r) => setTimeout(r, 100));
}

describe('a poke that carries changes', () => {
  it('is applied without a pull when it continues the replica or reaches past its cursor, and answered with a pull when it leaves a gap', async () => {
    await settled();
    const colleague = await connectSocket(server.url, (await login(server.url, 'agent01')).accessToken);
    try {
      const first = (await pullAll(colleague)).changes.find((c) => c.kind === 'ticket' && c.op === 'upsert');
      const ticket = store.read.getTicket(
        (first as Extract<Change, { kind: 'ticket'; op: 'upsert' }>).data.id,
      )!;
      let version = ticket.version;
      const edit = async (subject: string) => {
        const m = {
          id: randomUUID(),
          name: 'ticket.update',
          args: { ticketId: ticket.id, patch: { subject }, baseVersion: version++ },
        } as Mutation;
        const ack = await request<unknown>(colleague, SocketEvents.push, { mutations: [m] });
        if (!ack.ok) throw new Error(ack.error.message);
      };

      // The server's first poke after its start is plain: the desktop pulls.
      await edit('Warm-up');
      await waitFor(async () => store.read.getTicket(ticket.id)?.subject === 'Warm-up', 'the warm-up edit');
      await settled();

      const before = pulls;
      changed.length = 0;
      await edit('Carried');
      await waitFor(async () => store.read.getTicket(ticket.id)?.subject === 'Carried', 'the carried edit');
      const carried = pokes.at(-1) as { head: number; changes?: Change[]; scope?: string };
      expect(carried.changes?.length).toBeGreaterThan(0);
      expect(pulls).toBe(before);
      expect(store.read.syncMeta().cursor).toBe(carried.head);
      expect(changed.some((c) => c.ticketIds.includes(ticket.id))).toBe(true);
      await settled();
      expect(pulls).toBe(before);

      // A poke that reaches past a cursor a pull moved on (many desktops writing at once): the desktop takes
      // the changes after its cursor from it, and pulls nothing.
      type Carrying = { head: number; from: number; changes: Change[]; scope: string };
      hold = true;
      await edit('Tail 1');
      await waitFor(async () => held.length === 1, 'the first held poke');
      await edit('Tail 2 尾');
      await waitFor(async () => held.length === 2, 'the second held poke');
      hold = false;
      const [p1, p2] = held.splice(0) as Carrying[];
      expect(p2!.from).toBe(p1!.head);
      deliverPoke(p1);
      await waitFor(async () => store.read.getTicket(ticket.id)?.subject === 'Tail 1', 'the first tail');
      const overlapping: Carrying = {
        head: p2!.head,
        from: p1!.from,
        changes: [...p1!.changes, ...p2!.changes],
        scope: p2!.scope,
      };
      deliverPoke(overlapping);
      await waitFor(async () => store.read.getTicket(ticket.id)?.subject === 'Tail 2 尾', 'the second tail');
      expect(store.read.syncMeta().cursor).toBe(p2!.head);
      // One already behind the cursor has nothing for it: no pull either.
      deliverPoke(p1);
      await settled();
      expect(pulls).toBe(before);
      expect(store.read.getTicket(ticket.id)?.subject).toBe('Tail 2 尾');

      // A note, then an edit of the same ticket, in two pushes. The desktop takes the first poke; a poke reaching
      // back past it is the server's page from before both, where the ticket goes ahead of the note carrying the
      // note's version (its own later row left out): the desktop must still take the edit from it.
      const start = store.read.syncMeta().cursor;
      hold = true;
      const note = await request<unknown>(colleague, SocketEvents.push, {
        mutations: [
          {
            id: randomUUID(),
            name: 'ticket.comment',
            args: { commentId: randomUUID(), ticketId: ticket.id, body: 'A note 备注', internal: false },
          },
        ],
      });
      if (!note.ok) throw new Error(note.error.message);
      await waitFor(async () => held.length === 1, 'the note’s poke');
      await edit('After the note');
      await waitFor(async () => held.length === 2, 'the edit’s poke');
      hold = false;
      const [q1] = held.splice(0) as Carrying[];
      deliverPoke(q1);
      await waitFor(async () => store.read.syncMeta().cursor === q1!.head, 'the note');
      const page = await request<{ changes: Change[]; cursor: number; scope: string }>(
        colleague,
        SocketEvents.pull,
        { cursor: start, limit: 1000 },
      );
      if (!page.ok) throw new Error(page.error.message);
      const early = page.data.changes.find(
        (c): c is Extract<Change, { kind: 'ticket'; op: 'upsert' }> =>
          c.kind === 'ticket' && c.op === 'upsert' && c.data.id === ticket.id,
      )!;
      expect(early.version).toBeLessThanOrEqual(q1!.head);
      expect(early.data.subject).toBe('After the note');
      deliverPoke({
        head: page.data.cursor,
        from: start,
        changes: page.data.changes,
        scope: page.data.scope,
      });
      await waitFor(async () => store.read.getTicket(ticket.id)?.subject === 'After the note', 'the edit');
      expect(store.read.syncMeta().cursor).toBe(page.data.cursor);
      await settled();
      expect(pulls).toBe(before);

      // One that starts after the cursor leaves a gap: nothing of it is applied and the desktop pulls.
      const cursor = store.read.syncMeta().cursor;
      const stale = { ...(carried.changes![0] as Extract<Change, { kind: 'ticket'; op: 'upsert' }>) };
      const bogus: Ticket = { ...stale.data, subject: 'Never applied' };
      deliverPoke({
        head: cursor + 5,
        from: cursor + 1,
        changes: [{ ...stale, data: bogus }],
        scope: carried.scope,
      });
      await waitFor(async () => pulls === before + 1, 'a pull');
      await settled();
      expect(store.read.getTicket(ticket.id)?.subject).toBe('After the note');
      expect(store.read.syncMeta().cursor).toBe(cursor);

      // Malformed: ignored, but still a reason to pull.
      deliverPoke({ head: 'soon' });
      await waitFor(async () => pulls === before + 2, 'a second pull');
    } finally {
      colleague.close();
    }
  }, 60_000);

  it('carries a backlog longer than one poke as several in a row, each taken without a pull', async () => {
    await settled();
    const colleague = await connectSocket(server.url, (await login(server.url, 'agent01')).accessToken);
    try {
      const first = (await pullAll(colleague)).changes.find((c) => c.kind === 'ticket' && c.op === 'upsert');
      const ticket = (first as Extract<Change, { kind: 'ticket'; op: 'upsert' }>).data;
      const before = pulls;
      const seen = pokes.length;
      // One push of 300 notes: more rows than one poke carries (POKE_MAX_CHANGES, 200).
      const bodies = Array.from({ length: 300 }, (_, i) => `backlog note ${i} 积压`);
      const ack = await request<unknown>(colleague, SocketEvents.push, {
        mutations: bodies.map((body) => ({
          id: randomUUID(),
          name: 'ticket.comment',
          args: { commentId: randomUUID(), ticketId: ticket.id, body, internal: false },
        })),
      });
      if (!ack.ok) throw new Error(ack.error.message);
      await waitFor(async () => {
        const shown = new Set(store.read.getTicketDetail(ticket.id)?.comments.map((c) => c.body));
        return bodies.every((b) => shown.has(b));
      }, 'all 300 notes');
      const carried = pokes.slice(seen) as { from?: number; head: number; changes?: Change[] }[];
      expect(carried.filter((p) => p.changes).length).toBeGreaterThanOrEqual(2);
      // Each part continues the one before.
      for (let i = 1; i < carried.length; i++) expect(carried[i]!.from).toBe(carried[i - 1]!.head);
      await settled();
      expect(pulls).toBe(before);
    } finally {
      colleague.close();
    }
  }, 60_000);
});
