/**
 * What session 48's probes showed when more real mail software wrote notices on loopback (issue 16): nullmailer 2.2
 * and chasquid 1.11 as sending relays, content filters and policy daemons in front of a receiving Postfix (amavisd-new
 * with SpamAssassin, rspamd, spamass-milter, postgrey, policyd-spf, OpenDMARC, Cyrus over LMTP) and the Sympa list
 * manager. Each case is written here from the layout those programs use, with made-up addresses and hosts.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { deliveryReport, EXIM_PERMANENT_OPENING } from '../../helpers/notice-text.js';

const mail = (l: string[]): Buffer => Buffer.from(l.join('\r\n'));

/** nullmailer-dsn's report: its text part, then the per-recipient fields it is given. */
const nullmailerNotice = (recipient: string, fields: string[], warning: boolean): Buffer =>
  mail(
    deliveryReport(
      ['From: Message Delivery Subsystem <MAILER-DAEMON@app.example>', 'To: <web@app.example>', 'Subject: Returned mail: Could not send message'],
      [
        'This is the nullmailer delivery system.  The message attached below',
        warning ? 'has not been delivered to one or more of the intended recipients:' : 'could not be delivered to one or more of the intended recipients:',
        '',
        `\t<${recipient}>`,
        '',
        ...(warning
          ? ['A final delivery status notification will be generated if delivery', 'proves to be impossible within the configured time limit.', '']
          : []),
      ],
      ['Reporting-MTA: x-local-hostname; app.example', 'Arrival-Date: Mon, 07 Dec 2026 08:00:00 +0000', '', `Final-Recipient: rfc822; ${recipient}`, ...fields],
    ),
  );

test("nullmailer's notice after its queue lifetime ran out on a 4xx says delayed, but it is the last one: failed, class 5", async () => {
  const r = await parseBounce(
    nullmailerNotice(
      'ann@dest.example',
      ['Action: delayed', 'Status: 4.7.1', 'Remote-MTA: dns; mx.dest.example', 'Diagnostic-Code: SMTP; 451 4.7.1 Please try again later (greylisting)'],
      true,
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action, x.status, x.category, x.hard]),
    [['ann@dest.example', 'failed', '5.7.1', 'greylisted', false]],
  );
});

test('a warning nullmailer-dsn was asked to write with a retry time (Will-Retry-Until) stays a warning', async () => {
  const r = await parseBounce(
    nullmailerNotice(
      'ann@dest.example',
      ['Action: delayed', 'Status: 4.2.2', 'Will-Retry-Until: Tue, 08 Dec 2026 08:00:00 +0000', 'Diagnostic-Code: SMTP; 452 4.2.2 Mailbox over quota'],
      true,
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.deepEqual(
    r.recipients.map((x) => [x.action, x.status, x.category]),
    [['delayed', '4.2.2', 'mailbox-full']],
  );
});

test('a multi-line reply written into Diagnostic-Code without folding (nullmailer) is read whole', async () => {
  const r = await parseBounce(
    nullmailerNotice(
      'ann@dest.example',
      [
        'Action: failed',
        'Status: 5.7.1',
        'Remote-MTA: dns; mx.dest.example',
        'Diagnostic-Code: SMTP; 554-5.7.1 mx.dest.example ESMTP service not available',
        '554-5.7.1 Your IP address 192.0.2.10 is listed on our local blocklist',
        '554 5.7.1 Contact postmaster@dest.example to request removal',
      ],
      false,
    ),
  );
  assert.equal(r.recipients.length, 1);
  assert.match(r.recipients[0]!.diagnostic ?? '', /listed on our local blocklist.*request removal/);
  assert.equal(r.recipients[0]!.category, 'reputation-or-blocklist');
});

/** amavis's notification in its default layout, to `to`, about a message from `sender` to ann@dest.example. */
const amavisNotification = (subject: string, to: string, sender: string): Buffer =>
  mail([
    'From: Content-filter at mx.dest.example <postmaster@dest.example>',
    `To: <${to}>`,
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="a1"',
    '',
    '--a1',
    'Content-Type: text/plain; charset="us-ascii"',
    '',
    'Content type: Banned',
    'Internal reference code for the message is 20646-01/h1gL0wwqZl8o',
    '',
    `Return-Path: <${sender}>`,
    `From: Shop <${sender}>`,
    'Message-ID: <spring-4@shop.example>',
    'Subject: Your invoice',
    'Not quarantined.',
    '',
    'The message WAS NOT relayed to:',
    '<ann@dest.example>:',
    '   554 5.7.0 Reject, id=20646-01 - BANNED: application/octet-stream,invoice.exe',
    '',
    '--a1',
    'Content-Type: text/rfc822-headers',
    '',
    `Return-Path: <${sender}>`,
    `From: Shop <${sender}>`,
    'To: ann@dest.example',
    'Subject: Your invoice',
    '',
    '--a1--',
    '',
  ]);

test("amavis's notices to the site's administrator and to the recipient about a stopped message are no notices to its sender", async () => {
  for (const [subject, to] of [
    ['BANNED contents (application/octet-stream,invoice.exe) in mail FROM [192.0.2.30]:48509 <news@shop.example>', 'virus-admin@dest.example'],
    ['Spam FROM [192.0.2.30]:48509 <news@shop.example>', 'spam-admin@dest.example'],
    ['INVALID HEADER in mail TO YOU from <news@shop.example>', 'ann@dest.example'],
  ] as const) {
    const r = await parseBounce(amavisNotification(subject, to, 'news@shop.example'));
    assert.equal(r.kind, 'not-a-bounce', subject);
    assert.deepEqual(r.recipients, [], subject);
  }
});

test('the same notice sent to the sender it names reads as its notice, the attachment refusal under its own rule', async () => {
  const r = await parseBounce(
    amavisNotification('BANNED contents (application/octet-stream,invoice.exe) in mail FROM <news@shop.example>', 'news@shop.example', 'news@shop.example'),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard, x.evidence?.rule]),
    [['ann@dest.example', 'virus', false, 'wording:banned-attachment']],
  );
});

