/**
 * What the session-46 probes of the parser showed (issue 16): delay templates without the common words, OpenSMTPD's
 * expiry under its delay template, notices forwarded by people in the ways mail programs forward (an attachment that
 * holds its own report, an inline forward from `<>`, a "> " quote under "… wrote:"), notices that name our sender in
 * their own lines when they are sent elsewhere, and auto-reply titles in more languages. Each case is written here
 * from the wording the sources document (or, for the forwards, from how mail programs lay them out), with made-up
 * addresses and hosts.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { noticeCases } from '../../helpers/notice-cases.js';
import { COURIER_UNDELIVERABLE, deliveryReport, OPENSMTPD_DELAY_EXPIRED, postfixOpening } from '../../helpers/notice-text.js';

const lines = (...l: string[]): Buffer => Buffer.from([...l, ''].join('\r\n'));

const plain = (headers: string[], body: string[]): Buffer => lines(...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', '', ...body);

/** A Sendmail-style notice (as Active!Hunter writes one) for ann@dest.example, its transcript's lines given. */
const transcriptFor = (...transcript: string[]): Buffer =>
  plain(
    ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>', 'To: news@shop.example', 'Subject: Returned mail: see transcript for details'],
    [
      '  ----- The following addresses had permanent fatal errors -----',
      '',
      '>>> ann@dest.example <ann@dest.example>',
      '',
      '  ----- Transcript of session follows -----',
      ...transcript,
    ],
  );

const PERSON = ['From: "Alice Doe" <alice@client.example>', 'To: support@shop.example'];

