/** A token bucket's shape: `burst` at once, then `perSecond` more each second. */
export interface BucketRule {
  burst: number;
  perSecond: number;
}

export interface ChatRateLimits {
  /** Messages (and handoff, identify) per visitor. */
  visitorMessages: BucketRule;
  /** Typing and receipt frames per visitor: cheap, but a loop sending them must not busy the service. */
  visitorSignals: BucketRule;
  /** Messages per client address, across all its visitors (one machine opening many widgets). */
  addressMessages: BucketRule;
  /** New visitors (a hello without a token) per client address. */
  addressNewVisitors: BucketRule;
  /** Socket connections per client address. */
  addressConnections: BucketRule;
  /** File uploads per visitor and per client address (chat files). */
  visitorFiles: BucketRule;
  addressFiles: BucketRule;
}

export const DEFAULT_CHAT_RATE_LIMITS: ChatRateLimits = {
  visitorMessages: { burst: 10, perSecond: 1 },
  visitorSignals: { burst: 30, perSecond: 5 },
  addressMessages: { burst: 60, perSecond: 10 },
  addressNewVisitors: { burst: 20, perSecond: 0.2 },
  addressConnections: { burst: 40, perSecond: 1 },
  visitorFiles: { burst: 5, perSecond: 0.1 },
  addressFiles: { burst: 20, perSecond: 0.5 },
};

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key, on the service's clock (so tests move time instead of waiting). Full buckets are
 * forgotten by sweep(): memory follows the visitors and addresses active lately, not all ever seen.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => Date) {}

  /** Takes one token; null when allowed, else the whole seconds until one is there again. */
  take(key: string, rule: BucketRule): number | null {
    const t = this.now().getTime();
    const b = this.buckets.get(key) ?? { tokens: rule.burst, at: t };
    b.tokens = Math.min(rule.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * rule.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rule.perSecond));
  }

  /** Drops buckets that have refilled (the rule of each key is not kept: a minute idle refills every rule here). */
  sweep(idleMs = 60_000): void {
    const t = this.now().getTime();
    for (const [k, b] of this.buckets) if (t - b.at > idleMs) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }
}
