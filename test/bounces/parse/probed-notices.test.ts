/**
 * What the session-44 probes of the parser showed (issue 16: six helpers wrote about 370 notices and reply lines from
 * small-business mail servers' knowledge bases, national providers' help pages, delay notices, auto-replies and list
 * managers, block-list operators' documented replies, and notices as they come encoded; all kept outside the
 * repository). Each case is written here from the wording the sources document, with made-up addresses and hosts:
 * maildrop's quota refusal, a report's specific Status under a bare 5.0.0, Exchange's DNS sentence and proxy failure,
 * an internationalised domain, a notice forwarded below "-----Original Message-----", a server checking our sender
 * at DATA, a "Not read" receipt without Reporting-UA, list managers refusing a post, and auto-reply marks.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { type NoticeCase, noticeCases } from '../../helpers/notice-cases.js';
import { deliveryReport, EXIM_PERMANENT_OPENING, postfixOpening } from '../../helpers/notice-text.js';

const lines = (...l: string[]): Buffer => Buffer.from([...l, ''].join('\r\n'));

const plain = (headers: string[], body: string[]): Buffer => lines(...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', '', ...body);

const QMAIL_HEAD = ['From: MAILER-DAEMON@mail.host.example', 'To: bounces@shop.example', 'Subject: failure notice'];
const QMAIL_OPENING = [
  'Hi. This is the qmail-send program at mail.host.example.',
  "I'm afraid I wasn't able to deliver your message to the following addresses.",
  "This is a permanent error; I've given up. Sorry it didn't work out.",
  '',
];
const RETURNED = (to: string): string[] => [
  '--- Below this line is a copy of the message.',
  '',
  'From: News <news@shop.example>',
  `To: ${to}`,
  'Subject: Spring offers',
  '',
  'Hello.',
];
const EXIM_HEAD = [
  'From: Mail Delivery System <Mailer-Daemon@mx.shop.example>',
  'To: bounces@shop.example',
  'Subject: Mail delivery failed: returning message to sender',
];

/** 1&1/IONOS's own notice (Exim's layout, its "SMTP error from remote server for … command" lines). */
const ionos = (paragraph: string[]): Buffer =>
  plain(
    [
      'From: Mail Delivery System <mailer-daemon@kundenserver.example>',
      'To: bounces@shop.example',
      'Subject: Mail delivery failed: returning message to sender',
    ],
    [
      'This message was created automatically by mail delivery software.',
      '',
      'A message that you sent could not be delivered to one or more of',
      'its recipients. This is a permanent error. The following address(es)',
      'failed:',
      '',
      ...paragraph,
    ],
  );

