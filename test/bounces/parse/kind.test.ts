/**
 * The kind of a mail (issue 16 point 4, and "an out-of-office is not a bounce"): delays without the usual
 * words, receipts, auto-replies that quote notices, and the traps the other way round. Every mail here is
 * written for the test from the format's wording (made-up addresses and texts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import type { ParseResult } from '../../../src/bounces/types.js';

/** Parses a mail written with \n line ends (sent as CRLF, as mail arrives). */
const parse = (mail: string): ParseResult => parseBounceSync(Buffer.from(mail.replace(/\r?\n/g, '\r\n'), 'utf8'));
const kindOf = (mail: string): string => parse(mail).kind;

const dsn = (subject: string, text: string, fields: string) => `From: MAILER-DAEMON@mx.example.org
To: app@shop.test
Subject: ${subject}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

${text}

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

${fields}
--b1--
`;

test('a 4.x.x recipient without an Action is a delay when the report gives it a Will-Retry-Until or says it is a warning', () => {
  const retry = parse(
    dsn('Message status', 'Status report.', 'Final-Recipient: rfc822; jane@example.com\nStatus: 4.4.1\nWill-Retry-Until: Sat, 6 Dec 2025 10:00:00 +0000'),
  );
  assert.equal(retry.kind, 'delay', 'Will-Retry-Until is given only to a delayed recipient (RFC 3464)');
  assert.equal(retry.recipients[0].action, 'delayed', 'the recipient is delayed');
  const warned = dsn('Delivery Status Notification (Delay)', 'THIS IS A WARNING MESSAGE ONLY.', 'Final-Recipient: rfc822; jane@example.com\nStatus: 4.4.7');
  assert.equal(kindOf(warned), 'delay', 'the notice says it is a warning');
  const quoted = dsn(
    'Delivery Status Notification (Delay)',
    'THIS IS A WARNING MESSAGE ONLY.',
    'Final-Recipient: rfc822; jane@example.com\nDiagnostic-Code: smtp; 451 4.4.1 No answer from host',
  );
  assert.equal(kindOf(quoted), 'delay', 'no Status: the 4.x.x its Diagnostic-Code quotes, under a warning');
  // Without either, a 4.x.x recipient with no Action stays a failure (final reports that leave the field out).
  assert.equal(kindOf(dsn('Message status', 'Status report.', 'Final-Recipient: rfc822; jane@example.com\nStatus: 4.4.7')), 'bounce', 'no warning: a failure');
  // A subject that says "Delay" does not outweigh the recipient's own Action.
  const failed = dsn('Delivery Status Notification (Delay)', 'Delivery failed.', 'Final-Recipient: rfc822; jane@example.com\nAction: failed\nStatus: 5.1.1');
  assert.equal(kindOf(failed), 'bounce', 'Action: failed under a "(Delay)" subject is a bounce');
});

test('a failure notice whose subject quotes the returned mail\'s "delivery delayed" is a bounce', () => {
  const mail = `From: Microsoft Exchange <postmaster@corp.example>
To: app@shop.test
Subject: Undeliverable: Delivery delayed for order 1234

Delivery has failed to these recipients or groups:

jane@example.com
The e-mail address you entered couldn't be found.

Diagnostic information for administrators:

Server at mx.example.com returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
`;
  const r = parse(mail);
  assert.equal(r.kind, 'bounce', 'the words after "Undeliverable:" are the original subject');
  assert.equal(r.recipients[0].action, 'failed', 'the recipient failed');
});

test('delay subjects in French, Dutch, Portuguese and Japanese, and "deferred", mark a warning', () => {
  const notice = (subject: string) => `From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: app@shop.test
Subject: ${subject}
Content-Type: text/plain; charset=utf-8

<jane@example.com>: 421 4.4.2 connection dropped
`;
  for (const subject of [
    '=?UTF-8?Q?Remise_retard=C3=A9e_:_hello?=',
    'Bezorging vertraagd: hello',
    'Entrega atrasada: hello',
    '=?UTF-8?B?6YWN5L+h44Gu6YGF5bu2OiBoZWxsbw==?=', // 配信の遅延: hello
    'Mail delivery deferred',
  ])
    assert.equal(kindOf(notice(subject)), 'delay', `subject ${subject}`);
});

test('wording of a retry still ahead marks a delay without the usual words', () => {
  const notice = (text: string) => `From: MAILER-DAEMON@mx.example.org
To: app@shop.test
Subject: Mail delivery notice

Delivery to <jane@example.com> did not succeed: 452 4.2.2 Mailbox full.
${text}
`;
  assert.equal(kindOf(notice('This is a temporary error; another attempt will be made.')), 'delay', 'another attempt will be made');
  assert.equal(kindOf(notice('The message stays in the queue.')), 'delay', 'stays in the queue');
  assert.equal(kindOf(notice('Your message to <jane@example.com> was deferred.')), 'delay', 'was deferred');
  assert.equal(kindOf(notice('The message could not be delivered.')), 'bounce', 'no retry ahead: a failure');
});

