/**
 * MTA-STS (RFC 8461) against real parts: dnsmasq publishes the `_mta-sts` TXT records and the MX hosts, a
 * local HTTPS server (127.0.14.40:443) serves the policies with a certificate from a test CA, and test MTAs
 * offer STARTTLS with certificates from that CA (or self-signed ones). The relay trusts the test CA through
 * `delivery.test_only_ca_file` only. Policies are cached in a real SQLite store.
 *
 *   enforce.test   enforce, mx: mx1.enforce.test; its MX list also names rogue.enforce.test (preferred)
 *   badcert.test   enforce; the MX's certificate is self-signed
 *   notls.test     enforce; the MX does not offer STARTTLS
 *   testing.test   testing; the MX is not listed and its certificate is self-signed
 *   redirect.test  the policy URL redirects: no policy (§3.3), delivery as usual
 *   slow.test      the policy server sends its headers, then a byte every 200 ms, never the end
 *   many.test      a valid policy, for lookups made at once
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createMtaSts, mxMatches } from '../../src/routing/mta-sts.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import type { AttemptReport } from '../../src/delivery/types.js';
import { testConfig, testDeliverer, testJob } from '../delivery/fixtures.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';
import { selfSignedCert, startTestMta, type TestMta } from '../helpers/test-mta.js';

const POLICY_IP = '127.0.14.40';
const IP = { rogue: '127.0.14.41', mx1: '127.0.14.42', badcert: '127.0.14.43', notls: '127.0.14.44', testing: '127.0.14.45', redirect: '127.0.14.46' };
const POLICIES: Record<string, string> = {
  'mta-sts.enforce.test': 'version: STSv1\nmode: enforce\nmx: mx1.enforce.test\nmax_age: 86400\n',
  'mta-sts.badcert.test': 'version: STSv1\r\nmode: enforce\r\nmx: *.badcert.test\r\nmax_age: 86400\r\n',
  'mta-sts.notls.test': 'version: STSv1\nmode: enforce\nmx: mx.notls.test\nmax_age: 86400\n',
  'mta-sts.testing.test': 'version: STSv1\nmode: testing\nmx: mx.elsewhere.test\nmax_age: 86400\n',
  'mta-sts.many.test': 'version: STSv1\nmode: testing\nmx: mx.many.test\nmax_age: 86400\n',
};
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-sts-'));
let ca: TestCa;
let dns: DnsServer;
let policyServer: https.Server;
const fetches: string[] = [];
const mtas: Record<keyof typeof IP, TestMta | null> = { rogue: null, mx1: null, badcert: null, notls: null, testing: null, redirect: null };
let store: SqliteStore;

before(async () => {
  ca = createTestCa(dir);
  const sts = (domain: string, id = '20260101') => ({ name: `_mta-sts.${domain}`, text: `v=STSv1; id=${id};` });
  dns = await startDnsServer({
    mx: [
      { name: 'enforce.test', exchange: 'rogue.enforce.test', preference: 5 },
      { name: 'enforce.test', exchange: 'mx1.enforce.test', preference: 10 },
      { name: 'badcert.test', exchange: 'mx.badcert.test', preference: 10 },
      { name: 'notls.test', exchange: 'mx.notls.test', preference: 10 },
      { name: 'testing.test', exchange: 'mx.testing.test', preference: 10 },
      { name: 'redirect.test', exchange: 'mx.redirect.test', preference: 10 },
    ],
    a: [
      ...['enforce', 'badcert', 'notls', 'testing', 'redirect', 'slow', 'many'].map((d) => ({ name: `mta-sts.${d}.test`, address: POLICY_IP })),
      { name: 'rogue.enforce.test', address: IP.rogue },
      { name: 'mx1.enforce.test', address: IP.mx1 },
      { name: 'mx.badcert.test', address: IP.badcert },
      { name: 'mx.notls.test', address: IP.notls },
      { name: 'mx.testing.test', address: IP.testing },
      { name: 'mx.redirect.test', address: IP.redirect },
    ],
    txt: ['enforce.test', 'badcert.test', 'notls.test', 'testing.test', 'redirect.test', 'slow.test', 'many.test'].map((d) => sts(d)),
  });
  policyServer = https.createServer(ca.issue(Object.keys(POLICIES).concat('mta-sts.redirect.test', 'mta-sts.slow.test')), (req, res) => {
    fetches.push(`${req.headers.host}${req.url}`);
    if (req.headers.host === 'mta-sts.slow.test') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = setInterval(() => res.write('v'), 200);
      res.on('close', () => clearInterval(drip));
      return;
    }
    const policy = POLICIES[String(req.headers.host)];
    if (req.url !== '/.well-known/mta-sts.txt') return void res.writeHead(404).end();
    if (req.headers.host === 'mta-sts.redirect.test') return void res.writeHead(302, { location: 'https://elsewhere.test/' }).end();
    if (!policy) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(policy);
  });
  await new Promise<void>((resolve) => policyServer.listen(443, POLICY_IP, resolve));
  mtas.rogue = await startTestMta({ host: IP.rogue, tls: ca.issue(['rogue.enforce.test']) });
  mtas.mx1 = await startTestMta({ host: IP.mx1, tls: ca.issue(['mx1.enforce.test']) });
  mtas.badcert = await startTestMta({ host: IP.badcert, tls: selfSignedCert('mx.badcert.test') });
  mtas.notls = await startTestMta({ host: IP.notls });
  mtas.testing = await startTestMta({ host: IP.testing, tls: selfSignedCert('mx.testing.test') });
  mtas.redirect = await startTestMta({ host: IP.redirect });
  store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'NORMAL', busyTimeoutMs: 2000 });
});

after(async () => {
  await Promise.all(Object.values(mtas).map((m) => m?.stop()));
  await new Promise((r) => policyServer?.close(r));
  await dns?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = () => testConfig(dns.address, { test_only_ca_file: ca.file });

/** One delivery with a fresh deliverer (nothing in memory: like another process) sharing the policy store. */
async function deliverTo(domain: string, to: string, dnsAddress = dns.address): Promise<AttemptReport> {
  const c = testConfig(dnsAddress, { test_only_ca_file: ca.file });
  const d = await testDeliverer(c, undefined, { mtaSts: createMtaSts({ config: c, store: store.mtaSts, logger: silentLogger() }) });
  try {
    return await d.deliver(testJob({ domain, to: [to] }));
  } finally {
    await d.close();
  }
}

