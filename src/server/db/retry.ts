/**
 * PostgreSQL ends one of two transactions that wait on each other's row locks (deadlock_detected, 40P01) or
 * that a serializable snapshot cannot order (serialization_failure, 40001); the other goes on. The victim
 * did nothing, so running it again is the documented answer. SQLite, one writer, never raises these.
 */
const RETRYABLE = new Set(['40P01', '40001']);

export function isRetryableConflict(e: unknown): boolean {
  return typeof e === 'object' && e !== null && RETRYABLE.has(String((e as { code?: unknown }).code));
}

/**
 * Runs `work` (a whole transaction, safe to run again) up to `attempts` times while it loses such a conflict,
 * or another failure the caller knows a second run settles (`retryable`).
 */
export async function retryConflicts<T>(
  work: () => Promise<T>,
  attempts = 5,
  retryable: (e: unknown) => boolean = isRetryableConflict,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (attempt >= attempts || !retryable(e)) throw e;
      // A short, growing, jittered pause so the two do not collide again at once.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}
