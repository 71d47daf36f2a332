import type { Db } from '../../src/server/db/schema';

/**
 * Waits until the running server has chained every committed audit record (audit/README.md: records are
 * appended raw and chained shortly after commit), so a test reading audit_log sees them. Reads only: a second
 * SQLite handle in this process must not take the write lock the server's transactions may hold.
 */
export async function untilChained(db: Db, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await db
      .selectFrom('audit_pending')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(r.n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${r.n} audit records still unchained after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The audit records matching an action and/or a subject, chained or not, read in one statement: the chainer
 * moves a record from audit_pending to audit_log while the test runs, and two reads (in either order) can miss
 * it or see it twice. One statement reads one snapshot on both stores.
 */
export function auditRecords(db: Db, match: { action?: string; subjectId?: string }) {
  const from = (table: 'audit_log' | 'audit_pending') =>
    db
      .selectFrom(table)
      .select(['at', 'actor_id', 'source', 'action', 'subject_id', 'detail'])
      .$if(match.action !== undefined, (b) => b.where('action', '=', match.action!))
      .$if(match.subjectId !== undefined, (b) => b.where('subject_id', '=', match.subjectId!));
  return from('audit_pending').unionAll(from('audit_log')).execute();
}
