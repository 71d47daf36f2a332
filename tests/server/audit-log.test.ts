import { afterEach, describe, expect, it } from 'vitest';
import { verifyAudit, writeAudit } from '../../src/server/audit/audit-log';
import { migrateToLatest } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { scratchDb } from './test-db';

let db: Db | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('audit chain', () => {
  it('verifies an untouched chain and finds the first edited record', async () => {
    ({ db, close } = await scratchDb());
    await migrateToLatest(db);
    for (const action of ['auth.login', 'ticket.update.applied', 'auth.logout']) {
      await writeAudit(db, {
        at: '2026-11-25T07:00:00.000Z',
        actorId: 'u1',
        action,
        subjectId: 't1',
        detail: { n: 1 },
      });
    }
    expect(await verifyAudit(db)).toEqual({ ok: true, count: 3 });

    await db
      .updateTable('audit_log')
      .set({ detail: JSON.stringify({ n: 2 }) })
      .where('seq', '=', 2)
      .execute();
    expect(await verifyAudit(db)).toEqual({ ok: false, brokenAt: 2 });
  });
});
