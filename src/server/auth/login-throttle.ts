import { isIPv4, isIPv6 } from 'node:net';
import { SwitchboardError } from '../../shared';
import { auditedTransaction, writeAudit } from '../audit/audit-log';
import type { Database, Db, Tx } from '../db/schema';
import { findUserByUsername } from '../directory/directory-store';

/**
 * Sign-in throttling, per user name typed and per client address.
 *
 * Each key counts its failures. Up to `delayAfter` failures cost nothing; from there each failure makes the
 * next try wait twice as long (baseDelaySeconds, then 2x, 4x, ...); at `lockoutAfter` failures the key is
 * locked for `lockoutSeconds`. A refused try is not checked at all (a right password is refused too) and does
 * not count as a failure, so hammering a locked key neither extends the lockout nor costs a password hash.
 * `lockoutSeconds` after its last failure a key is forgotten: a lockout ends on its own, always.
 *
 * The trade-off (anyone may type anyone's user name): an attacker can keep an account locked only by failing
 * `lockoutAfter` times again every `lockoutSeconds`, and the address limit caps what one address can do that
 * way: with the defaults, one address (an IPv6 /64 counts as one) can hold at most 50 / 10 = 5 accounts locked
 * at a time. Locking many accounts for long takes many addresses, and every lockout leaves an audit record.
 * An administrator who sets a new password lifts the account's lockout. Behind a reverse proxy every client
 * has the proxy's address: raise the address limits there (X-Forwarded-For is not trusted).
 *
 * The audit log stays bounded: no record per failed try. Each key writes one `auth.lockout` record when it
 * locks and one `auth.login_failures` record with its counts (failures, refused tries, first and last) when it
 * is forgotten or, for an account, at its next successful sign-in: at most two records per key per
 * `lockoutSeconds`, however many tries are made.
 */

export interface ThrottleRule {
  /** Failures before the next try has to wait. */
  delayAfter: number;
  /** Failures that lock the key for lockoutSeconds. */
  lockoutAfter: number;
}

export interface LoginThrottleOptions {
  account: ThrottleRule;
  address: ThrottleRule;
  /** The first wait, doubled at each further failure. */
  baseDelaySeconds: number;
  /** How long a lockout lasts, and how long failures are remembered after the last one. */
  lockoutSeconds: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  account: { delayAfter: 3, lockoutAfter: 10 },
  // Higher than the account's: a contact center's agents often share one office address.
  address: { delayAfter: 10, lockoutAfter: 50 },
  baseDelaySeconds: 1,
  lockoutSeconds: 15 * 60,
};

/** Checks a configuration, naming the setting that is wrong. */
export function checkThrottleOptions(o: LoginThrottleOptions): LoginThrottleOptions {
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`${name} must be a whole number of at least 1, got ${v}.`);
  };
  for (const kind of ['account', 'address'] as const) {
    positive(`The ${kind} delayAfter`, o[kind].delayAfter);
    positive(`The ${kind} lockoutAfter`, o[kind].lockoutAfter);
    if (o[kind].lockoutAfter < o[kind].delayAfter)
      throw new Error(`The ${kind} lockoutAfter must not be lower than its delayAfter.`);
  }
  positive('baseDelaySeconds', o.baseDelaySeconds);
  positive('lockoutSeconds', o.lockoutSeconds);
  return o;
}

type Kind = 'account' | 'address';
type Row = Database['login_throttle'];

const throttleRow = (trx: Tx, key: string) =>
  trx.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();

const accountKey = (username: string) => `account:${username.trim().toLowerCase()}`;
const addressKey = (address: string | undefined) => `address:${clientAddress(address)}`;

