import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PBX_SECRET_HEADER,
  PushResponse,
  SocketEvents,
  type LoginResponse,
  type Mutation,
} from '../../src/shared';
import { verifyAudit, writeAudit } from '../../src/server/audit/audit-log';
import { migrateToLatest } from '../../src/server/db/migrate';
import { retryConflicts } from '../../src/server/db/retry';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { nextTicketNumber } from '../../src/server/tickets/ticket-store';
import { startServer, type RunningServer } from '../../src/server/app';
import {
  connectSocket,
  login,
  request,
  scratchDb,
  startSecondNode,
  startTestServer,
  TEST_DIALECT,
  type TestServer,
} from './helpers';

const numbers = async (db: Db) =>
  (await db.selectFrom('tickets').select('number').orderBy('number').execute()).map((r) => r.number);

describe('ticket numbers under concurrent writers', () => {
  it('hands each of many concurrent transactions its own number, following the seeded ones', async () => {
    const { db, location, close } = await scratchDb();
    // On PostgreSQL a second pool on the same database stands for a second node; SQLite has one writer.
    const other = TEST_DIALECT === 'postgres' ? openDatabase(location) : db;
    try {
      await migrateToLatest(db);
      await seedDemo(db, { tickets: 30, customers: 10 });
      const before = await numbers(db);
      expect(before.at(-1)).toBe(30);
      const handles = [db, other];
      const taken = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          handles[i % 2]!.transaction().execute(async (trx) => {
            const number = await nextTicketNumber(trx);
            const template = await trx.selectFrom('tickets').selectAll().limit(1).executeTakeFirstOrThrow();
            await trx
              .insertInto('tickets')
              .values({ ...template, id: randomUUID(), number })
              .execute();
            return number;
          }),
        ),
      );
      expect([...taken].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => 31 + i));
    } finally {
      if (other !== db) await other.destroy();
      await close();
    }
  });
});

describe('the demo data loaded by nodes starting together', () => {
  it('is loaded once: one loader wins, the others find it there and carry on', async () => {
    const { db, location, close } = await scratchDb();
    const other = TEST_DIALECT === 'postgres' ? openDatabase(location) : db;
    try {
      await migrateToLatest(db);
      const results = await Promise.all([
        seedDemo(db, { tickets: 40, customers: 10 }),
        seedDemo(other, { tickets: 40, customers: 10 }),
      ]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(await numbers(db)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    } finally {
      if (other !== db) await other.destroy();
      await close();
    }
  });
});

describe('the audit chain under concurrent writers', () => {
  it('stays one chain when many transactions on two connections audit at once', async () => {
    const { db, location, close } = await scratchDb();
    const other = TEST_DIALECT === 'postgres' ? openDatabase(location) : db;
    try {
      await migrateToLatest(db);
      const handles = [db, other];
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          handles[i % 2]!.transaction().execute((trx) =>
            writeAudit(trx, {
              at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
              actorId: null,
              action: 'test.concurrent',
              subjectId: String(i),
              detail: { i },
            }),
          ),
        ),
      );
      // A fork (two records naming one predecessor) breaks the walk at the second of them.
      expect(await verifyAudit(db)).toEqual({ ok: true, count: 40 });
    } finally {
      if (other !== db) await other.destroy();
      await close();
    }
  });
});

describe.skipIf(TEST_DIALECT !== 'postgres')('transactions that deadlock on PostgreSQL', () => {
  it('the one PostgreSQL ends is run again, so both changes land once', async () => {
    const { db, location, close } = await scratchDb();
    const other = openDatabase(location);
    try {
      await migrateToLatest(db);
      // Two transactions lock two rows in opposite order, each waiting until the other holds its first.
      let holding = 0;
      let bothHold!: () => void;
      const barrier = new Promise<void>((resolve) => (bothHold = resolve));
      const bump = (name: string) => sql`UPDATE counters SET value = value + 1 WHERE name = ${name}`;
      const crossing = (handle: Db, first: string, second: string) =>
        retryConflicts(() =>
          handle.transaction().execute(async (trx) => {
            await bump(first).execute(trx);
            if (++holding === 2) bothHold();
            await barrier;
            await bump(second).execute(trx);
          }),
        );
      await Promise.all([crossing(db, 'audit', 'sip_accounts'), crossing(other, 'sip_accounts', 'audit')]);
      const counters = await db
        .selectFrom('counters')
        .selectAll()
        .where('name', 'in', ['audit', 'sip_accounts'])
        .orderBy('name')
        .execute();
      expect(counters).toEqual([
        { name: 'audit', value: 2 },
        { name: 'sip_accounts', value: 2 },
      ]);
    } finally {
      await other.destroy();
      await close();
    }
  });
});

