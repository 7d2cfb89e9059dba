/**
 * Decisions the deliverer takes itself, before a server could answer: a non-ASCII address towards a
 * server without SMTPUTF8 (permanent: retrying cannot help), and a smarthost password that would cross
 * the network in clear (held back: a configuration problem, so the mail waits).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
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

test('a smarthost that echoes our AUTH command in its refusal does not put the password into the record', async (t) => {
  // A real socket speaking just enough SMTP: it quotes the whole AUTH line back in its 535.
  const ECHO = '127.0.1.82';
  const server = net.createServer((socket) => {
    socket.write('220 echo.test ESMTP\r\n');
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (/^EHLO/i.test(line)) socket.write('250-echo.test\r\n250 AUTH PLAIN\r\n');
        else if (/^AUTH/i.test(line))
          socket.write(
            `535 5.7.8 Authentication failed for: ${line}\r\n535 5.7.8 (password was secret-password)\r\n`.replace('535 5.7.8 Auth', '535-5.7.8 Auth'),
          );
        else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('502 5.5.1 no\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(25, ECHO, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const config = testConfig(dns.address, { smarthost: { host: ECHO, port: 25, tls: 'none', username: 'relay', password: 'secret-password' } });
  const deliverer = await testDeliverer(config);
  try {
    const r = await deliverer.deliver(testJob({ domain: 'elsewhere.test', to: ['a@elsewhere.test'] }));
    const auth = r.phases.find((p) => p.phase === 'auth')!;
    assert.equal(auth.code, 535);
    const token = Buffer.from('\0relay\0secret-password').toString('base64');
    const everything = JSON.stringify(r);
    assert.ok(!everything.includes(token), 'no base64 credentials anywhere in the attempt');
    assert.ok(!everything.includes('secret-password'), 'no password anywhere in the attempt');
    assert.match(auth.text ?? '', /Authentication failed for: AUTH PLAIN \*\*\*/);
    assert.equal(r.recipients[0].outcome, 'deferred');
  } finally {
    await deliverer.close();
  }
});

test('a TLS report of ours is delivered despite the TLS a domain requires (RFC 8460 §5.3); other mail to it waits for TLS', async () => {
  const config = testConfig(dns.address, { tls_policy: { default: 'opportunistic', domains: { 'ascii.test': 'required' } } });
  const deliverer = await testDeliverer(config);
  try {
    const mail = await deliverer.deliver(testJob({ domain: 'ascii.test', to: ['tlsrpt@ascii.test'] }));
    assert.deepEqual(
      mail.recipients.map((o) => [o.outcome, o.classification.category]),
      [['deferred', 'tls-required']],
    );
    const report = testJob({
      domain: 'ascii.test',
      to: ['tlsrpt@ascii.test'],
      from: '',
      raw: 'From: MAILER-DAEMON@relay.test\r\nTo: tlsrpt@ascii.test\r\nSubject: Report Domain: ascii.test\r\nTLS-Report-Domain: ascii.test\r\nTLS-Report-Submitter: relay.test\r\n\r\nreport\r\n',
    });
    report.message.origin = 'dsn';
    const sent = await deliverer.deliver(report);
    assert.deepEqual(
      sent.recipients.map((o) => o.outcome),
      ['delivered'],
      'in the clear: the report says TLS is broken there',
    );
  } finally {
    await deliverer.close();
  }
});
