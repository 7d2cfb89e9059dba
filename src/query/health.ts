/**
 * Delivery health over time, from the outcome events: delivered, deferred, bounced and complained per
 * minute of the last hour, per hour of the last 24 hours and per day of the last 30 days; bounce and
 * complaint rates; the destination domains that fail most, with their most common reply explained.
 *
 * Counts are of events: a recipient delivered and bounced later by mail counts once in each.
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

/** The windows: `count` buckets of `ms`, the last one holding `now`, aligned to whole units (UTC). */
const WINDOWS = [
  { title: 'Last hour', unit: 'minute', ms: MINUTE, count: 60 },
  { title: 'Last 24 hours', unit: 'hour', ms: HOUR, count: 24 },
  { title: 'Last 30 days', unit: 'day', ms: DAY, count: 30 },
] as const;

function chart(w: (typeof WINDOWS)[number], since: number, counts: OutcomeCount[]): Chart {
  const buckets: Bucket[] = Array.from({ length: w.count }, (_, i) => ({ start: new Date(since + i * w.ms).toISOString(), delivered: 0, deferred: 0, bounced: 0, complained: 0 }));
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

export async function healthReport(store: Pick<Store, 'overview'>, opts: { now?: number; classify?: ClassifyFn; failingLimit?: number } = {}): Promise<HealthReport> {
  const now = opts.now ?? Date.now();
  const classify = opts.classify ?? defaultClassify;
  const charts = await Promise.all(
    WINDOWS.map(async (w) => {
      const since = Math.floor(now / w.ms) * w.ms - (w.count - 1) * w.ms;
      return chart(w, since, await store.overview.outcomeCounts({ since, until: since + w.count * w.ms, bucketMs: w.ms }));
    }),
  );
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
