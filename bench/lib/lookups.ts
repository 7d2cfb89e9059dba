/**
 * Starts bench/lookups.ts, the query scenarios' timed traces and searches in a process of their own (why:
 * see that file), and returns its samples.
 */
import type { Config } from '../../src/config/schema.js';
import { runJsonChild } from './json-child.js';

export interface LookupsInput {
  /** The store, as the relay's configuration names it (the CLI and the API server open it so). */
  database: Config['database'];
  /** Untimed first: statement preparation, connections, JIT. */
  warmup: { traces: string[]; searches: string[] };
  /** Keys to trace (Message-IDs or queue ids) and recipients to search for, timed one after another. */
  traces: string[];
  searches: string[];
  /** Also time each store read the traces make (findHistory…). */
  timeReads?: boolean;
}

export interface LookupsOutput {
  /** ms per trace and per search, in the order asked. */
  trace: number[];
  search: number[];
  /** Traces that did not find exactly one message. */
  missing: number;
  /** Messages each search returned. */
  hits: number[];
  /** The lookup process's garbage-collection pauses while the traces, then the searches ran. */
  gc: Record<'traces' | 'searches', { count: number; ms: number; max: number }>;
  /** `name p50/p99 (calls)` per store read, when timeReads. */
  reads: string | null;
  /** The lookup process's heap at the end. */
  heapMb: number;
}

export function runLookups(root: string, input: LookupsInput): Promise<LookupsOutput> {
  return runJsonChild<LookupsOutput>(root, { script: 'bench/lookups.ts', input: JSON.stringify(input), what: 'lookup process' });
}

/** `n pauses, x ms in all, the longest y ms`: what the collector took while timed lookups ran. */
export function gcNote(g: LookupsOutput['gc']['traces']): string {
  return `${g.count} pauses, ${g.ms} ms in all, the longest ${g.max} ms`;
}
