/**
 * What session 47's probes showed when real MTAs and mail stores (Debian 12's Dovecot 2.3 with Pigeonhole Sieve,
 * Exim 4.96, Sendmail 8.17, OpenSMTPD 6.8, DragonFly Mail Agent, Courier, Haraka, Postfix 3.7) made notices for many
 * remote replies on loopback (issue 16). Each case is written here from the layout those programs use, with made-up
 * addresses and hosts.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { noticeCases } from '../../helpers/notice-cases.js';
import { deliveryReport, EXIM_DELAY_CLOSING, OPENSMTPD_DELAY_EXPIRED, OPENSMTPD_HELLO, postfixOpening } from '../../helpers/notice-text.js';

const lines = (...l: string[]): Buffer => Buffer.from([...l, ''].join('\r\n'));

/**
 * A Sieve "reject" as Dovecot's LMTP/LDA sends it (RFC 5429 over RFC 8098): a receipt with the disposition
 * `deleted`, marked auto-replied (rejected), its text the configured `rejection_reason` and the rule's own reason.
 */
const sieveReject = (text: string[], subject = 'Rejected: Spring offer'): Buffer =>
  lines(
    'From: Postmaster <postmaster@dest.example>',
    'To: <news@shop.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=disposition-notification; boundary="b1"',
    `Subject: ${subject}`,
    'Auto-Submitted: auto-replied (rejected)',
    'Precedence: bulk',
    '',
    'This is a MIME-encapsulated message',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...text,
    '--b1',
    'Content-Type: message/disposition-notification',
    '',
    'Reporting-UA: mx.dest.example; Dovecot Mail Delivery Agent',
    'Final-Recipient: rfc822; ann@dest.example',
    'Original-Message-ID: <offer-1@shop.example>',
    'Disposition: automatic-action/MDN-sent-automatically; deleted',
    '',
    '--b1',
    'Content-Type: message/rfc822',
    '',
    'From: Shop <news@shop.example>',
    'To: ann@dest.example',
    'Subject: Spring offer',
    'Message-ID: <offer-1@shop.example>',
    '',
    'Hello',
    '--b1--',
  );

