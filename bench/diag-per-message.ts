/**
 * Diagnostic driver (issue 18): one relay, the per-message scenario's warm-up (1,000 STARTTLS, then 4,000 cleartext
 * messages, 20 workers), then rounds of one flat-out 20-worker cleartext run and one paced run (200 msgs/s), each
 * after the previous run's mail reached the sink, as `bench --only per-message` does for mailtrail (without the
 * Postfix and Haraka runs in between: the relay idles instead while it waits for them there).
 * With BENCH_RELAY_NODE_ARGS="--import file:///…/monitor.mjs" and LOADGEN_TIMELINE_DIR, the relay's events and each
 * message's latency can be lined up afterwards.
 *
 * `--idle MS,MS,…` instead: flat-out runs only, each after that long with no load (0: right after the one before), to
 * see whether a run after an idle gap (the scenario's Postfix and Haraka turns) costs the relay more per message.
 * Each run prints the relay's CPU per message (whole process, main thread, the other threads).
 *
 * `--plan scenario` instead: mailtrail's own turns of `bench --only per-message` in their order (20 and 50 workers,
 * cleartext and STARTTLS, STARTTLS without resumption, paced) for `--rounds` rounds, each round's first run after
 * `--gap MS` of idling (where the scenario runs Postfix's and Haraka's warm-up or paced runs; 0 by default), the
 * others back to back. Each line also gives the database and WAL files' sizes after the run, the bytes the relay
 * wrote (/proc/PID/io) and, with BENCH_RELAY_LOG_DIR and BENCH_RELAY_NODE_ARGS="--trace-opt --trace-deopt --trace-gc",
 * the optimisations, deoptimisations and collections V8 logged meanwhile (approximate at a run's edges: V8 writes
 * its traces through stdio's buffer).
 *
 * usage: node --import tsx bench/diag-per-message.ts --root DIR [--rounds 3] [--messages 4000] [--idle-ms 0] [--idle 40000,0,40000,0]
 *        [--plan scenario --gap 40000] [--warm-order none,starttls]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDnsServer } from '../test/helpers/dns-server.js';
import { runLoadgen } from './lib/loadgen.js';
import { ADDR } from './lib/net.js';
import { startRelay } from './lib/relay-process.js';
import { startCountingSink } from './lib/sink.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '.' },
    rounds: { type: 'string', default: '3' },
    messages: { type: 'string', default: '4000' },
    'idle-ms': { type: 'string', default: '0' },
    idle: { type: 'string' },
    plan: { type: 'string' },
    gap: { type: 'string', default: '0' },
    'warm-order': { type: 'string', default: 'starttls,none' },
  },
});
const root = path.resolve(values.root);
const messages = Number(values.messages);
const here = path.resolve(import.meta.dirname, '..');
const sink = await startCountingSink(ADDR.relaySink);
const dns = await startDnsServer({
  mx: [{ name: 'sink.test', exchange: 'mx.sink.test', preference: 10 }],
  a: [{ name: 'mx.sink.test', address: ADDR.relaySink }],
  ttl: 300,
});
const dir = path.join(os.tmpdir(), `diag-per-message-${process.pid}`);
const relay = await startRelay({ root, dir, host: ADDR.relaySubmission, port: 2587, dnsServer: dns.address });
let delivered = 0;
const fileSize = (p: string) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};
/** write_bytes, syscw and the like of the relay's process (all threads). */
function io(pid: number): Record<string, number> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/io`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(': '))
      .map(([k, v]) => [k, Number(v)]),
  );
}
/** Lines V8 printed for --trace-opt / --trace-deopt so far (the relay's log file, when BENCH_RELAY_LOG_DIR keeps one). */
function v8Lines(): Record<'opt' | 'deopt' | 'scavenge' | 'markCompact', number> | null {
  const logDir = process.env.BENCH_RELAY_LOG_DIR;
  if (!logDir) return null;
  const file = readdirSync(logDir).find((f) => f.endsWith(`-${relay.pid}.log`));
  if (!file) return null;
  const text = readFileSync(path.join(logDir, file), 'utf8');
  const count = (re: RegExp) => text.match(re)?.length ?? 0;
  return { opt: count(/\[completed optimizing/g), deopt: count(/\[bailout \(kind: /g), scavenge: count(/: Scavenge/g), markCompact: count(/: Mark-Compact/g) };
}
/** CPU seconds of the relay's threads by thread id (utime + stime from /proc). */
function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.set(Number(t), (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}
const run = async (id: string, n: number, starttls: boolean, rate?: number, sessions = 20, noResume = false) => {
  await sink.waitFor(delivered, 60_000);
  const before = threadCpu(relay.pid);
  const ioBefore = io(relay.pid);
  const v8Before = v8Lines();
  const r = await runLoadgen({
    root: here,
    host: relay.host,
    port: relay.port,
    messages: n,
    sessions,
    size: 4096,
    user: relay.user,
    password: relay.password,
    from: 'app@bench.test',
    to: 'someone@sink.test',
    runId: `${id}-${Date.now()}`,
    perConnection: 1,
    starttls,
    noResume,
    rate,
  });
  delivered += r.sent;
  await sink.waitFor(delivered, 60_000);
  const after = threadCpu(relay.pid);
  const ioAfter = io(relay.pid);
  const v8After = v8Lines();
  const db = relay.dbPath ?? '';
  const used = (tid?: number) => [...after].filter(([t]) => tid === undefined || t === tid).reduce((sum, [t, c]) => sum + c - (before.get(t) ?? 0), 0);
  const perMsg = (sec: number) => +((sec * 1000) / r.sent).toFixed(3);
  const s = (r.last_ack_ms - r.first_send_ms) / 1000;
  const line = {
    id,
    msgs_per_s: Math.round(r.sent / s),
    p50: +r.connect_latencies_ms.p50.toFixed(2),
    p99: +r.connect_latencies_ms.p99.toFixed(2),
    cpu_ms_per_msg: perMsg(used()),
    main_ms_per_msg: perMsg(used(relay.pid)),
    others_ms_per_msg: perMsg(used() - used(relay.pid)),
    // The two busiest threads besides main: the delivery thread and, under load, V8's helpers.
    threads_ms_per_msg: [...after]
      .filter(([t]) => t !== relay.pid)
      .map(([t, c]) => perMsg(c - (before.get(t) ?? 0)))
      .sort((a, b) => b - a)
      .slice(0, 3),
    db_mb: +(fileSize(db) / 2 ** 20).toFixed(1),
    wal_mb: +(fileSize(`${db}-wal`) / 2 ** 20).toFixed(1),
    write_kb_per_msg: +((ioAfter.write_bytes - ioBefore.write_bytes) / 1024 / r.sent).toFixed(1),
    syscw_per_msg: +((ioAfter.syscw - ioBefore.syscw) / r.sent).toFixed(1),
    ...(v8Before && v8After ? Object.fromEntries(Object.entries(v8After).map(([k, v]) => [`v8_${k}`, v - v8Before[k as keyof typeof v8Before]])) : {}),
    load: os.loadavg()[0],
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
try {
  // In the scenario's order, STARTTLS then cleartext; `--warm-order none,starttls` for the order before 2026-12-05.
  for (const tls of values['warm-order'].split(',')) {
    if (tls === 'starttls') await run('warm-starttls', Math.ceil(messages / 4), true);
    else await run('warm-none', messages, false);
  }
  const idle = values.idle?.split(',').map(Number);
  if (values.plan === 'scenario') {
    const gap = () => new Promise((r) => setTimeout(r, Number(values.gap)));
    for (let i = 1; i <= Number(values.rounds); i++) {
      await gap();
      await run(`r${i}-20w-none`, messages, false);
      await run(`r${i}-20w-starttls`, messages, true);
      await run(`r${i}-50w-none`, messages, false, undefined, 50);
      await run(`r${i}-50w-starttls`, messages, true, undefined, 50);
      await run(`r${i}-20w-no-resume`, messages, true, undefined, 20, true);
      await run(`r${i}-paced`, messages, false, 200);
    }
  }
  for (const [i, ms] of (idle ?? []).entries()) {
    await new Promise((r) => setTimeout(r, ms));
    await run(`flat${i + 1}-after-${ms}ms-idle`, messages, false);
  }
  if (!idle && values.plan !== 'scenario')
    for (let i = 1; i <= Number(values.rounds); i++) {
      await new Promise((r) => setTimeout(r, Number(values['idle-ms'])));
      await run(`r${i}-flat`, messages, false);
      await new Promise((r) => setTimeout(r, Number(values['idle-ms'])));
      await run(`r${i}-paced`, messages, false, 200);
    }
} finally {
  await relay.stop();
  await sink.stop();
  await dns.stop();
}