const CASES: NoticeCase[] = [
  {
    // qmail hosts document maildrop's refusal as "not enough space in the recipient's account".
    name: 'maildrop\'s "maildir over quota" under qmail is a full mailbox, not a mailer error',
    mail: plain(QMAIL_HEAD, [...QMAIL_OPENING, '<office@client.example>:', 'maildrop: maildir over quota.', '', ...RETURNED('office@client.example')]),
    recipients: ['office@client.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    // GMX's help page: "Permission denied. Command output: maildrop: maildir over quota" means the mailbox is full.
    name: 'GMX\'s "Permission denied. Command output: maildrop: maildir over quota" after DATA is a full mailbox',
    mail: plain(
      [...EXIM_HEAD, 'X-Failed-Recipients: grandma@mail.example'],
      [
        ...EXIM_PERMANENT_OPENING,
        '  grandma@mail.example',
        '    host mx01.mail.example [192.0.2.9]',
        '    SMTP error from remote mail server after end of data:',
        '    550 Permission denied. Command output: maildrop: maildir over quota',
      ],
    ),
    recipients: ['grandma@mail.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    // Exchange 5.5–2003 write this for a domain that is not in DNS (#5.4.0); it names no mailbox.
    name: 'Exchange\'s "destination server for this recipient could not be found in Domain Name Service" is an unknown domain',
    mail: plain(
      ['From: System Administrator <postmaster@exch.shop.example>', 'To: bounces@shop.example', 'Subject: Undeliverable: Spring offers'],
      [
        'Your message did not reach some or all of the intended recipients.',
        '',
        '      Subject:  Spring offers',
        '',
        'The following recipient(s) could not be reached:',
        '',
        '      friend@recipient-typo.example on 8/4/2004 9:00 AM',
        '            The destination server for this recipient could not be found in Domain Name Service (DNS).  Please verify the email address and retry.',
        '            <exch.shop.example #5.4.0>',
      ],
    ),
    recipients: ['friend@recipient-typo.example'],
    category: 'domain-unknown',
    hard: true,
  },
  {
    // Exchange Online's proxy to its frontend failed on DNS; the report's Status is the summary 5.7.0.
    name: 'Exchange Online\'s "SMTPSEND.DNS.NonExistentDomain" under a 5.7.0 summary is an unknown domain',
    mail: lines(
      ...deliveryReport(
        ['From: Microsoft Outlook <postmaster@tenant.example>', 'To: bounces@shop.example', 'Subject: Undeliverable: Spring offers'],
        ["Your message to buyer@no-such-shop.example couldn't be delivered.", ''],
        [
          'Reporting-MTA: dns;AM0PR01MB0001.eurprd01.prod.outlook.com',
          '',
          'Final-recipient: rfc822;buyer@no-such-shop.example',
          'Action: failed',
          'Status: 5.7.0',
          "Diagnostic-Code: smtp;550 5.7.0 Proxy session setup failed on Frontend with '554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain'",
        ],
      ),
    ),
    recipients: ['buyer@no-such-shop.example'],
    category: 'domain-unknown',
    hard: true,
  },
  {
    // web.de's help page gives Exim's "Unrouteable domain" for a typo after the @.
    name: 'Exim\'s "Unrouteable domain" is an unknown domain',
    mail: plain(EXIM_HEAD, [...EXIM_PERMANENT_OPENING, '  anna@mail.dee', '    Unrouteable domain']),
    recipients: ['anna@mail.dee'],
    category: 'domain-unknown',
    hard: true,
  },
  {
    // Exim prints the address it was given; a notice without X-Failed-Recipients names it only in the text.
    name: 'an address with an internationalised domain in the notice text is found',
    mail: plain(EXIM_HEAD, [
      ...EXIM_PERMANENT_OPENING,
      '  info@grå.example',
      '    host mx.grå.example [192.0.2.44]',
      '    SMTP error from remote mail server after RCPT TO:<info@grå.example>:',
      '    550 5.1.1 User unknown',
    ]),
    recipients: ['info@grå.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    // Outlook's forward quotes the notice's own headers below its separator: they are no returned copy.
    name: 'a Postfix notice a person forwarded below "-----Original Message-----" gives its recipient, never our own address',
    mail: plain(
      ['From: Office Admin <admin@shop.example>', 'To: bounces@shop.example', 'Subject: FW: Undelivered Mail Returned to Sender'],
      [
        'Forwarding the bounce.',
        '',
        '-----Original Message-----',
        'From: Mail Delivery System <MAILER-DAEMON@smtp.shop.example>',
        'Sent: Wednesday, November 18, 2020 1:47 PM',
        'To: bounces@shop.example',
        'Subject: Undelivered Mail Returned to Sender',
        '',
        ...postfixOpening('smtp.shop.example'),
        '<kim@dest.example>: host mail.dest.example[198.51.100.7] said: 550 5.1.1 No such',
        '    user: <kim@dest.example> (in reply to RCPT TO command)',
      ],
    ),
    recipients: ['kim@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    // A server checking our envelope sender at DATA: "no such user" names our address; 5.1.8 is a bad sender.
    name: 'a server\'s "no such user <our sender>" at DATA is about our sender, not the recipient',
    mail: lines(
      ...deliveryReport(
        ['From: Mail Delivery Subsystem <MAILER-DAEMON@relay.shop.example>', 'To: bounces@shop.example', 'Subject: Returned mail: see transcript for details'],
        [
          '   ----- The following addresses had permanent fatal errors -----',
          '<pat@dest.example>',
          "    (reason: 550 <bounces@shop.example> doesn't exist according to 192.0.2.16: 550 no such user <bounces@shop.example> (#5.1.8))",
          '',
          '   ----- Transcript of session follows -----',
          '... while talking to mx.dest.example.:',
          '>>> DATA',
          "<<< 550 <bounces@shop.example> doesn't exist according to 192.0.2.16: 550 no such user <bounces@shop.example> (#5.1.8)",
          '550 5.1.1 <pat@dest.example>... User unknown',
          '<<< 503 RCPT first',
        ],
        [
          'Reporting-MTA: dns; relay.shop.example',
          '',
          'Final-Recipient: RFC822; pat@dest.example',
          'Action: failed',
          'Status: 5.1.1',
          'Remote-MTA: DNS; mx.dest.example',
          "Diagnostic-Code: SMTP; 550 <bounces@shop.example> doesn't exist according to 192.0.2.16: 550 no such user <bounces@shop.example> (#5.1.8)",
        ],
      ),
    ),
    recipients: ['pat@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    // Sendmail's older wording for a message that stayed in its queue too long (the Digital UNIX manual's).
    name: 'Sendmail\'s "Cannot send message for 3 days" is an expired message',
    mail: plain(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mail.shop.example>', 'To: bounces@shop.example', 'Subject: Returned mail: Cannot send message for 3 days'],
      [
        '   ----- The following addresses had permanent fatal errors -----',
        'jdoe@dest.example',
        '',
        '   ----- Transcript of session follows -----',
        'jdoe@dest.example... Cannot send message for 3 days',
      ],
    ),
    recipients: ['jdoe@dest.example'],
    category: 'expired',
    hard: false,
  },
  {
    // mlmmj's deny-post text: the list is named before "mailing list", the post came back attached.
    name: "mlmmj's refusal of a post from a non-subscriber is a policy refusal of the list address",
    mail: plain(
      ['From: announce+owner@lists.example.net', 'To: bounces@shop.example', 'Subject: Post to announce@lists.example.net denied: Spring offers'],
      [
        'Hi, this is the mlmmj program managing the <announce@lists.example.net>',
        'mailing list.',
        '',
        'The message from bounces@shop.example with subject "Spring offers" was unable',
        'to be delivered to the list because you are not a list subscriber.',
      ],
    ),
    recipients: ['announce@lists.example.net'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'DoList\'s "You are not a subscriber" names the list it was sent to, not its administrator',
    mail: plain(
      ['From: listserver@lists.example.com', 'To: bounces@shop.example', "Subject: You cannot post to 'ANNOUNCE'"],
      [
        'You have sent an email to <announce@lists.example.com>',
        'but your mail has been refused for one of the following reasons :',
        '',
        '- You are not a subscriber to announce list, or',
        '',
        'If you have any further problems, please contact the Listserver administrator at :',
        '',
        '        owner@lists.example.com',
      ],
    ),
    recipients: ['announce@lists.example.com'],
    category: 'policy',
    hard: false,
  },
  {
    // Mailman 3: the list is named only by its returned post's To.
    name: 'Mailman 3\'s "The message is not from a list member" is a policy refusal of the list address',
    mail: plain(
      ['From: announce-owner@lists.example.org', 'To: bounces@shop.example', 'Subject: Request to mailing list "Announce" rejected'],
      [
        'Your message to the announce mailing-list was rejected for the following',
        'reasons:',
        '',
        'The message is not from a list member',
        '',
        'The original message as received by Mailman is attached.',
        '',
        '-----Original Message-----',
        'From: News <news@shop.example>',
        'To: announce@lists.example.org',
        'Subject: Spring offers',
        '',
        'Hello.',
      ],
    ),
    recipients: ['announce@lists.example.org'],
    category: 'policy',
    hard: false,
  },
  {
    // qmail-remote's temporary DNS failure, bounced after the queue lifetime: the domain may exist (GreenArrow's docs
    // list it as a deferral).
    name: 'qmail\'s "couldn\'t find any host by that name. (#4.1.2)" is a DNS failure for now, not an unknown domain',
    mail: plain(QMAIL_HEAD, [
      ...QMAIL_OPENING,
      '<ada@dest.example>:',
      "Sorry, I couldn't find any host by that name. (#4.1.2)",
      "I'm not going to try again; this message has been in the queue too long.",
      '',
      ...RETURNED('ada@dest.example'),
    ]),
    recipients: ['ada@dest.example'],
    category: 'dns-failure',
    hard: false,
  },
  {
    // A Hotmail report pasted into a thread: a blank line after every field, the recipient's group included.
    name: 'report fields written inline with a blank line after each are read as one report',
    mail: plain(
      ['From: postmaster@hotmail.example', 'To: bounces@shop.example', 'Subject: Delivery Status Notification (Failure)'],
      [
        'Delivery to the following recipients failed.',
        '',
        '       pal@isp.example',
        '',
        'Reporting-MTA: dns;BAY0-OMC3-S10.bay0.hotmail.example',
        '',
        'Received-From-MTA: dns;BAY121-W55',
        '',
        'Arrival-Date: Tue, 10 Jun 2008 14:21:03 -0700',
        '',
        'Final-Recipient: rfc822;pal@isp.example',
        '',
        'Action: failed',
        '',
        'Status: 5.5.0',
        '',
        'Diagnostic-Code: smtp;550 pal@isp.example unknown user account',
      ],
    ),
    recipients: ['pal@isp.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    // 1&1's own notice names the stage after its own words; IONOS documents the stock reply as "does not exist".
    name: '1&1\'s "SMTP error from remote server for RCPT TO command … mailbox unavailable" is a missing mailbox',
    mail: ionos([
      'kai@web.example:',
      'SMTP error from remote server for RCPT TO command, host: mx-ha03.web.example (192.0.2.17) reason: 550 Requested action not taken: mailbox unavailable',
    ]),
    recipients: ['kai@web.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    // Gmail's report of the same reply from a 1&1 mail exchanger, without the stage.
    name: 'the stock "mailbox unavailable" from a 1&1/IONOS exchanger is a missing mailbox without a stage',
    mail: lines(
      ...deliveryReport(
        ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>', 'To: bounces@shop.example', 'Subject: Delivery Status Notification (Failure)'],
        ['Delivery to the following recipient failed permanently:', '', '     olga@client.example', ''],
        [
          'Reporting-MTA: dns; googlemail.example',
          '',
          'Final-Recipient: rfc822; olga@client.example',
          'Action: failed',
          'Status: 5.0.0',
          'Remote-MTA: dns; mx00.1and1.es. (212.227.15.41, the server for the domain client.example.)',
          'Diagnostic-Code: smtp; 550 Requested action not taken: mailbox unavailable',
        ],
      ),
    ),
    recipients: ['olga@client.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    // IONOS's own notice: the stage after its own words, then the stock text and the policy reason (our IP blocked).
    name: 'IONOS\'s "for MAIL FROM command … mailbox unavailable … Reject due to policy restrictions" is a policy refusal, not a missing mailbox',
    mail: ionos([
      'miguel@client.example:',
      'SMTP error from remote server for MAIL FROM command, host: mx01.1and1.es (192.0.2.67) reason: 550-Requested action not taken: mailbox unavailable 550-Reject due to policy restrictions.',
      '550 For explanation visit http://postmaster.1and1.com/en/error-messages?ip=192.0.2.131&c=poli',
    ]),
    recipients: ['miguel@client.example'],
    category: 'policy',
    hard: false,
  },
  {
    // X-Failed-Recipients given once per address, on separate header lines: each line names one.
    name: 'several X-Failed-Recipients header lines each name a failed recipient',
    mail: plain(
      [...EXIM_HEAD, 'X-Failed-Recipients: p1@dest.example', 'X-Failed-Recipients: p2@dest.example'],
      [...EXIM_PERMANENT_OPENING, 'Unrouteable address'],
    ),
    recipients: ['p1@dest.example', 'p2@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
];

noticeCases(CASES);

test("a report's specific Status stays the status under a bare 5.0.0 in its diagnostic (Sendmail: the mailer's X.3.0)", async () => {
  const r = await parseBounce(
    lines(
      ...deliveryReport(
        ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.dest.example>', 'To: bounces@shop.example', 'Subject: Returned mail: see transcript for details'],
        ['   ----- Transcript of session follows -----', '550 5.0.0 <kit@dest.example>... Insufficient permission'],
        [
          'Reporting-MTA: dns; mx.dest.example',
          '',
          'Final-Recipient: RFC822; kit@dest.example',
          'Action: failed',
          'Status: 5.3.0',
          'Diagnostic-Code: X-Unix; 77',
        ],
      ),
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.status, x.category, x.hard]),
    [['kit@dest.example', '5.3.0', 'system-error', false]],
  );
});

/** An MDN of the kind Exchange sends, without Reporting-UA or Original-Message-ID. */
const receipt = (subject: string, words: string, disposition: string): Buffer =>
  lines(
    'From: Bob Reader <bob@corp.example>',
    'To: bounces@shop.example',
    `Subject: ${subject}`,
    'In-Reply-To: <offer-17@shop.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=disposition-notification; boundary="m"',
    '',
    '--m',
    'Content-Type: text/plain; charset=utf-8',
    '',
    words,
    '',
    '--m',
    'Content-Type: message/disposition-notification',
    '',
    'Final-Recipient: rfc822;bob@corp.example',
    `Disposition: automatic-action/MDN-sent-automatically; ${disposition}`,
    '',
    '--m--',
  );

test('an Exchange "Not read:" receipt without Reporting-UA is a delivery report; a receipt answers the message it names in In-Reply-To', async () => {
  for (const [subject, words] of [
    ['Not read: Spring offers', 'Your message was deleted without being read on 3/3/2026 9:00 AM.'],
    ['Nicht gelesen: Spring offers', 'Ihre Nachricht wurde am 03.03.2026 09:00 ungelesen gelöscht.'],
  ] as const) {
    const r = await parseBounce(receipt(subject, words, 'deleted'));
    assert.equal(r.kind, 'delivery-report', subject);
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.action]),
      [['bob@corp.example', 'delivered']],
    );
    assert.equal(r.original_message_id, '<offer-17@shop.example>');
  }
  const read = await parseBounce(receipt('Read: Spring offers', 'Your message was read on 3/3/2026 9:00 AM.', 'displayed'));
  assert.equal(read.original_message_id, '<offer-17@shop.example>');
});

const reply = (headers: string[]): Buffer => plain(['From: Pat Person <pat@dest.example>', 'To: news@shop.example', ...headers], ['I am away until Monday.']);

test("auto-replies known by their responders' own marks and localised titles", async () => {
  const cases: [string, string[]][] = [
    ['FirstClass', ['Subject: Re: Spring offers', 'X-FC-MachineGenerated: true']],
    ['Mailtraq', ['Subject: Re: Spring offers', 'X-POST-MessageClass: 9; Autoresponder']],
    ['qmail autoresponder', ['Subject: Re: Spring offers', 'Delivered-To: Autoresponder']],
    ['Automated reply', ['Subject: Automated reply: Spring offers']],
    ['Outlook, Italian (older)', ['Subject: Risposta Non al computer: Spring offers']],
    ['Outlook, Swedish', ['Subject: Frånvaro: Spring offers']],
    ['Outlook, Catalan', ['Subject: Resposta automàtica: Spring offers']],
    ['Outlook, Bulgarian', ['Subject: Автоматичен отговор: Spring offers']],
    ['Outlook, Lithuanian', ['Subject: Automatinis atsakymas: Spring offers']],
    ['Outlook, Estonian', ['Subject: Automaatvastus: Spring offers']],
    ['Outlook, Hebrew', ['Subject: =?utf-8?B?16rXqdeV15HXlCDXkNeV15jXldee15jXmdeqOiBTcHJpbmcgb2ZmZXJz?=']],
    ['Outlook, Arabic', ['Subject: =?utf-8?B?2LHYryDYqtmE2YLYp9im2Yo6IFNwcmluZyBvZmZlcnM=?=']],
  ];
  for (const [name, headers] of cases) assert.equal((await parseBounce(reply(headers))).kind, 'auto-reply', name);
  // Controls: a person's reply, and a header that says no.
  assert.equal((await parseBounce(reply(['Subject: Re: Spring offers']))).kind, 'not-a-bounce');
  assert.equal((await parseBounce(reply(['Subject: Re: Spring offers', 'X-FC-MachineGenerated: false']))).kind, 'not-a-bounce');
});

/** OpenSMTPD's notice with its success template (5.7.3 used it for failures too), one line per recipient. */
const opensmtpd = (line: string): Buffer =>
  plain(
    ['From: MAILER-DAEMON@mail.shop.example', 'To: bounces@shop.example', 'Subject: Delivery status notification'],
    [
      '    Hi!',
      '',
      '    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.',
      '',
      '    Your message was successfully delivered to these recipients.',
      '',
      line,
      '',
      '    Below is a copy of the original message:',
      '',
      'From: news@shop.example',
      'To: ann@dest.example',
      'Subject: Spring offers',
    ],
  );

test("OpenSMTPD 5.7.3's failures under its success template are failures; its real receipts stay receipts", async () => {
  const read = async (line: string) => {
    const r = await parseBounce(opensmtpd(line));
    return [r.kind, ...r.recipients.map((x) => [x.address, x.action, x.category])];
  };
  assert.deepEqual(await read('ann@dest.example: Envelope expired'), ['bounce', ['ann@dest.example', 'failed', 'expired']]);
  assert.deepEqual(await read('ann@dest.example: Network error on destination MXs'), ['bounce', ['ann@dest.example', 'failed', 'connection-failure']]);
  assert.deepEqual(await read('ann@dest.example: 250 2.0.0 Ok: queued as 4F2A1'), ['delivery-report', ['ann@dest.example', 'delivered', 'accepted']]);
  assert.deepEqual(await read('ann@dest.example'), ['delivery-report', ['ann@dest.example', 'delivered', 'accepted']]);
});

/** An RFC 5965 report: its fields, then the reported message's headers. */
const ARF_FIELDS = ['Feedback-Type: abuse', 'User-Agent: SomeGenerator/1.0', 'Version: 1', 'Original-Rcpt-To: <user@mail.example>'];

test('a bounce that returns a feedback report we sent is a bounce of the abuse address, not a complaint', async () => {
  const r = await parseBounce(
    lines(
      'From: MAILER-DAEMON@mx.isp.example',
      'To: bounces@shop.example',
      'Subject: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="o"',
      '',
      '--o',
      'Content-Type: text/plain',
      '',
      '<abuse@isp.example>: host mx.isp.example said: 550 5.1.1 <abuse@isp.example>: Recipient address rejected: User unknown in virtual alias table',
      '--o',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.isp.example',
      '',
      'Final-Recipient: rfc822; abuse@isp.example',
      'Action: failed',
      'Status: 5.1.1',
      '--o',
      'Content-Type: message/rfc822',
      '',
      'From: abuse-desk@shop.example',
      'To: abuse@isp.example',
      'Message-ID: <arf-out-77@shop.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="i"',
      '',
      '--i',
      'Content-Type: message/feedback-report',
      '',
      ...ARF_FIELDS,
      '--i--',
      '--o--',
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['abuse@isp.example', 'mailbox-unknown', true]],
  );
  assert.equal(r.original_message_id, '<arf-out-77@shop.example>');
});

test('feedback reports as they come malformed or forwarded are still complaints, naming the right complainer', async () => {
  // Declared a feedback report, its fields in a text part without Version or User-Agent.
  const textPart = await parseBounce(
    lines(
      'From: abuse@smallisp.example',
      'To: fbl@shop.example',
      'Subject: Abuse report',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="r"',
      '',
      '--r',
      'Content-Type: text/plain',
      '',
      'This is an email abuse report.',
      '--r',
      'Content-Type: text/plain',
      '',
      'Feedback-Type: abuse',
      'Source-IP: 192.0.2.1',
      '--r',
      'Content-Type: message/rfc822',
      '',
      'From: news@shop.example',
      'To: frank@smallisp.example',
      'Message-ID: <n-9@shop.example>',
      '',
      'Hello.',
      '--r--',
    ),
  );
  assert.deepEqual([textPart.kind, textPart.feedback_type, textPart.recipients.map((x) => x.address)], ['complaint', 'abuse', ['frank@smallisp.example']]);
  // Forwarded inline by a person, a blank line after every field.
  const forwarded = await parseBounce(
    plain(
      ['From: Postmaster <postmaster@mail.example>', 'To: fbl@shop.example', 'Subject: FW: complaint about message'],
      ['-----Original Message-----', '', ...ARF_FIELDS.flatMap((f) => [f, '']), 'Original-Mail-From: <news@shop.example>'],
    ),
  );
  assert.deepEqual([forwarded.kind, forwarded.recipients.map((x) => x.address)], ['complaint', ['user@mail.example']]);
  // Microsoft's JMRP report: no Original-Rcpt-To; the complainer is in the reported copy's X-HmXmrOriginalRecipient.
  const jmrp = await parseBounce(
    lines(
      'From: staff@hotmail.example',
      'To: fbl@shop.example',
      'Subject: complaint about message from 192.0.2.1',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="j"',
      '',
      '--j',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: JMRP/1.0',
      'Version: 1',
      '--j',
      'Content-Type: message/rfc822',
      '',
      'X-HmXmrOriginalRecipient: <bob@hotmail.example>',
      'From: news@shop.example',
      'To: alice@hotmail.example, bob@hotmail.example',
      'Message-ID: <n-10@shop.example>',
      '',
      'Hello.',
      '--j--',
    ),
  );
  assert.deepEqual(
    jmrp.recipients.map((x) => x.address),
    ['bob@hotmail.example'],
  );
});

test("Mailman 3's notice that a post awaits moderator approval is no bounce, though it gives a refusal's reason", async () => {
  const r = await parseBounce(
    plain(
      [
        'From: announce-owner@lists.example.org',
        'To: bounces@shop.example',
        'Subject: Your message to announce@lists.example.org awaits moderator approval',
        'Auto-Submitted: auto-generated',
      ],
      [
        "Your mail to 'Announce' with the subject",
        '',
        '    Spring offers',
        '',
        'Is being held until the list moderator can review it for approval.',
        '',
        'The message is being held because:',
        '',
        '    The message is not from a list member',
      ],
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
  assert.deepEqual(r.recipients, []);
});

test('mlmmj refuses a post for any reason in one sentence, wrapped where the line ends; a post held for review is no bounce', async () => {
  const mlmmj = await parseBounce(
    plain(
      ['From: dev+owner@lists.example.org', 'To: bounces@shop.example', 'Subject: Post to dev@lists.example.org denied: Patch'],
      [
        'Hi, this is the mlmmj program managing the <dev@lists.example.org>',
        'mailing list.',
        '',
        'The message from <bounces@shop.example> with subject "Patch" was',
        'unable to be delivered to the list',
        'because of an access rule set up by the list administrator.',
      ],
    ),
  );
  assert.deepEqual(
    mlmmj.recipients.map((x) => [x.address, x.category, x.hard]),
    [['dev@lists.example.org', 'policy', false]],
  );
  const held = await parseBounce(
    plain(
      ['From: Postmaster <postmaster@w3.example>', 'To: bounces@shop.example', 'Subject: Re: Spring offers'],
      [
        'Your message was sent from an address which is not on the list',
        'of people who are authorized to post to this mailing list. Your',
        'message has been forwarded to the list maintainer for review.',
      ],
    ),
  );
  assert.equal(held.kind, 'not-a-bounce');
});

test("Exchange 2003's notice naming its recipients by display name gives each one the returned copy addresses by that name", async () => {
  const r = await parseBounce(
    lines(
      'From: System Administrator <postmaster@corp.example>',
      'To: bounces@shop.example',
      'Subject: Undeliverable: Spring offers',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="x"',
      '',
      '--x',
      'Content-Type: text/plain',
      '',
      'Your message did not reach some or all of the intended recipients.',
      '',
      'The following recipient(s) could not be reached:',
      '',
      '      Ann Lee on 3/3/2026 9:20 AM',
      '            The e-mail account does not exist at the organization this message was sent to.',
      '            <mx.corp.example #5.1.1>',
      '',
      "      'Bo Chen' on 3/3/2026 9:20 AM",
      '            The e-mail account does not exist at the organization this message was sent to.',
      '            <mx.corp.example #5.1.1>',
      '',
      '--x',
      'Content-Type: message/rfc822',
      '',
      'From: News <news@shop.example>',
      'To: Ann Lee <ann@corp.example>, Dee Dee <dee@corp.example>',
      "Cc: 'Bo Chen' <bo@corp.example>",
      'Subject: Spring offers',
      '',
      'Hello.',
      '--x--',
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['ann@corp.example', 'mailbox-unknown', true],
      ['bo@corp.example', 'mailbox-unknown', true],
    ],
  );
});

test("cPanel BoxTrapper's verification request is a challenge, not an auto-reply or a bounce", async () => {
  const r = await parseBounce(
    plain(
      [
        'From: info@dest.example',
        'To: bounces@shop.example',
        'Subject: Your email requires verification verify#a1b2c3',
        'X-Boxtrapper: a1b2c3d4',
        'X-Autorespond: yes',
        'Precedence: auto_reply',
      ],
      ['The message you sent requires that you verify that you are a real live human being and not a spam source.'],
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
  assert.deepEqual(r.recipients, []);
});
