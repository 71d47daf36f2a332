import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAudits } from '../../src/server/audit/audit-log';
import { chainPending } from '../../src/server/audit/chainer';
import { ephemeralAuditSigner } from '../../src/server/audit/keys';
import { verifyChain } from '../../src/server/audit/verify';
import { migrateToLatest, migrations } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { freshDatabase, TEST_DIALECT } from './helpers';
import type { TestDatabase } from './test-db';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('the audit chain under parallel writers', () => {
  it('is one unbroken chain holding every record once, with several writers and chainers at once', async () => {
    const store: TestDatabase = await freshDatabase();
    // On PostgreSQL each handle is its own pool (its own connections), as separate service nodes would be. SQLite
    // serves one process through one handle (a second one in the same thread would block it on the file lock).
    const handles: Db[] = Array.from({ length: TEST_DIALECT === 'postgres' ? 4 : 1 }, () =>
      openDatabase(store.location),
    );
    cleanup = async () => {
      for (const h of handles) await h.destroy();
      await store.drop();
    };
    await migrateToLatest(handles[0]!);
    const signer = ephemeralAuditSigner();
    const opts = { signer, checkpointEvery: 7, checkpointSeconds: 3600, page: 9 };
    const writers = 8;
    const transactions = 15;
    const perTransaction = 3;
    let chainers = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const db = handles[w % handles.length]!;
        for (let t = 0; t < transactions; t++) {
          await db.transaction().execute((trx) =>
            writeAudits(
              trx,
              Array.from({ length: perTransaction }, (_, i) => ({
                at: new Date().toISOString(),
                actorId: `writer-${w}`,
                action: 'test.parallel',
                subjectId: `${w}/${t}/${i}`,
                detail: { w, t, i },
              })),
            ),
          );
          // Chainers run between the writes on every handle (node), as each node's timer would.
          if (t % 4 === w % 4) {
            chainers++;
            await chainPending(db, opts);
          }
        }
      }),
    );
    expect(chainers).toBeGreaterThan(writers);
    await chainPending(handles[0]!, { ...opts, wait: true });

    const report = await verifyChain(handles[0]!, { publicKey: signer.publicKey });
    expect(report).toMatchObject({ ok: true, pending: 0, broken: null });
    const total = writers * transactions * perTransaction;
    expect(report.records).toBe(total);
    expect(report.checkpoints).toBe(1 + Math.floor(total / 7));
    const subjects = await handles[0]!
      .selectFrom('audit_log')
      .select(['seq', 'subject_id'])
      .orderBy('seq')
      .execute();
    expect(subjects.map((r) => r.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(subjects.map((r) => r.subject_id)).size).toBe(total);
    // A writer's own records stay in the order it wrote them.
    for (let w = 0; w < writers; w++) {
      const mine = subjects.filter((r) => r.subject_id!.startsWith(`${w}/`)).map((r) => r.subject_id);
      const expected = Array.from(
        { length: transactions * perTransaction },
        (_, k) => `${w}/${Math.floor(k / perTransaction)}/${k % perTransaction}`,
      );
      expect(mine).toEqual(expected);
    }
  });
});

describe('the upgrade to the chained audit trail (migration 0010)', () => {
  it('keeps every record of the old chain, in its order, as the first positions of the new one', async () => {
    const store: TestDatabase = await freshDatabase();
    const db = openDatabase(store.location);
    cleanup = async () => {
      await db.destroy();
      await store.drop();
    };
    const provider = { getMigrations: () => Promise.resolve(migrations) };
    const before = await new Migrator({ db, provider }).migrateTo('0009-change-order');
    expect(before.error).toBeUndefined();
    // Records as the old writer stored them (its own hashes, which the new chain replaces).
    const old = Array.from({ length: 12 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 10, 1, 9, 0, i)).toISOString(),
      actor_id: i % 3 === 0 ? null : `u${i}`,
      action: i % 2 ? 'auth.login' : 'ticket.update.applied',
      subject_id: `s${i}`,
      detail: JSON.stringify({ i }),
      prev_hash: 'x'.repeat(64),
      hash: 'y'.repeat(64),
    }));
    await sql`INSERT INTO audit_log (at, actor_id, action, subject_id, detail, prev_hash, hash)
      VALUES ${sql.join(old.map((r) => sql`(${r.at}, ${r.actor_id}, ${r.action}, ${r.subject_id}, ${r.detail}, ${r.prev_hash}, ${r.hash})`))}`.execute(
      db,
    );
    await migrateToLatest(db);
    const signer = ephemeralAuditSigner();
    await chainPending(db, { signer });
    const report = await verifyChain(db, { publicKey: signer.publicKey });
    expect(report).toMatchObject({ ok: true, records: 12, pending: 0 });
    const rows = await db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(rows.map((r) => [r.at, r.actor_id, r.action, r.subject_id, r.detail])).toEqual(
      old.map((r) => [r.at, r.actor_id, r.action, r.subject_id, r.detail]),
    );
  });
});
