import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const IP = '127.0.1.71';
let dns: DnsServer;
let mta: TestMta;

before(async () => {
  dns = await startDnsServer({ mx: [{ name: 'body.test', exchange: 'mx.body.test', preference: 10 }], a: [{ name: 'mx.body.test', address: IP }] });
  mta = await startTestMta({ host: IP });
});
after(async () => Promise.all([dns?.stop(), mta?.stop()]));

test('lines starting with "." and bare LFs arrive intact: dot-stuffed on the wire, CRLF-normalised', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  try {
    // A stored message trying to end DATA early and smuggle a second message must not manage to.
    const raw = Buffer.from('Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nMAIL FROM:<evil@x.test>\r\nbare LF line\nlast line without newline');
    const r = await deliverer.deliver(testJob({ domain: 'body.test', to: ['a@body.test'], raw }));
    assert.equal(r.recipients[0].outcome, 'delivered');
    const expected = Buffer.from(
      'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nMAIL FROM:<evil@x.test>\r\nbare LF line\r\nlast line without newline\r\n',
    );
    assert.equal(mta.messages.length, 1);
    assert.equal(mta.messages[0].raw.toString('latin1'), expected.toString('latin1'));
  } finally {
    await deliverer.close();
  }
});

test('two jobs to the same host share one TCP connection (RSET between them), QUIT when closed', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address));
  const connections = mta.connections;
  const first = mta.messages.length;
  try {
    const a = await deliverer.deliver(testJob({ domain: 'body.test', to: ['a@body.test'] }));
    const b = await deliverer.deliver(testJob({ domain: 'body.test', to: ['b@body.test'] }));
    assert.deepEqual([a.recipients[0].outcome, b.recipients[0].outcome], ['delivered', 'delivered']);
    assert.equal(mta.connections - connections, 1, 'one TCP connection for both');
    const [m1, m2] = mta.messages.slice(first);
    assert.equal(m1.connectionId, m2.connectionId);
    assert.ok(mta.commands.some((c) => c.connectionId === m1.connectionId && c.command === 'RSET'));
    const reused = b.phases.find((p) => p.phase === 'connect')!;
    assert.equal(reused.detail?.reused, true);
    assert.ok(!b.phases.some((p) => p.phase === 'ehlo'), 'no second greeting or EHLO');
  } finally {
    await deliverer.close();
  }
  assert.equal(mta.commands.filter((c) => c.command === 'QUIT').length >= 1, true);
});

test('max_messages_per_connection closes the connection with QUIT after the limit', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address, { max_messages_per_connection: 1 }));
  const connections = mta.connections;
  try {
    const a = await deliverer.deliver(testJob({ domain: 'body.test', to: ['a@body.test'] }));
    const b = await deliverer.deliver(testJob({ domain: 'body.test', to: ['b@body.test'] }));
    assert.equal(a.phases.at(-1)!.phase, 'quit');
    assert.equal(a.phases.at(-1)!.code, 221);
    assert.equal(b.recipients[0].outcome, 'delivered');
    assert.equal(mta.connections - connections, 2);
  } finally {
    await deliverer.close();
  }
});
