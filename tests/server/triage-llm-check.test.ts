import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/shared';
import { ticketFromColumns } from '../../src/shared/storage/columns';
import { TRIAGE_REST } from '../../src/shared/triage/api';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { startTestServer, type TestServer } from './helpers';
import { call, tokenOf } from './intake-helpers';
import { auditRecords } from './audit-wait';

/**
 * The optional LLM stage checks the service's triage after the ticket is committed (issue 15): against a small
 * local stand-in for an OpenAI-compatible model server (the only fake allowed: we do not ship a model server).
 * Agreement marks the prediction llm_checked; disagreement puts the ticket in the triage queue with the local
 * labels kept; a model that times out or answers 500 changes nothing and the local prediction stands.
 */
type Mode = 'agree' | 'disagree' | 'slow' | 'error';
let mode: Mode = 'agree';
let asked = 0;
let fake: Server;
let server: TestServer;
let db: Db;
let apiKey: string;

beforeAll(async () => {
  fake = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      asked++;
      if (mode === 'error') return void res.writeHead(500).end('{}');
      const content =
        mode === 'disagree'
          ? '{"verdict":"disagree","category":"invoice_request","priority":"low"}'
          : '{"verdict":"agree"}';
      setTimeout(
        () => {
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
        },
        mode === 'slow' ? 3000 : 0,
      );
    });
  });
  await new Promise<void>((ok) => fake.listen(0, '127.0.0.1', ok));
  server = await startTestServer({
    tickets: 40,
    customers: 20,
    llm: {
      baseUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
      model: 'local-test',
      timeoutMs: 1000,
    },
    triage: { llmCheckEveryMs: 100 },
  });
  db = openDatabase(server.dbPath);
  const admin = (await tokenOf(server.url, 'admin')).token;
  const depts = await db.selectFrom('departments').select(['id', 'code']).execute();
  const key = await call(server.url, 'POST', '/api/admin/intake/api-keys', admin, {
    name: 'Web form',
    departmentId: depts.find((d) => d.code === 'tech')!.id,
  });
  expect(key.status).toBe(201);
  apiKey = key.body.secret as string;
  // A low threshold: the local model's own doubt puts nothing in the queue, only the LLM's disagreement does.
  const settings = await fetch(`${server.url}${TRIAGE_REST.settings}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ threshold: 0.05, retrainEveryHours: 24 }),
  });
  expect(settings.status).toBe(200);
});
afterAll(async () => {
  await db?.destroy();
  await server?.stop();
  await new Promise<void>((ok) => (fake ? fake.close(() => ok()) : ok()));
});

const ticket = async (id: string): Promise<Ticket> =>
  ticketFromColumns(
    await db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
const fileByApi = async (subject: string, description: string) => {
  const r = await call(server.url, 'POST', '/api/intake/tickets', apiKey, {
    subject,
    description,
    contact: { name: 'Ada Lovelace', email: `ada-${randomUUID().slice(0, 8)}@example.com` },
  });
  expect(r.status).toBe(201);
  return r.body.ticketId as string;
};
async function waitFor<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await get();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}
const audits = async (subjectId: string) => {
  return auditRecords(db, { action: 'triage.llm_check', subjectId });
};

describe('the LLM check of triage', () => {
  it('marks a prediction the model agrees with as llm_checked, labels unchanged', async () => {
    mode = 'agree';
    const id = await fileByApi(
      'Internet down',
      'Broadband has been out since this morning, the router light is red.',
    );
    const before = await ticket(id);
    expect(before.triage?.source).toBe('service');
    const after = await waitFor(
      'checked',
      () => ticket(id),
      (t) => t.triage?.source === 'llm_checked',
    );
    expect(after.category).toBe(before.category);
    expect(after.triage?.category).toEqual(before.triage?.category);
    expect(after.triage?.needsReview).toBe(before.triage?.needsReview);
    expect(await audits(id)).toHaveLength(1);
  });

  it('sends a ticket the model disagrees with to the triage queue, keeping the local labels', async () => {
    mode = 'disagree';
    const id = await fileByApi(
      'Router keeps rebooting',
      'The router restarts every ten minutes and the wifi drops each time, what can I do?',
    );
    const before = await ticket(id);
    expect(before.triage?.needsReview).toBe(false);
    const after = await waitFor(
      'queued',
      () => ticket(id),
      (t) => t.triage?.needsReview === true,
    );
    expect(after.triage?.source).toBe('service');
    expect(after.category).toBe(before.category);
    expect(after.priority).toBe(before.priority);
    const [audit] = await audits(id);
    expect(JSON.parse(audit!.detail)).toMatchObject({ verdict: 'disagree' });
  });

  it('leaves the local prediction as it was when the model times out or fails', async () => {
    for (const m of ['slow', 'error'] as const) {
      mode = m;
      const seen = asked;
      const id = await fileByApi('Invoice needed', 'Please send me a VAT invoice for last month’s bill.');
      const before = await ticket(id);
      await waitFor(
        'asked',
        () => Promise.resolve(asked),
        (n) => n > seen,
      );
      // Past the 1 s time limit and another pass.
      await new Promise((r) => setTimeout(r, 1500));
      const after = await ticket(id);
      expect(after.triage).toEqual(before.triage);
      expect(after.version).toBe(before.version);
      expect(await audits(id)).toHaveLength(0);
    }
  });
});
