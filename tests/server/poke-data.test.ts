import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Poke, PullResponse, SocketEvents, type Mutation, type Ticket, type User } from '../../src/shared';
import { disableUser, moveUser } from '../../src/server/directory/user-admin';
import type { Db } from '../../src/server/db/schema';
import {
  asAdmin as asAdminOf,
  connectSocket,
  login,
  pullAll,
  request,
  startTestServer,
  type TestServer,
} from './helpers';

let server: TestServer;
const sockets: Socket[] = [];
beforeAll(async () => {
  server = await startTestServer({ tickets: 300, customers: 100 });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

/** A socket of `username` that records every poke it hears. */
async function listener(username: string, token?: string) {
  const session = await login(server.url, username);
  const socket = await connectSocket(server.url, token ?? session.accessToken);
  sockets.push(socket);
  const pokes: Poke[] = [];
  socket.on(SocketEvents.poke, (p: unknown) => pokes.push(Poke.parse(p)));
  return { session, socket, pokes };
}

async function edit(socket: Socket, ticket: Ticket, subject: string): Promise<void> {
  const mutation = {
    id: randomUUID(),
    name: 'ticket.update',
    args: { ticketId: ticket.id, patch: { subject }, baseVersion: ticket.version },
  } as Mutation;
  const ack = await request<unknown>(socket, SocketEvents.push, { mutations: [mutation] });
  if (!ack.ok) throw new Error(`push failed: ${ack.error.message}`);
}

const asAdmin = <T>(work: (db: Db, admin: User) => Promise<T>) => asAdminOf(server.dbPath, work);

describe('pokes that carry changes', () => {
  it('go only to sockets whose user is still enabled, in the department and holding an unexpired token', async () => {
    const editor = await listener('agent01'); // after-sales
    const moved = await listener('agent02');
    const disabled = await listener('agent03');
    const stays = await listener('agent04');
    const all = [editor, moved, disabled, stays];
    const ticket = (await pullAll(editor.socket)).changes.flatMap((c) =>
      c.kind === 'ticket' && c.op === 'upsert' ? [c.data] : [],
    )[0]!;

    // The first poke after a start is plain (nothing poked before it to count from); the second carries data.
    await edit(editor.socket, ticket, 'First');
    await expect.poll(() => stays.pokes.length).toBe(1);
    await edit(editor.socket, { ...ticket, version: ticket.version + 1 }, 'Second');
    await expect.poll(() => stays.pokes.length).toBe(2);
    const carried = stays.pokes[1]!;
    expect(carried).toMatchObject({ from: stays.pokes[0]!.head, scope: `dept:${ticket.departmentId}` });
    expect(carried.changes).toContainEqual(
      expect.objectContaining({
        kind: 'ticket',
        op: 'upsert',
        data: expect.objectContaining({ subject: 'Second' }),
      }),
    );
    // It is the page a pull from `from` answers.
    const pulled = await request<unknown>(stays.socket, SocketEvents.pull, {
      cursor: carried.from,
      limit: 1000,
    });
    expect(PullResponse.parse(pulled.ok && pulled.data).changes).toEqual(carried.changes);

    // An administrator moves one agent and disables another, in the database only, between two requests.
    await asAdmin(async (db, admin) => {
      const tech = (
        await db
          .selectFrom('users')
          .select('department_id')
          .where('username', '=', 'agent05')
          .executeTakeFirstOrThrow()
      ).department_id;
      await db.transaction().execute((trx) => moveUser(trx, admin, moved.session.user.id, tech, new Date()));
      await db.transaction().execute((trx) => disableUser(trx, admin, disabled.session.user.id, new Date()));
    });
    for (const l of all) l.pokes.length = 0;
    await edit(editor.socket, { ...ticket, version: ticket.version + 2 }, 'Third');
    await expect.poll(() => stays.pokes.length).toBe(1);
    await expect.poll(() => moved.pokes.length + disabled.pokes.length).toBe(2);
    expect(stays.pokes[0]!.changes?.length).toBeGreaterThan(0);
    // They hear that something changed (their pull then resets or is refused), not what.
    expect(moved.pokes).toEqual([{ head: stays.pokes[0]!.head }]);
    expect(disabled.pokes).toEqual([{ head: stays.pokes[0]!.head }]);

    // And they left the old department's room: the next edit does not reach them at all.
    await edit(editor.socket, { ...ticket, version: ticket.version + 3 }, 'Fourth');
    await expect.poll(() => stays.pokes.length).toBe(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(moved.pokes).toHaveLength(1);
    expect(disabled.pokes).toHaveLength(1);
    const reset = await request<unknown>(moved.socket, SocketEvents.pull, {
      cursor: stays.pokes[1]!.head,
      limit: 10,
      scope: `dept:${ticket.departmentId}`,
    });
    expect(PullResponse.parse(reset.ok && reset.data).reset).toBe(true);
    const refused = await request<unknown>(disabled.socket, SocketEvents.pull, { cursor: 0, limit: 10 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });

    // A token that expired on an open socket: the socket hears of the change, not its data, until it renews.
    const realNow = server.clock.now;
    server.clock.now = new Date(realNow.getTime() + 60 * 60_000);
    try {
      stays.pokes.length = 0;
      const fresh = await listener('agent01');
      await edit(fresh.socket, { ...ticket, version: ticket.version + 4 }, 'Fifth');
      await expect.poll(() => stays.pokes.length).toBe(1);
      await expect.poll(() => fresh.pokes.length).toBe(1);
      expect(fresh.pokes[0]!.changes?.length).toBeGreaterThan(0);
      expect(stays.pokes).toEqual([{ head: fresh.pokes[0]!.head }]);
      const expired = await request<unknown>(stays.socket, SocketEvents.pull, { cursor: 0, limit: 10 });
      expect(expired).toMatchObject({ ok: false, error: { code: 'token_expired' } });
    } finally {
      server.clock.now = realNow;
    }
  });
});