noticeCases([
  {
    name: 'a Sieve reject whose rejection text is translated ("Ihre Nachricht an … wurde automatisch abgelehnt:") is still the recipient\'s filter (policy)',
    mail: sieveReject(
      ['Ihre Nachricht an <ann@dest.example> wurde automatisch abgelehnt:', 'I do not accept messages from this sender.'],
      'Abgelehnt: Spring offer',
    ),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'a Sieve reject whose reason is a made-up "550 5.1.1 No such user here" is the filter\'s refusal, not a missing mailbox',
    mail: sieveReject(['Your message to <ann@dest.example> was automatically rejected:', '550 5.1.1 No such user here.']),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: "a Sieve reject saying the person left is the filter's refusal too: its mailbox exists and its filter runs",
    mail: sieveReject(['Your message to <ann@dest.example> was automatically rejected:', 'This address no longer accepts mail; user has left the company.']),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'a Sieve reject saying the mailbox is full keeps that reading (documented: the one reason a filter reports as it is)',
    mail: sieveReject(['Your message to <ann@dest.example> was automatically rejected:', 'Mailbox is full.']),
    recipients: ['ann@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
]);

test("a Sieve reject's reason read as a missing mailbox gives way at medium confidence, with the filter as its rule", async () => {
  const r = await parseBounce(
    sieveReject(['Your message to <ann@dest.example> was automatically rejected:', 'Empfänger unbekannt – diese Adresse existiert nicht mehr.']),
  );
  assert.equal(r.recipients.length, 1);
  const [p] = r.recipients;
  assert.equal(p!.category, 'policy');
  assert.equal(p!.confidence, 'medium');
  assert.equal(p!.evidence?.rule, 'wording:sieve-rejected');
  assert.match(p!.diagnostic ?? '', /Empfänger unbekannt/);
});

test('a Sieve notification from the postmaster (Auto-Submitted: auto-notified) that names no failure is no bounce', async () => {
  const r = await parseBounce(
    lines(
      'From: Postmaster <postmaster@dest.example>',
      'To: news@shop.example',
      'Subject: New mail arrived for ann',
      'Auto-Submitted: auto-notified; owner-email="ann@dest.example"',
      'Precedence: bulk',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=US-ASCII',
      '',
      'Notification of new message.',
    ),
  );
  assert.notEqual(r.kind, 'bounce');
  assert.ok(r.recipients.every((p) => p.action !== 'failed'));
});

test('a notice from the postmaster marked auto-notified that names a failure is still read as a notice', async () => {
  const r = await parseBounce(
    lines(
      'From: Postmaster <postmaster@dest.example>',
      'To: news@shop.example',
      'Subject: Mail delivery failed',
      'Auto-Submitted: auto-notified',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=US-ASCII',
      '',
      'Your message could not be delivered to <ann@dest.example>:',
      '550 5.1.1 User unknown',
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.category]),
    [['ann@dest.example', 'mailbox-unknown']],
  );
});

/** Exim 4.96's failure notice: its text, one paragraph per failed address, then its report's groups (each `[final, diagnostic]`). */
const eximNotice = (paragraphs: string[][], groups: [string, string][]): Buffer =>
  lines(
    'From: Mail Delivery System <Mailer-Daemon@mx.relay.example>',
    'To: news@shop.example',
    'Subject: Mail delivery failed: returning message to sender',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary=e1',
    '',
    '--e1',
    'Content-type: text/plain; charset=us-ascii',
    '',
    'This message was created automatically by mail delivery software.',
    '',
    'A message that you sent could not be delivered to one or more of its',
    'recipients. This is a permanent error. The following address(es) failed:',
    '',
    ...paragraphs.flat(),
    '',
    '--e1',
    'Content-type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.relay.example',
    '',
    ...groups.flatMap(([final, diagnostic]) => [
      'Action: failed',
      `Final-Recipient: rfc822;${final}`,
      'Status: 5.0.0',
      'Remote-MTA: dns; mx.dest.example',
      `Diagnostic-Code: smtp; ${diagnostic}`,
      '',
    ]),
    '--e1',
    'Content-type: message/rfc822',
    '',
    'From: Shop <news@shop.example>',
    'To: ann@dest.example, bob@dest.example',
    'Subject: Spring offer',
    '',
    'Hello',
    '--e1--',
  );

const afterData = (address: string, ...reply: string[]): string[] => [
  `  ${address}`,
  '    host mx.dest.example [192.0.2.25]',
  '    SMTP error from remote mail server after end of data:',
  ...reply.map((l) => `    ${l}`),
];

/** Exim's paragraph about a target its router generated from an alias, refused at RCPT. */
const generatedFrom = (address: string, alias: string, reply: string): string[] => [
  `  ${address}`,
  `    (generated from ${alias})`,
  '    host mx.dest.example [192.0.2.25]',
  `    SMTP error from remote mail server after RCPT TO:<${address}>:`,
  `    ${reply}`,
];

test('a refusal after the data that names one recipient, listed under each (Exim): the other recipient is not in doubt', async () => {
  const reply = '550 5.1.1 <bob@dest.example>: user unknown';
  const r = await parseBounce(
    eximNotice(
      [afterData('ann@dest.example', reply), afterData('bob@dest.example', reply)],
      [
        ['bob@dest.example', reply],
        ['ann@dest.example', reply],
      ],
    ),
  );
  const by = Object.fromEntries(r.recipients.map((p) => [p.address, p]));
  assert.deepEqual([by['bob@dest.example']?.category, by['bob@dest.example']?.hard], ['mailbox-unknown', true]);
  assert.deepEqual([by['ann@dest.example']?.category, by['ann@dest.example']?.hard], ['policy', false]);
  assert.equal(by['ann@dest.example']?.evidence?.rule, 'wording:another-recipient');
});

test('the same in a text notice alone (Postfix\'s layout, "in reply to end of DATA command")', async () => {
  const r = await parseBounce(
    lines(
      'From: MAILER-DAEMON@mx.relay.example (Mail Delivery System)',
      'To: news@shop.example',
      'Subject: Undelivered Mail Returned to Sender',
      '',
      "I'm sorry to have to inform you that your message could not",
      'be delivered to one or more recipients.',
      '',
      '<ann@dest.example>: host mx.dest.example[192.0.2.25] said: 550 5.1.1',
      '    <bob@dest.example>: user unknown (in reply to end of DATA command)',
      '',
      '<bob@dest.example>: host mx.dest.example[192.0.2.25] said: 550 5.1.1',
      '    <bob@dest.example>: user unknown (in reply to end of DATA command)',
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.category, p.hard]),
    [
      ['ann@dest.example', 'policy', false],
      ['bob@dest.example', 'mailbox-unknown', true],
    ],
  );
});

