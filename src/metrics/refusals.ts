/**
 * Attacks made visible: refusals on the SMTP listeners and failed credentials on the HTTP server, counted
 * where they happen. Unlike the feed counters in ./metrics.ts these have no event in the store (a refused
 * client leaves no message behind), so the listeners call these directly; createMetrics puts them on its
 * registry. Made before the listeners start, so a refusal at start-up is not lost.
 *
 * Labels are bounded by construction: a listener name, a reason or limit from the code's own words, `api`
 * or `web`. Never an address or a user name: a guesser would otherwise grow a series per guess.
 */
import { Counter } from 'prom-client';
import type { RefusalCounters } from '../listener/refusal-counters.js';

/** The listeners' counters, and the prom-client metrics behind them for createMetrics to register. */
export interface CountedRefusals extends RefusalCounters {
  readonly metrics: readonly Counter<string>[];
}

/** Reasons are words from this code; anything else (a future caller's mistake) is `other`, never free text. */
const REASON = /^[a-z][a-z-]{0,31}$/;

export function createRefusalCounters(): CountedRefusals {
  const registers: never[] = []; // registered by createMetrics, on its own registry
  const smtp = new Counter({
    name: 'mailtrail_smtp_refusals_total',
    help: 'SMTP replies refusing a client, by listener and reason (limit, auth-failure, auth-user-budget, relay-attempt, timeout…), as in the *.refused log lines',
    labelNames: ['listener', 'reason'] as const,
    registers,
  });
  const byDoor = (name: string, help: string) => new Counter({ name, help, labelNames: ['via'] as const, registers });
  const failures = byDoor('mailtrail_http_auth_failures_total', 'Unknown bearer tokens (API, /metrics) and failed web sign-ins');
  const blocks = byDoor('mailtrail_http_auth_blocks_total', 'Client addresses that reached api.limits.max_auth_failures (each is answered 429 for the window)');
  const blocked = byDoor('mailtrail_http_auth_blocked_requests_total', 'Requests answered 429 because their client address is blocked for failed credentials');
  const connections = new Counter({
    name: 'mailtrail_http_connections_refused_total',
    help: 'HTTP connections refused with 503 at api.limits max_connections (total) or max_connections_per_ip (per-ip)',
    labelNames: ['limit'] as const,
    registers,
  });
  // Known label values start at 0, so rate() sees the first refusal instead of a series appearing at 1.
  for (const via of ['api', 'web'] as const) for (const c of [failures, blocks, blocked]) c.inc({ via }, 0);
  for (const limit of ['total', 'per-ip'] as const) connections.inc({ limit }, 0);
  for (const listener of ['submission', 'bounces'] as const) smtp.inc({ listener, reason: 'limit' }, 0);
  for (const reason of ['auth-failure', 'auth-user-budget', 'relay-attempt']) smtp.inc({ listener: 'submission', reason }, 0);

  return {
    smtpRefused: (listener, reason) => smtp.inc({ listener, reason: REASON.test(reason) ? reason : 'other' }),
    httpCredentialFailed: (via) => failures.inc({ via }),
    httpBlockStarted: (via) => blocks.inc({ via }),
    httpBlockedRequest: (via) => blocked.inc({ via }),
    httpConnectionRefused: (limit) => connections.inc({ limit }),
    metrics: [smtp, failures, blocks, blocked, connections],
  };
}
