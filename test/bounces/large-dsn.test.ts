/**
 * Large reports (issue 11): a 7 MB DSN listing 100,000 recipients is parsed in a worker thread, reads
 * at most bounces.max_report_recipients of them (the rest counted), and never stalls submission on the
 * same process and store; a parse over its time or memory limit is stopped and the mail kept with the
 * reason. Real sockets, real SQLite, the real parser.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBounces } from '../../src/bounces/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { largeDsn } from '../helpers/large-dsn.js';
import { loggedIn, message, send, startHarness } from '../submission/harness.js';
import { BOUNCE_DOMAIN, smtp, tempStore, testConfig, waitFor } from './support.js';
import { sqliteSettings } from '../../src/config/database.js';

const HOST = '127.0.2.1';
const POSTMASTER = `postmaster@${BOUNCE_DOMAIN}`;
const BIG = largeDsn({ rcptTo: POSTMASTER, recipients: 100_000, bytes: 7 * 1024 * 1024 });

async function deliverDsn(port: number, raw: Buffer): Promise<number> {
  const replies = await smtp(port, HOST, ['EHLO mx.remote.test', 'MAIL FROM:<>', `RCPT TO:<${POSTMASTER}>`, 'DATA', raw, 'QUIT'], 60_000);
  const stored = replies[5];
  assert.equal(stored.code, 250, stored.text);
  return Number(/inbound (\d+)/.exec(stored.text)![1]);
}

test('while a 7 MB report of 100,000 recipients arrives and is processed, submission on the same process answers at once', async () => {
  // (Its session sends messages for as long as the report takes, however slow the machine: no per-session cap to meet.)
  // (The harness takes the listener's limits as its own `limits` override: inside `submission` they were replaced, and
  // on a loaded machine the session met the default 1,000-message cap before the report was processed.)
  const h = await startHarness({ submission: { cleartext_auth: 'always' }, limits: { max_messages_per_session: 1_000_000 } });
  const config = testConfig(sqliteSettings(h.config.database).path, { pregreet_wait_ms: 0, max_message_bytes: 10 * 1024 * 1024 });
  const bounces = await startBounces({ config, store: h.store, logger: silentLogger() });
  try {
    const client = await loggedIn(h.starttlsPort);
    // Idle first, so the comparison is with this machine at this moment.
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      assert.equal((await send(client, message(`idle-${i}@example.com`)))?.code, 250);
      idle.push(performance.now() - t0);
    }
    let processed = false;
    const during: number[] = [];
    const arriving = (async () => {
      const id = await deliverDsn(bounces.address.port, BIG);
      await waitFor(async () => (await h.store.inbound.get(id))?.processedAt, 60_000, 'the large report processed');
      processed = true;
      return id;
    })();
    for (let i = 0; !processed; i++) {
      const t0 = performance.now();
      assert.equal((await send(client, message(`during-${i}@example.com`)))?.code, 250);
      during.push(performance.now() - t0);
    }
    const id = await arriving;
    client.destroy();

    const row = (await h.store.inbound.get(id))!;
    const parse = row.parse as { kind: string; recipients: unknown[]; recipients_omitted?: number; error?: string };
    assert.equal(parse.error, undefined);
    assert.equal(parse.kind, 'bounce');
    assert.equal(parse.recipients.length, 1000, 'bounces.max_report_recipients (default 1,000) read');
    assert.equal(parse.recipients_omitted, 99_000, 'the rest counted');
    const worst = Math.max(...during);
    const idleWorst = Math.max(...idle);
    // On the main thread this parse alone held every session for 5 to 8 s. The bound leaves room for
    // a loaded machine (the slowest submission measured 360-990 ms at load 4-5 on two cores, main and
    // session 32's branch alike, against 5 s and more with the parse on the main thread); npm run bench
    // measures the p99 against idle.
    assert.ok(
      worst < 2_500,
      `slowest submission while the report was processed: ${worst.toFixed(0)} ms (idle: ${idleWorst.toFixed(0)} ms; ${during.length} sent)`,
    );
  } finally {
    await bounces.close();
    await h.close();
  }
});

test('a parse over bounces.parse_timeout_ms or parse_memory_mb is stopped: the mail is kept with the reason, the next one is parsed', async () => {
  const t = tempStore();
  // No recipient cap: all 100,000 are parsed, which takes seconds and hundreds of MB.
  for (const [limits, reason] of [
    [{ parse_timeout_ms: 200 }, /^parsing stopped after 200 ms \(bounces\.parse_timeout_ms\)$/],
    [{ parse_memory_mb: 64 }, /^parsing stopped: it needed more than 64 MB \(bounces\.parse_memory_mb\)$/],
  ] as const) {
    const config = testConfig(t.dbPath, { pregreet_wait_ms: 0, max_message_bytes: 10 * 1024 * 1024, max_report_recipients: 1_000_000, ...limits });
    const bounces = await startBounces({ config, store: t.store, logger: silentLogger() });
    try {
      const big = await deliverDsn(bounces.address.port, BIG);
      const small = await deliverDsn(bounces.address.port, largeDsn({ rcptTo: POSTMASTER, recipients: 2, bytes: 0 }));
      const done = await waitFor(async () => (await t.store.inbound.get(small))?.processedAt, 30_000, 'the next mail processed');
      assert.ok(done);
      const kept = (await t.store.inbound.get(big))!;
      assert.ok(kept.processedAt, 'not retried for ever');
      assert.match(String((kept.parse as { error?: string }).error), reason);
      assert.equal((await t.store.inbound.raw(big))?.length, BIG.length, 'the mail itself is kept');
      const next = (await t.store.inbound.get(small))!.parse as { kind: string; recipients: unknown[] };
      assert.equal(next.kind, 'bounce');
      assert.equal(next.recipients.length, 2);
    } finally {
      await bounces.close();
    }
  }
  await t.cleanup();
});
