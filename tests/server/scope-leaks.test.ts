import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PushResponse,
  REST,
  SocketEvents,
  VOICE_REST,
  VoiceSocketEvents,
  type Change,
  type Interaction,
  type Mutation,
  type MutationResult,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { postJson, pullAll, request, startTestServer, type TestServer } from './helpers';
import { agentSessions, callEvent, mustSetState, route, type AgentSession } from './voice-helpers';

/**
 * An agent of after-sales (agent01) tries every door that takes a customer id, ticket id, phone or Call-ID
 * from a client, aiming at a customer only technical support has. Nothing of that customer may reach them
 * (answers, refusals, their replica, pokes), nothing of theirs may be linked to it, and another department's
 * ids must be refused exactly like ids nobody has.
 */

let server: TestServer;
const { session, closeAll, tick } = agentSessions(() => server);

/** Technical support's customer. The attacker knows the phone (they dial it) and, at worst, the id. */
const victim = {
  id: randomUUID(),
  name: '机密客户 Zhao Victim',
  phone: '+8613912345678',
  national: '13912345678',
  email: 'zhao.victim@tech-only.example',
  company: '保密公司 SecretCo',
};
/** What the attacker must never learn. The phone is not on the list: they typed or dialled it themselves. */
const secrets = [victim.id, victim.name, victim.email, victim.company];

let techDept: string;
let afterSalesDept: string;
let techTicketId: string;

beforeAll(async () => {
  server = await startTestServer({
    tickets: 300,
    customers: 100,
    voice: { offlineGraceMs: 200, ringSlackMs: 100 },
    prepare: async (db) => {
      const dept = async (username: string) =>
        (
          await db
            .selectFrom('users')
            .select('department_id')
            .where('username', '=', username)
            .executeTakeFirstOrThrow()
        ).department_id!;
      techDept = await dept('agent05');
      afterSalesDept = await dept('agent01');
      const at = new Date().toISOString();
      // Published to technical support only, as a customer made there is.
      const { version } = await db
        .insertInto('change_log')
        .values({ kind: 'customer', entity_id: victim.id, department_id: techDept, op: 'upsert' })
        .returning('version')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('customers')
        .values({
          id: victim.id,
          name: victim.name,
          phone: victim.phone,
          email: victim.email,
          language: 'zh-CN',
          company: victim.company,
          created_at: at,
          updated_at: at,
          version,
        })
        .execute();
      techTicketId = (
        await db
          .selectFrom('tickets')
          .select('id')
          .where('department_id', '=', techDept)
          .executeTakeFirstOrThrow()
      ).id;
    },
  });
});
afterEach(async () => {
  closeAll();
  // Let the service see the sockets go (Offline grace) before the next test signs in again.
  await new Promise((r) => setTimeout(r, 250));
});
afterAll(async () => server?.stop());

function expectNothingOfVictim(what: string, value: unknown): void {
  const text = JSON.stringify(value) ?? '';
  for (const s of secrets) expect(text, `${what} carries "${s}"`).not.toContain(s);
}

/** The attacker's desktop: a socket that records every poke it hears. */
async function attacker(): Promise<AgentSession & { pokes: unknown[] }> {
  const s = await session('agent01');
  const pokes: unknown[] = [];
  s.socket.on(SocketEvents.poke, (p: unknown) => pokes.push(p));
  return Object.assign(s, { pokes });
}

async function push(s: AgentSession, ...mutations: Mutation[]): Promise<MutationResult[]> {
  const ack = await request<unknown>(s.socket, SocketEvents.push, { mutations });
  if (!ack.ok) throw new Error(`push failed: ${ack.error.code} ${ack.error.message}`);
  return PushResponse.parse(ack.data).results;
}

async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const db = openDatabase(server.dbPath);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** Departments whose replicas were sent the victim. */
const victimPublishedTo = () =>
  withDb(async (db) =>
    (
      await db
        .selectFrom('change_log')
        .select('department_id')
        .where('kind', '=', 'customer')
        .where('entity_id', '=', victim.id)
        .where('op', '=', 'upsert')
        .execute()
    ).map((r) => r.department_id),
  );

