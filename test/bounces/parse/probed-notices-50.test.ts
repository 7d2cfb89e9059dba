/**
 * What the session-50 probes showed (issue 16): Postfix's RFC 6533 notices about internationalised addresses, procmail's
 * stock vacation responder, mlmmj's answers in English and German, and a leaver's reply naming a new address. Each case
 * is written here from the layout and wording the software produced, with made-up addresses and hosts.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { noticeCases } from '../../helpers/notice-cases.js';

const CRLF = '\r\n';
const lines = (...l: string[]): Buffer => Buffer.from([...l, ''].join(CRLF));

/**
 * Postfix's notice for an SMTPUTF8 message: UTF-8 in the text, in `message/global-delivery-status` (raw, no charset)
 * and in the returned `message/global`. Its X-Postfix-Sender field quotes a non-ASCII local part with a backslash
 * before each byte ("p\<c3>\<b6>st"), which leaves that line, and so the part as a whole, invalid UTF-8.
 */
function postfixGlobalNotice(recipients: { address: string; type: 'utf-8' | 'rfc822'; reply: string }[]): Buffer {
  const text = (s: string) => Buffer.from(s, 'utf8');
  const sender = Buffer.concat([text('X-Postfix-Sender: rfc822; "p\\'), Buffer.from([0xc3]), text('\\'), Buffer.from([0xb6]), text('st"@shop.example\r\n')]);
  return Buffer.concat([
    text(
      [
        'From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)',
        'To: pöst@shop.example',
        'Subject: Undelivered Mail Returned to Sender',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"',
        'Content-Transfer-Encoding: 8bit',
        '',
        '--B1',
        'Content-Description: Notification',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'This is the mail system at host mx.shop.example.',
        '',
        "I'm sorry to have to inform you that your message could not",
        'be delivered to one or more recipients.',
        '',
        ...recipients.map((r) => `<${r.address}>: host mx.dest.example[192.0.2.20] said: ${r.reply} (in reply to RCPT TO command)`),
        '',
        '--B1',
        'Content-Description: Delivery report',
        'Content-Type: message/global-delivery-status',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Reporting-MTA: dns; mx.shop.example',
        'X-Postfix-Queue-ID: 0A22821034A',
        '',
      ].join(CRLF),
    ),
    sender,
    text(
      [
        'Arrival-Date: Mon,  7 Dec 2026 04:08:36 +0000 (UTC)',
        '',
        ...recipients.flatMap((r) => [
          `Final-Recipient: utf-8; ${r.address}`,
          `Original-Recipient: ${r.type};${r.address}`,
          'Action: failed',
          `Status: ${r.reply.split(' ')[1]}`,
          'Remote-MTA: dns; mx.dest.example',
          `Diagnostic-Code: smtp; ${r.reply}`,
          '',
        ]),
        '--B1',
        'Content-Description: Undelivered Message',
        'Content-Type: message/global',
        'Content-Transfer-Encoding: 8bit',
        '',
        'From: pöst@shop.example',
        `To: ${recipients.map((r) => r.address).join(', ')}`,
        'Subject: Grüße',
        'Message-ID: <eai-1@shop.example>',
        '',
        'Hallo',
        '',
        '--B1--',
        '',
      ].join(CRLF),
    ),
  ]);
}

noticeCases([
  {
    name: "Postfix's RFC 6533 notice: UTF-8 recipients read as UTF-8, though its escaped sender line is not valid UTF-8",
    mail: postfixGlobalNotice([
      {
        address: 'пользователь@dest.example',
        type: 'rfc822',
        reply: '550 5.1.1 <пользователь@dest.example>: Recipient address rejected: User unknown in virtual mailbox table',
      },
      {
        address: 'jörg@dest.example',
        type: 'utf-8',
        reply: '550 5.1.1 <jörg@dest.example>: Recipient address rejected: User unknown in virtual mailbox table',
      },
    ]),
    recipients: ['пользователь@dest.example', 'jörg@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
]);

test('the same notice keeps the Message-ID of the returned message/global', async () => {
  const r = await parseBounce(
    postfixGlobalNotice([{ address: '用户@dest.example', type: 'utf-8', reply: '552 5.2.2 <用户@dest.example>: Recipient address rejected: mailbox full' }]),
  );
  assert.equal(r.original_message_id, '<eai-1@shop.example>');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category]),
    [['用户@dest.example', 'mailbox-full']],
  );
});

