/**
 * Mail server addresses that did not answer, remembered for a while (Exim's host retry records, Postfix's
 * dead destinations). A connection that timed out before any reply (no TCP connection within
 * `connect_timeout_ms`, or no greeting within `greeting_timeout_ms`) costs a delivery slot for up to five
 * minutes; every other session to that address would cost the same, and with many domains behind one dead
 * or tarpitting server the whole queue waited behind it while healthy destinations starved. So:
 *
 * - after such a timeout the address is skipped for `holdMs`: sessions try the next MX address, or defer
 *   with a recorded reason (error EUNRESPONSIVE), at once;
 * - while one of our connections has waited longer than a connect may take (`stalledAfterMs`) without a
 *   word from the server, new sessions do not join it (the waiting one keeps its full greeting time);
 * - once the hold is over one session tries the address (a probe) while the others keep skipping it, until
 *   that one is answered (the address is forgotten) or times out too (held again, twice as long, at most
 *   `maxHoldMs`). A probe that ends without either (a refusal, a stop) frees the turn after `probeMs`, one that
 *   never connected (`unprobe`) at once. Connections opened before a hold began that time out later are of
 *   the same outage: they do not lengthen it.
 *
 * Per process: another relay on the same database learns on its own, at the cost of one timeout.
 */

/** Why a session does not connect to an address now. */
export interface Skip {
  /** `held`: it timed out recently; `probing`: another session is trying it again; `stalled`: our connection to it waits unanswered. */
  reason: 'held' | 'probing' | 'stalled';
  /** When the address last failed to answer (held, probing), or since when our connection has waited (stalled). */
  since: number;
  /** When a session may try it again (held); null when that depends on another session's result. */
  until: number | null;
  /** What the timeout was ("no greeting within 300000 ms"). */
  why: string;
}

/** One connection being made: say how it ended (once; later calls do nothing). */
export interface Opening {
  /** The server replied (its greeting, even a refusal): it is alive. */
  answered(): void;
  /** It timed out without a reply: the address is held. */
  unanswered(why: string): void;
  /** Ended otherwise (refused, reset, stopping): nothing learned. */
  ended(): void;
}

interface Held {
  /** The first timeout of this outage (strikes in a row). */
  first: number;
  since: number;
  until: number;
  why: string;
  /** Timeouts in a row (the hold doubles). */
  strikes: number;
  /** A probe is under way until then. */
  probeUntil: number | null;
}

/** An address that did not answer, as the API and the metrics show it. */
export interface UnresponsiveAddress {
  /** `ip:port`. */
  address: string;
  /** When this outage's first timeout was. */
  first: number;
  /** When its last timeout was. */
  since: number;
  /** When a session may try it again (a probe); past: the next session to it is the probe. */
  until: number;
  /** Timeouts in a row (each doubles the hold). */
  strikes: number;
  /** What the last timeout was. */
  why: string;
}

/** An address's state changed: held (again, for longer), or heard from after a hold. For the log. */
export type HostChange =
  | { kind: 'held'; address: string; since: number; until: number; strikes: number; why: string }
  | { kind: 'answered'; address: string; heldSince: number };

export interface UnresponsiveHostsOptions {
  /** How long an address is skipped after a timeout; 0: never skipped. */
  holdMs: number;
  /** A connection unanswered for longer than this makes new sessions keep away. */
  stalledAfterMs: number;
  /** How long a probe may take before another session gets the turn. */
  probeMs: number;
  maxHoldMs?: number;
  now?: () => number;
  /** Addresses remembered at most (the oldest forgotten first). */
  maxEntries?: number;
  /** Told when an address is held and when a held one answers again (not for every skipped session). */
  onChange?: (change: HostChange) => void;
}

export class UnresponsiveHosts {
  private readonly held = new Map<string, Held>();
  /** Our connections waiting for a first word, per address: when each began. */
  private readonly waiting = new Map<string, Set<{ since: number }>>();
  private readonly now: () => number;
  private readonly maxHoldMs: number;
  private readonly maxEntries: number;

