/**
 * memory: the relay's resident memory with `--memory-messages` messages queued and deferred.
 *
 * The real relay runs as its own process (`node bin/mailtrail.js start --config F`) with production
 * durability (synchronous=FULL) and default delivery limits. Its recipient MTA is Postfix's smtp-sink
 * on 127.0.3.20:25 answering `451 4.3.0` to every RCPT, found through dnsmasq (MX of 20 domains).
 * The queue is filled through the store's API (messages.enqueue, 1 recipient each, `--size` bytes)
 * BEFORE the relay starts: submitting 100,000 messages over SMTP would measure submission, not a full
 * queue. The relay then attempts every recipient once (the first retry is 5 minutes away); when none is
 * queued or leased any more, VmRSS and VmHWM are read from /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { NewMessage } from '../../src/store/store.js';
import { startDnsServer, type DnsServer } from '../../test/helpers/dns-server.js';
import { ensureLoopbackAddress, waitForPort } from '../lib/net.js';
import { relayNodeArgs } from '../lib/relay-process.js';
import { kill, SMTP_SINK } from '../lib/sink.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './types.js';

/** Addresses of this scenario (127.0.3.20–29; the relay/postfix/limit scenarios use 127.0.3.10–19). */
export const MEMORY_ADDR = { sink: '127.0.3.20', relay: '127.0.3.21' } as const;
const DOMAINS = 20;
const DEFER_REPLY = '451 4.3.0 Temporary local problem, try again later';

export interface MemoryOptions {
  /** Give up when the queue makes no progress for this long (default 120 s). */
  stallTimeoutMs?: number;
  /** Start the relay with --heapsnapshot-signal=SIGUSR2 and write a snapshot into `dir` at the end. */
  heapSnapshot?: boolean;
  /**
   * How long the relay idles after the last deferral before its steady-state memory is read (default 60 s:
   * V8 gives back the heap it grew during the burst some 30–45 s after allocation stops).
   */
  settleMs?: number;
  /** Run this JavaScript file instead of bin/mailtrail.js (e.g. a bundle without tsx, to compare). */
  relayEntry?: string;
}

/**
 * Loaded into the relay with --import: writes process.memoryUsage() to $BENCH_MEMORY_PROBE every second,
 * so the report can say how much of the RSS is JavaScript heap, and how much is outside it. Written beside
 * and renamed: a reader never sees a half-written file (it did once, and the figure came out null).
 */
const PROBE =
  'data:text/javascript,' +
  encodeURIComponent(
    "import{writeFileSync,renameSync}from'node:fs';const f=process.env.BENCH_MEMORY_PROBE;" +
      "setInterval(()=>{try{writeFileSync(f+'.tmp',JSON.stringify(process.memoryUsage()));renameSync(f+'.tmp',f)}catch{}},1000).unref();",
  );

interface Usage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function readProbe(file: string): Usage | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Usage;
  } catch {
    return null;
  }
}

interface Rss {
  rssMb: number;
  hwmMb: number;
}

function readRss(pid: number): Rss | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rssMb: Math.round(kb('VmRSS') / 102.4) / 10, hwmMb: Math.round(kb('VmHWM') / 102.4) / 10 };
  } catch {
    return null;
  }
}

