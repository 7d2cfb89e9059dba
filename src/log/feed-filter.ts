/**
 * Which feed events `mailtrail tail` shows while it follows: the same rules as `EventStore.recent`
 * (FeedFilter in src/store/store.ts), applied in memory to what `events.after` returns, so the backlog
 * and the live part of the output agree.
 */
import type { FeedEvent, FeedFilter } from '../store/store.js';

/** The recipients (id, domain) of a message row: what a message-level event's domain is decided by. */
export type RecipientsOf = (messageRowId: number) => Promise<{ id: number; domain: string }[]>;

/** Messages whose recipients are remembered; events arrive grouped by message, so a small cache serves a busy relay. */
const CACHE_SIZE = 1_000;

export function createFeedMatcher(filter: FeedFilter, recipientsOf: RecipientsOf): (e: FeedEvent) => Promise<boolean> {
  const kinds = filter.kinds?.length ? new Set(filter.kinds) : null;
  const cache = new Map<number, { id: number; domain: string }[]>();

  async function recipients(messageRowId: number) {
    let rs = cache.get(messageRowId);
    if (!rs) {
      rs = await recipientsOf(messageRowId);
      // A message's recipients never change after intake, so a cached list never goes stale.
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(messageRowId, rs);
    }
    return rs;
  }

  return async (e) => {
    if (kinds && !kinds.has(e.kind)) return false;
    if (filter.message && e.messageId !== filter.message && e.queueId !== filter.message) return false;
    if (filter.domain) {
      if (e.recipientId !== null) return e.domain === filter.domain;
      const ids = Array.isArray(e.detail?.recipient_ids) ? new Set(e.detail.recipient_ids as number[]) : null;
      return (await recipients(e.messageRowId)).some((r) => r.domain === filter.domain && (!ids || ids.has(r.id)));
    }
    return true;
  };
}
