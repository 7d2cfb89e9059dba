/**
 * Hostile and broken input the session-45 robustness probe built (issue 16): the parser reads inbound mail from
 * anyone, within the relay's limits (bounces.parse_timeout_ms 10 s, parse_memory_mb 256). A valid notice made large
 * or wrapped oddly must still be read; junk must not make later mail fail.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParseThread } from '../../../src/bounces/parse-thread.js';
import { parseBounce } from '../../../src/bounces/parse/index.js';

const LIMITS = { maxParts: 500, maxDepth: 20, maxRecipients: 1000 };
const lines = (...l: string[]): Buffer => Buffer.from([...l, ''].join('\r\n'));

const dsn = (diagnostic: string): Buffer =>
  lines(
    'From: MAILER-DAEMON@mx.dest.example',
    'To: bounces@shop.example',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    '',
    '--b',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.dest.example',
    '',
    'Final-Recipient: rfc822; alice@dest.example',
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 ${diagnostic}`,
    '',
    '--b--',
  );

const EXIM_FAILED = [
  'This message was created automatically by mail delivery software.',
  '',
  'A message that you sent could not be delivered to one or more of its',
  'recipients. This is a permanent error. The following address(es) failed:',
  '',
  '  bob@dest.example',
  '    host mx.dest.example [198.51.100.7]',
  '    SMTP error from remote mail server after RCPT TO:<bob@dest.example>:',
  '    552 5.2.2 Mailbox full, quota exceeded',
];
const EXIM_HEAD = [
  'From: Mail Delivery System <Mailer-Daemon@mx.shop.example>',
  'To: bounces@shop.example',
  'Subject: Mail delivery failed: returning message to sender',
];

test('within the relay limits: a diagnostic of 150 KB of "a-a-a…" and a notice listing thousands of addresses on one 1 MB line are still read', async (t) => {
  const thread = createParseThread({ timeoutMs: 10_000, memoryMb: 256 });
  t.after(() => thread.close());
  const long = await thread.parse(dsn('a-'.repeat(75_000)), LIMITS);
  assert.equal(long.error ?? null, null);
  assert.deepEqual(
    long.recipients.map((r) => [r.address, r.hard]),
    [['alice@dest.example', true]],
  );
  const addresses = Array.from({ length: 5000 }, (_, i) => `user${i}@dest.example`).join(', ');
  const wide = await thread.parse(
    lines(...EXIM_HEAD, '', 'Delivery to the following recipients failed permanently:', '', `${addresses} ${'filler '.repeat(120_000)}`),
    LIMITS,
  );
  assert.equal(wide.error ?? null, null);
  assert.equal(wide.kind, 'bounce');
  assert.equal(wide.recipients.length, 1000);
  assert.ok(
    wide.recipients.every((r) => (r.diagnostic ?? '').length <= 2000),
    'each recipient keeps a bounded part of the line, not the whole line',
  );
});

test("a notice forwarded twice inline is read below the separator whose headers are the mailer daemon's", async () => {
  const r = await parseBounce(
    lines(
      'From: p1@customer.example',
      'To: bounces@shop.example',
      'Subject: Fwd: Mail delivery failed: returning message to sender',
      '',
      '---------- Forwarded message ---------',
      'From: p0@customer.example',
      'To: bounces@shop.example',
      'Subject: Fwd: Mail delivery failed: returning message to sender',
      '',
      '---------- Forwarded message ---------',
      'Return-path: <>',
      'From: Mail Delivery System <Mailer-Daemon@mx.shop.example>',
      'To: bounces@shop.example',
      'Subject: Mail delivery failed: returning message to sender',
      'Message-Id: <E1abc-0001@mx.shop.example>',
      '',
      ...EXIM_FAILED,
      '',
      '------ This is a copy of the message, including all the headers. ------',
      '',
      'Return-path: <bounces@shop.example>',
      'From: Shop <news@shop.example>',
      'To: bob@dest.example',
      'Subject: Your order',
      '',
      'Hello Bob.',
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category]),
    [['bob@dest.example', 'mailbox-full']],
  );
});

test('an mbox of three notices gives their three recipients, and never our own bounce address', async () => {
  const one = (n: number) => [
    `From MAILER-DAEMON Mon Nov 24 10:00:0${n} 2025`,
    'Return-path: <>',
    ...EXIM_HEAD,
    '',
    ...EXIM_FAILED.map((l) => l.replaceAll('bob@', `bob${n}@`)),
    '',
    '------ This is a copy of the message, including all the headers. ------',
    '',
    'Return-path: <bounces@shop.example>',
    'From: Shop <news@shop.example>',
    `To: bob${n}@dest.example`,
    'Subject: Your order',
    '',
    'Hello.',
    '',
  ];
  // (LF line ends, as an mbox file has them.)
  const r = await parseBounce(Buffer.from([...one(0), ...one(1), ...one(2)].join('\n')));
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['bob0@dest.example', 'bob1@dest.example', 'bob2@dest.example'],
  );
});

test('UTF-16 without a byte-order mark is read in the byte order its text shows (RFC 2781 says big-endian)', async () => {
  for (const order of ['be', 'le'] as const) {
    const text = [...EXIM_FAILED, ''].join('\r\n');
    const body = order === 'le' ? Buffer.from(text, 'utf16le') : Buffer.from(text, 'utf16le').swap16();
    const r = await parseBounce(
      Buffer.concat([lines(...EXIM_HEAD, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-16', 'Content-Transfer-Encoding: binary', ''), body]),
    );
    assert.deepEqual(
      r.recipients.map((x) => x.address),
      ['bob@dest.example'],
      order,
    );
  }
});

test('an address longer than a mail path can be, or with a control character, is no recipient', async () => {
  const r = await parseBounce(
    lines(
      ...EXIM_HEAD,
      '',
      ...EXIM_FAILED.slice(0, 5),
      `  ${'x'.repeat(5000)}@dest.example`,
      '    552 5.2.2 Mailbox full',
      '',
      '  ali\u0000ce@dest.example',
      '    550 5.1.1 User unknown',
    ),
  );
  assert.deepEqual(r.recipients, []);
});