/** A Postfix report whose one recipient was refused "no such user" after the data. */
const POSTFIX_AFTER_DATA = deliveryReport(
  ['From: MAILER-DAEMON@mx.relay.example (Mail Delivery System)', 'To: news@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
  [
    ...postfixOpening('mx.relay.example'),
    '<ann@dest.example>: host mail.dest.example[192.0.2.78] said: 550 Unknown user',
    '    ann@dest.example (in reply to end of DATA command)',
    '',
  ],
  [
    'Reporting-MTA: dns; mx.relay.example',
    '',
    'Final-Recipient: rfc822; ann@dest.example',
    'Action: failed',
    'Status: 5.0.0',
    'Diagnostic-Code: smtp; 550 Unknown user ann@dest.example',
  ],
);

/** A person's mail titled `subject` with `notice` attached as message/rfc822 (a mail program's "forward as attachment"). */
const attachedTo = (subject: string, notice: readonly string[]): Buffer =>
  lines(
    ...PERSON,
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="fwd"',
    '',
    '--fwd',
    'Content-Type: text/plain',
    '',
    'This came back, can you check?',
    '',
    '--fwd',
    'Content-Type: message/rfc822',
    '',
    ...notice,
    '--fwd--',
  );

noticeCases([
  {
    name: 'SmarterMail\'s "Delivery delay notification" ("has temporarily delayed the delivery", "up to 3 more delivery attempt(s)") is a delay',
    mail: plain(
      ['From: System Administrator <postmaster@mail.host.example>', 'To: news@shop.example', 'Subject: Delivery delay notification'],
      [
        'The server(s) that the message "Order 4711" is attempting to be sent to has temporarily delayed the delivery for the following recipient(s):',
        '',
        'ann@dest.example',
        '',
        'There will be up to 3 more delivery attempt(s) of this message. Do not re-send your message until there are no more delivery attempt(s) and the messages bounces back to you.',
      ],
    ),
    kind: 'delay',
    recipients: ['ann@dest.example'],
    category: 'unknown',
    hard: false,
  },
  {
    name: 'OpenSMTPD\'s delay template over "addr: Envelope expired" (text only) ends the recipient: the envelope is gone',
    mail: plain(
      ['From: Mailer Daemon <MAILER-DAEMON@mx.dest.example>', 'To: news@shop.example', 'Subject: Delivery status notification: delayed'],
      [...OPENSMTPD_DELAY_EXPIRED],
    ),
    recipients: ['ann@dest.example'],
    category: 'expired',
    hard: false,
  },
  {
    name: 'the same with its report, whose Action says delayed: failed too',
    mail: lines(
      ...deliveryReport(
        ['From: Mailer Daemon <MAILER-DAEMON@mx.dest.example>', 'To: news@shop.example', 'Subject: Delivery status notification: delayed'],
        OPENSMTPD_DELAY_EXPIRED,
        ['Reporting-MTA: dns; mx.dest.example', '', 'Final-Recipient: rfc822; ann@dest.example', 'Action: delayed', 'Status: 4.4.7'],
      ),
    ),
    recipients: ['ann@dest.example'],
    category: 'expired',
    hard: false,
  },
  {
    name: 'a notice with its own report, forwarded as an attachment under "Fwd:", is read from the attachment: "no such user" after the data is a policy refusal',
    mail: attachedTo('Fwd: Undelivered Mail Returned to Sender', POSTFIX_AFTER_DATA),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'an Outlook forward of a notice from "<>" titled "Delivery Status" is a notice, whatever the forward\'s title',
    mail: plain(
      [...PERSON, 'Subject: Fwd: Delivery Status'],
      [
        'Hi team, this came back.',
        '',
        '-----Original Message-----',
        'From: <>',
        'Sent: Thu, 17 Jul 2026 23:34:45 +0900',
        'To: <news@shop.example>',
        'Subject: Delivery Status',
        '',
        '    --- The following addresses had delivery problems ---',
        '',
        '<ann@dest.example>   (ann@dest.example... No such user)',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a notice quoted with "> " under "On …, <postmaster@…> wrote:" is read unquoted',
    mail: plain(
      [...PERSON, 'Subject: Fwd: Delivery Status'],
      [
        'Hi team, this came back.',
        '',
        'On Thu, 17 Jul 2026 23:34:45 +0900, <postmaster@mx.dest.example> wrote:',
        '>     --- The following addresses had delivery problems ---',
        '>',
        '> <ann@dest.example>   (ann@dest.example... No such user)',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'Exim\'s "A message sent by <sender>" and its "after MAIL FROM:<sender>" name our sender, not a failed recipient, when the notice goes elsewhere',
    mail: plain(
      ['From: Mail Delivery System <Mailer-Daemon@mx.relay.example>', 'To: errors@shop.example', 'Subject: Mail delivery failed: returning message to sender'],
      [
        'This message was created automatically by mail delivery software.',
        '',
        'A message sent by',
        '',
        '  <news@shop.example>',
        '',
        'could not be delivered to one or more of its recipients. The following',
        'address(es) failed:',
        '',
        '  ann@dest.example',
        '    host mx.dest.example [192.0.2.22]',
        '    SMTP error from remote mail server after MAIL FROM:<news@shop.example>:',
        '    550 Bad SPF records for [shop.example:192.0.2.2]',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'authentication-policy',
    hard: false,
  },
  {
    name: 'Sendmail\'s "The original message was received at <date>" / "from <sender> [<sender>]" names our sender, not a failed recipient',
    mail: plain(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>', 'To: errors@shop.example', 'Subject: Returned mail: see transcript for details'],
      [
        'The original message was received at Fri, 12 Dec 2026 03:49:58 -0800',
        'from news@shop.example [news@shop.example]',
        '',
        '----- The following addresses had fatal errors -----',
        '[Status: Error, Address: <ann@dest.example>, ResponseCode 550, , User unknown.]',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
]);

// What varied copies of the dev corpus's notices showed (a text part without its report, replies wrapped at 72 columns).
noticeCases([
  {
    name: 'Courier\'s text alone, ">>> DATA" / "<<< 550 Unknown user": the refusal answered the data, a filter\'s (policy), as with its report',
    mail: plain(
      ['From: postmaster@mx.relay.example', 'To: news@shop.example', 'Subject: NOTICE: mail delivery status.'],
      [
        'This is a delivery status notification from mx.relay.example,',
        'running the Courier mail server, version 1.1.',
        '',
        ...COURIER_UNDELIVERABLE,
        '<ann@dest.example>:',
        '    mx.dest.example [192.0.2.45]:',
        '>>> DATA',
        '<<< 550 Unknown user ann@dest.example',
        '',
        '---------------------------------------------------------------------------',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'au/KDDI\'s filter wording ": User unknown" relayed in Gmail\'s text alone ("… unable to receive mail. 550 : User unknown") stays a filter\'s refusal',
    mail: plain(
      ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'To: news@shop.example', 'Subject: Delivery Status Notification (Failure)'],
      [
        '** Address not found **',
        '',
        "Your message wasn't delivered to ann@ezweb.ne.jp because the address couldn't be found, or is unable to receive mail.",
        '',
        'The response was:',
        '',
        '550 : User unknown',
      ],
    ),
    recipients: ['ann@ezweb.ne.jp'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'a reply wrapped onto an indented line ("553 5.3.0 <…>... No such" / "    user here") is read whole',
    mail: plain(
      ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Delivery Status Notification (Failure)'],
      [
        '      This is an automatically generated Delivery Status Notification.',
        '',
        'Delivery to the following recipients failed permanently:',
        '',
        '   * ann@dest.example',
        '',
        '                             Technical details:',
        '',
        'SMTP:RCPT host 192.0.2.8: 553 5.3.0 <ann@dest.example>... No such',
        '    user here',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
]);

noticeCases([
  {
    name: 'Zoho\'s "Invalid Address," label before each refused recipient is no verdict: the quoted reply decides (a spam refusal stays one)',
    mail: plain(
      ['From: Mail Delivery System <mailer-daemon@mx.zoho.example>', 'To: news@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
      [
        'This message was created automatically by mail delivery software.',
        'A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.',
        '',
        'ann@dest.example Invalid Address, ERROR_CODE :554, ERROR_CODE :5.7.1 Message rejected as spam',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'content-or-spam',
    hard: false,
  },
  {
    name: 'a Mailman footer the notice passed through names the list, no recipient',
    mail: plain(
      ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Undeliverable mail'],
      [
        'Your message could not be delivered to the following recipient:',
        '',
        'ann@dest.example',
        '',
        'Reason: 552 5.2.2 Mailbox full',
        '',
        '_______________________________________________',
        'ops-alerts mailing list',
        'ops-alerts@lists.shop.example',
        'https://lists.shop.example/mailman/listinfo/ops-alerts',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    name: "a Google group's footer (\"You received this message because you are subscribed to the Google Groups …\") does not make a notice Google Groups' own: OpenSMTPD's expiry stays a failure",
    mail: plain(
      ['From: Mailer Daemon <MAILER-DAEMON@mx.dest.example>', 'To: news@shop.example', 'Subject: Delivery status notification: delayed'],
      [
        ...OPENSMTPD_DELAY_EXPIRED,
        '-- ',
        'You received this message because you are subscribed to the Google Groups "Ops" group.',
        'To unsubscribe from this group and stop receiving emails from it, send an email to ops+unsubscribe@googlegroups.com.',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'expired',
    hard: false,
  },
  {
    name: "a gateway's confidentiality disclaimer with its desk's address is no recipient",
    mail: transcriptFor(
      '550 sorry, no mailbox here by that name (#5.1.1 - chkusr)',
      '',
      'This e-mail and any attachments are confidential. If you received it in error, please notify us at compliance@gateway.shop.example.',
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a multi-line reply under Domino\'s "because:" is read whole: Exim\'s "550-Verification failed for <…>" / "550-No Such User Here" / "550 Sender verify failed" refuses our sender',
    mail: plain(
      ['From: Postmaster@mail.dest.example', 'To: news@shop.example', 'Subject: DELIVERY FAILURE: Sender verify failed'],
      [
        'Your message',
        '',
        '  Subject: Order 4711',
        '',
        'was not delivered to:',
        '',
        '  ann@dest.example',
        '',
        'because:',
        '',
        '  550-Verification failed for <bounces+a1b2@shop.example>',
        '  550-No Such User Here',
        '  550 Sender verify failed',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'the same under Gmail\'s older "The error that the other server returned was:"',
    mail: plain(
      ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'To: news@shop.example', 'Subject: Delivery Status Notification (Failure)'],
      [
        'Delivery to the following recipient failed permanently:',
        '',
        '     ann@dest.example',
        '',
        'Technical details of permanent failure:',
        'Google tried to deliver your message, but it was rejected by the server for the recipient domain dest.example by mx.dest.example. [192.0.2.2].',
        '',
        'The error that the other server returned was:',
        '550-Verification failed for <bounces+a1b2@shop.example>',
        '550-No Such User Here',
        '550 Sender verify failed',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
]);

// What placing many replies in the dev corpus's layouts showed (a reply read the same wherever the notice puts it).
const dmaNotice = (stage: string, reply: string): Buffer =>
  plain(
    ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Mail delivery failed'],
    [
      'This is the DragonFly Mail Agent v0.11 at mx.relay.example.',
      '',
      'There was an error delivering your mail to <ann@dest.example>.',
      '',
      `mx.dest.example [192.0.2.25] did not like our ${stage}:`,
      reply,
      '',
      'Message headers follow.',
    ],
  );

noticeCases([
  {
    name: 'DragonFly\'s "did not like our final DATA:" is the data\'s answer: "550 User unknown" there is a filter\'s refusal',
    mail: dmaNotice('final DATA', '550 User unknown'),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'IMail\'s "Body of message generated response:" is the data\'s answer too',
    mail: plain(
      ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Undeliverable Mail'],
      ['Unknown user: ann@dest.example', '', 'Original message follows.', '', 'Body of message generated response:', '550 User unknown'],
    ),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'a reply\'s "please try <new@…>" names where to write, not a failed recipient',
    mail: transcriptFor('551 5.1.6 User has moved; please try <ann.new@other.example>'),
    recipients: ['ann@dest.example'],
    category: 'mailbox-moved',
    hard: true,
  },
]);

test('DragonFly\'s "did not like our MAIL FROM:" answered our sender: "550 User unknown" there is no verdict on the recipient', async () => {
  const r = await parseBounce(dmaNotice('MAIL FROM', '550 User unknown'));
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.hard]),
    [['ann@dest.example', false]],
  );
});

test('Postfix\'s report of `sendmail -bv` ("Enclosed is the mail delivery report that you requested"): "delivery via …: 250 2.1.5 Ok" is delivered, also beside an undeliverable address', async () => {
  const head = ['From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)', 'To: news@shop.example', 'Subject: Mail Delivery Status Report'];
  const opening = [
    'This is the mail system at host mx.shop.example.',
    '',
    'Enclosed is the mail delivery report that you requested.',
    '',
    '                   The mail system',
    '',
  ];
  const ok = '<ann@dest.example>: delivery via mail.dest.example[192.0.2.2]:25: 250 2.1.5 Ok';
  const alone = await parseBounce(plain(head, [...opening, ok]));
  assert.equal(alone.kind, 'delivery-report');
  assert.deepEqual(
    alone.recipients.map((r) => [r.address, r.action]),
    [['ann@dest.example', 'delivered']],
  );
  const mixed = await parseBounce(
    plain(head, [
      ...opening,
      ok,
      '<bob@dest.example>: undeliverable address: host mail.dest.example[192.0.2.2]',
      '    said: 550 5.1.1 <bob@dest.example>: Recipient address rejected: User unknown',
      '    (in reply to RCPT TO command)',
    ]),
  );
  assert.equal(mixed.kind, 'bounce');
  assert.deepEqual(
    mixed.recipients.map((r) => [r.address, r.action, r.hard]),
    [
      ['ann@dest.example', 'delivered', false],
      ['bob@dest.example', 'failed', true],
    ],
  );
});

test('out-of-office titles in Serbian and Macedonian Cyrillic, Persian, Hindi, Vietnamese, Thai, Indonesian and Malay are auto-replies', async () => {
  const titles = [
    'Аутоматски одговор: Ваша поруџбина',
    'Автоматски одговор: нарачка',
    'پاسخ خودکار: سفارش',
    'स्वचालित उत्तर: आदेश',
    'Trả lời tự động: Đơn hàng',
    'ตอบกลับอัตโนมัติ: คำสั่งซื้อ',
    'Balasan Otomatis: Pesanan',
    'Balasan Automatik: Pesanan',
  ];
  for (const title of titles) {
    const r = await parseBounce(
      plain(
        [
          'From: Marko <marko@firm.example>',
          'To: news@shop.example',
          `Subject: =?UTF-8?B?${Buffer.from(title).toString('base64')}?=`,
          'In-Reply-To: <order-1@shop.example>',
        ],
        ['I am away until Monday.'],
      ),
    );
    assert.equal(r.kind, 'auto-reply', title);
    assert.deepEqual(
      r.recipients.map((x) => x.address),
      ['marko@firm.example'],
      title,
    );
  }
});

// What notices written in HTML showed (the HTML part read as the notice reads).
const html = (headers: string[], markup: string): Buffer => lines(...headers, 'MIME-Version: 1.0', 'Content-Type: text/html; charset=UTF-8', '', markup);

noticeCases([
  {
    name: 'an Exchange notice forwarded from Outlook on the web (a rule, then "From: Microsoft Outlook <MicrosoftExchange…@…>", "Sent:") is read below its quoted headers',
    mail: html(
      [...PERSON, 'Subject: FW: Undeliverable: Quarterly statement'],
      [
        '<html><body><div>FYI - this one keeps bouncing.</div><hr>',
        '<div><b>From:</b> Microsoft Outlook &lt;MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@shop.example&gt;<br><b>Sent:</b> Tuesday, October 14, 2026 11:02 AM<br><b>To:</b> Tom Reyes &lt;t.reyes@shop.example&gt;<br><b>Subject:</b> Undeliverable: Quarterly statement</div>',
        '<p><b>Delivery has failed to these recipients or groups:</b></p>',
        '<p><a href="mailto:ann@dest.example">ann@dest.example</a><br>The recipient\'s mailbox is full and can\'t accept messages now.</p>',
        "<p>Diagnostic information for administrators:</p><p>Generating server: EX02.shop.example<br>ann@dest.example<br>Remote Server returned '552 5.2.2 Mailbox full'</p>",
        '</body></html>',
      ].join('\n'),
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    name: 'Microsoft 365\'s notice without its report: the "Reported error:" line is the reply ("5.4.1 Recipient address rejected: Access denied", no such recipient), not the bare "Status code:"',
    mail: html(
      ['From: Microsoft Outlook <postmaster@shop.example>', 'To: news@shop.example', 'Subject: Undeliverable: Quarterly statement'],
      [
        "<html><body><p>Your message to <b>ann@dest.example</b> couldn't be delivered.</p>",
        '<p>A problem occurred while delivering this message to this email address. Try sending this message again.</p>',
        '<p>More Info for Email Admins</p><p>Status code: 550 5.4.1</p>',
        '<table><tr><td>Reported error:</td><td><em>550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]</em></td></tr></table>',
        '</body></html>',
      ].join('\n'),
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a soft hyphen (&shy;) inside the only address shown, and &commat;, are no part of the address',
    mail: html(
      ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Undeliverable: Quarterly statement'],
      '<html><body><p>Delivery has failed to these recipients or groups:</p><p>christoph.baum&shy;gartner&commat;dest.example<br>550 5.1.1 User unknown</p></body></html>',
    ),
    recipients: ['christoph.baumgartner@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'QQ Mail\'s "发件人（addr）" names our sender, not a failed recipient',
    mail: html(
      ['From: PostMaster <PostMaster@qq.com>', 'To: news@shop.example', 'Subject: =?UTF-8?B?6YCA5L+h?='],
      '<html><body><p>很抱歉您发送的邮件被退回，以下是该邮件的相关信息：</p><p>收件人：<a href="mailto:wang@qq.example">wang@qq.example</a></p><p>发件人（news+a1@shop.example）的邮件无法投递到 wang@qq.example：收件人空间不足</p><p>SMTP 服务器返回信息：552 Mailbox quota exceeded</p></body></html>',
    ),
    recipients: ['wang@qq.example'],
    category: 'mailbox-full',
    hard: false,
  },
]);

test('HTML with its pictures in a multipart/related beside a plain stub ("view in an HTML client") is the notice read', async () => {
  const r = await parseBounce(
    lines(
      'From: MAILER-DAEMON@mx.relay.example',
      'To: news@shop.example',
      'Subject: Undeliverable: Quarterly statement',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain',
      '',
      'This message is in HTML format; please view it in an HTML-capable mail client.',
      '--alt',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: text/html',
      '',
      '<html><body><img src="cid:logo"><p>Your message could not be delivered to <b>ann@dest.example</b>.</p><p>550 5.1.1 User unknown</p></body></html>',
      '--rel',
      'Content-Type: image/png',
      'Content-ID: <logo>',
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0KGgo=',
      '--rel--',
      '--alt--',
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['ann@dest.example', 'mailbox-unknown', true]],
  );
});

// What varied copies of the dev corpus's notices showed (two recipients where the corpus has one; a no-break space).
noticeCases([
  {
    name: '1&1\'s list of addresses, then "For the following reason:", a blank line and the reason: every listed address has that reason',
    mail: plain(
      ['From: Mail Delivery System <mailer-daemon@mx.relay.example>', 'To: news@shop.example', 'Subject: Mail delivery failed: returning message to sender'],
      [
        'This message was created automatically by mail delivery software.',
        '',
        'A message that you sent could not be delivered to one or more of',
        'its recipients. This is a permanent error.',
        '',
        'The following address failed:',
        '',
        'ann@dest.example',
        'bob@dest.example',
        '',
        'For the following reason:',
        '',
        'Mail size limit exceeded. For explanation visit',
        'http://postmaster.relay.example/en/error-messages',
      ],
    ),
    recipients: ['ann@dest.example', 'bob@dest.example'],
    category: 'message-too-large',
    hard: false,
  },
  {
    name: 'au\'s reason written above its list of addresses ("The user(s) account is disabled.") is every listed address\'s',
    mail: plain(
      ['From: Postmaster@ezweb.ne.jp', 'To: news@shop.example', 'Subject: Mail System Error - Returned Mail'],
      ['The user(s) account is disabled.', '', '<ann@ezweb.ne.jp>', '<bob@ezweb.ne.jp>'],
    ),
    recipients: ['ann@ezweb.ne.jp', 'bob@ezweb.ne.jp'],
    category: 'mailbox-disabled',
    hard: false,
  },
  {
    name: 'a no-break space where Lotus Notes\' template has a space ("------- Failure Reasons\u00a0 --------") still reads its reason',
    mail: plain(
      ['From: Postmaster@mail.dest.example', 'To: news@shop.example', 'Subject: Undeliverable message'],
      [
        '------- Failure Reasons\u00a0 --------',
        '',
        'User ann@dest.example not listed in Domino Directory',
        'ann@dest.example',
        '',
        '------- Returned Message --------',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
]);

test('an old Sendmail transcript with a session per host: each recipient reads the remote\'s reply to its own RCPT ("<<< 550 5.2.2 …"), not only Sendmail\'s line under it', async () => {
  const r = await parseBounce(
    plain(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>', 'To: news@shop.example', 'Subject: Returned mail: User unknown'],
      [
        '   ----- Transcript of session follows -----',
        'While talking to mx.dest.example:',
        '>>> RCPT To:<ann@dest.example>',
        '<<< 550 5.1.1 <ann@dest.example>... User unknown',
        '550 <ann@dest.example>... User unknown',
        'While talking to mx.other.example:',
        '>>> RCPT To:<bob@other.example>',
        '<<< 550 5.2.2 Requested action not taken: mailbox unavailable',
        '550 <bob@other.example>... Requested action not taken: mailbox unavailable',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['ann@dest.example', 'mailbox-unknown', true],
      ['bob@other.example', 'mailbox-full', false],
    ],
  );
});

test('an Original-Recipient copied in the ORCPT\'s xtext ("ann+2Bnews@…", "billing+3Dinvoice@…") is read decoded: the address we sent to', async () => {
  const report = (orcpt: string, final: string) =>
    lines(
      ...deliveryReport(
        ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Returned mail: see transcript for details'],
        ['The original message was received at Sun, 6 Dec 2026 10:00:00 +0000', ''],
        [
          'Reporting-MTA: dns; mx.relay.example',
          '',
          `Original-Recipient: rfc822;${orcpt}`,
          `Final-Recipient: rfc822;${final}`,
          'Action: failed',
          'Status: 5.2.2',
        ],
      ),
    );
  const plus = await parseBounce(report('ann+2Bnews@dest.example', 'ann+news@dest.example'));
  assert.deepEqual(
    plus.recipients.map((x) => [x.address, x.original_recipient]),
    [['ann+news@dest.example', 'ann+news@dest.example']],
  );
  const forwarded = await parseBounce(report('billing+3Dinvoice+2B2026@dest.example', 'billing=invoice+2026@store.dest.example'));
  assert.deepEqual(
    forwarded.recipients.map((x) => [x.address, x.final_recipient]),
    [['billing=invoice+2026@dest.example', 'billing=invoice+2026@store.dest.example']],
  );
  // An escape xtext never needs ("+41" would be "A") is a tag of the address.
  const tag = await parseBounce(report('ann+41@dest.example', 'ann@store.dest.example'));
  assert.equal(tag.recipients[0]?.address, 'ann+41@dest.example');
});

test('Sendmail transcripts: a deferral without a code keeps its own reason beside a neighbour\'s "<<< 452 …"; a DATA refused for one recipient (">>> DATA" / "<<< 552 5.3.4 …" above its line) is that recipient\'s, not the one above', async () => {
  const warning = await parseBounce(
    plain(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>', 'To: news@shop.example', 'Subject: Warning: could not send message for past 4 hours'],
      [
        '    **********************************************',
        '    **      THIS IS A WARNING MESSAGE ONLY      **',
        '    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **',
        '    **********************************************',
        '',
        '   ----- Transcript of session follows -----',
        '<ann@dest.example>... Deferred: Connection timed out with mx.dest.example.',
        '... while talking to mx.other.example.:',
        '>>> RCPT To:<bob@other.example>',
        '<<< 452 4.2.2 Mailbox over quota',
        '<bob@other.example>... Deferred: 452 4.2.2 Mailbox over quota',
        'Warning: message still undelivered after 4 hours',
      ],
    ),
  );
  assert.deepEqual(
    warning.recipients.map((x) => [x.address, x.action, x.category]),
    [
      ['ann@dest.example', 'delayed', 'connection-failure'],
      ['bob@other.example', 'delayed', 'mailbox-full'],
    ],
  );
  const sessions = await parseBounce(
    plain(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>', 'To: news@shop.example', 'Subject: Returned mail: see transcript for details'],
      [
        '   ----- Transcript of session follows -----',
        'While talking to mx.dest.example:',
        '>>> RCPT To:<ann@dest.example>',
        '<<< 550 User unknown',
        '550 <ann@dest.example>... User unknown',
        'While talking to mx.other.example:',
        '>>> DATA',
        '<<< 552 5.3.4 Message size exceeds fixed limit',
        '554 <bob@other.example>... Service unavailable',
      ],
    ),
  );
  assert.deepEqual(
    sessions.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['ann@dest.example', 'mailbox-unknown', true],
      ['bob@other.example', 'message-too-large', false],
    ],
  );
});

test('a report whose Diagnostic-Code is a multi-line reply\'s first line ("550-Verification failed for <…>") reads the rest from the transcript ("<<< 550-…" lines)', async () => {
  const r = await parseBounce(
    lines(
      ...deliveryReport(
        ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.relay.example>', 'To: news@shop.example', 'Subject: Returned mail: see transcript for details'],
        [
          '   ----- The following addresses had permanent fatal errors -----',
          '<ann@dest.example>',
          '    (reason: 550-Verification failed for <bounces+a1@shop.example>)',
          '',
          '   ----- Transcript of session follows -----',
          '... while talking to mx.dest.example.:',
          '>>> RCPT To:<ann@dest.example>',
          '<<< 550-Verification failed for <bounces+a1@shop.example>',
          '<<< 550-Unrouteable address',
          '<<< 550 Sender verify failed',
          '',
        ],
        [
          'Reporting-MTA: dns; mx.relay.example',
          '',
          'Final-Recipient: RFC822; ann@dest.example',
          'Action: failed',
          'Status: 5.1.1',
          'Diagnostic-Code: SMTP; 550-Verification failed for <bounces+a1@shop.example>',
        ],
      ),
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['ann@dest.example', 'policy', false]],
  );
});

test('a recipient written with a quoted local part ("ann"@…) is found in a report and in prose, without the quotes', async () => {
  const report = await parseBounce(
    lines(
      ...deliveryReport(
        ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
        ['<"ann"@dest.example>: host mx.dest.example[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)', ''],
        ['Reporting-MTA: dns; mx.relay.example', '', 'Final-Recipient: rfc822; "ann"@dest.example', 'Action: failed', 'Status: 5.1.1'],
      ),
    ),
  );
  assert.deepEqual(
    report.recipients.map((x) => [x.address, x.hard]),
    [['ann@dest.example', true]],
  );
  const prose = await parseBounce(
    plain(
      ['From: Mail Delivery System <Mailer-Daemon@mx.relay.example>', 'To: news@shop.example', 'Subject: Mail delivery failed: returning message to sender'],
      [
        'This message was created automatically by mail delivery software.',
        '',
        'A message that you sent could not be delivered to one or more of its',
        'recipients. This is a permanent error. The following address(es) failed:',
        '',
        '  "ann....lee"@dest.example',
        '    SMTP error from remote mail server after RCPT TO:<"ann....lee"@dest.example>:',
        '    550 5.1.1 User unknown',
      ],
    ),
  );
  assert.deepEqual(
    prose.recipients.map((x) => [x.address, x.hard]),
    [['ann....lee@dest.example', true]],
  );
});

// What names and copies varied in the dev corpus's notices showed.
const postfixUnknown = (recipient: string, remoteHost: string): Buffer =>
  lines(
    ...deliveryReport(
      ['From: MAILER-DAEMON@mx.relay.example (Mail Delivery System)', 'To: news@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
      [
        ...postfixOpening('mx.relay.example'),
        `<${recipient}>: host ${remoteHost}[192.0.2.9] said: 550 5.1.1 <${recipient}>: Recipient address rejected: User unknown (in reply to RCPT TO command)`,
        '',
      ],
      [
        'Reporting-MTA: dns; mx.relay.example',
        '',
        `Final-Recipient: rfc822; ${recipient}`,
        'Action: failed',
        'Status: 5.1.1',
        `Remote-MTA: dns; ${remoteHost}`,
        `Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: Recipient address rejected: User unknown`,
      ],
    ),
  );

test('a recipient domain or a mail host named with a word the rules read (malware, rbl, spf, dkim, nxdomain) is a name, no reason', async () => {
  for (const [recipient, host] of [
    ['support@malwarebytes.example', 'mx.malwarebytes.example'],
    ['ann@rbl.example', 'mx.dest.example'],
    ['ann@dest.example', 'spf-dkim-gw.dest.example'],
    ['ann@nxdomain.example', 'mx1.nxdomain.example'],
  ]) {
    const r = await parseBounce(postfixUnknown(recipient, host));
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.category, x.hard]),
      [[recipient, 'mailbox-unknown', true]],
      `${recipient} via ${host}`,
    );
  }
});

noticeCases([
  {
    name: 'mail to another system\'s no-reply address fails like any other ("rejected recipient <no-reply@…>")',
    mail: plain(
      ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Delivery failure'],
      ['Delivery to the following recipient failed:', '', 'rejected recipient <no-reply@forms.dest.example>', '[550 5.1.1 User unknown]'],
    ),
    recipients: ['no-reply@forms.dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a returned copy inline below "----- Original message -----" is no person\'s forward: its To is the failed recipient',
    mail: plain(
      ['From: Mail Delivery Subsystem <mailer-daemon@relay.example>', 'To: news@shop.example', 'Subject: Undeliverable message'],
      [
        'Your message could not be delivered.',
        '550 5.1.1 User unknown',
        '',
        '----- Original message -----',
        'Received: from shop.example by relay.example',
        'Message-ID: <order-1@shop.example>',
        'From: news@shop.example',
        'To: ann@dest.example',
        'Subject: Your order',
        '',
        'Hello.',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a notice quoted with "> " keeps its transcript\'s arrows: ">>> DATA" / "<<< 550 Unknown user" is still the data\'s answer',
    mail: plain(
      [...PERSON, 'Subject: Fwd: NOTICE: mail delivery status.'],
      [
        '> From: postmaster@mx.relay.example',
        '> Subject: NOTICE: mail delivery status.',
        '>',
        '> Your message to the following recipients cannot be delivered:',
        '>',
        '> <ann@dest.example>:',
        '>     mx.dest.example [192.0.2.45]:',
        '> >>> DATA',
        '> <<< 550 Unknown user ann@dest.example',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'a reply code followed by its status in parentheses ("521 (5.3.2) …") is read with it',
    mail: plain(
      ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Mail delivery failed'],
      [
        'There was an error delivering your mail to <ann@dest.example>.',
        '',
        'mx.dest.example [192.0.2.25] did not like our RCPT TO:',
        '521 (5.3.2) <ann@dest.example>: Recipient address rejected: System not accepting network messages',
      ],
    ),
    recipients: ['ann@dest.example'],
    category: 'no-mail-service',
    hard: true,
  },
  {
    name: 'DragonFly\'s "host <the recipient\'s own domain> not found" stays an unknown domain when that domain holds a word (spamfilter)',
    mail: plain(
      ['From: MAILER-DAEMON@mx.relay.example', 'To: news@shop.example', 'Subject: Mail delivery failed'],
      ['There was an error delivering your mail to <ann@spamfilter.example>.', '', 'DNS lookup failure: host spamfilter.example not found'],
    ),
    recipients: ['ann@spamfilter.example'],
    category: 'domain-unknown',
    hard: true,
  },
]);

test('a forwarded article whose quoted Subject mentions a postmaster is no notice: only the quoted sender line makes a forward one', async () => {
  const r = await parseBounce(
    plain(
      ['From: Karen <karen@firm.example>', 'To: all-staff@firm.example', 'Subject: Fwd: About "failed delivery" messages'],
      [
        'Hi all, the explanation below.',
        '',
        '---------- Forwarded message ---------',
        'From: Support <support@vendor.example>',
        'Date: Fri, May 30, 2026 at 4:12 PM',
        'Subject: Failed delivery messages from the postmaster at vendor.example',
        'To: <karen@firm.example>',
        '',
        'A response from postmaster@vendor.example usually means that the message you were trying to send could not be delivered.',
      ],
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
});

noticeCases([
  {
    name: 'a coded reply in Chinese alone under Gmail\'s "The error that the other server returned was:" ("550 该用户不存在") is the reason',
    mail: plain(
      ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'To: news@shop.example', 'Subject: Delivery Status Notification (Failure)'],
      [
        'Delivery to the following recipient failed permanently:',
        '',
        '     ann@qq.example',
        '',
        'Technical details of permanent failure:',
        'Google tried to deliver your message, but it was rejected by the server for the recipient domain qq.example by mx.qq.example. [192.0.2.2].',
        '',
        'The error that the other server returned was:',
        '550 该用户不存在',
      ],
    ),
    recipients: ['ann@qq.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: 'a notice attached under Thunderbird\'s older title "[Fwd: …]" is read from the attachment',
    mail: attachedTo('[Fwd: Undelivered Mail Returned to Sender]', POSTFIX_AFTER_DATA),
    recipients: ['ann@dest.example'],
    category: 'policy',
    hard: false,
  },
]);

test('two recipients whose replies each wrap onto an indented line keep each reply whole', async () => {
  const r = await parseBounce(
    plain(
      ['From: MAILER-DAEMON <>', 'To: news@shop.example', 'Subject: Mail delivery failed'],
      [
        'There was an error delivering your mail to',
        '    <ann@dest.example>.',
        'There was an error delivering your mail to',
        '    <bob@dest.example>.',
        '',
        'mx.dest.example [192.0.2.25] did not like our RCPT TO:',
        '550 5.7.0 <ann@dest.example>: Recipient address rejected:',
        '    Spam detected. See https://dest.example/reason/#spam',
        '550 5.7.0 <bob@dest.example>: Recipient address rejected:',
        '    Spam detected. See https://dest.example/reason/#spam',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['ann@dest.example', 'content-or-spam', false],
      ['bob@dest.example', 'content-or-spam', false],
    ],
  );
});
