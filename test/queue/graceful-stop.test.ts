/**
 * A graceful stop (SIGTERM) over real sockets: no new transaction starts, a session that has sent its
 * message is given the time its reply needs, and one cut off anyway is recorded as an outcome unknown
 * (a possible duplicate), not silently retried.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { silentLogger } from '../../src/log/logger.js';
import { messageFate } from '../../src/query/fate.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { enqueue, tempStore, testConfig } from './fixtures.js';
import { createTestDeliverer } from './real-deliverer.js';

const HOST = '127.0.4.20';

/** An MTA that answers the final dot after `replyAfterMs` (never, when null). */
async function startSlowDotMta(replyAfterMs: number | null) {
  let inData = 0;
  let accepted = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      inData++;
      stream.resume();
      stream.on('end', () => {
        if (replyAfterMs === null) return; // never answers
        setTimeout(() => {
          accepted++;
          callback(null, 'queued after a while');
        }, replyAfterMs);
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(25, HOST, () => resolve());
  });
  return { inData: () => inData, accepted: () => accepted, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withDns<T>(fn: (dns: DnsServer) => Promise<T>): Promise<T> {
  const dns = await startDnsServer({ mx: [{ name: 'slow.test', exchange: 'mx.slow.test', preference: 10 }], a: [{ name: 'mx.slow.test', address: HOST }] });
  try {
    return await fn(dns);
  } finally {
    await dns.stop();
  }
}

function relayFor(dns: DnsServer, finalReplyMs: number) {
  const config = testConfig({
    dns_servers: [dns.address],
    connect_timeout_ms: 3_000,
    greeting_timeout_ms: 3_000,
    command_timeout_ms: 30_000,
    tls_policy: { default: 'none' },
    stop_final_reply_ms: finalReplyMs,
  });
  return { config, deliverer: createTestDeliverer(config, silentLogger()) };
}

test('a stop past its time still lets a session that sent its message wait for the reply: delivered once, recorded', { timeout: 30_000 }, async () => {
  const t = tempStore();
  const mta = await startSlowDotMta(800);
  try {
    await withDns(async (dns) => {
      const { message } = await enqueue(t.store, { to: ['a@slow.test'], createdAt: Date.now() });
      const { config, deliverer: made } = relayFor(dns, 5_000);
      const deliverer = await made;
      const s = createScheduler({ config, store: t.store, deliverer, logger: silentLogger() });
      s.start();
      await until(() => mta.inData() === 1);
      await s.stop(50); // far less than the 800 ms the reply takes
      await deliverer.close();
      assert.equal(mta.accepted(), 1);
      const [r] = await t.store.messages.recipients(message.id);
      assert.equal(r!.state, 'delivered', 'the reply that came during the stop was recorded');
      assert.equal(r!.attempts, 1);
    });
  } finally {
    await mta.stop();
    await t.cleanup();
  }
});

test('a session cut off while waiting for its reply is recorded as an outcome unknown, a possible duplicate', { timeout: 30_000 }, async () => {
  const t = tempStore();
  const mta = await startSlowDotMta(null);
  try {
    await withDns(async (dns) => {
      const { message } = await enqueue(t.store, { to: ['a@slow.test'], createdAt: Date.now() });
      const { config, deliverer: made } = relayFor(dns, 300);
      const deliverer = await made;
      const s = createScheduler({ config, store: t.store, deliverer, logger: silentLogger() });
      s.start();
      await until(() => mta.inData() === 1);
      await s.stop(50);
      await deliverer.close();
      const [r] = await t.store.messages.recipients(message.id);
      assert.equal(r!.state, 'deferred');
      assert.equal(r!.leaseOwner, null);
      assert.match(r!.lastText ?? '', /outcome unknown: the relay stopped before the receiver answered the message/);
      const [fate] = await messageFate(t.store, message.queueId);
      assert.match(fate!.recipients[0]!.verdict, /duplicate is possible/);
    });
  } finally {
    await mta.stop();
    await t.cleanup();
  }
});

test('a stop starts no new transaction: a job still connecting is given back without an attempt', { timeout: 30_000 }, async () => {
  const t = tempStore();
  // Accepts and greets only after a second: the session is still before MAIL when the stop begins.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    setTimeout(() => socket.writable && socket.write('220 mx.slow.test ESMTP\r\n'), 1_000);
    socket.on('data', (d) => {
      const line = d.toString();
      if (/^EHLO/i.test(line)) socket.write('250 mx.slow.test\r\n');
      else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
      else socket.write('250 ok\r\n');
    });
  });
  await new Promise<void>((r) => server.listen(25, HOST, () => r()));
  let connected = 0;
  server.on('connection', () => connected++);
  try {
    await withDns(async (dns) => {
      const { message } = await enqueue(t.store, { to: ['a@slow.test'], createdAt: Date.now() });
      const { config, deliverer: made } = relayFor(dns, 5_000);
      const deliverer = await made;
      const s = createScheduler({ config, store: t.store, deliverer, logger: silentLogger() });
      s.start();
      await until(() => connected === 1);
      await s.stop(5_000);
      await deliverer.close();
      const [r] = await t.store.messages.recipients(message.id);
      assert.equal(r!.state, 'queued');
      assert.equal(r!.attempts, 0, 'nothing was attempted, nothing is recorded');
      assert.equal(r!.leaseOwner, null, 'the claim was given back');
      assert.deepEqual(
        (await t.store.events.forMessage(message.id)).map((e) => e.kind),
        ['received'],
      );
    });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await t.cleanup();
  }
});

test('a stop does not wait out a greeting that does not come: the job is given back at once, unattempted', { timeout: 30_000 }, async () => {
  const t = tempStore();
  // Accepts and never greets (a tarpit): the job waits for its 220.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(25, HOST, () => r()));
  let connected = 0;
  server.on('connection', () => connected++);
  try {
    await withDns(async (dns) => {
      const { message } = await enqueue(t.store, { to: ['a@slow.test'], createdAt: Date.now() });
      const { config: base } = relayFor(dns, 5_000);
      // A greeting timeout far past the stop: only the stop itself can end the wait.
      const config = { ...base, delivery: { ...base.delivery, greeting_timeout_ms: 60_000 } };
      const deliverer = await createTestDeliverer(config, silentLogger());
      const s = createScheduler({ config, store: t.store, deliverer, logger: silentLogger() });
      s.start();
      await until(() => connected === 1);
      const started = Date.now();
      await s.stop(20_000);
      assert.ok(Date.now() - started < 5_000, `the stop took ${Date.now() - started} ms`);
      await deliverer.close();
      const [r] = await t.store.messages.recipients(message.id);
      assert.deepEqual([r!.state, r!.attempts, r!.leaseOwner], ['queued', 0, null], 'given back without an attempt');
    });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await t.cleanup();
  }
});
