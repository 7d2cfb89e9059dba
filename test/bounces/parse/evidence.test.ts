/**
 * Every classified recipient says which line decided (`evidence`) and how certain that is (`confidence`),
 * which the `high-confidence` suppression policy reads. Mails written for each case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { classify } from '../../../src/classify/index.js';

function report(fields: string[], text = 'The following message could not be delivered.'): Buffer {
  return Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.net',
      'To: bounces@shop.example',
      'Subject: Delivery Status Notification (Failure)',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="e"',
      '',
      '--e',
      'Content-Type: text/plain',
      '',
      text,
      '',
      '--e',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; jane@example.org',
      'Action: failed',
      ...fields,
      '',
      '--e--',
      '',
    ].join('\r\n'),
  );
}

test("the receiving server's own words at RCPT: evidence from the diagnostic, high confidence", async () => {
  const [p] = (
    await parseBounce(
      report(['Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 <jane@example.org>: Recipient address rejected: User unknown in local recipient table']),
    )
  ).recipients;
  assert.equal(p.hard, true);
  assert.equal(p.evidence?.source, 'diagnostic');
  assert.match(p.evidence?.text ?? '', /User unknown/);
  assert.equal(p.confidence, 'high');
});

test('a bare "550 Invalid recipient: <…>" (OpenSMTPD says so for any recipient its rules refuse) stays hard with medium confidence', async () => {
  const [p] = (await parseBounce(report(['Status: 5.0.0', 'Diagnostic-Code: smtp; 550 Invalid recipient: <jane@example.org>']))).recipients;
  assert.equal(p.hard, true);
  assert.equal(p.confidence, 'medium');
  // The same words with a reason after them are the server's reason: high.
  const [q] = (await parseBounce(report(['Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 Invalid recipient: no such mailbox']))).recipients;
  assert.equal(q.confidence, 'high');
});

test('only the Status field says it: medium confidence, the status is the evidence', async () => {
  const [p] = (await parseBounce(report(['Status: 5.1.1']))).recipients;
  assert.equal(p.hard, true);
  assert.equal(p.evidence?.source, 'status');
  assert.equal(p.evidence?.text, 'Status: 5.1.1');
  assert.equal(p.confidence, 'medium');
});

test('"Unable to deliver" with a bare 5.0.0: the user-unknown phrase elsewhere in the notice decides', async () => {
  const text = [
    'Unable to deliver your message.',
    '',
    'Reason: the recipient mailbox does not exist on this server.',
    '',
    'Please check the address and try again.',
  ].join('\r\n');
  const [p] = (await parseBounce(report(['Status: 5.0.0', 'Diagnostic-Code: smtp; 550 Unable to deliver'], text))).recipients;
  assert.equal(p.category, 'mailbox-unknown');
  assert.equal(p.hard, true);
  assert.equal(p.status, '5.1.1', 'the bare 5.0.0 gives way to what the phrase means');
  assert.equal(p.evidence?.source, 'notice');
  assert.match(p.evidence?.text ?? '', /mailbox does not exist/);
  assert.equal(p.confidence, 'medium');
});

test('a "user unknown" under a 5.7.x policy or 5.2.x mailbox-state status stays hard but with low confidence', async () => {
  for (const status of ['5.7.1', '5.2.1']) {
    const [p] = (await parseBounce(report([`Status: ${status}`, `Diagnostic-Code: smtp; 550 ${status} User unknown`]))).recipients;
    assert.equal(p.category, 'mailbox-unknown', status);
    assert.equal(p.hard, true, status);
    assert.equal(p.confidence, 'low', status);
  }
});

test('a "user unknown" written by a content-filtering gateway stays hard but with low confidence', async () => {
  const text = 'This message was returned by the InterScan Messaging Security Suite on gw.example.org.';
  const [p] = (await parseBounce(report(['Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 User unknown'], text))).recipients;
  assert.equal(p.hard, true);
  assert.equal(p.confidence, 'low');
});

test('nothing recognisable: low confidence, the default rule named as evidence', async () => {
  const [p] = (await parseBounce(report(['Status: 5.0.0', 'Diagnostic-Code: smtp; 550 Transaction failed'], 'Delivery failed.'))).recipients;
  assert.equal(p.category, 'unknown');
  assert.equal(p.confidence, 'low');
  assert.match(p.evidence?.rule ?? '', /^(?:default|code):/);
});

test("the explanation is the deciding reading's: a notice's phrase, or a 'user unknown' at the end of DATA as a filter's refusal", async () => {
  const text = 'Reason: the recipient mailbox does not exist on this server.';
  const [byPhrase] = (await parseBounce(report(['Status: 5.0.0', 'Diagnostic-Code: smtp; 550 Unable to deliver'], text))).recipients;
  assert.equal(byPhrase?.explanation, classify({ phase: 'dsn', code: 550, enhanced: null, text }).explanation);
  const stage = '<ann@example.net>: host mx.example.net[192.0.2.1] said: 550 Unknown user (in reply to end of DATA command)';
  const [afterData] = (await parseBounce(report(['Status: 5.0.0', 'Diagnostic-Code: smtp; 550 Unknown user'], stage))).recipients;
  assert.deepEqual([afterData?.category, afterData?.hard], ['policy', false]);
  assert.match(afterData?.explanation ?? '', /only after receiving the message content/);
  assert.notEqual(afterData?.explanation, classify({ phase: 'dsn', code: 550, enhanced: '5.0.0', text: '550 Unknown user' }).explanation);
});
