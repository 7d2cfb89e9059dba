/**
 * What a further harvest showed (issue 16, session 53): helpers rebuilt notices quoted in issue threads, forums and
 * help pages (English, Japanese), rendered mail software's own notice templates, and ran Exim 4.96, dma, Haraka and
 * Cyrus as the software that writes notices. Everything was scored before any rule was written from it. Each case
 * here is written from the format those notices showed, with made-up addresses, hosts and texts.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { noticeCases } from '../../helpers/notice-cases.js';

const mail = (headers: string[], body: string[]): Buffer =>
  Buffer.from([...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', '', ...body, ''].join('\r\n'));

test("a quota warning to the mailbox's owner (Zimbra's \"over 90% of your quota\", a university's German one) is not a bounce", async () => {
  const zimbra = await parseBounce(
    mail(
      ['From: Postmaster <postmaster@corp.example>', 'To: Ann Lee <ann@corp.example>', 'Subject: Quota warning'],
      ['Your mailbox size has reached 940MB, which is over 90% of your 1024MB quota.', 'Please delete some messages to avoid exceeding your quota.'],
    ),
  );
  assert.equal(zimbra.kind, 'not-a-bounce');
  const german = await parseBounce(
    mail(
      ['From: postmaster@uni.example', 'To: student@uni.example', 'Subject: Mailbox voll'],
      [
        'Ihre Mailbox enthaelt derzeit 212 MBytes E-Mail und beansprucht',
        'damit mehr als das zur Verfuegung gestellte Limit von 200 MBytes.',
        'Es koennen momentan keine weiteren E-Mails mehr zugestellt werden.',
      ],
    ),
  );
  assert.equal(german.kind, 'not-a-bounce');
});

test('Gmail\'s "Delivery incomplete" quoted by its first sentence ("There was a temporary problem delivering your message to …") is a delay', async () => {
  const r = await parseBounce(
    mail(
      ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'To: orders@shop.example', 'Subject: (not quoted)'],
      ['Delivery incomplete', '', 'There was a temporary problem delivering your message to kim@dest.example.'],
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action, x.hard]),
    [['kim@dest.example', 'delayed', false]],
  );
});

test('a Japanese notice titled "could not receive your mail" (メールを受け取ることが出来ませんでした) is a bounce', async () => {
  const r = await parseBounce(
    mail(
      ['From: support@isp.example', 'To: orders@shop.example', 'Subject: 【管理メール】メールを受け取ることが出来ませんでした。'],
      [
        '【このメールはシステムから自動的に送信されています】',
        '',
        ' あなた様がメールを送ったユーザーのメールボックスが制限値に達しており、',
        ' お送りになったメールを受け取ることが出来ませんでした。',
      ],
    ),
  );
  assert.equal(r.kind, 'bounce');
});

noticeCases([
  {
    // Postal's template labels the message id ("Orginal Message ID:", its spelling) and the recipient ("Rcpt To:").
    name: 'a notice that labels the returned message\'s id and its recipient: the "Rcpt To:" address fails, never the Message-ID',
    mail: mail(
      ['From: Mail Delivery Service <postmaster@mx.relay.example>', 'To: orders@shop.example', 'Subject: Mail Delivery Failed (Invoice 2217)'],
      [
        'This is the mail delivery service responsible for delivering mail to desk@dest.example.',
        '',
        "The message you've sent cannot be delivered. Your original message is attached to this message.",
        '',
        'For further assistance please contact postmaster@dest.example.',
        '',
        'Message Token: QaZ81xTz',
        'Orginal Message ID: <invoice-2217@shop.example>',
        'Mail from: orders@shop.example',
        'Rcpt To: desk@dest.example',
      ],
    ),
    recipients: ['desk@dest.example'],
    category: 'unknown',
    hard: false,
  },
  {
    name: 'a notice whose only address besides its recipient is an "Original Message-ID:" line does not take the id for a recipient',
    mail: mail(
      ['From: MAILER-DAEMON@mx.relay.example', 'To: orders@shop.example', 'Subject: Undeliverable mail'],
      ['Original Message-ID: <invoice-2218@shop.example>', '', 'Your message could not be delivered to lee@dest.example: mailbox full.'],
    ),
    recipients: ['lee@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    name: 'Exchange 2007\'s refusal "because of security policies" (a recipient that takes mail from authorised senders only) is a policy',
    mail: mail(
      ['From: postmaster@corp.example', 'To: orders@shop.example', 'Subject: Undeliverable: Invoice 2217'],
      [
        'Delivery has failed to these recipients or distribution lists:',
        '',
        "board@corp.example Your message wasn't delivered because of security policies. Microsoft Exchange will not try to redeliver this message for you. Please provide the following diagnostic text to your system administrator.",
      ],
    ),
    recipients: ['board@corp.example'],
    category: 'policy',
    hard: false,
  },
]);

/** A delivery-status report as Haraka's outbound writes it: the remote answer only as the Status field's comment. */
const harakaReport = (status: string): Buffer =>
  Buffer.from(
    [
      'From: MAILER-DAEMON@relay.shop.example',
      'To: <orders@shop.example>',
      'Subject: failure notice',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Hi. This is the Haraka Mailer program at relay.shop.example.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.",
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns;relay.shop.example',
      '',
      'Final-Recipient: rfc822;kim@dest.example',
      'Action: failed',
      `Status: ${status}`,
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  );

test('a report whose only reply is the Status\'s comment (Haraka: "5.1.2 (550 Tried all MXs …)") reads by the reply, not the status', async () => {
  const r = await parseBounce(harakaReport('5.1.2 (550 Tried all MXs dest.example)'));
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [['kim@dest.example', 'connection-failure', false]],
  );
  // A comment that describes the status (no reply code) is not taken for a reply: the status decides.
  const described = await parseBounce(harakaReport('5.1.1 (bad destination mailbox address)'));
  assert.deepEqual(
    described.recipients.map((x) => [x.category, x.hard]),
    [['mailbox-unknown', true]],
  );
});

