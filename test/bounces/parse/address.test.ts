/**
 * Address decorations that reports put around a recipient (src/bounces/parse/address.ts), each written
 * the way the gateway or MTA that produces it writes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanAddress, x400Unwrapped } from '../../../src/bounces/parse/address.js';
import { parseBounce } from '../../../src/bounces/parse/index.js';

test('type prefixes, angle brackets and quotes are removed', () => {
  assert.equal(cleanAddress('rfc822; <jane@example.org>'), 'jane@example.org');
  assert.equal(cleanAddress('rfc822;"jane@example.org"'), 'jane@example.org');
  assert.equal(cleanAddress("RFC822; 'jane@example.org'"), 'jane@example.org');
  assert.equal(cleanAddress('rfc822; <<jane@example.org>>'), 'jane@example.org');
  assert.equal(cleanAddress('rfc822; jane@example.org (Jane Doe)'), 'jane@example.org');
});

test('gateways that keep their own field name: smtp=, SMTP:', () => {
  assert.equal(cleanAddress('rfc822; smtp=jane@example.org'), 'jane@example.org');
  assert.equal(cleanAddress('rfc822;SMTP:jane@example.org'), 'jane@example.org');
});

test("Exchange's encapsulated SMTP address (IMCEASMTP-…) gives the address it holds, an X.400 one (IMCEAX400-…) its RFC-822 part; a directory name (IMCEAEX-…) gives none", () => {
  assert.equal(cleanAddress('rfc822;IMCEASMTP-jane+2Edoe+40example+2Eorg@exchange.example.net'), 'jane.doe@example.org');
  assert.equal(cleanAddress('rfc822;IMCEAX400-c=DE+3Ba=Telecom+3Bp=Example+3Bdda+3ARFC-822=jane+28a+29example+2Ede+3B@exch.example.net'), 'jane@example.de');
  assert.equal(cleanAddress('rfc822;IMCEAX400-c=DE+3Ba=Telecom+3Bp=Example+3Bs=Doe+3B@exch.example.net'), null, 'no RFC-822 part');
  assert.equal(cleanAddress('rfc822;IMCEAEX-_O=EXAMPLE_CN=RECIPIENTS_CN=JDOE@example.org'), null, 'no address anyone sent to');
});

test('an X.400 address gives its RFC-822 part with RFC 2156 escapes undone, or nothing', () => {
  assert.equal(cleanAddress('x400; /RFC-822=jane.doe(a)example.org/O=Example/PRMD=Example/ADMD= /C=US/'), 'jane.doe@example.org');
  assert.equal(cleanAddress('X400; /RFC-822=first(u)last(a)example.org/'), 'first_last@example.org');
  assert.equal(cleanAddress('x400; /S=Doe/G=Jane/O=Example/ADMD= /C=US/'), null, 'no Internet address in it');
});

test("Exchange's semicolon X.400 notation gives the address of its SMTP domain-defined attribute", () => {
  assert.equal(cleanAddress('x400; c=US;a= ;p=Example;o=Site1;dda:SMTP=lee.k@example.org;'), 'lee.k@example.org');
  assert.equal(
    x400Unwrapped('c=DE;a= ;p=ORG;o=HQ;dda:SMTP=ute@org.example; on Mon, 3 Mar 2003 10:00:00 +0100\n  The recipient name is not recognized'),
    'c=DE;a= ;p=ORG;o=HQ; ute@org.example; on Mon, 3 Mar 2003 10:00:00 +0100\n  The recipient name is not recognized',
  );
});

test("an internationalized address (RFC 6533's utf-8 type) keeps its characters, escaped or not", () => {
  assert.equal(cleanAddress('utf-8; jöe@exämple.org'), 'jöe@exämple.org');
  assert.equal(cleanAddress('utf-8; jo\\x{E9}@example.org'), 'joé@example.org');
  assert.equal(cleanAddress('utf-8; \\x{7528}\\x{6237}@example.org'), '用户@example.org');
  // Only the utf-8 type has the escape; elsewhere the characters are the address's own.
  assert.equal(cleanAddress('rfc822; jo\\x{E9}@example.org'), 'jo\\x{E9}@example.org');
});

test('an address cut where the header line was folded is joined again', () => {
  assert.equal(cleanAddress('rfc822; jane.with.a.rather.long.name@mail.exam ple.org'), 'jane.with.a.rather.long.name@mail.example.org');
  assert.equal(cleanAddress('rfc822; a@b.org and c@d.org'), null, 'two addresses are not one folded address');
});

test('a DSN whose Final-Recipient is an X.400 name without an Internet address takes the address from the notice', async () => {
  const mail = [
    'From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example.net>',
    'To: <bounces@shop.example>',
    'Subject: Delivery Status Notification (Failure)',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered to the following recipient:',
    '',
    '  <jane.doe@example.net>',
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; gw.example.net',
    '',
    'Final-Recipient: x400; /S=Doe/G=Jane/O=Example/ADMD= /C=US/',
    'Action: failed',
    'Status: 5.1.1',
    '',
    '--b1--',
    '',
  ].join('\r\n');
  const r = await parseBounce(Buffer.from(mail));
  assert.equal(r.recipients.length, 1);
  assert.equal(r.recipients[0].address, 'jane.doe@example.net');
  assert.equal(r.recipients[0].hard, true);
});

test("X.400 addresses in a notice's prose are replaced by their Internet form; those without one are left", () => {
  assert.equal(
    x400Unwrapped('Your message was not delivered to:\n  /RFC-822=dan(a)x400.example/O=ORG/PRMD=ORG/ADMD= /C=DE/\nReason: unknown'),
    'Your message was not delivered to:\n  dan@x400.example\nReason: unknown',
  );
  assert.equal(x400Unwrapped('To: /C=DE/ADMD= /PRMD=ORG/O=ORG/RFC-822=mia_k(a)x400.example/ bounced'), 'To: mia_k@x400.example bounced');
  const none = 'Not delivered to /S=Kahn/G=Mia/O=ORG/C=DE/ (unknown)';
  assert.equal(x400Unwrapped(none), none);
});

test('a quoted local part: without its quotes where they are not needed ("ann"@…, "ann....lee"@…), kept where they are ("ann lee"@…)', () => {
  assert.equal(cleanAddress('rfc822; "userunknown"@dest.example'), 'userunknown@dest.example');
  assert.equal(cleanAddress('rfc822; <"ann....lee...."@dest.example>'), 'ann....lee....@dest.example');
  assert.equal(cleanAddress('rfc822; "ann lee"@dest.example'), '"ann lee"@dest.example');
  // A whole address in quotes is still the address.
  assert.equal(cleanAddress('rfc822;"ann@dest.example"'), 'ann@dest.example');
});
