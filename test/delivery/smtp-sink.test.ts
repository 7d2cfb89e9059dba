import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

// Postfix's smtp-sink: an SMTP server from another code base than our client.
const ACCEPT = '127.0.1.61';
const REJECT = '127.0.1.62';
const SOFT_EHLO = '127.0.1.63';
let dns: DnsServer;
let sinks: SmtpSink[] = [];

before(async () => {
  dns = await startDnsServer({
    mx: [
      { name: 'sink.test', exchange: 'mx.sink.test', preference: 10 },
      { name: 'reject.test', exchange: 'mx.reject.test', preference: 10 },
      { name: 'stepping.test', exchange: 'mx1.stepping.test', preference: 10 },
      { name: 'stepping.test', exchange: 'mx2.stepping.test', preference: 20 },
    ],
    a: [
      { name: 'mx.sink.test', address: ACCEPT },
      { name: 'mx.reject.test', address: REJECT },
      { name: 'mx1.stepping.test', address: SOFT_EHLO },
      { name: 'mx2.stepping.test', address: ACCEPT },
    ],
  });
  sinks = await Promise.all([
    startSmtpSink({ host: ACCEPT }),
    startSmtpSink({ host: REJECT, hardReject: ['RCPT'], hardReply: '550 5.1.1 No such user here' }),
    startSmtpSink({ host: SOFT_EHLO, softReject: ['EHLO'] }),
  ]);
});
after(async () => Promise.all([dns?.stop(), ...sinks.map((s) => s.stop())]));

test('smtp-sink accepts: delivered, and the dump shows our envelope with DSN parameters', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const job = testJob({ domain: 'sink.test', to: ['a@sink.test', 'b@sink.test'] });
    const r = await deliverer.deliver(job);
    assert.deepEqual(
      r.recipients.map((o) => o.outcome),
      ['delivered', 'delivered'],
    );
    assert.equal(r.phases.find((p) => p.phase === 'data')!.code, 250);
    await sinks[0].waitForMessages(1);
    const [m] = sinks[0].messages();
    assert.match(m.mailArgs, new RegExp(`^<app@sender\\.test> .*ENVID=${job.message.queueId}`));
    assert.deepEqual(
      m.rcptArgs.map((a) => a.split(' ')[0]),
      ['<a@sink.test>', '<b@sink.test>'],
    );
    assert.match(m.rcptArgs[0], /NOTIFY=FAILURE,DELAY/);
    assert.ok(m.dump.includes('Hello.'));
  } finally {
    await deliverer.close();
  }
});

test("NOTIFY: the app's is passed on when reports go to the app; with VERP (reports come to mailtrail) failures and delays are always asked for", async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const plain = testJob({ domain: 'sink.test', to: ['never@sink.test'], notify: ['NEVER'] });
    await deliverer.deliver(plain);
    const verp = testJob({ domain: 'sink.test', to: ['never@sink.test', 'tell@sink.test'], notify: ['NEVER'] });
    verp.envelopeFrom = 'b+token@bounces.sender.test';
    verp.recipients[1]!.notify = ['SUCCESS'];
    await deliverer.deliver(verp);
    await sinks[0].waitForMessages(3);
    const notify = (queueId: string) =>
      sinks[0]
        .messages()
        .find((m) => m.mailArgs.includes(`ENVID=${queueId}`))!
        .rcptArgs.map((a) => a.match(/NOTIFY=\S+/)?.[0]);
    assert.deepEqual(notify(plain.message.queueId), ['NOTIFY=NEVER']);
    assert.deepEqual(notify(verp.message.queueId), ['NOTIFY=FAILURE,DELAY', 'NOTIFY=FAILURE,DELAY,SUCCESS']);
  } finally {
    await deliverer.close();
  }
});

test('smtp-sink rejecting RCPT with 550 5.1.1: bounced at rcpt', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const r = await deliverer.deliver(testJob({ domain: 'reject.test', to: ['a@reject.test'] }));
    assert.deepEqual(
      r.recipients.map((o) => [o.outcome, o.phase, o.code, o.enhanced]),
      [['bounced', 'rcpt', 550, '5.1.1']],
    );
    assert.match(r.recipients[0].text!, /No such user here/);
    assert.ok(
      sinks[1].messages().every((m) => !m.dump.includes('Hello.')),
      'no message content reached the sink',
    );
  } finally {
    await deliverer.close();
  }
});

test('smtp-sink answering EHLO with 4xx: the next MX takes the message', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const before = sinks[0].messages().length;
    const r = await deliverer.deliver(testJob({ domain: 'stepping.test', to: ['a@stepping.test'] }));
    const ehlo = r.phases.filter((p) => p.phase === 'ehlo');
    assert.deepEqual([ehlo[0].code, ehlo[0].enhanced, ehlo[0].remoteIp], [450, '4.3.0', SOFT_EHLO]);
    assert.deepEqual(
      r.recipients.map((o) => [o.outcome, o.remoteIp]),
      [['delivered', ACCEPT]],
    );
    await sinks[0].waitForMessages(before + 1);
  } finally {
    await deliverer.close();
  }
});
