import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { appendChange } from '../../src/server/db/change-log';
import { migrateToLatest, migrations } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { freshDatabase, type TestDatabase } from './test-db';

let db: Db | undefined;
let store: TestDatabase | undefined;
afterEach(async () => {
  await db?.destroy();
  db = undefined;
  await store?.drop();
  store = undefined;
});

const migrator = (d: Db) =>
  new Migrator({ db: d, provider: { getMigrations: () => Promise.resolve(migrations) } });
const QUALITY_TABLES = [
  'quality_rules',
  'quality_settings',
  'quality_state',
  'quality_contacts',
  'quality_findings',
  'quality_samples',
  'quality_reviews',
];

describe('migration 0032-quality', () => {
  it('starts the checks at the end of the change log an upgrade finds, and its down() drops only its tables', async () => {
    store = await freshDatabase();
    db = openDatabase(store.location);
    const before = await migrator(db).migrateTo('0030-voc');
    expect(before.error).toBeUndefined();
    let last = 0;
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++) last = await appendChange(trx, 'ticket', `t-${i}`, 'd-1');
    });
    await migrateToLatest(db);
    const cursor = await db
      .selectFrom('quality_state')
      .select('value')
      .where('name', '=', 'cursor')
      .executeTakeFirstOrThrow();
    // Contacts from before the upgrade are checked by re-running their period, not all at the first start.
    expect(Number(cursor.value)).toBe(last);
    const tables = (await db.introspection.getTables()).map((t) => t.name);
    for (const t of QUALITY_TABLES) expect(tables).toContain(t);
    const down = await migrator(db).migrateTo('0030-voc');
    expect(down.error).toBeUndefined();
    const after = (await db.introspection.getTables()).map((t) => t.name);
    for (const t of QUALITY_TABLES) expect(after).not.toContain(t);
    expect(after).toContain('voc_state');
    expect(after).toContain('change_log');
  });
});
