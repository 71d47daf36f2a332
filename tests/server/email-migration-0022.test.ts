// Migration 0022-email on either store: comments written before it read as agents' comments with no delivery
// and no files, the new tables take what email and attachments write, and down() takes exactly these away.
import { Migrator, type MigrationProvider } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { commentFromColumns } from '../../src/shared/storage/columns';
import { openSqlite } from '../../src/server/db/dialect-sqlite';
import { migrateToLatest, migrations } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { freshDatabase, TEST_DIALECT, type TestDatabase } from './test-db';

let db: Db | undefined;
let store: TestDatabase | undefined;
afterEach(async () => {
  await db?.destroy();
  db = undefined;
  await store?.drop();
  store = undefined;
});

async function emptyDb(): Promise<Db> {
  if (TEST_DIALECT === 'sqlite') return openSqlite(':memory:');
  store = await freshDatabase();
  return openDatabase(store.location);
}

const tables = async (d: Db) => (await d.introspection.getTables()).map((t) => t.name);
const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

describe('0022-email', () => {
  it('reads earlier comments as agents’ comments without delivery or files; down() removes what it added', async () => {
    db = await emptyDb();
    await new Migrator({ db, provider }).migrateTo('0021-kb');
    await seedDemo(db, { tickets: 10, customers: 5 });
    await migrateToLatest(db);
    const rows = await db.selectFrom('ticket_comments').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows)
      expect(commentFromColumns(r)).toMatchObject({ fromCustomer: false, delivery: null, attachments: [] });
    expect(await tables(db)).toEqual(
      expect.arrayContaining(['email_mailboxes', 'email_messages', 'email_outbox', 'attachments']),
    );

    await new Migrator({ db, provider }).migrateTo('0021-kb');
    const after = await tables(db);
    for (const t of ['email_mailboxes', 'email_messages', 'email_outbox', 'attachments'])
      expect(after).not.toContain(t);
    const columns = (await db.introspection.getTables())
      .find((t) => t.name === 'ticket_comments')!
      .columns.map((c) => c.name);
    expect(columns).not.toContain('from_customer');
    expect(columns).not.toContain('delivery');
  });
});
