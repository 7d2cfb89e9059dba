import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBounce } from '../../../src/bounces/parse/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const parse = (name: string) => parseBounce(readFileSync(path.join(fixtures, name)));

test('an RFC 3464 report gives every recipient in order, with its fields and the original Message-ID', async () => {
  const r = await parse('rfc3464-multi.eml');
  assert.equal(r.kind, 'bounce');
  assert.equal(r.format, 'rfc3464');
  assert.equal(r.reporting_mta, 'mx.example.org');
  assert.equal(r.envelope_id, 'Q123ABC');
  assert.equal(r.original_message_id, '<orig-1@example.com>');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['alice@example.net', 'bob@example.net'],
  );
  const [alice, bob] = r.recipients;
  assert.equal(alice.status, '5.1.1');
  assert.equal(alice.action, 'failed');
  assert.match(alice.diagnostic ?? '', /Recipient address rejected: User unknown/, 'a folded Diagnostic-Code is unfolded');
  assert.equal(alice.remote_mta, 'mx.example.net');
  assert.equal(alice.original_recipient, 'Alice@Example.NET');
  assert.equal(alice.hard, true);
  assert.equal(alice.category, 'mailbox-unknown');
  assert.equal(bob.status, '5.2.2');
  assert.equal(bob.hard, false);
});

test('Action: delayed is a delay, not a bounce', async () => {
  const r = await parse('rfc3464-delayed.eml');
  assert.equal(r.kind, 'delay');
  assert.equal(r.recipients[0].action, 'delayed');
  assert.equal(r.recipients[0].will_retry_until, 'Fri, 5 Jan 2024 10:00:00 +0000');
});

test('an ARF report is a complaint for the original recipient', async () => {
  const r = await parse('arf.eml');
  assert.equal(r.kind, 'complaint');
  assert.equal(r.format, 'arf');
  assert.equal(r.feedback_type, 'abuse');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action]),
    [['dave@isp.example', null]],
  );
  assert.equal(r.original_message_id, '<orig-2@example.com>');
});

test('an out-of-office reply is an auto-reply; a DSN with Auto-Submitted stays a bounce', async () => {
  const r = await parse('auto-reply.eml');
  assert.equal(r.kind, 'auto-reply');
  assert.equal(r.recipients[0].address, 'erin@example.net');
  assert.equal((await parse('rfc3464-multi.eml')).kind, 'bounce');
  const subjectOnly = Buffer.from('From: x@example.net\nTo: app@example.com\nSubject: Out of Office: Hello\n\nAway.\n');
  assert.equal((await parseBounce(subjectOnly)).kind, 'auto-reply');
  const plain = Buffer.from('From: x@example.net\nTo: app@example.com\nSubject: Lunch?\n\nShall we?\n');
  assert.equal((await parseBounce(plain)).kind, 'not-a-bounce');
});

test('an out-of-office phrase in brackets at the start of the subject marks an auto-reply, in Polish word order too', async () => {
  const polish = Buffer.from(
    'From: Anna <anna@example.pl>\nTo: app@example.com\nSubject: [Automatyczna =?iso-8859-2?Q?odpowied=BC?=] Zamowienie\n\nJestem na urlopie.\n',
  );
  assert.equal((await parseBounce(polish)).kind, 'auto-reply');
  const bracketed = Buffer.from('From: x@example.net\nTo: app@example.com\nSubject: [Auto-Reply] Your order\n\nBack Monday.\n');
  assert.equal((await parseBounce(bracketed)).kind, 'auto-reply');
});