test('one "550 5.1.1 User unknown" after the data, naming none of several recipients, is a verdict on none (Exim)', async () => {
  const reply = '550 5.1.1 User unknown';
  const r = await parseBounce(
    eximNotice(
      [afterData('ann@dest.example', reply), afterData('bob@dest.example', reply)],
      [
        ['ann@dest.example', reply],
        ['bob@dest.example', reply],
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.category, p.hard]),
    [
      ['ann@dest.example', 'policy', false],
      ['bob@dest.example', 'policy', false],
    ],
  );
});

test("the same reply at RCPT for two recipients is each one's own verdict, and a lone recipient's after the data stays hard", async () => {
  const reply = '550 5.1.1 User unknown';
  const atRcpt = (a: string) => [
    `  ${a}`,
    '    host mx.dest.example [192.0.2.25]',
    `    SMTP error from remote mail server after RCPT TO:<${a}>:`,
    `    ${reply}`,
  ];
  const two = await parseBounce(
    eximNotice(
      [atRcpt('ann@dest.example'), atRcpt('bob@dest.example')],
      [
        ['ann@dest.example', reply],
        ['bob@dest.example', reply],
      ],
    ),
  );
  assert.deepEqual(
    two.recipients.map((p) => p.hard),
    [true, true],
  );
  const one = await parseBounce(eximNotice([afterData('ann@dest.example', reply)], [['ann@dest.example', reply]]));
  assert.deepEqual(
    one.recipients.map((p) => [p.category, p.hard]),
    [['mailbox-unknown', true]],
  );
});

test('an alias Exim gives as every member\'s Final-Recipient ("(generated from team@…)"): one member\'s missing mailbox does not make it hard', async () => {
  const r = await parseBounce(
    eximNotice(
      [
        generatedFrom('ann@dest.example', 'team@shop-partner.example', '552 5.2.2 <ann@dest.example>: Mailbox full'),
        generatedFrom('bob@dest.example', 'team@shop-partner.example', '550 5.1.1 <bob@dest.example>: User unknown'),
      ],
      [
        ['team@shop-partner.example', '550 5.1.1 <bob@dest.example>: User unknown'],
        ['team@shop-partner.example', '552 5.2.2 <ann@dest.example>: Mailbox full'],
      ],
    ),
  );
  assert.ok(r.recipients.length >= 1);
  assert.ok(
    r.recipients.every((p) => p.address === 'team@shop-partner.example' && p.hard === false),
    JSON.stringify(r.recipients.map((p) => [p.address, p.category, p.hard])),
  );
});

