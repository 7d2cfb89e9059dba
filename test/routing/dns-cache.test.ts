/**
 * The DNS answer cache, against a real DNS server (dnsmasq): answers are reused within their bounds
 * (configured age, record TTL), "does not exist" briefly, failures never.
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

test('"does not exist" is kept for a tenth of the age; a SERVFAIL is never kept', async () => {
  let now = 5_000_000;
  const cache = cachingResolver(resolverFor(withTtl), 60_000, () => now);
  await assert.rejects(cache.resolveMx('nosuch.cache.test'), { code: 'ENOTFOUND' });
  await assert.rejects(cache.resolveMx('nosuch.cache.test'), { code: 'ENOTFOUND' });
  assert.equal(cache.cached('MX', 'nosuch.cache.test'), true);
  now += 6_001;
  await assert.rejects(cache.resolveMx('nosuch.cache.test'), { code: 'ENOTFOUND' });
  assert.equal(cache.cached('MX', 'nosuch.cache.test'), false, 'asked again after a tenth of the age');

  await assert.rejects(cache.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  await assert.rejects(cache.resolveMx('broken.test'), { code: 'ESERVFAIL' });
  assert.equal(cache.cached('MX', 'broken.test'), false, 'a failure to find out is asked again every time');
});
