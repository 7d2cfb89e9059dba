/**
 * What the session-45 probes of the parser showed (issue 16: helpers wrote notices from decades-old mail systems'
 * manuals and archives, notices whose only evidence is prose, receipts and reports that are no failure, aliases and
 * forwards inside the recipient's organisation, and hosters' translated templates; all kept outside the repository).
 * Each case is written here from the wording the sources document, with made-up addresses and hosts.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { noticeCases } from '../../helpers/notice-cases.js';
import { deliveryReport, EXIM_PERMANENT_OPENING, postfixOpening } from '../../helpers/notice-text.js';

const lines = (...l: string[]): Buffer => Buffer.from([...l, ''].join('\r\n'));

const plain = (headers: string[], body: string[]): Buffer => lines(...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', '', ...body);

const POSTFIX_HEAD = [
  'From: MAILER-DAEMON@mail.dest.example (Mail Delivery System)',
  'To: bounces@shop.example',
  'Subject: Undelivered Mail Returned to Sender',
];
const EXIM_HEAD = [
  'From: Mail Delivery System <Mailer-Daemon@mx.shop.example>',
  'To: bounces@shop.example',
  'Subject: Mail delivery failed: returning message to sender',
];

/** Sendmail's notice with the local mailer's own line in its transcript, then its "Can't create output" verdict. */
const sendmailLocal = (address: string, mailerLine: string): Buffer =>
  plain(
    ['From: Mail Delivery Subsystem <MAILER-DAEMON@mail.dest.example>', 'To: bounces@shop.example', 'Subject: Returned mail: see transcript for details'],
    [
      'The original message was received at Tue, 3 Mar 2026 10:00:00 +0000',
      'from relay.shop.example [192.0.2.10]',
      '',
      '   ----- The following addresses had permanent fatal errors -----',
      `<${address}>`,
      "    (reason: Can't create output)",
      '',
      '   ----- Transcript of session follows -----',
      mailerLine,
      `550 5.0.0 <${address}>... Can't create output`,
      '',
      '   ----- Original message follows -----',
      'From: News <news@shop.example>',
      `To: ${address}`,
      'Subject: Spring offers',
    ],
  );

/** Exchange's text-only receipt, titled in its user's language. */
const exchangeDelivered = (subject: string, sentence: string): Buffer =>
  plain(
    ['From: postmaster@dest.example', 'To: news@shop.example', `Subject: ${subject}`],
    [sentence, '', 'Jane Doe (jane@dest.example)<mailto:jane@dest.example>', '', 'Subject: Your order 1234'],
  );

