/**
 * Diagnostic driver (issue 18): one relay, the per-message scenario's warm-up (4,000 cleartext, 1,000 STARTTLS
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
 * usage: node --import tsx bench/diag-per-message.ts --root DIR [--rounds 3] [--messages 4000] [--idle-ms 0] [--idle 40000,0,40000,0]
 */
import { readdirSync, readFileSync } from 'node:fs';
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
const run = async (id: string, n: number, starttls: boolean, rate?: number) => {
  await sink.waitFor(delivered, 60_000);
  const before = threadCpu(relay.pid);
  const r = await runLoadgen({
    root: here,
    host: relay.host,
    port: relay.port,
    messages: n,
    sessions: 20,
    size: 4096,
    user: relay.user,
    password: relay.password,
    from: 'app@bench.test',
    to: 'someone@sink.test',
    runId: `${id}-${Date.now()}`,
    perConnection: 1,
    starttls,
    rate,
  });
  delivered += r.sent;
  await sink.waitFor(delivered, 60_000);
  const after = threadCpu(relay.pid);
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
    load: os.loadavg()[0],
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
try {
  await run('warm-none', messages, false);
  await run('warm-starttls', Math.ceil(messages / 4), true);
  const idle = values.idle?.split(',').map(Number);
  for (const [i, ms] of (idle ?? []).entries()) {
    await new Promise((r) => setTimeout(r, ms));
    await run(`flat${i + 1}-after-${ms}ms-idle`, messages, false);
  }
  if (!idle)
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
