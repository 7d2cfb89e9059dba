/**
 * The retry schedule, as a pure function so it is testable and identical on every backend.
 * Postfix-like: the first retry after `min_delay_ms`, doubling with each failed attempt up to
 * `max_delay_ms` (Postfix: minimal_backoff_time 300 s, maximal_backoff_time 4000 s), then ± jitter so
 * that the recipients of one burst do not all come back at the same second.
 */
export interface RetryPolicy {
  min_delay_ms: number;
  max_delay_ms: number;
  /** Fraction, 0…1: the delay is multiplied by a factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

/** The delay after `attempts` failed attempts (1 = after the first), before jitter. */
export function baseDelay(attempts: number, policy: Pick<RetryPolicy, 'min_delay_ms' | 'max_delay_ms'>): number {
  const steps = Math.max(0, Math.floor(attempts) - 1);
  // 2 ** 60 would be exact but pointless; stop doubling once past the cap so the number stays finite.
  const doubled = steps >= 52 ? Number.MAX_SAFE_INTEGER : policy.min_delay_ms * 2 ** steps;
  return Math.min(doubled, policy.max_delay_ms);
}

/**
 * When to try again after `attempts` failed attempts. `random` is a number in [0, 1) (Math.random in
 * production, fixed in tests): 0 gives the earliest time, 0.5 the exact base delay. The jitter may take a
 * delay at the cap slightly past `max_delay_ms`; that is its purpose.
 */
export function nextAttemptAt(attempts: number, policy: RetryPolicy, now: number, random: number): number {
  const factor = 1 + policy.jitter * (2 * random - 1);
  return now + Math.max(1, Math.round(baseDelay(attempts, policy) * factor));
}
