/**
 * Destination slots and slow-downs on SQLite: in this process's memory. A SQLite database has one relay
 * delivering from it (its delivery thread holds this store), so the limits need no table: this is the
 * same bookkeeping the PostgreSQL backend keeps in the database for several relays.
 */
import type { DestinationStore, SharedThrottle, SlotWaiter } from '../store.js';

export function memoryDestinations(): DestinationStore {
  /** key → holder → until */
  const slots = new Map<string, Map<string, number>>();
  const byHolder = new Map<string, string>();
  const throttles = new Map<string, SharedThrottle>();
  /** key → owner → the waiter's record */
  const waiters = new Map<string, Map<string, SlotWaiter>>();
  return {
    async acquire({ key, holder, limit, now, until, waiter }) {
      let held = slots.get(key);
      if (!held) slots.set(key, (held = new Map()));
      for (const [h, u] of held) if (u <= now) held.delete(h);
      if (held.size >= limit && !held.has(holder)) {
        if (waiter) {
          const w = waiters.get(key) ?? new Map<string, SlotWaiter>();
          w.set(waiter.owner, waiter);
          waiters.set(key, w);
        }
        return false;
      }
      if (waiter) waiters.get(key)?.delete(waiter.owner);
      held.set(holder, until);
      byHolder.set(holder, key);
      return true;
    },
    async waiting(owner, now) {
      const out = new Map<string, { relays: number; starving: boolean }>();
      for (const [key, w] of waiters) {
        const live = [...w.values()].filter((x) => x.until > now && x.owner !== owner);
        if (live.length) out.set(key, { relays: live.length, starving: live.some((x) => x.holding === 0) });
      }
      return out;
    },
    async release(holder) {
      const key = byHolder.get(holder);
      if (key === undefined) return;
      byHolder.delete(holder);
      slots.get(key)?.delete(holder);
    },
    async renew(prefix, until) {
      for (const [holder, key] of byHolder) if (holder.startsWith(prefix)) slots.get(key)?.set(holder, until);
    },
    async throttles(now) {
      return [...throttles.values()].filter((t) => t.pausedUntil > now || t.level > 0);
    },
    async setThrottle(domain, state) {
      if (state) throttles.set(domain, { domain, ...state });
      else throttles.delete(domain);
    },
  };
}
