/**
 * Connection slots of this scheduler: how many SMTP transactions may run at once, in all
 * (delivery.max_connections) and per destination domain (delivery.max_connections_per_domain, lowered
 * while the domain asks us to slow down, see throttle.ts). A job holds a slot only while it talks SMTP:
 * recording its attempt (a commit and a disk flush) happens after the slot is given back, so the next
 * transaction to that domain does not wait for our disk.
 *
 * Nor while it waits: a job waiting for a DNS answer or for a connection slot of a busy address lends its
 * global slot back (`SlotHold.lend`), so that a few destinations that cannot answer (name servers that time
 * out, a server that never greets) do not hold every slot while healthy ones starve; it takes one again
 * (`reclaim`) before it connects, ahead of any job not yet started. Jobs lent at once are bounded
 * (`maxLent`); past it a job keeps its slot while it waits. The per-domain count stays with the job all along.
 */
import { concurrencyFor, extraBackoffSteps, isPaused, onSuccess, onThrottled, type DomainThrottle, type ThrottlePolicy } from './throttle.js';

/** A job's hold on its slots, from its start until it is given back. */
export interface SlotHold {
  /**
   * Gives the global slot back while the job waits, for DNS answers or for a busy address; false (the slot
   * kept) when `maxLent` jobs are lent already. While a job of a domain waits for DNS, no other job of that
   * domain starts (they would wait for the same answer): see `mayStart` and `excluded`.
   */
  lend(reason: 'dns' | 'address'): boolean;
  /**
   * The job waits (for an address's slot, the other relays' shared slots, DNS, a silent server) keeping its
   * global slot, because it was not lent: a lent job that needs a slot back meanwhile takes this one, and
   * this job is lent from then on. Without this a job waiting for an address's slot a lent job holds, while
   * that lent job waits for the global slot the first one keeps, stood still until a timeout. The number of
   * jobs lent does not grow: one goes back to work for each one lent here.
   */
  offer(): void;
  /**
   * After `lend` or `offer`: a global slot again, before any job not yet started (at once when the slot was
   * never given up: the offer is withdrawn); false when `signal` fired first (still lent).
   */
  reclaim(signal?: AbortSignal): Promise<boolean>;
  /** Gives everything back (once, however often it is called). */
  release(): void;
}

export class DomainSlots {
  private connections = 0;
  private lentJobs = 0;
  /** Lent jobs waiting to take a slot again, first come first served. */
  private readonly reclaimers: (() => void)[] = [];
  /** Jobs waiting with their global slot, which a reclaimer may take (`SlotHold.offer`), first offered first. */
  private readonly offers: (() => void)[] = [];
  private readonly byDomain = new Map<string, number>();
  /** Jobs lent while they wait for DNS, per domain. */
  private readonly resolving = new Map<string, number>();
  private readonly throttles = new Map<string, DomainThrottle>();
  /** Called when a job lends its slot (the scheduler starts waiting jobs, and gives back those of a domain in DNS). */
  onLent: (domain: string, reason: 'dns' | 'address') => void = () => {};

  constructor(
    private readonly maxConnections: number,
    private readonly policy: ThrottlePolicy,
    private readonly maxLent = 0,
  ) {}

  /** Slots not in use, in all (those lent jobs wait to take again are in use). */
  get free(): number {
    return this.maxConnections - this.connections - this.reclaimers.length;
  }

  get inUse(): number {
    return this.connections + this.reclaimers.length;
  }

  /** Jobs whose slot is lent while they wait. */
  get lent(): number {
    return this.lentJobs;
  }

  /** The domain's limit now (lower while it is throttled). */
  limitFor(domain: string): number {
    return concurrencyFor(this.throttles.get(domain), this.policy);
  }

  /** May a transaction to this domain start now? */
  mayStart(domain: string, now: number): boolean {
    return (
      this.free > 0 && (this.byDomain.get(domain) ?? 0) < this.limitFor(domain) && !this.resolving.has(domain) && !isPaused(this.throttles.get(domain), now)
    );
  }

