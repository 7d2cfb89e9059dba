/**
 * Back-to-back pairs of two mailtrail checkouts on the connection-per-message load, for a change whose
 * gain is smaller than the machine's noise: relay A, relay B, relay B, relay A, … (the order alternates,
 * so a busy minute does not always fall on the same side), each a fresh `mailtrail start` on a fresh
 * SQLite database, one warm-up run as long as a measured one dropped, then one flat-out run per worker count (cleartext AUTH PLAIN,
 * one connection per message, the per-message scenario's load generator and sink).
 *
 * Per run: accepted msgs/s, connect → 250 p50/p99, CPU ms per message of the relay's main thread
 * (SMTP, intake, commits) and of the whole relay, µs per message of Node's platform threads (V8's GC and
 * compiler helpers), the load average. Prints one JSON line per run and a
 * summary (median, min–max per side) at the end.
 *
 * BENCH_RELAY_NODE_ARGS_A / BENCH_RELAY_NODE_ARGS_B give one side's relay its own node flags (a V8 setting measured
 * against none: `--a . --b .`).
 * BENCH_PROFILE_DIR=DIR writes each relay's CPU profiles there (`--cpu-prof`, as `npm run bench -- --profile`;
 * read with bench/lib/profile-summary.ts); AB_RELAY_LOG=1 prints the end of each relay's output after it stops.
 *
 * usage: node --import tsx bench/ab-per-message.ts --a /work/main-checkout --b . [--pairs 3] [--messages 2000]
 *          [--workers 20,50] [--rate MSGS_PER_S] [--per-connection 1 (messages per connection; 100 for the reused case)]
 *          [--idle-after-warm MS (no load that long between the warm-up and the measured runs, both sides)]
 *          [--loadgen-a DIR --loadgen-b DIR (the checkouts whose bench/loadgen.ts each side runs; default this one)]
 * LOADGEN_NODE_ARGS gives the load generator node flags (`--cpu-prof --cpu-prof-dir=DIR`).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDnsServer } from '../test/helpers/dns-server.js';
import { runLoadgen } from './lib/loadgen.js';
import { ADDR } from './lib/net.js';
import { startRelay } from './lib/relay-process.js';
import { startCountingSink } from './lib/sink.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    pairs: { type: 'string', default: '3' },
    messages: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '20,50' },
    rate: { type: 'string' },
    'per-connection': { type: 'string', default: '1' },
    'idle-after-warm': { type: 'string', default: '0' },
    'loadgen-a': { type: 'string' },
    'loadgen-b': { type: 'string' },
  },
});
if (!values.a || !values.b) throw new Error('give --a ROOT and --b ROOT (two mailtrail checkouts)');
const roots = { A: path.resolve(values.a), B: path.resolve(values.b) };
const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// --loadgen-a / --loadgen-b: whose load generator each side runs (this checkout's by default, the same for both): with
// `--a X --b X` and two load generators, the pairs compare the clients against the same relay code.
const loadgenRoots = { A: path.resolve(values['loadgen-a'] ?? HERE), B: path.resolve(values['loadgen-b'] ?? HERE) };
const pairs = Number(values.pairs);
const messages = Number(values.messages);
const workerCounts = values.workers.split(',').map(Number);
const rate = values.rate === undefined ? undefined : Number(values.rate);
const perConnection = Number(values['per-connection']);
const idleAfterWarm = Number(values['idle-after-warm']);

const TICKS = 100;
/** CPU seconds (user + system, or system alone) of one thread (`tid`) or, without it, of the whole process. */
function cpu(pid: number, tid?: number, systemOnly = false): number {
  const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const text = readFileSync(file, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((systemOnly ? 0 : Number(f[11])) + Number(f[12])) / TICKS;
}
/** CPU seconds per thread id of a process. */
function perThread(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(t), cpu(pid, Number(t)));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

interface Row {
  side: 'A' | 'B';
  pair: number;
  workers: number;
  msgs_per_s: number;
  p50_ms: number;
  p99_ms: number;
  main_cpu_ms_per_msg: number;
  relay_cpu_ms_per_msg: number;
  relay_sys_ms_per_msg: number;
  /** V8's and Node's platform threads (GC marking and scavenging tasks, compiling), µs per message. */
  helpers_us_per_msg: number;
  /** The load generator's CPU per message while it ran (start-up left out): it shares the cores with the relay. */
  loadgen_cpu_ms_per_msg: number;
  loadgen_sys_ms_per_msg: number;
  failed: number;
  load: number;
}
const rows: Row[] = [];

const sink = await startCountingSink(ADDR.relaySink);
const dns = await startDnsServer({
  mx: [{ name: 'sink.test', exchange: 'mx.sink.test', preference: 10 }],
  a: [{ name: 'mx.sink.test', address: ADDR.relaySink }],
  ttl: 300,
});
let delivered = 0;
try {
  for (let pair = 1; pair <= pairs; pair++) {
    const order: ('A' | 'B')[] = pair % 2 === 1 ? ['A', 'B'] : ['B', 'A'];
    for (const side of order) {
      const dir = path.join(os.tmpdir(), `ab-per-message-${process.pid}-${side}-${pair}`);
      // BENCH_RELAY_NODE_ARGS_A / _B: node flags for one side's relay alone (one checkout against itself with a V8 flag).
      const sideArgs = process.env[`BENCH_RELAY_NODE_ARGS_${side}`];
      if (sideArgs !== undefined) process.env.BENCH_RELAY_NODE_ARGS = sideArgs;
      const relay = await startRelay({ root: roots[side], dir, host: ADDR.relaySubmission, port: 2587, dnsServer: dns.address });
      try {
        const load = async (workers: number, n: number, id: string) => {
          await sink.waitFor(delivered, 60_000);
          const before = { main: cpu(relay.pid, relay.pid), sys: cpu(relay.pid, undefined, true), all: cpu(relay.pid), threads: perThread(relay.pid) };
          const r = await runLoadgen({
            root: loadgenRoots[side],
            host: relay.host,
            port: relay.port,
            messages: n,
            sessions: workers,
            size: 4096,
            user: relay.user,
            password: relay.password,
            from: 'app@bench.test',
            to: 'someone@sink.test',
            runId: `ab-${id}-${Date.now()}`,
            perConnection: id === 'warm' ? 1 : perConnection,
            rate,
          });
          delivered += r.sent;
          await sink.waitFor(delivered, 60_000);
          const after = { main: cpu(relay.pid, relay.pid), sys: cpu(relay.pid, undefined, true), all: cpu(relay.pid), threads: perThread(relay.pid) };
          // The threads that used most CPU in the run, in µs per message (main thread, delivery thread,
          // V8's helpers, libuv's pool: their ids only, Node names none of them).
          const busiest = [...after.threads]
            .map(([tid, s]) => [tid, Math.round(((s - (before.threads.get(tid) ?? 0)) * 1e6) / Math.max(1, r.sent))] as const)
            .filter(([, us]) => us > 0)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8);
          // Node starts its platform's threads (a delayed-task scheduler, V8's four workers, the inspector's
          // signal watcher) right after the main thread and before anything else: the six lowest thread ids after it.
          const platform = [...after.threads.keys()].sort((a, b) => a - b).slice(1, 7);
          const helpers = platform.reduce((sum, tid) => sum + (after.threads.get(tid) ?? 0) - (before.threads.get(tid) ?? 0), 0);
          return { r, main: after.main - before.main, sys: after.sys - before.sys, all: after.all - before.all, busiest, helpers };
        };
        // As long as a measured run: a fresh relay's first thousands of messages pay for V8 compiling its
        // hot functions (0.6 ms of CPU per message on helper threads), which a 300-message warm-up left to
        // the first measured run.
        await load(20, Math.max(300, messages), 'warm');
        // --idle-after-warm: as in the per-message scenario, where each relay idles while the other servers
        // take their turns; after that long without load V8 has dropped some of its optimised code.
        await new Promise((r) => setTimeout(r, idleAfterWarm));
        for (const workers of workerCounts) {
          const { r, main, sys, all, busiest, helpers } = await load(workers, messages, `${side}${pair}-${workers}`);
          const seconds = (r.last_ack_ms - r.first_send_ms) / 1000;
          const row: Row = {
            side,
            pair,
            workers,
            msgs_per_s: Math.round(r.sent / seconds),
            p50_ms: Number(r.connect_latencies_ms.p50.toFixed(1)),
            p99_ms: Number(r.connect_latencies_ms.p99.toFixed(1)),
            main_cpu_ms_per_msg: Number(((main * 1000) / r.sent).toFixed(3)),
            relay_cpu_ms_per_msg: Number(((all * 1000) / r.sent).toFixed(3)),
            relay_sys_ms_per_msg: Number(((sys * 1000) / r.sent).toFixed(3)),
            helpers_us_per_msg: Math.round((helpers * 1e6) / r.sent),
            // An older load generator (--loadgen-a) reports only its whole CPU, start-up included.
            loadgen_cpu_ms_per_msg: Number(((r.cpu_load_ms ?? r.cpu_ms) / r.sent).toFixed(3)),
            loadgen_sys_ms_per_msg: Number(((r.cpu_load_sys_ms ?? Number.NaN) / r.sent).toFixed(3)),
            failed: r.failed,
            load: Number(os.loadavg()[0].toFixed(2)),
          };
          rows.push(row);
          const phases = Object.fromEntries(Object.entries(r.phases_ms).map(([k, v]) => [k, Number(v.p50.toFixed(2))]));
          const phases99 = Object.fromEntries(Object.entries(r.phases_ms).map(([k, v]) => [k, Number(v.p99.toFixed(2))]));
          process.stdout.write(
            `${JSON.stringify({ ...row, loadgen_startup_cpu_ms: r.cpu_load_ms === undefined ? null : Math.round(r.cpu_ms - r.cpu_load_ms), phases_p50_ms: phases, phases_p99_ms: phases99, thread_us_per_msg: Object.fromEntries(busiest) })}\n`,
          );
        }
      } finally {
        await relay.stop();
        if (process.env.AB_RELAY_LOG) process.stdout.write(relay.log().slice(-3000));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  await sink.stop();
  await dns.stop();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const workers of workerCounts) {
  for (const key of [
    'msgs_per_s',
    'p50_ms',
    'p99_ms',
    'main_cpu_ms_per_msg',
    'relay_cpu_ms_per_msg',
    'relay_sys_ms_per_msg',
    'helpers_us_per_msg',
    'loadgen_cpu_ms_per_msg',
    'loadgen_sys_ms_per_msg',
  ] as const) {
    const line = (['A', 'B'] as const).map((side) => {
      const xs = rows.filter((r) => r.side === side && r.workers === workers).map((r) => r[key]);
      return `${side} ${Number(median(xs).toFixed(3))} (${Math.min(...xs)}–${Math.max(...xs)})`;
    });
    process.stdout.write(`${workers}w ${key}: ${line.join('  ')}\n`);
  }
}
process.stdout.write(`load ${rows.map((r) => r.load).join(' ')}\n`);