  constructor(private readonly o: UnresponsiveHostsOptions) {
    this.now = o.now ?? Date.now;
    this.maxHoldMs = o.maxHoldMs ?? Math.max(o.holdMs, 30 * 60_000);
    this.maxEntries = o.maxEntries ?? 10_000;
  }

  /**
   * Before opening a connection to `address` (ip and port): null to go ahead, possibly as the probe of a
   * held address (then the connection must report through `opening`), else why not.
   */
  check(address: string): Skip | null {
    if (this.o.holdMs <= 0) return null;
    const now = this.now();
    const h = this.held.get(address);
    if (h) {
      if (now < h.until) return { reason: 'held', since: h.since, until: h.until, why: h.why };
      if (h.probeUntil !== null && now < h.probeUntil) return { reason: 'probing', since: h.since, until: null, why: h.why };
      h.probeUntil = now + this.o.probeMs;
      return null;
    }
    const w = this.waiting.get(address);
    if (w) {
      for (const c of w) {
        if (now - c.since > this.o.stalledAfterMs) return { reason: 'stalled', since: c.since, until: null, why: `no reply for ${now - c.since} ms so far` };
      }
    }
    return null;
  }

  /** A probe's turn is taken for `address` now (a session `check` let through is trying it). */
  probing(address: string): boolean {
    const h = this.held.get(address);
    return h !== undefined && h.probeUntil !== null && this.now() < h.probeUntil;
  }

  /** How long the oldest of our connections to `address` still waiting for a first word has waited (0: none). */
  silentFor(address: string): number {
    const w = this.waiting.get(address);
    if (!w) return 0;
    const now = this.now();
    let oldest = 0;
    for (const c of w) oldest = Math.max(oldest, now - c.since);
    return oldest;
  }

  /** A connection to `address` begins. */
  opening(address: string): Opening {
    const entry = { since: this.now() };
    let set = this.waiting.get(address);
    if (!set) this.waiting.set(address, (set = new Set()));
    set.add(entry);
    let done = false;
    const end = () => {
      if (done) return false;
      done = true;
      set.delete(entry);
      if (set.size === 0 && this.waiting.get(address) === set) this.waiting.delete(address);
      return true;
    };
    return {
      answered: () => {
        if (!end()) return;
        const h = this.held.get(address);
        if (!h) return;
        this.held.delete(address);
        this.o.onChange?.({ kind: 'answered', address, heldSince: h.first });
      },
      unanswered: (why) => {
        if (!end() || this.o.holdMs <= 0) return;
        const now = this.now();
        const prev = this.held.get(address);
        // A connection opened before the current hold began is of the same outage (twenty sessions timing out
        // together are one strike, not twenty doublings to the maximum at once).
        if (prev && entry.since < prev.since) return;
        const strikes = (prev?.strikes ?? 0) + 1;
        const holdMs = Math.min(this.maxHoldMs, this.o.holdMs * 2 ** Math.min(strikes - 1, 10));
        this.held.delete(address); // re-inserted last: the map's order is the order of forgetting
        if (this.held.size >= this.maxEntries) this.held.delete(this.held.keys().next().value!);
        this.held.set(address, { first: prev?.first ?? now, since: now, until: now + holdMs, why, strikes, probeUntil: null });
        this.o.onChange?.({ kind: 'held', address, since: now, until: now + holdMs, strikes, why });
      },
      ended: () => {
        end();
      },
    };
  }

  /**
   * The session that `check` let through as the probe of a held address did not connect after all (turned away
   * by the address's queue, the relay stopping): the next session may probe instead of all waiting out `probeMs`.
   */
  unprobe(address: string): void {
    const h = this.held.get(address);
    if (h && h.probeUntil !== null) h.probeUntil = null;
  }

  /** The addresses not known to answer now (held, or their hold over and not answered yet), oldest hold first. */
  list(): UnresponsiveAddress[] {
    return [...this.held].map(([address, h]) => ({ address, first: h.first, since: h.since, until: h.until, strikes: h.strikes, why: h.why }));
  }
}
