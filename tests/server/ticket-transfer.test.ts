// A ticket transferred between departments over the sync socket (a ticket.update naming a department and a
// reason): it leaves the sender's replica, arrives whole in the receiver's with the reason in its history, and
// can be handed back when the sender asked for that. What the rules refuse is refused on the server too.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isUnsolved,
  type Change,
  type LoginResponse,
  type Mutation,
  type Ticket,
  type TicketChange,
} from '../../src/shared';
import { connectSocket, login, pullAll, pushAll, startTestServer, type TestServer } from './helpers';

let server: TestServer;
let wang: LoginResponse; // agent01, after-sales
let liu: LoginResponse; // agent05, technical support
let billing: LoginResponse; // agent09
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 120, customers: 40 });
  [wang, liu, billing] = await Promise.all([
    login(server.url, 'agent01'),
    login(server.url, 'agent05'),
    login(server.url, 'agent09'),
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

const push = (socket: Socket, mutations: Mutation[]) => pushAll(socket, mutations, 'desk-transfer-01');

const update = (t: Ticket, patch: TicketChange, reason?: string): Mutation => ({
  id: randomUUID(),
  name: 'ticket.update',
  args: { ticketId: t.id, patch, baseVersion: t.version, ...(reason ? { reason } : {}) },
});

/** The replica a pull from 0 builds: what the user's desktop would hold now. */
function replica(changes: Change[]) {
  const tickets = new Map<string, Ticket>();
  const history = new Map<
    string,
    { ticketId: string; field: string; to: string | null; note: string | null }
  >();
  const comments = new Map<string, string>();
  for (const c of changes) {
    if (c.kind === 'ticket') {
      if (c.op === 'remove') tickets.delete(c.id);
      else if (c.op === 'upsert') tickets.set(c.data.id, c.data);
    }
    if (c.kind === 'history' && c.op === 'upsert') history.set(c.data.id, c.data);
    if (c.kind === 'comment' && c.op === 'upsert') comments.set(c.data.id, c.data.ticketId);
  }
  return { tickets, history: [...history.values()], comments };
}

describe('transfer between departments', () => {
  it('moves the ticket with its reason, out of the sender’s replica and whole into the receiver’s', async () => {
    const [a, b] = await Promise.all([open(wang), open(liu)]);
    const before = replica((await pullAll(a)).changes);
    const ticket = [...before.tickets.values()].find(
      (t) => isUnsolved(t.status) && [...before.comments.values()].includes(t.id),
    )!;
    const { cursor: bCursor } = await pullAll(b);
    expect(replica((await pullAll(b)).changes).tickets.has(ticket.id)).toBe(false);

    const techId = liu.user.departmentId!;
    const [r] = await push(a, [
      update(
        ticket,
        { departmentId: techId, handBackTo: ticket.departmentId },
        '路由器固件问题，需要技术支持判断',
      ),
    ]);
    expect(r!.status).toBe('applied');

    const after = replica((await pullAll(a)).changes);
    expect(after.tickets.has(ticket.id)).toBe(false);

    const received = replica((await pullAll(b, bCursor)).changes);
    const moved = received.tickets.get(ticket.id)!;
    expect(moved).toMatchObject({ departmentId: techId, handBackTo: ticket.departmentId, assigneeId: null });
    const note = received.history.find((h) => h.ticketId === ticket.id && h.field === 'departmentId');
    expect(note).toMatchObject({ to: techId, note: '路由器固件问题，需要技术支持判断' });
    // Its earlier comments came along, though the receiver's cursor had passed their first versions.
    const commentsBefore = [...before.comments].filter(([, t]) => t === ticket.id).length;
    expect([...received.comments].filter(([, t]) => t === ticket.id).length).toBe(commentsBefore);

    // Handed back: the request is settled and the ticket is home again.
    const [back] = await push(b, [
      update(moved, { departmentId: ticket.departmentId, handBackTo: null }, '固件已更新'),
    ]);
    expect(back!.status).toBe('applied');
    const home = replica((await pullAll(a)).changes).tickets.get(ticket.id)!;
    expect(home).toMatchObject({ departmentId: ticket.departmentId, handBackTo: null });
    expect(replica((await pullAll(b)).changes).tickets.has(ticket.id)).toBe(false);
  });

  it('refuses a transfer without a reason, a hand-back elsewhere, and another department’s ticket', async () => {
    const [a, c] = await Promise.all([open(wang), open(billing)]);
    const mine = [...replica((await pullAll(a)).changes).tickets.values()].filter((t) =>
      isUnsolved(t.status),
    );
    const techId = liu.user.departmentId!;
    const billingId = billing.user.departmentId!;
    const results = await push(a, [
      update(mine[0]!, { departmentId: techId }),
      update(mine[1]!, { departmentId: techId, handBackTo: billingId }, 'wrong hand-back'),
      update(mine[2]!, { handBackTo: mine[2]!.departmentId }),
    ]);
    expect(results.map((r) => [r.status, r.error?.code, r.error?.message])).toEqual([
      ['rejected', 'bad_request', 'Say why the ticket is transferred: the receiving team reads it.'],
      [
        'rejected',
        'bad_request',
        'A ticket can only be handed back to the department it is transferred from.',
      ],
      ['rejected', 'bad_request', 'A hand-back is asked for with a transfer.'],
    ]);
    // Billing cannot move an after-sales ticket: refused exactly as a ticket that does not exist.
    const [foreign] = await push(c, [update(mine[3]!, { departmentId: billingId }, 'mine now')]);
    expect(foreign).toMatchObject({ status: 'rejected', error: { code: 'not_found' } });
    const still = replica((await pullAll(a)).changes).tickets;
    for (const t of mine.slice(0, 4)) expect(still.get(t.id)?.departmentId).toBe(t.departmentId);
  });
});