test('a delayed recipient keeps its report\'s class-4 status when the reply quotes a class-5 one ("450 5.1.1 …", Postfix)', async () => {
  const r = await parseBounce(
    Buffer.from(
      deliveryReport(
        ['From: MAILER-DAEMON@mx.relay.example (Mail Delivery System)', 'To: news@shop.example', 'Subject: Delayed Mail (still being retried)'],
        [
          ...postfixOpening('mx.relay.example'),
          '<ann@dest.example>: host mx.dest.example[192.0.2.25] said: 450 5.1.1',
          '    <ann@dest.example>: User unknown (in reply to RCPT TO command)',
          '',
        ],
        [
          'Reporting-MTA: dns; mx.relay.example',
          '',
          'Final-Recipient: rfc822; ann@dest.example',
          'Action: delayed',
          'Status: 4.0.0',
          'Diagnostic-Code: smtp; 450 5.1.1 <ann@dest.example>: User unknown',
        ],
      ).join('\r\n'),
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.deepEqual(
    r.recipients.map((p) => [p.action, p.status, p.hard]),
    [['delayed', '4.0.0', false]],
  );
});

test('Postfix\'s "TLS is required, but host … refused to start TLS" reported by its Diagnostic-Code alone ("454 4.7.0 TLS not available") is a TLS failure', async () => {
  const r = await parseBounce(
    Buffer.from(
      deliveryReport(
        ['From: MAILER-DAEMON@mx.relay.example (Mail Delivery System)', 'To: news@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
        [
          ...postfixOpening('mx.relay.example'),
          '<ann@dest.example>: TLS is required, but host mx.dest.example[192.0.2.25] refused to',
          '    start TLS: 454 4.7.0 TLS not available',
          '',
        ],
        [
          'Reporting-MTA: dns; mx.relay.example',
          '',
          'Final-Recipient: rfc822; ann@dest.example',
          'Action: failed',
          'Status: 4.7.0',
          'Diagnostic-Code: smtp; 454 4.7.0 TLS not available',
        ],
      ).join('\r\n'),
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.category, p.hard]),
    [['ann@dest.example', 'tls-required', false]],
  );
});

/**
 * Sendmail 8.17's report about one recipient: its text part (the failed address with its reason, then the transcript)
 * and its delivery-status fields. A reply without an enhanced status gets a Status Sendmail makes from the code.
 */
const sendmailReport = (to: string, reason: string, transcript: string[], status: string): Buffer =>
  Buffer.from(
    deliveryReport(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>', 'To: news@shop.example', 'Subject: Returned mail: see transcript for details'],
      [
        'The original message was received at Sun, 6 Dec 2026 21:20:55 GMT',
        'from localhost [127.0.0.1]',
        '',
        '   ----- The following addresses had permanent fatal errors -----',
        `<${to}>`,
        `    (reason: ${reason})`,
        '',
        '   ----- Transcript of session follows -----',
        '... while talking to mx.dest.example.:',
        ...transcript,
        '',
      ],
      [
        'Reporting-MTA: dns; mx.relay.example',
        '',
        `Final-Recipient: RFC822; ${to}`,
        `X-Actual-Recipient: rfc822; ${to}`,
        'Action: failed',
        `Status: ${status}`,
        'Remote-MTA: DNS; mx.dest.example',
        `Diagnostic-Code: SMTP; ${reason}`,
      ],
    ).join('\r\n'),
  );

/** Sendmail's transcript of a refused RCPT, with its own line about the recipient under the server's reply. */
const rcptRefused = (to: string, reply: string) => [`>>> RCPT To:<${to}>`, `<<< ${reply}`, `550 5.1.1 <${to}>... User unknown`];

noticeCases([
  {
    name: 'Sendmail\'s Status 5.1.1 and "... User unknown" made from a bare 550 at RCPT: the reply\'s own words decide (spam)',
    mail: sendmailReport('ann@dest.example', '550 Message rejected as spam', rcptRefused('ann@dest.example', '550 Message rejected as spam'), '5.1.1'),
    recipients: ['ann@dest.example'],
    category: 'content-or-spam',
    hard: false,
  },
  {
    name: 'the same over "550 Rejected": no verdict on the address',
    mail: sendmailReport('ann@dest.example', '550 Rejected', rcptRefused('ann@dest.example', '550 Rejected'), '5.1.1'),
    recipients: ['ann@dest.example'],
    category: 'unknown',
    hard: false,
  },
  {
    name: 'the same over a bare 552 after the data, which Sendmail calls 5.2.2: the message was too big, no mailbox is full',
    mail: sendmailReport(
      'ann@dest.example',
      '552 Message size exceeds fixed maximum message size',
      ['>>> .', '<<< 552 Message size exceeds fixed maximum message size', '554 5.0.0 Service unavailable'],
      '5.2.2',
    ),
    recipients: ['ann@dest.example'],
    category: 'message-too-large',
    hard: false,
  },
  {
    name: 'a bare "550 No such user here" at RCPT under Sendmail\'s 5.1.1 is still a missing mailbox',
    mail: sendmailReport('ann@dest.example', '550 No such user here', rcptRefused('ann@dest.example', '550 No such user here'), '5.1.1'),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a pipelined transcript (">>> DATA" over the RCPT\'s refusal) with Sendmail\'s own line about the recipient and no refusal of DATA (another recipient was taken): the reply answered RCPT',
    mail: sendmailReport(
      'ann@dest.example',
      '550 5.0.0 <ann@dest.example>... User unknown',
      ['>>> DATA', '<<< 550 5.0.0 <ann@dest.example>... User unknown', '550 5.1.1 <ann@dest.example>... User unknown'],
      '5.0.0',
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'the stock "mailbox unavailable" in a pipelined transcript with Sendmail\'s own line: answered RCPT, so hard as it is live',
    mail: sendmailReport(
      'ann@dest.example',
      '550 Requested action not taken: mailbox unavailable',
      ['>>> DATA', '<<< 550 Requested action not taken: mailbox unavailable', '550 5.1.1 <ann@dest.example>... User unknown'],
      '5.1.1',
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: "a refusal of the data itself (Sendmail's \"554 5.0.0 Service unavailable\" under it) is still a filter's, not the address's",
    mail: sendmailReport('ann@dest.example', '550 No such user here', ['>>> DATA', '<<< 550 No such user here', '554 5.0.0 Service unavailable'], '5.2.0'),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
]);

test("Sendmail's own Status stays the reported status where the reply quotes none", async () => {
  const r = await parseBounce(sendmailReport('ann@dest.example', '550 Rejected', rcptRefused('ann@dest.example', '550 Rejected'), '5.1.1'));
  assert.equal(r.recipients[0]?.status, '5.1.1');
});

/** OpenSMTPD 6.8's report: its template's lines, its fields, and the returned message's headers. */
const opensmtpdReport = (subject: string, template: string[], fields: string[], returned: string[]): Buffer =>
  lines(
    'From: Mailer Daemon <MAILER-DAEMON@mx.relay.example>',
    'To: news@shop.example',
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="o1"',
    '',
    'This is a MIME-encapsulated message.',
    '',
    '--o1',
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    ...template,
    '--o1',
    'Content-Description: Delivery Report',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.relay.example',
    '',
    ...fields,
    '',
    '--o1',
    'Content-Description: Message headers',
    'Content-Type: text/rfc822-headers',
    '',
    ...returned,
    '',
    '--o1--',
  );

test('OpenSMTPD\'s forward stamps only its Received line ("for <team@…>"): the address we sent to is that one, the target is the final recipient', async () => {
  const r = await parseBounce(
    opensmtpdReport(
      'Delivery status notification: failed',
      [
        ...OPENSMTPD_HELLO,
        '    An error has occurred while attempting to deliver a message for',
        '    the following list of recipients:',
        '',
        'ann@dest.example: 550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown in virtual mailbox table',
        '',
      ],
      ['Final-Recipient: rfc822; ann@dest.example', 'Action: failed', 'Status: 5.0.0'],
      [
        'Received: from app.shop.example (app.shop.example [192.0.2.7])',
        '\tby mx.relay.example (OpenSMTPD) with ESMTP id c080854f',
        '\tfor <team@partner.example>;',
        '\tSun, 6 Dec 2026 21:07:26 +0000 (UTC)',
        'From: Shop <news@shop.example>',
        'To: team@partner.example',
        'Subject: Spring offer',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.final_recipient, p.category]),
    [['team@partner.example', 'ann@dest.example', 'mailbox-unknown']],
  );
});

test('OpenSMTPD\'s expiry under its delay template, "Action: delayed" and "Status: 4.4.7": failed, with a class-5 status', async () => {
  const r = await parseBounce(
    opensmtpdReport(
      'Delivery status notification: delayed',
      [...OPENSMTPD_DELAY_EXPIRED],
      ['Final-Recipient: rfc822; ann@dest.example', 'Action: delayed', 'Status: 4.4.7'],
      ['From: Shop <news@shop.example>', 'To: ann@dest.example', 'Subject: Spring offer'],
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.action, p.status, p.category]),
    [['failed', '5.4.7', 'expired']],
  );
});

test('OpenSMTPD\'s "Temporary failure in MX lookup" (SERVFAIL) is a DNS failure, and a domain named "nullmx" is only a name', async () => {
  const r = await parseBounce(
    opensmtpdReport(
      'Delivery status notification: delayed',
      [
        ...OPENSMTPD_HELLO,
        '    A message is delayed for more than 4 hours for the following',
        '    list of recipients:',
        '',
        'ann@dest.example: Temporary failure in MX lookup',
        'bob@nullmx-hosting.example: Envelope expired',
        '',
        '    Please note that this is only a temporary failure report.',
        '',
      ],
      [
        'Final-Recipient: rfc822; ann@dest.example',
        'Action: delayed',
        'Status: 4.0.0',
        '',
        'Final-Recipient: rfc822; bob@nullmx-hosting.example',
        'Action: delayed',
        'Status: 4.4.7',
      ],
      ['From: Shop <news@shop.example>', 'To: ann@dest.example, bob@nullmx-hosting.example', 'Subject: Spring offer'],
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.category, p.hard]),
    [
      ['ann@dest.example', 'dns-failure', false],
      ['bob@nullmx-hosting.example', 'expired', false],
    ],
  );
});

test("Sendmail's alias: Final-Recipient is the alias we sent to, X-Actual-Recipient the target that failed", async () => {
  const r = await parseBounce(
    Buffer.from(
      deliveryReport(
        ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>', 'To: news@shop.example', 'Subject: Returned mail: see transcript for details'],
        [
          '   ----- The following addresses had permanent fatal errors -----',
          '<ann@dest.example>',
          '    (reason: 550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown)',
          '    (expanded from: <team@partner.example>)',
          '',
        ],
        [
          'Reporting-MTA: dns; mx.relay.example',
          '',
          'Final-Recipient: RFC822; team@partner.example',
          'X-Actual-Recipient: rfc822; ann@dest.example',
          'Action: failed',
          'Status: 5.1.1',
          'Diagnostic-Code: SMTP; 550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown',
        ],
      ).join('\r\n'),
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.final_recipient, p.category]),
    [['team@partner.example', 'ann@dest.example', 'mailbox-unknown']],
  );
});

test('Exim\'s redirect: its report gives the alias as Final-Recipient, its text the target "(generated from …)", which is the final recipient', async () => {
  const reply = '550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown in virtual mailbox table';
  const r = await parseBounce(eximNotice([generatedFrom('ann@dest.example', 'team@shop-partner.example', reply)], [['team@shop-partner.example', reply]]));
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.final_recipient, p.category, p.hard]),
    [['team@shop-partner.example', 'ann@dest.example', 'mailbox-unknown', true]],
  );
});

