// A cluster test's database, made before its nodes start (startCluster's `prepare`): migrated and loaded with a
// smaller demo data set than `--seed demo`, by the same generator and writer.
import { migrateToLatest } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import { seedDemo } from '../../src/server/demo/seed-demo';

export function demoData(size: { tickets: number; customers: number }) {
  return async (url: string): Promise<void> => {
    const db = openDatabase(url);
    try {
      await migrateToLatest(db);
      await seedDemo(db, size);
    } finally {
      await db.destroy();
    }
  };
}
