import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';

/**
 * Fingerprints of a SQLite file, read through a second, read-only connection (WAL: it sees every committed
 * write of the server or the desktop without disturbing them).
 *
 * `quick`: per table its row count and, where rows carry one, the sum and maximum of their version (versions
 * only grow, so an update in place moves the sum); cheap enough to take around every single input, so a
 * failure names the input that changed something. `full`: a hash of every row of every table, taken around a
 * whole batch.
 */
export function fingerprinter(
  path: string,
  opts: {
    skip?: string[];
    /** Rows left out of `full`, by table: those that follow a skipped table (the audit chain's counter). */
    skipRows?: Record<string, (row: Record<string, unknown>) => boolean>;
  } = {},
) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const tables = (
    db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all() as { name: string }[]
  )
    .map((r) => r.name)
    // Full-text index shadow tables mirror their content tables; the content tables are fingerprinted. The
    // reports' and the voice of the customer's tables are derived from change_log (fingerprinted) by followers
    // on their own timers, and occupancy is read 60 s behind the clock: they move with no request at all. So
    // are quality review's checks (quality_contacts, quality_findings, its cursor: issue 15).
    .filter(
      (t) => !/_fts($|_)/.test(t) && !/^(report|voc|quality)_/.test(t) && !(opts.skip ?? []).includes(t),
    );
  const columns = (t: string) =>
    (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(t) as { name: string }[]).map((c) => c.name);
  const quickSql = tables.map((t) => {
    const cols = columns(t);
    const v = ['version', 'seq'].find((c) => cols.includes(c));
    return db.prepare(
      `SELECT '${t}' AS t, count(*) AS n${v ? `, total("${v}") AS sum, max("${v}") AS max` : ''} FROM "${t}"`,
    );
  });
  const fullSql = tables.map((t) => db.prepare(`SELECT * FROM "${t}"`));

  return {
    tables,
    quick(): Record<string, unknown> {
      return Object.fromEntries(
        quickSql.map((s) => {
          const { t, ...rest } = s.get() as { t: string };
          return [t, rest];
        }),
      );
    },
    full(): Record<string, string> {
      return Object.fromEntries(
        fullSql.map((s, i) => {
          const h = createHash('sha256');
          const skipRow = opts.skipRows?.[tables[i]!];
          for (const row of s.iterate() as IterableIterator<Record<string, unknown>>) {
            if (skipRow?.(row)) continue;
            h.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
          }
          return [tables[i]!, h.digest('hex').slice(0, 16)];
        }),
      );
    },
    close: () => db.close(),
  };
}