/** Everything that names the victim's id from the attacker's side: tickets, calls, aliases. */
const linksToVictim = () =>
  withDb(async (db) => ({
    tickets: (await db.selectFrom('tickets').select('id').where('customer_id', '=', victim.id).execute())
      .length,
    calls: (
      await db
        .selectFrom('interactions')
        .select('id')
        .where('customer_id', '=', victim.id)
        .where('department_id', '=', afterSalesDept)
        .execute()
    ).length,
  }));

const customerCreate = (over: Partial<Extract<Mutation, { name: 'customer.create' }>['args']> = {}) =>
  ({
    id: randomUUID(),
    name: 'customer.create',
    args: {
      customerId: randomUUID(),
      name: 'Typed by the attacker',
      phone: victim.phone,
      email: null,
      company: null,
      language: 'zh-CN',
      createdAt: new Date().toISOString(),
      ...over,
    },
  }) as Extract<Mutation, { name: 'customer.create' }>;

const ticketCreate = (customerId: string) =>
  ({
    id: randomUUID(),
    name: 'ticket.create',
    args: {
      ticketId: randomUUID(),
      customerId,
      departmentId: afterSalesDept,
      subject: 'Probe',
      description: '',
      status: 'new',
      priority: 'normal',
      assigneeId: null,
      createdAt: new Date().toISOString(),
      interactionId: null,
    },
  }) as Extract<Mutation, { name: 'ticket.create' }>;

/** The outcome without its mutation id, to compare a probe of a real id with one of an unknown id. */
const outcome = (r: MutationResult) => ({ status: r.status, error: r.error });

/** A call the attacker took from this number through after-sales' queue; returns its record once ended. */
async function routedCallFromVictim(a: AgentSession, callId: string, caller: string): Promise<Interaction> {
  await mustSetState(a, 'Available');
  expect((await route(server.url, '8001', callId, caller)).body).toMatch(/^1001\n\d+\n$/);
  await callEvent(server.url, callId, 'answered');
  tick(20_000);
  await callEvent(server.url, callId, 'ended');
  const { changes } = await pullAll(a.socket);
  const call = (changes as Change[]).flatMap((c) =>
    c.kind === 'interaction' && c.op === 'upsert' && c.data.callId === callId ? [c.data] : [],
  );
  expect(call).toHaveLength(1);
  return call[0]!;
}

