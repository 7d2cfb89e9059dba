/**
 * relay: mailtrail as it runs in production (its own process started by `mailtrail start`, a fresh
 * SQLite database with synchronous=FULL, every phase recorded), loaded over K authenticated sessions by
 * the load generator in another process, delivering through a local DNS server (dnsmasq: MX of
 * sink.test → the smtp-sink) to Postfix's smtp-sink. Figures: submission and end-to-end rate, submit
 * latency, CPU and peak RSS of the relay process, and what it wrote to the database per message.
 *
 * The same run on PostgreSQL (bench/scenarios/relay-pg.ts: one node; relay-pg-2nodes.ts: two relays on one
 * database, the sessions shared between them) adds the database server's CPU and what the relay asked of
 * it per message: transactions and statements (round trips), read from the server (bench/lib/postgres.ts).
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { startDnsServer } from '../../test/helpers/dns-server.js';
import { runLoadgen } from '../lib/loadgen.js';
import { ADDR } from '../lib/net.js';
import { perMessage, startBenchPostgres, type BenchPostgres } from '../lib/postgres.js';
import { cpuSeconds, peakRssMb, peakSampler, treePssMb } from '../lib/proc.js';
import { BENCH_LOG_LEVEL, startRelay, type RelayProcess } from '../lib/relay-process.js';
import { relayFigures } from '../lib/relay-figures.js';
import { startCountingSink } from '../lib/sink.js';
import { round } from './limit.js';
import type { Figures, Scenario, ScenarioContext, ScenarioResult } from './types.js';

/** The limits `mailtrail start` runs with, read from the schema so the report cannot drift from them. */
const DELIVERY_DEFAULTS = configSchema.parse({}).delivery;
const POOL_DEFAULT = 10;

const SUBMISSION_PORT = 2587;

export interface RelayRunOptions {
  backend: 'sqlite' | 'postgres';
  /** Relays on the one database (PostgreSQL only): each gets every other session. */
  nodes?: 1 | 2;
}

export const run: Scenario = (ctx) => runRelay(ctx, { backend: 'sqlite' });