test('a notice that says the MTA gave up is a failure, even under a warning subject', () => {
  const mail = `From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>
To: app@shop.test
Subject: Warning: could not send message for past 5 days

   ----- The following addresses had permanent fatal errors -----
<jane@example.com>
    (reason: Connection timed out)

   ----- Transcript of session follows -----
<jane@example.com>... Deferred: Connection timed out with example.com.
Message could not be delivered for 5 days
Message will be deleted from queue
`;
  assert.equal(kindOf(mail), 'bounce', '"permanent fatal errors" and "deleted from queue" are final');
  const warning = mail
    .replace('permanent fatal errors', 'transient non-fatal errors')
    .replace(
      'Message could not be delivered for 5 days\nMessage will be deleted from queue',
      'Warning: message still undelivered after 4 hours\nWill keep trying until message is 5 days old',
    );
  assert.equal(kindOf(warning), 'delay', "Sendmail's warning stays a delay");
});

test('a receipt written as text (Postfix success, Exchange "Delivered:", a relay notice) is a delivery report, not a bounce', () => {
  const postfix = `From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: app@shop.test
Subject: Successful Mail Delivery Report

This is the mail system at host mx.example.org.

Your message was successfully delivered to the destination(s)
listed below. If the message was delivered to mailbox you will
receive no further notifications. Otherwise you may still receive
notifications of mail delivery errors from other systems.

                   The mail system

<jane@example.com>: delivery via mx.example.com[192.0.2.1]:25: 250 2.0.0 Ok:
    queued as 4ABC
`;
  const r = parse(postfix);
  assert.equal(r.kind, 'delivery-report', 'Postfix success report');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action, x.hard]),
    [['jane@example.com', 'delivered', false]],
  );
  const exchange = `From: Microsoft Outlook <postmaster@corp.example>
To: app@shop.test
Subject: Delivered: hello

Your message has been delivered to the following recipients:

Jane Doe (jane@example.com)

Subject: hello
`;
  assert.equal(kindOf(exchange), 'delivery-report', 'Exchange delivery receipt');
  const relay = `From: postmaster@corp.example
To: app@shop.test
Subject: Delivery Status Notification (Relay)

This is an automatically generated Delivery Status Notification.

Your message has been successfully relayed to the following recipients, but the requested delivery status notifications may not be generated by the destination.

       jane@example.com
`;
  assert.equal(kindOf(relay), 'delivery-report', 'relay notice');
  // A notice that reports a failure beside a success is not a receipt.
  const mixed = relay.replace(
    '       jane@example.com',
    '       jane@example.com\n\nYour message could not be delivered to the following recipients:\n\n       bob@example.com',
  );
  assert.equal(kindOf(mixed), 'bounce', 'a failure beside a relay');
  // A failure notice that quotes the same words in its returned subject stays a failure.
  const failure = exchange.replace('Subject: Delivered: hello', 'Subject: Undeliverable: was successfully delivered to you?');
  assert.equal(
    kindOf(failure.replace('Your message has been delivered to the following recipients:', 'Delivery has failed to these recipients or groups:')),
    'bounce',
    'a failure title wins',
  );
});

test('a read receipt (message/disposition-notification, "displayed") is a delivery report; other dispositions are read as notices, and are receipts when they name no failure', () => {
  const mdn = (disposition: string) => `From: Jane Doe <jane@example.com>
To: app@shop.test
Subject: Read: hello
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="b3"

--b3
Content-Type: text/plain

Your message was read on Monday, 1 December 2025 10:00.

--b3
Content-Type: message/disposition-notification

Reporting-UA: jane-pc; Example Mail 1.0
Final-Recipient: rfc822;jane@example.com
Original-Message-ID: <order-7@shop.test>
Disposition: ${disposition}
--b3--
`;
  const r = parse(mdn('manual-action/MDN-sent-manually; displayed'));
  assert.equal(r.kind, 'delivery-report', 'read receipt');
  assert.equal(r.original_message_id, '<order-7@shop.test>', 'correlates by Original-Message-ID');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action]),
    [['jane@example.com', 'delivered']],
  );
  // Another disposition (deleted, denied, processed) is read on as a notice in case its words report a failure; when
  // they name none, the recipient's own mail system had the message: a receipt, never a bounce without a recipient
  // (which would end the delivery it was matched to).
  for (const other of [
    'automatic-action/MDN-sent-automatically; deleted',
    'manual-action/MDN-sent-manually; denied',
    'automatic-action/MDN-sent-automatically; processed',
  ]) {
    const o = parse(mdn(other));
    assert.equal(o.kind, 'delivery-report', other);
    assert.deepEqual(
      o.recipients.map((x) => [x.address, x.action]),
      [['jane@example.com', 'delivered']],
      other,
    );
  }
  const refused = mdn('automatic-action/MDN-sent-automatically; deleted').replace(
    'Your message was read on Monday, 1 December 2025 10:00.',
    'Your message was rejected by the recipient.',
  );
  assert.notEqual(kindOf(refused), 'delivery-report', 'a receipt whose words say it was refused is read as a notice');
});