test('Exim\'s delay warning without a "Delay reason" (a host that refused the connection): our subject\'s words are no reason', async () => {
  const r = await parseBounce(
    lines(
      'From: Mail Delivery System <Mailer-Daemon@mx.relay.example>',
      'To: news@shop.example',
      'Subject: Warning: message 1xaK48-0004Qe-0u delayed 1 minutes',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This message was created automatically by mail delivery software.',
      'A message that you sent has not yet been delivered to one or more of its',
      'recipients after more than 1 minutes on the queue on mx.relay.example.',
      '',
      'The message identifier is:     1xaK48-0004Qe-0u',
      'The subject of the message is: Re: 550 5.1.1 user unknown - your mailbox is full',
      '',
      'The address to which the message has not yet been delivered is:',
      '',
      '  ann@dest.example',
      '',
      ...EXIM_DELAY_CLOSING,
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.category, p.hard]),
    [['ann@dest.example', 'unknown', false]],
  );
});

/** A member's Postfix notice as a list manager attaches it (message/rfc822) to its own text. */
const withMemberNotice = (head: string[], text: string[]): Buffer =>
  lines(
    ...head,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="m1"',
    '',
    '--m1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...text,
    '--m1',
    'Content-Type: message/rfc822',
    '',
    ...deliveryReport(
      ['From: Mail Delivery System <MAILER-DAEMON@mx.lists.example>', 'To: news-bounces@lists.example', 'Subject: Undelivered Mail Returned to Sender'],
      [
        ...postfixOpening('mx.lists.example'),
        '<gone@member.example>: host mx.member.example[192.0.2.9] said: 550 5.1.1',
        '    <gone@member.example>: User unknown (in reply to RCPT TO command)',
        '',
      ],
      ['Reporting-MTA: dns; mx.lists.example', '', 'Final-Recipient: rfc822; gone@member.example', 'Action: failed', 'Status: 5.1.1'],
    ),
    '--m1--',
  );

