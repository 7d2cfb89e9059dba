/**
 * relay: mailtrail as it runs in production (its own process started by `mailtrail start`, a fresh
 * SQLite database with synchronous=FULL, every phase recorded), loaded over K authenticated sessions by
 * the load generator in another process, delivering through a local DNS server (dnsmasq: MX of
 * sink.test → the smtp-sink) to Postfix's smtp-sink. Figures: submission and end-to-end rate, submit
 * latency, CPU and peak RSS of the relay process, and what it wrote to the database per message.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { startDnsServer } from '../../test/helpers/dns-server.js';
import { runLoadgen } from '../lib/loadgen.js';
import { ADDR, ensureLoopbackAddress, waitForPort } from '../lib/net.js';
import { cpuSeconds, peakRssMb } from '../lib/proc.js';
import { kill, startCountingSink } from '../lib/sink.js';
import { round } from './limit.js';
import type { Scenario } from './types.js';

/** The limits `mailtrail start` runs with, read from the schema so the report cannot drift from them. */
const DELIVERY_DEFAULTS = configSchema.parse({}).delivery;

const SUBMISSION_PORT = 2587;
/** The relay's log level in the benchmark; production's default is `info` (a JSON line per message and attempt). */
export const BENCH_LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';

export const run: Scenario = async ({ flags, dir, root, progress }) => {
  ensureLoopbackAddress(ADDR.relaySubmission);
  const sink = await startCountingSink(ADDR.relaySink);
  const dns = await startDnsServer({
    mx: [{ name: 'sink.test', exchange: 'mx.sink.test', preference: 10 }],
    a: [{ name: 'mx.sink.test', address: ADDR.relaySink }],
    // A real zone's TTL (dnsmasq's own records default to 0, which forbids caching).
    ttl: 300,
  });
  const cleanups: (() => Promise<void>)[] = [() => sink.stop(), () => dns.stop()];
  try {
    const configFile = path.join(dir, 'mailtrail.yaml');
    const dbPath = path.join(dir, 'mailtrail.db');
    writeFileSync(configFile, relayConfig(dbPath, dns.address));
    const password = randomBytes(18).toString('base64url');
    // The relay reads MAILTRAIL_* as config overrides: none leaks in from the operator's shell.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAILTRAIL_')));
    const env = { ...clean, MAILTRAIL_PASSWORD: password };
    const add = spawnSync(process.execPath, [path.join(root, 'bin/mailtrail.js'), 'users', 'add', 'bench', '--domains', 'bench.test', '--config', configFile], { cwd: root, env, encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`mailtrail users add failed: ${add.stderr || add.stdout}`);

    // --cpu-prof when asked (bench --profile): V8 writes the profile when the relay exits on SIGTERM.
    const profileDir = process.env.BENCH_PROFILE_DIR;
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const relay = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin/mailtrail.js'), 'start', '--config', configFile], { cwd: root, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    relay.stdout.on('data', (d) => (log = (log + d).slice(-20_000)));
    relay.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
    cleanups.unshift(() => kill(relay, 'SIGTERM', 30_000));
    await waitForPort(ADDR.relaySubmission, SUBMISSION_PORT, 30_000, () => (relay.exitCode !== null ? `the relay exited (${relay.exitCode}): ${log.slice(-2000)}` : null));
    const pid = relay.pid!;

    progress(`relay: ${flags.messages} messages, ${flags.sessions} sessions, ${flags.size} bytes → mailtrail ${ADDR.relaySubmission}:${SUBMISSION_PORT} → smtp-sink ${sink.host}:25 (MX via dnsmasq ${dns.address})`);
    const cpuBefore = cpuSeconds(pid);
    const load = await runLoadgen({ root, host: ADDR.relaySubmission, port: SUBMISSION_PORT, messages: flags.messages, sessions: flags.sessions, size: flags.size, user: 'bench', password, from: 'app@bench.test', to: 'someone@sink.test', runId: `relay-${Date.now()}` });
    progress(`relay: ${load.sent} accepted (${round(load.per_second)}/s); waiting for the sink to receive them`);
    const received = await sink.waitFor(load.sent, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; the relay's last log lines:\n${log.slice(-3000)}`);
    });
    const cpu = cpuSeconds(pid) - cpuBefore;
    const rss = peakRssMb(pid);
    // Stop first so the database is checkpointed and closed; then count what it holds.
    await kill(relay, 'SIGTERM', 30_000);
    cleanups.shift();
    const stored = countStored(dbPath);
    const submitSeconds = (load.last_ack_ms - load.first_send_ms) / 1000;
    const e2eSeconds = (received - load.first_send_ms) / 1000;
    const delivered = stored.delivered;
    return {
      figures: {
        sent: load.sent,
        failed: load.failed,
        delivered,
        submit_msgs_per_s: round(load.sent / submitSeconds),
        e2e_msgs_per_s: round(load.sent / e2eSeconds),
        submit_p50_ms: round(load.latencies_ms.p50, 2),
        submit_p99_ms: round(load.latencies_ms.p99, 2),
        submit_max_ms: round(load.latencies_ms.max, 2),
        cpu_s: round(cpu, 2),
        cpu_ms_per_msg: delivered ? round((cpu * 1000) / delivered, 3) : null,
        peak_rss_mb: rss,
        events_per_msg: stored.messages ? round(stored.events / stored.messages, 2) : null,
        db_mb: round(stored.bytes / 1e6, 1),
        log_level: BENCH_LOG_LEVEL,
      },
      notes: [
        `mailtrail started with \`mailtrail start\` in its own process: database synchronous=FULL (production default), WAL; log level ${BENCH_LOG_LEVEL} (production default: info); delivery limits at their defaults (max_connections ${DELIVERY_DEFAULTS.max_connections}, max_connections_per_domain ${DELIVERY_DEFAULTS.max_connections_per_domain}, max_connections_per_host ${DELIVERY_DEFAULTS.max_connections_per_host}); submission max_connections_per_ip raised to 1000 so the load generator's reconnects (every 100 messages) are never refused; cleartext AUTH PLAIN on loopback, no TLS on either side.`,
        'End to end = first message submitted → the sink has received the last one. CPU = user+system time of the relay process (all threads) from /proc between just before the load and the last message received. Peak RSS = VmHWM.',
        ...(load.failed ? [`${load.failed} submissions failed: ${JSON.stringify(load.failures)}`] : []),
        ...(delivered !== load.sent ? [`${load.sent} accepted but ${delivered} recorded delivered`] : []),
        ...(profileDir ? [`CPU profile of the relay written to ${profileDir}`] : []),
      ],
    };
  } finally {
    for (const c of cleanups) await c().catch(() => {});
  }
};

function relayConfig(dbPath: string, dnsServer: string): string {
  return `# written by bench/scenarios/relay.ts
hostname: relay.bench.test
database:
  path: ${JSON.stringify(dbPath)}
  synchronous: FULL
log:
  level: ${BENCH_LOG_LEVEL}
submission:
  starttls: { enabled: true, host: ${ADDR.relaySubmission}, port: ${SUBMISSION_PORT} }
  implicit_tls: { enabled: false, host: ${ADDR.relaySubmission}, port: 2465 }
  cleartext_auth: loopback
  limits:
    max_connections_per_ip: 1000
delivery:
  enabled: true
  dns_servers: [${JSON.stringify(dnsServer)}]
  port: 25
bounces:
  enabled: false
api:
  enabled: false
`;
}

function countStored(dbPath: string): { messages: number; events: number; delivered: number; bytes: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const bytes = statSync(dbPath).size;
    return {
      messages: one('SELECT COUNT(*) AS n FROM messages'),
      events: one('SELECT COUNT(*) AS n FROM events'),
      delivered: one("SELECT COUNT(*) AS n FROM recipients WHERE state = 'delivered'"),
      bytes,
    };
  } finally {
    db.close();
  }
}