/** The address a client is counted under: IPv4 as is, IPv6 by its /64 (one subscriber's usual share). */
export function clientAddress(raw: string | undefined): string {
  if (!raw) return 'unknown';
  const v4 = raw.startsWith('::ffff:') ? raw.slice(7) : raw;
  if (isIPv4(v4)) return v4;
  if (!isIPv6(raw)) return raw;
  const [head = '', tail = ''] = raw.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = raw.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export class LoginThrottle {
  /** Tries per account key counted in advance and not yet ended (this process only: a crash leaves failures). */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly opts: LoginThrottleOptions,
    private readonly now: () => Date,
  ) {}

  /**
   * Before a password is checked: refuses (too_many_attempts) while either key waits or is locked, else counts
   * the try as a failure already, so parallel tries cannot all slip in before the first one fails.
   */
  async begin(username: string, address: string | undefined): Promise<Attempt> {
    const keys: [Kind, string][] = [
      ['account', accountKey(username)],
      ['address', addressKey(address)],
    ];
    const now = this.now();
    const refusal = await auditedTransaction(this.db, async (trx) => {
      let wait = 0;
      let by: Kind = 'account';
      const rows = new Map<string, Row>();
      for (const [kind, key] of keys) {
        let row = await throttleRow(trx, key);
        if (row && this.forgotten(row, now)) {
          await rollUp(trx, row, now);
          row = undefined;
        }
        if (!row) continue;
        rows.set(key, row);
        const w = this.waitSeconds(kind, row, now);
        if (w > wait) [wait, by] = [w, kind];
      }
      if (wait > 0) {
        for (const [kind, key] of keys) {
          if (this.waitSeconds(kind, rows.get(key), now) > 0)
            await trx
              .updateTable('login_throttle')
              .set((eb) => ({ refused: eb('refused', '+', 1) }))
              .where('key', '=', key)
              .execute();
        }
        // Returned, not thrown: the refused count must be committed.
        return { wait, by };
      }
      const at = now.toISOString();
      for (const [, key] of keys) {
        await trx
          .insertInto('login_throttle')
          .values({ key, failures: 1, refused: 0, first_failure_at: at, last_failure_at: at })
          .onConflict((oc) =>
            // Qualified: in PostgreSQL's DO UPDATE a bare name could also be the proposed (excluded) row's.
            oc.column('key').doUpdateSet((eb) => ({
              failures: eb('login_throttle.failures', '+', 1),
              last_failure_at: at,
            })),
          )
          .execute();
      }
      return null;
    });
    if (refusal) {
      throw new SwitchboardError(
        'too_many_attempts',
        refusal.by === 'account'
          ? `Too many failed sign-ins for this user name; try again in ${seconds(refusal.wait)}.`
          : `Too many failed sign-ins from your network address; try again in ${seconds(refusal.wait)}.`,
        undefined,
        refusal.wait,
      );
    }
    const account = accountKey(username);
    this.inFlight.set(account, (this.inFlight.get(account) ?? 0) + 1);
    const done = () => {
      const n = (this.inFlight.get(account) ?? 1) - 1;
      if (n > 0) this.inFlight.set(account, n);
      else this.inFlight.delete(account);
    };
    return {
      succeeded: async (trx) => {
        try {
          await this.succeeded(trx, keys);
        } finally {
          done();
        }
      },
      failed: async (userId) => {
        done();
        await this.failed(keys, userId);
      },
    };
  }

  /** Writes the counts of every key not failed for lockoutSeconds to the audit log and forgets them. */
  async sweep(limit = 500): Promise<number> {
    const now = this.now();
    const cutoff = new Date(now.getTime() - this.opts.lockoutSeconds * 1000).toISOString();
    return auditedTransaction(this.db, async (trx) => {
      const rows = await trx
        .selectFrom('login_throttle')
        .selectAll()
        .where('last_failure_at', '<=', cutoff)
        .limit(limit)
        .execute();
      for (const row of rows) await rollUp(trx, row, now);
      return rows.length;
    });
  }

  private forgotten(row: Row, now: Date): boolean {
    return now.getTime() - Date.parse(row.last_failure_at) >= this.opts.lockoutSeconds * 1000;
  }

  /** Seconds until the key may try again; 0 when it may now. */
  private waitSeconds(kind: Kind, row: Row | undefined, now: Date): number {
    if (!row) return 0;
    const rule = this.opts[kind];
    let delay = 0;
    if (row.failures >= rule.lockoutAfter) delay = this.opts.lockoutSeconds;
    else if (row.failures >= rule.delayAfter)
      delay = Math.min(
        this.opts.lockoutSeconds,
        this.opts.baseDelaySeconds * 2 ** (row.failures - rule.delayAfter),
      );
    const until = Date.parse(row.last_failure_at) + delay * 1000;
    return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
  }

  /** The password was right: the account starts afresh; the address gets back the try counted in advance. */
  private async succeeded(trx: Tx, keys: [Kind, string][]): Promise<void> {
    const now = this.now();
    for (const [kind, key] of keys) {
      const row = await throttleRow(trx, key);
      if (!row) continue;
      if (kind === 'account') {
        // Tries of this name still being checked were counted in advance too: they are not failures (yet),
        // so they are neither reported nor forgotten, and stay counted until they end.
        const others = (this.inFlight.get(key) ?? 1) - 1;
        const failures = row.failures - 1 - others;
        if (failures > 0 || row.refused > 0)
          await rollUp(trx, { ...row, failures: Math.max(0, failures) }, now);
        else await trx.deleteFrom('login_throttle').where('key', '=', key).execute();
        if (others > 0) {
          const at = now.toISOString();
          await trx
            .insertInto('login_throttle')
            .values({ key, failures: others, refused: 0, first_failure_at: at, last_failure_at: at })
            .execute();
        }
      } else if (row.failures <= 1 && row.refused === 0) {
        await trx.deleteFrom('login_throttle').where('key', '=', key).execute();
      } else {
        await trx
          .updateTable('login_throttle')
          .set((eb) => ({ failures: eb('failures', '-', 1) }))
          .where('key', '=', key)
          .execute();
      }
    }
  }

  /** The password was wrong (already counted): a key that reached its lockout now leaves one audit record. */
  private async failed(keys: [Kind, string][], userId: string | null): Promise<void> {
    const now = this.now();
    await auditedTransaction(this.db, async (trx) => {
      for (const [kind, key] of keys) {
        const row = await throttleRow(trx, key);
        if (row?.failures !== this.opts[kind].lockoutAfter) continue;
        await writeAudit(trx, {
          at: now.toISOString(),
          actorId: null,
          action: 'auth.lockout',
          subjectId: kind === 'account' ? userId : null,
          detail: {
            [kind === 'account' ? 'username' : 'address']: key.slice(kind.length + 1),
            failures: row.failures,
            until: new Date(Date.parse(row.last_failure_at) + this.opts.lockoutSeconds * 1000).toISOString(),
          },
        });
      }
    });
  }
}