test('out-of-office replies known only by their text in Russian, Italian, Portuguese, Dutch and Polish are auto-replies', async () => {
  const texts = [
    'Добрый день.\n\nДо 14.12.2026 я нахожусь в плановом отпуске, доступ к почте ограничен.',
    'Buongiorno, sono fuori ufficio fino al 5 gennaio.',
    'Olá, estou de férias até dia 10. Esta é uma resposta automática.',
    'Ik ben afwezig tot maandag 14 december.',
    'Dzień dobry, jestem na urlopie do 10 stycznia.',
  ];
  for (const text of texts) {
    const r = await parseBounce(
      mail(['From: kim@corp.example', 'To: orders@shop.example', 'Subject: Re: Invoice 2217', 'In-Reply-To: <invoice-2217@shop.example>'], text.split('\n')),
    );
    assert.equal(r.kind, 'auto-reply', text);
  }
  const person = await parseBounce(
    mail(['From: kim@corp.example', 'To: orders@shop.example', 'Subject: Re: Invoice 2217'], ['Спасибо, счёт получен. Я была в отпуске на прошлой неделе.']),
  );
  assert.equal(person.kind, 'not-a-bounce');
});

noticeCases([
  {
    // Written from MMDF's templates (its "Failed mail" and "Waiting mail" notices).
    name: 'MMDF\'s notice: each address with its host and queue, the reason quoted after "for the following reason:"',
    mail: mail(
      ['From: mmdf.shop.example Mail System <mmdf@mmdf.shop.example>', 'To: orders@shop.example', 'Subject: Failed mail  (msg.a04211)'],
      [
        '    Your message could not be delivered to',
        "'kim@dest.example (host: dest.example) (queue: smtp)' for the following",
        "reason:  '550 kim@dest.example... User unknown'",
        '',
        '    Your message follows:',
        '',
        'To: kim@dest.example',
        'Subject: Invoice 2217',
      ],
    ),
    recipients: ['kim@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: "MMDF's notice after its retry period: a UUCP user by bare name is the returned copy's address with that name",
    mail: mail(
      ['From: mmdf.shop.example Mail System <mmdf@mmdf.shop.example>', 'To: orders@shop.example', 'Subject: Failed mail  (msg.a04212)'],
      [
        '    After 4 days (96 hours), your message could not be',
        'fully delivered.',
        '',
        '    It failed to be received by the following address(es):',
        '',
        '\tops@down.example (host: down.example) (queue: smtp)',
        '\tlab (host: lab.dest.example) (queue: uucp)',
        '',
        '    Your message begins as follows:',
        '',
        'To: ops@down.example, lab@lab.dest.example',
        'Subject: Invoice 2217',
      ],
    ),
    recipients: ['ops@down.example', 'lab@lab.dest.example'],
    category: 'expired',
    hard: false,
  },
  {
    name: 'MMDF\'s warning ("has not yet been fully delivered") is a delay',
    mail: mail(
      ['From: mmdf.shop.example Mail System <mmdf@mmdf.shop.example>', 'To: orders@shop.example', 'Subject: Waiting mail  (msg.a04213)'],
      [
        '    After 1 day (20 hours), your message has not yet been',
        'fully delivered.  Attempts to deliver the message will continue',
        'for 3 more days.  No further action is required by you.',
        '',
        '    Delivery attempts are still pending for the following address(es):',
        '',
        '\tops@down.example (host: down.example) (queue: smtp)',
      ],
    ),
    kind: 'delay',
    recipients: ['ops@down.example'],
    category: 'unknown',
    hard: false,
  },
  {
    // Gmail's older warning: its own error under "Technical details of temporary failure:".
    name: 'Gmail\'s older warning reads the error under "Technical details of temporary failure:" (a read error on the connection)',
    mail: mail(
      ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'To: orders@shop.example', 'Subject: Delivery Status Notification (Delay)'],
      [
        'This is an automatically generated Delivery Status Notification',
        '',
        'THIS IS A WARNING MESSAGE ONLY.',
        '',
        'Delivery to the following recipient has been delayed:',
        '',
        '     kim@dest.example',
        '',
        'Message will be retried for 2 more day(s)',
        '',
        'Technical details of temporary failure: ',
        'read error: generic::failed_precondition: read error (0): error',
      ],
    ),
    kind: 'delay',
    recipients: ['kim@dest.example'],
    category: 'connection-failure',
    hard: false,
  },
  {
    // A gateway's notice from "MailDaemon@" (no hyphen), titled "Failure when sending".
    name: 'a notice from "MailDaemon@…" with a reply in it is a notice, whatever its title',
    mail: mail(
      ['From: MailDaemon@gw.shop.example', 'To: orders@shop.example', 'Subject: Failure when sending'],
      [
        '###### Created by the gateway ######',
        'Sending failed while communicating with: <mx.dest.example>',
        '<kim@dest.example>',
        'SMTP error: 550 5.1.1 Mailbox does not exist',
        'Original recipients:',
        'kim@dest.example',
      ],
    ),
    recipients: ['kim@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
]);

test("Sendmail's report of `error:` aliases, whose Final-Recipient holds the alias's text: the address comes from the list above", async () => {
  // Sendmail 8.17 run as the writer (session 53's probe): an `error:5.1.6:551 …` alias gives "Final-Recipient: RFC822;
  // 551 User has moved to …" beside another recipient's proper field.
  const r = await parseBounce(
    Buffer.from(
      [
        'From: Mail Delivery Subsystem <MAILER-DAEMON@mta.dest.example>',
        'To: <orders@shop.example>',
        'Subject: Returned mail: see transcript for details',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="s53"',
        '',
        '--s53',
        '',
        'The original message was received at Mon, 7 Dec 2026 12:10:16 GMT',
        'from root@localhost',
        '',
        '   ----- The following addresses had permanent fatal errors -----',
        'kim@mta.dest.example',
        'lee@mta.dest.example',
        '',
        '   ----- Transcript of session follows -----',
        '550 5.2.1 lee@mta.dest.example... Account disabled by administrator',
        '551 5.1.6 User has moved to kim@new.example',
        '',
        '--s53',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mta.dest.example',
        '',
        'Final-Recipient: RFC822; 551 User has moved to kim@new.example',
        'Action: failed',
        'Status: 5.1.6',
        '',
        'Final-Recipient: RFC822; lee@mta.dest.example',
        'Action: failed',
        'Status: 5.2.1',
        '',
        '--s53--',
        '',
      ].join('\r\n'),
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['kim@mta.dest.example', 'mailbox-moved', true],
      ['lee@mta.dest.example', 'mailbox-disabled', false],
    ],
  );
});