describe('an agent aiming at another department’s customer', () => {
  it('customer.create with their phone makes a separate customer here and reveals nothing', async () => {
    const a = await attacker();
    const { cursor } = await pullAll(a.socket);
    const mine = customerCreate();
    const results = await push(a, mine, ticketCreate(mine.args.customerId));
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expectNothingOfVictim('push answer', results);

    const seen = (await pullAll(a.socket, cursor)).changes;
    expectNothingOfVictim('pull', seen);
    expect(seen.some((c) => c.kind === 'customer' && c.op === 'merge')).toBe(false);
    expect(seen).toContainEqual(
      expect.objectContaining({
        kind: 'customer',
        op: 'upsert',
        data: expect.objectContaining({ id: mine.args.customerId, name: 'Typed by the attacker' }),
      }),
    );
    expectNothingOfVictim('pokes', a.pokes);
    expect(await victimPublishedTo()).toEqual([techDept]);
    expect(await linksToVictim()).toEqual({ tickets: 0, calls: 0 });
    const aliases = await withDb((db) =>
      db.selectFrom('customer_aliases').select('alias_id').where('customer_id', '=', victim.id).execute(),
    );
    expect(aliases).toEqual([]);
  });

  it('ticket.create naming their id, or an alias of it, is refused exactly as an unknown id', async () => {
    // Technical support's own agent made the customer again: an alias, in their scope only.
    const tech = await session('agent05');
    const alias = customerCreate({ name: 'Tech typed this' });
    expect((await push(tech, alias))[0]!.status).toBe('applied');

    const a = await attacker();
    const { cursor } = await pullAll(a.socket);
    const [byId, byAlias, unknown] = await push(
      a,
      ticketCreate(victim.id),
      ticketCreate(alias.args.customerId),
      ticketCreate(randomUUID()),
    );
    expect(unknown!.status).toBe('rejected');
    expect(outcome(byId!)).toEqual(outcome(unknown!));
    expect(outcome(byAlias!)).toEqual(outcome(unknown!));
    expectNothingOfVictim('push answer', [byId, byAlias]);
    expectNothingOfVictim('pull', (await pullAll(a.socket, cursor)).changes);
    expectNothingOfVictim('pokes', a.pokes);
    expect(await victimPublishedTo()).toEqual([techDept]);
    expect(await linksToVictim()).toEqual({ tickets: 0, calls: 0 });
  });

  it('customer.create reusing their id neither claims nor reveals it', async () => {
    const a = await attacker();
    const { cursor } = await pullAll(a.socket);
    const [r] = await push(a, customerCreate({ customerId: victim.id, phone: '+8613700000001' }));
    // An id taken elsewhere cannot be used again, but the refusal says nothing of whose it is.
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'conflict' } });
    expect(r!.version).toBeUndefined();
    expectNothingOfVictim('push answer', r);
    // Had it been acknowledged, the desktop would file tickets under the id; the server must not either.
    const [t] = await push(a, ticketCreate(victim.id));
    expect(t!.status).toBe('rejected');
    expectNothingOfVictim('pull', (await pullAll(a.socket, cursor)).changes);
    expect(await victimPublishedTo()).toEqual([techDept]);
  });

  it('a routed call and a logged call from their number carry no customer of theirs', async () => {
    const a = await attacker();
    const routed = await routedCallFromVictim(a, `scope-${randomUUID()}`, victim.national);
    // Null, or the attacker's own customer of that number if one was made here (the first test does).
    expect(routed.callerNumber).toBe(victim.phone);
    expectNothingOfVictim('routed call record', routed);

    const log = {
      interactionId: randomUUID(),
      callId: `direct-${randomUUID()}`,
      direction: 'inbound' as const,
      callerNumber: victim.national,
      calleeNumber: '1001',
      queueNumber: null,
      ringAt: new Date(server.clock.now.getTime() - 300_000).toISOString(),
      answerAt: new Date(server.clock.now.getTime() - 290_000).toISOString(),
      endAt: new Date(server.clock.now.getTime() - 60_000).toISOString(),
      holdSeconds: 0,
    };
    const results = await push(a, { id: randomUUID(), name: 'interaction.log', args: log });
    expect(results.map((r) => r.status)).toEqual(['applied']);
    expectNothingOfVictim('push answer', results);

    const { changes } = await pullAll(a.socket);
    const logged = (changes as Change[]).find(
      (c) => c.kind === 'interaction' && c.op === 'upsert' && c.data.id === log.interactionId,
    );
    expect(logged).toMatchObject({ data: { callerNumber: victim.phone } });
    expectNothingOfVictim('pull', changes);
    expectNothingOfVictim('pokes', a.pokes);
    expect(await victimPublishedTo()).toEqual([techDept]);
    expect(await linksToVictim()).toEqual({ tickets: 0, calls: 0 });
  });

  it('the wrap-up of a call from an unknown number cannot link their customer', async () => {
    const a = await attacker();
    const routed = await routedCallFromVictim(a, `scope-${randomUUID()}`, '13012349876');
    expect(routed.customerId).toBeNull();
    const results = await push(a, {
      id: randomUUID(),
      name: 'interaction.complete',
      args: { interactionId: routed.id, disposition: 'resolved', notes: '', customerId: victim.id },
    });
    // The wrap-up itself is kept; only its link to a customer the department cannot see is dropped.
    expect(results.map((r) => r.status)).toEqual(['applied']);
    // Naming their ticket is refused as naming none that exists.
    const aboutTicket = (ticketId: string): Mutation => ({
      id: randomUUID(),
      name: 'interaction.complete',
      args: { interactionId: routed.id, disposition: 'resolved', notes: '', ticketId },
    });
    const [theirs, nobodys] = await push(a, aboutTicket(techTicketId), aboutTicket(randomUUID()));
    expect(nobodys!.status).toBe('rejected');
    expect(outcome(theirs!)).toEqual(outcome(nobodys!));
    const { changes } = await pullAll(a.socket);
    expect(
      (changes as Change[]).find(
        (c) => c.kind === 'interaction' && c.op === 'upsert' && c.data.id === routed.id,
      ),
    ).toMatchObject({ data: { customerId: null, disposition: 'resolved' } });
    expectNothingOfVictim('pull', changes);
    expectNothingOfVictim('pokes', a.pokes);
    expect(await victimPublishedTo()).toEqual([techDept]);
    expect(await linksToVictim()).toEqual({ tickets: 0, calls: 0 });
  });

  it('the same call to technical support still finds their customer (the rule scopes, it does not blind)', async () => {
    const tech = await session('agent05');
    await mustSetState(tech, 'Available');
    const callId = `scope-tech-${randomUUID()}`;
    expect((await route(server.url, '8002', callId, victim.national)).status).toBe(200);
    await callEvent(server.url, callId, 'abandoned');
    const { changes } = await pullAll(tech.socket);
    expect(changes).toContainEqual(
      expect.objectContaining({
        kind: 'interaction',
        data: expect.objectContaining({ callId, customerId: victim.id }),
      }),
    );
  });
});

