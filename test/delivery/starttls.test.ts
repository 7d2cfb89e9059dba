import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { selfSignedCert, startTestMta, type TestMta } from '../helpers/test-mta.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const TLS_IP = '127.0.1.51';
const PLAIN_IP = '127.0.1.52';
let dns: DnsServer;
let tlsMta: TestMta;
let plainMta: TestMta;

before(async () => {
  dns = await startDnsServer({
    mx: [
      { name: 'tls.test', exchange: 'mx.tls.test', preference: 10 },
      { name: 'plain.test', exchange: 'mx.plain.test', preference: 10 },
    ],
    a: [
      { name: 'mx.tls.test', address: TLS_IP },
      { name: 'mx.plain.test', address: PLAIN_IP },
    ],
  });
  tlsMta = await startTestMta({ host: TLS_IP, tls: selfSignedCert('mx.tls.test') });
  plainMta = await startTestMta({ host: PLAIN_IP });
});
after(async () => Promise.all([dns?.stop(), tlsMta?.stop(), plainMta?.stop()]));

test('opportunistic STARTTLS with a self-signed certificate: encrypted, protocol and cipher recorded, EHLO repeated', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const r = await deliverer.deliver(testJob({ domain: 'tls.test', to: ['a@tls.test'] }));
    assert.deepEqual(
      r.phases.map((p) => p.phase),
      ['dns', 'connect', 'ehlo', 'starttls', 'ehlo', 'mail', 'rcpt', 'data'],
    );
    const st = r.phases[3];
    assert.equal(st.code, 220);
    assert.match(String(st.detail?.protocol), /^TLSv1\.[23]$/);
    assert.equal(typeof st.detail?.cipher, 'string');
    assert.equal(st.detail?.verified, false, 'opportunistic TLS does not verify (RFC 7435)');
    assert.equal(r.recipients[0].outcome, 'delivered');
    assert.equal(tlsMta.messages[0].secure, true);
    assert.equal(tlsMta.messages[0].tls?.cipher, st.detail?.cipher);
  } finally {
    await deliverer.close();
  }
});

test('TLS required but not offered: deferred 4.7.10 without sending the message', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address, { tls_policy: { default: 'opportunistic', domains: { 'plain.test': 'required' } } }));
  try {
    const r = await deliverer.deliver(testJob({ domain: 'plain.test', to: ['a@plain.test'] }));
    const st = r.phases.find((p) => p.phase === 'starttls')!;
    assert.equal(st.error, 'ETLSREQUIRED');
    assert.ok(!r.phases.some((p) => p.phase === 'mail'));
    assert.deepEqual(
      r.recipients.map((o) => [o.outcome, o.phase, o.enhanced]),
      [['deferred', 'starttls', '4.7.10']],
    );
    assert.match(r.recipients[0].text!, /TLS is required/);
    assert.equal(r.recipients[0].classification.category, 'tls-required');
    assert.equal(plainMta.messages.length, 0);
  } finally {
    await deliverer.close();
  }
});

test('TLS required with certificate verification: a self-signed certificate fails the handshake and defers', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address, { tls_policy: { default: 'required', domains: {} }, verify_certificates: true }));
  try {
    const before = tlsMta.messages.length;
    const r = await deliverer.deliver(testJob({ domain: 'tls.test', to: ['a@tls.test'] }));
    const st = r.phases.find((p) => p.phase === 'starttls')!;
    assert.equal(st.error, 'ETLS');
    assert.deepEqual(
      r.recipients.map((o) => [o.outcome, o.phase]),
      [['deferred', 'starttls']],
    );
    assert.equal(tlsMta.messages.length, before);
  } finally {
    await deliverer.close();
  }
});

test('policy none: no STARTTLS even when offered', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address, { tls_policy: { default: 'none', domains: {} } }));
  try {
    const r = await deliverer.deliver(testJob({ domain: 'tls.test', to: ['a@tls.test'] }));
    assert.ok(!r.phases.some((p) => p.phase === 'starttls'));
    assert.equal(r.recipients[0].outcome, 'delivered');
    assert.equal(tlsMta.messages.at(-1)!.secure, false);
  } finally {
    await deliverer.close();
  }
});
