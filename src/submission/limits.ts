/**
 * AUTH failures per client IP (an IPv6 client: per prefix, src/listener/client-key.ts) within a sliding
 * window, shared by the submission listeners. In memory on purpose: it protects this process, and a
 * restart forgetting it is harmless. (Connection slots are src/listener/admission.ts.)
 */
import { clientKey } from '../listener/client-key.js';

export interface AuthFailurePolicy {
  /** Failures after which each further AUTH from the IP is delayed. */
  beforeDelay: number;
  delayMs: number;
  /** Failures after which the IP is told 421 and disconnected (and refused until the window passes). */
  max: number;
  windowMs: number;
  /** IPv6 clients are counted per prefix of this length; IPv4 clients per address. */
  ipv6Prefix: number;
}

// Bounds memory under a spray of source addresses; the oldest entries go first.
const MAX_TRACKED_IPS = 50_000;

export class AuthFailures {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly policy: AuthFailurePolicy) {}

  /** Failures from `ip` (and the rest of its IPv6 prefix) still inside the window. */
  count(ip: string, now: number): number {
    return this.countKey(clientKey(ip, this.policy.ipv6Prefix), now);
  }

  private countKey(ip: string, now: number): number {
    const list = this.failures.get(ip);
    if (!list) return 0;
    const fresh = list.filter((t) => now - t < this.policy.windowMs);
    if (fresh.length === 0) this.failures.delete(ip);
    else if (fresh.length !== list.length) this.failures.set(ip, fresh);
    return fresh.length;
  }

  /** Records one failure and returns the count inside the window, this one included. */
  record(address: string, now: number): number {
    const ip = clientKey(address, this.policy.ipv6Prefix);
    const n = this.countKey(ip, now);
    const list = this.failures.get(ip) ?? [];
    list.push(now);
    this.failures.delete(ip); // re-insert: Map order is then least recently failed first
    this.failures.set(ip, list.slice(-this.policy.max));
    if (this.failures.size > MAX_TRACKED_IPS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return n + 1;
  }

  /** How long to hold the next AUTH reply for this IP (the same for success and failure). */
  delayFor(ip: string, now: number): number {
    return this.count(ip, now) >= this.policy.beforeDelay ? this.policy.delayMs : 0;
  }

  isBlocked(ip: string, now: number): boolean {
    return this.count(ip, now) >= this.policy.max;
  }
}
