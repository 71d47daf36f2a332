// Migration 0031-triage on either store: tickets written before it read as untriaged, the demo's departments
// are tied to the taxonomy, stored role permissions gain changeCategory, and down() takes exactly these away.
import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/server/db/dialect-sqlite';
import { migrations } from '../../src/server/db/migrate';
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

const migrator = (d: Db) =>
  new Migrator({ db: d, provider: { getMigrations: () => Promise.resolve(migrations) } });
const tables = async (d: Db) => (await d.introspection.getTables()).map((t) => t.name);
const columns = async (d: Db, table: string) =>
  (await d.introspection.getTables()).find((t) => t.name === table)!.columns.map((c) => c.name);

describe('0031-triage', () => {
  it('adds the triage columns and tables over existing data, labels the demo departments; down() removes them', async () => {
    db = await emptyDb();
    const m = migrator(db);
    expect((await m.migrateTo('0030-voc')).error).toBeUndefined();
    await seedDemo(db, { tickets: 20, customers: 5 });
    await db
      .insertInto('admin_settings')
      .values({
        name: 'role_permissions',
        value: JSON.stringify({ agent: ['changePriority', 'close'], team_lead: ['close'], supervisor: [] }),
      })
      .execute();

    expect((await m.migrateToLatest()).error).toBeUndefined();
    expect(await columns(db, 'tickets')).toEqual(
      expect.arrayContaining(['category', 'triage', 'triage_review', 'triage_version']),
    );
    expect(await tables(db)).toEqual(expect.arrayContaining(['triage_models', 'triage_corrections']));
    const tickets = await db.selectFrom('tickets').select(['category', 'triage', 'triage_review']).execute();
    expect(tickets).toHaveLength(20);
    expect(new Set(tickets.map((t) => JSON.stringify(t)))).toEqual(
      new Set([JSON.stringify({ category: null, triage: null, triage_review: 0 })]),
    );
    const labels = await db
      .selectFrom('departments')
      .select(['code', 'triage_label'])
      .orderBy('code')
      .execute();
    expect(labels).toEqual([
      { code: 'aftersales', triage_label: 'after_sales' },
      { code: 'billing', triage_label: 'billing' },
      { code: 'tech', triage_label: 'tech_support' },
    ]);
    const perms = await db
      .selectFrom('admin_settings')
      .select('value')
      .where('name', '=', 'role_permissions')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(perms.value)).toEqual({
      agent: ['changePriority', 'close', 'changeCategory'],
      team_lead: ['close'],
      supervisor: [],
    });

    expect((await m.migrateTo('0030-voc')).error).toBeUndefined();
    const after = await columns(db, 'tickets');
    for (const c of ['category', 'triage', 'triage_review', 'triage_version']) expect(after).not.toContain(c);
    expect(await columns(db, 'departments')).not.toContain('triage_label');
    expect(await tables(db)).not.toContain('triage_models');
    expect(await tables(db)).not.toContain('triage_corrections');
    const back = await db
      .selectFrom('admin_settings')
      .select('value')
      .where('name', '=', 'role_permissions')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(back.value).agent).toEqual(['changePriority', 'close']);
    // And up again: the index and tables went with down().
    expect((await m.migrateToLatest()).error).toBeUndefined();
  });

  it('a demo seeded after it has its departments tied to the taxonomy', async () => {
    db = await emptyDb();
    expect((await migrator(db).migrateToLatest()).error).toBeUndefined();
    await seedDemo(db, { tickets: 5, customers: 5 });
    const tech = await db
      .selectFrom('departments')
      .select('triage_label')
      .where('code', '=', 'tech')
      .executeTakeFirstOrThrow();
    expect(tech.triage_label).toBe('tech_support');
  });
});
