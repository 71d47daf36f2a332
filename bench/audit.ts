/**
 * Audit trail benchmark: 8 concurrent writers append 1,000,000 audit records (transactions of 100 records, as
 * a push writes its mutations' records) while the chainer (audit/chainer.ts, as the server runs it: nudged by
 * the writes, signing a checkpoint every 1,000 records and anchoring it in a file) chains them; the append
 * rate counts until every record is chained. Then the whole chain is verified (hash links, every checkpoint's
 * Ed25519 signature, the anchors). `npm run bench:audit`; env BENCH_AUDIT_RECORDS, BENCH_AUDIT_WRITERS,
 * BENCH_AUDIT_BATCH scale it; `-- --db postgres` runs it on a throwaway PostgreSQL cluster (each writer its own
 * connection pool, as separate nodes would be). Last line: one JSON summary; exit code 1 when a target is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startPostgres } from '../scripts/postgres.mjs';
import { writeAudits, type AuditEntry } from '../src/server/audit/audit-log';
import { AuditChainer } from '../src/server/audit/chainer';
import { auditKeyPaths, loadAuditSigner } from '../src/server/audit/keys';
import { verifyChain } from '../src/server/audit/verify';
import { migrateToLatest } from '../src/server/db/migrate';
import { openDatabase } from '../src/server/db/open';
import type { Db } from '../src/server/db/schema';
import { benchStoreArg } from './store-arg';

const store = benchStoreArg();

const RECORDS = Number(process.env['BENCH_AUDIT_RECORDS'] ?? 1_000_000);
const WRITERS = Number(process.env['BENCH_AUDIT_WRITERS'] ?? 8);
const BATCH = Number(process.env['BENCH_AUDIT_BATCH'] ?? 100);
const targets = { appendPerSecond: 20_000, verifyPerSecond: 200_000 };

const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-audit-'));
let cluster: { url: string; dir: string; stop(): void } | null = null;
const handles: Db[] = [];
let chainer: AuditChainer | null = null;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** A record as the service writes one: a ticket change with before and after. */
function entry(writer: number, n: number): AuditEntry {
  return {
    at: new Date(Date.UTC(2026, 11, 1) + n).toISOString(),
    actorId: `0193a5c2-7f00-7000-8000-${String(writer).padStart(12, '0')}`,
    source: `10.0.${writer}.17`,
    action: 'ticket.update.applied',
    subjectId: `0193a5c2-7f00-7000-9000-${String(n % 100_000).padStart(12, '0')}`,
    detail: {
      mutationId: `0193a5c2-7f00-7000-a000-${String(n).padStart(12, '0')}`,
      before: { status: 'open', priority: 'normal' },
      after: { status: 'pending', priority: 'high' },
    },
  };
}

try {
  console.log(`Load average at start: ${load()} (2 cores shared with other work)`);
  let location = join(dir, 'server.sqlite');
  if (store === 'postgres') {
    cluster = await startPostgres();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE switchboard');
    await admin.end();
    const port = new URL(cluster.url).port;
    location = `postgres://switchboard@/switchboard?host=${encodeURIComponent(cluster.dir)}&port=${port}`;
  }
  // SQLite: one process, one handle (the store has one writer); PostgreSQL: a pool per writer, as nodes.
  const main = openDatabase(location);
  handles.push(main);
  await migrateToLatest(main);
  for (let w = 1; w < (store === 'postgres' ? WRITERS : 1); w++) handles.push(openDatabase(location));
  const signer = loadAuditSigner(auditKeyPaths(location, join(dir, 'audit-key.pem')));
  chainer = new AuditChainer(main, { signer, log: (l) => console.error(l) });
  console.log(
    `Appending ${RECORDS.toLocaleString('en')} records: ${WRITERS} writers, ${BATCH} records per transaction, ` +
      `on ${store === 'postgres' ? 'PostgreSQL' : 'SQLite'}`,
  );

  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const db = handles[w % handles.length]!;
      for (;;) {
        const start = next;
        if (start >= RECORDS) return;
        next = Math.min(RECORDS, start + BATCH);
        const batch = Array.from({ length: next - start }, (_, i) => entry(w, start + i));
        await db.transaction().execute((trx) => writeAudits(trx, batch));
      }
    }),
  );
  const written = performance.now() - t0;
  await chainer.chainNow();
  const appendMs = performance.now() - t0;
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  const appendCpuMs = cpuMs(process.cpuUsage(cpu0));
  console.log(
    `  written in ${(written / 1000).toFixed(1)} s; all chained ${((appendMs - written) / 1000).toFixed(1)} s later`,
  );

  const cpu1 = process.cpuUsage();
  const t1 = performance.now();
  const report = await verifyChain(main, { publicKey: signer.publicKey, anchorsPath: signer.anchorsPath! });
  const verifyMs = performance.now() - t1;
  const verifyCpuMs = cpuMs(process.cpuUsage(cpu1));
  console.log(
    `  verified ${report.records.toLocaleString('en')} records, ${report.checkpoints} checkpoints, ` +
      `${report.anchors} anchors in ${(verifyMs / 1000).toFixed(1)} s: ${report.ok ? 'ok' : JSON.stringify(report.broken)}`,
  );
  const metrics = {
    records: report.records,
    writers: WRITERS,
    recordsPerTransaction: BATCH,
    appendPerSecond: Math.round((RECORDS / appendMs) * 1000),
    verifyPerSecond: Math.round((report.records / verifyMs) * 1000),
    // Per second of this process's CPU: what the rates would be on an idle machine (this one is shared).
    appendPerCpuSecond: Math.round((RECORDS / appendCpuMs) * 1000),
    verifyPerCpuSecond: Math.round((report.records / verifyCpuMs) * 1000),
    appendSeconds: Number((appendMs / 1000).toFixed(2)),
    verifySeconds: Number((verifyMs / 1000).toFixed(2)),
    checkpoints: report.checkpoints,
    intact: report.ok && report.records === RECORDS && report.pending === 0,
  };
  const pass =
    metrics.intact &&
    metrics.appendPerSecond >= targets.appendPerSecond &&
    metrics.verifyPerSecond >= targets.verifyPerSecond;
  console.log(`Load average at end: ${load()}`);
  console.log(
    JSON.stringify({ bench: store === 'postgres' ? 'audit-postgres' : 'audit', metrics, targets, pass }),
  );
  process.exitCode = pass ? 0 : 1;
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await chainer?.close();
  for (const h of handles) await h.destroy();
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
