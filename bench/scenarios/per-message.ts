/**
 * per-message: apps that open a new connection for every message (Django's send_mail, ActionMailer,
 * PHPMailer, nodemailer without a pool). Each message: connect, greeting, EHLO, [STARTTLS, EHLO],
 * AUTH PLAIN (mailtrail, Haraka), MAIL/RCPT/DATA, QUIT. mailtrail with its default submission limits,
 * Postfix and Haraka with STARTTLS, all delivering to the same smtp-sink, run in turns
 * (mailtrail, Postfix, Haraka, mailtrail, …) at 20 and 50 workers from one address, in cleartext and
 * with STARTTLS (resuming each worker's previous TLS session, as clients with a session cache do; and
 * once without resumption, to price a full handshake). Each server first gets one warm-up pass, not
 * measured (cleartext and STARTTLS). The whole plan is repeated `--repeat` times (one server instance
 * each for all rounds); every round's figures are returned, and the runner reports their medians and spreads.
 *
 * Figures per run: accepted msgs/s, refused connections, latency from connect() to the 250 after DATA
 * (p50/p99), TLS handshake time (p50) and how many handshakes were resumptions, CPU ms per message of
 * the server's processes during the run. Per round also: mailtrail's refused connections in all its
 * runs, and its highest cleartext p99.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postfixUnavailable, startPostfix, type PostfixInstance } from '../../test/helpers/postfix.js';
import { startDnsServer } from '../../test/helpers/dns-server.js';
import { ensureHaraka } from '../lib/haraka-install.js';
import { startHaraka } from '../lib/haraka-process.js';
import { runLoadgen, type LoadgenResult } from '../lib/loadgen.js';
import { ADDR } from '../lib/net.js';
import { cpuSeconds, machineCpuSeconds, treeCpuSeconds } from '../lib/proc.js';
import { startRelay } from '../lib/relay-process.js';
import { startCountingSink } from '../lib/sink.js';
import { round } from './limit.js';
import type { Figures, Scenario } from './types.js';

const SUBMISSION_PORT = 2587;

interface Target {
  name: 'mailtrail' | 'postfix' | 'haraka';
  host: string;
  port: number;
  /** The account to AUTH as, or null: the server relays for loopback without AUTH (Postfix here). */
  user: { name: string; password: string } | null;
  cpu(): number;
}

interface Run {
  target: Target['name'];
  workers: number;
  tls: 'none' | 'starttls' | 'starttls-no-resume';
  /** Offered messages per second (paced, open loop); absent = every worker as fast as it can. */
  rate?: number;
}

/**
 * The paced run's offered load: 20 workers each sending a message every 100 ms, a busy app fleet but
 * below what any of the three servers accepts on this machine. Flat out, 20 or 50 workers keep the
 * server saturated and a message's mean latency is workers ÷ throughput (Little's law): at 600 msgs/s
 * that is 33 ms before any wait of the server's own, so the saturated p99 measures the CPU, and the
 * paced p99 measures what one message waits.
 */
const PACED_RATE = 200;

