// Shared by the intake tests (tests/server/intake-*.test.ts, customer-merge.test.ts): a real test server with
// the intake's options, the admin's and agents' tokens, and a real local HTTP receiver for outbound replies.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer, type StartServerOptions } from '../../src/server/app';
import { migrateToLatest } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { freshDatabase, login, type TestServer } from './helpers';

/** startTestServer, with intake options (rate limits) the shared helper does not pass on. */
export async function startIntakeServer(intake: StartServerOptions['intake'] = {}): Promise<TestServer> {
  const store = await freshDatabase();
  const db = openDatabase(store.location);
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 60, customers: 40 });
  // Triage (issue 15): intake tests are about intake, so a ticket stays in its key's or channel's department at
  // its priority (no prediction reaches a threshold of 1); tests/server/triage.test.ts routes.
  await db
    .insertInto('admin_settings')
    .values({ name: 'triage', value: JSON.stringify({ threshold: 1, retrainEveryHours: 24 }) })
    .execute();
  await db.destroy();
  const clock = { now: new Date() };
  const server = await startServer({
    port: 0,
    dbPath: store.location,
    seed: 'none',
    jwtSecret: 'test-secret-test-secret-test-secret',
    pbxSecret: 'test-pbx-secret-test-pbx-secret',
    sla: { sweepEveryMs: 0 },
    // The poll is off: tests deliver replies with server.intake.deliverDue() (and the nudge after a comment).
    intake: { outboundPollMs: 0, ...intake },
    now: () => clock.now,
    log: process.env.DEBUG_SERVER_LOG ? (l: string) => console.error(`[server] ${l}`) : () => {},
  });
  return {
    ...server,
    dbPath: store.location,
    clock,
    store,
    stop: async () => {
      await server.close();
      await store.drop();
    },
  };
}

export async function tokenOf(url: string, username: string) {
  const r = await login(url, username);
  return { token: r.accessToken, user: r.user };
}

export async function call(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const send = () =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  // A kept-alive connection to a server that restarted on the same port fails once; a new one is made.
  const res = await send().catch(() => send());
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { text };
  }
  return { status: res.status, body: json, headers: res.headers };
}

/** Reads the server's database while it runs (SQLite file or PostgreSQL). */
export async function withDb<T>(server: TestServer, work: (db: Db) => Promise<T>): Promise<T> {
  const db = openDatabase(server.dbPath);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

export interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on loopback: records every request and answers 200. listen(port) reuses a port. */
export class Receiver {
  readonly received: Received[] = [];
  private server: Server | undefined;

  async listen(port = 0): Promise<number> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A loopback port nothing listens on (taken and released at once). */
export async function closedPort(): Promise<number> {
  const r = new Receiver();
  const port = await r.listen();
  await r.close();
  return port;
}

/** Waits for a condition the server brings about in the background (a delivery after a nudge). */
export async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}
