// Customer merge (src/server/customers/merge.ts): a supervisor merges a duplicate customer of their department
// into the one kept; tickets and their history move along, the duplicate's id becomes an alias, desktops are
// told with a `merge` change, the merge is audited; agents and other departments' supervisors are refused.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSocket, pullAll, pushAll, type TestServer } from './helpers';
import { call, startIntakeServer, tokenOf, withDb } from './intake-helpers';
import { auditRecords } from './audit-wait';

let server: TestServer;
let adminToken: string;
let aftersales: string;
let tech: string;
let key: string;

beforeAll(async () => {
  server = await startIntakeServer();
  adminToken = (await tokenOf(server.url, 'admin')).token;
  const depts = await withDb(server, (db) => db.selectFrom('departments').select(['id', 'code']).execute());
  aftersales = depts.find((d) => d.code === 'aftersales')!.id;
  tech = depts.find((d) => d.code === 'tech')!.id;
  const r = await call(server.url, 'POST', '/api/admin/intake/api-keys', adminToken, {
    name: 'Merge test',
    departmentId: aftersales,
  });
  key = r.body.secret as string;
});
afterAll(async () => server?.stop());

/** A customer of After-sales with one ticket, made as a web form would. */
async function customerWithTicket(contact: Record<string, string>, subject: string) {
  const r = await call(server.url, 'POST', '/api/intake/tickets', key, { subject, contact });
  expect(r.status).toBe(201);
  return { customerId: r.body.customerId as string, ticketId: r.body.ticketId as string };
}

const merge = (token: string, keepId: string, mergeId: string) =>
  call(server.url, 'POST', '/api/customers/merge', token, { keepId, mergeId });