test('amavis\'s report to a sender whose message it passed anyway ("Action: delayed", "Status: 2.0.0", a 250 reply) is a delivery report', async () => {
  const r = await parseBounce(
    mail(
      deliveryReport(
        [
          'From: Content-filter at mx.dest.example <postmaster@dest.example>',
          'To: <news@shop.example>',
          'Subject: Delivery status notification, invalid header section: unencoded 8-bit',
        ],
        ['Your message WAS SUCCESSFULLY RELAYED to:', '  <ann@dest.example>', '', 'INVALID HEADER: INVALID NON-ASCII CHARACTERS IN HEADER SECTION', ''],
        [
          'Reporting-MTA: dns; amavis.dest.example',
          'Original-Envelope-Id: spring-5',
          '',
          'Original-Recipient: rfc822;ann@dest.example',
          'Final-Recipient: rfc822;ann@dest.example',
          'Action: delayed',
          'Status: 2.0.0',
          'Diagnostic-Code: smtp; 250 2.6.0 Bad message, but will be delivered anyway',
        ],
      ),
    ),
  );
  assert.equal(r.kind, 'delivery-report');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action, x.category, x.hard]),
    [['ann@dest.example', 'relayed', 'accepted', false]],
  );
});

test("a relay's address verification quoting its probe's answer: the answer decides, not the relay's 5.1.1 (Postfix in front of Cyrus)", async () => {
  const r = await parseBounce(
    mail(
      deliveryReport(
        ['From: MAILER-DAEMON@mta.shop.example (Mail Delivery System)', 'To: <news@shop.example>', 'Subject: Undelivered Mail Returned to Sender'],
        [
          'This is the mail system at host mta.shop.example.',
          '',
          "I'm sorry to have to inform you that your message could not",
          'be delivered to one or more recipients.',
          '',
        ],
        [
          'Reporting-MTA: dns; mta.shop.example',
          '',
          'Final-Recipient: rfc822; board@dest.example',
          'Action: failed',
          'Status: 5.1.1',
          'Remote-MTA: dns; mx.dest.example',
          'Diagnostic-Code: smtp; 550 5.1.1 <board@dest.example>: Recipient',
          '    address rejected: undeliverable address: host',
          '    mx.dest.example[/var/run/cyrus/socket/lmtp] said: 550-You do not',
          '    have permission to post a message to this mailbox. 550 5.7.1',
          '    Permission denied (in reply to RCPT TO command)',
        ],
      ),
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['board@dest.example', 'policy', false]],
  );
});

