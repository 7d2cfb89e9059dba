/**
 * Slowing down for destinations that say "too fast" (421, 4.7.x rate limited, too many connections):
 * the domain drops to one connection and is paused for a while, and its deferred recipients skip ahead
 * on the retry ladder; after a run of successes the limit doubles back towards the configured maximum.
 * Pure functions over a small per-domain record; the scheduler keeps the records in memory (a restart
 * forgets them, which errs on the side of trying again at full speed, like Postfix).
 */
export interface ThrottlePolicy {
  /** The domain's normal connection limit (delivery.max_connections_per_domain). */
  maxConcurrency: number;
  /** Pause after the first throttle signal; doubles with each further one. */
  basePauseMs: number;
  maxPauseMs: number;
  /** Successful attempts (at the current limit) before the limit doubles again. */
  successesToEase: number;
}

export interface DomainThrottle {
  /** Connections allowed now. */
  limit: number;
  /** How many throttle signals without easing: 1 after the first. Also how many steps deferrals skip. */
  level: number;
  /** No new attempt to this domain starts before this time. */
  pausedUntil: number;
  /** Successes since the last change. */
  successes: number;
}

export function onThrottled(state: DomainThrottle | undefined, policy: ThrottlePolicy, now: number): DomainThrottle {
  const level = (state?.level ?? 0) + 1;
  return { limit: 1, level, pausedUntil: now + pauseFor(level, policy), successes: 0 };
}

/** After an attempt that delivered and was not throttled. `undefined`: the domain is back to normal. */
export function onSuccess(state: DomainThrottle | undefined, policy: ThrottlePolicy): DomainThrottle | undefined {
  if (!state) return undefined;
  const successes = state.successes + 1;
  if (successes < policy.successesToEase) return { ...state, successes };
  const limit = Math.min(policy.maxConcurrency, state.limit * 2);
  const level = Math.max(0, state.level - 1);
  if (limit >= policy.maxConcurrency && level === 0) return undefined;
  return { limit, level, pausedUntil: state.pausedUntil, successes: 0 };
}

export function pauseFor(level: number, policy: ThrottlePolicy): number {
  if (level <= 0) return 0;
  return Math.min(policy.maxPauseMs, policy.basePauseMs * 2 ** Math.min(level - 1, 40));
}

export function concurrencyFor(state: DomainThrottle | undefined, policy: ThrottlePolicy): number {
  return state ? Math.min(state.limit, policy.maxConcurrency) : policy.maxConcurrency;
}

export function isPaused(state: DomainThrottle | undefined, now: number): boolean {
  return state !== undefined && state.pausedUntil > now;
}

/** Extra retry-ladder steps for recipients deferred by a throttled domain: a longer delay than a plain 4xx. */
export function extraBackoffSteps(state: DomainThrottle | undefined): number {
  return state?.level ?? 0;
}
