// API intake (src/server/intake): keys made and revoked by administrators, shown once and kept only hashed,
// scoped to a department; apps and web forms file tickets with them; a revoked or wrong key is refused; each
// key is rate limited (429 with Retry-After), and so is an address that keeps failing; every call is audited.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers';
import { call, startIntakeServer, tokenOf, withDb } from './intake-helpers';
import { auditRecords } from './audit-wait';

let server: TestServer;
let adminToken: string;
let billing: string;
let tech: string;

beforeAll(async () => {
  server = await startIntakeServer({
    limits: {
      perKey: { limit: 5, windowSeconds: 60 },
      failedPerAddress: { limit: 4, windowSeconds: 60 },
    },
  });
  adminToken = (await tokenOf(server.url, 'admin')).token;
  const depts = await withDb(server, (db) => db.selectFrom('departments').select(['id', 'code']).execute());
  billing = depts.find((d) => d.code === 'billing')!.id;
  tech = depts.find((d) => d.code === 'tech')!.id;
});
afterAll(async () => server?.stop());

async function makeKey(name: string, departmentId = billing) {
  const r = await call(server.url, 'POST', '/api/admin/intake/api-keys', adminToken, { name, departmentId });
  expect(r.status).toBe(201);
  return { id: r.body.id as string, secret: r.body.secret as string };
}

const fileTicket = (key: string | null, body: unknown, headers: Record<string, string> = {}) =>
  call(server.url, 'POST', '/api/intake/tickets', key, body, headers);

const form = (email: string, subject = 'Refund not received') => ({
  subject,
  description: 'Sent from the contact form on example.com',
  channel: 'web',
  contact: { name: 'Grace Hopper', email },
});

