/**
 * The benchmark's counting sink (bench/lib/sink.ts) and its address check (bench/lib/net.ts), over real
 * sockets. smtp-sink binds with SO_REUSEPORT: a second one on the same address starts without error and
 * the kernel shares the connections out between the two, so each counts part of the mail (found in issue
 * 13's two-relays runs: the sink "received 46 of 100" while every recipient was recorded delivered, because
 * a sink left by an interrupted run was taking the rest). A sink or relay is therefore started only where
 * nothing listens yet.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { assertNothingListens, ensureLoopbackAddress } from '../../bench/lib/net.js';
import { SMTP_SINK, startCountingSink } from '../../bench/lib/sink.js';

/** Within the benchmark's addresses (bench/lib/net.ts ADDR: 127.0.3.10–19), one no scenario uses. */
const HOST = '127.0.3.19';

test('a second counting sink on an address another one holds is refused instead of sharing the mail with it', async (t) => {
  if (!existsSync(SMTP_SINK)) return t.skip(`${SMTP_SINK} is not installed (Debian package postfix)`);
  const first = await startCountingSink(HOST, 2525);
  try {
    await assert.rejects(startCountingSink(HOST, 2525), /cannot start the counting sink on 127\.0\.3\.19:2525: something already listens there/);
    // The first one is still the only listener, and still counts: one message through it.
    const socket = net.connect({ host: HOST, port: 2525 });
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const replies = () => received.match(/^\d{3} .*$/gm) ?? [];
    const next = async (code: RegExp, after: string) => {
      const n = replies().length + 1;
      const until = Date.now() + 5_000;
      while (replies().length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      assert.match(replies()[n - 1] ?? '(no reply)', code, `reply to ${after}`);
    };
    await next(/^220 /, 'the connection');
    for (const [command, code] of [
      ['EHLO test', /^250 /],
      ['MAIL FROM:<a@bench.test>', /^250 /],
      ['RCPT TO:<b@sink.test>', /^250 /],
      ['DATA', /^354 /],
      ['Subject: one\r\n\r\nbody\r\n.', /^250 /],
      ['QUIT', /^221 /],
    ] as const) {
      socket.write(`${command}\r\n`);
      await next(code, command.split('\r')[0]!);
    }
    socket.destroy();
    await first.waitFor(1, 5_000);
    assert.equal(first.count(), 1);
  } finally {
    await first.stop();
  }
});

test('the address check passes where nothing listens and names the address where something does', async () => {
  ensureLoopbackAddress(HOST);
  await assertNothingListens(HOST, 2526, 'the relay');
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(2526, HOST, () => resolve()));
  try {
    await assert.rejects(assertNothingListens(HOST, 2526, 'the relay'), /cannot start the relay on 127\.0\.3\.19:2526: something already listens there/);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await assertNothingListens(HOST, 2526, 'the relay');
});
