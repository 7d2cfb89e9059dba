/** Latency summaries for the scenarios: nearest-rank percentiles over raw samples (ms). */
export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** p50, p99 and max, rounded to 0.01 ms. */
export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(percentile(sorted, 50)), p99: r(percentile(sorted, 99)), max: r(sorted[sorted.length - 1] ?? Number.NaN) };
}

/** `<name>_p50_ms`, `<name>_p99_ms` and `<name>_max_ms`: the figure names every scenario reports latencies under. */
export function latencyFigures(name: string, s: LatencySummary): Record<string, number> {
  return { [`${name}_p50_ms`]: s.p50, [`${name}_p99_ms`]: s.p99, [`${name}_max_ms`]: s.max };
}
