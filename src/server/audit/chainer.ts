import { sql } from 'kysely';
import { createHash, randomUUID } from 'node:crypto';
import { dialectOf } from '../db/open';
import type { Database, Db, Tx } from '../db/schema';
import { appendAnchors, type AuditSigner, type Checkpoint } from './keys';

/** The hash before the first record, and the hash of checkpoint 0. */
export const GENESIS = '0'.repeat(64);

type Fields = Pick<
  Database['audit_log'],
  'seq' | 'at' | 'actor_id' | 'source' | 'action' | 'subject_id' | 'detail'
>;

/** Between fields: a character no stored field contains (see `clean`; JSON text escapes it anyway). */
const SEP = '\u001f';

/** A field that may be null: '' for null, '+' and the text otherwise, so null and '' hash differently. */
const opt = (v: string | null) => (v === null ? '' : `+${v}`);

/**
 * What a record's hash covers besides the previous hash: its position and its fields exactly as stored (detail
 * is the stored JSON text, never re-serialised), joined by SEP. Unambiguous because no stored field contains
 * SEP (the chainer replaces it): the 7 separators are exactly the joins, so text cannot move from one field to
 * the next unseen. hashInputSql builds the same text in the database (SQLite and PostgreSQL alike).
 */
export function hashInput(r: Fields): string {
  return (
    r.seq +
    SEP +
    r.at +
    SEP +
    opt(r.actor_id) +
    SEP +
    opt(r.source) +
    SEP +
    r.action +
    SEP +
    opt(r.subject_id) +
    SEP +
    r.detail
  );
}

/** hashInput as a column, computed by the store: the verifier reads one string per record instead of seven. */
export const hashInputSql = sql<string>`CAST(seq AS TEXT) || ${SEP} || at || ${SEP} || COALESCE(${'+'} || actor_id, '') || ${SEP} || COALESCE(${'+'} || source, '') || ${SEP} || action || ${SEP} || COALESCE(${'+'} || subject_id, '') || ${SEP} || detail`;

/** SHA-256 (hex) of the previous record's hash and this record's hashInput. */
export function chainHash(prev: string, input: string): string {
  return createHash('sha256')
    .update(prev + SEP + input)
    .digest('hex');
}

export function recordHash(prev: string, r: Fields): string {
  return chainHash(prev, hashInput(r));
}

/** A field as the chain stores it: never containing SEP. */
function clean<T extends string | null>(v: T): T {
  return (v !== null && v.includes(SEP) ? v.replaceAll(SEP, '\ufffd') : v) as T;
}

export interface ChainOptions {
  /** Without one, records are chained but no checkpoint is written (a test or tool without the key). */
  signer?: AuditSigner;
  /** A checkpoint at least every this many records (default 1,000). */
  checkpointEvery?: number;
  /** ... and at most this long after a record is chained (default 10 s). */
  checkpointSeconds?: number;
  /** Records chained per transaction at most (default 5,000). */
  page?: number;
  now?: () => Date;
  /** PostgreSQL: wait for another node's chainer instead of leaving the work to it. */
  wait?: boolean;
}

export const DEFAULT_CHECKPOINT_EVERY = 1000;
export const DEFAULT_CHECKPOINT_SECONDS = 10;

/** Any fixed number: the transaction-level advisory lock that lets one chainer of all nodes run at a time. */
const CHAINER_LOCK = 0x5b_a0d17;

/** SQLite: one chainer per database handle in this process (the store has one writer anyway). */
const running = new WeakMap<object, Promise<unknown>>();

const INSERT_CHUNK = 500;

/**
 * One chainer transaction: takes the chainer lock, reads the chain's end, gives the oldest committed pending
 * records the next positions and hashes (moving them into audit_log), and signs a checkpoint when due.
 * Returns how many it chained and the checkpoints it wrote (already anchored), or busy when another node's
 * chainer holds the lock.
 */
