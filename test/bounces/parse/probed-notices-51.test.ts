/**
 * What the session-51 probe of local delivery programs showed (issue 16): Sendmail, Postfix and Exim running a
 * program for a recipient (an alias or .forward pipe) that exits with each sysexits(3) code. Each case is written
 * here from the layout the software produced, with made-up addresses, hosts and programs.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';

const CRLF = '\r\n';
const lines = (...l: string[]): Buffer => Buffer.from([...l, ''].join(CRLF));

/**
 * Sendmail's notice about two aliases expanded to programs: each entry is the program's line, its "(reason: …)" and
 * the "(expanded from: <…>)" naming the address we sent to; the transcript names the program, not the address, in
 * its line about the first, and gives the second's status line without a name.
 */
const sendmailPrograms = lines(
  'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.dest.example>',
  'To: <app@shop.example>',
  'Subject: Returned mail: see transcript for details',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="B1/mx.dest.example"',
  'Auto-Submitted: auto-generated (failure)',
  '',
  'This is a MIME-encapsulated message',
  '',
  '--B1/mx.dest.example',
  '',
  'The original message was received at Mon, 7 Dec 2026 06:45:50 GMT',
  'from mx.shop.example [192.0.2.10]',
  '',
  '   ----- The following addresses had permanent fatal errors -----',
  '"|/usr/local/bin/ticket-intake support"',
  '    (reason: User unknown)',
  '    (expanded from: <support@dest.example>)',
  '"|/usr/local/bin/archive-mail"',
  '    (reason: Service unavailable)',
  '    (expanded from: <archive@dest.example>)',
  '',
  '   ----- Transcript of session follows -----',
  'no queue named support',
  '550 5.1.1 "|/usr/local/bin/ticket-intake support"... User unknown',
  'archive store is read-only',
  '554 5.0.0 Service unavailable',
  '',
  '--B1/mx.dest.example',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mx.dest.example',
  'Arrival-Date: Mon, 7 Dec 2026 06:45:50 GMT',
  '',
  'Final-Recipient: RFC822; support@dest.example',
  'X-Actual-Recipient: X-Unix; |/usr/local/bin/ticket-intake support',
  'Action: failed',
  'Status: 5.1.1',
  'Diagnostic-Code: X-Unix; 67',
  '',
  'Final-Recipient: RFC822; archive@dest.example',
  'X-Actual-Recipient: X-Unix; |/usr/local/bin/archive-mail',
  'Action: failed',
  'Status: 5.5.0',
  'Diagnostic-Code: X-Unix; 69',
  '',
  '--B1/mx.dest.example',
  'Content-Type: text/rfc822-headers',
  '',
  'From: App <app@shop.example>',
  'To: support@dest.example, archive@dest.example',
  'Subject: Order 1234',
  'Message-ID: <order-1234@shop.example>',
  '',
  '--B1/mx.dest.example--',
);

test("Sendmail's line about one alias's program is not another alias's reason: only the program that said user unknown is a bad address", async () => {
  const r = await parseBounce(sendmailPrograms);
  assert.equal(r.kind, 'bounce');
  const by = new Map(r.recipients.map((x) => [x.address, x]));
  assert.equal(by.get('support@dest.example')?.category, 'mailbox-unknown');
  assert.equal(by.get('support@dest.example')?.hard, true);
  const archive = by.get('archive@dest.example');
  assert.equal(archive?.status, '5.5.0');
  assert.equal(archive?.hard, false);
  assert.doesNotMatch(archive?.diagnostic ?? '', /User unknown|ticket-intake/);
});

test("a program's bare exit status is their delivery program failing, not a protocol error: Sendmail's 5.5.0 for EX_UNAVAILABLE", async () => {
  const r = await parseBounce(sendmailPrograms);
  const archive = r.recipients.find((x) => x.address === 'archive@dest.example');
  assert.equal(archive?.category, 'system-error');
  assert.match(archive?.explanation ?? '', /exit status 69 \(service unavailable\)/);
  assert.equal(archive?.evidence?.text, 'X-Unix; 69');
});

/** A DSN of local deliveries: each recipient's Diagnostic-Code is of type X-Unix, as Sendmail and Postfix write them. */
const localReport = (...blocks: string[][]): Buffer =>
  lines(
    'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.dest.example>',
    'To: <app@shop.example>',
    'Subject: Returned mail: see transcript for details',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B2"',
    '',
    '--B2',
    'Content-Type: text/plain',
    '',
    'The original message could not be delivered to one or more local recipients.',
    '',
    '--B2',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.dest.example',
    '',
    ...blocks.flatMap((b) => [...b, '']),
    '--B2',
    'Content-Type: text/rfc822-headers',
    '',
    'From: App <app@shop.example>',
    'Subject: Order 1235',
    'Message-ID: <order-1235@shop.example>',
    '',
    '--B2--',
  );

test('a local program killed by a signal, or ending with a bare code, is a failure on their side; a status naming the mailbox stays', async () => {
  const r = await parseBounce(
    localReport(
      ['Final-Recipient: RFC822; killed@dest.example', 'Action: failed', 'Status: 5.0.0', 'Diagnostic-Code: X-Unix; 137'],
      ['Final-Recipient: RFC822; crashed@dest.example', 'Action: failed', 'Status: 5.0.0', 'Diagnostic-Code: X-Unix; 1'],
      ['Final-Recipient: rfc822; format@dest.example', 'Action: failed', 'Status: 5.6.0', 'Diagnostic-Code: x-unix; data format error'],
      [
        'Final-Recipient: rfc822; big@dest.example',
        'Action: failed',
        'Status: 5.2.2',
        'Diagnostic-Code: x-unix; cannot append message to file /var/mail/big: error writing message: File too large',
      ],
      ['Final-Recipient: rfc822; nouser@dest.example', 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: x-unix; user unknown'],
    ),
  );
  const by = new Map(r.recipients.map((x) => [x.address, x]));
  assert.equal(by.get('killed@dest.example')?.category, 'system-error');
  assert.match(by.get('killed@dest.example')?.explanation ?? '', /killed by signal 9/);
  assert.equal(by.get('crashed@dest.example')?.category, 'system-error');
  assert.equal(by.get('format@dest.example')?.category, 'system-error');
  assert.equal(by.get('format@dest.example')?.status, '5.6.0');
  assert.equal(by.get('big@dest.example')?.category, 'mailbox-full');
  assert.equal(by.get('nouser@dest.example')?.category, 'mailbox-unknown');
  assert.equal(by.get('nouser@dest.example')?.hard, true);
  for (const x of r.recipients) if (x.category === 'system-error') assert.equal(x.hard, false);
});
