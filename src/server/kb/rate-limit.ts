/**
 * A fixed-window limit per key (a client address, a web-chat visitor): at most `limit` takes per `windowMs`.
 * In memory, per node: behind a balancer with N nodes a key gets at most N times the limit, still bounded.
 * Keys are forgotten once their window is over; past MAX_KEYS the oldest windows are dropped first, so a flood
 * of new addresses cannot grow memory without bound.
 */
const MAX_KEYS = 50_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly rule: { limit: number; windowMs: number }) {}

  /** 0 when allowed (and counted); otherwise the whole seconds to wait. */
  take(key: string, nowMs: number): number {
    const w = this.windows.get(key);
    if (!w || nowMs - w.start >= this.rule.windowMs) {
      this.windows.delete(key);
      this.windows.set(key, { start: nowMs, count: 1 });
      this.prune(nowMs);
      return 0;
    }
    if (w.count < this.rule.limit) {
      w.count++;
      return 0;
    }
    return Math.max(1, Math.ceil((w.start + this.rule.windowMs - nowMs) / 1000));
  }

  private prune(nowMs: number): void {
    if (this.windows.size <= MAX_KEYS) return;
    // Insertion order is window-start order: the first entries are the oldest.
    for (const [k, w] of this.windows) {
      if (this.windows.size <= MAX_KEYS && nowMs - w.start < this.rule.windowMs) break;
      this.windows.delete(k);
    }
  }
}