describe('customer merge', () => {
  it('moves the duplicate’s tickets to the kept customer with their history, audited, and tells the replicas', async () => {
    const kept = await customerWithTicket({ name: '王芳', email: 'wangfang@example.cn' }, '退货申请');
    const dup = await customerWithTicket({ name: '王芳', phone: '13912345678' }, '退货进度');
    const supervisor = await tokenOf(server.url, 'super01');
    const agent = await tokenOf(server.url, 'agent01');
    expect(agent.user.departmentId).toBe(aftersales);
    const socket = await connectSocket(server.url, agent.token);
    try {
      const { cursor } = await pullAll(socket);
      await pushAll(socket, [
        {
          id: randomUUID(),
          name: 'ticket.comment',
          args: { commentId: randomUUID(), ticketId: dup.ticketId, body: '客户来电催促', internal: true },
        },
      ]);
      const before = await call(server.url, 'GET', `/api/tickets/${dup.ticketId}`, agent.token);

      const r = await merge(supervisor.token, kept.customerId, dup.customerId);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ customerId: kept.customerId, tickets: 1 });

      const after = await call(server.url, 'GET', `/api/tickets/${dup.ticketId}`, agent.token);
      const a = after.body as {
        ticket: { customerId: string };
        comments: unknown[];
        history: { field: string; actorName: string }[];
      };
      expect(a.ticket.customerId).toBe(kept.customerId);
      // Nothing of the ticket's past is lost; the move is one more history entry.
      expect(a.comments).toEqual((before.body as { comments: unknown[] }).comments);
      expect(a.history.map((h) => h.field)).toEqual([
        ...(before.body as { history: { field: string }[] }).history.map((h) => h.field),
        'customer',
      ]);
      expect(a.history.at(-1)!.actorName).toBe(supervisor.user.displayName);

      // The replica hears: the duplicate merged into the kept one, the ticket under its new customer, and the
      // kept record completed with the duplicate's phone.
      const { changes } = await pullAll(socket, cursor);
      expect(changes).toContainEqual(
        expect.objectContaining({ kind: 'customer', op: 'merge', id: dup.customerId, into: kept.customerId }),
      );
      const ticketChange = changes.find(
        (c) => c.kind === 'ticket' && c.op === 'upsert' && c.data.id === dup.ticketId,
      );
      expect(ticketChange && 'data' in ticketChange && ticketChange.data).toMatchObject({
        customerId: kept.customerId,
      });
      const keptChange = changes.find(
        (c) => c.kind === 'customer' && c.op === 'upsert' && c.data.id === kept.customerId,
      );
      expect(keptChange && 'data' in keptChange && keptChange.data).toMatchObject({
        email: 'wangfang@example.cn',
        phone: '+8613912345678',
      });
    } finally {
      socket.close();
    }

    // The duplicate's id still leads to the kept customer (an alias), and its record is kept.
    await withDb(server, async (db) => {
      const alias = await db
        .selectFrom('customer_aliases')
        .selectAll()
        .where('alias_id', '=', dup.customerId)
        .executeTakeFirst();
      expect(alias?.customer_id).toBe(kept.customerId);
      const kept_ = await db
        .selectFrom('customer_merges')
        .selectAll()
        .where('merged_id', '=', dup.customerId)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(kept_.record)).toMatchObject({ id: dup.customerId, phone: '+8613912345678' });
      const audit = await auditRecords(db, { action: 'customer.merge' });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_id: supervisor.user.id, subject_id: kept.customerId });
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({
        mergedId: dup.customerId,
        tickets: [dup.ticketId],
      });
      // No contact details in the append-only chain.
      expect(audit[0]!.detail).not.toContain('13912345678');
    });
    // The duplicate's phone, now on the kept record, finds the kept customer for the next contact.
    const late = await call(server.url, 'POST', '/api/intake/customers', key, {
      contact: { phone: '+86 139 1234 5678' },
    });
    expect(late.body).toEqual({ customerId: kept.customerId, created: false });
  });

  it("keeps the duplicate's own phone and email finding the kept customer", async () => {
    const kept = await customerWithTicket(
      { name: '李娜', email: 'lina@example.cn', phone: '13700001111' },
      '发票',
    );
    const dup = await customerWithTicket(
      { name: '李娜', email: 'Li.Na@work.example', phone: '13700002222' },
      '发票抬头',
    );
    const supervisor = await tokenOf(server.url, 'super01');
    expect((await merge(supervisor.token, kept.customerId, dup.customerId)).status).toBe(200);
    // The next form from the duplicate's address or number files under the kept customer, no new one made.
    const contacts: Record<string, string>[] = [
      { email: 'li.na@WORK.example' },
      { phone: '+86 137 0000 2222' },
    ];
    for (const contact of contacts) {
      const again = await customerWithTicket(contact, '再次来信');
      expect(again.customerId).toBe(kept.customerId);
    }
  });

  it('leaves a deleted ticket of the duplicate removed for the replicas', async () => {
    const kept = await customerWithTicket({ name: 'Zhou Min', email: 'zhoumin@example.com' }, 'Invoice');
    const dup = await customerWithTicket({ name: 'Zhou Min', email: 'zm@example.com' }, 'Spam');
    const supervisor = await tokenOf(server.url, 'super01');
    const t = await call(server.url, 'GET', `/api/tickets/${dup.ticketId}`, supervisor.token);
    const baseVersion = (t.body as { ticket: { version: number } }).ticket.version;
    const res = await fetch(`${server.url}/api/tickets/${dup.ticketId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${supervisor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ baseVersion, reason: 'spam' }),
    });
    expect(res.status).toBe(200);
    expect((await merge(supervisor.token, kept.customerId, dup.customerId)).status).toBe(200);
    const agent = await tokenOf(server.url, 'agent01');
    const socket = await connectSocket(server.url, agent.token);
    try {
      const { changes } = await pullAll(socket);
      expect(changes).toContainEqual(
        expect.objectContaining({ kind: 'ticket', op: 'remove', id: dup.ticketId }),
      );
    } finally {
      socket.close();
    }
  });

  it('is refused to agents and to another department’s supervisor, and changes nothing', async () => {
    const one = await customerWithTicket({ name: 'Li Lei', email: 'lilei@example.com' }, 'Warranty');
    const two = await customerWithTicket({ name: 'Li Lei', email: 'li.lei@example.com' }, 'Warranty again');
    const agent = await tokenOf(server.url, 'agent01');
    const r1 = await merge(agent.token, one.customerId, two.customerId);
    expect(r1.status).toBe(403);
    expect(r1.body).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/supervisor/) });
    const otherSupervisor = await tokenOf(server.url, 'super02');
    expect(otherSupervisor.user.departmentId).toBe(tech);
    const r2 = await merge(otherSupervisor.token, one.customerId, two.customerId);
    expect(r2.status).toBe(404);
    expect(r2.body.code).toBe('not_found');
    const bad = await call(server.url, 'POST', '/api/customers/merge', adminToken, {
      keepId: one.customerId,
      mergeId: one.customerId,
    });
    expect(bad.status).toBe(400);
    await withDb(server, async (db) => {
      const t = await db
        .selectFrom('tickets')
        .select('customer_id')
        .where('id', '=', two.ticketId)
        .executeTakeFirstOrThrow();
      expect(t.customer_id).toBe(two.customerId);
      expect(
        await db.selectFrom('customers').select('id').where('id', '=', two.customerId).executeTakeFirst(),
      ).toBeTruthy();
    });
  });

  it('leaves a customer another department also serves to an administrator', async () => {
    const one = await customerWithTicket({ name: 'Chen Jie', email: 'chen@example.com' }, 'Screen broken');
    const two = await customerWithTicket(
      { name: 'Chen Jie', email: 'chenjie@example.com' },
      'Screen still broken',
    );
    // An admin files a Technical-support ticket for the duplicate: Technical support now sees that customer.
    const admin = await connectSocket(server.url, adminToken);
    const techTicket = randomUUID();
    try {
      const [res] = await pushAll(admin, [
        {
          id: randomUUID(),
          name: 'ticket.create',
          args: {
            ticketId: techTicket,
            departmentId: tech,
            customerId: two.customerId,
            subject: 'Firmware',
            description: '',
            status: 'new',
            priority: 'normal',
            assigneeId: null,
            channel: 'phone',
            interactionId: null,
            createdAt: server.clock.now.toISOString(),
          },
        },
      ]);
      expect(res!.status).toBe('applied');
    } finally {
      admin.close();
    }
    const supervisor = await tokenOf(server.url, 'super01');
    const refused = await merge(supervisor.token, one.customerId, two.customerId);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/another department/);
    const done = await merge(adminToken, one.customerId, two.customerId);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ tickets: 2 });
    // Technical support's ticket moved too, and Technical support now sees the kept customer.
    const techSupervisor = await tokenOf(server.url, 'super02');
    const t = await call(server.url, 'GET', `/api/tickets/${techTicket}`, techSupervisor.token);
    expect((t.body as { ticket: { customerId: string } }).ticket.customerId).toBe(one.customerId);
  });
});