export async function runRelay({ flags, dir, root, progress }: ScenarioContext, o: RelayRunOptions): Promise<ScenarioResult> {
  const name = o.backend === 'sqlite' ? 'relay' : o.nodes === 2 ? 'relay-pg-2nodes' : 'relay-pg';
  const nodes = o.backend === 'postgres' ? (o.nodes ?? 1) : 1;
  const sink = await startCountingSink(ADDR.relaySink);
  const dns = await startDnsServer({
    mx: [{ name: 'sink.test', exchange: 'mx.sink.test', preference: 10 }],
    a: [{ name: 'mx.sink.test', address: ADDR.relaySink }],
    // A real zone's TTL (dnsmasq's own records default to 0, which forbids caching).
    ttl: 300,
  });
  const cleanups: (() => Promise<void>)[] = [() => sink.stop(), () => dns.stop()];
  try {
    let pg: BenchPostgres | null = null;
    if (o.backend === 'postgres') {
      pg = await startBenchPostgres();
      const stopPg = pg.stop;
      cleanups.push(async () => stopPg());
    }
    const dbBefore = pg ? await pg.counters() : null;
    const relays: RelayProcess[] = [];
    for (const [i, host] of [ADDR.relaySubmission, ADDR.relaySubmission2].slice(0, nodes).entries()) {
      const relay = await startRelay({
        root,
        dir: nodes > 1 ? path.join(dir, `node${i + 1}`) : dir,
        host,
        port: SUBMISSION_PORT,
        dnsServer: dns.address,
        postgresUrl: pg?.url,
        password: relays[0]?.password,
      });
      relays.push(relay);
      cleanups.unshift(() => relay.stop());
    }
    const { password } = relays[0]!;
    const hosts = relays.map((r) => r.host);
    const profileDir = process.env.BENCH_PROFILE_DIR;

    progress(
      `${name}: ${flags.messages} messages, ${flags.sessions} sessions, ${flags.size} bytes → mailtrail ${hosts.join(' and ')}:${SUBMISSION_PORT}${pg ? ` on PostgreSQL ${pg.cluster.port}` : ''} → smtp-sink ${sink.host}:25 (MX via dnsmasq ${dns.address})`,
    );
    const relayCpu = () => relays.reduce((a, r) => a + cpuSeconds(r.pid), 0);
    const cpuBefore = relayCpu();
    const dbCpuBefore = pg?.cpuSeconds() ?? 0;
    const memory = peakSampler(() => relays.reduce((a, r) => a + treePssMb(r.pid), 0));
    const load = await runLoadgen({
      root,
      host: hosts.join(','),
      port: SUBMISSION_PORT,
      messages: flags.messages,
      sessions: flags.sessions,
      size: flags.size,
      user: 'bench',
      password,
      from: 'app@bench.test',
      to: 'someone@sink.test',
      runId: `${name}-${Date.now()}`,
    });
    progress(`${name}: ${load.sent} accepted (${round(load.per_second)}/s); waiting for the sink to receive them`);
    const received = await sink.waitFor(load.sent, 60_000).catch(async (err: Error) => {
      const waiting = pg ? await undeliveredPg(pg).catch((e: Error) => `(not read: ${e.message})`) : null;
      throw new Error(
        `${err.message}${waiting !== null ? `; in the database, not delivered: ${waiting || 'none (every recipient is recorded delivered: the sink did not count them all)'}` : ''}; the relay's last log lines:\n${relays.map((r) => r.log().slice(-3000)).join('\n')}`,
      );
    });
    const cpu = relayCpu() - cpuBefore;
    const dbCpu = pg ? pg.cpuSeconds() - dbCpuBefore : 0;
    const peakMem = memory.stop();
    const rss = relays.map((r) => peakRssMb(r.pid) ?? 0).reduce((a, b) => Math.max(a, b), 0);
    // Stop first so the database is checkpointed and closed (SQLite) or every backend has handed in its
    // statistics (PostgreSQL); then count what it holds.
    for (const r of relays) await r.stop();
    const stops = relays.map((r) => r.stopped()!);
    const dbAfter = pg ? await pg.counters() : null;
    const roundTrips = pg ? relays.reduce((sum, r) => sum + (r.roundTrips() ?? 0), 0) : null;
    const stored = pg ? await countStoredPg(pg) : countStored(relays[0]!.dbPath!);
    const delivered = stored.delivered;
    // What became of the others: the first thing to know when a run falls short.
    const shortfall = delivered !== load.sent ? (pg ? await undeliveredPg(pg) : null) : null;
    const db = dbBefore && dbAfter ? perMessage(dbBefore, dbAfter, delivered || 1) : null;
    const figures: Figures = {
      ...relayFigures({ load, receivedAt: received, delivered, cpuSeconds: cpu + dbCpu, peakMemMb: peakMem }),
      peak_rss_mb: rss,
      events_per_msg: stored.messages ? round(stored.events / stored.messages, 2) : null,
      db_mb: round(stored.bytes / 1e6, 1),
      log_level: BENCH_LOG_LEVEL,
    };
    if (pg && db) {
      Object.assign(figures, {
        relay_cpu_ms_per_msg: delivered ? round((cpu * 1000) / delivered, 3) : null,
        db_cpu_ms_per_msg: delivered ? round((dbCpu * 1000) / delivered, 3) : null,
        db_transactions_per_msg: round(db.transactions, 2),
        db_statements_per_msg: round(db.statements, 2),
        db_round_trips_per_msg: roundTrips !== null && delivered ? round(roundTrips / delivered, 2) : null,
        nodes,
      });
    }
    return {
      figures,
      notes: [
        `mailtrail started with \`mailtrail start\` in its own process${nodes > 1 ? ` (${nodes} of them, on ${hosts.join(' and ')}, the load generator's sessions alternating between them)` : ''}: ${
          pg
            ? `PostgreSQL (a private cluster of this machine's server, fsync and full_page_writes on, synchronous_commit on as mailtrail requires, shared_buffers 256MB; database.pool ${POOL_DEFAULT} per relay thread)`
            : 'database synchronous=FULL (production default), WAL'
        }; log level ${BENCH_LOG_LEVEL} (production default: info); delivery limits at their defaults (max_connections ${DELIVERY_DEFAULTS.max_connections}, max_connections_per_domain ${DELIVERY_DEFAULTS.max_connections_per_domain}, max_connections_per_host ${DELIVERY_DEFAULTS.max_connections_per_host}); submission limits at their defaults; cleartext AUTH PLAIN on loopback, no TLS on either side.`,
        `End to end = first message submitted → the sink has received the last one. CPU = user+system time of the relay process${nodes > 1 ? 'es' : ''} (all threads)${pg ? ' plus the PostgreSQL server (postmaster, backends, background processes: it does the work SQLite does inside the relay); relay_cpu_ms_per_msg and db_cpu_ms_per_msg split it' : ''}, from /proc between just before the load and the last message received. Peak RSS = VmHWM (since the start); peak memory = the highest PSS${pg ? ' of the relays (the database server not included)' : ''} during the run, sampled every 200 ms, as for the peers' process trees.`,
        ...(db
          ? [
              `PostgreSQL, per delivered message, from the server's own counters between before the relay${nodes > 1 ? 's' : ''} started and after ${nodes > 1 ? 'they' : 'it'} stopped (start-up and the benchmark's two reads included): ${round(db.transactions, 2)} transactions (pg_stat_database), ${round(db.statements, 2)} statements (pg_stat_statements, BEGIN and COMMIT included); ${roundTrips !== null && delivered ? round(roundTrips / delivered, 2) : '?'} round trips, counted in the relay's threads (queries sent by node-postgres, which does not pipeline; a query may hold several statements). By statement: ${db.byStatement
                .slice(0, 8)
                .map(([q, n]) => `${round(n, 2)} × ${q}`)
                .join('; ')}. Server time per message (execution, lock waits included) by statement: ${db.msByStatement
                .slice(0, 6)
                .map(([q, ms]) => `${round(ms, 3)} ms ${q}`)
                .join('; ')}.`,
            ]
          : []),
        ...(load.failed ? [`${load.failed} submissions failed: ${JSON.stringify(load.failures)}`] : []),
        ...(delivered !== load.sent ? [`${load.sent} accepted but ${delivered} recorded delivered${shortfall ? `; the others: ${shortfall}` : ''}`] : []),
        `After the sink had every message, the relay${nodes > 1 ? 's' : ''} exited ${stops.map((x) => `${round(x.ms / 1000, 1)} s${x.killed ? ' (killed: still running 30 s after SIGTERM)' : ''}`).join(' and ')} after SIGTERM.`,
        ...(profileDir ? [`CPU profile of the relay written to ${profileDir}`] : []),
      ],
    };
  } finally {
    for (const c of cleanups) await c().catch(() => {});
  }
}

