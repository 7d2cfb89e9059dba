/**
 * What repeated runs say, and nothing more: the median of each figure with its min–max, a ratio of two
 * medians with the range the spreads allow, and a verdict against a target that says "overlaps" when
 * the spreads do not settle it. Pure functions: bench/run.ts feeds them the runs, test/bench/spread.test.ts
 * checks them.
 *
 * Why these words: on a shared 2-core machine one run of a scenario can be off by a third (issue 19: a
 * Postfix run at 317 msgs/s made a 3.97× ratio that repeated runs put at 1.5×). A median of interleaved
 * runs is robust to one slow run; the min–max says how far the runs were apart.
 */

/** The runs of one figure: their median, extremes and count. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/**
 * met: every run meets the target (the whole range is on the right side).
 * missed: no run does (the whole range is on the wrong side).
 * overlaps: the range crosses the target; `median_meets` says which side the median is on.
 */
export type Verdict = 'met' | 'missed' | 'overlaps';

export interface Target {
  op: '>=' | '<=';
  value: number;
}

export interface Judged {
  /** The figure, or for a comparison the ratio of the medians. */
  value: number;
  /** Lowest and highest value the runs allow (for a ratio: min/max and max/min of the two spreads). */
  low: number;
  high: number;
  verdict: Verdict;
  /** Whether `value` alone is on the right side of the target. */
  median_meets: boolean;
}

/** Median of the numbers (mean of the middle two for an even count). Throws on an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The spread of the finite numbers among `values` (a run that failed gives null and is left out), or null. */
export function spreadOf(values: readonly unknown[]): Spread | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/**
 * Per figure name, the spread over the runs (numbers), or the runs' common text (e.g. `log_level`), or
 * null when no run gave a number. Keys are taken from every run, in first-seen order.
 */
export function summarise(runs: readonly Record<string, unknown>[]): Record<string, Spread | string | null> {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  const out: Record<string, Spread | string | null> = {};
  for (const k of keys) {
    const values = runs.map((r) => r[k]);
    const text = values.find((v) => typeof v === 'string');
    out[k] = spreadOf(values) ?? (typeof text === 'string' ? text : null);
  }
  return out;
}

const meets = (x: number, t: Target): boolean => (t.op === '>=' ? x >= t.value : x <= t.value);

/** A verdict on a range [low, high] around `value`. */
export function judge(value: number, low: number, high: number, target: Target): Judged {
  const lowMeets = meets(low, target);
  const highMeets = meets(high, target);
  const verdict: Verdict = lowMeets && highMeets ? 'met' : !lowMeets && !highMeets ? 'missed' : 'overlaps';
  return { value, low, high, verdict, median_meets: meets(value, target) };
}

/** A single figure's spread against a target (e.g. submit p99 ≤ 50 ms): met only if every run meets it. */
export function judgeFigure(s: Spread, target: Target): Judged {
  return judge(s.median, s.min, s.max, target);
}

/**
 * The ratio a/b of two figures' medians, with the range their spreads allow: from the lowest a over
 * the highest b to the highest a over the lowest b. Null when b could be zero or negative.
 */
export function ratioOf(a: Spread, b: Spread): { value: number; low: number; high: number } | null {
  if (!(b.min > 0) || !(b.median > 0)) return null;
  return { value: a.median / b.median, low: a.min / b.max, high: a.max / b.min };
}

/** A ratio of medians judged against a target, or null when it cannot be formed. */
export function judgeRatio(a: Spread, b: Spread, target: Target): Judged | null {
  const r = ratioOf(a, b);
  return r ? judge(r.value, r.low, r.high, target) : null;
}

/** "≥ 2.5", "≤ 0.3": the target as the report prints it. */
export function targetText(t: Target): string {
  return `${t.op === '>=' ? '≥' : '≤'} ${t.value}`;
}

/** "1,023 (980–1,101)", or "1,023" when every run gave the same (or there was one): a spread as the report prints it. */
export function spreadText(s: Spread, digits = figureDigits(s.median)): string {
  const f = (x: number) => x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return s.min !== s.max ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}

/** Enough digits to read a figure: none for whole numbers and hundreds up, 2 for small ones, 3 below 0.1. */
export function figureDigits(x: number): number {
  const a = Math.abs(x);
  return Number.isInteger(x) || a >= 100 ? 0 : a >= 10 ? 1 : a >= 0.1 ? 2 : 3;
}