  /** Takes a slot (global and the domain's) for a job. */
  take(domain: string): SlotHold {
    this.byDomain.set(domain, (this.byDomain.get(domain) ?? 0) + 1);
    this.connections++;
    let state: 'held' | 'lent' | 'released' = 'held';
    let inDns = false;
    let waiter: (() => void) | null = null;
    let offered: (() => void) | null = null;
    const withdraw = () => {
      if (!offered) return;
      const i = this.offers.indexOf(offered);
      if (i >= 0) this.offers.splice(i, 1);
      offered = null;
    };
    const unwait = () => {
      if (!waiter) return;
      const i = this.reclaimers.indexOf(waiter);
      if (i >= 0) this.reclaimers.splice(i, 1);
      waiter = null;
    };
    const leave = () => {
      this.lentJobs--;
      if (!inDns) return;
      inDns = false;
      const n = (this.resolving.get(domain) ?? 1) - 1;
      if (n > 0) this.resolving.set(domain, n);
      else this.resolving.delete(domain);
    };
    return {
      lend: (reason) => {
        if (state !== 'held' || this.lentJobs >= this.maxLent) return false;
        withdraw();
        state = 'lent';
        this.lentJobs++;
        if (reason === 'dns') {
          inDns = true;
          this.resolving.set(domain, (this.resolving.get(domain) ?? 0) + 1);
        }
        this.connections--;
        this.serve();
        this.onLent(domain, reason);
        return true;
      },
      offer: () => {
        if (state !== 'held' || offered) return;
        offered = () => {
          // handOver() counts the slot as the reclaimer's.
          offered = null;
          state = 'lent';
          this.lentJobs++;
        };
        this.offers.push(offered);
        this.handOver();
      },
      reclaim: (signal) => {
        withdraw();
        if (state !== 'lent') return Promise.resolve(state === 'held');
        if (this.reclaimers.length === 0 && this.connections < this.maxConnections) {
          this.connections++;
          leave();
          state = 'held';
          return Promise.resolve(true);
        }
        if (signal?.aborted) return Promise.resolve(false);
        return new Promise<boolean>((resolve) => {
          const onAbort = () => {
            unwait();
            resolve(false);
          };
          waiter = () => {
            // serve() counted the slot as ours already.
            waiter = null;
            signal?.removeEventListener('abort', onAbort);
            leave();
            state = 'held';
            resolve(true);
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          this.reclaimers.push(waiter);
          this.handOver();
        });
      },
      release: () => {
        if (state === 'released') return;
        withdraw();
        if (state === 'held') {
          this.connections--;
        } else {
          unwait();
          leave();
        }
        state = 'released';
        const n = (this.byDomain.get(domain) ?? 1) - 1;
        if (n > 0) this.byDomain.set(domain, n);
        else this.byDomain.delete(domain);
        this.serve();
      },
    };
  }

  /** A global slot is free: lent jobs waiting to take one again come first. */
  private serve(): void {
    while (this.reclaimers.length > 0 && this.connections < this.maxConnections) {
      this.connections++;
      this.reclaimers.shift()!();
    }
  }

  /** Lent jobs waiting for a slot while every slot is taken: each takes the slot of a job that offered its own. */
  private handOver(): void {
    while (this.reclaimers.length > 0 && this.offers.length > 0 && this.connections >= this.maxConnections) {
      this.offers.shift()!();
      this.reclaimers.shift()!();
    }
  }

  /** Domains to leave out of the next claim: paused, full counting the jobs already waiting for them, or in DNS. */
  excluded(now: number, waiting: ReadonlyMap<string, number>): string[] {
    const out = new Set<string>();
    for (const [domain, t] of this.throttles) if (isPaused(t, now)) out.add(domain);
    for (const [domain, n] of this.byDomain) if (n + (waiting.get(domain) ?? 0) >= this.limitFor(domain)) out.add(domain);
    for (const domain of this.resolving.keys()) out.add(domain);
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