interface Stored {
  messages: number;
  events: number;
  delivered: number;
  bytes: number;
}

async function countStoredPg(pg: BenchPostgres): Promise<Stored> {
  const one = async (sql: string) => Number((await pg.cluster.sql(pg.database, sql))[0]!.n);
  return {
    messages: await one('SELECT COUNT(*) AS n FROM messages'),
    events: await one('SELECT COUNT(*) AS n FROM events'),
    delivered: await one("SELECT COUNT(*) AS n FROM recipients WHERE state = 'delivered'"),
    bytes: await one('SELECT pg_database_size(current_database()) AS n'),
  };
}

/** Recipients not delivered, by state and lease holder, with the events recorded for them. */
async function undeliveredPg(pg: BenchPostgres): Promise<string> {
  const rows = await pg.cluster.sql(
    pg.database,
    `SELECT r.state, r.lease_owner, COUNT(*) AS n, MIN(r.attempts) AS attempts_min, MAX(r.attempts) AS attempts_max,
            (SELECT string_agg(DISTINCT k.kind, ',') FROM event_records k WHERE k.recipient_id = ANY(array_agg(r.id))) AS kinds
       FROM recipients r WHERE r.state <> 'delivered' GROUP BY r.state, r.lease_owner ORDER BY n DESC`,
  );
  return rows
    .map((r) => `${r.n} ${r.state} (lease ${r.lease_owner ?? 'none'}, attempts ${r.attempts_min}–${r.attempts_max}, events: ${r.kinds ?? 'none'})`)
    .join('; ');
}

function countStored(dbPath: string): Stored {
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
