/**
 * The query scenarios' timed lookups, run as a process of their own (bench/lib/lookups.ts starts it): a
 * trace or a search comes from `mailtrail trace` or the API server, which opens the store and asks; not
 * from the process that has just filled a million messages. In that process the fill's heap made the
 * lookups pay its garbage collector: on PostgreSQL at 1 M messages, 5–7 of the 20 slowest of 2,000 traces
 * overlapped one of its pauses (docs/benchmarks.md, 2026-12-04 19:30). Here the heap holds the store, the
 * lookups' keys and their answers only; the collector still runs (its pauses are counted and reported),
 * as it does in the CLI or the API server.
 *
 * Reads one JSON object (LookupsInput, bench/lib/lookups.ts) from stdin, opens the store as the relay's
 * configuration names it, runs the untimed warm-up, then the traces (messageFate + renderFates, as
 * `mailtrail trace`) and the searches (searchMessages), one after another, and prints one JSON object
 * (LookupsOutput) as its last line.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { text } from 'node:stream/consumers';
import type { LookupsInput, LookupsOutput } from './lib/lookups.js';
import { summarize } from './lib/latency.js';
import { messageFate } from '../src/query/fate.js';
import { renderFates } from '../src/query/render.js';
import { searchMessages } from '../src/query/search.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/store.js';

const input = JSON.parse(await text(process.stdin)) as LookupsInput;
const store = await openStore({ database: input.database });
try {
  // Untimed: statement preparation, the pool's connections, JIT warm-up.
  for (const key of input.warmup.traces) renderFates(await messageFate(store, key));
  for (const recipient of input.warmup.searches) await searchMessages(store, { recipient, limit: 50 });

  // Garbage collection in this process while the lookups run, counted, not avoided.
  const gc: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gc.push(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });

  const reads = input.timeReads ? timeStoreReads(store) : null;
  const trace: number[] = [];
  let missing = 0;
  for (const key of input.traces) {
    const t0 = performance.now();
    const fates = await messageFate(store, key);
    renderFates(fates);
    trace.push(performance.now() - t0);
    if (fates.length !== 1) missing++;
  }
  const traceGc = gc.splice(0);
  reads?.restore();

  const search: number[] = [];
  const hits: number[] = [];
  for (const recipient of input.searches) {
    const t0 = performance.now();
    const result = await searchMessages(store, { recipient, limit: 50 });
    search.push(performance.now() - t0);
    hits.push(result.messages.length);
  }
  // Let the observer deliver the last entries before it is read.
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  const output: LookupsOutput = {
    trace,
    missing,
    search,
    hits,
    gc: { traces: pauses(traceGc), searches: pauses(gc) },
    reads: reads?.report() ?? null,
    heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
} finally {
  await store.close();
}

function pauses(durations: number[]): LookupsOutput['gc']['traces'] {
  const s = summarize(durations);
  return { count: durations.length, ms: Math.round(durations.reduce((a, b) => a + b, 0) * 10) / 10, max: durations.length ? s.max : 0 };
}

/** Times each read of the store's query area (findHistory, findMessages, recipientsOf, eventsOf…) while the traces run: which round trip a trace's time is made of. */
function timeStoreReads(store: Store): { report(): string; restore(): void } {
  const q = store.query as unknown as Record<string, unknown>;
  const times = new Map<string, number[]>();
  const originals = new Map<string, unknown>();
  for (const name of ['findHistory', 'findMessages', 'recipientsOf', 'eventsOf', 'suppressionsFor']) {
    const fn = q[name] as (...a: unknown[]) => Promise<unknown>;
    originals.set(name, fn);
    q[name] = async (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return await fn.apply(store.query, args);
      } finally {
        const xs = times.get(name) ?? [];
        xs.push(performance.now() - t0);
        times.set(name, xs);
      }
    };
  }
  return {
    report: () =>
      [...times]
        .map(([name, xs]) => {
          const s = summarize(xs);
          return `${name} ${s.p50.toFixed(2)}/${s.p99.toFixed(2)} (${xs.length})`;
        })
        .join(', '),
    restore: () => {
      for (const [name, fn] of originals) q[name] = fn;
    },
  };
}
