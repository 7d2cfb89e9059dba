/**
 * Destinations that cannot answer do not hold the queue: a job waiting for DNS that times out, or for a
 * connection slot at an address that never greets, lends its delivery slot back (src/queue/slots.ts), so mail
 * for healthy domains goes out meanwhile. Real sockets: dnsmasq (names that never answer), an address that
 * accepts TCP and never greets, a test MTA. Three delivery slots for everything.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import { testDeliverer } from '../delivery/fixtures.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startSilentHost, type SilentHost } from '../helpers/silent-host.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { enqueue, tempStore, testConfig } from './fixtures.js';

const MTA_IP = '127.0.16.5';
const SILENT_IP = '127.0.16.6';

let dns: DnsServer;
let mta: TestMta;
let silent: SilentHost;

before(async () => {
  dns = await startDnsServer({
    mx: [
      { name: 'healthy.test', exchange: 'mx.healthy.test', preference: 10 },
      { name: 'tarpit-a.test', exchange: 'mx.tarpit.test', preference: 10 },
      { name: 'tarpit-b.test', exchange: 'mx.tarpit.test', preference: 10 },
    ],
    a: [
      { name: 'mx.healthy.test', address: MTA_IP },
      { name: 'mx.tarpit.test', address: SILENT_IP },
    ],
    timeout: ['nodns.test'],
    ttl: 300,
  });
  mta = await startTestMta({ host: MTA_IP, port: 25 });
  silent = await startSilentHost(SILENT_IP);
});

after(async () => {
  await Promise.all([dns?.stop(), mta?.stop(), silent?.stop()]);
});

test('healthy mail goes out while every slot would otherwise wait on DNS timeouts and a server that never greets', async () => {
  const t = tempStore();
  const config = testConfig({
    dns_servers: [dns.address],
    dns_timeout_ms: 4_000,
    connect_timeout_ms: 4_000,
    greeting_timeout_ms: 4_000,
    command_timeout_ms: 4_000,
    max_connections: 3,
    max_connections_per_host: 1,
  });
  const deliverer = await testDeliverer(config, silentLogger());
  const scheduler = createScheduler({ config, store: t.store, deliverer, logger: silentLogger() });
  const now = Date.now();
  try {
    // Due first: three domains whose DNS never answers, then four messages for a silent address (one may
    // connect, the rest wait for its only slot), then the healthy mail.
    const dead: number[] = [];
    for (const domain of ['a.nodns.test', 'b.nodns.test', 'c.nodns.test', 'tarpit-a.test', 'tarpit-b.test', 'tarpit-a.test', 'tarpit-b.test'])
      dead.push((await enqueue(t.store, { to: [`x@${domain}`], createdAt: now - 60_000 })).message.id);
    const healthy: number[] = [];
    for (let i = 0; i < 8; i++) healthy.push((await enqueue(t.store, { to: [`u${i}@healthy.test`], createdAt: now - 30_000 })).message.id);
    const before = mta.messages.length;
    scheduler.start();
    const deadline = Date.now() + 3_500;
    while (mta.messages.length - before < healthy.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(mta.messages.length - before, healthy.length, 'every healthy message delivered');
    // …while the dead destinations were still being waited on: none of them had an attempt recorded yet.
    for (const id of dead) {
      const [r] = await t.store.messages.recipients(id);
      assert.equal(r!.attempts, 0, `${r!.address} still waiting (${r!.state}: ${r!.lastText})`);
    }
    assert.equal(silent.accepted, 1, 'one connection to the silent address; the other sessions wait for its slot');

    // A stop while jobs wait with their slots lent: those waiting for the silent address go back unattempted
    // (nothing began), every claim is released (a DNS failure that came meanwhile is recorded as what it is).
    await scheduler.stop(500);
    for (const id of dead) {
      const [r] = await t.store.messages.recipients(id);
      if (r!.domain.startsWith('tarpit')) assert.equal(r!.attempts, 0, `${r!.address}: no attempt recorded by the stop`);
      else assert.ok(r!.attempts === 0 || /ETIMEOUT/.test(r!.lastText ?? ''), `${r!.address}: ${r!.lastText}`);
      assert.equal(r!.leaseOwner, null, `${r!.address}: claim released`);
    }
  } finally {
    await scheduler.stop(500);
    await deliverer.close();
    await t.cleanup();
  }
});

test('sessions waiting in silence for a greeting lend their slots after 2 s: healthy mail goes out before the first greeting timeout', async () => {
  const t = tempStore();
  // Two slots in all; both taken by sessions to an address that never greets (5 s greeting timeout).
  const config = testConfig({
    dns_servers: [dns.address],
    connect_timeout_ms: 5_000,
    greeting_timeout_ms: 5_000,
    command_timeout_ms: 5_000,
    max_connections: 2,
    max_connections_per_host: 20,
  });
  const deliverer = await testDeliverer(config, silentLogger());
  const scheduler = createScheduler({ config, store: t.store, deliverer, logger: silentLogger() });
  const now = Date.now();
  const accepted0 = silent.accepted;
  try {
    const dead = [];
    for (const domain of ['tarpit-a.test', 'tarpit-b.test']) dead.push((await enqueue(t.store, { to: [`y@${domain}`], createdAt: now - 60_000 })).message.id);
    for (let i = 0; i < 4; i++) await enqueue(t.store, { to: [`v${i}@healthy.test`], createdAt: now - 30_000 });
    const before = mta.messages.length;
    const t0 = Date.now();
    scheduler.start();
    await new Promise<void>((resolve, reject) => {
      const tick = setInterval(() => {
        if (mta.messages.length - before >= 4) {
          clearInterval(tick);
          resolve();
        } else if (Date.now() - t0 > 4_500) {
          clearInterval(tick);
          reject(new Error(`only ${mta.messages.length - before} of 4 healthy messages within 4.5 s`));
        }
      }, 20);
    });
    assert.equal(silent.accepted - accepted0, 2, 'both silent sessions connected and were still waiting');
    for (const id of dead) assert.equal((await t.store.messages.recipients(id))[0]!.attempts, 0, 'their greeting timeout had not come yet');
  } finally {
    await scheduler.stop(500);
    await deliverer.close();
    await t.cleanup();
  }
});