async function chainOnce(
  trx: Tx,
  opts: ChainOptions,
): Promise<{ chained: number; checkpoints: Checkpoint[]; busy: boolean; full: boolean }> {
  const pg = dialectOf(trx) === 'postgres';
  if (pg) {
    if (opts.wait) await sql`SELECT pg_advisory_xact_lock(${CHAINER_LOCK})`.execute(trx);
    else {
      const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${CHAINER_LOCK}) AS ok`.execute(
        trx,
      );
      if (!got.rows[0]?.ok) return { chained: 0, checkpoints: [], busy: true, full: false };
    }
  } else {
    // Take SQLite's write lock first (waiting out busy_timeout): a transaction that read the chain's end and then
    // found another connection had written since could not write at all.
    await sql`DELETE FROM audit_pending WHERE 0 = 1`.execute(trx);
  }
  const now = (opts.now ?? (() => new Date()))();
  const every = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const page = opts.page ?? 5000;
  const head = await trx
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS;
  const checkpoints: Checkpoint[] = [];
  const signer = opts.signer;
  let last: Checkpoint | undefined;
  if (signer) {
    const row = await trx
      .selectFrom('audit_checkpoints')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row)
      last = {
        id: row.id,
        chainId: row.chain_id,
        seq: row.seq,
        hash: row.hash,
        at: row.at,
        keyId: row.key_id,
        signature: row.signature,
      };
    else {
      // The chain's signed start: its chain_id tells this chain's anchors from other chains' in a shared file.
      last = signer.sign({ id: 0, chainId: randomUUID(), seq: 0, hash: GENESIS, at: now.toISOString() });
      checkpoints.push(last);
    }
  }
  const pending = await trx.selectFrom('audit_pending').selectAll().orderBy('id').limit(page).execute();
  const rows = pending.map((p) => {
    const r = {
      seq: ++seq,
      at: clean(p.at),
      actor_id: clean(p.actor_id),
      source: clean(p.source),
      action: clean(p.action),
      subject_id: clean(p.subject_id),
      detail: clean(p.detail),
      prev_hash: prev,
      hash: '',
    };
    r.hash = prev = recordHash(prev, r);
    // A checkpoint every `every` records exactly, however many this round chains.
    if (signer && last && seq - last.seq >= every) {
      last = signer.sign({ id: last.id + 1, chainId: last.chainId, seq, hash: prev, at: now.toISOString() });
      checkpoints.push(last);
    }
    return r;
  });
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const ids = pending.slice(i, i + INSERT_CHUNK).map((p) => p.id);
    await trx
      .insertInto('audit_log')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
    // Exactly the rows read: on PostgreSQL a lower id may commit later and must wait for the next round.
    await trx.deleteFrom('audit_pending').where('id', 'in', ids).execute();
  }
  if (signer && last && seq > last.seq) {
    const seconds = opts.checkpointSeconds ?? DEFAULT_CHECKPOINT_SECONDS;
    const dueByTime = now.getTime() - Date.parse(last.at) >= seconds * 1000;
    if (dueByTime) {
      last = signer.sign({ id: last.id + 1, chainId: last.chainId, seq, hash: prev, at: now.toISOString() });
      checkpoints.push(last);
    }
  }
  for (const c of checkpoints)
    await trx
      .insertInto('audit_checkpoints')
      .values({
        id: c.id,
        chain_id: c.chainId,
        seq: c.seq,
        hash: c.hash,
        at: c.at,
        key_id: c.keyId,
        signature: c.signature,
      })
      .execute();
  return { chained: rows.length, checkpoints, busy: false, full: rows.length === page };
}

/**
 * Chains every committed pending record (in rounds of `page`), signing checkpoints as they fall due. On
 * PostgreSQL only one node chains at a time; without `wait` a node finding another at work leaves it to it.
 * Checkpoints are appended to the anchors file after their transaction commits.
 */
export async function chainPending(
  db: Tx,
  opts: ChainOptions,
): Promise<{ chained: number; checkpoints: number }> {
  const pg = dialectOf(db) === 'postgres';
  const key = pg ? null : (db as object);
  const run = async () => {
    let chained = 0;
    let checkpoints = 0;
    for (;;) {
      // Without a signer no checkpoint can fall due: nothing pending, nothing to write (and no write lock taken,
      // which a verifier or test beside a running server should not take).
      if (!opts.signer && !(await db.selectFrom('audit_pending').select('id').limit(1).executeTakeFirst()))
        return { chained, checkpoints };
      const round = db.isTransaction
        ? await chainOnce(db, opts)
        : await (db as Db).transaction().execute((trx) => chainOnce(trx, opts));
      if (round.checkpoints.length > 0 && opts.signer?.anchorsPath)
        appendAnchors(opts.signer.anchorsPath, round.checkpoints);
      chained += round.chained;
      checkpoints += round.checkpoints.length;
      if (round.busy || !round.full) return { chained, checkpoints };
    }
  };
  if (!key) return run();
  // SQLite: rounds of one process never overlap (a second caller waits for the first, then runs).
  const before = running.get(key) ?? Promise.resolve();
  const mine = before.catch(() => {}).then(run);
  running.set(key, mine);
  try {
    return await mine;
  } finally {
    if (running.get(key) === mine) running.delete(key);
  }
}

/** Chainers of this process, nudged by writeAudits: records are chained soon after their transaction ends. */
const chainers = new Set<AuditChainer>();

export function nudgeChainers(): void {
  for (const c of chainers) c.nudge();
}

/**
 * Runs the chainer of one server: shortly after writes in this process (a nudge), and on a timer for records
 * other nodes wrote and for checkpoints due by time.
 */
export class AuditChainer {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Db,
    readonly opts: ChainOptions & { log: (line: string) => void; intervalMs?: number; nudgeMs?: number },
  ) {
    chainers.add(this);
    this.timer = setInterval(() => this.run(), opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  nudge(): void {
    if (this.closed || this.soon) return;
    // After the writer's transaction has most likely committed; the timer catches one that took longer.
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.run();
    }, this.opts.nudgeMs ?? 50);
    this.soon.unref();
  }

  private run(): void {
    if (this.closed) return;
    this.busy = this.busy
      .then(() => chainPending(this.db, this.opts))
      .catch((e: unknown) =>
        this.opts.log(
          `audit chaining failed (retried shortly): ${e instanceof Error ? e.message : String(e)}`,
        ),
      );
  }

  /** Everything committed so far, chained (waiting for another node's chainer when needed): before verifying. */
  async chainNow(): Promise<void> {
    const done = this.busy.then(() => chainPending(this.db, { ...this.opts, wait: true }));
    this.busy = done.catch(() => {});
    await done;
  }

  /** Stops the timers and chains what is committed (a failure is logged: the records wait in audit_pending). */
  async close(): Promise<void> {
    this.closed = true;
    chainers.delete(this);
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.busy;
    await chainPending(this.db, this.opts).catch((e: unknown) =>
      this.opts.log(`audit chaining at shutdown failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }
}
