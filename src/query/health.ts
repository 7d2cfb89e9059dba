/**
 * Delivery health over time, from the outcome events: delivered, deferred, bounced and complained per
 * minute of the last hour, per hour of the last 24 hours and per day of the last 30 days; bounce and
 * complaint rates; the destination domains that fail most, with their most common reply explained.
 *
 * Counts are of events: a recipient delivered and bounced later by mail counts once in each.
 *
 * Thirty days of outcomes are a few million index entries at a million messages a month, too many to
 * count on every view. Buckets that ended SETTLE_MS ago no longer change (an attempt's events are written
 * within minutes of its start; a late bounce is written when it arrives), so a HealthCache keeps their
 * counts and each view counts only the recent tail. The cache forgets after six hours, for retention's sake.
 */
import { classify as defaultClassify } from '../classify/index.js';
import { replyLine } from '../classify/reply-line.js';
import type { OutcomeCount, Store } from '../store/store.js';
import { explanationOf, type ClassifyFn } from './verdict.js';

export const SERIES = ['delivered', 'deferred', 'bounced', 'complained'] as const;
export type Series = (typeof SERIES)[number];

export interface Bucket extends Record<Series, number> {
  start: string;
}

export interface Chart {
  /** `Last hour`, `Last 24 hours`, `Last 30 days`. */
  title: string;
  /** `minute`, `hour`, `day`. */
  unit: string;
  bucket_ms: number;
  buckets: Bucket[];
}

export interface Rates {
  window: string;
  delivered: number;
  bounced: number;
  complained: number;
  /** bounced / (delivered + bounced), or null when nothing was sent. */
  bounce_rate: number | null;
  /** complained / delivered, or null when nothing was delivered. */
  complaint_rate: number | null;
}

export interface FailingDomainView {
  domain: string;
  failures: number;
  bounced: number;
  deferred: number;
  /** The most common reply, codes once. */
  reply: string;
  reply_count: number;
  explanation: string | null;
}