/** A try in progress: say how it ended. */
export interface Attempt {
  /** Inside the transaction that records the sign-in. */
  succeeded(trx: Tx): Promise<void>;
  /** userId: the account the name belongs to, if any. */
  failed(userId: string | null): Promise<void>;
}

/** Lifts an account's lockout (an administrator set a new password), keeping its counts in the audit log. */
export async function liftAccountLockout(trx: Tx, username: string, now: Date): Promise<void> {
  const row = await throttleRow(trx, accountKey(username));
  if (row) await rollUp(trx, row, now);
}

/** One record for a key's whole run of failures, then the key is forgotten. */
async function rollUp(trx: Tx, row: Row, now: Date): Promise<void> {
  const [kind, ...rest] = row.key.split(':');
  const name = rest.join(':');
  const user = kind === 'account' ? await findUserByUsername(trx, name) : undefined;
  if (row.failures > 0 || row.refused > 0)
    await writeAudit(trx, {
      at: now.toISOString(),
      actorId: null,
      action: 'auth.login_failures',
      subjectId: user?.id ?? null,
      detail: {
        [kind === 'account' ? 'username' : 'address']: name,
        failures: row.failures,
        refused: row.refused,
        from: row.first_failure_at,
        to: row.last_failure_at,
      },
    });
  await trx.deleteFrom('login_throttle').where('key', '=', row.key).execute();
}

const seconds = (n: number) => (n === 1 ? '1 second' : `${n} seconds`);