test('out-of-office subjects in more languages, and Lotus Notes\' "<person> is out of the office", mark an auto-reply', async () => {
  for (const subject of [
    'Automatisk svar: Your order',
    'Automatická odpověď: Your order',
    'Otomatik yanıt: Your order',
    '=?utf-8?B?6Ieq5Yqo5Zue5aSNOiBZb3VyIG9yZGVy?=',
    'Jane Doe/Sales/Example is out of the office.',
  ]) {
    const r = await parseBounce(Buffer.from(`From: Jane <jane@example.org>\nTo: app@example.com\nSubject: ${subject}\n\nBack on Monday.\n`));
    assert.equal(r.kind, 'auto-reply', subject);
    assert.deepEqual(
      r.recipients.map((x) => x.address),
      ['jane@example.org'],
    );
  }
  const plain = Buffer.from('From: Jane <jane@example.org>\nTo: app@example.com\nSubject: Re: out of office supplies\n\nSee the list.\n');
  assert.equal((await parseBounce(plain)).kind, 'not-a-bounce');
});

test('a person\'s mail whose subject says "error", "rejected" or "bounced" is not a notice, and its addresses are not failed recipients', async () => {
  for (const [subject, body] of [
    ['Re: Error in my invoice', 'There is an error in invoice 1234. Please send a corrected one to accounts@example.net.'],
    ['AW: Your proposal was rejected?', 'Did the committee really reject it? cc carol@example.org'],
    ['The cheque bounced', 'Please pay by card instead. My address is dan@example.com.'],
  ]) {
    const r = await parseBounce(Buffer.from(`From: Bob <bob@example.net>\nTo: app@example.com\nSubject: ${subject}\n\n${body}\n`));
    assert.equal(r.kind, 'not-a-bounce', subject);
    assert.deepEqual(r.recipients, [], subject);
  }
  // The same words from a gateway whose text reads like a notice still make one.
  const notice = await parseBounce(
    Buffer.from(
      'From: gateway@mail.example.org\nTo: app@example.com\nSubject: Message rejected\n\nYour message to jane@example.org was rejected: 550 5.7.1 Policy violation.\n',
    ),
  );
  assert.equal(notice.kind, 'bounce');
  assert.deepEqual(
    notice.recipients.map((x) => x.address),
    ['jane@example.org'],
  );
});

test('a gateway\'s notice titled "Unable to deliver", "Could not send message" or "… was not delivered" is a notice; a reply with such a subject is not', async () => {
  for (const subject of ['Unable to deliver your message', 'Could not send message', 'Your message was not delivered']) {
    const r = await parseBounce(
      Buffer.from(
        `From: Mail Server <server@mail.example.org>\nTo: app@example.com\nSubject: ${subject}\n\nYour message to jane@example.org could not be sent: 550 no such user.\n`,
      ),
    );
    assert.equal(r.kind, 'bounce', subject);
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.hard]),
      [['jane@example.org', true]],
      subject,
    );
  }
  const reply = await parseBounce(
    Buffer.from(
      'From: Bob <bob@example.net>\nTo: app@example.com\nSubject: Re: Parcel not delivered\n\nThe courier says 550 boxes are still in the depot; ask carol@example.org.\n',
    ),
  );
  assert.equal(reply.kind, 'not-a-bounce');
});

test('qmail notices give each recipient with its own status', async () => {
  const r = await parse('qmail.eml');
  assert.equal(r.kind, 'bounce');
  assert.equal(r.format, 'non-standard');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.status, x.hard]),
    [
      ['frank@example.net', '5.1.1', true],
      ['grace@example.net', '5.2.2', false],
    ],
  );
  assert.equal(r.original_message_id, '<orig-4@example.com>');
});

test('Exim notices give the failed address and the remote reply', async () => {
  const r = await parse('exim.eml');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['heidi@example.net'],
  );
  assert.equal(r.recipients[0].status, '5.1.1');
  assert.equal(r.recipients[0].reply_code, 550);
  assert.equal(r.original_message_id, '<orig-5@example.com>');
});

test('Sendmail notices give the failed address; an unknown host is hard', async () => {
  const r = await parse('sendmail.eml');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['ivan@example.net'],
  );
  assert.equal(r.recipients[0].hard, true);
  assert.equal(r.recipients[0].status?.charAt(0), '5');
});

