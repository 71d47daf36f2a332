import { untilChained } from './audit-wait';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SocketEvents,
  type Change,
  type Customer,
  type LoginResponse,
  type Mutation,
  type Ticket,
} from '../../src/shared';
import { verifyAudit } from '../../src/server/audit/audit-log';
import { openDatabase } from '../../src/server/db/open';
import { connectSocket, login, pullAll, pushAll, request, startTestServer, type TestServer } from './helpers';

let server: TestServer;
let agent01: LoginResponse; // after-sales
let agent02: LoginResponse; // after-sales, the colleague
let agent05: LoginResponse; // another department
let admin: LoginResponse;
const callId = randomUUID();
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({
    tickets: 300,
    customers: 100,
    // A call agent01 took, not yet about any ticket, to link a new ticket to.
    prepare: async (db) => {
      const agent = await db
        .selectFrom('users')
        .select(['id', 'department_id'])
        .where('username', '=', 'agent01')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('interactions')
        .values({
          id: callId,
          call_id: `${callId}@test`,
          direction: 'inbound',
          caller_number: '+8613012345678',
          callee_number: '8001',
          queue_number: '8001',
          department_id: agent.department_id!,
          agent_id: agent.id,
          customer_id: null,
          status: 'ended',
          ring_at: '2026-01-01T00:00:00.000Z',
          answer_at: '2026-01-01T00:00:05.000Z',
          end_at: '2026-01-01T00:03:00.000Z',
          hold_seconds: 0,
          disposition: null,
          notes: null,
          ticket_id: null,
          completed_at: null,
          version: 0,
        })
        .execute();
    },
  });
  [agent01, agent02, agent05, admin] = await Promise.all([
    login(server.url, 'agent01'),
    login(server.url, 'agent02'),
    login(server.url, 'agent05'),
    login(server.url, 'admin'),
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

const latest = <T extends { id: string }>(changes: Change[], kind: 'ticket' | 'customer') => {
  const out = new Map<string, T>();
  for (const c of changes)
    if (c.kind === kind && c.op === 'upsert') out.set(c.data.id, c.data as unknown as T);
  return out;
};

const newCustomer = (over: Partial<Extract<Mutation, { name: 'customer.create' }>['args']> = {}) =>
  ({
    id: randomUUID(),
    name: 'customer.create',
    args: {
      customerId: randomUUID(),
      name: '新客户 李雷',
      phone: `+86139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
      email: null,
      company: null,
      language: 'zh-CN',
      createdAt: new Date().toISOString(),
      ...over,
    },
  }) as Extract<Mutation, { name: 'customer.create' }>;

const newTicket = (
  session: LoginResponse,
  customerId: string,
  over: Partial<Extract<Mutation, { name: 'ticket.create' }>['args']> = {},
) =>
  ({
    id: randomUUID(),
    name: 'ticket.create',
    args: {
      ticketId: randomUUID(),
      customerId,
      departmentId: session.user.departmentId!,
      subject: '耳机左耳没有声音',
      description: 'Customer called: left ear silent since yesterday.',
      status: 'new',
      priority: 'high',
      assigneeId: null,
      createdAt: new Date().toISOString(),
      interactionId: null,
      ...over,
    },
  }) as Extract<Mutation, { name: 'ticket.create' }>;

async function serverTicket(id: string) {
  const res = await fetch(`${server.url}/api/tickets/${id}`, {
    headers: { authorization: `Bearer ${agent01.accessToken}` },
  });
  return (await res.json()) as {
    ticket: Ticket;
    history: { field: string; to: string | null; actorName: string }[];
  };
}

describe('ticket.create', () => {
  it('files a ticket under the next number with a created entry, once, and the colleague gets it', async () => {
    const mine = await open(agent01);
    const theirs = await open(agent02);
    const { changes, cursor } = await pullAll(theirs);
    const highest = Math.max(...[...latest<Ticket>(changes, 'ticket').values()].map((t) => t.number ?? 0));
    const customer = [...latest<Customer>(changes, 'customer').values()][0]!;

    const first = newTicket(agent01, customer.id, { assigneeId: agent02.user.id });
    const second = newTicket(agent01, customer.id, { subject: 'Second one', status: 'open' });
    const results = await push(mine, [first, second]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    // Replays, by mutation id and by ticket id, answer the same and make no ticket.
    expect(await push(mine, [first])).toEqual([results[0]]);
    const sameTicket = { ...first, id: randomUUID() };
    expect((await push(mine, [sameTicket]))[0]).toMatchObject({
      status: 'applied',
      version: results[0]!.version,
    });

    const a = await serverTicket(first.args.ticketId);
    const b = await serverTicket(second.args.ticketId);
    // Every department draws from one sequence, so the colleague's view proves only a lower bound.
    expect(a.ticket.number).toBeGreaterThan(highest);
    expect(b.ticket.number).toBe(a.ticket.number! + 1);
    expect(a.ticket).toMatchObject({
      subject: '耳机左耳没有声音',
      status: 'new',
      priority: 'high',
      assigneeId: agent02.user.id,
      customerId: customer.id,
      departmentId: agent01.user.departmentId,
    });
    expect(a.history).toEqual([
      expect.objectContaining({
        field: 'created',
        to: String(a.ticket.number),
        actorName: agent01.user.displayName,
      }),
    ]);

    const seen = await pullAll(theirs, cursor);
    const got = latest<Ticket>(seen.changes, 'ticket');
    expect(got.get(first.args.ticketId)?.number).toBe(a.ticket.number);
    expect(got.get(second.args.ticketId)?.number).toBe(b.ticket.number);
  });

  it('refuses another department, an unknown customer and an assignee from elsewhere; admins file anywhere', async () => {
    const mine = await open(agent01);
    const tech = await open(agent05);
    // A customer both departments know, so the third ticket is refused for its assignee, not its customer.
    const ours = latest<Customer>((await pullAll(mine)).changes, 'customer');
    const techCustomer = [...latest<Customer>((await pullAll(tech)).changes, 'customer').values()].find((c) =>
      ours.has(c.id),
    )!;
    const results = await push(mine, [
      newTicket(agent01, techCustomer.id, { departmentId: agent05.user.departmentId! }),
      newTicket(agent01, randomUUID()),
      newTicket(agent01, techCustomer.id, { assigneeId: agent05.user.id }),
    ]);
    expect(results.map((r) => [r.status, r.error?.code])).toEqual([
      ['rejected', 'forbidden'],
      ['rejected', 'not_found'],
      ['rejected', 'bad_request'],
    ]);

    const byAdmin = newTicket(agent05, techCustomer.id);
    expect((await push(await open(admin), [byAdmin]))[0]!.status).toBe('applied');
    const created = latest<Ticket>((await pullAll(tech)).changes, 'ticket').get(byAdmin.args.ticketId);
    expect(created).toMatchObject({ departmentId: agent05.user.departmentId, customerId: techCustomer.id });
  });

  it('publishes a customer known only elsewhere to the department before the ticket an admin files there', async () => {
    const mine = await open(agent01);
    const tech = await open(agent05);
    const ours = latest<Customer>((await pullAll(mine)).changes, 'customer');
    const techOnly = [...latest<Customer>((await pullAll(tech)).changes, 'customer').values()].find(
      (c) => !ours.has(c.id),
    )!;
    expect(techOnly).toBeDefined();
    const { cursor } = await pullAll(mine);
    // The department's own agent cannot name them (src/server/customers/README.md, Scope); an admin can.
    expect((await push(mine, [newTicket(agent01, techOnly.id)]))[0]!.error?.code).toBe('not_found');
    const m = newTicket(agent01, techOnly.id);
    expect((await push(await open(admin), [m]))[0]!.status).toBe('applied');
    const seen = (await pullAll(mine, cursor)).changes;
    const customerAt = seen.findIndex(
      (c) => c.kind === 'customer' && c.op === 'upsert' && c.data.id === techOnly.id,
    );
    const ticketAt = seen.findIndex(
      (c) => c.kind === 'ticket' && c.op === 'upsert' && c.data.id === m.args.ticketId,
    );
    expect(customerAt).toBeGreaterThanOrEqual(0);
    expect(ticketAt).toBeGreaterThan(customerAt);
  });

  it('links the call it was made from, and leaves a call already about another ticket alone', async () => {
    const mine = await open(agent01);
    const customer = [...latest<Customer>((await pullAll(mine)).changes, 'customer').values()][0]!;
    const first = newTicket(agent01, customer.id, { interactionId: callId });
    const second = newTicket(agent01, customer.id, { interactionId: callId });
    expect((await push(mine, [first, second])).map((r) => r.status)).toEqual(['applied', 'applied']);
    const call = (await pullAll(mine)).changes.find(
      (c) => c.kind === 'interaction' && c.op === 'upsert' && c.data.id === callId,
    );
    expect(call).toMatchObject({ data: { ticketId: first.args.ticketId } });
  });
});

describe('customer.create', () => {
  it('makes a customer in the department, once, that a ticket in the same push can name', async () => {
    const mine = await open(agent01);
    const theirs = await open(agent02);
    const tech = await open(agent05);
    const { cursor } = await pullAll(theirs);
    const { cursor: techCursor } = await pullAll(tech);
    const c = newCustomer({ email: 'lilei@example.cn', company: '星河科技' });
    const t = newTicket(agent01, c.args.customerId);
    const results = await push(mine, [c, t]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect((await push(mine, [{ ...c, id: randomUUID() }]))[0]!.status).toBe('applied');

    const seen = await pullAll(theirs, cursor);
    const customers = [...latest<Customer>(seen.changes, 'customer').values()].filter(
      (x) => x.phone === c.args.phone,
    );
    expect(customers).toEqual([
      expect.objectContaining({ id: c.args.customerId, name: '新客户 李雷', company: '星河科技' }),
    ]);
    expect(latest<Ticket>(seen.changes, 'ticket').get(t.args.ticketId)?.customerId).toBe(c.args.customerId);
    // Not in another department's scope.
    const techSeen = await pullAll(tech, techCursor);
    expect(latest<Customer>(techSeen.changes, 'customer').has(c.args.customerId)).toBe(false);
  });

  it('turns a second customer with a known phone into an alias; its tickets land on the existing customer', async () => {
    const mine = await open(agent01);
    const theirs = await open(agent02);
    const tech = await open(agent05);
    // A customer of this department the agent did not find locally (their replica was behind, or offline).
    const techs = latest<Customer>((await pullAll(tech)).changes, 'customer');
    const existing = [...latest<Customer>((await pullAll(mine)).changes, 'customer').values()].find(
      (c) => !techs.has(c.id) && c.phone,
    )!;
    const { cursor } = await pullAll(mine);
    const { cursor: theirCursor } = await pullAll(theirs);

    const c = newCustomer({ name: 'Typed differently', phone: existing.phone });
    const t = newTicket(agent01, c.args.customerId, { subject: 'Filed under the alias' });
    const results = await push(mine, [c]);
    expect(results[0]).toMatchObject({ status: 'applied' });
    const [ticket] = await push(mine, [t]);
    expect(ticket!.status).toBe('applied');

    const seen = (await pullAll(mine, cursor)).changes;
    expect(latest<Customer>(seen, 'customer').get(existing.id)).toMatchObject({
      name: existing.name,
      phone: existing.phone,
    });
    expect(latest<Customer>(seen, 'customer').has(c.args.customerId)).toBe(false);
    expect(seen).toContainEqual(
      expect.objectContaining({ kind: 'customer', op: 'merge', id: c.args.customerId, into: existing.id }),
    );
    expect(latest<Ticket>(seen, 'ticket').get(t.args.ticketId)?.customerId).toBe(existing.id);
    // The colleague sees the existing customer and the ticket under it, never the alias as a customer.
    const theirs2 = (await pullAll(theirs, theirCursor)).changes;
    expect(latest<Customer>(theirs2, 'customer').has(existing.id)).toBe(true);
    expect(latest<Ticket>(theirs2, 'ticket').get(t.args.ticketId)?.customerId).toBe(existing.id);

    const db = openDatabase(server.dbPath);
    try {
      const samePhone = await db
        .selectFrom('customers')
        .select('id')
        .where('phone', '=', existing.phone)
        .execute();
      expect(samePhone.map((r) => r.id)).toEqual([existing.id]);
      await untilChained(db); // records are chained shortly after commit (audit/README.md)
      const audit = await db
        .selectFrom('audit_log')
        .select('detail')
        .where('action', '=', 'customer.create.applied')
        .where('subject_id', '=', c.args.customerId)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(audit.detail)).toMatchObject({ mutationId: c.id, mergedInto: existing.id });
      expect((await verifyAudit(db)).ok).toBe(true);
    } finally {
      await db.destroy();
    }
    // Creating the alias again is a replay: still applied, nothing new.
    expect((await push(mine, [{ ...c, id: randomUUID() }]))[0]!.status).toBe('applied');
  });

  it('refuses a customer from an account without a department, and a phone that is not E.164', async () => {
    const [r] = await push(await open(admin), [newCustomer()]);
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'bad_request' } });
    const mine = await open(agent01);
    const bad = await request(mine, SocketEvents.push, {
      mutations: [newCustomer({ phone: '13800138000' })],
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
