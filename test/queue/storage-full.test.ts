/**
 * A full disk: submission answers 452 4.3.1 and keeps nothing; delivery keeps the result it could not
 * write, claims nothing new meanwhile, and records it once writes succeed, so nothing is sent twice.
 * Submission's disk is made full with SQLite's own size limit (PRAGMA max_page_count: the same
 * SQLITE_FULL as a full disk); delivery's is a real one, a small tmpfs filled to the last byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { silentLogger } from '../../src/log/logger.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { loggedIn, message, send, startHarness } from '../submission/harness.js';
import { captureLogger } from '../delivery/fixtures.js';
import { enqueue, testConfig } from './fixtures.js';
import { mountSmallDisk } from '../helpers/small-disk.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import path from 'node:path';
import { createTestDeliverer } from './real-deliverer.js';

const HOST = '127.0.4.30';

/**
 * Caps the database at its current size and fills what room is left inside it, so that the next write
 * fails with SQLITE_FULL; the returned function lifts the cap (the filler stays: room comes back, as
 * when an operator frees disk space).
 */
function fillDisk(store: SqliteStore): () => void {
  store.db.exec('CREATE TABLE IF NOT EXISTS test_filler (b BLOB)');
  const before = store.db.pragma('max_page_count', { simple: true }) as number;
  store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true }) as number}`);
  const insert = store.db.prepare('INSERT INTO test_filler VALUES (?)');
  for (const size of [65_536, 4_096, 256, 16, 1]) {
    for (;;) {
      try {
        insert.run(Buffer.alloc(size));
      } catch {
        break;
      }
    }
  }
  return () => store.db.pragma(`max_page_count = ${before}`);
}

test('submission on a full disk: 452 4.3.1 (insufficient system storage), nothing kept; accepted again once there is room', async () => {
  const h = await startHarness({ submission: { cleartext_auth: 'always' } });
  try {
    const c = await loggedIn(h.starttlsPort);
    const free = fillDisk(h.store);
    // A body bigger than any free space left inside the last pages.
    const big = 'x'.repeat(900) + '\r\n';
    const full = await send(c, message('full@example.com', big.repeat(200)));
    assert.match(full!.text, /^452 4\.3\.1 Message not queued: insufficient system storage/);
    assert.equal((await h.store.messages.findByMessageId('full@example.com')).length, 0);
    free();
    const ok = await send(c, message('full@example.com', big.repeat(200)));
    assert.match(ok!.text, /^250 /);
    c.destroy();
  } finally {
    await h.close();
  }
});

test('delivery on a full disk: the result is kept and recorded when writes succeed again; nothing new is claimed meanwhile, nothing sent twice', {
  timeout: 30_000,
}, async () => {
  const disk = mountSmallDisk(16);
  const store = openSqliteStore({ path: path.join(disk.dir, 'mailtrail.db'), synchronous: 'FULL', busyTimeoutMs: 1_000 });
  const t = {
    store,
    cleanup: async () => {
      await store.close().catch(() => {});
      disk.unmount();
    },
  };
  let dots = 0;
  let release: (() => void) | null = null;
  const mta = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => {
        dots++;
        // The first reply waits until the test has filled the disk.
        if (dots === 1) release = () => cb(null, 'ok');
        else cb(null, 'ok');
      });
    },
  });
  await new Promise<void>((r) => mta.listen(25, HOST, () => r()));
  const dns = await startDnsServer({ mx: [{ name: 'full.test', exchange: 'mx.full.test', preference: 10 }], a: [{ name: 'mx.full.test', address: HOST }] });
  const config = testConfig({
    dns_servers: [dns.address],
    poll_interval_ms: 50,
    tls_policy: { default: 'none' },
    connect_timeout_ms: 3_000,
    greeting_timeout_ms: 3_000,
    command_timeout_ms: 10_000,
  });
  const deliverer = await createTestDeliverer(config, silentLogger());
  const { logger, lines } = captureLogger();
  const s = createScheduler({ config, store: t.store, deliverer, logger });
  try {
    const first = await enqueue(t.store, { to: ['a@full.test'], createdAt: Date.now() });
    s.start();
    const until = async (cond: () => boolean, what: string) => {
      const end = Date.now() + 10_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => release !== null, 'the first message to reach the final dot');
    // A second message waiting to be claimed while the disk is full.
    const second = await enqueue(t.store, { to: ['b@full.test'], createdAt: Date.now() });
    disk.fill();
    release!();
    await until(() => lines.some((l) => l.event === 'queue.write_failed'), 'the failed write to be logged');
    await new Promise((r) => setTimeout(r, 300));
    const [waiting] = await t.store.messages.recipients(second.message.id);
    assert.equal(waiting!.leaseOwner, null, 'nothing new is claimed while writes fail');
    assert.equal(dots, 1);
    disk.free();
    await until(() => lines.some((l) => l.event === 'queue.writes_resumed'), 'writes to resume');
    await until(() => dots === 2, 'the second message to be delivered');
    await s.stop(5_000);
    const [a] = await t.store.messages.recipients(first.message.id);
    const [b] = await t.store.messages.recipients(second.message.id);
    assert.equal(a!.state, 'delivered');
    assert.equal(a!.attempts, 1, 'the kept result was recorded: no second attempt');
    assert.equal(b!.state, 'delivered');
    assert.ok(lines.find((l) => l.event === 'queue.write_failed')?.storage_full);
  } finally {
    await s.stop(1_000);
    await deliverer.close();
    await dns.stop();
    await new Promise<void>((r) => mta.close(() => r()));
    await t.cleanup();
  }
});
