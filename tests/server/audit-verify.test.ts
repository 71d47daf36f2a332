import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_REST, AuditVerifyReport } from '../../src/shared';
import { startServer, type RunningServer } from '../../src/server/app';
import { writeAudits } from '../../src/server/audit/audit-log';
import { recordHash } from '../../src/server/audit/chainer';
import { runAuditVerify } from '../../src/server/audit/verify-command';
import { migrateToLatest } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { freshDatabase, login } from './helpers';
import type { TestDatabase } from './test-db';

/**
 * The audit trail as an auditor checks it: a real server (signing checkpoints every 5 records), records written
 * through the real write path, the database then tampered with directly, as someone with database access would.
 */
interface Setup {
  server: RunningServer;
  store: TestDatabase;
  db: Db;
  dir: string;
  admin: string;
}
let setup: Setup | undefined;

afterEach(async () => {
  if (!setup) return;
  await setup.server.close();
  await setup.db.destroy();
  await setup.store.drop();
  rmSync(setup.dir, { recursive: true, force: true });
  setup = undefined;
});

async function start(): Promise<Setup> {
  const store = await freshDatabase();
  const seedDb = openDatabase(store.location);
  await migrateToLatest(seedDb);
  await seedDemo(seedDb, { tickets: 20, customers: 10 });
  await seedDb.destroy();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-audit-'));
  const server = await startServer({
    port: 0,
    dbPath: store.location,
    seed: 'none',
    jwtSecret: 'test-secret-test-secret-test-secret',
    pbxSecret: 'test-pbx-secret-test-pbx-secret',
    audit: { keyPath: join(dir, 'audit-key.pem'), checkpointEvery: 5, checkpointSeconds: 3600 },
    log: () => {},
  });
  const db = openDatabase(store.location);
  const admin = (await login(server.url, 'admin')).accessToken;
  setup = { server, store, db, dir, admin };
  return setup;
}

/** 30 records, each in its own transaction, as the service writes them. */
async function writeRecords(db: Db, n = 30): Promise<void> {
  for (let i = 0; i < n; i++)
    await db.transaction().execute((trx) =>
      writeAudits(trx, [
        {
          at: new Date(Date.UTC(2026, 11, 1, 8, 0, i)).toISOString(),
          actorId: 'auditor-test',
          source: '10.0.0.7',
          action: 'ticket.update.applied',
          subjectId: `t${i}`,
          detail: { before: { status: 'open' }, after: { status: 'solved' }, i },
        },
      ]),
    );
}

async function verify(s: Setup): Promise<AuditVerifyReport> {
  const res = await fetch(`${s.server.url}${AUDIT_REST.verify}`, {
    headers: { authorization: `Bearer ${s.admin}` },
  });
  expect(res.status).toBe(200);
  return AuditVerifyReport.parse(await res.json());
}

/** The command-line verifier over the same store, with the published public key and the anchors file. */
async function verifyCli(s: Setup): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runAuditVerify(
    [
      '--db',
      s.store.location,
      '--key',
      join(s.dir, 'audit-key.pub'),
      '--anchors',
      join(s.dir, 'audit-anchors.jsonl'),
    ],
    (l) => lines.push(l),
  );
  return { code, text: lines.join('\n') };
}

const chainRows = (db: Db) => db.selectFrom('audit_log').selectAll().orderBy('seq').execute();

