import type { KeyObject } from 'node:crypto';
import type { Tx } from '../db/schema';
import { chainHash, GENESIS, hashInputSql } from './chainer';
import { checkSignature, readAnchors, type Checkpoint } from './keys';

export type BrokenReason =
  /** The record's stored hash is not the hash of its fields: it was edited. */
  | 'edited'
  /** Its prev_hash does not name the record before it: it or its predecessor was replaced. */
  | 'relinked'
  /** A position is missing: records were deleted from the middle. */
  | 'missing'
  /** The chain no longer matches a signed checkpoint: the records up to it were rewritten. */
  | 'rewritten'
  /** A checkpoint's signature does not verify with the published key. */
  | 'bad-signature'
  /** Checkpoints were removed or re-numbered. */
  | 'checkpoint-missing'
  /** The chain ends before a checkpoint or an anchor says it reached: the newest records were deleted. */
  | 'truncated';

export interface VerifyReport {
  ok: boolean;
  /** Records walked (the chain's length when ok). */
  records: number;
  checkpoints: number;
  /** Anchors of this chain found in the anchors file (0 when no file was given). */
  anchors: number;
  /** Records appended but not chained yet (they are chained within seconds). */
  pending: number;
  chainId: string | null;
  lastCheckpoint: { id: number; seq: number; at: string } | null;
  head: { seq: number; at: string } | null;
  /** The first broken record: its position, and (when it still exists) its action and time. */
  broken: {
    seq: number;
    action: string | null;
    at: string | null;
    reason: BrokenReason;
    message: string;
  } | null;
}

export interface VerifyOptions {
  /** Checks every checkpoint's signature; without it only their positions and hashes are checked. */
  publicKey?: KeyObject;
  /** The anchors file: the chain must reach (and match) the newest checkpoint written there. */
  anchorsPath?: string;
  /** Records read per query (default 4,000: small pages die young, cheap for the garbage collector). */
  page?: number;
}

const fromRow = (r: {
  id: number;
  chain_id: string;
  seq: number;
  hash: string;
  at: string;
  key_id: string;
  signature: string;
}): Checkpoint => ({
  id: r.id,
  chainId: r.chain_id,
  seq: r.seq,
  hash: r.hash,
  at: r.at,
  keyId: r.key_id,
  signature: r.signature,
});

/**
 * Walks the whole chain in pages: every hash link, every checkpoint (signature, position, hash), and that the
 * chain reaches the newest anchor. Reports the FIRST broken record (lowest position) and why. Reads only.
 */
