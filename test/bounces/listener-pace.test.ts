/**
 * The bounce listener reads DATA at bounces.data_bytes_per_second (issue 11: large reports arriving at
 * loopback speed took the CPU submissions needed). A mail past the burst arrives no faster than the rate
 * allows, and is stored byte for byte; one within the burst is not held back. Real sockets, real SQLite.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInboundListener } from '../../src/bounces/listener.js';
import { silentLogger } from '../../src/log/logger.js';
import { BOUNCE_DOMAIN, smtp, tempStore, testConfig } from './support.js';

const HOST = '127.0.2.1';
const RATE = 1024 * 1024; // burst: 1 MB (the least), so 3 MB take about 2 s

function mail(bytes: number): Buffer {
  const line = `${'y'.repeat(76)}\r\n`;
  const head = `From: MAILER-DAEMON@remote.test\r\nTo: postmaster@${BOUNCE_DOMAIN}\r\nSubject: Undelivered Mail\r\n\r\n`;
  return Buffer.from(head + line.repeat(Math.ceil((bytes - head.length) / line.length)));
}

test('a 3 MB mail at 1 MB/s takes about two seconds past its first megabyte and is stored whole; a small one right after is not held', async () => {
  const t = tempStore();
  const listener = createInboundListener({
    config: testConfig(t.dbPath, { pregreet_wait_ms: 0, data_bytes_per_second: RATE }),
    store: t.store,
    logger: silentLogger(),
  });
  const { port } = await listener.listen();
  try {
    const big = mail(3 * 1024 * 1024);
    const t0 = performance.now();
    const replies = await smtp(port, HOST, ['EHLO mx.remote.test', 'MAIL FROM:<>', `RCPT TO:<postmaster@${BOUNCE_DOMAIN}>`, 'DATA', big, 'QUIT'], 30_000);
    const took = performance.now() - t0;
    assert.equal(replies[5]!.code, 250, replies[5]!.text);
    assert.ok(took >= 1_800, `took ${took.toFixed(0)} ms: 2 MB past the burst at 1 MB/s is at least about 2 s`);
    const id = Number(/inbound (\d+)/.exec(replies[5]!.text)![1]);
    assert.ok((await t.store.inbound.raw(id))!.equals(big), 'byte for byte');

    // The bucket is empty now: a small report waits at most for the few kilobytes it needs.
    const small = mail(8 * 1024);
    const s = await smtp(port, HOST, ['EHLO mx.remote.test', 'MAIL FROM:<>', `RCPT TO:<postmaster@${BOUNCE_DOMAIN}>`, 'DATA', small, 'QUIT'], 30_000);
    assert.equal(s[5]!.code, 250, s[5]!.text);
    assert.ok((await t.store.inbound.raw(Number(/inbound (\d+)/.exec(s[5]!.text)![1])))!.equals(small));
  } finally {
    await listener.close();
    await t.cleanup();
  }
});
