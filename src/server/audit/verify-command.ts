import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeLocation, openDatabase } from '../db/open';
import { auditKeyPaths, readPublicKey } from './keys';
import { verifyChain, type VerifyReport } from './verify';

const HELP = `Verifies the audit trail: every hash link, every signed checkpoint, and that the chain reaches its
newest anchor. Reads only.

Usage: npm run audit:verify -- [--db FILE|URL] [--key PEM] [--anchors FILE] [--json]
  --db       the store as the server takes it (env SWITCHBOARD_DB, default .data/server.sqlite)
  --key      the audit public key (or the private key file; env SWITCHBOARD_AUDIT_KEY's .pub by default,
             else <db>.audit-key.pub, or .data/audit-key.pub for PostgreSQL)
  --anchors  the anchors file (default beside the key: ...anchors.jsonl)
  --json     print the report as JSON
Exit code 0: intact; 1: broken (the first broken record is named); 2: could not verify.`;

/** One line that says what was verified, or which record is the first broken one and what to do. */
export function describeReport(r: VerifyReport): string {
  if (r.ok) {
    const cp = r.lastCheckpoint
      ? `last checkpoint #${r.lastCheckpoint.id} at ${r.lastCheckpoint.at} (record ${r.lastCheckpoint.seq})`
      : 'no checkpoint yet';
    const pending = r.pending > 0 ? `; ${r.pending} newer records not chained yet` : '';
    return `ok: ${r.records} records, ${r.checkpoints} signed checkpoints (${cp}), ${r.anchors} anchors${pending}.`;
  }
  const b = r.broken!;
  const what = b.action ? ` (${b.action} at ${b.at})` : '';
  return (
    `BROKEN at record ${b.seq}${what}: ${b.reason}. ${b.message} Keep the database as it is, restore the ` +
    `records from a backup taken before that time, and report this to your security officer.`
  );
}

/** The command: returns the exit code; `out` gets the report. */
export async function runAuditVerify(argv: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      key: { type: 'string' },
      anchors: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    out(HELP);
    return 0;
  }
  const dbPath = values.db ?? process.env.SWITCHBOARD_DB ?? '.data/server.sqlite';
  const paths = auditKeyPaths(dbPath);
  const keyFile = values.key ?? (existsSync(paths.publicKey) ? paths.publicKey : paths.key);
  if (!existsSync(keyFile)) {
    out(`No audit key at ${keyFile}: give the published public key with --key (GET /api/audit/public-key).`);
    return 2;
  }
  const anchorsPath = values.anchors ?? paths.anchors;
  if (!existsSync(anchorsPath))
    out(
      `Note: no anchors file at ${anchorsPath}; without it, deleting the newest records together with their ` +
        'checkpoints cannot be detected. Give it with --anchors.',
    );
  if (!dbPath.includes('://') && dbPath !== ':memory:' && !existsSync(dbPath)) {
    out(`No database at ${dbPath}: give the store with --db.`);
    return 2;
  }
  const db = openDatabase(dbPath);
  try {
    const report = await verifyChain(db, { publicKey: readPublicKey(keyFile), anchorsPath });
    out(
      values.json
        ? JSON.stringify(report)
        : `Audit trail of ${describeLocation(dbPath)}: ${describeReport(report)}`,
    );
    return report.ok ? 0 : 1;
  } catch (e) {
    out(`Could not verify ${describeLocation(dbPath)}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  } finally {
    await db.destroy();
  }
}
