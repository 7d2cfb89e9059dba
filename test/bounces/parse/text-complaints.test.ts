/**
 * Spam complaints written as text (src/bounces/parse/text-complaints.ts): SpamCop's reports to a network's abuse
 * contact and AOL's feedback loop before ARF, the recipient masked, tied to our message by its Message-ID; and Apple
 * Mail's one-click unsubscribe known by its text. Written from the services' published layouts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';

const inline = (from: string, subject: string, marker = '[ Offending message ]'): Buffer =>
  Buffer.from(
    [
      `From: ${from}`,
      'To: abuse@shop.example',
      `Subject: ${subject}`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      '[ SpamCop V5.4.0 ]',
      'This message is brief for your comfort.  Please use links below for details.',
      '',
      'Email from 192.0.2.10 / Mon, 7 Dec 2026 09:58:00 +0000',
      'https://www.spamcop.net/sc?id=z7312345678z0123456789abcdefz',
      '',
      marker,
      'Return-Path: <b-ann=dest.example@bounces.shop.example>',
      'From: Shop <news@shop.example>',
      'To: x',
      'Subject: Winter sale',
      'Message-ID: <sale-2217@shop.example>',
      '',
      'Everything must go.',
      '',
    ].join('\r\n'),
  );

test('a SpamCop report quoting our message is a complaint about it, matched by its Message-ID (the recipient is masked)', async () => {
  const r = await parseBounce(inline('1234567890@reports.spamcop.net', '[SpamCop (https://shop.example/sale) id:7312345678]Winter sale'));
  assert.equal(r.kind, 'complaint');
  assert.equal(r.feedback_type, 'abuse');
  assert.equal(r.original_message_id, '<sale-2217@shop.example>');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    [null],
  );
});

test('a SpamCop report that attaches the message whole is read from the attachment', async () => {
  const mail = Buffer.from(
    [
      'From: 1234567890@reports.spamcop.net',
      'To: abuse@shop.example',
      'Subject: [SpamCop (https://shop.example/sale) id:7312345679]Winter sale',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="s1"',
      '',
      '--s1',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      '[ SpamCop V5.4.0 ]',
      'Email from 192.0.2.10 / Mon, 7 Dec 2026 09:58:00 +0000',
      '',
      '--s1',
      'Content-Type: message/rfc822',
      '',
      'From: Shop <news@shop.example>',
      'To: x',
      'Subject: Winter sale',
      'Message-ID: <sale-2218@shop.example>',
      '',
      'Everything must go.',
      '--s1--',
      '',
    ].join('\r\n'),
  );
  const r = await parseBounce(mail);
  assert.equal(r.kind, 'complaint');
  assert.equal(r.original_message_id, '<sale-2218@shop.example>');
});

test('a mail that only looks like one (no SpamCop sender or title, or no reported message) is no complaint', async () => {
  assert.notEqual((await parseBounce(inline('ann@corp.example', 'Our spam filter report'))).kind, 'complaint');
  assert.notEqual((await parseBounce(inline('1234567890@reports.spamcop.net', '[SpamCop (x) id:1]Winter sale', 'The message:'))).kind, 'complaint');
});

test('SpamCop\'s older layout ("Offending message:") is a complaint too', async () => {
  const r = await parseBounce(inline('Some User <1234@reports.spamcop.net>', '[SpamCop (192.0.2.4) id:1234]Winter sale', 'Offending message:'));
  assert.equal(r.kind, 'complaint');
  assert.equal(r.original_message_id, '<sale-2217@shop.example>');
});

test('AOL\'s feedback loop before ARF (SCOMP: "Email Feedback Report for IP …") is a complaint about the attached message', async () => {
  const mail = Buffer.from(
    [
      'From: scomp@aol.net',
      'To: abuse@shop.example',
      'Subject: Email Feedback Report for IP 192.0.2.10',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="a1"',
      '',
      '--a1',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is an email abuse report for an email message received from IP 192.0.2.10 on Tue, 1 Dec 2026 10:50:38 -0500.',
      '',
      '--a1',
      'Content-Type: message/rfc822',
      '',
      'From: Shop <news@shop.example>',
      'To: redacted@aol.com',
      'Subject: Winter sale',
      'Message-ID: <sale-2219@shop.example>',
      '',
      'Everything must go.',
      '--a1--',
      '',
    ].join('\r\n'),
  );
  const r = await parseBounce(mail);
  assert.deepEqual([r.kind, r.feedback_type, r.original_message_id], ['complaint', 'abuse', '<sale-2219@shop.example>']);
});

test("Apple Mail's one-click unsubscribe whose header a relay dropped is known by its text: an opt-out", async () => {
  const r = await parseBounce(
    Buffer.from(
      [
        'From: someone@icloud.com',
        'To: unsubscribe@shop.example',
        'Subject: ',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Apple Mail sent this email to unsubscribe from the message "Winter sale".',
        '',
      ].join('\r\n'),
    ),
  );
  assert.deepEqual([r.kind, r.feedback_type, r.recipients[0]?.address], ['complaint', 'opt-out', 'someone@icloud.com']);
});
