import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Deliverer } from '../../src/delivery/types.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

// 127.0.1.31 has no listener: connections to it are refused.
const DOWN = '127.0.1.31';
const UP = '127.0.1.32';
const STATIC = '127.0.1.33';
let dns: DnsServer;
let up: TestMta;
let staticMta: TestMta;
let deliverer: Deliverer;

before(async () => {
  dns = await startDnsServer({
    mx: [
      { name: 'twomx.test', exchange: 'mx1.twomx.test', preference: 10 },
      { name: 'twomx.test', exchange: 'mx2.twomx.test', preference: 20 },
      { name: 'nullmx.test', exchange: '.', preference: 0 },
      { name: 'down.test', exchange: 'mx.down.test', preference: 10 },
    ],
    a: [
      { name: 'mx1.twomx.test', address: DOWN },
      { name: 'mx2.twomx.test', address: UP },
      { name: 'amx.test', address: UP },
      { name: 'mx.down.test', address: DOWN },
    ],
    timeout: ['slow.test'],
  });
  up = await startTestMta({ host: UP });
  staticMta = await startTestMta({ host: STATIC, port: 2526 });
  deliverer = await testDeliverer(testConfig(dns.address, { dns_timeout_ms: 600, routes: { 'routed.test': `${STATIC}:2526` } }));
});
after(async () => {
  await deliverer?.close();
  await Promise.all([dns?.stop(), up?.stop(), staticMta?.stop()]);
});

test('the first MX refuses connections: the second is used, both recorded', async () => {
  const before = up.messages.length;
  const r = await deliverer.deliver(testJob({ domain: 'twomx.test', to: ['a@twomx.test'] }));
  const connects = r.phases.filter((p) => p.phase === 'connect');
  assert.deepEqual(
    connects.map((p) => [p.remoteHost, p.remoteIp, p.error ?? null, p.code]),
    [
      ['mx1.twomx.test', DOWN, 'ECONNREFUSED', null],
      ['mx2.twomx.test', UP, null, 220],
    ],
  );
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.remoteHost]),
    [['delivered', 'mx2.twomx.test']],
  );
  assert.equal(up.messages.length, before + 1);
});

test('every MX down: deferred with the connection error', async () => {
  const r = await deliverer.deliver(testJob({ domain: 'down.test', to: ['a@down.test'] }));
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code, o.remoteIp]),
    [['deferred', 'connect', null, DOWN]],
  );
  assert.match(r.recipients[0].text!, /ECONNREFUSED/);
  assert.equal(r.recipients[0].classification.category, 'connection-failure');
});

test('a null MX bounces 5.1.10 without connecting anywhere', async () => {
  const connections = up.connections;
  const r = await deliverer.deliver(testJob({ domain: 'nullmx.test', to: ['a@nullmx.test'] }));
  assert.deepEqual(
    r.phases.map((p) => p.phase),
    ['dns'],
  );
  assert.equal(r.phases[0].error, 'NULL_MX');
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.enhanced]),
    [['bounced', 'dns', '5.1.10']],
  );
  assert.equal(up.connections, connections);
  assert.deepEqual([r.recipients[0].classification.category, r.recipients[0].classification.hard], ['no-mail-service', true]);
});

test('a domain that does not exist bounces 5.1.2', async () => {
  const r = await deliverer.deliver(testJob({ domain: 'missing.test', to: ['a@missing.test'] }));
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.enhanced]),
    [['bounced', 'dns', '5.1.2']],
  );
  assert.match(r.recipients[0].text!, /does not exist/);
  assert.equal(r.recipients[0].classification.category, 'domain-unknown');
});

test('a DNS timeout defers 4.4.3', async () => {
  const r = await deliverer.deliver(testJob({ domain: 'slow.test', to: ['a@slow.test'] }));
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.enhanced]),
    [['deferred', 'dns', '4.4.3']],
  );
  assert.equal(r.phases[0].error, 'ETIMEOUT');
  assert.equal(r.recipients[0].classification.category, 'dns-failure');
});

test('no MX: delivered to the domain’s A record', async () => {
  const r = await deliverer.deliver(testJob({ domain: 'amx.test', to: ['a@amx.test'] }));
  assert.equal((r.phases[0].detail as { kind: string }).kind, 'a-fallback');
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.remoteHost, o.remoteIp]),
    [['delivered', 'amx.test', UP]],
  );
});

test('a static route sends to its host and port without an MX lookup', async () => {
  const r = await deliverer.deliver(testJob({ domain: 'routed.test', to: ['a@routed.test'] }));
  assert.equal((r.phases[0].detail as { kind: string }).kind, 'static');
  assert.equal(r.phases.find((p) => p.phase === 'connect')!.detail?.port, 2526);
  assert.equal(r.recipients[0].outcome, 'delivered');
  assert.equal(staticMta.messages.length, 1);
});