test('enforce: an MX not in the policy is skipped, the listed one gets the mail over verified TLS; the policy is recorded', async () => {
  const r = await deliverTo('enforce.test', 'a@enforce.test');
  assert.deepEqual(
    r.recipients.map((o) => o.outcome),
    ['delivered'],
  );
  const dnsDetail = r.phases[0].detail as { mta_sts: Record<string, unknown> };
  assert.deepEqual(
    { ...dnsDetail.mta_sts, expires_at: null },
    {
      mode: 'enforce',
      id: '20260101',
      mx: ['mx1.enforce.test'],
      source: 'fetched',
      expires_at: null,
      max_age: 86400,
      error: null,
      not_matching: ['rogue.enforce.test'],
    },
  );
  const skipped = r.phases.find((p) => p.remoteHost === 'rogue.enforce.test')!;
  assert.equal(skipped.error, 'EMTASTS');
  assert.match(skipped.text!, /rogue\.enforce\.test skipped: it does not match the MTA-STS policy of enforce\.test \(enforce; mx: mx1\.enforce\.test\)/);
  assert.equal(mtas.rogue!.messages.length, 0, 'nothing reached the host outside the policy');
  const st = r.phases.find((p) => p.phase === 'starttls')!;
  assert.equal(st.detail?.verified, true, 'the certificate was verified against the (test) CA for mx1.enforce.test');
  assert.equal(mtas.mx1!.messages.at(-1)!.secure, true);
});

test('the policy is cached in the store for max_age: another process uses it without fetching it again', async () => {
  const row = await store.mtaSts.get('enforce.test');
  assert.equal(row?.mode, 'enforce');
  assert.ok(row!.expiresAt - row!.fetchedAt === 86_400_000);
  const before = fetches.length;
  // A fresh deliverer (a new process, another node): nothing in memory, the store has it.
  const r = await deliverTo('enforce.test', 'b@enforce.test');
  assert.equal((r.phases[0].detail as { mta_sts: { source: string } }).mta_sts.source, 'cached');
  assert.equal(fetches.length, before, 'no HTTPS fetch for an unchanged id');
  assert.equal(r.recipients[0].outcome, 'delivered');
});

test('enforce with a certificate that does not verify: deferred 4.7.5, nothing sent, the classifier explains MTA-STS', async () => {
  const r = await deliverTo('badcert.test', 'a@badcert.test');
  const [o] = r.recipients;
  assert.deepEqual([o.outcome, o.phase, o.enhanced], ['deferred', 'starttls', '4.7.5']);
  assert.match(
    o.text!,
    /^MTA-STS policy of badcert\.test \(enforce; mx: \*\.badcert\.test\) requires TLS with a valid certificate: TLS handshake failed: self[- ]signed certificate/,
  );
  assert.equal(o.classification.category, 'tls-required');
  assert.match(o.classification.explanation, /MTA-STS policy in enforce mode/);
  assert.equal(mtas.badcert!.messages.length, 0);
});

test('enforce with an MX that does not offer STARTTLS: deferred, never sent in clear', async () => {
  const r = await deliverTo('notls.test', 'a@notls.test');
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase]),
    [['deferred', 'starttls']],
  );
  assert.match(r.recipients[0].text!, /MTA-STS policy of notls\.test \(enforce.*does not offer STARTTLS/);
  assert.equal(mtas.notls!.messages.length, 0);
});

