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
import type { User } from '../../../src/shared';
import { tempDir } from '../fixtures';

/**
 * Found by the sync simulation (tests/sim): a ticket's row in the change stream moves to the end at every
 * edit, behind the comments and history it already had. A replica that did not hold the ticket yet skipped
 * those children (a child of an unknown ticket is taken for one outside its scope) and never got them back.
 */
let db: Db;
let agent: User;
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
  dir = tempDir();
});
afterAll(async () => {
  await db.destroy();
  dir.remove();
});

describe('a first sync', () => {
  it.each([1000, 7, 1])(
    'brings every comment and history entry of the scope (pages of %i)',
    async (limit) => {
      const store = openStore(join(dir.path, `r-${limit}.sqlite`));
      for (let cursor = 0; ;) {
        const page = await pullChanges(db, scopeOf(agent), cursor, limit);
        store.write.applyPage(page.changes, page.cursor, page.head, new Date().toISOString());
        if (!page.hasMore) break;
        cursor = page.cursor;
      }
      const inScope = db.selectFrom('tickets').select('id').where('department_id', '=', agent.departmentId);
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
