/** Transfer encodings of a notice's parts as transports leave them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import { decodeQuotedPrintable } from '../../../src/bounces/parse/mime.js';

test('a quoted-printable soft line break followed by spaces a transport appended is still a soft break (RFC 2045 §6.7)', () => {
  assert.equal(
    decodeQuotedPrintable('554 4.4.7 = \r\nMessage expired=\t\nafter 3 days =3D gave up').toString('latin1'),
    '554 4.4.7 Message expiredafter 3 days = gave up',
  );
  // An `=` that starts no escape and ends no line stays as it is.
  assert.equal(decodeQuotedPrintable('a = b').toString('latin1'), 'a = b');
});

test('a quoted-printable delivery-status part with trailing spaces after its soft breaks keeps the remote reply whole', () => {
  const mail = [
    'From: MAILER-DAEMON@mx.example',
    'To: b+1@bounces.shop.example',
    'Subject: Delivery Status Notification (Failure)',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '--b1',
    'Content-Type: message/delivery-status',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Reporting-MTA: dns; mx.example',
    '',
    'Final-Recipient: rfc822; ann@far.example',
    'Action: failed',
    'Status: 4.4.7',
    'Diagnostic-Code: smtp; 554 4.4.7 =  ',
    'Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection t= ',
    'imed out>',
    '--b1--',
    '',
  ].join('\r\n');
  const [r] = parseBounceSync(Buffer.from(mail)).recipients;
  assert.match(r.diagnostic ?? '', /Connection timed out/);
  // The expiry only says the MTA gave up; the quoted reply is why.
  assert.equal(r.status, '4.4.2');
});
