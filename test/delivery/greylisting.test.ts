import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const IP = '127.0.1.41';
let dns: DnsServer;
let mta: TestMta;

before(async () => {
  dns = await startDnsServer({ mx: [{ name: 'grey.test', exchange: 'mx.grey.test', preference: 10 }], a: [{ name: 'mx.grey.test', address: IP }] });
  mta = await startTestMta({ host: IP, greylist: true });
});
after(async () => Promise.all([dns?.stop(), mta?.stop()]));

test('greylisting: the first attempt is deferred 4xx at RCPT, the retry is delivered', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const job = testJob({ domain: 'grey.test', to: ['a@grey.test'] });
    const first = await deliverer.deliver(job);
    assert.deepEqual(
      first.recipients.map((o) => [o.outcome, o.phase, o.code, o.enhanced]),
      [['deferred', 'rcpt', 451, '4.7.1']],
    );
    assert.match(first.recipients[0].text!, /Greylisted/);
    assert.equal(first.recipients[0].classification.category, 'greylisted');
    assert.equal(mta.messages.length, 0);

    const retry = { ...job, recipients: job.recipients.map((r) => ({ ...r, attempt: 2 })) };
    const second = await deliverer.deliver(retry);
    assert.deepEqual(
      second.recipients.map((o) => [o.outcome, o.code]),
      [['delivered', 250]],
    );
    assert.equal(mta.messages.length, 1);
  } finally {
    await deliverer.close();
  }
});
