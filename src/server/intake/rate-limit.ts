import { SwitchboardError } from '../../shared';
import type { Db } from '../db/schema';

export interface RateRule {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters in the database (intake_rate), so a limit holds across every node on one PostgreSQL
 * and across restarts: one upsert per request. Old windows are pruned by prune().
 */
export class RateLimiter {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  private window(rule: RateRule): { start: number; retryAfter: number } {
    const ms = rule.windowSeconds * 1000;
    const t = this.now().getTime();
    const start = t - (t % ms);
    return { start, retryAfter: Math.max(1, Math.ceil((start + ms - t) / 1000)) };
  }

  /** Counts one request under `key`; refuses with too_many_attempts (429, Retry-After) past the limit. */
  async take(key: string, rule: RateRule, what: string): Promise<void> {
    const { retryAfter } = this.window(rule);
    if ((await this.count(key, rule)) > rule.limit) throw tooMany(what, rule, retryAfter);
  }

  /** Counts one more under `key` in the current window; returns the window's count. */
  async count(key: string, rule: RateRule): Promise<number> {
    const { start } = this.window(rule);
    const row = await this.db
      .insertInto('intake_rate')
      .values({ key, window_ms: start, count: 1 })
      .onConflict((oc) =>
        oc.columns(['key', 'window_ms']).doUpdateSet((eb) => ({ count: eb('intake_rate.count', '+', 1) })),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Refuses when `key` already used up its window (read only: for failures counted by take()). */
  async check(key: string, rule: RateRule, what: string): Promise<void> {
    const { start, retryAfter } = this.window(rule);
    const row = await this.db
      .selectFrom('intake_rate')
      .select('count')
      .where('key', '=', key)
      .where('window_ms', '=', start)
      .executeTakeFirst();
    if (row && Number(row.count) >= rule.limit) throw tooMany(what, rule, retryAfter);
  }

  async prune(): Promise<void> {
    // Windows are at most an hour long here: anything older than two is over.
    await this.db
      .deleteFrom('intake_rate')
      .where('window_ms', '<', this.now().getTime() - 2 * 3_600_000)
      .execute();
  }
}

function tooMany(what: string, rule: RateRule, retryAfter: number): SwitchboardError {
  return new SwitchboardError(
    'too_many_attempts',
    `Too many requests ${what} (at most ${rule.limit} per ${rule.windowSeconds} s): try again in ${retryAfter} s.`,
    undefined,
    retryAfter,
  );
}