/** procmailex(5)'s vacation recipe: `formail -rD 8192 vacation.cache`, then `formail -rA"Precedence: junk" -A"X-Loop: …"`. */
const procmailReply = (extra: string[] = []): Buffer =>
  lines(
    'From: carol@dest.example',
    'To: news@shop.example',
    'Subject: Re: Lunch?',
    'References: <c17.1796616361329@shop.example>',
    'In-Reply-To: <c17.1796616361329@shop.example>',
    'X-Loop: carol@dest.example',
    ...extra,
    '',
    'I received your mail,',
    "but I won't be back until Monday.",
    '-- ',
    'Carol Example',
  );

test("procmail's vacation reply (Precedence: junk and X-Loop on a reply) is an auto-reply", async () => {
  assert.equal((await parseBounce(procmailReply(['Precedence: junk']))).kind, 'auto-reply');
  assert.equal((await parseBounce(procmailReply(['Precedence: bulk']))).kind, 'auto-reply');
});

test("a list's post in a thread (X-Loop, Precedence: list or a List-Id) is no auto-reply", async () => {
  assert.equal((await parseBounce(procmailReply(['Precedence: list']))).kind, 'not-a-bounce');
  assert.equal((await parseBounce(procmailReply(['Precedence: bulk', 'List-Id: <lunch.dest.example>']))).kind, 'not-a-bounce');
  assert.equal((await parseBounce(procmailReply())).kind, 'not-a-bounce', 'X-Loop alone');
});

/** mlmmj's answer to a post, from `<list>+owner@`, the post attached (its listtexts' layout). */
const mlmmj = (list: string, subject: string, text: string[]): Buffer =>
  lines(
    `From: ${list.replace('@', '+owner@')}`,
    'To: ann@shop.example',
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="=_m1_="',
    'Content-Transfer-Encoding: 8bit',
    '',
    '--=_m1_=',
    'Content-Type: text/plain; charset=utf8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...text,
    '',
    '--=_m1_=',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline; filename="message.eml"',
    '',
    'From: Ann <ann@shop.example>',
    `To: ${list}`,
    'Subject: Price list',
    'Message-ID: <post-1@shop.example>',
    '',
    'Hello',
    '',
    '--=_m1_=--',
  );

