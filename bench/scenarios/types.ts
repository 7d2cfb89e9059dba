/**
 * The contract between the benchmark runner (bench/run.ts) and each scenario: a scenario gets the shared flags and a
 * scratch directory, does its work on loopback only, and returns named figures (numbers with units in the key name,
 * e.g. `submit_msgs_per_s`, `p99_ms`, `rss_mb`) plus notes for the report.
 */
export interface BenchFlags {
  /** Messages submitted in the relay/postfix/limit scenarios (`--messages`). */
  messages: number;
  /** Parallel authenticated sessions (`--sessions`). */
  sessions: number;
  /** Message size in bytes (`--size`). */
  size: number;
  /** Messages in the query scenario's database (`--query-messages`, default 1,000,000). */
  queryMessages: number;
  /** Messages queued and deferred in the memory scenario (`--memory-messages`, default 100,000). */
  memoryMessages: number;
  /**
   * Runs of each compared server (`--repeat`, default 3): the runner interleaves the relay, postfix,
   * haraka and limit scenarios round by round; per-message repeats its own plan this many times.
   */
  repeat: number;
}

export interface ScenarioContext {
  flags: BenchFlags;
  /** A fresh directory this scenario may fill; removed by the runner afterwards. */
  dir: string;
  /** Repository root (where package.json is). */
  root: string;
  /** Progress lines for the operator (stderr), not part of the results. */
  progress(line: string): void;
}

export type Figures = Record<string, number | string | null>;

export interface ScenarioResult {
  figures: Figures;
  /**
   * The figures of each round, for a scenario that repeats itself (per-message runs its servers in turns,
   * `flags.repeat` times): the runner summarises these instead of `figures`.
   */
  rounds?: Figures[];
  /** Sentences for the report: what was measured, anything unusual. */
  notes: string[];
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult>;