export interface HealthReport {
  generated_at: string;
  charts: Chart[];
  rates: Rates[];
  /** Over the last 24 hours. */
  failing: FailingDomainView[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A bucket that ended this long ago is counted once and kept. */
export const SETTLE_MS = 15 * MINUTE;

/** Counts of settled buckets, by `bucketMs:start`, each with when it was counted. */
export interface HealthCache {
  get(key: string, now: number): OutcomeCount[] | undefined;
  set(key: string, counts: OutcomeCount[], now: number): void;
}

export function createHealthCache(ttlMs = 6 * HOUR): HealthCache {
  const entries = new Map<string, { at: number; counts: OutcomeCount[] }>();
  return {
    get(key, now) {
      const e = entries.get(key);
      if (e && now - e.at < ttlMs) return e.counts;
      entries.delete(key);
      return undefined;
    },
    set(key, counts, now) {
      entries.set(key, { at: now, counts });
    },
  };
}

/** Outcome counts of the buckets [since, since + count × ms), settled ones from the cache when there is one. */
async function countsOf(
  store: Pick<Store, 'overview'>,
  since: number,
  ms: number,
  count: number,
  now: number,
  cache: HealthCache | undefined,
): Promise<OutcomeCount[]> {
  const until = since + count * ms;
  if (!cache) return store.overview.outcomeCounts({ since, until, bucketMs: ms });
  const key = (start: number) => `${ms}:${start}`;
  // Settled buckets: those that ended SETTLE_MS before now.
  let settled = 0;
  while (settled < count && since + (settled + 1) * ms <= now - SETTLE_MS) settled++;
  let firstMissing = 0;
  while (firstMissing < settled && cache.get(key(since + firstMissing * ms), now)) firstMissing++;
  const out: OutcomeCount[] = [];
  for (let i = 0; i < firstMissing; i++) out.push(...cache.get(key(since + i * ms), now)!);
  // Missing settled buckets are counted an hour at a time, yielding in between: the store answers
  // synchronously (SQLite), and a month counted at once would hold the event loop, and with it the
  // submission listener, for seconds.
  for (let i = firstMissing; i < settled; i++) {
    const start = since + i * ms;
    const total = new Map<OutcomeCount['kind'], number>();
    for (let t = start; t < start + ms; t += Math.min(ms, HOUR)) {
      const slice = Math.min(ms, HOUR);
      for (const c of await store.overview.outcomeCounts({ since: t, until: t + slice, bucketMs: slice }))
        total.set(c.kind, (total.get(c.kind) ?? 0) + c.count);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const counts = [...total].map(([kind, count]) => ({ bucket: start, kind, count }));
    cache.set(key(start), counts, now);
    out.push(...counts);
  }
  // The unsettled tail, counted on every view: at most the open bucket and the last quarter of an hour.
  return [...out, ...(await store.overview.outcomeCounts({ since: since + settled * ms, until, bucketMs: ms }))];
}

/** The windows: `count` buckets of `ms`, the last one holding `now`, aligned to whole units (UTC). */
const WINDOWS = [
  { title: 'Last hour', unit: 'minute', ms: MINUTE, count: 60 },
  { title: 'Last 24 hours', unit: 'hour', ms: HOUR, count: 24 },
  { title: 'Last 30 days', unit: 'day', ms: DAY, count: 30 },
] as const;

function chart(w: (typeof WINDOWS)[number], since: number, counts: OutcomeCount[]): Chart {
  const buckets: Bucket[] = Array.from({ length: w.count }, (_, i) => ({
    start: new Date(since + i * w.ms).toISOString(),
    delivered: 0,
    deferred: 0,
    bounced: 0,
    complained: 0,
  }));
  for (const c of counts) {
    const i = Math.round((c.bucket - since) / w.ms);
    if (c.kind !== 'expired' && buckets[i]) buckets[i][c.kind] += c.count;
  }
  return { title: w.title, unit: w.unit, bucket_ms: w.ms, buckets };
}

function rates(window: string, buckets: Bucket[]): Rates {
  const sum = (k: Series) => buckets.reduce((n, b) => n + b[k], 0);
  const delivered = sum('delivered');
  const bounced = sum('bounced');
  const complained = sum('complained');
  return {
    window,
    delivered,
    bounced,
    complained,
    bounce_rate: delivered + bounced > 0 ? bounced / (delivered + bounced) : null,
    complaint_rate: delivered > 0 ? complained / delivered : null,
  };
}

export async function healthReport(
  store: Pick<Store, 'overview'>,
  opts: { now?: number; classify?: ClassifyFn; failingLimit?: number; cache?: HealthCache } = {},
): Promise<HealthReport> {
  const now = opts.now ?? Date.now();
  const classify = opts.classify ?? defaultClassify;
  const charts: Chart[] = [];
  for (const w of WINDOWS) {
    const since = Math.floor(now / w.ms) * w.ms - (w.count - 1) * w.ms;
    if (w.unit !== 'day') {
      charts.push(chart(w, since, await countsOf(store, since, w.ms, w.count, now, opts.cache)));
      continue;
    }
    // Today's bucket is the sum of today's hours (already counted above), not a day of events counted again.
    const today = since + (w.count - 1) * w.ms;
    const days = chart(w, since, await countsOf(store, since, w.ms, w.count - 1, now, opts.cache));
    const last = days.buckets[w.count - 1]!;
    for (const h of charts.find((c) => c.unit === 'hour')!.buckets) if (Date.parse(h.start) >= today) for (const k of SERIES) last[k] += h[k];
    charts.push(days);
  }
  const failing = await store.overview.failingDomains({ since: now - DAY, limit: opts.failingLimit ?? 10 });
  return {
    generated_at: new Date(now).toISOString(),
    charts,
    rates: [rates('last 24 hours', charts[1].buckets), rates('last 30 days', charts[2].buckets)],
    failing: failing.map((f) => ({
      domain: f.domain,
      failures: f.failures,
      bounced: f.bounced,
      deferred: f.deferred,
      reply: replyLine({ code: f.top.code, enhanced: f.top.enhanced, text: f.top.text }),
      reply_count: f.top.count,
      explanation: explanationOf(f.top.event, classify),
    })),
  };
}