describe('another department’s ids look exactly like ids nobody has', () => {
  it('ticket.update and ticket.comment on their ticket', async () => {
    const a = await attacker();
    const missing = randomUUID();
    const update = (ticketId: string): Mutation => ({
      id: randomUUID(),
      name: 'ticket.update',
      args: { ticketId, baseVersion: 0, patch: { priority: 'low' } },
    });
    const comment = (ticketId: string): Mutation => ({
      id: randomUUID(),
      name: 'ticket.comment',
      args: { ticketId, commentId: randomUUID(), body: 'probe', internal: true },
    });
    const [u1, u2, c1, c2] = await push(
      a,
      update(techTicketId),
      update(missing),
      comment(techTicketId),
      comment(missing),
    );
    expect(u2!.status).toBe('rejected');
    expect(outcome(u1!)).toEqual(outcome(u2!));
    expect(c2!.status).toBe('rejected');
    expect(outcome(c1!)).toEqual(outcome(c2!));
  });

  it('REST reads of their ticket and their call', async () => {
    const a = await attacker();
    const tech = await session('agent05');
    await mustSetState(tech, 'Available');
    const callId = `scope-rest-${randomUUID()}`;
    expect((await route(server.url, '8002', callId, victim.national)).status).toBe(200);
    const { changes } = await pullAll(tech.socket);
    const techCall = (changes as Change[]).find(
      (c) => c.kind === 'interaction' && c.op === 'upsert' && c.data.callId === callId,
    )!;
    const get = async (path: string) => {
      const res = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${a.session.accessToken}` },
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    expect(await get(REST.ticket(techTicketId))).toEqual(await get(REST.ticket(randomUUID())));
    const call = await get(VOICE_REST.interaction(techCall.op === 'upsert' ? techCall.data.id : ''));
    expect(call).toEqual(await get(VOICE_REST.interaction(randomUUID())));
    expectNothingOfVictim('REST answer', call);
    await callEvent(server.url, callId, 'abandoned');
  });

  it('call events on their call, over the socket and over REST', async () => {
    const a = await attacker();
    const tech = await session('agent05');
    await mustSetState(tech, 'Available');
    const callId = `scope-event-${randomUUID()}`;
    expect((await route(server.url, '8002', callId, victim.national)).status).toBe(200);
    const missing = `scope-missing-${randomUUID()}`;

    const bySocket = (id: string) =>
      request<unknown>(a.socket, VoiceSocketEvents.callEvent, { callId: id, event: 'hold' });
    expect(await bySocket(callId)).toEqual(await bySocket(missing));
    expect((await bySocket(missing)).ok).toBe(false);

    const byRest = (id: string) =>
      postJson(
        `${server.url}${VOICE_REST.events}`,
        { callId: id, event: 'hold' },
        { authorization: `Bearer ${a.session.accessToken}` },
      );
    expect(await byRest(callId)).toEqual(await byRest(missing));
    await callEvent(server.url, callId, 'abandoned');
  });
});

describe('after all the attempts', () => {
  it('the attacker’s whole replica holds nothing of the customer', async () => {
    const a = await attacker();
    expectNothingOfVictim('full pull', (await pullAll(a.socket)).changes);
    expect(await victimPublishedTo()).toEqual([techDept]);
    expect(await linksToVictim()).toEqual({ tickets: 0, calls: 0 });
  });
});