// Two service nodes on one database is a PostgreSQL deployment (SQLite's one writer lives in one process).
describe.skipIf(TEST_DIALECT !== 'postgres')('two service nodes on one PostgreSQL database', () => {
  let server: TestServer;
  let second: RunningServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    server = await startTestServer({ tickets: 50, customers: 20 });
    second = await startSecondNode(server);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await second?.close();
    await server?.stop();
  });

  const open = async (url: string, session: LoginResponse) => {
    const s = await connectSocket(url, session.accessToken);
    sockets.push(s);
    return s;
  };
  const push = async (socket: Socket, mutations: Mutation[]) => {
    const ack = await request<unknown>(socket, SocketEvents.push, { mutations });
    if (!ack.ok) throw new Error(`push failed: ${ack.error.code} ${ack.error.message}`);
    return PushResponse.parse(ack.data).results;
  };

  it('never gives two tickets created at once on different nodes one number, and keeps one audit chain', async () => {
    const [agent01, agent02] = await Promise.all([
      login(server.url, 'agent01'),
      login(second.url, 'agent02'),
    ]);
    // Each agent on both nodes: four desktops pushing at once.
    const desktops = await Promise.all([
      open(server.url, agent01),
      open(second.url, agent01),
      open(server.url, agent02),
      open(second.url, agent02),
    ]);
    const customerId = randomUUID();
    const [made] = await push(desktops[0]!, [
      {
        id: randomUUID(),
        name: 'customer.create',
        args: {
          customerId,
          name: '并发 客户',
          phone: '+8613911112222',
          email: null,
          company: null,
          language: 'zh-CN',
          createdAt: new Date().toISOString(),
        },
      },
    ]);
    expect(made?.status).toBe('applied');
    const ticket = (session: LoginResponse): Mutation => ({
      id: randomUUID(),
      name: 'ticket.create',
      args: {
        ticketId: randomUUID(),
        customerId,
        departmentId: session.user.departmentId!,
        subject: '同时创建的工单',
        description: '',
        status: 'new',
        priority: 'normal',
        assigneeId: null,
        createdAt: new Date().toISOString(),
        interactionId: null,
        channel: 'web',
      },
    });
    const sessions = [agent01, agent01, agent02, agent02];
    const results = (
      await Promise.all(
        desktops.flatMap((socket, d) =>
          Array.from({ length: 6 }, () =>
            push(socket, [ticket(sessions[d]!), ticket(sessions[d]!), ticket(sessions[d]!)]),
          ),
        ),
      )
    ).flat();
    expect(results).toHaveLength(72);
    expect(results.filter((r) => r.status !== 'applied')).toEqual([]);

    const db = openDatabase(server.dbPath);
    try {
      const all = await numbers(db);
      expect(new Set(all).size).toBe(all.length);
      expect(all.slice(-72)).toEqual(Array.from({ length: 72 }, (_, i) => 51 + i));
      expect(await verifyAudit(db)).toMatchObject({ ok: true });
    } finally {
      await db.destroy();
    }
  });
});

describe.skipIf(TEST_DIALECT !== 'postgres')('secrets of nodes on one PostgreSQL database', () => {
  it('are made once and shared by nodes starting together: a token from one node is good on the other, one PBX secret, one extension per agent', async () => {
    const { db, location, close } = await scratchDb();
    const nodes: RunningServer[] = [];
    try {
      await migrateToLatest(db);
      await seedDemo(db, { tickets: 20, customers: 10 });
      // Nothing configured: each node would make its own secret if they were kept per machine.
      const start = () =>
        startServer({ port: 0, dbPath: location, seed: 'none', log: () => {}, pbxSecret: undefined });
      const saved = { jwt: process.env.SWITCHBOARD_JWT_SECRET, pbx: process.env.SWITCHBOARD_PBX_SECRET };
      delete process.env.SWITCHBOARD_JWT_SECRET;
      delete process.env.SWITCHBOARD_PBX_SECRET;
      try {
        // Started together, as a cluster restarts: both make secrets and SIP accounts at the same moment.
        const started = await Promise.allSettled([start(), start()]);
        for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
        for (const r of started) if (r.status === 'rejected') throw r.reason;
      } finally {
        if (saved.jwt !== undefined) process.env.SWITCHBOARD_JWT_SECRET = saved.jwt;
        if (saved.pbx !== undefined) process.env.SWITCHBOARD_PBX_SECRET = saved.pbx;
      }
      const [a, b] = nodes as [RunningServer, RunningServer];
      const session = await login(a.url, 'agent01');
      const socket = await connectSocket(b.url, session.accessToken); // refused if B checked with its own key
      socket.close();
      const secrets = await db.selectFrom('server_secrets').selectAll().orderBy('name').execute();
      expect(secrets.map((r) => r.name)).toEqual(['jwt', 'pbx']);
      const extensions = await db.selectFrom('sip_accounts').select('extension').execute();
      expect(extensions.length).toBeGreaterThan(0);
      expect(new Set(extensions.map((r) => r.extension)).size).toBe(extensions.length);
      const pbx = secrets.find((r) => r.name === 'pbx')!.value;
      for (const node of nodes) {
        const res = await fetch(
          `${node.url}/api/voice/route?queue=8001&caller=1&callid=shared-${node.port}`,
          {
            headers: { [PBX_SECRET_HEADER]: pbx },
          },
        );
        expect(res.status).not.toBe(403);
      }
    } finally {
      for (const n of nodes) await n.close();
      await close();
    }
  });
});
