/**
 * What whole notices quoted in public threads, help pages and issue trackers showed (issue 16, session 52: three
 * helpers rebuilt about 170 notices people received and pasted, kept outside the repository; scored before any rule was
 * written from them). Each case is written here from the format those notices showed, with made-up addresses, hosts
 * and texts: out-of-office replies known only by their text (a responder that keeps the answered title), a warning
 * that names no recipient, "Message delivery to '…' delayed", Exchange's 4.4.7 on a recipient still being tried, a
 * refusal said to be the recipient's own, Gmail's notice in Korean, an expiry that names its cause.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { noticeCases } from '../../helpers/notice-cases.js';

const mail = (headers: string[], body: string[]): Buffer =>
  Buffer.from([...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', '', ...body, ''].join('\r\n'));

const reply = (from: string, body: string[]): Buffer =>
  mail([`From: ${from}`, 'To: orders@shop.example', 'Subject: Re: Your order 2217 has shipped', 'In-Reply-To: <order-2217@shop.example>'], body);

test("an out-of-office reply known only by its text (Notes' template, the answered title kept) is an auto-reply", async () => {
  const r = await parseBounce(
    reply('Lena Brandt <lena.brandt@corp.example>', [
      'I will be out of the office starting 01/12/2026 and will not return until 08/12/2026.',
      '',
      'For urgent questions please write to desk@corp.example.',
      '',
      'Note: This is an automated response to your message  "Your order 2217 has shipped" sent on 1.12.2026 9:14:02.',
      '',
      'This is the only notification you will receive while this person is away.',
    ]),
  );
  assert.equal(r.kind, 'auto-reply');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['lena.brandt@corp.example'],
  );
  assert.equal(r.original_message_id, '<order-2217@shop.example>');
});

test("out-of-office texts in German and Chinese (QQ Mail's vacation reply) are auto-replies; a reply that only mentions an office is not", async () => {
  const german = await parseBounce(
    reply('kai.rothe@firma.example', [
      'Ich werde ab 30.11.2026 nicht im Büro sein. Ich kehre zurück am 04.12.2026.',
      '',
      'Hinweis: Dies ist eine automatische Antwort auf Ihre Nachricht "Your order 2217 has shipped".',
    ]),
  );
  assert.equal(german.kind, 'auto-reply');
  const qq = await parseBounce(reply('50021977@qq.com', ['这是来自QQ邮箱的假期自动回复邮件。', '', '您好，我正在休假，回来后会尽快回复您。']));
  assert.equal(qq.kind, 'auto-reply');
  const person = await parseBounce(reply('ann@corp.example', ['Thanks, the parcel reached our office today.', '', 'Ann (back from leave since Monday)']));
  assert.equal(person.kind, 'not-a-bounce');
});

test("acknowledgements known by their text (a help desk's, a person's responder in Chinese, a German return date) are auto-replies", async () => {
  const texts = [
    ['Hello!', '', "Thanks for writing in. This is an automatic email to let you know that we've received your request; your ticket is #5521."],
    ['您好，您的邮件已收到，我会尽快给您回复。'],
    ['Guten Tag', '', 'Ich bin ab 4. Januar wieder im Büro. In dringenden Fällen wenden Sie sich bitte an desk@firma.example.'],
  ];
  for (const body of texts) assert.equal((await parseBounce(reply('desk@corp.example', body))).kind, 'auto-reply', body[0]);
});

test('an out-of-office text inside a returned message does not make a bounce an auto-reply', async () => {
  const r = await parseBounce(
    mail(
      ['From: Mail Delivery System <MAILER-DAEMON@mx.shop.example>', 'To: orders@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
      [
        'This is the mail system at host mx.shop.example.',
        '',
        "I'm sorry to have to inform you that your message could not",
        'be delivered to one or more recipients.',
        '',
        '<gone@dest.example>: host mx.dest.example[192.0.2.7] said: 550 5.1.1 <gone@dest.example>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)',
        '',
        '--- returned message ---',
        'Subject: Re: Your order 2217 has shipped',
        '',
        'I am out of the office until Monday.',
      ],
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.equal(r.recipients[0]?.hard, true);
});

test('a warning that names no recipient (an Exim-titled delay reworded by a gateway, its line broken inside "No action …") is a delay', async () => {
  const r = await parseBounce(
    mail(
      ['From: postmaster@filter.example', 'To: orders@shop.example', 'Subject: Warning: message 1xTg7e-0009Qw-2P delayed 4 hours'],
      [
        'We have not been able to pass your email on to the next server yet. No',
        'action is required on your part – we keep trying for several days and send',
        'this notice again at intervals while it waits.',
      ],
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.deepEqual(r.recipients, []);
});

test("Exchange's 4.4.7 on a recipient still being tried is no expiry: no cause is stated", async () => {
  const r = await parseBounce(
    Buffer.from(
      [
        'From: postmaster@exch.corp.example',
        'To: orders@shop.example',
        'Subject: Delivery Status Notification (Delay)',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="D7"',
        '',
        '--D7',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'This is an automatically generated Delivery Status Notification.',
        '',
        'THIS IS A WARNING MESSAGE ONLY.',
        '',
        'Delivery to the following recipients has been delayed.',
        '',
        '       mo@dest.example',
        '--D7',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns;exch.corp.example',
        '',
        'Final-Recipient: rfc822;mo@dest.example',
        'Action: delayed',
        'Status: 4.4.7',
        'Will-Retry-Until: Thu, 3 Dec 2026 07:45:31 +0100',
        '--D7--',
        '',
      ].join('\r\n'),
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.equal(r.recipients[0]?.status, '4.4.7');
  assert.notEqual(r.recipients[0]?.category, 'expired');
  assert.equal(r.recipients[0]?.hard, false);
});

test('Gmail\'s older warning quoted from its technical details alone ("Technical details of temporary failure") is a delay', async () => {
  const r = await parseBounce(
    mail(
      ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'To: orders@shop.example', 'Subject: Notice'],
      [
        'Technical details of temporary failure:',
        'The recipient server did not accept our requests to connect.',
        '[(10) mx.dest.example. [192.0.2.44]:25: Connection timed out]',
      ],
    ),
  );
  assert.equal(r.kind, 'delay');
});

test('read receipts written as text only (Exchange\'s "Read:" and "Not Read:", webmail\'s "Message was read by") are delivery reports from their reader', async () => {
  const texts: Array<[string, string[]]> = [
    [
      'Read: Your order 2217',
      ['Your message', '', '  To:      Lena Brandt', '  Subject: Your order 2217', '  Sent:    12/1/2026 9:14 AM', '', 'was read on 12/1/2026 9:40 AM.'],
    ],
    [
      'Not Read: Your order 2217',
      [
        'Your message',
        'To: Lena Brandt',
        'Subject: Your order 2217',
        '',
        'has not yet been read. It has either been deleted or moved to a place',
        'where it can no longer be tracked.',
      ],
    ],
    ['Return receipt', ['Message was read by Lena Brandt <lena@corp.example> on Tue, 1 Dec 2026 09:40:11 +0100']],
  ];
  for (const [subject, body] of texts) {
    const r = await parseBounce(
      mail(['From: Lena Brandt <lena@corp.example>', 'To: orders@shop.example', `Subject: ${subject}`, 'In-Reply-To: <order-2217@shop.example>'], body),
    );
    assert.equal(r.kind, 'delivery-report', subject);
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.category]),
      [['lena@corp.example', 'accepted']],
    );
    assert.equal(r.original_message_id, '<order-2217@shop.example>');
  }
});

test('a delivery receipt whose recipient is an X.400 name only is still a delivery report, not a bounce', async () => {
  const r = await parseBounce(
    mail(
      ['From: System Administrator <postmaster@exch.corp.example>', 'To: orders@shop.example', 'Subject: Delivered: Your order 2217'],
      [
        'Your message',
        '',
        '  To:      Lena Brandt',
        '  Subject: Your order 2217',
        '',
        'was delivered to the following recipient(s):',
        '',
        '/o=CORP/ou=SITE1/cn=Recipients/cn=LBrandt on 12/1/2026 9:14 AM',
      ],
    ),
  );
  assert.equal(r.kind, 'delivery-report');
});

test('warnings in Italian (MDaemon\'s "non è stato ancora recapitato") and French are delays, whatever their titles', async () => {
  const italian = await parseBounce(
    mail(
      ['From: "MDaemon at mail.corp.example" <postmaster@corp.example>', 'To: orders@shop.example', 'Subject: ATTENZIONE: avviso'],
      [
        'Il seguente messaggio:',
        '',
        'non è stato ancora recapitato ai seguenti destinatari:',
        '',
        'rita@dest.example',
        '',
        'I tentativi di recapito continueranno per un massimo di 48 ore.',
      ],
    ),
  );
  assert.equal(italian.kind, 'delay');
  const french = await parseBounce(
    mail(
      ['From: postmaster@corp.example', 'To: orders@shop.example', 'Subject: Avis'],
      ["Ce message n'a pas encore été remis. De nouvelles tentatives de remise seront effectuées.", '', 'rita@dest.example'],
    ),
  );
  assert.equal(french.kind, 'delay');
});

test('Exchange\'s delay summary ("400 4.4.7 Message delayed") gives way to the reply it quotes after it', async () => {
  const r = await parseBounce(
    mail(
      ['From: postmaster@exch.corp.example', 'To: orders@shop.example', 'Subject: Delivery delayed: Your order 2217'],
      [
        'Delivery is delayed to these recipients or groups:',
        '',
        'rita@dest.example',
        '',
        'Diagnostic information for administrators:',
        '',
        'rita@dest.example',
        "Server at mx.dest.example (192.0.2.8) returned '400 4.4.7 Message delayed'",
        '12/1/2026 9:14:00 AM - Server at mx.dest.example (192.0.2.8) returned \'441 4.4.1 Error communicating with target host: "421 4.4.2 Connection dropped due to SocketError."\'',
      ],
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.equal(r.recipients[0]?.category, 'connection-failure');
});

test('a reason word inside a help link of the notice ("…/authentification-email-spf-dkim") is no reason', async () => {
  const r = await parseBounce(
    mail(
      ['From: Mail Delivery System <MAILER-DAEMON@mx.host.example>', 'To: orders@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
      [
        "Nous sommes desoles de vous informer que l'email n'a pu etre envoye.",
        'Bonnes pratiques : https://faq.host.example/tutoriels/authentification-email-spf-dkim',
        '',
        '<rita@dest.example>: (pas de details)',
      ],
    ),
  );
  assert.notEqual(r.recipients[0]?.category, 'authentication-policy');
});

test("a warning to the addressee about their own mailbox's size (Exchange's storage limit notice) is not a bounce", async () => {
  const warning = await parseBounce(
    mail(
      ['From: System Administrator <postmaster@corp.example>', 'To: orders@corp.example', 'Subject: Your mailbox is over its size limit'],
      [
        'You are exceeding the size limit set on your mailbox by the system administrator.',
        'Your mailbox size limit is 92460 Kbytes',
        'You may not be able to send new mail until you reduce your mailbox size.',
      ],
    ),
  );
  assert.equal(warning.kind, 'not-a-bounce');
});

noticeCases([
  {
    name: 'a callout\'s "no such user" about our sender under its own (#5.1.8), in Sendmail\'s notice, is no verdict on the recipient',
    mail: mail(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.shop.example>', 'To: alerts@mx.shop.example', 'Subject: Returned mail: see transcript for details'],
      [
        '   ----- The following addresses had permanent fatal errors -----',
        '<ops@dest.example>',
        "    (reason: 550 <alerts@mx.shop.example> doesn't exist according to 192.0.2.30: 550 no such user <alerts@mx.shop.example> (#5.1.8))",
        '',
        '   ----- Transcript of session follows -----',
        '... while talking to mx.dest.example.:',
        '>>> DATA',
        "<<< 550 <alerts@mx.shop.example> doesn't exist according to 192.0.2.30: 550 no such user <alerts@mx.shop.example> (#5.1.8)",
        '550 5.1.1 <ops@dest.example>... User unknown',
      ],
    ),
    recipients: ['ops@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'Dooray!\'s Korean notice: the recipient under its "받는 사람 :" label (not the contact address below), its mailbox full',
    mail: mail(
      ['From: postmaster@dooray.example', 'To: orders@shop.example', 'Subject: Dooray! 메일 발송 실패 안내'],
      [
        'Dooray! 메일 발송 실패 안내',
        '',
        'jin@dest.example)',
        '님께 보낸 메일이 전송되지 못하였습니다.',
        '',
        '  * 받는 사람 :',
        'jin@dest.example)',
        '  * 실패 사유 :',
        '받는 사람의 메일함 용량이 가득 찼습니다. 메일함 정리를 요청하신 후 다시 발송해 보세요.',
        '',
        '  더 궁금하신 사항은',
        '  help@dooray.example',
        '  으로 문의해 주시기 바랍니다.',
      ],
    ),
    recipients: ['jin@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    name: 'NAVER\'s Korean notice: its reason in a paragraph of its own ("the recipient has blocked your mail")',
    mail: mail(
      ['From: MAILER-DAEMON@naver.example', 'To: orders@shop.example', 'Subject: 메일 전송 실패'],
      [
        '-----------------------------------',
        'mi@naver.com 님께 보내신 메일 <Your order 2217> 이 다음과 같은 이유로 전송 실패했습니다.',
        '-----------------------------------',
        '',
        '받는 사람이 회원님의 메일을 수신차단 하였습니다.',
        '',
        '-----------------------------------',
      ],
    ),
    recipients: ['mi@naver.com'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'GMX\'s stock "mailbox unavailable" (United Internet documents it as no such recipient) is an unknown address without a stage',
    mail: mail(
      ['From: MAILER-DAEMON@out.relay.example', 'To: orders@shop.example', 'Subject: Undelivered Mail Returned to Sender'],
      [
        'This is the mail system at host out.relay.example.',
        '',
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients. It's attached below.",
        '',
        '<kurt.m@gmx.de> failed: gmx.de:',
        '550 Requested action not taken: mailbox unavailable',
      ],
    ),
    recipients: ['kurt.m@gmx.de'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    name: "\"Message delivery to '…' delayed\" with the module's report under it is a delay about that recipient",
    mail: mail(
      ['From: postmaster@mail.corp.example', 'To: orders@shop.example', 'Subject: Mail system notice'],
      ["Message delivery to 'mo@dest.example' delayed", 'SMTP module(domain dest.example) reports:', ' connection with mx.dest.example is broken'],
    ),
    kind: 'delay',
    recipients: ['mo@dest.example'],
    category: 'connection-failure',
    hard: false,
  },
  {
    name: "a failure notice whose remote answer says the receiver refused our mail (Dooray!'s layout) is the recipient's own block",
    mail: mail(
      ['From: Dooray! <noreply@dooray.example>', 'To: orders@shop.example', 'Subject: Dooray! Failure Notice'],
      [
        'Failure Notice',
        '',
        '  Your message sent to',
        'jin@dest.example',
        '  has failed to be delivered.',
        '',
        '    * Recipient :',
        'jin@dest.example',
        '    * Remote host said :',
        'Your mail was denied from the receiver.',
      ],
    ),
    recipients: ['jin@dest.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'Gmail\'s notice in Korean ("주소를 찾을 수 없음") is an unknown address',
    mail: mail(
      ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', 'To: orders@shop.example', 'Subject: Delivery Status Notification (Failure)'],
      ['주소를 찾을 수 없음', 'no.such.person@gmail.com 주소를 찾을 수 없거나 해당 주소에서 메일을 받을 수 없어 메일이 전송되지 않았습니다.'],
    ),
    recipients: ['no.such.person@gmail.com'],
    category: 'mailbox-unknown',
    // (Quoted without the remote server's reply: the heading's prose alone says so, not enough to suppress.)
    hard: false,
  },
  {
    name: 'Exchange\'s expiry that names its cause ("Message expired, connection refused") reads by the cause',
    mail: mail(
      ['From: postmaster@tenant.example', 'To: orders@shop.example', 'Subject: Undeliverable: Your order 2217 has shipped'],
      [
        'Delivery has failed to these recipients or groups:',
        '',
        'mo@dest.example',
        "The recipient's mail server kept refusing the connection.",
        '',
        'Diagnostic information for administrators:',
        '',
        'Generating server: tenant.example',
        '',
        'mo@dest.example',
        "Remote Server returned '550 5.4.316 Message expired, connection refused(Socket error code 10061)'",
      ],
    ),
    recipients: ['mo@dest.example'],
    category: 'connection-failure',
    hard: false,
  },
]);
