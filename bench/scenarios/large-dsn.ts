/**
 * large-dsn (issue 11): submission latency while hostile-sized reports arrive on the bounce listener of
 * the same relay process. Four app sessions submit one message after another (connections reused)
 * throughout; first alone ("idle"), then while six 7 MB DSNs listing 100,000 recipients each are sent
 * in parallel to postmaster@ and processed (stored, parsed in the parse thread, correlated, recorded).
 * Target: submit p99 during the reports within 2× of the idle p99.
 *
 * Figures: submit p50/p99/max idle and during, their p99 ratio, how long the six reports took from the
 * first byte to the last one processed, the relay's peak RSS, and what the parser kept of one report.
 */
import Database from 'better-sqlite3';
import { largeDsn } from '../../test/helpers/large-dsn.js';
import { startDnsServer } from '../../test/helpers/dns-server.js';
import { dataBytes, smtp } from '../../test/bounces/support.js';
import { RawClient, send } from '../../test/submission/harness.js';
import { summarize } from '../lib/latency.js';
import { ADDR } from '../lib/net.js';
import { cpuSeconds, peakRssMb } from '../lib/proc.js';
import { startRelay } from '../lib/relay-process.js';
import { startCountingSink } from '../lib/sink.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './types.js';

const SUBMISSION_PORT = 2587;
const BOUNCE_PORT = 2525;
const SESSIONS = 4;

export interface LargeDsnOptions {
  /** Reports sent in parallel (6). */
  reports?: number;
  /** Recipients listed per report (100,000). */
  recipients?: number;
  /** Size of each report in bytes (7 MiB). */
  bytes?: number;
  /** How long the sessions submit alone first (8 s). */
  idleMs?: number;
}

interface Sample {
  at: number;
  ms: number;
}

export const run: Scenario = (ctx) => runLargeDsn(ctx);

