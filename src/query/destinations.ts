/**
 * The queue by destination: for each domain with mail waiting, how much, since when, the last reply it
 * gave and what it means, and when the next attempt is. What the support page's queue view shows.
 */
import { classify as defaultClassify } from '../classify/index.js';
import { replyLine } from '../classify/reply-line.js';
import type { Store } from '../store/store.js';
import { clock, duration, explanationOf, type ClassifyFn } from './verdict.js';

export interface DestinationView {
  domain: string;
  queued: number;
  deferred: number;
  /** Being delivered right now (under a live lease). */
  active: number;
  oldest_created_at: string;
  /** How long the oldest message has waited: `2 h`. */
  waiting_for: string;
  next_attempt_at: string | null;
  /** `due now` or a time. */
  next_attempt: string | null;
  /** The last reply, codes once (`451 4.7.1 Greylisted`), or null when nothing was tried yet. */
  last_reply: string | null;
  last_reply_at: string | null;
  explanation: string | null;
}

export async function waitingDestinations(
  store: Pick<Store, 'overview'>,
  opts: { now?: number; limit?: number; classify?: ClassifyFn } = {},
): Promise<DestinationView[]> {
  const now = opts.now ?? Date.now();
  const classify = opts.classify ?? defaultClassify;
  const rows = await store.overview.waitingDestinations({ now, limit: opts.limit ?? 200 });
  // The deferral behind each last reply carries its phase and recorded explanation.
  const deferrals = new Map(
    (
      await store.overview.latestEvents(
        rows.flatMap((r) => (r.last ? [r.last.recipientId] : [])),
        'deferred',
      )
    ).map((e) => [e.recipientId, e]),
  );
  return rows.map((r) => {
    const last = r.last;
    const deferral = last ? deferrals.get(last.recipientId) : undefined;
    const explanation = deferral
      ? explanationOf(deferral, classify, r.domain)
      : last
        ? classify({ phase: null, code: last.code, enhanced: last.enhanced, text: last.text }).explanation
        : null;
    return {
      domain: r.domain,
      queued: r.queued,
      deferred: r.deferred,
      active: r.active,
      oldest_created_at: new Date(r.oldestCreatedAt).toISOString(),
      waiting_for: duration(now - r.oldestCreatedAt),
      next_attempt_at: r.nextAttemptAt !== null ? new Date(r.nextAttemptAt).toISOString() : null,
      next_attempt: r.nextAttemptAt === null ? null : r.nextAttemptAt <= now ? 'due now' : clock(r.nextAttemptAt, now),
      last_reply: last ? replyLine(deferral ?? last) : null,
      last_reply_at: last ? new Date(last.at).toISOString() : null,
      explanation,
    };
  });
}