test('an auto-reply that answers a notice (its title, its quoted fields) is an auto-reply; the notice itself stays a bounce', () => {
  const ooo = `From: Jane Doe <jane@example.com>
To: app@shop.test
Subject: Automatic reply: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied

I am out of the office until 8 December.

> <bob@example.net>: host mx.example.net said: 550 5.1.1 User unknown
> Final-Recipient: rfc822; bob@example.net
> Action: failed
> Status: 5.1.1
`;
  const r = parse(ooo);
  assert.equal(r.kind, 'auto-reply', 'an out-of-office title from a person');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jane@example.com'],
  );
  assert.equal(kindOf(ooo.replace('Auto-Submitted: auto-replied\n', '')), 'auto-reply', 'the title alone says so');
  const re = `From: jane@example.com
To: app@shop.test
Subject: Re: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied

I'm on vacation until Monday.
`;
  assert.equal(kindOf(re), 'auto-reply', 'a marked reply to a notice');
  // The notice, from the mail system, with Auto-Submitted as Postfix and Exim send it: a bounce.
  const notice = `From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: app@shop.test
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied

<jane@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1 User
    unknown (in reply to RCPT TO command)

--- Below this line is a copy of the message.

From: app@shop.test
To: jane@example.com
Subject: Out of Office: hello

I am out of the office until Monday.
`;
  assert.equal(kindOf(notice), 'bounce', 'a bounce quoting an out-of-office');
  assert.equal(kindOf(notice.replace('Undelivered Mail Returned to Sender', 'Re: hello')), 'bounce', 'a notice from MAILER-DAEMON titled "Re:"');
});

test("responders' own headers mark an auto-reply; a forwarding rule's copy does not", () => {
  const reply = (header: string) => `From: jane@example.com\nTo: app@shop.test\nSubject: Re: hello\n${header}\n\nI'm away.\n`;
  for (const h of ['X-Auto-Reply: yes', 'X-Autoresponse: yes', 'X-AutoReply-From: jane@example.com', 'X-Mail-Autoreply: yes', 'X-Autogenerated: Reply'])
    assert.equal(kindOf(reply(h)), 'auto-reply', h);
  assert.equal(kindOf(reply('X-Autogenerated: Forward')), 'not-a-bounce', 'a forwarded copy');
  assert.equal(kindOf(reply('X-Auto-Reply: no')), 'not-a-bounce', 'a mark that says no');
});

test("OpenSMTPD's warnings (its current one and its first versions' TEMPORARY FAILURE) are delays; its PERMANENT FAILURE is a bounce", () => {
  const current = `From: Mailer Daemon <MAILER-DAEMON@mx.example.org>
To: app@shop.test
Subject: Delivery status notification

    Hi!

    This is the MAILER-DAEMON, please DO NOT REPLY to this email.

    A message is delayed for more than 4 hours for the following
    list of recipients:

jane@example.com: 421 4.4.2 Connection dropped

    Below is a copy of the original message:
`;
  const r = parse(current);
  assert.equal(r.kind, 'delay', 'the current warning');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action]),
    [['jane@example.com', 'delayed']],
  );
  const first = (kind: string, words: string) => `From: Mailer Daemon <MAILER-DAEMON@mx.example.org>
To: app@shop.test
Subject: Delivery status notification

Hi !

This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail it is
just a notification to let you know that an error has occurred.

You ran into a ${kind} FAILURE, which means that ${words}

Diagnostic:
${kind === 'TEMPORARY' ? '421 4.4.2' : '550 5.1.1'} jane@example.com said no
`;
  assert.equal(kindOf(first('TEMPORARY', 'the e-mail cannot be delivered right now.')), 'delay', 'TEMPORARY FAILURE');
  assert.equal(kindOf(first('PERMANENT', 'the e-mail cannot be delivered.')), 'bounce', 'PERMANENT FAILURE');
  assert.equal(
    kindOf(
      current
        .replace('Subject: Delivery status notification', 'Subject: Delivery status notification: delayed')
        .replace('A message is delayed for more than 4 hours for the following\n    list of recipients:', 'Recipients:'),
    ),
    'delay',
    'a subject ending in ": delayed"',
  );
});