export async function verifyChain(db: Tx, opts: VerifyOptions): Promise<VerifyReport> {
  const page = opts.page ?? 4000;
  const cps = (await db.selectFrom('audit_checkpoints').selectAll().orderBy('id').execute()).map(fromRow);
  const pendingRow = await db
    .selectFrom('audit_pending')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  const chainId = cps.find((c) => c.id === 0)?.chainId ?? cps[0]?.chainId ?? null;
  // Without a checkpoint the chain has no name to pick its anchors by (a shared file holds other chains' too).
  const anchors = opts.anchorsPath && chainId ? readAnchors(opts.anchorsPath, chainId).anchors : [];
  const report: VerifyReport = {
    ok: true,
    records: 0,
    checkpoints: cps.length,
    anchors: anchors.length,
    pending: Number(pendingRow?.n ?? 0),
    chainId,
    lastCheckpoint: null,
    head: null,
    broken: null,
  };
  const fail = (broken: NonNullable<VerifyReport['broken']>): VerifyReport => ({
    ...report,
    ok: false,
    broken,
  });

  // Checkpoints must be 0, 1, 2, ... of one chain, at non-decreasing positions, each signed by the key.
  const bySeq = new Map<number, Checkpoint>();
  let prevCp: Checkpoint | undefined;
  for (const [i, c] of cps.entries()) {
    const at = (reason: BrokenReason, message: string) =>
      fail({ seq: Math.max(1, (prevCp?.seq ?? 0) + 1), action: null, at: null, reason, message });
    if (c.id !== i)
      return at(
        'checkpoint-missing',
        `Checkpoint ${i} is missing (the next one is ${c.id}): checkpoints were deleted.`,
      );
    if (c.chainId !== chainId)
      return at('checkpoint-missing', `Checkpoint ${c.id} names another chain (${c.chainId}).`);
    if (prevCp && c.seq < prevCp.seq)
      return at('checkpoint-missing', `Checkpoint ${c.id} goes back to position ${c.seq}.`);
    if (opts.publicKey && !checkSignature(opts.publicKey, c))
      return at('bad-signature', `Checkpoint ${c.id} (position ${c.seq}) is not signed by the audit key.`);
    bySeq.set(c.seq, c);
    prevCp = c;
  }
  report.lastCheckpoint = prevCp ? { id: prevCp.id, seq: prevCp.seq, at: prevCp.at } : null;
  if (opts.publicKey && cps.length === 0) {
    const any = await db.selectFrom('audit_log').select('seq').limit(1).executeTakeFirst();
    if (any)
      return fail({
        seq: 1,
        action: null,
        at: null,
        reason: 'checkpoint-missing',
        message: 'The chain has records but no signed checkpoint, not even its signed start (checkpoint 0).',
      });
  }
  const genesis = bySeq.get(0);
  if (genesis && genesis.hash !== GENESIS)
    return fail({
      seq: 1,
      action: null,
      at: null,
      reason: 'rewritten',
      message: 'Checkpoint 0 does not start the chain.',
    });

  // Anchors name positions whose hash the walk must meet.
  const anchorAt = new Map<number, Checkpoint[]>();
  for (const a of anchors) {
    if (opts.publicKey && !checkSignature(opts.publicKey, a)) continue;
    const list = anchorAt.get(a.seq) ?? [];
    list.push(a);
    anchorAt.set(a.seq, list);
  }

  let prev = GENESIS;
  let expect = 1;
  let lastGoodCp = 0;
  let head: { seq: number; at: string } | null = null;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .select(['seq', 'prev_hash', 'hash', hashInputSql.as('input')])
      .where('seq', '>=', expect)
      .orderBy('seq')
      .limit(page)
      .execute();
    // The first broken record is named with its action and time, read again (the walk reads only hash inputs).
    const here = async (r: { seq: number }, reason: BrokenReason, message: string, seq = r.seq) => {
      const named = await db
        .selectFrom('audit_log')
        .select(['action', 'at'])
        .where('seq', '=', seq)
        .executeTakeFirst();
      return fail({ seq, action: named?.action ?? null, at: named?.at ?? null, reason, message });
    };
    // The hot loop: no closure or object per record (half the time went to garbage collection).
    for (const r of rows) {
      if (r.seq !== expect)
        return here(
          r,
          'missing',
          `Records ${expect}–${r.seq - 1} are missing: deleted from the chain.`,
          expect,
        );
      if (r.prev_hash !== prev)
        return here(
          r,
          'relinked',
          `Record ${r.seq} does not follow record ${r.seq - 1}: one of them was replaced.`,
        );
      const hash = chainHash(prev, r.input);
      if (hash !== r.hash) return here(r, 'edited', `Record ${r.seq} was changed after it was written.`);
      const cp = bySeq.get(r.seq);
      if (cp !== undefined) {
        if (cp.hash !== hash)
          return here(
            r,
            'rewritten',
            `Records ${lastGoodCp + 1}–${r.seq} were rewritten: the chain no longer matches signed checkpoint ${cp.id} (${cp.at}).`,
            lastGoodCp + 1,
          );
        lastGoodCp = r.seq;
      }
      const anchored = anchorAt.get(r.seq);
      if (anchored !== undefined)
        for (const a of anchored)
          if (a.hash !== hash)
            return here(
              r,
              'rewritten',
              `Records ${lastGoodCp + 1}–${r.seq} were rewritten: the chain no longer matches anchored checkpoint ${a.id} (${a.at}).`,
              lastGoodCp + 1,
            );
      prev = hash;
      expect = r.seq + 1;
    }
    const last = rows.at(-1);
    if (last) head = { seq: last.seq, at: '' }; // its time is read once, after the walk
    report.records += rows.length;
    if (rows.length < page) break;
  }
  if (head) {
    const newest = await db
      .selectFrom('audit_log')
      .select('at')
      .where('seq', '=', head.seq)
      .executeTakeFirst();
    head.at = newest?.at ?? '';
  }
  report.head = head;
  const end = head?.seq ?? 0;
  const gone = (c: Checkpoint, where: string) =>
    fail({
      seq: end + 1,
      action: null,
      at: null,
      reason: 'truncated',
      message: `The chain ends at record ${end}, but ${where} ${c.id} (${c.at}) covers records up to ${c.seq}: records ${end + 1}–${c.seq} were deleted.`,
    });
  for (const c of cps) if (c.seq > end) return gone(c, 'signed checkpoint');
  const ids = new Map(cps.map((c) => [c.id, c]));
  let newest: Checkpoint | undefined;
  for (const list of anchorAt.values()) for (const a of list) if (!newest || a.id > newest.id) newest = a;
  if (newest && newest.seq > end) return gone(newest, 'anchored checkpoint');
  for (const list of anchorAt.values())
    for (const a of list) {
      const c = ids.get(a.id);
      if (!c || c.seq !== a.seq || c.hash !== a.hash)
        return fail({
          seq: a.seq,
          action: null,
          at: null,
          reason: 'checkpoint-missing',
          message: `Anchored checkpoint ${a.id} (${a.at}, position ${a.seq}) is missing from the database or differs.`,
        });
    }
  return report;
}
