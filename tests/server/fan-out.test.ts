import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Poke, SocketEvents, type Mutation, type Ticket } from '../../src/shared';
import type { RunningServer } from '../../src/server/app';
import {
  connectSocket,
  login,
  pullAll,
  request,
  startSecondNode,
  startTestServer,
  TEST_DIALECT,
  type TestServer,
} from './helpers';

// Several nodes share one PostgreSQL database; a SQLite store is one node's.
describe.skipIf(TEST_DIALECT !== 'postgres')('pokes across service nodes', () => {
  let a: TestServer;
  let b: RunningServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    a = await startTestServer({ tickets: 30, customers: 10 });
    b = await startSecondNode(a);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await b?.close();
    await a?.stop();
  });

  const desktop = async (url: string, username: string) => {
    const session = await login(url, username);
    const socket = await connectSocket(url, session.accessToken);
    sockets.push(socket);
    const pokes: Poke[] = [];
    socket.on(SocketEvents.poke, (p: unknown) => pokes.push(Poke.parse(p)));
    return { socket, pokes };
  };
  const edit = async (socket: Socket, ticket: Ticket, subject: string) => {
    const mutation = {
      id: randomUUID(),
      name: 'ticket.update',
      args: { ticketId: ticket.id, patch: { subject }, baseVersion: ticket.version },
    } as Mutation;
    const ack = await request<unknown>(socket, SocketEvents.push, { mutations: [mutation] });
    if (!ack.ok) throw new Error(`push failed: ${ack.error.message}`);
  };
  const wait = { timeout: 15_000, interval: 50 };

  it('reach a desktop on node B when a desktop on node A pushes, carrying the change once B has poked before', async () => {
    // Both in after-sales; one on each node.
    const onA = await desktop(a.url, 'agent01');
    const onB = await desktop(b.url, 'agent02');
    const start = await pullAll(onB.socket);
    const ticket = start.changes.flatMap((c) =>
      c.kind === 'ticket' && c.op === 'upsert' ? [c.data] : [],
    )[0]!;

    await edit(onA.socket, ticket, 'Edited on node A');
    await expect.poll(() => onB.pokes.length, wait).toBeGreaterThanOrEqual(1);
    // The poke's head covers the change: a pull on B from where the desktop was brings it.
    expect(onB.pokes[0]!.head).toBeGreaterThan(start.cursor);
    const pulled = await pullAll(onB.socket, start.cursor);
    expect(pulled.changes).toContainEqual(
      expect.objectContaining({
        kind: 'ticket',
        data: expect.objectContaining({ subject: 'Edited on node A' }),
      }),
    );

    // B poked this department before, so its next poke carries the change itself.
    const heard = onB.pokes.length;
    await edit(onA.socket, { ...ticket, version: ticket.version + 1 }, 'Edited on node A again');
    await expect.poll(() => onB.pokes.some((p) => p.changes !== undefined), wait).toBe(true);
    const carried = onB.pokes.slice(heard).find((p) => p.changes)!;
    expect(carried.changes).toContainEqual(
      expect.objectContaining({
        kind: 'ticket',
        data: expect.objectContaining({ subject: 'Edited on node A again' }),
      }),
    );
    // Each node pokes its own sockets only: B's desktop hears each change once, not once per node.
    expect(onB.pokes.length - heard).toBe(1);
  });
});
