/**
 * A live reply that names the recipients' own domain, or the host that gave it, reads as the same reply about any
 * other domain: the domain's labels are a name, not the server's words (src/classify/own-domain.ts). Over a real SMTP session to a
 * scripted MTA found through the test DNS server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { classify } from '../../src/classify/classify.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const IP = '127.0.1.91';
const FILTER_IP = '127.0.1.92';
const CHECKER_IP = '127.0.1.93';
let dns: DnsServer;
let mta: TestMta;
let filter: TestMta;
let checker: TestMta;

before(async () => {
  dns = await startDnsServer({
    mx: [
      { name: 'timeout.test', exchange: 'mx.timeout.test', preference: 10 },
      // A shop whose mail a filtering service takes, at a domain whose name reads "timeout".
      { name: 'shop.test', exchange: 'mx2.timeoutfilter.test', preference: 10 },
      { name: 'checks.test', exchange: 'mx.checks.test', preference: 10 },
    ],
    a: [
      { name: 'mx.timeout.test', address: IP },
      { name: 'mx2.timeoutfilter.test', address: FILTER_IP },
      { name: 'mx.checks.test', address: CHECKER_IP },
    ],
  });
  mta = await startTestMta({ host: IP, name: 'mx.timeout.test', data: { code: 554, text: '5.7.1 mx.timeout.test: message rejected' } });
  filter = await startTestMta({ host: FILTER_IP, name: 'mx2.timeoutfilter.test', data: { code: 554, text: '5.7.1 mx2.timeoutfilter.test: message rejected' } });
  // A server that checks our sender's domain, and names it bare in its refusal.
  checker = await startTestMta({
    host: CHECKER_IP,
    name: 'mx.checks.test',
    mail: { code: 553, text: '5.7.1 mail from bounces.timeoutshop.test not accepted' },
  });
});
after(async () => Promise.all([dns?.stop(), mta?.stop(), filter?.stop(), checker?.stop()]));

test("a refusal naming the recipient's domain (mx.timeout.test) is not read as a timeout", async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const report = await deliverer.deliver(testJob({ domain: 'timeout.test', to: ['kim@timeout.test'] }));
    const [kim] = report.recipients;
    assert.deepEqual([kim?.outcome, kim?.phase, kim?.code], ['bounced', 'data', 554]);
    // Recorded as received; read as the same refusal about a plain domain.
    assert.equal(kim?.text, '5.7.1 mx.timeout.test: message rejected');
    const plain = classify({ phase: 'data', code: 554, enhanced: '5.7.1', text: '5.7.1 mx.far.test: message rejected' });
    assert.notEqual(kim?.classification.category, 'connection-failure');
    assert.deepEqual([kim?.classification.category, kim?.classification.hard], [plain.category, plain.hard]);
  } finally {
    await deliverer.close();
  }
});

test('a refusal naming the host that gave it (a filtering service at timeoutfilter.test) is not read as a timeout', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const report = await deliverer.deliver(testJob({ domain: 'shop.test', to: ['kim@shop.test'] }));
    const [kim] = report.recipients;
    assert.deepEqual([kim?.outcome, kim?.code, kim?.remoteHost], ['bounced', 554, 'mx2.timeoutfilter.test']);
    assert.equal(kim?.text, '5.7.1 mx2.timeoutfilter.test: message rejected');
    const plain = classify({ phase: 'data', code: 554, enhanced: '5.7.1', text: '5.7.1 mx.far.test: message rejected' });
    assert.notEqual(kim?.classification.category, 'connection-failure');
    assert.deepEqual([kim?.classification.category, kim?.classification.hard], [plain.category, plain.hard]);
  } finally {
    await deliverer.close();
  }
});

test("a refusal naming our envelope sender's domain (bounces.timeoutshop.test) is not read as a timeout", async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    const report = await deliverer.deliver(testJob({ domain: 'checks.test', to: ['kim@checks.test'], from: 'b-7f3a@bounces.timeoutshop.test' }));
    const [kim] = report.recipients;
    assert.deepEqual([kim?.outcome, kim?.phase, kim?.code], ['bounced', 'mail', 553]);
    const plain = classify({ phase: 'mail', code: 553, enhanced: '5.7.1', text: '5.7.1 mail from bounces.shop.test not accepted' });
    assert.notEqual(kim?.classification.category, 'connection-failure');
    assert.deepEqual([kim?.classification.category, kim?.classification.rule], [plain.category, plain.rule]);
  } finally {
    await deliverer.close();
  }
});
