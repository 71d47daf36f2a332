import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idList, unindexed } from '../../src/server/db/id-list';
import { migrateToLatest } from '../../src/server/db/migrate';
import { dialectOf } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { scratchDb, TEST_DIALECT } from './test-db';

// The few statements that differ between the stores, checked on the one under test (npm run test:pg for PostgreSQL).
let db: Db;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await scratchDb());
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 300, customers: 50 });
});
afterAll(async () => close?.());

describe(`the store's dialect (${TEST_DIALECT})`, () => {
  it('is recognised from the handle and from its transactions', async () => {
    expect(dialectOf(db)).toBe(TEST_DIALECT);
    expect(await db.transaction().execute(async (trx) => dialectOf(trx))).toBe(TEST_DIALECT);
  });

  it('returns counts, sums and averages as numbers, as SQLite does (PostgreSQL widens them to int8/numeric)', async () => {
    const r = await db
      .selectFrom('tickets')
      .select((eb) => [
        eb.fn.countAll().as('n'),
        eb.fn.sum('number').as('total'),
        eb.fn.avg('number').as('mean'),
        eb.fn.max('version').as('newest'),
      ])
      .executeTakeFirstOrThrow();
    expect(r).toEqual({ n: 300, total: (300 * 301) / 2, mean: 150.5, newest: expect.any(Number) });
  });

  it('binds a long id list as one parameter and finds every id in it', async () => {
    const ids = (await db.selectFrom('tickets').select('id').execute()).map((r) => r.id);
    const wanted = [...ids, ...Array.from({ length: 5000 }, (_, i) => `missing-${i}`)];
    const found = await db.selectFrom('tickets').select('id').where('id', 'in', idList(db, wanted)).execute();
    expect(found.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(await db.selectFrom('tickets').select('id').where('id', 'in', idList(db, [])).execute()).toEqual(
      [],
    );
  });

  it('compares a column kept off its index like the column itself', async () => {
    const row = await db
      .selectFrom('change_log')
      .select(['version', 'department_id'])
      .where('department_id', 'is not', null)
      .executeTakeFirstOrThrow();
    const same = await db
      .selectFrom('change_log')
      .select('version')
      .where(unindexed(db, 'department_id'), '=', row.department_id)
      .where('version', '=', row.version)
      .execute();
    expect(same).toEqual([{ version: row.version }]);
  });
});