/** Amazon SES notifications as SNS mails them to an email subscription: SES's JSON as a string inside SNS's. */
function snsMail(ses: unknown): Buffer {
  const envelope = {
    Type: 'Notification',
    MessageId: '7c1a9f52-0000-4000-8000-000000000001',
    TopicArn: 'arn:aws:sns:eu-west-1:111122223333:ses-events',
    Message: JSON.stringify(ses),
    Timestamp: '2026-01-05T10:00:02.000Z',
  };
  return Buffer.from(
    'From: AWS Notifications <no-reply@sns.amazonaws.com>\r\nTo: bounces@example.com\r\nSubject: AWS Notification Message\r\n' +
      'Content-Type: text/plain; charset=UTF-8\r\n\r\n' +
      JSON.stringify(envelope, null, 2).replace(/\n/g, '\r\n') +
      '\r\n\r\n--\r\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\r\n',
  );
}

test('Amazon SES notifications wrapped by SNS: bounce recipients with status and reporting MTA; delivery status from the SMTP response', async () => {
  const bounce = await parseBounce(
    snsMail({
      notificationType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bouncedRecipients: [
          {
            emailAddress: 'gone@example.net',
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown',
          },
        ],
        reportingMTA: 'dsn; a1-2.smtp-out.eu-west-1.amazonses.com',
      },
      mail: { messageId: 'ses-1', destination: ['gone@example.net'], headers: [{ name: 'Message-ID', value: '<orig-ses@example.com>' }] },
    }),
  );
  assert.equal(bounce.kind, 'bounce');
  assert.equal(bounce.reporting_mta, 'a1-2.smtp-out.eu-west-1.amazonses.com');
  assert.equal(bounce.original_message_id, '<orig-ses@example.com>');
  assert.deepEqual(
    bounce.recipients.map((r) => [r.address, r.status, r.category, r.hard]),
    [['gone@example.net', '5.1.1', 'mailbox-unknown', true]],
  );

  const delivery = await parseBounce(
    snsMail({
      notificationType: 'Delivery',
      delivery: { recipients: ['ok@example.net'], smtpResponse: '250 2.6.0 Message received' },
      mail: { destination: ['ok@example.net'] },
    }),
  );
  assert.equal(delivery.kind, 'delivery-report');
  assert.deepEqual(
    delivery.recipients.map((r) => [r.address, r.status]),
    [['ok@example.net', '2.6.0']],
  );
});

/** Gmail's older delay notice for one recipient, with the given lines of technical details. */
const gmailDelay = (from: string, to: string, details: string[]) =>
  Buffer.from(
    `From: Mail Delivery Subsystem <${from}>\r\nTo: app@example.com\r\nSubject: Delivery Status Notification (Delay)\r\n\r\n` +
      'This is an automatically generated Delivery Status Notification\r\n\r\n' +
      'THIS IS A WARNING MESSAGE ONLY.\r\n\r\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\r\n\r\n' +
      `Delivery to the following recipient has been delayed:\r\n\r\n     ${to}\r\n\r\n` +
      'Message will be retried for 2 more day(s)\r\n\r\n' +
      `Technical details of temporary failure:\r\n${details.map((l) => `${l}\r\n`).join('')}`,
  );

test('a delay notice that quotes no code reports a temporary (4.x.x) status, never a permanent one', async () => {
  const r = await parseBounce(
    gmailDelay('mailer-daemon@mail.example.org', 'slow@example.net', ['The recipient server did not accept our requests to connect.']),
  );
  assert.equal(r.kind, 'delay');
  assert.equal(r.recipients[0].address, 'slow@example.net');
  assert.equal(r.recipients[0].status?.charAt(0), '4');
  assert.equal(r.recipients[0].hard, false);
});