test('iCloud\'s X-Apple-Action: vacation, a Lotus Notes "AUTO:" subject and Request Tracker\'s tagged "AutoReply:" mark an auto-reply', () => {
  assert.equal(kindOf('From: jane@example.com\nTo: app@shop.test\nSubject: Re: hello\nX-Apple-Action: vacation\n\nAway.\n'), 'auto-reply', 'X-Apple-Action');
  assert.equal(kindOf('From: jane@example.com\nTo: app@shop.test\nSubject: AUTO: hello\n\nAway until Monday.\n'), 'auto-reply', 'AUTO:');
  assert.equal(kindOf('From: jane@example.com\nTo: app@shop.test\nSubject: Autohaus Angebot\n\nHallo.\n'), 'not-a-bounce', 'a word starting with "Auto"');
  // Request Tracker puts its ticket tag before its "AutoReply:" title.
  const rt = 'From: support@example.com\nTo: app@shop.test\nSubject: [rt.example.com #123] AutoReply: hello\n\nThis message was generated automatically.\n';
  assert.equal(kindOf(rt), 'auto-reply', 'a ticket tag before the title');
  assert.equal(kindOf(rt.replace('AutoReply: hello', 'Re: hello')), 'not-a-bounce', 'a ticket tag alone');
});

test("Postfix's failure template is a failure even when the remote reply it quotes speaks of retrying; a Swedish Exchange title quoting a delay is a failure", () => {
  const postfix = `From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: app@shop.test
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mx.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<jane@example.com>: host mx.example.com[192.0.2.1] said: 451 4.7.1 Greylisted,
    we will retry your message later (in reply to RCPT TO command)
`;
  assert.equal(kindOf(postfix), 'bounce', "Postfix's own words say it failed");
  const swedish = `From: Microsoft Exchange <postmaster@corp.example>
To: app@shop.test
Subject: Olevererbart: Delivery delayed notice

jane@example.se

Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
`;
  assert.equal(kindOf(swedish), 'bounce', '"Olevererbart:" is a failure title');
});

test('Gmail\'s older warning, known by "Technical details of temporary failure", is a delay; "of permanent failure" a bounce', () => {
  const gmail = (kind: string, code: string) => `From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: app@shop.test
Subject: Delivery Status Notification

This is an automatically generated Delivery Status Notification

     jane@example.com

Technical details of ${kind} failure:
Google tried to deliver your message, but it was rejected by the recipient domain. The error that the other server returned was: ${code} mailbox busy
`;
  assert.equal(kindOf(gmail('temporary', '450 4.2.1')), 'delay', 'temporary failure');
  assert.equal(kindOf(gmail('permanent', '550 5.2.1')), 'bounce', 'permanent failure');
});

test('a feedback report flattened into the text (its RFC 5965 fields inline) is a complaint, even from a postmaster address', () => {
  const mail = `From: postmaster@fbl.example.net
To: fbl@shop.test
Subject: complaint about message from 192.0.2.1

This is an email abuse report.

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Rcpt-To: <jane@example.net>

From: app@shop.test
To: jane@example.net
Message-ID: <order-9@shop.test>
Subject: hello
`;
  const r = parse(mail);
  assert.equal(r.kind, 'complaint', 'not a bounce of jane');
  assert.equal(r.feedback_type, 'abuse', 'its Feedback-Type');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jane@example.net'],
  );
  assert.equal(r.original_message_id, '<order-9@shop.test>', 'the inline original');
  // A "Feedback-Type" line without the report's other fields is just text.
  assert.notEqual(kindOf(mail.replace('User-Agent: ExampleFBL/1.0\nVersion: 1\nOriginal-Rcpt-To: <jane@example.net>\n', '')), 'complaint', 'a lone line');
});

test('a notice\'s title before Lotus Notes\' "<person> is out of the office" stays a notice; the phrase alone from a person is an auto-reply', () => {
  const ndr = `From: Microsoft Exchange <MicrosoftExchange42@corp.example>
To: app@shop.test
Subject: Undeliverable: Jane Doe is out of the office

Delivery has failed to these recipients or groups:

jane@example.com
The e-mail address you entered couldn't be found.

Diagnostic information for administrators:

Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
`;
  assert.equal(kindOf(ndr), 'bounce', 'an Exchange notice about a mail so titled');
  assert.equal(
    kindOf('From: jane@example.com\nTo: app@shop.test\nSubject: Jane Doe/Sales/Example is out of the office.\n\nBack Monday.\n'),
    'auto-reply',
    "Notes' own subject",
  );
});