noticeCases([
  {
    name: "Mailman 3's report to a list's owner that a member's subscription was disabled, its notice attached, is no failure of ours",
    mail: withMemberNotice(
      ['From: siteowner@lists.example', 'To: news-owner@lists.example', "Subject: gone@member.example's subscription disabled on News"],
      [
        "gone@member.example's subscription has been disabled on news@lists.example due to their bounce score",
        "exceeding the mailing list's bounce_score_threshold.",
        '',
        'The triggering DSN if available is attached.',
      ],
    ),
    kind: 'not-a-bounce',
    recipients: [],
    category: 'policy',
    hard: false,
  },
  {
    name: 'Mailman 3\'s probe to a member ("the … mailing list has received a number of bounces from you") is no failure either',
    mail: withMemberNotice(
      ['From: news-bounces+4b65@lists.example', 'To: gone@member.example', 'Subject: News mailing list probe message'],
      [
        'This is a probe message.  You can ignore this message.',
        '',
        'The news@lists.example mailing list has received a number of bounces',
        'from you, indicating that there may be a problem delivering messages',
        'to gone@member.example.  A sample is attached below.',
      ],
    ),
    kind: 'not-a-bounce',
    recipients: [],
    category: 'policy',
    hard: false,
  },
  {
    name: 'Mailman 3 refusing a post for a reason other than membership ("… mailing-list was rejected for the following reasons:") refuses it: the list failed, policy',
    mail: lines(
      'From: news-owner@lists.example',
      'To: alice@shop.example',
      'Subject: Spring offer',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="r1"',
      '',
      '--r1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Your message to the News mailing-list was rejected for the following',
      'reasons:',
      '',
      'The message comes from a moderated member',
      '',
      'The original message as received by Mailman is attached.',
      '--r1',
      'Content-Type: message/rfc822',
      '',
      'From: <alice@shop.example>',
      'To: news@lists.example',
      'Subject: Spring offer',
      '',
      'Hello',
      '--r1--',
    ),
    recipients: ['news@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'a moderator rejecting a held post (Mailman: "has been rejected by the list moderator") names the list, not its owner',
    mail: lines(
      'From: news-bounces@lists.example',
      'To: alice@shop.example',
      'Subject: Request to mailing list "News" rejected',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Your request to the news@lists.example mailing list',
      '',
      '    Posting of your message titled "Spring offer"',
      '',
      'has been rejected by the list moderator.  The moderator gave the',
      'following reason for rejecting your request:',
      '',
      '"[No reason given]"',
      '',
      'Any questions or comments should be directed to the list administrator',
      'at:',
      '',
      '    news-owner@lists.example',
    ),
    recipients: ['news@lists.example'],
    category: 'policy',
    hard: false,
  },
]);

test('mlmmj holding a post for its moderators ("the moderators are being asked to review it") refuses nothing, whatever reason it names', async () => {
  const r = await parseBounce(
    lines(
      'From: news+owner@lists.example',
      'To: alice@shop.example',
      'Subject: Awaiting release to news@lists.example: Spring offer',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hi, this is the Mlmmj program managing the <news@lists.example> mailing',
      'list.',
      '',
      'The message from <alice@shop.example> with subject "Spring offer" has been submitted to the list. However, the',
      'moderators are being asked to review it before releasing it to the list',
      'because you are not a subscriber.',
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
});

test('the vacation program\'s default reply ("Subject: away from my mail") is an auto-reply', async () => {
  const r = await parseBounce(
    lines(
      'From: ann@dest.example',
      'To: news@shop.example',
      'Subject: away from my mail',
      'Precedence: bulk',
      '',
      'I will not be reading my mail for a while.',
      'Your mail concerning "Spring offer"',
      "will be read when I'm back.",
    ),
  );
  assert.equal(r.kind, 'auto-reply');
  assert.equal(r.recipients[0]?.address, 'ann@dest.example');
});

/** Sendmail's plain notice (`SendMimeErrors=False`): no report part, its text and transcript only. */
const sendmailPlain = (permanent: string[], transcript: string[], preamble: string[] = []): Buffer =>
  lines(
    'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>',
    'To: news@shop.example',
    'Subject: Returned mail: see transcript for details',
    '',
    'The original message was received at Sun, 6 Dec 2026 22:07:40 GMT',
    'from localhost [127.0.0.1]',
    '',
    ...preamble,
    '   ----- The following addresses had permanent fatal errors -----',
    ...permanent,
    '',
    '   ----- Transcript of session follows -----',
    ...transcript,
    '',
    '   ----- Original message follows -----',
    '',
    'From: Shop <news@shop.example>',
    'To: ann@dest.example',
    'Subject: Spring offer',
    '',
    'Hello',
  );

noticeCases([
  {
    name: 'Sendmail\'s plain notice about a bare "550 Access denied": its own "550 5.1.1 … User unknown" line gives no status, so no missing mailbox',
    mail: sendmailPlain(
      ['<ann@dest.example>', '    (reason: 550 Access denied)'],
      [
        '... while talking to mx.dest.example.:',
        '>>> DATA',
        '<<< 550 Access denied',
        '550 5.1.1 <ann@dest.example>... User unknown',
        '<<< 554 5.5.1 Error: no valid recipients',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'a site\'s preamble listing common reasons ("the mailbox is full, or … disabled") above the list is no reason of the recipient\'s',
    mail: sendmailPlain(
      ['<ann@dest.example>', '    (reason: 550 Requested action not taken)'],
      [
        '... while talking to mx.dest.example.:',
        '>>> RCPT To:<ann@dest.example>',
        '<<< 550 Requested action not taken',
        '550 5.1.1 <ann@dest.example>... User unknown',
      ],
      [
        '   ***** PLEASE READ *****',
        'The message you sent could not be delivered to one or more recipients.',
        'Common reasons: the address was mistyped, the mailbox is full, or the',
        "recipient's account has expired or been disabled.",
        '',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'unknown',
    hard: false,
  },
]);

test('Sendmail\'s plain notice: a recipient its transcript says is "Deferred" is still queued, not failed', async () => {
  const r = await parseBounce(
    sendmailPlain(
      ['<ann@dest.example>', '    (reason: 550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown)'],
      [
        '... while talking to mx.dest.example.:',
        '>>> DATA',
        '<<< 450 4.2.0 <bob@dest.example>: Recipient address rejected: Greylisted',
        '<bob@dest.example>... Deferred: 450 4.2.0 <bob@dest.example>: Recipient address rejected: Greylisted',
        '<<< 550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown',
        '550 5.1.1 <ann@dest.example>... User unknown',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.address, p.action, p.category]),
    [
      ['ann@dest.example', 'failed', 'mailbox-unknown'],
      ['bob@dest.example', 'delayed', 'greylisted'],
    ],
  );
});

test('a member of a list file Sendmail expanded ("(expanded from: :include:…)") does not make the list address we sent to hard', async () => {
  const r = await parseBounce(
    sendmailPlain(
      [
        'ann@dest.example',
        '    (reason: 550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown)',
        '    (expanded from: :include:/etc/mail/lists/team-members)',
      ],
      [
        '... while talking to mx.dest.example.:',
        '>>> RCPT To:<ann@dest.example>',
        '<<< 550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown',
        '550 5.1.1 ann@dest.example... User unknown',
      ],
    ),
  );
  assert.equal(r.recipients.length, 1);
  assert.deepEqual([r.recipients[0]?.category, r.recipients[0]?.hard, r.recipients[0]?.confidence], ['mailbox-unknown', false, 'low']);
});

test('a recipient given up on ("Action: failed", "Status: 5.0.0") over a "451 4.3.0" reply: read by the reply, reported with the class-5 status', async () => {
  const r = await parseBounce(
    Buffer.from(
      deliveryReport(
        ['From: MAILER-DAEMON@mx.relay.example (Mail Delivery System)', 'To: news@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
        [
          ...postfixOpening('mx.relay.example'),
          '<ann@dest.example>: host mx.dest.example[192.0.2.25] said: 451 4.3.0 Error: queue file write error (in reply to end of DATA command)',
          '',
        ],
        [
          'Reporting-MTA: dns; mx.relay.example',
          '',
          'Final-Recipient: rfc822; ann@dest.example',
          'Action: failed',
          'Status: 5.0.0',
          'Diagnostic-Code: smtp; 451 4.3.0 Error: queue file write error',
        ],
      ).join('\r\n'),
    ),
  );
  assert.deepEqual(
    r.recipients.map((p) => [p.action, p.status, p.category]),
    [['failed', '5.0.0', 'system-error']],
  );
});