describe('the audit verifier', () => {
  it('says ok for an untouched chain and names exactly the one record edited in the database', async () => {
    const s = await start();
    await writeRecords(s.db);
    const before = await verify(s);
    expect(before).toMatchObject({ ok: true, broken: null });
    expect(before.records).toBeGreaterThanOrEqual(30);
    expect(before.checkpoints).toBeGreaterThan(1);
    expect((await verifyCli(s)).code).toBe(0);

    const victim = (await chainRows(s.db)).find((r) => r.subject_id === 't12')!;
    await s.db
      .updateTable('audit_log')
      .set({ detail: victim.detail.replace('solved', 'closed') })
      .where('seq', '=', victim.seq)
      .execute();

    const after = await verify(s);
    expect(after.ok).toBe(false);
    expect(after.broken).toMatchObject({
      seq: victim.seq,
      action: 'ticket.update.applied',
      at: victim.at,
      reason: 'edited',
    });
    const cli = await verifyCli(s);
    expect(cli.code).toBe(1);
    expect(cli.text).toContain(`BROKEN at record ${victim.seq} (ticket.update.applied at ${victim.at})`);
  });

  it('catches a row edited with every later hash and prev_hash recomputed (and the checkpoints rewritten too)', async () => {
    const s = await start();
    await writeRecords(s.db);
    expect((await verify(s)).ok).toBe(true);
    const rows = await chainRows(s.db);
    const from = rows.findIndex((r) => r.subject_id === 't12');
    // What someone who knows the hash would do: change the record, then re-link everything after it.
    let prev = rows[from - 1]!.hash;
    for (const r of rows.slice(from)) {
      const detail = r.subject_id === 't12' ? r.detail.replace('solved', 'closed') : r.detail;
      const hash = recordHash(prev, { ...r, detail });
      await s.db
        .updateTable('audit_log')
        .set({ detail, prev_hash: prev, hash })
        .where('seq', '=', r.seq)
        .execute();
      prev = hash;
    }
    const rewritten = await verify(s);
    expect(rewritten.ok).toBe(false);
    expect(rewritten.broken!.reason).toBe('rewritten');
    // Named: the first record after the last checkpoint that still matches; the edited one lies in that span.
    expect(rewritten.broken!.seq).toBeLessThanOrEqual(rows[from]!.seq);
    expect(rewritten.broken!.seq).toBeGreaterThan(rows[from]!.seq - 5);
    expect((await verifyCli(s)).code).toBe(1);

    // Rewriting the stored checkpoints to the new hashes needs the private key, which is not in the database.
    const newHashes = new Map((await chainRows(s.db)).map((r) => [r.seq, r.hash]));
    for (const c of await s.db.selectFrom('audit_checkpoints').selectAll().execute())
      if (newHashes.has(c.seq))
        await s.db
          .updateTable('audit_checkpoints')
          .set({ hash: newHashes.get(c.seq)! })
          .where('id', '=', c.id)
          .execute();
    const resigned = await verify(s);
    expect(resigned.ok).toBe(false);
    expect(resigned.broken!.reason).toBe('bad-signature');
    expect((await verifyCli(s)).code).toBe(1);
  });

  it('catches the newest records deleted together with their checkpoints (the anchor outside the database)', async () => {
    const s = await start();
    await writeRecords(s.db);
    const ok = await verify(s);
    expect(ok.ok).toBe(true);
    const head = ok.head!.seq;
    const cut = head - 12;
    await s.db.deleteFrom('audit_log').where('seq', '>', cut).execute();
    await s.db.deleteFrom('audit_checkpoints').where('seq', '>', cut).execute();

    const report = await verify(s);
    expect(report.ok).toBe(false);
    expect(report.broken).toMatchObject({ seq: cut + 1, reason: 'truncated' });
    const cli = await verifyCli(s);
    expect(cli.code).toBe(1);
    expect(cli.text).toContain(`BROKEN at record ${cut + 1}`);
  });

  it('publishes the public key to anyone, the same as the .pub file beside the key', async () => {
    const s = await start();
    const res = await fetch(`${s.server.url}${AUDIT_REST.publicKey}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pem: string; keyId: string };
    expect(body.pem).toBe(readFileSync(join(s.dir, 'audit-key.pub'), 'utf8'));
    expect(body.pem).toContain('PUBLIC KEY');
    expect(body.pem).not.toContain('PRIVATE');
  });
});
