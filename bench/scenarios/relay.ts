/**
 * relay: mailtrail as it runs in production (its own process started by `mailtrail start`, a fresh
 * SQLite database with synchronous=FULL, every phase recorded), loaded over K authenticated sessions by
 * the load generator in another process, delivering through a local DNS server (dnsmasq: MX of
 * sink.test → the smtp-sink) to Postfix's smtp-sink. Figures: submission and end-to-end rate, submit
 * latency, CPU and peak RSS of the relay process, and what it wrote to the database per message.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { configSchema } from '../../src/config/schema.js';
import { startDnsServer } from '../../test/helpers/dns-server.js';
import { runLoadgen } from '../lib/loadgen.js';
import { ADDR } from '../lib/net.js';
import { cpuSeconds, peakRssMb, peakSampler, treePssMb } from '../lib/proc.js';
import { BENCH_LOG_LEVEL, startRelay } from '../lib/relay-process.js';
import { relayFigures } from '../lib/relay-figures.js';
import { startCountingSink } from '../lib/sink.js';
import { round } from './limit.js';
import type { Scenario } from './types.js';

/** The limits `mailtrail start` runs with, read from the schema so the report cannot drift from them. */
const DELIVERY_DEFAULTS = configSchema.parse({}).delivery;

const SUBMISSION_PORT = 2587;

export const run: Scenario = async ({ flags, dir, root, progress }) => {
  const sink = await startCountingSink(ADDR.relaySink);
  const dns = await startDnsServer({
    mx: [{ name: 'sink.test', exchange: 'mx.sink.test', preference: 10 }],
    a: [{ name: 'mx.sink.test', address: ADDR.relaySink }],
    // A real zone's TTL (dnsmasq's own records default to 0, which forbids caching).
    ttl: 300,
  });
  const cleanups: (() => Promise<void>)[] = [() => sink.stop(), () => dns.stop()];
  try {
    const relay = await startRelay({ root, dir, host: ADDR.relaySubmission, port: SUBMISSION_PORT, dnsServer: dns.address });
    cleanups.unshift(() => relay.stop());
    const { pid, password, dbPath } = relay;
    const profileDir = process.env.BENCH_PROFILE_DIR;

    progress(`relay: ${flags.messages} messages, ${flags.sessions} sessions, ${flags.size} bytes → mailtrail ${ADDR.relaySubmission}:${SUBMISSION_PORT} → smtp-sink ${sink.host}:25 (MX via dnsmasq ${dns.address})`);
    const cpuBefore = cpuSeconds(pid);
    const memory = peakSampler(() => treePssMb(pid));
    const load = await runLoadgen({ root, host: ADDR.relaySubmission, port: SUBMISSION_PORT, messages: flags.messages, sessions: flags.sessions, size: flags.size, user: 'bench', password, from: 'app@bench.test', to: 'someone@sink.test', runId: `relay-${Date.now()}` });
    progress(`relay: ${load.sent} accepted (${round(load.per_second)}/s); waiting for the sink to receive them`);
    const received = await sink.waitFor(load.sent, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; the relay's last log lines:\n${relay.log().slice(-3000)}`);
    });
    const cpu = cpuSeconds(pid) - cpuBefore;
    const peakMem = memory.stop();
    const rss = peakRssMb(pid);
    // Stop first so the database is checkpointed and closed; then count what it holds.
    await relay.stop();
    const stored = countStored(dbPath);
    const delivered = stored.delivered;
    return {
      figures: {
        ...relayFigures({ load, receivedAt: received, delivered, cpuSeconds: cpu, peakMemMb: peakMem }),
        peak_rss_mb: rss,
        events_per_msg: stored.messages ? round(stored.events / stored.messages, 2) : null,
        db_mb: round(stored.bytes / 1e6, 1),
        log_level: BENCH_LOG_LEVEL,
      },
      notes: [
        `mailtrail started with \`mailtrail start\` in its own process: database synchronous=FULL (production default), WAL; log level ${BENCH_LOG_LEVEL} (production default: info); delivery limits at their defaults (max_connections ${DELIVERY_DEFAULTS.max_connections}, max_connections_per_domain ${DELIVERY_DEFAULTS.max_connections_per_domain}, max_connections_per_host ${DELIVERY_DEFAULTS.max_connections_per_host}); submission limits at their defaults; cleartext AUTH PLAIN on loopback, no TLS on either side.`,
        'End to end = first message submitted → the sink has received the last one. CPU = user+system time of the relay process (all threads) from /proc between just before the load and the last message received. Peak RSS = VmHWM (since the start); peak memory = the highest PSS during the run, sampled every 200 ms, as for the peers\' process trees.',
        ...(load.failed ? [`${load.failed} submissions failed: ${JSON.stringify(load.failures)}`] : []),
        ...(delivered !== load.sent ? [`${load.sent} accepted but ${delivered} recorded delivered`] : []),
        ...(profileDir ? [`CPU profile of the relay written to ${profileDir}`] : []),
      ],
    };
  } finally {
    for (const c of cleanups) await c().catch(() => {});
  }
};

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
