import type { Database } from 'better-sqlite3';
import { SwitchboardError } from '../../shared/protocol/errors';
import type { Migration } from './migrations';

/**
 * Bring the schema up to the newest migration, one transaction per step, recording progress in
 * user_version so a crash halfway leaves a schema that the next start continues from.
 */
export function migrate(db: Database, list: readonly Migration[]): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  const newest = list.at(-1)?.version ?? 0;
  if (from > newest) {
    throw new SwitchboardError(
      'internal',
      `The local database was written by a newer Switchboard (schema ${from}, this one knows ${newest}). Update the app.`,
    );
  }
  list.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`Migration ${m.name} is numbered ${m.version}, expected ${i + 1}`);
  });
  for (const m of list) {
    if (m.version <= from) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { from, to: Math.max(from, newest) };
}
