// Migration 0018-ticket-delete on either store: tickets written before it read as not deleted, the columns take
// a deletion, the parent index is there, and down() takes exactly these away.
import { afterEach, describe, expect, it } from 'vitest';
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

const columns = async (d: Db) =>
  (await d.introspection.getTables()).find((t) => t.name === 'tickets')!.columns.map((c) => c.name);

describe('0018-ticket-delete', () => {
  it('adds deleted_at and deleted_by (null on every earlier ticket) and the parent index; down() removes them', async () => {
    db = await emptyDb();
    await migrateToLatest(db);
    await seedDemo(db, { tickets: 20, customers: 5 });
    expect(await columns(db)).toEqual(expect.arrayContaining(['deleted_at', 'deleted_by']));
    const live = await db
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(live.n)).toBe(20);
    const [one] = await db.selectFrom('tickets').select('id').limit(1).execute();
    await db
      .updateTable('tickets')
      .set({ deleted_at: '2026-12-05T08:00:00.000Z', deleted_by: 'u1' })
      .where('id', '=', one!.id)
      .execute();
    expect(
      await db
        .selectFrom('tickets')
        .select(['deleted_at', 'deleted_by'])
        .where('id', '=', one!.id)
        .executeTakeFirst(),
    ).toEqual({ deleted_at: '2026-12-05T08:00:00.000Z', deleted_by: 'u1' });

    await migrations['0018-ticket-delete']!.down!(db);
    const after = await columns(db);
    expect(after).not.toContain('deleted_at');
    expect(after).not.toContain('deleted_by');
    expect(after).toContain('parent_id');
    // The index went with down(): making it again succeeds.
    await db.schema.createIndex('tickets_parent').on('tickets').column('parent_id').execute();
  });
});