export const run: Scenario = async ({ flags, dir, root, progress }) => {
  const messages = Math.max(500, Math.min(flags.messages, 4_000));
  const sink = await startCountingSink(ADDR.relaySink);
  const dns = await startDnsServer({
    mx: [{ name: 'sink.test', exchange: 'mx.sink.test', preference: 10 }],
    a: [{ name: 'mx.sink.test', address: ADDR.relaySink }],
    ttl: 300,
  });
  const cleanups: (() => Promise<void>)[] = [() => sink.stop(), () => dns.stop()];
  try {
    const relay = await startRelay({ root, dir, host: ADDR.relaySubmission, port: SUBMISSION_PORT, dnsServer: dns.address });
    cleanups.unshift(() => relay.stop());
    const targets: Target[] = [
      { name: 'mailtrail', host: relay.host, port: relay.port, user: { name: relay.user, password: relay.password }, cpu: () => cpuSeconds(relay.pid) },
    ];
    const why = postfixUnavailable();
    let pf: PostfixInstance | null = null;
    if (!why) {
      pf = await startPostfix({
        host: ADDR.postfix,
        hostname: 'postfix.bench.test',
        transports: { 'sink.test': `[${ADDR.relaySink}]:25` },
        tls: true,
        main: {
          queue_run_delay: '300s',
          minimal_backoff_time: '300s',
          maximal_backoff_time: '4000s',
          delay_warning_time: '0h',
        },
      });
      cleanups.unshift(() => pf!.stop());
      const master = Number.parseInt(readFileSync(path.join(pf.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim(), 10);
      targets.push({ name: 'postfix', host: pf.host, port: 25, user: null, cpu: () => treeCpuSeconds(master) });
    }
    const installed = ensureHaraka(progress);
    if (!('unavailable' in installed)) {
      const harakaDir = path.join(dir, 'haraka');
      mkdirSync(harakaDir);
      const haraka = await startHaraka({
        bin: installed.bin,
        dir: harakaDir,
        host: ADDR.haraka,
        port: 25,
        sinkDomain: 'sink.test',
        sinkHost: sink.host,
        sinkPort: sink.port,
        tls: true,
      });
      cleanups.unshift(() => haraka.stop());
      targets.push({
        name: 'haraka',
        host: haraka.host,
        port: 25,
        user: { name: haraka.user, password: haraka.password },
        cpu: () => treeCpuSeconds(haraka.pid),
      });
    }

    const plan: Run[] = [];
    for (const workers of [20, 50]) {
      for (const tls of ['none', 'starttls'] as const) for (const t of targets) plan.push({ target: t.name, workers, tls });
    }
    for (const t of targets) plan.push({ target: t.name, workers: 20, tls: 'starttls-no-resume' });
    for (const t of targets) plan.push({ target: t.name, workers: 20, tls: 'none', rate: PACED_RATE });

    const rounds: Figures[] = [];
    let delivered = 0;
    // One warm-up pass per server before the measured rounds, not measured, the same for every server: a
    // fresh process's first thousands of messages pay for its start, not for a message (mailtrail's V8
    // compiles ~500 hot functions then, 0.6 ms of CPU per message on helper threads that the later runs
    // do not pay; Postfix spawns its smtpd and cleanup processes). Without it round 1 measured that start:
    // the slowest round of both mailtrail and Postfix in each of the four whole runs of 2026-12-04.
    // STARTTLS first, cleartext last: each server's round 1 then starts, like its rounds 2 and 3 (after the paced
    // run), from cleartext load. Measured (2026-12-05 09:25 section): with STARTTLS last, mailtrail's V8 optimised
    // 81–84 functions again in round 1's first run (among them those the TLS sockets had deoptimised); with
    // cleartext last 53–79, and 6–11 in round 2's.
    for (const t of targets) {
      for (const tls of ['starttls', 'none'] as const) {
        const count = tls === 'none' ? messages : Math.ceil(messages / 4);
        progress(`per-message warm-up: ${t.name}, 20 workers, ${tls}: ${count} messages, not measured`);
        const warm = await runLoadgen({
          root,
          host: t.host,
          port: t.port,
          messages: count,
          sessions: 20,
          size: flags.size,
          user: t.user?.name,
          password: t.user?.password,
          from: 'app@bench.test',
          to: 'someone@sink.test',
          runId: `pm-warm-${t.name}-${tls}-${Date.now()}`,
          perConnection: 1,
          starttls: tls !== 'none',
        });
        delivered += warm.sent;
        await sink.waitFor(delivered, 60_000);
      }
    }
    for (let n = 1; n <= flags.repeat; n++) {
      // The machine's load when the round started: the runner records it once for the whole scenario.
      const figures: Figures = { messages_per_run: messages, load_avg_1m: round(os.loadavg()[0], 2) };
      for (const r of plan) {
        const t = targets.find((x) => x.name === r.target)!;
        // Each run starts with the previous one's mail delivered, so no run pays for another's deliveries.
        await sink.waitFor(delivered, 60_000);
        progress(`per-message round ${n}/${flags.repeat}: ${r.target}, ${r.workers} workers, ${r.tls}: ${messages} messages, one connection each`);
        const cpuBefore = t.cpu();
        const machineBefore = machineCpuSeconds();
        const wallBefore = Date.now();
        const load = await runLoadgen({
          root,
          host: t.host,
          port: t.port,
          messages,
          sessions: r.workers,
          size: flags.size,
          user: t.user?.name,
          password: t.user?.password,
          from: 'app@bench.test',
          to: 'someone@sink.test',
          runId: `pm-${r.target}-${r.workers}-${r.tls}-${Date.now()}`,
          perConnection: 1,
          starttls: r.tls !== 'none',
          noResume: r.tls === 'starttls-no-resume',
          rate: r.rate,
        });
        const cpu = t.cpu() - cpuBefore;
        const machine = machineCpuSeconds();
        delivered += load.sent;
        const key = `${r.target}_${r.workers}w_${r.tls.replace(/-/g, '_')}${r.rate ? `_paced_${r.rate}` : ''}`;
        Object.assign(figures, runFigures(key, load, cpu));
        // What the rest of the machine took during the run, in cores: everything busy minus the server and the
        // load generator (the sink, the idle servers, the benchmark itself, anything else running). A slow run
        // with a high figure here was a busy machine; one without, the server.
        const wall = (Date.now() - wallBefore) / 1000;
        const others = machine.busy - machineBefore.busy - cpu - (load.cpu_ms ?? 0) / 1000;
        figures[`${key}_others_cores`] = wall > 0 ? round(Math.max(0, others) / wall, 2) : null;
        figures[`${key}_iowait_cores`] = wall > 0 ? round((machine.iowait - machineBefore.iowait) / wall, 2) : null;
        progress(`per-message: ${key}: ${figures[`${key}_accepted_msgs_per_s`]}/s, ${load.refused} refused, connect→250 p99 ${figures[`${key}_p99_ms`]} ms`);
      }
      figures.mailtrail_refused_total = sumOf(figures, /^mailtrail_.*_refused$/);
      figures.mailtrail_none_p99_ms_max = maxOf(figures, /^mailtrail_\d+w_none_p99_ms$/);
      figures.mailtrail_paced_p99_ms = figures[`mailtrail_20w_none_paced_${PACED_RATE}_p99_ms`] ?? null;
      rounds.push(figures);
    }
    return {
      figures: {},
      rounds,
      notes: [
        `Each message on its own connection: connect, greeting, EHLO, [STARTTLS, EHLO,] AUTH PLAIN (mailtrail and Haraka), MAIL/RCPT/DATA pipelined, QUIT; ${messages} messages of ${flags.size} bytes per run, all workers from one address (127.0.0.1), runs in turns ${targets.map((t) => t.name).join('/')}, each after the previous run's mail reached the sink; the plan repeated ${flags.repeat} times, after one warm-up pass per server that is not measured (${Math.ceil(messages / 4)} messages with STARTTLS, then ${messages} in cleartext, 20 workers; a fresh process's first thousands of messages pay for its start, and round 1 starts after cleartext load as rounds 2 and 3 do).`,
        'mailtrail: `mailtrail start`, SQLite synchronous=FULL, submission limits at their defaults (max_connections_per_ip 50 anonymous, max_authenticated_per_ip 150, no trusted networks), self-signed certificate.',
        why
          ? `Postfix skipped: ${why}`
          : "Postfix: stock Debian package, private instance, STARTTLS with a self-signed RSA-2048 certificate and tlsmgr for session tickets, default durability. It relays for loopback by mynetworks WITHOUT AUTH (its SASL needs Cyrus or Dovecot; Debian's Cyrus setup did not take a private config directory), which spares it the AUTH round trip and check that mailtrail pays: its figures are the stronger baseline. Loopback in mynetworks also exempts it from anvil's per-client limits, as on a default install.",
        'unavailable' in installed
          ? `Haraka skipped: ${installed.unavailable}`
          : `Haraka ${installed.version}: as in the haraka scenario (auth/flat_file, outbound queue fsynced before 250, smart host to the sink), plus the stock tls plugin with a self-signed RSA-2048 certificate.`,
        `Paced: 20 workers, cleartext, ${PACED_RATE} messages a second offered in all (each worker's next message due every ${(20_000 / PACED_RATE).toFixed(0)} ms, open loop); its connect → 250 latency counts from when the message was due, so a late start is counted. The other runs are flat out (closed loop), where the mean latency is workers ÷ throughput whatever the server's own waits.`,
        "TLS: workers offer their previous connection's session (tickets) unless the run says no_resume; tls_resumed counts the handshakes the server accepted as resumptions. CPU = the server's processes (mailtrail: the relay process, all threads; Postfix: the master's tree; Haraka: its master and worker).",
        'others_cores: CPU the rest of the machine used during the run (all busy CPU from /proc/stat minus the server and the load generator), in cores of the machine; iowait_cores: time its cores waited for the disk. A slow run with high others_cores had a busy machine.',
      ],
    };
  } finally {
    for (const c of cleanups) await c().catch(() => {});
  }
};

function matching(figures: Figures, re: RegExp): number[] {
  return Object.entries(figures)
    .filter(([k, v]) => re.test(k) && typeof v === 'number')
    .map(([, v]) => v as number);
}
const sumOf = (f: Figures, re: RegExp): number | null => (matching(f, re).length ? matching(f, re).reduce((a, b) => a + b, 0) : null);
const maxOf = (f: Figures, re: RegExp): number | null => (matching(f, re).length ? Math.max(...matching(f, re)) : null);

function runFigures(key: string, load: LoadgenResult, cpu: number): Record<string, number | null> {
  const seconds = (load.last_ack_ms - load.first_send_ms) / 1000;
  return {
    [`${key}_accepted_msgs_per_s`]: seconds > 0 ? round(load.sent / seconds) : null,
    [`${key}_refused`]: load.refused,
    [`${key}_failed`]: load.failed,
    [`${key}_p50_ms`]: round(load.connect_latencies_ms.p50, 2),
    [`${key}_p99_ms`]: round(load.connect_latencies_ms.p99, 2),
    ...(load.tls.handshakes ? { [`${key}_tls_handshake_p50_ms`]: round(load.tls.handshake_ms.p50, 2), [`${key}_tls_resumed`]: load.tls.resumed } : {}),
    [`${key}_cpu_ms_per_msg`]: load.sent ? round((cpu * 1000) / load.sent, 3) : null,
    [`${key}_client_cpu_ms_per_msg`]: load.sent && load.cpu_ms !== undefined ? round(load.cpu_ms / load.sent, 3) : null,
    // The same without the load generator's start-up (node, tsx, building the body: about 0.3 s before its first
    // connection), i.e. what it took from the cores while the server worked.
    [`${key}_client_load_cpu_ms_per_msg`]: load.sent && load.cpu_load_ms !== undefined ? round(load.cpu_load_ms / load.sent, 3) : null,
  };
}
