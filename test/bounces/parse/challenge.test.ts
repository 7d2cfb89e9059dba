/**
 * Challenge-response requests (TMDA, Bluebottle, Boxbe, Spam Arrest), each written from the system's own
 * marks: the message is held until the sender proves itself, so the request is not a bounce, even when it
 * is shaped as a delivery-status report. A server that refuses the message until the sending server is
 * confirmed is a bounce all the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounce } from '../../../src/bounces/parse/index.js';

const mail = (headers: string[], body: string[]) => Buffer.from([...headers, '', ...body, ''].join('\r\n'));

/** A multipart/report: the notice's text, then its delivery-status fields. */
const report = (headers: string[], text: string[], fields: string[]) =>
  mail(
    [...headers, 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"'],
    ['--b', 'Content-Type: text/plain', '', ...text, '', '--b', 'Content-Type: message/delivery-status', '', ...fields, '', '--b--'],
  );

test('a TMDA confirmation request (X-Delivery-Agent: TMDA) is not a bounce', async () => {
  const r = await parseBounce(
    mail(
      [
        'From: jane-confirm+1700000000.12345.abcdef@example.org',
        'To: news@shop.example',
        'Subject: Please confirm your message',
        'X-Delivery-Agent: TMDA/1.1.12 (Ljubljana)',
        'Precedence: bulk',
      ],
      [
        'This message was created automatically by mail delivery software.',
        '',
        'A message that you sent could not be delivered to jane@example.org until you confirm it.',
        'To confirm, reply to this message.',
      ],
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
  assert.deepEqual(r.recipients, []);
});

test('a Bluebottle verification request is not a bounce', async () => {
  const r = await parseBounce(
    mail(
      ['From: jane@bluebottle.example', 'To: news@shop.example', 'Subject: Re: Your order', 'X-Bluebottle-Request: sender-verification'],
      [
        'Hello,',
        '',
        'This account is protected by Bluebottle, a spam filter that lets through only mail from verified senders.',
        'Please click the link below to verify yourself; your message will then be delivered.',
      ],
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
});

test("Boxbe's waitlist notice is not a bounce, although it is a report with Action: failed", async () => {
  const r = await parseBounce(
    report(
      ['From: noreply@boxbe.example', 'To: news@shop.example', 'Subject: Re: Your order (Action Required)'],
      [
        'Hello,',
        '',
        'Your message about "Your order" has been waitlisted.',
        'Please add yourself to my Boxbe Guest List so your messages will go to my Inbox.',
      ],
      [
        'Reporting-MTA: dns; boxbe.example',
        '',
        'Final-Recipient: rfc822; jane@example.org',
        'Action: failed',
        'Status: 4.7.0',
        'Diagnostic-Code: X-Boxbe-Notice; Sender not pre-approved.  Follow instructions in above notice',
      ],
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
});

test('a server refusing the message until the sending server confirms itself is still a bounce (soft)', async () => {
  const r = await parseBounce(
    report(
      ['From: MAILER-DAEMON@relay.shop.example (Mail Delivery System)', 'To: b+3@bounces.shop.example', 'Subject: Undelivered Mail Returned to Sender'],
      [
        '<jane@example.org>: host mx.example.org[192.0.2.7] said: 550 Your server requires',
        '    confirmation. Visit https://example.org/confirm to confirm this mail server. (in reply to RCPT TO command)',
      ],
      [
        'Reporting-MTA: dns; relay.shop.example',
        '',
        'Final-Recipient: rfc822; jane@example.org',
        'Action: failed',
        'Status: 5.0.0',
        'Diagnostic-Code: smtp; 550 Your server requires confirmation. Visit https://example.org/confirm to confirm this mail server.',
      ],
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.equal(r.recipients[0].address, 'jane@example.org');
  assert.equal(r.recipients[0].hard, false);
});