noticeCases([
  {
    name: 'procmail\'s "Quota exceeded while writing" in a Sendmail transcript is a full mailbox, not a mailer error',
    mail: sendmailLocal('ann@dest.example', 'procmail: Quota exceeded while writing "/home/ann/Maildir/tmp/1583229600.12345_0.mail"'),
    recipients: ['ann@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    name: 'procmail\'s "Mailbox limit exceeded while appending message" in a Sendmail transcript is a full mailbox',
    mail: sendmailLocal('ann@dest.example', 'procmail: Mailbox limit exceeded while appending message'),
    recipients: ['ann@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    name: 'Sendmail\'s "Can\'t create output" with no reason of the mailer stays an error of their system',
    mail: sendmailLocal('ann@dest.example', '554 5.3.0 unknown mailer error 1'),
    recipients: ['ann@dest.example'],
    category: 'system-error',
    hard: false,
  },
  {
    name: 'Exchange 4.0\'s "\\"root@…\\" on <date>" under "could not be reached" is a failed recipient, a role address too; "communications failure" is a connection failure',
    mail: plain(
      ['From: System Administrator <postmaster@mail.dest.example>', 'To: bounces@shop.example', 'Subject: Undeliverable! quarterly figures'],
      [
        'Your message did not reach some or all of the intended recipients.',
        '',
        '      Subject:\tquarterly figures',
        '      Sent:\t11/13/98 9:21 AM',
        '',
        'The following recipient(s) could not be reached:',
        '',
        '      "root@dest.example" on 11/13/98 10:12 AM',
        '            Unable to deliver the message due to a communications failure',
        '            [MSEXCH:IMC:Dest:Site:SERVER1]',
      ],
    ),
    recipients: ['root@dest.example'],
    category: 'connection-failure',
    hard: false,
  },
  {
    name: "Exchange's full-mailbox sentence in Spanish, for each recipient of a text-only notice",
    mail: plain(
      ['From: postmaster@dest.example', 'To: bounces@shop.example', 'Subject: No se puede entregar: Pedido'],
      [
        'No se pudo entregar a estos destinatarios o grupos:',
        '',
        'ana@dest.example',
        'El buzón del destinatario está lleno y no puede aceptar mensajes. Microsoft Exchange no intentará volver a entregar este mensaje.',
        '',
        'luis@dest.example',
        'El buzón del destinatario está lleno y no puede aceptar mensajes. Microsoft Exchange no intentará volver a entregar este mensaje.',
      ],
    ),
    recipients: ['ana@dest.example', 'luis@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    name: 'Stalwart\'s "550 5.1.2 Mailbox does not exist." quoted by Exim after "host … [ip]:" is a missing mailbox, as live',
    mail: plain(EXIM_HEAD, [
      ...EXIM_PERMANENT_OPENING,
      '  ann@dest.example',
      '    host mx.dest.example [192.0.2.25]',
      '    SMTP error from remote mail server after RCPT TO:<ann@dest.example>:',
      '    550 5.1.2 Mailbox does not exist.',
    ]),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a 5.3.2 "system not accepting network messages" quoted by Postfix is an outage (soft), not a domain without mail',
    mail: plain(POSTFIX_HEAD, [
      ...postfixOpening('mail.shop.example'),
      '<ann@dest.example>: host mx.dest.example[192.0.2.25] said: 554 5.3.2 system not',
      '    accepting network messages (in reply to RCPT TO command)',
    ]),
    recipients: ['ann@dest.example'],
    category: 'server-busy',
    hard: false,
  },
  {
    name: 'Exchange\'s delay notice in German ("wurde verzögert") under a neutral title is a delay, not a failure',
    mail: plain(
      ['From: Systemadministrator <postmaster@mail.dest.example>', 'To: bounces@shop.example', 'Subject: Zustellungsbenachrichtigung'],
      ['Die Zustellung an folgende Empfänger oder Verteilerlisten wurde verzögert:', '', '       office@dest.example'],
    ),
    kind: 'delay',
    recipients: ['office@dest.example'],
    category: 'unknown',
    hard: false,
  },
  {
    name: 'Exchange\'s text-only receipt titled "配信済み:" (Japanese) is a delivery report',
    mail: exchangeDelivered('=?UTF-8?B?6YWN5L+h5riI44G/OiBZb3VyIG9yZGVyIDEyMzQ=?=', 'メッセージは次の受信者に配信されました:'),
    kind: 'delivery-report',
    recipients: ['jane@dest.example'],
    category: 'accepted',
    hard: false,
  },
  {
    name: 'Exchange\'s text-only receipt titled "Zugestellt:" (German) is a delivery report',
    mail: exchangeDelivered('Zugestellt: Your order 1234', 'Die Nachricht wurde an folgende Empfänger übermittelt:'),
    kind: 'delivery-report',
    recipients: ['jane@dest.example'],
    category: 'accepted',
    hard: false,
  },
]);

test("Sendmail's transcript for two recipients gives each the reply to its own RCPT, which does not name it, before Sendmail's own line", async () => {
  const r = await parseBounce(
    plain(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mail.shop.example>', 'To: bounces@shop.example', 'Subject: Returned mail: see transcript for details'],
      [
        '   ----- The following addresses had permanent fatal errors -----',
        '<ann@dest.example>',
        '<bob@dest.example>',
        '',
        '   ----- Transcript of session follows -----',
        '... while talking to mx1.dest.example.:',
        '>>> RCPT To:<ann@dest.example>',
        '<<< 552 Requested mail action aborted: exceeded storage allocation',
        '554 5.0.0 <ann@dest.example>... Service unavailable',
        '>>> RCPT To:<bob@dest.example>',
        '<<< 550 Requested action not taken: mailbox unavailable',
        '550 5.1.1 <bob@dest.example>... User unknown',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['ann@dest.example', 'mailbox-full', false],
      ['bob@dest.example', 'mailbox-unknown', true],
    ],
  );
});

const postfixNotice = (to: string, failed: string, reply: string): string[] => [
  'From: MAILER-DAEMON@mail.dest.example (Mail Delivery System)',
  `To: ${to}`,
  'Subject: Undelivered Mail Returned to Sender',
  '',
  ...postfixOpening('mail.dest.example'),
  '',
  `<${failed}>: host mx.dest.example[192.0.2.25] said: ${reply} (in reply to RCPT TO command)`,
];

test('a notice a person forwards as an attachment (message/rfc822) is read from the attachment', async () => {
  const r = await parseBounce(
    lines(
      'From: Jonas Muster <jonas@customer.example>',
      'To: bounces@shop.example',
      'Subject: Fwd: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="fw"',
      '',
      '--fw',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'Forwarded as attachment.',
      '',
      '--fw',
      'Content-Type: message/rfc822; name="Undelivered Mail Returned to Sender.eml"',
      'Content-Disposition: attachment; filename="Undelivered Mail Returned to Sender.eml"',
      '',
      ...postfixNotice('jonas@customer.example', 'ann@dest.example', '550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown'),
      '--fw--',
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['ann@dest.example', 'mailbox-unknown', true]],
  );
});

noticeCases([
  {
    name: 'a notice forwarded by Gmail in Dutch ("Doorgestuurd bericht", "Van:") is read below the separator: the postmaster who sent it is no recipient',
    mail: plain(
      ['From: Daan <daan@customer.example>', 'To: support@shop.example', 'Subject: Fwd: Undeliverable: test'],
      [
        'Zie hieronder, dit kreeg mijn collega terug.',
        '',
        '---------- Doorgestuurd bericht ---------',
        'Van: Microsoft Outlook <postmaster@corp.dest.example>',
        'Date: vr 18 aug. 2026 om 00:35',
        'Subject: Undeliverable: test',
        'To: Dan <dan@corp.dest.example>',
        '',
        '',
        'Delivery has failed to these recipients or groups:',
        '',
        'ann@dest.example',
        "The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.",
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a notice forwarded by Apple Mail in French and quoted with "> " ("De:", "Objet:", "À:") is read unquoted: its "À:" addressee is no recipient',
    mail: plain(
      ['From: Fred <fred@customer.example>', 'To: postmaster@shop.example', 'Subject: Fwd: Undelivered Mail Returned to Sender'],
      [
        'Bonjour, je ne comprends pas ce retour.',
        '',
        '> Début du message réexpédié :',
        '> ',
        '> De: MAILER-DAEMON@mail.dest.example (Mail Delivery System)',
        '> Objet: Undelivered Mail Returned to Sender',
        '> Date: 17 octobre 2026 à 09:43:13 UTC+2',
        '> À: list-owner@lists.customer.example',
        '> ',
        ...postfixNotice('x', 'ann@dest.example', '554 5.7.1 Message rejected as spam')
          .slice(4)
          .map((l) => `> ${l}`),
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'content-or-spam',
    hard: false,
  },
  {
    name: 'Outlook 2000\'s forward wraps "From: … [mailto:…]" over two lines: the notice below is still read, never the forwarder\'s signature',
    mail: plain(
      ['From: Richard <richard@customer.example>', 'To: support@shop.example', 'Subject: FW: failure notice'],
      [
        'The domain has a web site, so it should be OK?',
        '',
        '-----Original Message-----',
        'From: MAILER-DAEMON@mail.customer.example',
        '[mailto:MAILER-DAEMON@mail.customer.example]',
        'Sent: Tuesday, October 05, 2026 9:00 AM',
        'To: richard@customer.example',
        'Subject: failure notice',
        '',
        'Hi. This is the qmail-send program at mail.customer.example.',
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        '',
        '<ann@dest.example>:',
        "Sorry, I couldn't find any host named dest.example. (#5.1.2)",
        '',
        'Ciao',
        'Richard',
        '---',
        'richard@rfi.example',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'domain-unknown',
    hard: true,
  },
  {
    name: 'Outlook\'s Spanish notice ("Sin entregar:", "\'<addr>\' en 16/03/2026 16:48") forwarded by a person ("RV:") is a bounce for that address',
    mail: plain(
      ['From: Logistica <logistica@shop.example>', 'To: bounces@shop.example', 'Subject: RV: Sin entregar: Pedido'],
      [
        '¿Sabéis por qué me devuelve esto?',
        '',
        'De: Administrador del sistema',
        'Enviado el: lunes, 16 de marzo de 2026 16:48',
        'Para: logistica@shop.example',
        'Asunto: Sin entregar: Pedido',
        '',
        'Algunos de los destinatarios no recibieron su mensaje.',
        '',
        '      Asunto:\tPedido',
        '      Enviado el:\t16/03/2026 16:48',
        '',
        'No se puede localizar a los destinatarios siguientes:',
        '',
        "      'ann@dest.example' en 16/03/2026 16:48",
        "            Error del servidor: '550 5.1.1 User unknown'",
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a notice whose only reason is its opening sentence ("the recipient e-mail Address has been deactivated") reads it: a disabled mailbox',
    mail: plain(
      ['From: Mail Notification <MAILER-DAEMON@mail.dest.example>', 'To: bounces@shop.example', 'Subject: Inactive ID Notification.'],
      [
        'You have received this notification, as the recipient e-mail Address has been deactivated.',
        '',
        'Original Envelope Sender: bounces@shop.example',
        'Envelope Recipient: ann@dest.example',
        'Subject: Spring offers',
        '',
        'Message Administrator',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-disabled',
    hard: false,
  },
  {
    name: "Exchange's encapsulated directory name (IMCEAEX-…) is no recipient: the returned copy's address is",
    mail: plain(
      ['From: Microsoft Outlook <postmaster@corp.dest.example>', 'To: bounces@shop.example', 'Subject: Undeliverable: test'],
      [
        'Delivery has failed to these recipients or groups:',
        '',
        'Ann Example',
        "The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.",
        '',
        'Diagnostic information for administrators:',
        '',
        'Generating server: EX01.corp.dest.example',
        '',
        'IMCEAEX-_o=First+20Organization_ou=Exchange+20Administrative+20Group_cn=Recipients_cn=ann@corp.dest.example',
        "Remote Server returned '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found'",
        '',
        'Original message headers:',
        '',
        'From: News <news@shop.example>',
        'To: Ann Example <ann@dest.example>',
        'Subject: test',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
]);

const REPORT_HEAD = ['From: Mail Delivery System <MAILER-DAEMON@mail.dest.example>', 'To: bounces@shop.example', 'Subject: Undeliverable: March newsletter'];

test('a report whose Final-Recipient names no Internet mailbox (a local name, LOCAL;<display name>, a Notes name) takes the address its text gives', async () => {
  const cases: [string, string, string][] = [
    ['rfc822; jsmith', '<jsmith@dest.example>: unknown user: "jsmith"', 'jsmith@dest.example'],
    ['LOCAL;Uma Vance', 'uma.vance@dest.example on 3/3/2026 10:00 AM\n            The recipient name is not recognized', 'uma.vance@dest.example'],
    [
      'X-Notes; Kim Lee/ACME@ACME',
      'Your message was not delivered to: kim@dest.example because: User kim@dest.example not listed in Domino Directory',
      'kim@dest.example',
    ],
  ];
  for (const [finalRecipient, text, address] of cases) {
    const r = await parseBounce(
      Buffer.from(
        deliveryReport(
          REPORT_HEAD,
          [...text.split('\n'), ''],
          ['Reporting-MTA: dns; mail.dest.example', '', `Final-Recipient: ${finalRecipient}`, 'Action: failed', 'Status: 5.1.1'],
        ).join('\r\n'),
      ),
    );
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.hard]),
      [[address, true]],
      finalRecipient,
    );
  }
});

test("a report without blank lines between recipients, in Sendmail's order (Original-Recipient first), gives each its own fields", async () => {
  const r = await parseBounce(
    Buffer.from(
      deliveryReport(
        REPORT_HEAD,
        ['The original message was received from relay.shop.example', ''],
        [
          'Reporting-MTA: dns; mail.dest.example',
          '',
          'Original-Recipient: rfc822;amy@dest.example',
          'Final-Recipient: RFC822; amy@dest.example',
          'Action: failed',
          'Status: 5.1.1',
          'Diagnostic-Code: SMTP; 550 5.1.1 <amy@dest.example>... User unknown',
          'Original-Recipient: rfc822;ben.sales@dest.example',
          'Final-Recipient: RFC822; ben@dest.example',
          'Action: failed',
          'Status: 5.2.2',
          'Diagnostic-Code: SMTP; 552 5.2.2 <ben@dest.example>... Mailbox full',
        ],
      ).join('\r\n'),
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.final_recipient, x.category, x.hard]),
    [
      ['amy@dest.example', 'amy@dest.example', 'mailbox-unknown', true],
      ['ben.sales@dest.example', 'ben@dest.example', 'mailbox-full', false],
    ],
  );
});

noticeCases([
  {
    name: 'AT&T\'s "You are not allowed to send e-mail to <addr>" names the failed address, not a help desk to write to',
    mail: plain(
      ['From: MAILER-DAEMON@mail.shop.example', 'To: bounces@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
      ['Your message could not be delivered.', '', 'net 001: You are not allowed to send e-mail to ann@dest.example.', '', 'Recipient: <ann@dest.example>'],
    ),
    recipients: ['ann@dest.example'],
    // (No code and no status: a refusal's words alone, "not allowed", decide only a reply known to be permanent.)
    category: 'unknown',
    hard: false,
  },
  {
    name: 'a sending relay\'s own smarthost not found ("DNS lookup failure: host smarthost.provider.example not found") says nothing of the recipient\'s domain: soft',
    mail: plain(
      ['From: MAILER-DAEMON <>', 'To: user@shop.example', 'Subject: Mail delivery failed'],
      [
        'This is the DragonFly Mail Agent v0.11 at shop.',
        '',
        'There was an error delivering your mail to <ann@dest.example>.',
        '',
        'remote delivery failed: DNS lookup failure: host smarthost.provider.example not found',
        '',
        'Message headers follow.',
        '',
        'From: user@shop.example',
        'To: ann@dest.example',
        'Subject: cron output',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'dns-failure',
    hard: false,
  },
  {
    name: "the recipient's own domain not found in the same words stays hard",
    mail: plain(
      ['From: MAILER-DAEMON <>', 'To: user@shop.example', 'Subject: Mail delivery failed'],
      ['There was an error delivering your mail to <ann@dest.example>.', '', 'remote delivery failed: DNS lookup failure: host dest.example not found'],
    ),
    recipients: ['ann@dest.example'],
    category: 'domain-unknown',
    hard: true,
  },
]);

test("a report that returns no copy names the original by the report's X-Original-Message-ID, else by the notice's In-Reply-To", async () => {
  const fields = ['Reporting-MTA: dns; googlemail.example', '', 'Final-Recipient: rfc822; ann@dest.example', 'Action: failed', 'Status: 5.1.1'];
  const head = ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>', 'To: news@shop.example', 'Subject: Delivery Status Notification (Failure)'];
  const gmail = await parseBounce(
    Buffer.from(
      deliveryReport(head, ["Your message wasn't delivered to ann@dest.example.", ''], [...fields, 'X-Original-Message-ID: <spring-1@shop.example>']).join(
        '\r\n',
      ),
    ),
  );
  assert.equal(gmail.original_message_id, '<spring-1@shop.example>');
  const answered = await parseBounce(
    Buffer.from(
      deliveryReport([...head, 'In-Reply-To: <spring-2@shop.example>'], ["Your message wasn't delivered to ann@dest.example.", ''], fields).join('\r\n'),
    ),
  );
  assert.equal(answered.original_message_id, '<spring-2@shop.example>');
});

test("Postfix's verification that stalled on a DNS 'try again', reported after the queue lifetime, proves nothing of the address: soft", async () => {
  const r = await parseBounce(
    Buffer.from(
      deliveryReport(
        POSTFIX_HEAD,
        [
          ...postfixOpening('mail.shop.example'),
          '',
          '<ann@dest.example>: host mx.filter.example[198.51.100.7] said: 450',
          '    4.1.1 <ann@dest.example>: Recipient address rejected: unverified',
          '    address: Host or domain name not found. Name service error for',
          '    name=dest.example type=MX: Host not found, try again (in reply to RCPT',
          '    TO command)',
          '',
        ],
        [
          'Reporting-MTA: dns; mail.shop.example',
          '',
          'Final-Recipient: rfc822; ann@dest.example',
          'Action: failed',
          'Status: 4.1.1',
          'Diagnostic-Code: smtp; 450 4.1.1 <ann@dest.example>: Recipient address rejected: unverified address: Host or domain name not found. Name service error for name=dest.example type=MX: Host not found, try again',
        ],
      ).join('\r\n'),
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.hard]),
    [['ann@dest.example', false]],
  );
});

test("an answer to a meeting request (text/calendar REPLY) is no notice, whatever its title; a postmaster desk's reply to a request is none either", async () => {
  const accepted = lines(
    'From: Jane Doe <jane@dest.example>',
    'To: news@shop.example',
    'Subject: Accepted: Monthly Delivery Report review',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="cal"',
    '',
    '--cal',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please also invite',
    'anna.schmidt@corp.example',
    'she owns the carrier figures.',
    '',
    '--cal',
    'Content-Type: text/calendar; charset="utf-8"; method=REPLY',
    '',
    'BEGIN:VCALENDAR',
    'METHOD:REPLY',
    'BEGIN:VEVENT',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:jane@dest.example',
    'SUMMARY:Monthly Delivery Report review',
    'END:VEVENT',
    'END:VCALENDAR',
    '--cal--',
  );
  const desk = plain(
    [
      'From: Dest Postmaster <postmaster@mx.dest.example>',
      'To: admin@shop.example',
      'Subject: Re: 554 None/bad reputation - please reset 192.0.2.44',
      'In-Reply-To: <req-1@shop.example>',
    ],
    ['Hello,', '', 'the reputation of 192.0.2.44 will be reset within 24 hours.', '', 'Regards, your postmaster team'],
  );
  for (const [name, mail] of [
    ['calendar reply', accepted],
    ['postmaster desk reply', desk],
  ] as const) {
    const r = await parseBounce(mail);
    assert.equal(r.kind, 'not-a-bounce', name);
    assert.deepEqual(r.recipients, [], name);
  }
});

const AMAVIS_HEAD = ['From: Content-filter at mail.dest.example <postmaster@dest.example>', 'To: bounces@shop.example', 'Auto-Submitted: auto-generated'];

noticeCases([
  {
    name: 'amavis\'s BANNED notice quoting the message\'s headers above "The message WAS NOT relayed to: <addr>:" names that recipient (its headers are no returned copy)',
    mail: plain(
      [...AMAVIS_HEAD, 'Subject: BANNED contents (.exe) in mail FROM <bounces@shop.example>'],
      [
        'No viruses were found.',
        '',
        'Banned name: .exe,invoice.exe',
        'Content type: Banned',
        '',
        'Return-Path: <bounces@shop.example>',
        'From: Shop <bounces@shop.example>',
        'Message-ID: <spring-3@shop.example>',
        'Subject: Your invoice',
        'The message has been quarantined as: r/banned-rlLTtU5Wo0ym',
        '',
        'The message WAS NOT relayed to:',
        '<ann@dest.example>:',
        '  250 2.7.0 Ok, discarded, id=30329-04 - BANNED: .exe',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'virus',
    hard: false,
  },
  {
    name: 'amavis\'s BANNED FILENAME ALERT names its reason only in its own line ("banned name: …"): a virus verdict',
    mail: plain(
      [...AMAVIS_HEAD, 'Subject: BANNED FILENAME ALERT'],
      [
        'BANNED FILENAME ALERT',
        '',
        'Our content checker found',
        '    banned name: .exe,invoice.pdf.exe',
        '',
        'in email presumably from you (bounces@shop.example),',
        'to the following recipient:',
        '-> ann@dest.example',
        '',
        'Delivery of the email was stopped!',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'virus',
    hard: false,
  },
]);

test('a title alone does not make a notice: a help desk\'s acknowledgement is an auto-reply, a text naming no failure is none; a postmaster\'s notice titled "Re:" with its own reply code stays one', async () => {
  const ack = await parseBounce(
    plain(
      [
        'From: Acme Support <support@help.dest.example>',
        'To: bounces@shop.example',
        'Subject: [Request received] Your parcel could not be delivered',
        'In-Reply-To: <parcel-5521@shop.example>',
      ],
      [
        'Your request (5511) has been received and is being reviewed by our support staff.',
        '',
        'To add additional comments, reply to this email.',
        '',
        '----------------------------------------------',
        '',
        'your parcel 00340434161094042557 could not be delivered on 3 March because the recipient was not at home.',
      ],
    ),
  );
  assert.equal(ack.kind, 'auto-reply');
  const alert = await parseBounce(
    plain(
      ['From: Zabbix <zabbix@monitor.shop.example>', 'To: bounces@shop.example', 'Subject: Problem: delivery status notification queue on mx1'],
      ['Problem started at 02:09:57 on 2026.02.14', 'Host: mx1.shop.example', 'Severity: High'],
    ),
  );
  assert.equal(alert.kind, 'not-a-bounce');
  assert.deepEqual(alert.recipients, []);
  const notice = await parseBounce(
    plain(
      ['From: postmaster@mail.dest.example', 'To: bounces@shop.example', 'Subject: Re: Your order 1234', 'In-Reply-To: <order-1234@shop.example>'],
      ['Your message could not be delivered.', '', 'Recipient: <ann@dest.example>', 'Reason: 550 5.1.1 <ann@dest.example>... User unknown'],
    ),
  );
  assert.deepEqual(
    notice.recipients.map((x) => [x.address, x.hard]),
    [['ann@dest.example', true]],
  );
});

test("Sendmail's \"(reason: 550-5.7.1 …)\" keeps a reply's first line only: the transcript's other lines of that reply decide", async () => {
  const r = await parseBounce(
    plain(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mail.shop.example>', 'To: bounces@shop.example', 'Subject: Returned mail: see transcript for details'],
      [
        '   ----- The following addresses had permanent fatal errors -----',
        '<ann@dest.example>',
        '    (reason: 550-5.7.1 [2001:db8::3d] Our system has detected that this message is not)',
        '',
        '   ----- Transcript of session follows -----',
        '... while talking to mx.dest.example.:',
        '>>> DATA',
        '<<< 550-5.7.1 [2001:db8::3d] Our system has detected that this message is not',
        '<<< 550-5.7.1 RFC 5322 compliant: duplicate headers. To reduce the amount of spam',
        '<<< 550-5.7.1 sent to Gmail, this message has been blocked. Please review',
        '<<< 550 5.7.1  RFC 5322 specifications for more information. - gsmtp',
        '554 5.0.0 Service unavailable',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['ann@dest.example', 'protocol-error', false]],
  );
});

/** qmail's notice for one recipient: its framing line (about the remote's IP), then the remote's reply. */
const qmailNotice = (framing: string, reply: string): Buffer =>
  plain(
    ['From: MAILER-DAEMON@mail.shop.example', 'To: bounces@shop.example', 'Subject: failure notice'],
    [
      'Hi. This is the qmail-send program at mail.shop.example.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.",
      '',
      '<ann@dest.example>:',
      `192.0.2.10 ${framing}`,
      `Remote host said: ${reply}`,
      'Giving up on 192.0.2.10.',
    ],
  );

noticeCases([
  {
    name: 'qmail\'s "failed after I sent the message" is the DATA stage: a "no such user" there is a filter\'s (soft), as live after DATA',
    mail: qmailNotice('failed after I sent the message.', '550 Mailbox has been deleted'),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'qmail\'s "Remote host said:" is no word about a host: a 5.1.2 "Mailbox does not exist" is a missing mailbox, as in every MTA\'s notice',
    mail: qmailNotice('does not like recipient.', '550 5.1.2 Mailbox does not exist'),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'qmail\'s "does not like recipient" framing does not outweigh a filter\'s refusal under a 5.5.x status',
    mail: qmailNotice('does not like recipient.', '503 5.5.3 Message rejected by recipient filter'),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'a Sendmail transcript whose refusal answers the data\'s closing ">>> ." is the DATA stage: "no such user" there is soft',
    mail: plain(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mail.shop.example>', 'To: bounces@shop.example', 'Subject: Returned mail: see transcript for details'],
      [
        '   ----- The following addresses had permanent fatal errors -----',
        '<ann@dest.example>',
        '    (reason: 550 Mailbox has been deleted)',
        '',
        '   ----- Transcript of session follows -----',
        '... while talking to mx.dest.example.:',
        '>>> DATA',
        '<<< 354 Enter mail, end with "." on a line by itself',
        '>>> .',
        '<<< 550 Mailbox has been deleted',
        '554 5.0.0 Service unavailable',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
]);

test("a list manager's reports on its members' errors are no failure of the mail they answer: LISTSERV's monitoring report and loop check, ezmlm's warning", async () => {
  const listserv = plain(
    [
      'From: "L-Soft list server at Dest (16.0)" <LISTSERV@LISTSERV.DEST.EXAMPLE>',
      'To: bounces@shop.example',
      'Subject: CAMPUS-NEWS: Daily error monitoring report',
    ],
    [
      'The  following  address is  currently  being  monitored: (Remember,  some',
      'addresses may not be subscribers.)',
      '',
      'Err First Last  Address',
      '--- ----- ----- -------',
      '  1 03/13 03/13 student@dest.example',
      '                Last error: 5.1.10 550 5.1.10 RESOLVER.ADR.RecipientNotFound;',
      '                            Recipient not found by SMTP address lookup',
      '',
      'Subscribers will  be automatically  deleted from  the list  when delivery',
      'errors have been  reported for a period  of 4 days or more.',
    ],
  );
  const loopCheck = plain(
    [
      'From: "L-Soft list server at Dest (16.0)" <LISTSERV@LSV.DEST.EXAMPLE>',
      'To: owner-CLUB-L@LSV.DEST.EXAMPLE',
      'Subject: CLUB-L: error report from SHOP.EXAMPLE',
    ],
    [
      'The enclosed message, found in the CLUB-L mailbox and shown under the spool ID',
      '12345678 in the system  log, has been identified  as a possible delivery',
      'error notice  for the  following reason:  "Sender:", "From:"  or "Reply-To:"',
      'field pointing to the list has been found in mail body.',
    ],
  );
  const ezmlm = plain(
    [
      'From: news-help@lists.dest.example',
      'To: ann@shop.example',
      'Subject: ezmlm warning',
      'Mailing-List: contact news-help@lists.dest.example; run by ezmlm',
    ],
    [
      "Hi! This is the ezmlm program. I'm managing the",
      'news@lists.dest.example mailing list.',
      '',
      'Messages to you from the news mailing list seem to',
      "have been bouncing. I've attached a copy of the first bounce",
      'message I received.',
      '',
      'To retrieve a set of messages 123-145, send an empty message to:',
      '   <news-get.123_145@lists.dest.example>',
      '',
      '--- Enclosed is a copy of the bounce message I received.',
      '',
      'Hi. This is the qmail-send program at mail.shop.example.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      '',
      '<ann@shop.example>:',
      'Sorry, no mailbox here by that name. (#5.1.1)',
    ],
  );
  for (const [name, mail] of [
    ['LISTSERV monitoring report', listserv],
    ['LISTSERV loop check', loopCheck],
    ['ezmlm warning', ezmlm],
  ] as const) {
    const r = await parseBounce(mail);
    assert.equal(r.kind, 'not-a-bounce', name);
    assert.deepEqual(r.recipients, [], name);
  }
});

test('Postfix\'s "(expanded from <alias>)" wrapped over two lines names one recipient: the alias we sent to, failed at its target', async () => {
  const r = await parseBounce(
    plain(POSTFIX_HEAD, [
      ...postfixOpening('mail.dest.example'),
      '<firstname.lastname.classof1999@longmailprovider.example> (expanded from',
      '    <f.lastname@alumni.dest.example>): host',
      '    mx.longmailprovider.example[198.51.100.77] said: 552 5.2.2 Mailbox full',
      '    (in reply to RCPT TO command)',
    ]),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.final_recipient, x.category, x.hard]),
    [['f.lastname@alumni.dest.example', 'firstname.lastname.classof1999@longmailprovider.example', 'mailbox-full', false]],
  );
});

test('Exchange\'s "##rfc822;<address>" after its diagnostic is the address we sent to, when the failed one is another', async () => {
  const r = await parseBounce(
    plain(
      ['From: Microsoft Outlook <postmaster@dest.example>', 'To: bounces@shop.example', 'Subject: Undeliverable: Booking confirmation'],
      [
        'Delivery has failed to these recipients or groups:',
        '',
        'ann.m@tenant.mail.onmicrosoft.example',
        'The server has tried to deliver this message, without success, and has stopped trying. Please try sending this message again. If the problem continues, contact your helpdesk.',
        '',
        'Diagnostic information for administrators:',
        '',
        'Generating server: mail.dest.example',
        '',
        'ann.m@tenant.mail.onmicrosoft.example',
        '#550 4.4.7 QUEUE.Expired; message expired ##rfc822;ann@dest.example',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.final_recipient, x.original_recipient, x.category, x.hard]),
    [['ann@dest.example', 'ann.m@tenant.mail.onmicrosoft.example', 'ann@dest.example', 'expired', false]],
  );
});
