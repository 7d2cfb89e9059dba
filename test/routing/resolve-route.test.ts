import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findStaticRoute, parseHostPort, resolveRoute, type Route, type RouteFailure } from '../../src/routing/resolve.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { testConfig } from '../delivery/fixtures.js';

let dns: DnsServer;

before(async () => {
  dns = await startDnsServer({
    mx: [
      { name: 'multi.test', exchange: 'mx-b.multi.test', preference: 20 },
      { name: 'multi.test', exchange: 'mx-a.multi.test', preference: 10 },
      { name: 'multi.test', exchange: 'mx-c.multi.test', preference: 20 },
      { name: 'nullmx.test', exchange: '.', preference: 0 },
      { name: 'badmx.test', exchange: 'nowhere.badmx.test', preference: 10 },
      { name: 'halfbad.test', exchange: 'nowhere.halfbad.test', preference: 5 },
      { name: 'halfbad.test', exchange: 'mx.halfbad.test', preference: 10 },
    ],
    a: [
      { name: 'mx-a.multi.test', address: '127.0.1.11' },
      { name: 'mx-b.multi.test', address: '127.0.1.12' },
      { name: 'mx-c.multi.test', address: '127.0.1.13' },
      { name: 'nomx.test', address: '127.0.1.14' },
      { name: 'mx.halfbad.test', address: '127.0.1.15' },
      { name: 'relay.static.test', address: '127.0.1.16' },
    ],
    timeout: ['slow.test'],
    servfail: ['broken.test'],
  });
});
after(async () => dns?.stop());

function ok(r: Route | RouteFailure): Route {
  assert.ok(r.ok, `expected a route, got ${JSON.stringify(r)}`);
  return r;
}
function failed(r: Route | RouteFailure): RouteFailure {
  assert.ok(!r.ok, `expected a failure, got ${JSON.stringify(r)}`);
  return r;
}

test('MX hosts come in preference order, with their addresses and the configured port', async () => {
  const r = ok(await resolveRoute('Multi.Test', { config: testConfig(dns.address, { port: 2525 }) }));
  assert.equal(r.kind, 'mx');
  assert.equal(r.hosts[0].host, 'mx-a.multi.test');
  assert.deepEqual(r.hosts[0].ips, ['127.0.1.11']);
  assert.equal(r.hosts[0].port, 2525);
  assert.deepEqual(
    r.hosts.map((h) => h.preference),
    [10, 20, 20],
  );
  assert.ok(r.lookups.some((l) => l.type === 'MX' && l.answer.includes('10 mx-a.multi.test')));
});

test('equal preferences are shuffled', async () => {
  const config = testConfig(dns.address);
  const low = ok(await resolveRoute('multi.test', { config, random: () => 0 }));
  const orders = new Set<string>();
  // Keys decide the order inside a preference: counting calls gives ascending then descending keys.
  let i = 0;
  const up = ok(await resolveRoute('multi.test', { config, random: () => i++ }));
  let j = 100;
  const down = ok(await resolveRoute('multi.test', { config, random: () => j-- }));
  for (const r of [up, down])
    orders.add(
      r.hosts
        .slice(1)
        .map((h) => h.host)
        .join(','),
    );
  assert.equal(orders.size, 2, 'both orders of the two preference-20 hosts occur');
  assert.equal(low.hosts[0].host, 'mx-a.multi.test');
});

test('a domain without MX falls back to its own A record (RFC 5321 §5.1)', async () => {
  const r = ok(await resolveRoute('nomx.test', { config: testConfig(dns.address) }));
  assert.equal(r.kind, 'a-fallback');
  assert.deepEqual(r.hosts, [{ host: 'nomx.test', ips: ['127.0.1.14'], port: 25, preference: 0 }]);
});

test('a null MX is a permanent 5.1.10 failure', async () => {
  const f = failed(await resolveRoute('nullmx.test', { config: testConfig(dns.address) }));
  assert.equal(f.permanent, true);
  assert.equal(f.enhanced, '5.1.10');
  assert.equal(f.error, 'NULL_MX');
  assert.match(f.text, /accepts no mail/);
});

