/**
 * Connection slots of this scheduler: how many SMTP transactions may run at once, in all
 * (delivery.max_connections) and per destination domain (delivery.max_connections_per_domain, lowered
 * while the domain asks us to slow down, see throttle.ts). A job holds a slot only while it talks SMTP:
 * recording its attempt (a commit and a disk flush) happens after the slot is given back, so the next
 * transaction to that domain does not wait for our disk.
 */
import { concurrencyFor, extraBackoffSteps, isPaused, onSuccess, onThrottled, type DomainThrottle, type ThrottlePolicy } from './throttle.js';

export class DomainSlots {
  private connections = 0;
  private readonly byDomain = new Map<string, number>();
  private readonly throttles = new Map<string, DomainThrottle>();

  constructor(
    private readonly maxConnections: number,
    private readonly policy: ThrottlePolicy,
  ) {}

  /** Slots not in use, in all. */
  get free(): number {
    return this.maxConnections - this.connections;
  }

  get inUse(): number {
    return this.connections;
  }

  /** The domain's limit now (lower while it is throttled). */
  limitFor(domain: string): number {
    return concurrencyFor(this.throttles.get(domain), this.policy);
  }

  /** May a transaction to this domain start now? */
  mayStart(domain: string, now: number): boolean {
    return this.connections < this.maxConnections && (this.byDomain.get(domain) ?? 0) < this.limitFor(domain) && !isPaused(this.throttles.get(domain), now);
  }

  /** Takes a slot; the returned function gives it back (once, however often it is called). */
  take(domain: string): () => void {
    this.byDomain.set(domain, (this.byDomain.get(domain) ?? 0) + 1);
    this.connections++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.connections--;
      const n = (this.byDomain.get(domain) ?? 1) - 1;
      if (n > 0) this.byDomain.set(domain, n);
      else this.byDomain.delete(domain);
    };
  }

  /** Domains to leave out of the next claim: paused, or full counting the jobs already waiting for them. */
  excluded(now: number, waiting: ReadonlyMap<string, number>): string[] {
    const out = new Set<string>();
    for (const [domain, t] of this.throttles) if (isPaused(t, now)) out.add(domain);
    for (const [domain, n] of this.byDomain) if (n + (waiting.get(domain) ?? 0) >= this.limitFor(domain)) out.add(domain);
    return [...out];
  }

  /** The destination asked us to slow down: its new state. */
  throttled(domain: string, now: number): DomainThrottle {
    const t = onThrottled(this.throttles.get(domain), this.policy, now);
    this.throttles.set(domain, t);
    return t;
  }

  /** An attempt delivered: true when this ended the domain's slow-down. */
  succeeded(domain: string): boolean {
    if (!this.throttles.has(domain)) return false;
    const t = onSuccess(this.throttles.get(domain), this.policy);
    if (t) {
      this.throttles.set(domain, t);
      return false;
    }
    this.throttles.delete(domain);
    return true;
  }

  /** Retry-ladder steps a throttled domain's deferrals skip. */
  skipSteps(domain: string): number {
    return extraBackoffSteps(this.throttles.get(domain));
  }

  /** The domain's slow-down, if it is under one. */
  throttleOf(domain: string): DomainThrottle | undefined {
    return this.throttles.get(domain);
  }

  throttleStates(): Record<string, DomainThrottle> {
    return Object.fromEntries(this.throttles);
  }

  /**
   * Slow-downs other relays recorded (the shared store): each is followed when it is stricter than what
   * this relay knows (a lower limit, a later pause), so a receiver that asked one relay to slow down is
   * spared by all of them.
   */
  adopt(shared: readonly { domain: string; limit: number; level: number; pausedUntil: number }[]): void {
    for (const s of shared) {
      const mine = this.throttles.get(s.domain);
      if (!mine || s.limit < mine.limit || s.pausedUntil > mine.pausedUntil) {
        this.throttles.set(s.domain, {
          limit: Math.min(s.limit, mine?.limit ?? s.limit),
          level: Math.max(s.level, mine?.level ?? 0),
          pausedUntil: Math.max(s.pausedUntil, mine?.pausedUntil ?? 0),
          successes: 0,
        });
      }
    }
  }
}
