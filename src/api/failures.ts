/**
 * Failed HTTP credentials (unknown bearer tokens, failed web sign-ins) per client address, shared by the
 * API and the web page: both take the same tokens, so a guesser gets one budget, not one per door. An
 * address that fails `max` times within `windowMs` of its first failure is blocked for `windowMs` from the
 * failure that reached the limit; while blocked its requests are answered 429 before their token is
 * looked up, so a guess costs no hash and no store query.
 *
 * Successes neither reset the count nor lift a block: a holder of a read token must not be able to guess
 * admin tokens between good requests. An IPv6 client is counted per prefix (src/listener/client-key.ts).
 * In memory on purpose, like the SMTP listeners' limits: it protects this process.
 */
import { clientKey } from '../listener/client-key.js';

export interface CredentialFailurePolicy {
  /** Failures within the window after which the address is blocked. */
  max: number;
  /** Window failures are counted in, from the first; and how long a block lasts. */
  windowMs: number;
  ipv6Prefix: number;
}

interface Entry {
  /** When the first failure of this window was. */
  since: number;
  count: number;
  /** 0 when not blocked. */
  blockedUntil: number;
}

/** Addresses remembered at most; the least recently failed goes first (memory stays bounded under a spray). */
const MAX_TRACKED = 50_000;

export class CredentialFailures {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly policy: CredentialFailurePolicy,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = MAX_TRACKED,
  ) {}

  /** How long `ip` must still wait before its credentials are checked again; 0 when it may try now. */
  retryAfterMs(ip: string): number {
    const e = this.entries.get(clientKey(ip, this.policy.ipv6Prefix));
    if (!e || e.blockedUntil === 0) return 0;
    return Math.max(e.blockedUntil - this.now(), 0);
  }

  /** Records a failure from `ip`; returns how long it is now blocked for (0: not blocked), and its count. */
  fail(ip: string): { blockedForMs: number; failures: number } {
    const key = clientKey(ip, this.policy.ipv6Prefix);
    const t = this.now();
    let e = this.entries.get(key);
    if (!e || (e.blockedUntil !== 0 ? t >= e.blockedUntil : t - e.since >= this.policy.windowMs)) e = { since: t, count: 0, blockedUntil: 0 };
    e.count++;
    if (e.count >= this.policy.max && e.blockedUntil === 0) e.blockedUntil = t + this.policy.windowMs;
    // Re-inserted, so the Map's first entry is the least recently failed.
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > this.maxTracked) this.entries.delete(this.entries.keys().next().value!);
    return { blockedForMs: e.blockedUntil === 0 ? 0 : e.blockedUntil - t, failures: e.count };
  }

  /** Addresses remembered now (tests). */
  get size(): number {
    return this.entries.size;
  }
}
