/**
 * Smoke test of the benchmark's query (SQLite and PostgreSQL), bounces, memory, signing, haraka and
 * two-relays-on-PostgreSQL scenarios at tiny sizes: each
 * runs end to end and reports every figure it promises, so the benchmark cannot rot unnoticed. No figure
 * is compared with a target here: timings on a shared test machine say nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { harakaConfig } from '../../bench/lib/haraka-process.js';
import { SMTP_SINK } from '../../bench/lib/sink.js';
import { runBounces } from '../../bench/scenarios/bounces.js';
import { run as runHaraka } from '../../bench/scenarios/haraka.js';
import { runLargeDsn } from '../../bench/scenarios/large-dsn.js';
import { runMemory } from '../../bench/scenarios/memory.js';
import { runQuery } from '../../bench/scenarios/query.js';
import { runQueryPg } from '../../bench/scenarios/query-pg.js';
import { runRelay } from '../../bench/scenarios/relay.js';
import { runSigning } from '../../bench/scenarios/signing.js';
import type { BenchFlags, ScenarioContext, ScenarioResult } from '../../bench/scenarios/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function context(flags: Partial<BenchFlags>): ScenarioContext {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailtrail-bench-'));
  dirs.push(dir);
  return { flags: { messages: 100, sessions: 2, size: 4096, queryMessages: 2_000, memoryMessages: 200, repeat: 1, ...flags }, dir, root, progress: () => {} };
}

function assertPositive(result: ScenarioResult, keys: string[]): void {
  for (const k of keys) {
    const v = result.figures[k];
    assert.equal(typeof v, 'number', `${k} should be a number, got ${String(v)}`);
    assert.ok(Number.isFinite(v) && (v as number) > 0, `${k} should be > 0, got ${String(v)}`);
  }
  assert.ok(result.notes.length > 0, 'the scenario explains what it measured');
}

test('query: a filled database answers traces and recipient searches, and reports latencies and size', async () => {
  const ctx = context({ queryMessages: 2_000 });
  const result = await runQuery(ctx, { lookups: 200, cacheDir: path.join(ctx.dir, 'cache') });
  assertPositive(result, [
    'query_messages',
    'query_fill_s',
    'query_events_per_message',
    'trace_p50_ms',
    'trace_p99_ms',
    'search_p50_ms',
    'search_p99_ms',
    'search_hits_p50',
    'query_db_mb',
    'page_search_p99_ms',
    'message_page_p99_ms',
    'health_report_ms',
  ]);
  assert.equal(result.figures.query_messages, 2_000);
  assert.ok((result.figures.trace_p99_ms as number) >= (result.figures.trace_p50_ms as number));
  // Every lookup found its message and every search its recipient (the notes would say otherwise).
  assert.ok(!result.notes.some((n) => /did not find|found nothing/.test(n)), result.notes.join('\n'));
  // 3 recipients and about 9 events per message, as the fill promises.
  const perMessage = result.figures.query_events_per_message as number;
  assert.ok(perMessage >= 8 && perMessage <= 11, `events per message: ${perMessage}`);
});

test('query-pg: a PostgreSQL database filled by the server answers traces and recipient searches', { timeout: 120_000 }, async () => {
  const result = await runQueryPg(context({ queryMessages: 2_000 }), { lookups: 200 });
  assertPositive(result, [
    'query_messages',
    'query_fill_s',
    'query_events_per_message',
    'trace_p50_ms',
    'trace_p99_ms',
    'search_p50_ms',
    'search_p99_ms',
    'search_hits_p50',
    'query_db_mb',
  ]);
  assert.ok(!result.notes.some((n) => /did not find/.test(n)), result.notes.join('\n'));
  const perMessage = result.figures.query_events_per_message as number;
  assert.ok(perMessage >= 9 && perMessage <= 11, `events per message: ${perMessage}`);
});

test('relay-pg-2nodes: two relays on one PostgreSQL deliver the load to the sink; the database work per message is counted', {
  timeout: 180_000,
}, async (t) => {
  if (!existsSync(SMTP_SINK)) return t.skip(`${SMTP_SINK} is not installed (Debian package postfix)`);
  const result = await runRelay(context({ messages: 100, sessions: 4 }), { backend: 'postgres', nodes: 2 });
  assertPositive(result, [
    'submit_msgs_per_s',
    'e2e_msgs_per_s',
    'cpu_ms_per_msg',
    'relay_cpu_ms_per_msg',
    'db_cpu_ms_per_msg',
    'db_transactions_per_msg',
    'db_statements_per_msg',
    'db_round_trips_per_msg',
  ]);
  assert.equal(result.figures.sent, 100);
  // The notes say what became of any recipient not delivered, and how the relays stopped.
  assert.equal(result.figures.delivered, 100, `delivered ${result.figures.delivered} of 100:\n${result.notes.join('\n')}`);
  assert.equal(result.figures.nodes, 2);
  // Intake's one statement and the attempt's record at least; far from a statement per event.
  const trips = result.figures.db_round_trips_per_msg as number;
  assert.ok(trips >= 2 && trips < 100, `round trips per message: ${trips}`);
});

test('bounces: the parser runs over the shared corpus and reports its throughput', async (t) => {
  const corpus = path.resolve(root, '../shared/corpus/bounces/dev/emails');
  if (!existsSync(corpus)) return t.skip(`no shared corpus at ${corpus}`);
  const result = await runBounces(context({}), { durationMs: 300 });
  assertPositive(result, ['bounce_corpus_mails', 'bounce_corpus_mb', 'bounce_mails_per_s', 'bounce_mb_per_s', 'bounce_slowest_ms']);
});

test('bounces: a missing corpus gives null figures and a note, not an error', async () => {
  const result = await runBounces(context({}), { corpusDir: path.join(os.tmpdir(), 'mailtrail-no-such-corpus') });
  assert.equal(result.figures.bounce_mails_per_s, null);
  assert.match(result.notes[0], /no corpus/);
});

test('memory: the relay attempts and defers a pre-filled queue, and its RSS is read', async () => {
  const result = await runMemory(context({ memoryMessages: 200 }), { stallTimeoutMs: 60_000, settleMs: 1_000 });
  assertPositive(result, ['memory_rss_burst_end_mb', 'memory_rss_mb', 'memory_peak_rss_mb', 'memory_heap_used_mb', 'memory_attempt_s']);
  assert.equal(result.figures.memory_deferred, 200);
});

test('signing: intake CPU per message unsigned, with RSA, with RSA and Ed25519, and the differences', async () => {
  const result = await runSigning(context({ messages: 50, size: 2048 }), { messages: 50 });
  assertPositive(result, ['signing_messages', 'intake_cpu_ms_per_msg_unsigned', 'intake_cpu_ms_per_msg_rsa', 'intake_cpu_ms_per_msg_rsa_ed25519']);
  assert.equal(typeof result.figures.signing_cpu_ms_per_msg_rsa, 'number');
});

test('haraka: an authenticating relay whose accepted mail goes through its outbound queue to the sink', async (t) => {
  if (!existsSync(SMTP_SINK)) return t.skip(`${SMTP_SINK} is not installed (Debian package postfix)`);
  // Installs Haraka into bench/peers/haraka on first use, as `npm run bench` does.
  const result = await runHaraka(context({ messages: 100, sessions: 4 }));
  assertPositive(result, ['sent', 'delivered', 'submit_msgs_per_s', 'e2e_msgs_per_s', 'cpu_ms_per_msg', 'peak_mem_mb']);
  assert.equal(result.figures.sent, 100);
  assert.equal(result.figures.failed, 0);
  assert.equal(result.figures.delivered, 100);
});

test('haraka config: AUTH from the flat file, outbound queue not bypassed, sink.test routed to the sink', () => {
  const files = harakaConfig({ host: '127.0.3.15', port: 25, sinkDomain: 'sink.test', sinkHost: '127.0.3.16', sinkPort: 25 }, 'pw');
  assert.match(files['smtp.ini'], /^listen=127\.0\.3\.15:25$/m);
  assert.deepEqual(files.plugins.trim().split('\n'), ['bench_no_rdns', 'auth/flat_file', 'queue/smtp_forward']);
  assert.match(files['auth_flat_file.ini'], /^bench=pw$/m);
  // enable_outbound=false: smtp_forward does not take relayed mail at queue time; outbound queues it.
  assert.match(files['smtp_forward.ini'], /^\[main\]\n(.*\n)*enable_outbound=false$/m);
  assert.match(files['smtp_forward.ini'], /^\[sink\.test\]\nhost=127\.0\.3\.16\nport=25$/m);
  assert.match(harakaConfig({ host: 'h', port: 25, sinkDomain: 's', sinkHost: 'x', sinkPort: 25, tls: true }, 'pw').plugins, /^tls$/m);
});

test('large-dsn: submissions timed alone and while reports arrive at the same relay, the reports processed and capped', { timeout: 120_000 }, async () => {
  const result = await runLargeDsn(context({}), { reports: 2, recipients: 1_500, bytes: 0, idleMs: 1_000 });
  assertPositive(result, [
    'large_dsn_idle_submit_p99_ms',
    'large_dsn_during_submit_p99_ms',
    'large_dsn_during_submits',
    'large_dsn_p99_during_over_idle',
    'large_dsn_reports_processed_s',
    'large_dsn_relay_peak_rss_mb',
  ]);
  assert.equal(result.figures.large_dsn_recipients_read, 1_000);
  assert.equal(result.figures.large_dsn_recipients_omitted, 500);
});
