/**
 * AUTH failures per user name, beside the per-address count (./limits.ts): a guesser who spreads guesses
 * over many addresses (a botnet, an IPv6 block) still spends one budget per user. Over the budget, AUTH for
 * that user is refused without a password check, except from the user's "known addresses": the addresses
 * (IPv6: /64s) it authenticated from successfully within the last days, OWASP's device cookie for SMTP. So
 * an app keeps sending from its own hosts while a guesser elsewhere is stopped.
 *
 * In memory, per process, on purpose (docs/security.md, "Password guessing spread over many addresses"):
 * a write per failed guess to a shared database would turn a botnet's guesses into database load, and a
 * restart forgetting the counts costs one more budget of guesses.
 */
import { createHash, createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { clientKey } from '../listener/client-key.js';

export interface UserBudgetPolicy {
  /** Failures within the window (from addresses not known for the user) after which AUTH is refused; 0 = off. */
  max: number;
  windowMs: number;
  /** How long a successful AUTH makes its address known for the user; 0 = no address is ever known. */
  knownMs: number;
  /** User names whose failures are kept (default 10,000); those over the budget get a tenth of it apart. */
  maxNames?: number;
  /**
   * The prefix an IPv6 address is known by (the per-address limits' `ipv6_prefix_length`, default 64): a
   * host may change the low bits at will (privacy addresses).
   */
  ipv6Prefix?: number;
}

/** What an admitted AUTH reports back once its password check is over. */
export interface UserBudgetAttempt {
  /** From a known (or trusted) address: neither counted nor refused. */
  readonly known: boolean;
  /** The password was right: the address becomes known. */
  succeeded(now: number): void;
  /** The password was wrong: counted unless the address is known. Returns the user's failures in the window. */
  failed(now: number): number;
  /** The check did not finish (the store threw): releases the reservation, counts nothing. */
  abandoned(): void;
}

// Bounds under a spray of user names: each entry is a name and at most `max` timestamps. A spray of
// single failures evicts the least recently failed names first, but never a user over the budget: those
// sit in their own, smaller table, and flushing it takes a full budget of failures per name pushed in.
const MAX_NAMES = 10_000;
// Known addresses exist only for names that authenticated, so real users; per user the least recently
// used address goes first (a fleet larger than this belongs in trusted_networks).
const MAX_KNOWN_USERS = 100_000;
const MAX_KNOWN_PER_USER = 64;
// Longer names are kept as a hash: a name may be as long as the AUTH line.
const MAX_KEY_CHARS = 128;

export class UserAuthBudget {
  private readonly counted = new Map<string, number[]>();
  private readonly overBudget = new Map<string, number[]>();
  /**
   * Checks admitted but not finished, per user and per password (as an HMAC under a key of this
   * process, held only while the check runs): a wave of parallel guesses cannot overshoot the budget,
   * and a fleet's burst of logins with its one password holds one place, not one per connection.
   */
  private readonly pending = new Map<string, Map<string, number>>();
  private readonly tagKey = createSecretKey(randomBytes(32));
  private readonly known = new Map<string, Map<string, number>>();

  private readonly maxCounted: number;
  private readonly maxOverBudget: number;

  constructor(private readonly policy: UserBudgetPolicy) {
    this.maxCounted = policy.maxNames ?? MAX_NAMES;
    this.maxOverBudget = Math.max(1, Math.floor(this.maxCounted / 10));
  }

  /**
   * Admits an AUTH for `user` from `ip` to its password check, or refuses it (null) because the user's
   * budget is spent and the address is not known for the user. `trusted`: the address is in
   * trusted_networks, which the operator vouches for as the apps' own.
   */
  admit(user: string, password: string, ip: string, trusted: boolean, now: number): UserBudgetAttempt | null {
    const key = userKey(user);
    const address = clientKey(ip, this.policy.ipv6Prefix ?? 64);
    const known = trusted || this.isKnown(key, address, now);
    const reserved = !known && this.policy.max > 0;
    let tag = '';
    if (reserved) {
      tag = createHmac('sha256', this.tagKey).update(password, 'utf8').digest('binary');
      const inFlight = this.pending.get(key) ?? new Map<string, number>();
      const places = inFlight.size + (inFlight.has(tag) ? 0 : 1);
      if (this.fresh(key, now).length + places > this.policy.max) return null;
      inFlight.set(tag, (inFlight.get(tag) ?? 0) + 1);
      this.pending.set(key, inFlight);
    }
    let open = true;
    const release = () => {
      if (!open) return false;
      open = false;
      const inFlight = reserved ? this.pending.get(key) : undefined;
      if (inFlight) {
        const n = (inFlight.get(tag) ?? 1) - 1;
        if (n > 0) inFlight.set(tag, n);
        else inFlight.delete(tag);
        if (inFlight.size === 0) this.pending.delete(key);
      }
      return true;
    };
    return {
      known,
      succeeded: (t) => {
        if (release()) this.remember(key, address, t);
      },
      failed: (t) => {
        if (!release() || known || this.policy.max === 0) return this.fresh(key, t).length;
        return this.record(key, t);
      },
      abandoned: () => {
        release();
      },
    };
  }

  /** The user's failures (from unknown addresses) still inside the window. */
  failures(user: string, now: number): number {
    return this.fresh(userKey(user), now).length;
  }

  /** How many user names the failure tables hold (both bounded). */
  get trackedUsers(): number {
    return this.counted.size + this.overBudget.size;
  }

  private fresh(key: string, now: number): number[] {
    const list = this.overBudget.get(key) ?? this.counted.get(key);
    if (!list) return [];
    const first = list.findIndex((t) => now - t < this.policy.windowMs);
    return first < 0 ? [] : first === 0 ? list : list.slice(first);
  }

  private record(key: string, now: number): number {
    const list = [...this.fresh(key, now), now].slice(-this.policy.max);
    this.counted.delete(key);
    this.overBudget.delete(key);
    // Re-inserted: Map order is then least recently failed first, the eviction order.
    const table = list.length >= this.policy.max ? this.overBudget : this.counted;
    table.set(key, list);
    evictOldest(table, table === this.overBudget ? this.maxOverBudget : this.maxCounted);
    return list.length;
  }

  private isKnown(key: string, address: string, now: number): boolean {
    const seen = this.known.get(key)?.get(address);
    return seen !== undefined && now - seen < this.policy.knownMs;
  }

  private remember(key: string, address: string, now: number): void {
    if (this.policy.knownMs <= 0) return;
    let addresses = this.known.get(key);
    if (addresses) this.known.delete(key);
    else addresses = new Map();
    this.known.set(key, addresses);
    evictOldest(this.known, MAX_KNOWN_USERS);
    addresses.delete(address);
    addresses.set(address, now);
    evictOldest(addresses, MAX_KNOWN_PER_USER);
  }
}

function evictOldest<V>(map: Map<string, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) return;
    map.delete(oldest);
  }
}

/** The name as the user store compares it (exactly, case included); long names as a hash. */
function userKey(user: string): string {
  return user.length <= MAX_KEY_CHARS ? user : `#${createHash('sha256').update(user).digest('base64')}`;
}
