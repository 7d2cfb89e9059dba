/**
 * The per-address connection limit (delivery.max_connections_per_host) shared by every relay on one
 * PostgreSQL database: a connection holds a slot of `host:<ip>` in the database for as long as it is open.
 *
 * Fairness between relays: connections are pooled and reused, so a relay that opened every slot of a busy
 * address first would keep them for good and another relay's sessions would wait for one past the
 * connect timeout. Instead:
 * - a relay refused a slot is recorded as waiting for the address (with how many of its slots it holds);
 * - once a second, a relay holding slots reads who waits and keeps at most its share of the limit
 *   (limit / relays wanting it; rounded down when a waiting relay holds none, so that it gets one), closing
 *   connections over it as they become idle (the deliverer's pool cap);
 * - a session refused a slot while its relay holds connections to that address waits for one of those
 *   (they hand on as they end a transaction) instead of polling the database, so that a relay at its share
 *   keeps delivering over what it has.
 */
import type { Config } from '../config/schema.js';
import type { HostSlots } from '../delivery/deliverer.js';
import type { DestinationStore } from '../store/store.js';
import { InFlight } from './in-flight.js';

/** How often a relay holding shared host slots looks for other relays waiting for them. */
const SHARE_CHECK_MS = 1_000;
/** A waiting relay's record lapses this long after its last refused ask. */
const WAITER_MS = 3_000;

export function sharedHostSlots(deps: { config: Config; shared: DestinationStore; owner: string }): HostSlots {
  const { config, shared, owner } = deps;
  const limit = config.delivery.max_connections_per_host;
  let serial = 0;
  // Host slots being given back (a connection closed), per address, until the database has them: a take
  // for the same address waits for them, or it would count our own closed connection as still open.
  const releasing = new InFlight();
  const ipOf = new Map<string, string>();
  /** Slots this relay holds, per address. */
  const heldAt = new Map<string, number>();
  let cap: ((ip: string, max: number, forMs: number) => void) | null = null;
  let checks: NodeJS.Timeout | null = null;
  let checking = false;

  const count = (ip: string, by: number) => {
    const n = (heldAt.get(ip) ?? 0) + by;
    if (n > 0) heldAt.set(ip, n);
    else heldAt.delete(ip);
  };

  async function checkShares(): Promise<void> {
    if (heldAt.size === 0) {
      if (checks) clearInterval(checks);
      checks = null;
      return;
    }
    if (checking || !cap) return;
    checking = true;
    try {
      const waiting = await shared.waiting(owner, Date.now());
      for (const ip of heldAt.keys()) {
        const w = waiting.get(`host:${ip}`);
        if (!w) continue;
        const relays = w.relays + 1;
        cap(ip, w.starving ? Math.floor(limit / relays) : Math.ceil(limit / relays), SHARE_CHECK_MS * 2.5);
      }
    } catch {
      // The database is unreachable: the next check tries again; meanwhile nobody can take a slot anyway.
    } finally {
      checking = false;
    }
  }

  return {
    // Waits for a slot like the local pool does (bounded by the caller's time), asking the database
    // again at short random intervals: another relay's connection ends without telling us.
    // A relay that is stopping takes no new slot and ends a wait at the next ask (its job goes back unattempted).
    async take(ip, max, opts) {
      await releasing.settled(ip);
      if (opts.stopping?.aborted) return null;
      const holder = `${owner}:h${++serial}`;
      const deadline = Date.now() + opts.timeoutMs;
      for (;;) {
        const now = Date.now();
        const waiter = { owner, holding: heldAt.get(ip) ?? 0, until: now + WAITER_MS };
        if (await shared.acquire({ key: `host:${ip}`, holder, limit: max, now, until: now + config.delivery.lease_ms, waiter })) {
          ipOf.set(holder, ip);
          count(ip, 1);
          if (!checks) {
            checks = setInterval(() => void checkShares(), SHARE_CHECK_MS);
            checks.unref();
          }
          return holder;
        }
        const own = heldAt.get(ip) ?? 0;
        if (own > 0) return { own };
        if (opts.signal?.aborted || opts.stopping?.aborted || now >= deadline) return null;
        await new Promise((r) => setTimeout(r, Math.min(deadline - now, 25 + Math.random() * 75)));
      }
    },
    give(holder) {
      const ip = ipOf.get(holder);
      ipOf.delete(holder);
      const done = shared.release(holder);
      if (ip === undefined) return void done.catch(() => {});
      count(ip, -1);
      void releasing.track(ip, done);
    },
    watch(fn) {
      cap = fn;
    },
  };
}