const audits = (action: string) =>
  withDb(server, async (db) => {
    return (await auditRecords(db, { action })).map((r) => ({
      ...r,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  });

const ticketCount = () =>
  withDb(server, async (db) =>
    Number(
      (
        await db
          .selectFrom('tickets')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  );

describe('API keys', () => {
  it('shows a new key once, lists it by prefix only, and keeps only its hash', async () => {
    const key = await makeKey('Website contact form');
    expect(key.secret).toMatch(/^sbk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    const overview = await call(server.url, 'GET', '/api/admin/intake', adminToken);
    expect(overview.status).toBe(200);
    expect(JSON.stringify(overview.body)).not.toContain(key.secret);
    const listed = (overview.body.apiKeys as { id: string; prefix: string; departmentId: string }[]).find(
      (k) => k.id === key.id,
    );
    expect(listed).toMatchObject({ prefix: key.secret.slice(0, 12), departmentId: billing });
    const row = await withDb(server, (db) =>
      db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow(),
    );
    expect(Object.values(row).join('|')).not.toContain(key.secret.slice(13));
    expect(row.key_hash).toBe(createHash('sha256').update(key.secret).digest('hex'));
    // Nor is it in the audit trail.
    const made = await audits('intake.apiKey.create');
    expect(JSON.stringify(made)).not.toContain(key.secret.slice(13));
  });

  it('is for administrators only', async () => {
    const supervisor = await tokenOf(server.url, 'super01');
    const r = await call(server.url, 'POST', '/api/admin/intake/api-keys', supervisor.token, {
      name: 'mine',
      departmentId: supervisor.user.departmentId,
    });
    expect(r.status).toBe(403);
    expect((await call(server.url, 'GET', '/api/admin/intake', supervisor.token)).status).toBe(403);
  });

  it('files a ticket in the key’s department for the contact’s customer, audited', async () => {
    const key = await makeKey('App');
    const first = await fileTicket(key.secret, form('Grace@Example.com'));
    expect(first.status).toBe(201);
    const ticketId = first.body.ticketId as string;
    const ticket = await withDb(server, (db) =>
      db.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirstOrThrow(),
    );
    expect(ticket).toMatchObject({
      department_id: billing,
      channel: 'web',
      status: 'new',
      customer_id: first.body.customerId,
    });
    // The same person again (mail case-folded): the same customer.
    const second = await fileTicket(key.secret, form('grace@example.com', 'Second question'));
    expect(second.body).toMatchObject({ customerId: first.body.customerId, customerCreated: false });
    const customer = await call(server.url, 'POST', '/api/intake/customers', key.secret, {
      contact: { email: 'GRACE@example.com' },
    });
    expect(customer.body).toEqual({ customerId: first.body.customerId, created: false });

    const records = await audits('intake.api.ticket');
    const mine = records.find((r) => r.subject_id === ticketId);
    expect(mine?.detail).toMatchObject({ keyId: key.id, customerId: first.body.customerId });
    expect(mine?.source).toContain(key.secret.slice(0, 12));
    // The customer call is audited too.
    expect((await audits('intake.api.customer')).some((r) => r.subject_id === first.body.customerId)).toBe(
      true,
    );
  });

  it('answers a retried request with the same Idempotency-Key once, with the first ticket', async () => {
    const key = await makeKey('Flaky network form');
    const idem = { 'idempotency-key': 'form-submit-7f3a' };
    const first = await fileTicket(key.secret, form('retry@example.com'), idem);
    expect(first.status).toBe(201);
    const before = await ticketCount();
    const again = await fileTicket(key.secret, form('retry@example.com'), idem);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await ticketCount()).toBe(before);
    const other = await fileTicket(key.secret, form('retry@example.com', 'Another question'), idem);
    expect(other.status).toBe(409);
    expect(other.body.message).toMatch(/Idempotency-Key/);
    const bad = await fileTicket(key.secret, form('retry@example.com'), { 'idempotency-key': 'has space' });
    expect(bad.status).toBe(400);
    expect(await ticketCount()).toBe(before);
  });

  it('refuses a revoked key, and a key with a wrong secret, changing nothing', async () => {
    const key = await makeKey('Old app', tech);
    expect((await fileTicket(key.secret, form('a@example.com'))).status).toBe(201);
    const revoke = await call(
      server.url,
      'POST',
      `/api/admin/intake/api-keys/${key.id}/revoke`,
      adminToken,
      {},
    );
    expect(revoke.status).toBe(200);
    const before = await ticketCount();
    const refused = await fileTicket(key.secret, form('a@example.com'));
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/revoked/),
    });
    const live = await makeKey('Live app', tech);
    const wrong = `${live.secret.slice(0, -4)}AAAA`;
    expect((await fileTicket(wrong, form('a@example.com'))).status).toBe(401);
    expect(await ticketCount()).toBe(before);
    expect((await audits('intake.api.refused')).length).toBeGreaterThanOrEqual(2);
    expect((await audits('intake.apiKey.revoke')).some((r) => r.subject_id === key.id)).toBe(true);
  });

  it('answers malformed and oversized requests with a JSON error and files nothing', async () => {
    const key = await makeKey('Sloppy form');
    const before = await ticketCount();
    const broken = await fileTicket(key.secret, '{"subject": "x",', { 'content-type': 'application/json' });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ code: 'bad_request', message: 'The request body is not valid JSON.' });
    const noContact = await fileTicket(key.secret, { subject: 'Help', contact: { name: 'Nobody' } });
    expect(noContact.status).toBe(400);
    expect(noContact.body.message).toBeTruthy();
    const huge = await fileTicket(key.secret, { ...form('b@example.com'), description: 'x'.repeat(70_000) });
    expect(huge.status).toBe(400);
    expect(huge.body.message).toMatch(/too large/);
    expect(await ticketCount()).toBe(before);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past a key’s limit, and again in the next window', async () => {
    const key = await makeKey('Busy app');
    // The earlier tests' calls from this address do not count against a new key.
    for (let i = 0; i < 5; i++)
      expect(
        (
          await call(server.url, 'POST', '/api/intake/customers', key.secret, {
            contact: { externalId: `u${i}` },
          })
        ).status,
      ).toBeLessThan(300);
    const limited = await call(server.url, 'POST', '/api/intake/customers', key.secret, {
      contact: { externalId: 'u9' },
    });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('too_many_attempts');
    const wait = Number(limited.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    // Another key is not held back by this one.
    const other = await makeKey('Quiet app');
    expect(
      (
        await call(server.url, 'POST', '/api/intake/customers', other.secret, {
          contact: { externalId: 'q1' },
        })
      ).status,
    ).toBeLessThan(300);
    server.clock.now = new Date(server.clock.now.getTime() + wait * 1000);
    expect(
      (await call(server.url, 'POST', '/api/intake/customers', key.secret, { contact: { externalId: 'u9' } }))
        .status,
    ).toBeLessThan(300);
  });

  it('stops an address that keeps presenting wrong keys, even when it then has a right one', async () => {
    server.clock.now = new Date(server.clock.now.getTime() + 120_000);
    const key = await makeKey('Target');
    const guess = `sbk_${key.secret.slice(4, 12)}_${'A'.repeat(43)}`;
    for (let i = 0; i < 4; i++) expect((await fileTicket(guess, form('c@example.com'))).status).toBe(401);
    const locked = await fileTicket(guess, form('c@example.com'));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fileTicket(key.secret, form('c@example.com'))).status).toBe(429);
  });
});