function rawMessage(i: number, size: number, now: number): Buffer {
  const head =
    `From: Shop <noreply@shop.memory.test>\r\nTo: <user${i}@d${i % DOMAINS}.memory.test>\r\nSubject: Order ${i}\r\n` +
    `Date: ${new Date(now).toUTCString()}\r\nMessage-ID: <mem.${i}.${now}@shop.memory.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = 'This line stands for the body of a transactional mail that cannot be delivered yet.\r\n';
  return Buffer.from(head + line.repeat(Math.max(1, Math.ceil((size - head.length) / line.length))));
}

/** Enqueues `n` one-recipient messages, due now, through the store API (synchronous=NORMAL: setup only). */
async function fillQueue(dbPath: string, n: number, size: number): Promise<number> {
  const store = openSqliteStore({ path: dbPath, synchronous: 'NORMAL', busyTimeoutMs: 5_000 });
  store.db.pragma('temp_store = MEMORY');
  const started = performance.now();
  const now = Date.now();
  try {
    for (let start = 0; start < n; start += 1_000) {
      store.db.exec('BEGIN');
      for (let i = start; i < Math.min(n, start + 1_000); i++) {
        const raw = rawMessage(i, size, now);
        const m: NewMessage = {
          queueId: `MEM${String(i).padStart(13, '0')}`,
          messageId: `mem.${i}.${now}@shop.memory.test`,
          messageIdAdded: false,
          mailFrom: 'noreply@shop.memory.test',
          username: 'shop',
          clientIp: '127.0.0.1',
          clientHostname: 'localhost',
          tls: null,
          raw,
          sha256: createHash('sha256').update(raw).digest('hex'),
          tag: 'transactional',
          envId: null,
          ret: null,
          origin: 'submission',
          createdAt: now,
          recipients: [
            {
              address: `user${i}@d${i % DOMAINS}.memory.test`,
              domain: `d${i % DOMAINS}.memory.test`,
              notify: null,
              orcpt: null,
              state: 'queued',
              nextAttemptAt: now,
            },
          ],
          receivedDetail: { user: 'shop', size: raw.length, recipients: 1 },
        };
        await store.messages.enqueue(m);
      }
      store.db.exec('COMMIT');
    }
  } finally {
    if (store.db.inTransaction) store.db.exec('ROLLBACK');
    await store.close();
  }
  return performance.now() - started;
}

/** smtp-sink answering every RCPT with a soft error; no dump files, no counters. */
async function startDeferringSink(host: string): Promise<ChildProcess> {
  ensureLoopbackAddress(host);
  const child = spawn(SMTP_SINK, ['-u', 'nobody', '-r', 'RCPT', '-b', DEFER_REPLY, '-m', '512', '-t', '100', `inet:${host}:25`, '512'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (d) => (errors = (errors + d).slice(-2000)));
  try {
    await waitForPort(host, 25, 5_000, () => (child.exitCode !== null || child.signalCode !== null ? `smtp-sink exited: ${errors}` : null));
  } catch (err) {
    await kill(child);
    throw err;
  }
  return child;
}

export async function runMemory(ctx: ScenarioContext, opts: MemoryOptions = {}): Promise<ScenarioResult> {
  const n = ctx.flags.memoryMessages;
  const stallTimeoutMs = opts.stallTimeoutMs ?? 120_000;
  const dir = path.join(ctx.dir, 'memory');
  mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, 'mailtrail.db');
  const notes: string[] = [];

  ctx.progress(`memory: enqueueing ${n.toLocaleString('en')} messages of ${ctx.flags.size} B through the store API`);
  const fillMs = await fillQueue(dbPath, n, ctx.flags.size);

  let dns: DnsServer | null = null;
  let sink: ChildProcess | null = null;
  let relay: ChildProcess | null = null;
  let poll: ReturnType<typeof openSqliteStore> | null = null;
  try {
    dns = await startDnsServer({
      mx: Array.from({ length: DOMAINS }, (_, d) => ({ name: `d${d}.memory.test`, exchange: 'mx.memory.test', preference: 10 })),
      a: [{ name: 'mx.memory.test', address: MEMORY_ADDR.sink }],
    });
    sink = await startDeferringSink(MEMORY_ADDR.sink);
    ensureLoopbackAddress(MEMORY_ADDR.relay);

    const configPath = path.join(dir, 'mailtrail.yaml');
    writeFileSync(
      configPath,
      [
        'hostname: relay.memory.test',
        `database: { path: ${JSON.stringify(dbPath)}, synchronous: FULL }`,
        'log: { level: info }',
        'submission:',
        `  starttls: { enabled: true, host: ${MEMORY_ADDR.relay}, port: 0 }`,
        `  implicit_tls: { enabled: true, host: ${MEMORY_ADDR.relay}, port: 0 }`,
        'delivery:',
        `  dns_servers: [${JSON.stringify(dns.address)}]`,
        `api: { enabled: true, host: ${MEMORY_ADDR.relay}, port: 0 }`,
        '',
      ].join('\n'),
    );
    // The relay's JSON log (one line per attempt) goes to a file: a pipe nobody reads would stall it.
    const logFd = openSync(path.join(dir, 'relay.log'), 'w');
    const probeFile = path.join(dir, 'memory-usage.json');
    const nodeArgs = [...relayNodeArgs(), '--import', PROBE, ...(opts.heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2'] : [])];
    relay = spawn(process.execPath, [...nodeArgs, opts.relayEntry ?? path.join(ctx.root, 'bin/mailtrail.js'), 'start', '--config', configPath], {
      cwd: dir,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, BENCH_MEMORY_PROBE: probeFile },
    });
    closeSync(logFd);
    const pid = relay.pid!;
    const exited = () => relay!.exitCode !== null || relay!.signalCode !== null;

    ctx.progress(`memory: relay pid ${pid} attempting ${n.toLocaleString('en')} recipients (its MTA answers 451 to every RCPT)`);
    poll = openSqliteStore({ path: dbPath, synchronous: 'FULL', busyTimeoutMs: 5_000 });
    const started = Date.now();
    let firstRss: Rss | null = null;
    let lastWaiting = Number.POSITIVE_INFINITY;
    let lastProgress = Date.now();
    let lastReport = Date.now();
    let counts = { queued: n, deferred: 0, leased: 0 };
    /** When the peak was reached (to the second the loop reads it): while loading, early in the burst, or late. */
    let peak = { mb: 0, at: 0, deferred: 0 };
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      if (exited())
        throw new Error(
          `the relay exited (${relay.exitCode ?? relay.signalCode}) before the queue was attempted; see ${path.join(dir, 'relay.log')}: ${readFileSync(path.join(dir, 'relay.log'), 'utf8').slice(-1500)}`,
        );
      const rss = readRss(pid);
      firstRss ??= rss;
      const c = await poll.queue.countsByState(Date.now());
      counts = { queued: c.byState.queued ?? 0, deferred: c.byState.deferred ?? 0, leased: c.leased };
      if (rss && rss.hwmMb > peak.mb) peak = { mb: rss.hwmMb, at: (Date.now() - started) / 1000, deferred: counts.deferred };
      const waiting = counts.queued + counts.leased;
      if (waiting < lastWaiting) (lastWaiting = waiting), (lastProgress = Date.now());
      if (waiting === 0 && counts.deferred >= n) break;
      if (Date.now() - lastProgress > stallTimeoutMs)
        throw new Error(`memory: no progress for ${stallTimeoutMs / 1000} s (${counts.queued} queued, ${counts.leased} leased, ${counts.deferred} deferred)`);
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        ctx.progress(`memory: ${counts.deferred.toLocaleString('en')} deferred, ${counts.queued.toLocaleString('en')} queued, RSS ${rss?.rssMb ?? '?'} MB`);
      }
    }
    const attemptSeconds = (Date.now() - started) / 1000;
    // The steady state, not the tail of the burst: let the last transactions' buffers go and V8 shrink its
    // heap once allocation stops (its memory reducer acts after some idle seconds).
    const burst = readRss(pid);
    const settleMs = opts.settleMs ?? 60_000;
    for (let waited = 0; waited < settleMs; waited += 5_000) {
      await new Promise((r) => setTimeout(r, Math.min(5_000, settleMs - waited)));
      ctx.progress(`memory: all deferred, idle ${Math.min(settleMs, waited + 5_000) / 1000} s, RSS ${readRss(pid)?.rssMb ?? '?'} MB`);
    }
    const end = readRss(pid);
    if (!end) throw new Error('memory: the relay process vanished before its memory could be read');
    // The probe writes once a second: a short run may end before its first write.
    let usage = readProbe(probeFile);
    for (let i = 0; usage === null && i < 30 && !exited(); i++) {
      await new Promise((r) => setTimeout(r, 100));
      usage = readProbe(probeFile);
    }
    const mb = (b: number | undefined) => (b === undefined ? null : Math.round(b / 104857.6) / 10);

    if (opts.heapSnapshot) {
      process.kill(pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 5_000 + n / 20));
      notes.push(`memory: heap snapshot written to ${dir} (Heap.*.heapsnapshot).`);
    }

    const log = readFileSync(path.join(dir, 'relay.log'), 'utf8');
    const attemptLines = log.split('\n').filter((l) => l.includes('"event":"delivery.attempt"')).length;
    notes.push(
      `memory: ${n.toLocaleString('en')} messages of ${ctx.flags.size} B (1 recipient each, ${DOMAINS} domains) enqueued through the store API before the relay started ` +
        `(${(fillMs / 1000).toFixed(1)} s); the relay (bin/mailtrail.js start, synchronous=FULL, default delivery limits) ` +
        `attempted them all in ${attemptSeconds.toFixed(0)} s against smtp-sink answering "${DEFER_REPLY}" at RCPT; ` +
        `${attemptLines.toLocaleString('en')} delivery.attempt log lines. RSS read from /proc when the last recipient was deferred (burst end) and again after ${settleMs / 1000} s idle (steady state); peak is VmHWM (memory.peak_at_s / _deferred: when the 1-s poll first saw it, seconds after the start and recipients deferred by then). memory.heap_* is process.memoryUsage() inside the relay at the end.`,
    );
    return {
      figures: {
        memory_messages: n,
        memory_deferred: counts.deferred,
        memory_rss_start_mb: firstRss?.rssMb ?? null,
        memory_rss_burst_end_mb: burst?.rssMb ?? null,
        memory_rss_mb: end.rssMb,
        memory_peak_rss_mb: end.hwmMb,
        memory_peak_at_s: end.hwmMb > peak.mb ? null : peak.at,
        memory_peak_at_deferred: end.hwmMb > peak.mb ? null : peak.deferred,
        memory_heap_used_mb: mb(usage?.heapUsed),
        memory_heap_total_mb: mb(usage?.heapTotal),
        memory_external_mb: mb(usage?.external),
        memory_attempt_s: Math.round(attemptSeconds * 10) / 10,
        memory_attempts_per_s: Math.round(n / attemptSeconds),
        memory_fill_s: Math.round(fillMs / 100) / 10,
      },
      notes,
    };
  } finally {
    if (relay) await kill(relay, 'SIGTERM', 40_000);
    if (poll) await poll.close();
    if (sink) await kill(sink);
    if (dns) await dns.stop();
  }
}

export const run: Scenario = (ctx) => runMemory(ctx);
