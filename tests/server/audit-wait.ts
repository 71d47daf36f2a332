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
