/**
 * Delay before reconnect attempt number `attempt` (1, 2, ...): min, 2*min, 4*min ... capped at max, with
 * +-20 % jitter so that many desktops do not hit a restarted PBX in the same instant.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(maxMs, Math.round(base * (0.8 + 0.4 * random())));
}