test("a delay whose only reason is Gmail's bracketed per-host errors ('[host ip: socket error]') reads as a connection failure", async () => {
  const r = await parseBounce(
    gmailDelay('mailer-daemon@googlemail.com', 'kim@far.example', [
      'The recipient server did not accept our requests to connect. Learn more at https://support.google.com/mail/answer/7720',
      '[far.example 192.0.2.10: socket error]',
      '[far.example 192.0.2.11: socket error]',
    ]),
  );
  assert.equal(r.kind, 'delay');
  assert.deepEqual([r.recipients[0]?.address, r.recipients[0]?.category, r.recipients[0]?.hard], ['kim@far.example', 'connection-failure', false]);
  assert.equal(r.recipients[0]?.status?.charAt(0), '4');
});

test('a refusal of our From domain is about the sender: soft, whatever the word "domain" suggests', async () => {
  const r = await parseBounce(
    Buffer.from(
      'From: Mail Delivery System <Mailer-Daemon@relay.example.org>\r\nTo: app@example.com\r\nSubject: Mail delivery failed: returning message to sender\r\n\r\n' +
        'This message was created automatically by mail delivery software.\r\n\r\n' +
        'A message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n\r\n' +
        '  ann@example.net\r\n    host mx.example.net [192.0.2.5]\r\n    SMTP error from remote mail server after end of data:\r\n' +
        '    550 5.2.0 <app@example.com> From: Domain is invalid. Please provide a valid From:\r\n',
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.equal(r.recipients[0].address, 'ann@example.net');
  assert.equal(r.recipients[0].hard, false);
  assert.notEqual(r.recipients[0].category, 'domain-unknown');
});

test('an ARF report naming several Original-Rcpt-To lists each of them', async () => {
  const r = await parseBounce(
    Buffer.from(
      'From: fbl@isp.example\r\nTo: abuse@example.com\r\nSubject: Abuse report\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"\r\n\r\n' +
        '--b1\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n' +
        '--b1\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n' +
        'Original-Rcpt-To: ann@isp.example\r\nOriginal-Rcpt-To: bob@isp.example\r\n\r\n' +
        '--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <news-7@example.com>\r\nFrom: news@example.com\r\n\r\n--b1--\r\n',
    ),
  );
  assert.equal(r.kind, 'complaint');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['ann@isp.example', 'bob@isp.example'],
  );
  assert.equal(r.original_message_id, '<news-7@example.com>');
});

test('a notice\'s help-desk address ("please contact <support@…>") is not a failed recipient, in any language it is repeated in', async () => {
  const r = await parseBounce(
    Buffer.from(
      'From: MAILER-DAEMON@mx.isp.example (Mail Delivery System)\r\nTo: app@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\n' +
        'This is the mail system at host mx.isp.example.\r\n\r\n' +
        "I'm sorry to have to inform you that the message returned\r\nbelow could not be delivered to one or more destinations.\r\n\r\n" +
        'For further assistance, please contact <help@isp.example>\r\n\r\n' +
        'Si le probleme persiste, ecrivez a <help@isp.example>.\r\n\r\n' +
        'Your message to ann@example.net could not be delivered: the server said 550 5.1.1 User unknown.\r\n',
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['ann@example.net'],
  );
  assert.equal(r.recipients[0].status, '5.1.1');
});

test("a remote reply that quotes the refused recipient and then names its help desk keeps the recipient (Exim's notice, a delay too)", async () => {
  const exim = (subject: string, lead: string[], reply: string) =>
    [
      'From: Mail Delivery System <Mailer-Daemon@mx.isp.example>',
      'To: b+7-f00d@bounces.shop.example',
      `Subject: ${subject}`,
      '',
      'This message was created automatically by mail delivery software.',
      ...lead,
      '',
      '  ann@far.example',
      '    host mx.far.example [192.0.2.1]',
      '    SMTP error from remote mail server after RCPT TO:<ann@far.example>:',
      `    ${reply}`,
      '',
      '------ This is a copy of the message, including all the headers. ------',
      '',
      'Subject: order',
      '',
    ].join('\r\n');
  const failed = await parseBounce(
    Buffer.from(
      exim(
        'Mail delivery failed: returning message to sender',
        [
          '',
          'A message that you sent could not be delivered to one or more of its',
          'recipients. This is a permanent error. The following address(es) failed:',
        ],
        '550 5.1.1 <ann@far.example>: no such user here; contact help@far.example for assistance',
      ),
    ),
  );
  assert.equal(failed.kind, 'bounce');
  assert.deepEqual(
    failed.recipients.map((x) => [x.address, x.category, x.hard]),
    [['ann@far.example', 'mailbox-unknown', true]],
  );
  const delayed = await parseBounce(
    Buffer.from(
      exim(
        'Warning: message 1abcde-000001-AB delayed 24 hours',
        [
          'A message that you sent has not yet been delivered to one or more of its',
          'recipients after more than 24 hours on the queue on mx.isp.example.',
          '',
          'The address to which the message has not yet been delivered is:',
        ],
        '450 4.2.1 <ann@far.example>: mailbox temporarily disabled, please contact help@far.example',
      ),
    ),
  );
  assert.equal(delayed.kind, 'delay');
  assert.deepEqual(
    delayed.recipients.map((x) => x.address),
    ['ann@far.example'],
  );
});

test("a Diagnostic-Code written without its type (SendGrid's) keeps a reply that has a semicolon whole", async () => {
  const r = await parseBounce(
    Buffer.from(
      [
        'From: SendGrid <no-response@sendgrid.example>',
        'To: b+7-f00d@bounces.shop.example',
        'Subject: Undelivered Mail Returned to Sender',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="s1"',
        '',
        '--s1',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        '',
        '--s1',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; sendgrid.example',
        '',
        'Final-Recipient: rfc822; ann@far.example',
        'Action: failed',
        'Status: 5.0.0',
        'Diagnostic-Code: 550 Virus detected; message content rejected',
        '',
        '--s1--',
        '',
      ].join('\r\n'),
    ),
  );
  assert.equal(r.recipients[0]?.diagnostic, '550 Virus detected; message content rejected');
  assert.equal(r.recipients[0]?.reply_code, 550);
  assert.equal(r.recipients[0]?.category, 'virus');
});

test('a list manager refusing a post from a non-member: the list address failed, soft (policy), and the post it answers is the original', async () => {
  const r = await parseBounce(
    Buffer.from(
      'From: cats-admin@lists.example.org\r\nTo: app@example.com\r\nSubject: Your post was not distributed (cats ML)\r\n' +
        'Message-ID: <notice-9@lists.example.org>\r\nReferences: <thread-1@example.com> <post-7@app.example.com>\r\n\r\n' +
        'Your post could not be distributed: you are not a member of this mailing list <cats@lists.example.org>.\r\n\r\n' +
        'To subscribe, send a mail with the body "subscribe" to cats-ctl@lists.example.org.\r\n',
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['cats@lists.example.org'],
  );
  assert.equal(r.recipients[0].category, 'policy');
  assert.equal(r.recipients[0].hard, false);
  assert.equal(r.recipients[0].status?.charAt(0), '5');
  assert.equal(r.original_message_id, '<post-7@app.example.com>');
});

test("a report without Diagnostic-Code takes the notice's own line about the recipient, even for a role address like postmaster@", async () => {
  const r = await parseBounce(
    Buffer.from(
      'From: Mailer Daemon <MAILER-DAEMON@mta.example.com>\r\nTo: app@example.com\r\nSubject: Delivery status notification: failed\r\n' +
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n' +
        '--b1\r\nContent-Type: text/plain\r\n\r\nAn error occurred while delivering your message to:\r\n\r\npostmaster@gone.example.org: Domain does not exist\r\n\r\n' +
        '--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mta.example.com\r\n\r\nFinal-Recipient: rfc822; postmaster@gone.example.org\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n--b1--\r\n',
    ),
  );
  assert.equal(r.recipients.length, 1);
  // The line as the notice writes it (the address heading it, as for any recipient of that shape).
  assert.match(r.recipients[0].diagnostic ?? '', /^(?:postmaster@gone\.example\.org: )?Domain does not exist$/);
  assert.equal(r.recipients[0].category, 'domain-unknown');
  assert.equal(r.recipients[0].hard, true);
});

test("Exim's pipe and file deliveries in a notice are not recipients", async () => {
  const r = await parseBounce(
    Buffer.from(
      'From: Mail Delivery System <Mailer-Daemon@mx.example.com>\r\nTo: app@example.com\r\nSubject: Mail delivery failed: returning message to sender\r\n\r\n' +
        'This message was created automatically by mail delivery software.\r\n\r\n' +
        'A message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n\r\n' +
        '  pipe to |/usr/local/bin/autoresponder ann@example.com\r\n    generated by ann@example.com\r\n\r\n' +
        'The following text was generated during the delivery attempt:\r\n\r\n' +
        '------ pipe to |/usr/local/bin/autoresponder ann@example.com\r\n       generated by ann@example.com ------\r\n\r\n' +
        'Failed to read template /home/ann/.reply/ann@example.com: No such file or directory\r\n',
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['ann@example.com'],
  );
});

/** A multipart/report to our VERP address: the given headers, a first part (its own header lines and text), then the report's fields. */
const reportMail = (headers: string[], first: string[], fields: string[]) =>
  Buffer.from(
    [
      ...headers,
      'To: b+9-0a@bounces.shop.example',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="rm"',
      '',
      '--rm',
      ...first,
      '',
      '--rm',
      'Content-Type: message/delivery-status',
      '',
      ...fields,
      '',
      '--rm--',
      '',
    ].join('\r\n'),
  );

test('of two parts labelled message/delivery-status, the report is the one with recipient fields (InterMail labels its text so too)', async () => {
  const r = await parseBounce(
    reportMail(
      ['From: postmaster@mta.far.example', 'Subject: Returned mail: see transcript for details'],
      [
        'Content-Type: message/delivery-status;',
        '',
        'This Message was undeliverable due to the following reason:',
        '',
        '<kim@far.example> has restricted SMS e-mail',
      ],
      [
        'Reporting-MTA: dns; mta.far.example',
        '',
        'Original-Recipient: rfc822;kim@far.example',
        'Final-Recipient: RFC822; <kim@far.example>',
        'Action: failed',
        'Status: 5.3.0',
      ],
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action, x.status]),
    [['kim@far.example', 'failed', '5.3.0']],
  );
});

test("Exchange's and Hotmail's X-Supplementary-Info carries the remote reply where the report has no Diagnostic-Code", async () => {
  const r = await parseBounce(
    reportMail(
      ['From: "postmaster@hotmail.example" <postmaster@hotmail.example>', 'Subject: Undeliverable: Your order'],
      ['Content-Type: text/plain; charset="us-ascii"', '', 'Delivery to the following recipients failed.', '', '       ann@hotmail.example'],
      [
        'Reporting-MTA: dns; BAY004-MC6F28.hotmail.example',
        '',
        'Final-recipient: RFC822; ann@hotmail.example',
        'Action: failed',
        'Status: 5.5.0',
        'X-Supplementary-Info: < #5.5.0 smtp;550 Requested action not taken: mailbox',
        ' unavailable (495782920:4198:-2147467259)>',
      ],
    ),
  );
  const [ann] = r.recipients;
  assert.equal(ann?.diagnostic, '550 Requested action not taken: mailbox unavailable (495782920:4198:-2147467259)');
  assert.deepEqual([ann?.category, ann?.hard, ann?.reply_code], ['mailbox-unknown', true, 550]);
});
