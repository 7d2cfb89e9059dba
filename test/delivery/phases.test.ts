import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import type { AttemptReport, Deliverer } from '../../src/delivery/types.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { captureLogger, testConfig, testDeliverer, testJob } from './fixtures.js';

const IP = '127.0.1.21';
const IP2 = '127.0.1.22';
let dns: DnsServer;
let mta: TestMta;
let mta2: TestMta;
let deliverer: Deliverer | null = null;

before(async () => {
  dns = await startDnsServer({
    mx: [
      { name: 'phases.test', exchange: 'mx.phases.test', preference: 10 },
      { name: 'backup.test', exchange: 'mx1.backup.test', preference: 10 },
      { name: 'backup.test', exchange: 'mx2.backup.test', preference: 20 },
    ],
    a: [
      { name: 'mx.phases.test', address: IP },
      { name: 'mx1.backup.test', address: IP },
      { name: 'mx2.backup.test', address: IP2 },
    ],
  });
  mta = await startTestMta({ host: IP });
  mta2 = await startTestMta({ host: IP2 });
});
after(async () => {
  await Promise.all([dns?.stop(), mta?.stop(), mta2?.stop()]);
});
afterEach(async () => {
  await deliverer?.close();
  deliverer = null;
  for (const k of Object.keys(mta.script)) delete (mta.script as Record<string, unknown>)[k];
  mta.messages.length = 0;
  mta2.messages.length = 0;
});

async function run(
  to: string[],
  opts: Parameters<typeof testJob>[0] extends infer O ? Partial<O> : never = {},
  domain = 'phases.test',
): Promise<AttemptReport> {
  deliverer = await testDeliverer(testConfig(dns.address));
  return deliverer.deliver(testJob({ domain, to, ...opts }));
}

const phaseNames = (r: AttemptReport) => r.phases.map((p) => p.phase);

test('an accepting server: every phase recorded, delivered, DSN and SIZE parameters sent', async () => {
  const { logger, lines } = captureLogger();
  deliverer = await testDeliverer(testConfig(dns.address), logger);
  const raw = Buffer.from('Subject: café\r\n\r\nnaïve 8-bit body\r\n', 'utf8');
  const job = testJob({ domain: 'phases.test', to: ['a@phases.test'], raw, notify: ['SUCCESS', 'FAILURE'] });
  const r = await deliverer.deliver(job);
  assert.deepEqual(phaseNames(r), ['dns', 'connect', 'ehlo', 'mail', 'rcpt', 'data']);
  const [dnsP, connect, ehlo, mail, rcpt, data] = r.phases;
  assert.match(dnsP.text!, /mx: mx\.phases\.test\[127\.0\.1\.21\]:25/);
  assert.deepEqual([connect.code, connect.remoteHost, connect.remoteIp, connect.detail?.port], [220, 'mx.phases.test', IP, 25]);
  assert.match(connect.text!, /mx\.test ESMTP/);
  assert.equal(ehlo.code, 250);
  assert.ok((ehlo.detail!.extensions as Record<string, string>).DSN !== undefined, 'EHLO extensions recorded');
  assert.ok(ehlo.text!.includes('\n'), 'multi-line EHLO text kept whole');
  assert.equal(mail.code, 250);
  assert.equal(rcpt.recipientId, job.recipients[0].id);
  assert.deepEqual([data.code, data.enhanced, data.text], [250, '2.0.0', '2.0.0 Ok: queued as TEST']);
  assert.deepEqual(data.detail?.intermediate, { code: 354, text: 'End data with <CR><LF>.<CR><LF>' });
  for (const p of r.phases) assert.ok(p.durationMs >= 0 && p.at > 0);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code]),
    [['delivered', 'data', 250]],
  );
  assert.equal(r.mx, 'mx.phases.test');
  assert.equal(r.ip, IP);
  assert.equal(r.throttled, false);

  const got = mta.messages[0];
  assert.equal(got.mailFrom, 'app@sender.test');
  assert.equal(got.helo, 'relay.mailtrail.test');
  assert.equal(got.mailParams.BODY, '8BITMIME');
  assert.equal(got.mailParams.SIZE, String(job.raw.length));
  assert.equal(got.mailParams.ENVID, job.message.queueId);
  assert.equal(got.rcptTo[0].params.NOTIFY, 'SUCCESS,FAILURE', 'the recipient’s own NOTIFY is respected');
  assert.equal(got.rcptTo[0].params.ORCPT, 'rfc822;a@phases.test');
  assert.deepEqual(got.raw, job.raw);

  const logged = lines.filter((l) => l.event === 'smtp.phase');
  assert.deepEqual(
    logged.map((l) => l.phase),
    ['dns', 'connect', 'ehlo', 'mail', 'rcpt', 'data'],
  );
  const rcptLine = logged.find((l) => l.phase === 'rcpt')!;
  assert.equal(rcptLine.queue_id, job.message.queueId);
  assert.equal(rcptLine.recipient, 'a@phases.test');
  assert.equal(rcptLine.domain, 'phases.test');
  assert.equal(rcptLine.mx, 'mx.phases.test');
  assert.equal(rcptLine.ip, IP);
  assert.equal(rcptLine.attempt, 1);
  assert.equal(typeof rcptLine.duration_ms, 'number');
});

