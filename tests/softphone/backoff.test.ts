import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/renderer/softphone';

describe('reconnect backoff', () => {
  it('doubles from the minimum up to the cap', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1000, 30_000, mid))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it('spreads attempts by +-20 % and never exceeds the cap', () => {
    expect(backoffDelay(1, 1000, 30_000, () => 0)).toBe(800);
    expect(backoffDelay(1, 1000, 30_000, () => 0.999999)).toBe(1200);
    expect(backoffDelay(10, 1000, 30_000, () => 0.999999)).toBe(30_000);
    expect(backoffDelay(10, 1000, 30_000, () => 0)).toBe(24_000);
  });
});