/** Exim's plain notice about one recipient: its host line, then what it says of the command the reply answered. */
const eximNotice = (recipient: string, stage: string, reply: string[]): Buffer =>
  mail([
    'From: Mail Delivery System <Mailer-Daemon@mta.shop.example>',
    'To: news@shop.example',
    'Subject: Mail delivery failed: returning message to sender',
    'Auto-Submitted: auto-replied',
    '',
    ...EXIM_PERMANENT_OPENING,
    `  ${recipient}`,
    '    host mx.dest.example [192.0.2.1]',
    `    SMTP error from remote mail server after ${stage}:`,
    ...reply.map((l) => `    ${l}`),
    '',
  ]);

test('Exim\'s "after pipelined end of data" is the end of the data: a "user unknown" there is no verdict on the address', async () => {
  const r = await parseBounce(eximNotice('ann@dest.example', 'pipelined end of data', ['550 User unknown']));
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.hard]),
    [['ann@dest.example', false]],
  );
});

test('Exim\'s "after pipelined MAIL FROM:<…> SIZE=…" answered our sender: its "5.1.1 User unknown" is not about the recipient', async () => {
  const r = await parseBounce(eximNotice('ann@dest.example', 'pipelined MAIL FROM:<news@shop.example> SIZE=2880', ['550 5.1.1 User unknown']));
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.hard]),
    [['ann@dest.example', false]],
  );
});

test('qmail\'s "Connected to … but sender was rejected." answered our MAIL FROM: no verdict on the recipient, as its "does not like recipient." is', async () => {
  const r = await parseBounce(
    mail([
      'From: MAILER-DAEMON@mail.shop.example',
      'To: news@shop.example',
      'Subject: failure notice',
      '',
      'Hi. This is the qmail-send program at mail.shop.example.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.",
      '',
      '<ann@dest.example>:',
      'Connected to 192.0.2.1 but sender was rejected.',
      'Remote host said: 550 5.1.1 User unknown',
      'Giving up on 192.0.2.1.',
      '',
      '<bob@dest.example>:',
      '192.0.2.1 does not like recipient.',
      'Remote host said: 550 5.1.1 User unknown',
      'Giving up on 192.0.2.1.',
      '',
      '--- Below this line is a copy of the message.',
      '',
      'From: news@shop.example',
      'To: ann@dest.example, bob@dest.example',
      'Subject: hi',
      '',
    ]),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['ann@dest.example', 'policy', false],
      ['bob@dest.example', 'mailbox-unknown', true],
    ],
  );
});

test("SmartList's notice to a member it removed for bouncing quotes the last notice: no notice itself", async () => {
  const quoted = [
    'From: Mail Delivery System <MAILER-DAEMON@mx.lists.example>',
    'Subject: Undelivered Mail Returned to Sender',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="q1"',
    '',
    '--q1',
    'Content-Type: text/plain',
    '',
    '<ann@dest.example>: host mx.dest.example[192.0.2.1] said: 550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown (in reply to RCPT TO command)',
    '',
    '--q1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.lists.example',
    '',
    'Final-Recipient: rfc822; ann@dest.example',
    'Action: failed',
    'Status: 5.1.1',
    '',
    '--q1--',
  ];
  const r = await parseBounce(
    mail([
      'From: news-request@lists.example',
      'To: ann@dest.example',
      'Subject: You have been removed from the list',
      'X-Loop: news@lists.example',
      'Precedence: junk',
      '',
      'Your mail address ann@dest.example has been removed',
      'from the news@lists.example mailinglist.',
      'It generated an excessive amount of bounced mails.',
      '',
      'The last one of those bounced mails has been quoted below:',
      ...quoted.map((l) => `>${l}`),
      '',
    ]),
  );
  assert.equal(r.kind, 'not-a-bounce');
  assert.deepEqual(r.recipients, []);
});

test("GNU Mailutils' Sieve reject (\"refused by recipient's mail filtering program\", Action: deleted) is the recipient's filter", async () => {
  const r = await parseBounce(
    mail([
      'To: news@shop.example',
      'Subject: Rejected: Spring offer',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="m1"',
      '',
      '--m1',
      'Content-Type: text/plain;charset=UTF-8',
      '',
      'The original message was received at Mon, Dec 07 09:00:00 2026 +0000 from news@shop.example.',
      "Message was refused by recipient's mail filtering program.",
      'Reason given was as follows:',
      '',
      'Your message was refused by my personal mail filter: commercial offers are not accepted here.',
      '--m1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-UA: sieve; GNU Mailutils 3.15',
      'Final-Recipient: RFC822; ann@dest.example',
      'Action: deleted',
      'Disposition: automatic-action/MDN-sent-automatically;deleted',
      '',
      '--m1--',
      '',
    ]),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['ann@dest.example', 'policy', false]],
  );
});