test('default NOTIFY is FAILURE,DELAY', async () => {
  await run(['b@phases.test']);
  assert.equal(mta.messages[0].rcptTo[0].params.NOTIFY, 'FAILURE,DELAY');
  assert.equal(mta.messages[0].mailParams.BODY, undefined, 'a 7-bit message is not declared 8BITMIME');
});

test('a 5xx greeting bounces (single host) and is recorded on the connect phase', async () => {
  mta.script.greeting = { code: 554, text: '5.7.1 Your IP is on our blocklist' };
  const r = await run(['a@phases.test']);
  assert.deepEqual(phaseNames(r), ['dns', 'connect']);
  assert.deepEqual([r.phases[1].code, r.phases[1].enhanced, r.phases[1].text], [554, '5.7.1', '5.7.1 Your IP is on our blocklist']);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code, o.enhanced]),
    [['bounced', 'connect', 554, '5.7.1']],
  );
  assert.equal(mta.messages.length, 0);
});

test('a 421 greeting defers and flags throttling', async () => {
  mta.script.greeting = { code: 421, text: '4.7.0 Too many connections from your IP' };
  const r = await run(['a@phases.test']);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code]),
    [['deferred', 'connect', 421]],
  );
  assert.equal(r.throttled, true);
  assert.equal(r.recipients[0].classification.category, 'rate-limited');
});

test('EHLO refused with 5xx: HELO fallback, delivered without extensions', async () => {
  mta.script.ehlo = { code: 502, text: '5.5.1 EHLO not implemented' };
  const r = await run(['a@phases.test']);
  assert.deepEqual(phaseNames(r), ['dns', 'connect', 'ehlo', 'helo', 'mail', 'rcpt', 'data']);
  assert.equal(r.phases[2].code, 502);
  assert.equal(r.phases[3].code, 250);
  assert.equal(r.recipients[0].outcome, 'delivered');
  assert.deepEqual(mta.messages[0].mailParams, {}, 'no ESMTP parameters after HELO');
});

test('a 4xx EHLO makes delivery try the next MX, both recorded', async () => {
  mta.script.ehlo = { code: 421, text: '4.3.2 Service shutting down' };
  const r = await run(['a@backup.test'], {}, 'backup.test');
  assert.deepEqual(phaseNames(r), ['dns', 'connect', 'ehlo', 'connect', 'ehlo', 'mail', 'rcpt', 'data']);
  assert.deepEqual([r.phases[2].code, r.phases[2].remoteIp], [421, IP]);
  assert.equal(r.phases[3].remoteIp, IP2);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.remoteHost]),
    [['delivered', 'mx2.backup.test']],
  );
  assert.equal(mta2.messages.length, 1);
});

test('MAIL FROM refused with 5xx bounces every recipient; with 4xx defers them', async () => {
  mta.script.mail = { code: 553, text: '5.7.1 Sender address rejected: not owned by you' };
  let r = await run(['a@phases.test', 'b@phases.test']);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code, o.enhanced]),
    [
      ['bounced', 'mail', 553, '5.7.1'],
      ['bounced', 'mail', 553, '5.7.1'],
    ],
  );
  assert.ok(!phaseNames(r).includes('data'));
  await deliverer!.close();
  mta.script.mail = { code: 451, text: '4.3.0 Temporary lookup failure' };
  r = await run(['a@phases.test']);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code]),
    [['deferred', 'mail', 451]],
  );
});

test('MAIL FROM refused as "user unknown" bounces every recipient without calling their addresses bad', async () => {
  // The recipients were never offered: a 5.1.1 here is about our sender, and must not suppress them.
  mta.script.mail = { code: 550, text: '5.1.1 User unknown' };
  const r = await run(['a@phases.test', 'b@phases.test']);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code, o.classification.hard, o.classification.category]),
    [
      ['bounced', 'mail', 550, false, 'policy'],
      ['bounced', 'mail', 550, false, 'policy'],
    ],
  );
  assert.match(r.recipients[0]!.classification.explanation, /envelope sender/);
});

