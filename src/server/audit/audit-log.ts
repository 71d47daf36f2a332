import { createHash } from 'node:crypto';
import { nextCounter } from '../db/counters';
import type { Db, Tx } from '../db/schema';

export interface AuditEntry {
  at: string;
  actorId: string | null;
  action: string;
  subjectId: string | null;
  detail: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

function hashOf(prev: string, e: AuditEntry): string {
  return createHash('sha256')
    .update(prev)
    .update(JSON.stringify([e.at, e.actorId, e.action, e.subjectId, e.detail]))
    .digest('hex');
}

/**
 * Takes the chain's lock (the `audit` counter row) until the transaction ends. Two writers that both read the
 * newest hash before either inserts would fork the chain; SQLite cannot (one writer), PostgreSQL with several
 * nodes can. A transaction that audits takes this first, before any other row lock (auditedTransaction), so
 * two of them never wait on each other in opposite order.
 */
export async function lockAuditChain(trx: Tx): Promise<void> {
  await nextCounter(trx, 'audit');
}

/**
 * A transaction that writes audit records: the chain's lock is its first lock (see lockAuditChain). So on
 * PostgreSQL every audited transaction (each push batch, sign-ins, administration) runs one at a time across
 * all nodes, as every transaction did on SQLite; the push's read-merge-write of a ticket relies on that (two
 * concurrent merges under READ COMMITTED could each miss the other's edit).
 */
export function auditedTransaction<T>(db: Db, work: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await lockAuditChain(trx);
    return work(trx);
  });
}

/**
 * Appends one record to the chain; call inside the transaction of the change it records. Never put secrets in
 * `detail`. The hash covers the record's fields as JSON text, the same bytes on SQLite and PostgreSQL.
 */
export async function writeAudit(trx: Tx, e: AuditEntry): Promise<void> {
  await writeAudits(trx, [e]);
}

/** Rows per INSERT: 7 columns, so 3,500 bound values, under either store's limit. */
const AUDIT_CHUNK = 500;

/**
 * Appends records to the chain in their order, as writeAudit does one by one, with one read of the chain's end
 * and one INSERT per AUDIT_CHUNK: a push records each of its up to 100 mutations per transaction, and on
 * PostgreSQL, where each statement is a round trip, three statements per record were a quarter of a replay.
 */
export async function writeAudits(trx: Tx, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await lockAuditChain(trx);
  const last = await trx
    .selectFrom('audit_log')
    .select('hash')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let prevHash = last?.hash ?? GENESIS;
  const rows = entries.map((e) => {
    const hash = hashOf(prevHash, e);
    const row = {
      at: e.at,
      actor_id: e.actorId,
      action: e.action,
      subject_id: e.subjectId,
      detail: JSON.stringify(e.detail),
      prev_hash: prevHash,
      hash,
    };
    prevHash = hash;
    return row;
  });
  // One multi-row INSERT numbers its rows (seq) in the order given, on both stores: the chain's order.
  for (let i = 0; i < rows.length; i += AUDIT_CHUNK)
    await trx
      .insertInto('audit_log')
      .values(rows.slice(i, i + AUDIT_CHUNK))
      .execute();
}

/** Walks the chain: ok with the count, or the first sequence number whose record was altered. */
export async function verifyAudit(
  trx: Tx,
): Promise<{ ok: true; count: number } | { ok: false; brokenAt: number }> {
  let prev = GENESIS;
  let count = 0;
  for (const r of await trx.selectFrom('audit_log').selectAll().orderBy('seq').execute()) {
    const entry: AuditEntry = {
      at: r.at,
      actorId: r.actor_id,
      action: r.action,
      subjectId: r.subject_id,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    };
    if (r.prev_hash !== prev || r.hash !== hashOf(prev, entry)) return { ok: false, brokenAt: r.seq };
    prev = r.hash;
    count++;
  }
  return { ok: true, count };
}
