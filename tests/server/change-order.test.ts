import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/shared';
import type { RunningServer } from '../../src/server/app';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { getTicket, saveTicket } from '../../src/server/tickets/ticket-store';
import {
  connectSocket,
  login,
  pullAll,
  startSecondNode,
  startTestServer,
  TEST_DIALECT,
  type TestServer,
} from './helpers';

// Concurrent writers on one database are a PostgreSQL deployment: SQLite's one writer commits versions in order.
describe.skipIf(TEST_DIALECT !== 'postgres')('the change order with writers committing out of order', () => {
  let server: TestServer;
  let second: RunningServer;
  const handles: Db[] = [];
  const sockets: Socket[] = [];
  beforeAll(async () => {
    server = await startTestServer({ tickets: 30, customers: 10 });
    second = await startSecondNode(server);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const h of handles) await h.destroy();
    await second?.close();
    await server?.stop();
  });

  /** A writer on a connection pool of its own, as another node's would be. */
  const writer = () => {
    const db = openDatabase(server.dbPath);
    handles.push(db);
    return db;
  };
  const subjectOf = (changes: Awaited<ReturnType<typeof pullAll>>['changes'], id: string) =>
    changes.flatMap((c) =>
      c.kind === 'ticket' && c.op === 'upsert' && c.data.id === id ? [c.data.subject] : [],
    );

  it('never moves a cursor past a change whose transaction took a lower version and commits after the pull', async () => {
    const session = await login(server.url, 'agent01');
    const desktop = await connectSocket(second.url, session.accessToken);
    sockets.push(desktop);
    const first = await pullAll(desktop);
    const tickets = first.changes.flatMap((c) => (c.kind === 'ticket' && c.op === 'upsert' ? [c.data] : []));
    const [slow, fast] = tickets as [Ticket, Ticket];

    // Writer 1 takes a version and stays open; writer 2 takes the next one and commits.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let versioned!: (v: number) => void;
    const slowVersion = new Promise<number>((resolve) => (versioned = resolve));
    const slowWrite = writer()
      .transaction()
      .execute(async (trx) => {
        const t = (await getTicket(trx, slow.id))!;
        versioned(await saveTicket(trx, { ...t, subject: 'Committed last, numbered first' }));
        await held;
      });
    const low = await slowVersion;
    const high = await writer()
      .transaction()
      .execute(async (trx) => {
        const t = (await getTicket(trx, fast.id))!;
        return saveTicket(trx, { ...t, subject: 'Committed first, numbered second' });
      });
    expect(high).toBeGreaterThan(low);

    // The desktop pulls while writer 1 is still open; writer 1 commits while (or after) that pull runs.
    const pulling = pullAll(desktop, first.cursor);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await slowWrite;
    const during = await pulling;
    const after = await pullAll(desktop, during.cursor);
    const seen = [...during.changes, ...after.changes];

    expect(subjectOf(seen, fast.id)).toContain('Committed first, numbered second');
    expect(subjectOf(seen, slow.id)).toContain('Committed last, numbered first');
  });
});