test('mixed recipients: a 550 at RCPT bounces only that recipient, the other is delivered', async () => {
  mta.script.rcpt = { 'nobody@phases.test': { code: 550, text: '5.1.1 <nobody@phases.test>: Recipient address rejected: User unknown' } };
  const r = await run(['nobody@phases.test', 'alice@phases.test']);
  const rcpts = r.phases.filter((p) => p.phase === 'rcpt');
  assert.deepEqual(
    rcpts.map((p) => p.code),
    [550, 250],
  );
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code, o.enhanced]),
    [
      ['bounced', 'rcpt', 550, '5.1.1'],
      ['delivered', 'data', 250, '2.0.0'],
    ],
  );
  assert.deepEqual(
    mta.messages[0].rcptTo.map((x) => x.address),
    ['alice@phases.test'],
  );
  assert.deepEqual([r.recipients[0].classification.category, r.recipients[0].classification.hard], ['mailbox-unknown', true]);
  assert.equal(r.recipients[1].classification.category, 'accepted');
});

test('every recipient refused: no DATA is sent', async () => {
  mta.script.rcpt = () => ({ code: 452, text: '4.2.2 Mailbox full' });
  const r = await run(['a@phases.test']);
  assert.ok(!phaseNames(r).includes('data'));
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code, o.enhanced]),
    [['deferred', 'rcpt', 452, '4.2.2']],
  );
});

test('a 5xx after the dot bounces, a 4xx after the dot defers', async () => {
  mta.script.data = { code: 554, text: '5.7.1 Message rejected as spam' };
  let r = await run(['a@phases.test']);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code, o.text]),
    [['bounced', 'data', 554, '5.7.1 Message rejected as spam']],
  );
  await deliverer!.close();
  mta.script.data = { code: 451, text: '4.7.1 Rate limited, try again later' };
  r = await run(['a@phases.test']);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code]),
    [['deferred', 'data', 451]],
  );
  assert.equal(r.throttled, true, 'rate-limit wording flags throttling');
});

test('a refusal after the dot naming one of several recipients bounces that one; the others are deferred, not suppressed, and go without it next time', async () => {
  mta.script.data = { code: 550, text: '5.1.1 <x1@phases.test>: Recipient address rejected: User unknown' };
  const r = await run(['x1@phases.test', 'X2@phases.test', 'x3@phases.test']);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.classification.category, o.classification.hard]),
    [
      ['bounced', 'mailbox-unknown', true],
      ['deferred', 'policy', false],
      ['deferred', 'policy', false],
    ],
  );
  assert.match(r.recipients[1]!.classification.explanation, /about another of its recipients/);
  assert.equal(r.recipients[1]!.text, '5.1.1 <x1@phases.test>: Recipient address rejected: User unknown', 'the reply is recorded as received');
  // A refusal naming no recipient (or all of them) is about the message: every recipient shares it.
  await deliverer!.close();
  mta.script.data = { code: 550, text: '5.1.1 User unknown' };
  const all = await run(['x1@phases.test', 'x2@phases.test']);
  // …but its "no such user" cannot be each one's missing mailbox (the server accepted both at RCPT): bounced
  // (the message was refused), soft, never suppressed.
  assert.deepEqual(
    all.recipients.map((o) => [o.outcome, o.enhanced, o.classification.category, o.classification.hard]),
    [
      ['bounced', '5.1.1', 'policy', false],
      ['bounced', '5.1.1', 'policy', false],
    ],
  );
  assert.match(all.recipients[0]!.classification.explanation, /names none of its recipients/);
  // Alone in its transaction, the same reply is about that recipient.
  await deliverer!.close();
  const one = await run(['x1@phases.test']);
  assert.deepEqual(
    one.recipients.map((o) => [o.outcome, o.classification.category, o.classification.hard]),
    [['bounced', 'mailbox-unknown', true]],
  );
  // A refusal of the content stays what it is for every recipient.
  await deliverer!.close();
  mta.script.data = { code: 554, text: '5.7.1 Message rejected as spam' };
  const spam = await run(['x1@phases.test', 'x2@phases.test']);
  assert.deepEqual(
    spam.recipients.map((o) => [o.outcome, o.classification.category]),
    [
      ['bounced', 'content-or-spam'],
      ['bounced', 'content-or-spam'],
    ],
  );
});

test('the connection dropped mid-DATA defers, with the network error on the data phase', async () => {
  mta.script.dropMidData = true;
  const big = Buffer.from(`Subject: big\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(2_000));
  const r = await run(['a@phases.test'], { raw: big });
  const data = r.phases.find((p) => p.phase === 'data')!;
  assert.equal(data.code, null);
  assert.equal(data.error, 'ECONNRESET');
  assert.deepEqual((data.detail!.intermediate as { code: number }).code, 354);
  assert.deepEqual(
    r.recipients.map((o) => [o.outcome, o.phase, o.code]),
    [['deferred', 'data', null]],
  );
});