noticeCases([
  {
    name: 'mlmmj refusing a post as too big: the size decides, not its words for every refusal',
    mail: mlmmj('devs@lists.example', 'Post to devs@lists.example denied: Price list', [
      'Hi, this is the Mlmmj program managing the <devs@lists.example> mailing list.',
      '',
      'The message from <ann@shop.example> with subject "Price list"',
      'was unable to be delivered to the list because it exceeded the maximum',
      'allowed message size of 3000 bytes.',
    ]),
    recipients: ['devs@lists.example'],
    category: 'message-too-large',
    hard: false,
  },
  {
    name: 'mlmmj in German, a non-member\'s post: the list refused it ("nicht abonniert")',
    mail: mlmmj('kunden@lists.example', '=?utf-8?q?Ihre_Nachricht_an_kunden=40lists.example_wurde_abgewiesen:_Price_list?=', [
      'Hallo, hier ist das Programm Mlmmj, welches die Mailingliste',
      '<kunden@lists.example> verwaltet.',
      '',
      'Die Nachricht von <ann@shop.example> mit dem Betreff "Price list" konnte',
      'nicht über die Liste verteilt werden, weil Sie die Liste nicht abonniert haben.',
    ]),
    recipients: ['kunden@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'mlmmj in German, a post too big: its reason goes on over the next line',
    mail: mlmmj('kunden@lists.example', '=?utf-8?q?Ihre_Nachricht_an_kunden=40lists.example_wurde_abgewiesen:_Price_list?=', [
      'Hallo, hier ist das Programm Mlmmj, welches die Mailingliste',
      '<kunden@lists.example> verwaltet.',
      '',
      'Die Nachricht von <ann@shop.example> mit dem Betreff "Price list"',
      'konnte nicht über die Liste verteilt werden, weil sie die maximal erlaubte',
      'Größe von 2500 Bytes überschritten hat',
    ]),
    recipients: ['kunden@lists.example'],
    category: 'message-too-large',
    hard: false,
  },
]);

noticeCases([
  {
    name: 'a list\'s notice that says only that the poster may not post ("do not have permission") is still its refusal',
    mail: lines(
      'From: devs-owner@lists.example',
      'To: ann@shop.example',
      'Subject: Posting to devs@lists.example',
      '',
      'You do not have permission to post to this list <devs@lists.example>.',
      'Only list members can post to it.',
    ),
    recipients: ['devs@lists.example'],
    category: 'policy',
    hard: false,
  },
]);

test('mlmmj\'s information about a list ("only subscribers may post to the list") refuses nothing', async () => {
  const info = lines(
    'From: devs+owner@lists.example',
    'To: ann@shop.example',
    'Subject: Information for devs@lists.example',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hi, this is the Mlmmj program managing the <devs@lists.example> mailing list.',
    '',
    'Here is some information about the list.',
    '',
    'Unsubscribe by emailing <devs+unsubscribe@lists.example>.',
    '',
    'Posts are made by emailing <devs@lists.example>.',
    '',
    'However, only subscribers may post to the list.',
  );
  const r = await parseBounce(info);
  assert.equal(r.kind, 'not-a-bounce');
  assert.deepEqual(r.recipients, []);
});

test("a leaver's reply naming a new address to resend to does not report that address as failed", async () => {
  const r = await parseBounce(
    lines(
      'From: ivan@dest.example',
      'To: news@shop.example',
      'Subject: Address changed - your message was not delivered: Contract renewal',
      'In-Reply-To: <e23.1796616728157@shop.example>',
      'Auto-Submitted: auto-replied',
      '',
      'Ivan has left Example Corp. This mailbox is no longer read and',
      'your message has NOT been forwarded.',
      'Please resend it to ivan@elsewhere.example.',
    ),
  );
  assert.equal(r.kind, 'auto-reply');
  assert.ok(!r.recipients.some((x) => x.address === 'ivan@elsewhere.example'), JSON.stringify(r.recipients));
});

/** Mailman 3's mail to a poster: its list headers, then `body` (a text part, or the parts of a multipart/mixed). */
const mailman = (list: string, from: string, subject: string, body: string[], original = false): Buffer => {
  const name = list.split('@')[0]!;
  const head = [
    `Subject: ${subject}`,
    `From: ${from}`,
    'To: ann@shop.example',
    'Precedence: bulk',
    'X-Mailman-Version: 3.3.8',
    `List-Id: <${name}.lists.example>`,
    `List-Owner: <mailto:${name}-owner@lists.example>`,
    'MIME-Version: 1.0',
  ];
  if (!original) return lines(...head, 'Content-Type: text/plain; charset="utf-8"', '', ...body);
  return lines(
    ...head,
    'Content-Type: multipart/mixed; boundary="==B=="',
    '',
    '--==B==',
    'Content-Type: text/plain; charset="utf-8"',
    '',
    ...body,
    '--==B==',
    'Content-Type: message/rfc822',
    '',
    'From: Ann <ann@shop.example>',
    `To: ${list}`,
    'Subject: Price list',
    'Message-ID: <post-2@shop.example>',
    '',
    'Hello',
    '--==B==--',
  );
};

noticeCases([
  {
    name: "Mailman 3's moderator rejection in Spanish names the list in its translated opening",
    mail: mailman('ventas@lists.example', 'ventas-bounces@lists.example', 'Request to mailing list "Ventas" rejected', [
      'Su solicitud a la lista de correo ventas@lists.example',
      '',
      '    Posting of your message titled "Price list"',
      '',
      'ha sido rechazada por el moderador de la lista.  El moderador adujo la',
      'siguiente razón para rechazarla:',
      '',
      '"[No reason given]"',
    ]),
    recipients: ['ventas@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: "Mailman 3's moderator rejection in French",
    mail: mailman('ventes@lists.example', 'ventes-bounces@lists.example', 'Request to mailing list "Ventes" rejected', [
      'Votre requête à la liste de diffusion ventes@lists.example',
      '',
      '    Posting of your message titled "Price list"',
      '',
      'a été rejetée par le modérateur de la liste.  Le modérateur a donné la',
      'raison suivante :',
    ]),
    recipients: ['ventes@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: "Mailman 3's immediate rejection in German, its reason left in English, the post attached",
    mail: mailman(
      'kunden@lists.example',
      'kunden-owner@lists.example',
      'Price list',
      ['Ihre Nachricht an die Mailingliste Kunden wurde', 'mit folgender Begründung abgelehnt:', '', 'The message is not from a list member', ''],
      true,
    ),
    recipients: ['kunden@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: "Mailman 3's content filter refusing a post whose type it does not allow",
    mail: mailman('devs@lists.example', 'devs-owner@lists.example', 'Price list', ["The message's content type was not explicitly allowed", ''], true),
    recipients: ['devs@lists.example'],
    category: 'policy',
    hard: false,
  },
]);

test("Mailman 3's rejection of a subscription request, in its template for posts, refuses no post", async () => {
  const r = await parseBounce(
    mailman('lab@lists.example', 'lab-bounces@lists.example', 'Request to mailing list "Lab" rejected', [
      'Your request to the lab@lists.example mailing list',
      '',
      '    Subscription request',
      '',
      'has been rejected by the list moderator.  The moderator gave the',
      'following reason for rejecting your request:',
      '',
      '"This list is restricted to staff of the calibration lab."',
    ]),
  );
  assert.equal(r.kind, 'not-a-bounce');
});

test("Mailman 3's notice to a list's moderator in French (a post held for approval) refuses nothing", async () => {
  const r = await parseBounce(
    mailman('ventes@lists.example', 'ventes-owner@lists.example', 'ventes@lists.example post from ann@shop.example', [
      'En tant qu’administrateur d’une liste, votre autorisation est nécessaire pour',
      'valider le message suivant :',
      '',
      '    Liste : ventes@lists.example',
      '    De :    ann@shop.example',
      '',
      'Ce message a besoin d’une validation car :',
      '',
      '    The message is not from a list member',
    ]),
  );
  assert.equal(r.kind, 'not-a-bounce');
});

noticeCases([
  {
    name: "Mailman 3's moderator rejection in any language: its untranslated request line follows the line naming the list",
    mail: mailman('vendite@lists.example', 'vendite-bounces@lists.example', 'Request to mailing list "Vendite" rejected', [
      'La tua richiesta alla mailing list vendite@lists.example',
      '',
      '    Posting of your message titled "Price list"',
      '',
      'è stata rifiutata dal moderatore della lista.  Il moderatore ha dato',
      'il seguente motivo per rifiutare la tua richiesta:',
    ]),
    recipients: ['vendite@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: "Mailman 3's immediate rejection of a moderated member's post, its reason in English inside a translation",
    mail: mailman(
      'kunden@lists.example',
      'kunden-owner@lists.example',
      'Price list',
      ['Ihre Nachricht an die Mailingliste Kunden wurde', 'mit folgender Begründung abgelehnt:', '', 'The message comes from a moderated member', ''],
      true,
    ),
    recipients: ['kunden@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'Sympa\'s notice to a post\'s author that the moderator rejected it ("rejected by the moderator", no "list")',
    mail: lines(
      'From: sales-request@lists.example',
      'To: ann@shop.example',
      'Subject: Your message has been rejected',
      'Auto-Submitted: auto-generated',
      'X-Mailer: Sympa 6.2.70',
      'Content-Type: text/plain; charset="US-ASCII"',
      '',
      'Your message for list sales@lists.example has been rejected by the moderator',
      '(mod@lists.example).',
      '',
      '(Subject of your mail: Price list)',
      '',
      'Check sales list usage:',
      'http://lists.example/wws/info/sales',
    ),
    recipients: ['sales@lists.example'],
    category: 'policy',
    hard: false,
  },
]);