test('testing: delivered anyway to an unlisted MX with a self-signed certificate; both failures recorded', async () => {
  const r = await deliverTo('testing.test', 'a@testing.test');
  assert.equal(r.recipients[0].outcome, 'delivered');
  assert.deepEqual((r.phases[0].detail as { mta_sts: { mode: string; not_matching: string[] } }).mta_sts.not_matching, ['mx.testing.test']);
  const st = r.phases.find((p) => p.phase === 'starttls')!;
  assert.match(
    String(st.detail?.mta_sts),
    /MTA-STS policy of testing\.test \(testing; mx: mx\.elsewhere\.test\): mx\.testing\.test is not a listed MX; delivered anyway \(testing\)/,
  );
  assert.equal(mtas.testing!.messages.length, 1);
});

test('a policy URL that redirects is not followed: no policy, delivery as usual, the failure noted', async () => {
  const r = await deliverTo('redirect.test', 'a@redirect.test');
  assert.equal(r.recipients[0].outcome, 'delivered');
  // No policy in force; the failed fetch is recorded with its RFC 8460 result type (for TLS reports).
  const sts = r.phases[0].detail?.mta_sts as Record<string, unknown>;
  assert.deepEqual([sts.mode, sts.source, sts.error_type], ['none', 'none', 'sts-policy-fetch-error']);
  assert.match(String(sts.error), /HTTP 302/);
  const decision = await createMtaSts({ config: config(), store: null, logger: silentLogger() }).policyFor('redirect.test');
  assert.equal(decision.source, 'none');
  assert.match(decision.error!, /answered HTTP 302 \(redirect to https:\/\/elsewhere\.test\/, not followed\)/);
});

test('the policy host must present a certificate the relay trusts: without the test CA the fetch fails', async () => {
  const c = testConfig(dns.address); // no test_only_ca_file: Node's public roots only
  const decision = await createMtaSts({ config: c, store: null, logger: silentLogger() }).policyFor('enforce.test');
  assert.equal(decision.policy, null);
  assert.match(decision.error!, /could not be fetched: .*(self[- ]signed|unable to (get|verify)|certificate)/i);
  assert.equal(decision.errorType, 'sts-webpki-invalid');
});

test('a cached unexpired policy stays in force when the TXT record is gone (no downgrade by stripping DNS)', async () => {
  const bare = await startDnsServer({
    mx: [{ name: 'enforce.test', exchange: 'rogue.enforce.test', preference: 5 }],
    a: [{ name: 'rogue.enforce.test', address: IP.rogue }],
  });
  try {
    const r = await deliverTo('enforce.test', 'c@enforce.test', bare.address);
    assert.deepEqual(
      r.recipients.map((o) => [o.outcome, o.enhanced]),
      [['deferred', '4.7.5']],
    );
    assert.equal(mtas.rogue!.messages.length, 0);
  } finally {
    await bare.stop();
  }
});

test('mx patterns: exact names, and `*.` for exactly one left-most label (RFC 8461 §4.1)', () => {
  assert.ok(mxMatches('mx1.example.com', ['mx1.example.com']));
  assert.ok(mxMatches('MX1.Example.com.', ['mx1.example.com']));
  assert.ok(mxMatches('mx1.example.com', ['*.example.com']));
  assert.ok(!mxMatches('a.mx1.example.com', ['*.example.com']));
  assert.ok(!mxMatches('example.com', ['*.example.com']));
  assert.ok(!mxMatches('mx1.example.net', ['mx1.example.com', '*.example.org']));
});

test('a policy server that never finishes is cut at fetch_timeout_ms for the whole fetch, not per idle gap', async () => {
  const c = testConfig(dns.address, { test_only_ca_file: ca.file, mta_sts: { fetch_timeout_ms: 1_000 } });
  const sts = createMtaSts({ config: c, store: store.mtaSts, logger: silentLogger() });
  const t0 = Date.now();
  const decision = await sts.policyFor('slow.test');
  const took = Date.now() - t0;
  assert.equal(decision.policy, null);
  assert.match(decision.error ?? '', /did not send its policy within 1000 ms/);
  assert.ok(took < 5_000, `cut after ${took} ms`);
});

test('deliveries that need one policy at once wait for one fetch', async () => {
  const sts = createMtaSts({ config: config(), store: store.mtaSts, logger: silentLogger() });
  const before = fetches.filter((f) => f.startsWith('mta-sts.many.test')).length;
  const decisions = await Promise.all(Array.from({ length: 10 }, () => sts.policyFor('many.test')));
  assert.ok(decisions.every((d) => d.policy?.mode === 'testing'));
  assert.equal(fetches.filter((f) => f.startsWith('mta-sts.many.test')).length - before, 1);
});
