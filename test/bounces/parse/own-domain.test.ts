/**
 * The recipient's domain as a name in a notice (src/classify/own-domain.ts, read by the parser): what people are
 * shown still names the real domain, and the explanation follows the reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainWithClassifier } from '../../../src/bounces/index.js';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import { NEUTRAL_NAME } from '../../../src/classify/own-domain.js';
import { deliveryReport } from '../../helpers/notice-text.js';

test('the evidence shown to people names the real domain, though the rules read the neutral name', () => {
  const notice = [
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
    'To: app@example.com',
    'Subject: Delivery Status Notification (Delay)',
    '',
    'Delivery to the following recipient has been delayed:',
    '',
    '     lee@timeout.example',
    '',
    'Message will be retried for 2 more day(s)',
    '',
    'Technical details of temporary failure:',
    '[mx.timeout.example 192.0.2.10: socket error]',
    '',
  ].join('\r\n');
  const r = parseBounceSync(Buffer.from(notice));
  assert.equal(r.kind, 'delay');
  const [lee] = r.recipients;
  assert.deepEqual([lee?.address, lee?.category], ['lee@timeout.example', 'connection-failure']);
  assert.equal(lee?.evidence?.source, 'diagnostic');
  assert.match(lee?.evidence?.text ?? '', /timeout\.example 192\.0\.2\.10: socket error/);
  assert.doesNotMatch(lee?.evidence?.text ?? '', new RegExp(NEUTRAL_NAME.replace('.', '\\.')));
});

test('the explanation recorded with an inbound bounce reads the reply as the parser did, not the domain as words', () => {
  const reply = '554 5.6.0 This message has been scored as spam with a probability of more than 90%';
  // Exim's plain notice: the reply under the host that gave it.
  const notice = [
    'From: Mail Delivery System <Mailer-Daemon@relay.shop.example>',
    'Subject: Mail delivery failed: returning message to sender',
    '',
    'A message that you sent could not be delivered to one or more of its recipients. The following address(es) failed:',
    '',
    '  kim@unknownworlds.example',
    '    host mta.unknownworlds.example [192.0.2.225]',
    '    SMTP error from remote mail server after end of data:',
    `    ${reply}`,
    '',
  ].join('\r\n');
  const [kim] = parseBounceSync(Buffer.from(notice)).recipients;
  assert.deepEqual([kim?.category, kim?.hard], ['content-or-spam', false]);
  assert.ok(kim);
  assert.equal(explainWithClassifier(kim), kim.explanation);
  assert.match(kim.explanation ?? '', /spam|content/i);
  assert.doesNotMatch(kim.explanation ?? '', /domain/i);
});

test("a report's Remote-MTA at a domain holding a rule word is a name where the reply repeats it", () => {
  const dsn = (remote: string) =>
    deliveryReport(
      ['From: MAILER-DAEMON@relay.shop.example', 'To: app@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
      ['Your message could not be delivered.'],
      [
        'Reporting-MTA: dns; relay.shop.example',
        '',
        'Final-Recipient: rfc822; kim@customer.example',
        'Action: failed',
        'Status: 5.0.0',
        `Remote-MTA: dns; ${remote}`,
        `Diagnostic-Code: smtp; 550 ${remote} refused the message`,
      ],
    ).join('\r\n');
  const [named] = parseBounceSync(Buffer.from(dsn('mx1.virusfree.example'))).recipients;
  const [plain] = parseBounceSync(Buffer.from(dsn('mx1.far.example'))).recipients;
  assert.notEqual(named?.category, 'virus');
  assert.deepEqual([named?.category, named?.hard, named?.evidence?.rule], [plain?.category, plain?.hard, plain?.evidence?.rule]);
  // Evidence shows the reply as received.
  assert.match(named?.evidence?.text ?? '', /mx1\.virusfree\.example refused/);
});

test('a failed address named without its domain (Final-Recipient: LOCAL;<name>) still masks the domain we sent to', () => {
  // CommuniGate Pro's report of a local delivery: the recipient's domain is the reporting host's own.
  const notice = deliveryReport(
    ['From: <MAILER-DAEMON@virusfree.example>', 'To: <app@shop.example>', 'Subject: Undeliverable mail: Your order'],
    ["Failed to deliver to '<lee@virusfree.example>'", 'LOCAL module(account lee) reports:', ' account is full (quota exceeded)', ''],
    [
      'Reporting-MTA: dns; virusfree.example',
      '',
      'Original-Recipient: rfc822;<lee@virusfree.example>',
      'Final-Recipient: LOCAL;<lee>',
      'Action: failed',
      'Status: 5.0.0',
    ],
  ).join('\r\n');
  const [lee] = parseBounceSync(Buffer.from(notice)).recipients;
  assert.deepEqual([lee?.address, lee?.category, lee?.hard], ['lee@virusfree.example', 'mailbox-full', false]);
});

test("our side's domain named bare in a reply (a sender check) is a name, as the recipient's is", () => {
  const notice = (domain: string) =>
    [
      `From: Mail Delivery System <Mailer-Daemon@${domain}>`,
      `To: b-7f3a@${domain}`,
      'Subject: Mail delivery failed: returning message to sender',
      '',
      'A message that you sent could not be delivered to one or more of its',
      'recipients. This is a permanent error. The following address(es) failed:',
      '',
      '  kim@customer.example',
      '    host mx.customer.example [192.0.2.25]',
      `    SMTP error from remote mail server after MAIL FROM:<b-7f3a@${domain}> SIZE=1022:`,
      `    553 5.1.0 sender domain ${domain} does not exist`,
      '',
    ].join('\r\n');
  const [named] = parseBounceSync(Buffer.from(notice('bounces.timeout-shop.example'))).recipients;
  const [plain] = parseBounceSync(Buffer.from(notice('bounces.shop.example'))).recipients;
  assert.notEqual(named?.category, 'connection-failure');
  assert.deepEqual([named?.category, named?.hard, named?.evidence?.rule], [plain?.category, plain?.hard, plain?.evidence?.rule]);
});
