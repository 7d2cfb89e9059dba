/**
 * The DNS answer cache, against a real DNS server (dnsmasq): answers are reused within their bounds
 * (configured age, record TTL), "does not exist" for a tenth of the age, failures to find out for 5 s doubling
 * (RFC 9520), and a question on its way is shared.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { promises as dnsPromises } from 'node:dns';
import { cachingResolver } from '../../src/routing/dns-cache.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';

let withTtl: DnsServer;
let noTtl: DnsServer;
before(async () => {
  const records = {
    mx: [{ name: 'cache.test', exchange: 'mx.cache.test', preference: 10 }],
    a: [{ name: 'mx.cache.test', address: '192.0.2.10' }],
    servfail: ['broken.test'],
    timeout: ['slow.test'],
  };
  [withTtl, noTtl] = await Promise.all([startDnsServer({ ...records, ttl: 300 }), startDnsServer(records)]);
});
after(async () => {
  await Promise.all([withTtl?.stop(), noTtl?.stop()]);
});

function resolverFor(server: DnsServer): dnsPromises.Resolver {
  const r = new dnsPromises.Resolver({ timeout: 300, tries: 1 });
  r.setServers([server.address]);
  return r;
}

const queries = (server: DnsServer, name: string) =>
  server
    .log()
    .split('\n')
    .filter((l) => l.includes(`query[`) && l.includes(` ${name} `)).length;

test('answers are reused for up to the configured age, then asked again', async () => {
  let now = 1_000_000;
  const cache = cachingResolver(resolverFor(withTtl), 60_000, () => now);
  assert.deepEqual(
    (await cache.resolveMx('cache.test')).map((r) => r.exchange),
    ['mx.cache.test'],
  );
  assert.deepEqual(await cache.resolve4('mx.cache.test'), ['192.0.2.10']);
  assert.equal(cache.cached('MX', 'cache.test'), false, 'the first answer came from the server');
  const mxQueries = queries(withTtl, 'cache.test');
  const aQueries = queries(withTtl, 'mx.cache.test');
  now += 59_000;
  await cache.resolveMx('CACHE.test');
  await cache.resolve4('mx.cache.test');
  assert.equal(cache.cached('MX', 'cache.test'), true);
  assert.equal(cache.cached('A', 'mx.cache.test'), true);
  assert.equal(queries(withTtl, 'cache.test'), mxQueries, 'no new MX query within the age');
  assert.equal(queries(withTtl, 'mx.cache.test'), aQueries, 'no new A query within the age');
  now += 2_000;
  await cache.resolveMx('cache.test');
  assert.equal(cache.cached('MX', 'cache.test'), false);
  assert.equal(queries(withTtl, 'cache.test'), mxQueries + 1, 'asked again once the age has passed');
});

test('an address record with TTL 0 is never reused', async () => {
  const cache = cachingResolver(resolverFor(noTtl), 60_000);
  await cache.resolve4('mx.cache.test');
  const before = queries(noTtl, 'mx.cache.test');
  await cache.resolve4('mx.cache.test');
  assert.equal(cache.cached('A', 'mx.cache.test'), false);
  assert.equal(queries(noTtl, 'mx.cache.test'), before + 1);
});

test('"does not exist" is kept for a tenth of the age', async () => {
  let now = 5_000_000;
  const cache = cachingResolver(resolverFor(withTtl), 60_000, () => now);
  await assert.rejects(cache.resolveMx('nosuch.cache.test'), { code: 'ENOTFOUND' });
  await assert.rejects(cache.resolveMx('nosuch.cache.test'), { code: 'ENOTFOUND' });
  assert.equal(cache.cached('MX', 'nosuch.cache.test'), true);
  now += 6_001;
  await assert.rejects(cache.resolveMx('nosuch.cache.test'), { code: 'ENOTFOUND' });
  assert.equal(cache.cached('MX', 'nosuch.cache.test'), false, 'asked again after a tenth of the age');
});

test('a failure to find out (SERVFAIL, timeout) is kept 5 s, doubling while it repeats, and forgotten on an answer', async () => {
  let now = 7_000_000;
  const cache = cachingResolver(resolverFor(withTtl), 60_000, () => now);
  const asked = () => queries(withTtl, 'broken.test');
  const before = asked();
  await assert.rejects(cache.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  assert.equal(asked(), before + 1);
  await assert.rejects(cache.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  assert.equal(cache.cached('MX', 'broken.test'), true);
  assert.equal(asked(), before + 1, 'the failure is answered from the cache for 5 s');
  now += 5_001;
  await assert.rejects(cache.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  assert.equal(asked(), before + 2, 'asked again after 5 s');
  now += 5_001;
  await assert.rejects(cache.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  assert.equal(asked(), before + 2, 'the second failure in a row is kept 10 s');
  now += 5_000;
  await assert.rejects(cache.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  assert.equal(asked(), before + 3);

  // A timeout too: the second asker within the keep does not wait out another one.
  const t0 = Date.now();
  await assert.rejects(cache.resolveMx('slow.test'), { code: 'ETIMEOUT' });
  const t1 = Date.now();
  await assert.rejects(cache.resolveMx('slow.test'), { code: 'ETIMEOUT' });
  assert.ok(Date.now() - t1 < (t1 - t0) / 2, `the kept timeout answers at once (${Date.now() - t1} ms, the lookup took ${t1 - t0} ms)`);

  // Never longer than the configured age: a relay that asks for fresh answers gets them.
  const fresh = cachingResolver(resolverFor(withTtl), 1_000, () => now);
  await assert.rejects(fresh.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  now += 1_001;
  const n = asked();
  await assert.rejects(fresh.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  assert.equal(asked(), n + 1);
});

test('the same question asked while it is on its way is asked once', async () => {
  const cache = cachingResolver(resolverFor(noTtl), 60_000);
  const before = queries(noTtl, 'cache.test');
  const answers = await Promise.all([cache.resolveMx('cache.test'), cache.resolveMx('Cache.test'), cache.resolveMx('cache.test')]);
  assert.deepEqual(
    answers.map((a) => a.map((r) => r.exchange)),
    [['mx.cache.test'], ['mx.cache.test'], ['mx.cache.test']],
  );
  assert.equal(queries(noTtl, 'cache.test'), before + 1);
  // Failures are shared the same way.
  const slowBefore = queries(noTtl, 'slow.test');
  const failed = await Promise.allSettled([cache.resolveMx('slow.test'), cache.resolveMx('slow.test')]);
  assert.deepEqual(
    failed.map((f) => f.status),
    ['rejected', 'rejected'],
  );
  assert.equal(queries(noTtl, 'slow.test'), slowBefore + 1);
});
