/**
 * The load generator's timeline (LOADGEN_TIMELINE_DIR): each connection's first message with the wall-clock
 * time it started and its connect → 250 latency, so a slow message can be lined up with what the server did
 * at that moment (bench/lib/relay-monitor.mjs records the relay's side with the same clock).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runLoadgen } from '../../bench/lib/loadgen.js';
import { SMTP_SINK, startCountingSink } from '../../bench/lib/sink.js';

/** Within the benchmark's addresses (bench/lib/net.ts ADDR: 127.0.3.10–19), one no scenario uses. */
const HOST = '127.0.3.19';

test('with LOADGEN_TIMELINE_DIR the load generator writes one [start, latency] entry per connection, on the wall clock', async (t) => {
  if (!existsSync(SMTP_SINK)) return t.skip(`${SMTP_SINK} is not installed (Debian package postfix)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-loadgen-timeline-'));
  const sink = await startCountingSink(HOST, 2527);
  const before = process.env.LOADGEN_TIMELINE_DIR;
  process.env.LOADGEN_TIMELINE_DIR = dir;
  try {
    const startedAt = Date.now();
    const result = await runLoadgen({
      root: process.cwd(),
      host: HOST,
      port: 2527,
      messages: 12,
      sessions: 3,
      size: 1024,
      from: 'app@bench.test',
      to: 'someone@sink.test',
      runId: 'timeline-test',
      perConnection: 1,
    });
    const endedAt = Date.now();
    assert.equal(result.sent, 12, `sent ${result.sent} of 12: ${JSON.stringify(result.failures)}`);
    const timeline = JSON.parse(readFileSync(path.join(dir, 'timeline-test.json'), 'utf8')) as [number, number][];
    assert.equal(timeline.length, 12, 'one entry per connection (one message each)');
    for (const [at, ms] of timeline) {
      assert.ok(at >= startedAt - 1_000 && at <= endedAt, `start ${at} is not between ${startedAt} and ${endedAt}: not the wall clock`);
      assert.ok(ms > 0 && at + ms <= endedAt + 1_000, `latency ${ms} ms is not a duration inside the run`);
    }
    assert.ok(Math.abs(Math.max(...timeline.map(([, ms]) => ms)) - result.connect_latencies_ms.max) < 0.01, 'the slowest entry is the summary maximum');
  } finally {
    if (before === undefined) delete process.env.LOADGEN_TIMELINE_DIR;
    else process.env.LOADGEN_TIMELINE_DIR = before;
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