test('an address literal (user@[192.0.2.1], user@[IPv6:…]) is its own host, looked up nowhere; a literal that is no IP address fails at once', async () => {
  const v4 = ok(await resolveRoute('[127.0.1.17]', { config: testConfig(dns.address) }));
  assert.equal(v4.kind, 'literal');
  assert.deepEqual(v4.hosts, [{ host: '127.0.1.17', ips: ['127.0.1.17'], port: 25, preference: 0 }]);
  assert.deepEqual(v4.lookups, [], 'no DNS query');
  const v6 = ok(await resolveRoute('[IPv6:::1]', { config: testConfig(dns.address) }));
  assert.deepEqual(v6.hosts[0]!.ips, ['::1']);
  const bad = failed(await resolveRoute('[not.an.ip]', { config: testConfig(dns.address) }));
  assert.deepEqual([bad.permanent, bad.enhanced], [true, '5.1.2']);
});

test('NXDOMAIN is a permanent 5.1.2 failure', async () => {
  const f = failed(await resolveRoute('missing.test', { config: testConfig(dns.address) }));
  assert.deepEqual([f.permanent, f.enhanced, f.error], [true, '5.1.2', 'ENOTFOUND']);
  assert.match(f.text, /does not exist/);
});

test('a DNS timeout and a SERVFAIL are temporary 4.4.3 failures', async () => {
  const config = testConfig(dns.address, { dns_timeout_ms: 600 });
  const started = Date.now();
  const slow = failed(await resolveRoute('slow.test', { config }));
  assert.deepEqual([slow.permanent, slow.enhanced, slow.error], [false, '4.4.3', 'ETIMEOUT']);
  assert.ok(Date.now() - started < 3_000, 'the timeout comes from delivery.dns_timeout_ms');
  const broken = failed(await resolveRoute('broken.test', { config }));
  assert.deepEqual([broken.permanent, broken.enhanced, broken.error], [false, '4.4.3', 'ESERVFAIL']);
});

test('an MX whose target has no address is skipped; if none has one the failure is permanent 5.4.4', async () => {
  const half = ok(await resolveRoute('halfbad.test', { config: testConfig(dns.address) }));
  assert.deepEqual(
    half.hosts.map((h) => h.host),
    ['mx.halfbad.test'],
  );
  assert.ok(
    half.lookups.some((l) => l.name === 'nowhere.halfbad.test' && l.error === 'ENOTFOUND'),
    'the bad target is recorded',
  );
  const bad = failed(await resolveRoute('badmx.test', { config: testConfig(dns.address) }));
  assert.deepEqual([bad.permanent, bad.enhanced], [true, '5.4.4']);
});

test('static routes replace MX lookups, for the domain and (with a leading dot) its subdomains', async () => {
  const config = testConfig(dns.address, { routes: { 'nullmx.test': 'relay.static.test:2526', '.corp.test': '[127.0.1.17]' } });
  const r = ok(await resolveRoute('nullmx.test', { config }));
  assert.equal(r.kind, 'static');
  assert.deepEqual(r.hosts, [{ host: 'relay.static.test', ips: ['127.0.1.16'], port: 2526, preference: 0 }]);
  const sub = ok(await resolveRoute('eu.corp.test', { config }));
  assert.deepEqual(sub.hosts, [{ host: '127.0.1.17', ips: ['127.0.1.17'], port: 25, preference: 0 }]);
  assert.equal(sub.lookups.length, 0, 'an IP literal needs no DNS');
});

test('a smarthost takes every domain', async () => {
  const config = testConfig(dns.address, { smarthost: { host: '127.0.1.18', port: 587, tls: 'none', username: 'u', password: 'p' } });
  const r = ok(await resolveRoute('anything.test', { config }));
  assert.equal(r.kind, 'smarthost');
  assert.deepEqual(
    r.hosts.map((h) => [h.host, h.port]),
    [['127.0.1.18', 587]],
  );
  assert.deepEqual(r.smarthost, { tls: 'none', username: 'u', password: 'p' });
});

test('static route keys and host:port values are read like transport maps', () => {
  assert.equal(findStaticRoute('a.b.example.com', { '.example.com': 'x' }), 'x');
  assert.equal(findStaticRoute('example.com', { '.example.com': 'x' }), null);
  assert.equal(findStaticRoute('example.com', { 'Example.com': 'y' }), 'y');
  assert.deepEqual(parseHostPort('[::1]:2525', 25), { host: '::1', port: 2525 });
  assert.deepEqual(parseHostPort('mx.example.com', 25), { host: 'mx.example.com', port: 25 });
  assert.throws(() => parseHostPort('a:b:c', 25), /host\[:port\]/);
});
