import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isUnsolved,
  SocketEvents,
  type Change,
  type LoginResponse,
  type Mutation,
  type Ticket,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { connectSocket, login, pullAll, pushAll, request, startTestServer, type TestServer } from './helpers';

/**
 * One agent signed in on two desktops: each push names its device, and the same-field check tells devices apart,
 * not only users. Before device ids, the second desktop's change to a field the first had changed since its base
 * version was applied silently over it.
 */
let server: TestServer;
let laptop: LoginResponse; // agent01, first sign-in
let desk: LoginResponse; // agent01 again: a second sign-in on another machine
const LAPTOP = 'laptop-0000-device-a';
const DESK = 'desk-00000-device-b';
const sockets: Socket[] = [];
const used = new Set<string>();

beforeAll(async () => {
  server = await startTestServer({ tickets: 200, customers: 80 });
  laptop = await login(server.url, 'agent01');
  desk = await login(server.url, 'agent01');
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

const push = pushAll;

/** A ticket nobody in this file has edited yet, as the server holds it now. */
async function freshTicket(socket: Socket): Promise<Ticket> {
  const latest = new Map<string, Ticket>();
  const changes: Change[] = (await pullAll(socket)).changes;
  for (const c of changes) if (c.kind === 'ticket' && c.op === 'upsert') latest.set(c.data.id, c.data);
  const t = [...latest.values()].find(
    (t) => !used.has(t.id) && isUnsolved(t.status) && t.priority === 'normal',
  );
  if (!t) throw new Error('no unused unsolved ticket of normal priority');
  used.add(t.id);
  return t;
}

const update = (ticket: Ticket, patch: Record<string, unknown>, baseVersion = ticket.version): Mutation =>
  ({
    id: randomUUID(),
    name: 'ticket.update',
    args: { ticketId: ticket.id, patch, baseVersion },
  }) as Mutation;

async function serverTicket(id: string) {
  const db = openDatabase(server.dbPath);
  try {
    return await db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  } finally {
    await db.destroy();
  }
}

describe('one agent on two devices', () => {
  it('the same field changed on both from one base version: the second is a conflict naming the first', async () => {
    const a = await open(laptop);
    const b = await open(desk);
    const ticket = await freshTicket(a);

    const [first] = await push(a, [update(ticket, { priority: 'high' })], LAPTOP);
    expect(first).toMatchObject({ status: 'applied' });

    const second = update(ticket, { priority: 'urgent' });
    const [refused] = await push(b, [second], DESK);
    expect(refused).toMatchObject({ id: second.id, status: 'rejected', error: { code: 'conflict' } });
    expect(refused!.error!.conflicts).toEqual([
      {
        field: 'priority',
        theirs: 'high',
        changedById: laptop.user.id,
        changedByName: laptop.user.displayName,
        changedAt: expect.any(String),
      },
    ]);
    // Said as what it is: the agent's own change, made elsewhere.
    expect(refused!.error!.message).toContain('you changed priority to "high" on another device');
    expect((await serverTicket(ticket.id)).priority).toBe('high');

    // Sent again (a lost answer), the refusal is the same and still changes nothing.
    const [again] = await push(b, [second], DESK);
    expect(again).toMatchObject({ id: second.id, status: 'rejected', error: { code: 'conflict' } });
    expect((await serverTicket(ticket.id)).priority).toBe('high');
  });

  it('different fields from the two devices still merge', async () => {
    const a = await open(laptop);
    const b = await open(desk);
    const ticket = await freshTicket(a);
    const [x] = await push(a, [update(ticket, { priority: 'high' })], LAPTOP);
    const [y] = await push(b, [update(ticket, { subject: 'Edited on the desk' })], DESK);
    expect([x!.status, y!.status]).toEqual(['applied', 'applied']);
    expect(await serverTicket(ticket.id)).toMatchObject({ priority: 'high', subject: 'Edited on the desk' });
  });

  it('one device’s series of edits on one base version, and a retried push, do not conflict with themselves', async () => {
    const a = await open(laptop);
    const ticket = await freshTicket(a);
    const m1 = update(ticket, { priority: 'high' });
    const m2 = update(ticket, { priority: 'urgent' });
    const [r1, r2] = await push(a, [m1, m2], LAPTOP);
    expect([r1!.status, r2!.status]).toEqual(['applied', 'applied']);
    expect((await serverTicket(ticket.id)).priority).toBe('urgent');
    const version = (await serverTicket(ticket.id)).version;

    // The same push again after a lost answer: the first answers, nothing changes.
    const retried = await push(a, [m1, m2], LAPTOP);
    expect(retried).toEqual([
      { id: m1.id, status: 'applied', version: r1!.version },
      { id: m2.id, status: 'applied', version: r2!.version },
    ]);
    expect(await serverTicket(ticket.id)).toMatchObject({ priority: 'urgent', version });

    // A third edit of the same device, still on the old base: its own earlier edits are not someone else's.
    const [r3] = await push(a, [update(ticket, { priority: 'low' })], LAPTOP);
    expect(r3).toMatchObject({ status: 'applied' });
  });

  it('a desktop without a device id is a device of its own: it conflicts with its user’s named devices', async () => {
    const a = await open(laptop);
    const old = await open(desk);
    const ticket = await freshTicket(a);

    // Named device first, then an older desktop (no id) of the same agent on the same base: a conflict.
    await push(a, [update(ticket, { priority: 'high' })], LAPTOP);
    const [legacy] = await push(old, [update(ticket, { priority: 'urgent' })]);
    expect(legacy).toMatchObject({ status: 'rejected', error: { code: 'conflict' } });

    // The older desktop's own series of edits does not conflict with itself (as before device ids).
    const other = await freshTicket(a);
    const [o1, o2] = await push(old, [
      update(other, { priority: 'high' }),
      update(other, { priority: 'urgent' }),
    ]);
    expect([o1!.status, o2!.status]).toEqual(['applied', 'applied']);

    // ...and a named device on the base before them conflicts with what the older desktop did.
    const [named] = await push(a, [update(other, { priority: 'low' })], LAPTOP);
    expect(named).toMatchObject({ status: 'rejected', error: { code: 'conflict' } });
    expect((await serverTicket(other.id)).priority).toBe('urgent');
  });

  it('a device id that is not one is refused with the whole push, before anything is applied', async () => {
    const a = await open(laptop);
    const ticket = await freshTicket(a);
    for (const deviceId of ['short', 'x'.repeat(65), '../../etc', 42]) {
      const ack = await request<unknown>(a, SocketEvents.push, {
        mutations: [update(ticket, { priority: 'high' })],
        deviceId,
      });
      expect(ack).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    expect((await serverTicket(ticket.id)).priority).toBe('normal');
  });
});
