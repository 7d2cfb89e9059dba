/**
 * Decisions the deliverer takes itself, before a server could answer: a non-ASCII address towards a
 * server without SMTPUTF8 (permanent: retrying cannot help), and a smarthost password that would cross
 * the network in clear (held back: a configuration problem, so the mail waits).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const PLAIN = '127.0.1.81';
let dns: DnsServer;
let mta: TestMta;

before(async () => {
  dns = await startDnsServer({ mx: [{ name: 'ascii.test', exchange: 'mx.ascii.test', preference: 10 }], a: [{ name: 'mx.ascii.test', address: PLAIN }] });
  // No STARTTLS (no certificate) and no SMTPUTF8.
  mta = await startTestMta({ host: PLAIN, hide: { smtputf8: true } });
});
after(async () => {
  await Promise.all([dns?.stop(), mta?.stop()]);
});

test('a non-ASCII address to a server without SMTPUTF8 bounces at once with 5.6.7 and nothing is sent', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const r = await deliverer.deliver(testJob({ domain: 'ascii.test', to: ['jörg@ascii.test'] }));
    assert.equal(r.recipients[0].outcome, 'bounced');
    assert.equal(r.recipients[0].enhanced, '5.6.7');
    assert.match(r.recipients[0].text ?? '', /does not support SMTPUTF8/);
    assert.equal(mta.messages.length, 0);
  } finally {
    await deliverer.close();
  }
});

test('a smarthost password is not sent over a connection without TLS unless tls: none says so', async () => {
  const config = testConfig(dns.address, { smarthost: { host: PLAIN, port: 25, tls: 'opportunistic', username: 'relay', password: 'secret-password' } });
  const deliverer = await testDeliverer(config);
  try {
    const r = await deliverer.deliver(testJob({ domain: 'elsewhere.test', to: ['a@elsewhere.test'] }));
    const auth = r.phases.find((p) => p.phase === 'auth');
    assert.ok(auth, 'an auth phase is recorded');
    assert.equal(auth.error, 'EAUTHNOTLS');
    assert.match(auth.text ?? '', /not sending the smarthost password without TLS/);
    assert.equal(r.recipients[0].outcome, 'deferred', 'our configuration problem: the mail waits');
    assert.ok(!mta.commands.some((c) => /^AUTH/i.test(c.command)), 'no AUTH command reached the server');
    assert.equal(mta.messages.length, 0);
  } finally {
    await deliverer.close();
  }
});
