// Diagnostic preload for the relay (bench/diag-per-message.ts; any relay through BENCH_RELAY_NODE_ARGS="--import
// file:///…/bench/lib/relay-monitor.mjs"), in every thread: event-loop delay per 100 ms window, GC pauses, WAL
// checkpoints, thread-lock waits and WAL fdatasyncs, with wall-clock times, as JSON lines in $MON_DIR/mon-PID-THREAD.jsonl.
// The histogram's timer fires every 5 ms: an idle window reads about 5 ms.
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { threadId, isMainThread } from 'node:worker_threads';
import { appendFileSync, mkdirSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
const dir = process.env.MON_DIR ?? '/tmp/s32b/mon';
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `mon-${process.pid}-${threadId}.jsonl`);
const now = () => performance.timeOrigin + performance.now();
let buf = [];
const emit = (o) => buf.push(JSON.stringify(o));
const flush = () => {
  if (buf.length) {
    appendFileSync(file, buf.join('\n') + '\n');
    buf = [];
  }
};
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
let waitMs = 0,
  waits = 0,
  syncMs = 0;
const t = setInterval(() => {
  emit({
    k: 'w',
    t: Math.round(now()),
    max: +(h.max / 1e6).toFixed(1),
    mean: +(h.mean / 1e6).toFixed(2),
    lockwait: +waitMs.toFixed(1),
    waits,
    sync: +syncMs.toFixed(1),
  });
  h.reset();
  waitMs = 0;
  waits = 0;
  syncMs = 0;
}, 100);
t.unref();
const ft = setInterval(flush, 1000);
ft.unref();
process.on('exit', flush);
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    emit({ k: 'gc', t: Math.round(performance.timeOrigin + e.startTime), d: +e.duration.toFixed(2), kind: e.detail?.kind ?? e.kind });
}).observe({ entryTypes: ['gc'] });
const origWait = Atomics.wait;
Atomics.wait = (...a) => {
  const s = performance.now();
  const r = origWait.apply(Atomics, a);
  const d = performance.now() - s;
  waitMs += d;
  waits++;
  if (d > 2) emit({ k: 'lockwait', t: Math.round(now() - d), d: +d.toFixed(2) });
  return r;
};
try {
  const req = createRequire(path.join(process.cwd(), 'package.json'));
  const Database = req('better-sqlite3');
  const orig = Database.prototype.pragma;
  Database.prototype.pragma = function (src, ...rest) {
    if (typeof src === 'string' && src.includes('checkpoint')) {
      const s = performance.now();
      const r = orig.call(this, src, ...rest);
      const d = performance.now() - s;
      emit({ k: 'ckpt', t: Math.round(now() - d), d: +d.toFixed(2), r: r?.[0] });
      return r;
    }
    return orig.call(this, src, ...rest);
  };
} catch (e) {
  emit({ k: 'err', m: String(e) });
}
const fh = await fsp.open('/dev/null');
const proto = Object.getPrototypeOf(fh);
await fh.close();
const origSync = proto.datasync;
proto.datasync = async function () {
  const s = performance.now();
  try {
    return await origSync.call(this);
  } finally {
    const d = performance.now() - s;
    syncMs += d;
    if (d > 5) emit({ k: 'sync', t: Math.round(now() - d), d: +d.toFixed(2) });
  }
};
emit({ k: 'start', t: Math.round(now()), main: isMainThread, argv: process.execArgv.join(' '), script: process.argv[1] });
