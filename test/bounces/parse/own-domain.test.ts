/**
 * The recipient's domain as a name in a notice (src/classify/own-domain.ts, read by the parser): what people are
 * shown still names the real domain, and the explanation follows the reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainWithClassifier } from '../../../src/bounces/index.js';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import { NEUTRAL_NAME } from '../../../src/classify/own-domain.js';

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
  assert.equal(lee?.evidence?.source, 'notice');
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
