import { nextCounter } from '../db/counters';
import type { Db, Tx } from '../db/schema';
import { chainPending, nudgeChainers } from './chainer';
import { verifyChain } from './verify';

export interface AuditEntry {
  at: string;
  actorId: string | null;
  action: string;
  subjectId: string | null;
  /** What changed: for a change, `before` and `after` (only the fields that changed). */
  detail: Record<string, unknown>;
  /** From where: the client's address or device, when the caller knows it. */
  source?: string | null;
}

/**
 * Takes the `audit` counter row's lock until the transaction ends. Audit records no longer need it (they are
 * appended raw and chained after commit, audit/README.md), nor does the push (it locks the rows it changes,
 * tickets/ticket-store.ts getTicketForChange). What still takes it are rare read-then-write transactions that
 * rely on running one at a time across nodes: sign-in throttling and sessions, user administration, the demo
 * seed (see auditedTransaction).
 */
export async function lockAuditChain(trx: Tx): Promise<void> {
  await nextCounter(trx, 'audit');
}

/**
 * A transaction that takes the `audit` counter lock first (see lockAuditChain): on PostgreSQL such
 * transactions (sign-ins, token refreshes, administration) run one at a time across all nodes, as every
 * transaction does on SQLite, so their reads of throttle counters and user rows cannot go stale before they
 * write. Ticket changes do not use it.
 */
export function auditedTransaction<T>(db: Db, work: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await lockAuditChain(trx);
    return work(trx);
  });
}

/**
 * Appends one record; call inside the transaction of the change it records, so both commit or neither does.
 * Never put secrets in `detail`.
 */
export async function writeAudit(trx: Tx, e: AuditEntry): Promise<void> {
  await writeAudits(trx, [e]);
}

/** Rows per INSERT: 6 columns, so 3,000 bound values, under either store's limit. */
const AUDIT_CHUNK = 500;

/**
 * Appends records in their order as raw, unchained rows: no lock and no read of the chain's end, so audited
 * transactions never wait on each other for the audit trail. The chainer (chainer.ts) gives them their chain
 * positions and hashes once they are committed; writers in this process nudge it.
 */
export async function writeAudits(trx: Tx, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({
    at: e.at,
    actor_id: e.actorId,
    source: e.source ?? null,
    action: e.action,
    subject_id: e.subjectId,
    detail: JSON.stringify(e.detail),
  }));
  for (let i = 0; i < rows.length; i += AUDIT_CHUNK)
    await trx
      .insertInto('audit_pending')
      .values(rows.slice(i, i + AUDIT_CHUNK))
      .execute();
  nudgeChainers();
}

/**
 * Chains what is committed and walks the chain (hash links, and the checkpoints' positions and hashes; their
 * signatures and the anchors need the key: verify.ts). ok with the count, or the first broken position.
 */
export async function verifyAudit(
  db: Tx,
): Promise<{ ok: true; count: number } | { ok: false; brokenAt: number }> {
  await chainPending(db, {});
  const report = await verifyChain(db, {});
  return report.ok ? { ok: true, count: report.records } : { ok: false, brokenAt: report.broken?.seq ?? 0 };
}