export async function runLargeDsn({ dir, root, progress }: ScenarioContext, o: LargeDsnOptions = {}): Promise<ScenarioResult> {
  const REPORTS = o.reports ?? 6;
  const RECIPIENTS = o.recipients ?? 100_000;
  const IDLE_MS = o.idleMs ?? 8_000;
  const sink = await startCountingSink(ADDR.relaySink);
  const dns = await startDnsServer({
    mx: [{ name: 'sink.test', exchange: 'mx.sink.test', preference: 10 }],
    a: [{ name: 'mx.sink.test', address: ADDR.relaySink }],
    ttl: 300,
  });
  const relay = await startRelay({
    root,
    dir,
    host: ADDR.relaySubmission,
    port: SUBMISSION_PORT,
    dnsServer: dns.address,
    bounces: { host: ADDR.relayBounces, port: BOUNCE_PORT },
  });
  const db = new Database(relay.dbPath!, { readonly: true, fileMustExist: true });
  let stop = false;
  try {
    const dsn = largeDsn({ rcptTo: 'postmaster@bounces.bench.test', recipients: RECIPIENTS, bytes: o.bytes ?? 7 * 1024 * 1024 });
    // Dot-stuffed once, here: stuffing 7 MB six times in the phase would stall this process's own submitters.
    const stuffed = dataBytes(dsn);
    const samples: Sample[] = [];
    const login = async () => {
      const c = await RawClient.connect(relay.port, { host: relay.host });
      if ((await c.read())?.code !== 220) throw new Error('no greeting');
      const auth = await c.login(relay.user, relay.password);
      if (auth?.code !== 235) throw new Error(`AUTH: ${auth?.text}`);
      return c;
    };
    const submitters = Array.from({ length: SESSIONS }, async (_, w) => {
      let c = await login();
      for (let i = 0; !stop; i++) {
        // A new connection every 100 messages, as apps with a connection pool do (not timed).
        if (i > 0 && i % 100 === 0) {
          c.destroy();
          c = await login();
        }
        const t0 = performance.now();
        const r = await send(
          c,
          `From: <app@bench.test>\r\nTo: <someone@sink.test>\r\nSubject: large-dsn ${w}-${i}\r\nMessage-ID: <large-dsn-${w}-${i}@bench.test>\r\n\r\n${`${'x'.repeat(78)}\r\n`.repeat(50)}`,
          'app@bench.test',
          ['someone@sink.test'],
        );
        if (r?.code !== 250) throw new Error(`submit: ${r?.text}`);
        samples.push({ at: t0, ms: performance.now() - t0 });
      }
      c.destroy();
    });
    const failed = Promise.all(submitters).catch((err: Error) => err);

    progress(`large-dsn: ${SESSIONS} sessions submitting, ${IDLE_MS / 1000} s alone`);
    // The idle window opens once submissions flow (logins done: on a busy machine they can take seconds)
    // and stays open until it holds enough samples for a p99, however slow the machine.
    const until = async (done: () => boolean, what: string) => {
      const deadline = performance.now() + 60_000;
      while (!done()) {
        if (performance.now() > deadline) throw new Error(`large-dsn: ${what} within 60 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => samples.length > 0, 'no submission completed');
    const idleStart = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    await until(() => samples.filter((s) => s.at >= idleStart).length >= 20, 'fewer than 20 submissions while idle');
    const idleEnd = performance.now();

    progress(`large-dsn: ${REPORTS} reports of ${(dsn.length / 1024 / 1024).toFixed(1)} MB and ${RECIPIENTS} recipients each, in parallel`);
    const cpuBefore = cpuSeconds(relay.pid);
    const t0 = performance.now();
    const sent = await Promise.all(
      Array.from({ length: REPORTS }, () =>
        smtp(
          BOUNCE_PORT,
          ADDR.relayBounces,
          ['EHLO mx.remote.test', 'MAIL FROM:<>', 'RCPT TO:<postmaster@bounces.bench.test>', 'DATA', { stuffed }, 'QUIT'],
          120_000,
        ),
      ),
    );
    const stored = performance.now();
    const bad = sent.map((r) => r[5]).filter((r) => r.code !== 250);
    if (bad.length) throw new Error(`reports refused: ${bad.map((r) => `${r.code} ${r.text}`).join('; ')}`);
    const processed = () => (db.prepare('SELECT COUNT(*) AS n FROM inbound WHERE processed_at IS NOT NULL').get() as { n: number }).n;
    while (processed() < REPORTS) {
      if (performance.now() - t0 > 300_000) throw new Error(`only ${processed()} of ${REPORTS} reports processed after 300 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const t1 = performance.now();
    const cpu = cpuSeconds(relay.pid) - cpuBefore;
    stop = true;
    const err = await failed;
    if (err instanceof Error) throw err;

    const idle = summarize(samples.filter((s) => s.at >= idleStart && s.at < idleEnd).map((s) => s.ms));
    const during = samples.filter((s) => s.at >= t0 && s.at < t1);
    const d = summarize(during.map((s) => s.ms));
    if (process.env.BENCH_DEBUG)
      for (const s of [...during].sort((a, b) => b.ms - a.ms).slice(0, 8))
        progress(`slow submit at +${((s.at - t0) / 1000).toFixed(2)} s: ${s.ms.toFixed(0)} ms`);
    const one = db.prepare('SELECT parse FROM inbound ORDER BY id LIMIT 1').get() as { parse: string };
    const parsed = JSON.parse(one.parse) as { recipients: unknown[]; recipients_omitted?: number; error?: string };
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      figures: {
        large_dsn_idle_submit_p50_ms: idle.p50,
        large_dsn_idle_submit_p99_ms: idle.p99,
        large_dsn_during_submit_p50_ms: d.p50,
        large_dsn_during_submit_p99_ms: d.p99,
        large_dsn_during_submit_max_ms: d.max,
        large_dsn_during_submits: during.length,
        large_dsn_p99_during_over_idle: idle.p99 > 0 ? round(d.p99 / idle.p99) : null,
        large_dsn_reports_stored_s: round((stored - t0) / 1000),
        large_dsn_reports_processed_s: round((t1 - t0) / 1000),
        large_dsn_relay_cpu_s: round(cpu),
        large_dsn_relay_peak_rss_mb: peakRssMb(relay.pid),
        large_dsn_recipients_read: parsed.recipients.length,
        large_dsn_recipients_omitted: parsed.recipients_omitted ?? 0,
      },
      notes: [
        `large-dsn: ${SESSIONS} sessions submitting 4 KB messages one after another (connections reused) for ${IDLE_MS / 1000} s alone, then while ${REPORTS} DSNs of ${(dsn.length / 1024 / 1024).toFixed(1)} MB listing ${RECIPIENTS} recipients each were sent in parallel to the bounce listener of the same relay process and processed; "during" is from the first report's connection to the last one processed.` +
          (parsed.error ? ` The report was kept with an error: ${parsed.error}.` : ''),
      ],
    };
  } finally {
    stop = true;
    db.close();
    await relay.stop();
    await sink.stop();
    await dns.stop();
  }
}
