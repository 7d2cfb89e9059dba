/**
 * The two clocks of the message body (RFC 5321 §4.5.3.2): while it is sent, each block must leave within
 * command_timeout_ms; the wait for the reply after the dot (data_done_timeout_ms) begins when the dot has left.
 * Against a small SMTP server here that reads the body slowly, or stops reading it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const HOST = '127.0.16.8';
const PORT = 2527;

/**
 * How the server reads a message body: `slow` a little at a time for its first 2 s (then at once), `steady` about
 * 2 MB a second throughout, `stuck` not at all.
 */
let mode: 'slow' | 'steady' | 'stuck' = 'slow';
let received = 0;
const sockets = new Set<net.Socket>();
let server: net.Server;

before(async () => {
  server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let inData = false;
    let dataAt = 0;
    let tail = '';
    let pending = '';
    s.write('220 slow.test ESMTP\r\n');
    const onBody = (chunk: Buffer) => {
      tail = (tail + chunk.toString('latin1')).slice(-5);
      if (tail.endsWith('\r\n.\r\n')) {
        inData = false;
        received++;
        s.write('250 2.0.0 accepted\r\n');
      }
    };
    s.on('data', (chunk: Buffer) => {
      if (inData) {
        onBody(chunk);
        if (mode === 'stuck') return s.pause();
        if (mode === 'steady') {
          s.pause();
          setTimeout(() => s.resume(), Math.ceil(chunk.length / 65_536) * 32);
          return;
        }
        // A slow link for 2 s (about 320 KB a second), then the rest at once: sending the body takes over 2 s,
        // and the socket buffers drain quickly after its last block has left.
        if (Date.now() - dataAt < 2_000) {
          s.pause();
          setTimeout(() => s.resume(), Math.ceil(chunk.length / 32_768) * 100);
        }
        return;
      }
      pending += chunk.toString('latin1');
      let nl: number;
      while (!inData && (nl = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, nl).toUpperCase();
        pending = pending.slice(nl + 2);
        if (line.startsWith('EHLO')) s.write('250 slow.test\r\n');
        else if (line.startsWith('DATA')) {
          inData = true;
          dataAt = Date.now();
          s.write('354 go ahead\r\n');
          if (pending) onBody(Buffer.from(pending, 'latin1'));
          pending = '';
        } else if (line.startsWith('QUIT')) s.end('221 bye\r\n');
        else s.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(PORT, HOST, () => resolve()));
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

// 6 MB: more than loopback's socket buffers hold, so sending it takes as long as the server takes to read it.
const big = () => Buffer.concat([Buffer.from('From: a@sender.test\r\nTo: b@slow.test\r\nSubject: big\r\n\r\n'), Buffer.alloc(6 * 1024 * 1024, 'x\r\n')]);

test('a body that takes longer to send than data_done_timeout_ms is delivered: that wait begins after the dot', async () => {
  mode = 'slow';
  const config = testConfig('127.0.0.1:1', {
    routes: { 'slow.test': `${HOST}:${PORT}` },
    data_done_timeout_ms: 1_000,
    command_timeout_ms: 3_000,
    tls_policy: { default: 'none' },
  });
  const deliverer = await testDeliverer(config);
  const before = received;
  try {
    const t0 = Date.now();
    const r = await deliverer.deliver(testJob({ domain: 'slow.test', to: ['b@slow.test'], raw: big() }));
    const took = Date.now() - t0;
    assert.equal(r.recipients[0].outcome, 'delivered', `${r.recipients[0].text}`);
    assert.equal(received - before, 1);
    assert.ok(took > 1_900, `the body took ${took} ms to send, longer than data_done_timeout_ms`);
  } finally {
    await deliverer.close();
  }
});

test('a server that stops reading the body is given up on after command_timeout_ms without progress', async () => {
  mode = 'stuck';
  const config = testConfig('127.0.0.1:1', {
    routes: { 'slow.test': `${HOST}:${PORT}` },
    data_done_timeout_ms: 60_000,
    command_timeout_ms: 800,
    tls_policy: { default: 'none' },
  });
  const deliverer = await testDeliverer(config);
  try {
    const t0 = Date.now();
    const r = await deliverer.deliver(testJob({ domain: 'slow.test', to: ['b@slow.test'], raw: big() }));
    const o = r.recipients[0];
    assert.equal(o.outcome, 'deferred');
    assert.match(o.text ?? '', /sending the message stalled: no block of it left within 800 ms/);
    assert.equal(o.afterBody, undefined, 'the dot never left: nothing delivered, no duplicate possible');
    assert.ok(Date.now() - t0 < 10_000, 'not the 60 s wait for a reply');
  } finally {
    await deliverer.close();
  }
});

test('a body read steadily but slowly, for far longer than command_timeout_ms in all, is delivered: the limit is per block', async () => {
  mode = 'steady';
  const config = testConfig('127.0.0.1:1', {
    routes: { 'slow.test': `${HOST}:${PORT}` },
    data_done_timeout_ms: 8_000,
    command_timeout_ms: 1_500,
    tls_policy: { default: 'none' },
  });
  const deliverer = await testDeliverer(config);
  const before = received;
  // 14 MB: more than loopback's buffers take at once, so most of it leaves at the reader's pace (about 2 MB/s).
  const raw = Buffer.concat([Buffer.from('From: a@sender.test\r\nTo: b@slow.test\r\nSubject: steady\r\n\r\n'), Buffer.alloc(14 * 1024 * 1024, 'y\r\n')]);
  try {
    const t0 = Date.now();
    const r = await deliverer.deliver(testJob({ domain: 'slow.test', to: ['b@slow.test'], raw }));
    const took = Date.now() - t0;
    assert.equal(r.recipients[0].outcome, 'delivered', `${r.recipients[0].text}`);
    assert.equal(received - before, 1);
    assert.ok(took > 3_000, `sending took ${took} ms, twice command_timeout_ms and more`);
  } finally {
    await deliverer.close();
  }
});
