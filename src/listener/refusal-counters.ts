/**
 * What the listeners report for /metrics: each refusal they log, by a bounded reason. Declared here, below
 * the listeners, so submission and bounces depend on this shape only; src/metrics/refusals.ts implements
 * it with prom-client counters and main.ts hands the same object to every listener and to the registry.
 */
export type SmtpListenerName = 'submission' | 'bounces';
export type HttpDoor = 'api' | 'web';

export interface RefusalCounters {
  /** A `submission.refused` / `inbound.refused` log line, by its `reason`. */
  smtpRefused(listener: SmtpListenerName, reason: string): void;
  /** An unknown bearer token or a failed web sign-in. */
  httpCredentialFailed(via: HttpDoor): void;
  /** A client address reached api.limits.max_auth_failures: its block starts. */
  httpBlockStarted(via: HttpDoor): void;
  /** A request answered 429 because its address is blocked (its token not looked up). */
  httpBlockedRequest(via: HttpDoor): void;
  /** An HTTP connection refused at admission (api.limits), before its request was read. */
  httpConnectionRefused(limit: 'total' | 'per-ip'): void;
}
