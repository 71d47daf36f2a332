import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openStore } from '../../../src/main/store';
import { scopeOf } from '../../../src/server/auth/scope';
import { openSqlite } from '../../../src/server/db/dialect-sqlite';
import { migrateToLatest } from '../../../src/server/db/migrate';
import type { Db } from '../../../src/server/db/schema';
import { seedDemo } from '../../../src/server/demo/seed-demo';
import { toUser } from '../../../src/server/directory/directory-store';
import { pullChanges } from '../../../src/server/sync/pull';
import { applyPush } from '../../../src/server/sync/push';
import { moveTicket } from '../../../src/server/tickets/move-ticket';
import type { User } from '../../../src/shared';
import { tempDir } from '../fixtures';

/**
 * Found by the sync simulation (tests/sim): a ticket's row in the change stream moves to the end at every
 * edit, behind the comments and history it already had. A replica that did not hold the ticket yet skipped
 * those children (a child of an unknown ticket is taken for one outside its scope) and never got them back.
 */
let db: Db;
let agent: User;
let admin: User;
let dir: ReturnType<typeof tempDir>;

beforeAll(async () => {
  db = openSqlite(':memory:');
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 20, customers: 10 });
  agent = toUser(
    await db.selectFrom('users').selectAll().where('username', '=', 'agent01').executeTakeFirstOrThrow(),
  );
  // An edit of a ticket that has comments: its row now comes after them.
  const withComments = await db
    .selectFrom('tickets')
    .innerJoin('ticket_comments', 'ticket_comments.ticket_id', 'tickets.id')
    .select(['tickets.id', 'tickets.version', 'tickets.subject'])
    .where('tickets.department_id', '=', agent.departmentId)
    .where('tickets.status', '!=', 'closed')
    .executeTakeFirstOrThrow();
  const { results } = await applyPush(
    db,
    agent,
    [
      {
        id: '0190c000-0000-7000-8000-000000000001',
        name: 'ticket.update',
        args: { ticketId: withComments.id, patch: { subject: 'Edited' }, baseVersion: withComments.version },
      },
    ],
    () => new Date(),
  );
  expect(results[0]!.status).toBe('applied');
  admin = toUser(
    await db.selectFrom('users').selectAll().where('role', '=', 'admin').executeTakeFirstOrThrow(),
  );
  // A comment after the ticket's own change (the page holds the ticket before it), and a ticket moved in from
  // another department with its comments: the stream has it as a remove there and an upsert here.
  const comment = await applyPush(
    db,
    agent,
    [
      {
        id: '0190c000-0000-7000-8000-000000000002',
        name: 'ticket.comment',
        args: {
          commentId: '0190c000-0000-7000-8000-000000000003',
          ticketId: withComments.id,
          body: 'After the edit',
          internal: false,
        },
      },
    ],
    () => new Date(),
  );
  expect(comment.results[0]!.status).toBe('applied');
  const elsewhere = await db
    .selectFrom('tickets')
    .innerJoin('ticket_comments', 'ticket_comments.ticket_id', 'tickets.id')
    .select('tickets.id')
    .where('tickets.department_id', '!=', agent.departmentId)
    .executeTakeFirstOrThrow();
  await db
    .transaction()
    .execute((trx) => moveTicket(trx, admin, elsewhere.id, agent.departmentId!, new Date()));
  dir = tempDir();
});
afterAll(async () => {
  await db.destroy();
  dir.remove();
});

describe('a first sync', () => {
  it.each([
    [1000, 'agent'],
    [7, 'agent'],
    [1, 'agent'],
    [1000, 'admin'],
    [7, 'admin'],
  ] as const)(
    'brings every comment and history entry of the scope (pages of %i, an %s)',
    async (limit, who) => {
      const user = who === 'agent' ? agent : admin;
      const store = openStore(join(dir.path, `r-${limit}-${who}.sqlite`));
      for (let cursor = 0; ;) {
        const page = await pullChanges(db, scopeOf(user), cursor, limit);
        store.write.applyPage(page.changes, page.cursor, page.head, new Date().toISOString());
        if (!page.hasMore) break;
        cursor = page.cursor;
      }
      const inScope = db
        .selectFrom('tickets')
        .select('id')
        .$if(user.departmentId !== null, (q) => q.where('department_id', '=', user.departmentId));
      const comments = await db
        .selectFrom('ticket_comments')
        .select('id')
        .where('ticket_id', 'in', inScope)
        .execute();
      const history = await db
        .selectFrom('ticket_history')
        .select('id')
        .where('ticket_id', 'in', inScope)
        .execute();
      expect(comments.length).toBeGreaterThan(0);
      const local = new Set<string>();
      const localHistory = new Set<string>();
      const tickets = await inScope.execute();
      for (const t of tickets) {
        const detail = store.read.getTicketDetail(t.id)!;
        detail.comments.forEach((c) => local.add(c.id));
        detail.history.forEach((h) => localHistory.add(h.id));
      }
      expect([...local].sort()).toEqual(comments.map((c) => c.id).sort());
      expect([...localHistory].sort()).toEqual(history.map((h) => h.id).sort());
      store.close();
    },
  );
});
