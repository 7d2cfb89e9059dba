/**
 * What scoring the parser on other projects' public bounce collections showed (issue 16, session 37: the test
 * fixtures of crisp-oss/email-bounce-parser, cfortune/PHP-Bounce-Handler, postalsys/emailengine,
 * osandum/bounce-parser, ronbeltran/bounce_email and mailgun/flanker, kept outside the repository; see
 * scripts/bounce-sets/README.md). Each case is written here from the wording those mails showed, with made-up
 * addresses, hosts and texts, never a copy of one: Postfix's and Exim's notices as they wrap a remote reply,
 * the notices coming back to a VERP address as mailtrail's do.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { classify } from '../../../src/classify/index.js';
import { type NoticeCase, noticeCases } from '../../helpers/notice-cases.js';
import { EXIM_PERMANENT_OPENING, postfixOpening } from '../../helpers/notice-text.js';

const VERP = 'b+7-f00d@bounces.shop.example';

/** Postfix's notice for one recipient: its reply wrapped under "<address>: host … said:". */
const postfix = (address: string, reply: string[], reporter = 'mail.shop.example'): Buffer =>
  Buffer.from(
    [
      'From: MAILER-DAEMON@mail.shop.example (Mail Delivery System)',
      `To: ${VERP}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Auto-Submitted: auto-replied',
      '',
      ...postfixOpening(reporter),
      `<${address}>: host mx1.dest.example[192.0.2.25] said:`,
      ...reply.map((line) => `    ${line}`),
      '',
    ].join('\r\n'),
  );

/** Exim's notice for one recipient, the remote reply indented under the address. */
const exim = (address: string, reply: string[]): Buffer =>
  Buffer.from(
    [
      'From: Mail Delivery System <Mailer-Daemon@mail.shop.example>',
      `To: ${VERP}`,
      'Subject: Mail delivery failed: returning message to sender',
      `X-Failed-Recipients: ${address}`,
      'Auto-Submitted: auto-replied',
      '',
      ...EXIM_PERMANENT_OPENING,
      `  ${address}`,
      `    SMTP error from remote mail server after RCPT TO:<${address}>:`,
      ...reply.map((line) => `    ${line}`),
      '',
      '------ This is a copy of the message, including all the headers. ------',
      '',
      `Return-path: <${VERP}>`,
      `To: ${address}`,
      'Subject: Your order',
      '',
    ].join('\r\n'),
  );

const CASES: NoticeCase[] = [
  {
    // An address's local part is the recipient's name, not the server's words: "dmarc", "spf", "spam" or
    // "blocked" in it decided the category (a DMARC failure, soft) before. The reply gives no reason.
    name: 'a reply that gives no reason is not read from the words of the refused address ("<dmarc-reports@…> … Recipient rejected")',
    mail: postfix('dmarc-reports@dest.example', ['550 5.0.1 Recipient rejected (in reply to RCPT TO command)']),
    recipients: ['dmarc-reports@dest.example'],
    category: 'unknown',
    hard: false,
  },
  {
    // A notice whose reply gives no reason is searched for a reason line; the reporting host's own name is not one.
    name: 'the reporting MTA\'s name ("This is the mail system at host rbl-gw.….") is not a reason',
    mail: postfix('ann@dest.example', ['550 5.0.0 Unable to deliver (in reply to RCPT TO command)'], 'rbl-gw.shop.example'),
    recipients: ['ann@dest.example'],
    category: 'unknown',
    hard: false,
  },
  {
    name: 'a user-unknown reply for an address named like a spam trap is still no such user',
    mail: exim('spam-blocked@dest.example', ['host mx1.dest.example [192.0.2.25]: 550 5.1.1 <spam-blocked@dest.example>: User unknown']),
    recipients: ['spam-blocked@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    // Sign in with Apple's private relay refuses an unregistered return path with a 5.1.1 that quotes it: our
    // sender is refused, the relay address is valid, and the quoted VERP address is not a second recipient.
    name: 'Apple\'s private relay: "550 5.1.1 <our return path>: unauthorized sender" is a policy on our sender, one recipient',
    mail: postfix('x7k2p9qd@privaterelay.appleid.example', ['550 5.1.1', `<${VERP}>: unauthorized sender (in`, 'reply to RCPT TO command)']),
    recipients: ['x7k2p9qd@privaterelay.appleid.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'Alibaba Mail\'s misspelt "554 RCPT (<address>) dosn\'t exist" is no such user',
    mail: postfix('li.wei@dest.example', ["554 RCPT (li.wei@dest.example) dosn't exist (in reply to RCPT TO", 'command)']),
    recipients: ['li.wei@dest.example'],
    category: 'mailbox-unknown',
    hard: true,
  },
  {
    // "Unknown recipient or mailbox full" does not say the address is bad: not suppressed.
    name: 'a Spanish "Destinatario desconocido o mailbox lleno" (unknown or full) is not read as a bad address',
    mail: exim('carla@dest.example', ['host mx1.dest.example [192.0.2.25]: 550 <carla@dest.example>:', 'Destinatario desconocido o mailbox lleno']),
    recipients: ['carla@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
  {
    name: 'a Spanish "buzón lleno" is a full mailbox',
    mail: exim('pablo@dest.example', ['host mx1.dest.example [192.0.2.25]: 550 5.0.0 <pablo@dest.example>: el buzón está lleno']),
    recipients: ['pablo@dest.example'],
    category: 'mailbox-full',
    hard: false,
  },
];

noticeCases(CASES);

test("the classifier reads the server's words, not the local part of an address quoted in them", () => {
  const rows: [text: string, category: string][] = [
    ['550 <blocked-spf@dest.example> Recipient rejected', 'mailbox-unknown'],
    ['550 5.0.1 <dmarc@dest.example>: Recipient rejected', 'unknown'],
    ['550 <quota-full@dest.example>: rejected', 'unknown'],
    ['550 <virus-reports@dest.example>: relay access denied', 'relay-denied'],
    // The domain is kept: providers' rules read their hosts, and "…@domain is over quota" its quota.
    ['552 5.2.2 ann@dest.example is over quota', 'mailbox-full'],
  ];
  for (const [text, category] of rows) {
    const c = classify({ phase: 'rcpt', code: Number(text.slice(0, 3)), enhanced: null, text });
    assert.equal(c.category, category, `${text} -> ${c.rule}`);
  }
});

test("the remote server's name, where an MTA introduces its reply, is not the server's words", () => {
  // Filtering services' MX names ("….ess.barracudanetworks.com", "….pphosted.com") read as their blocklist
  // refusals, and an MX named for spam, viruses or greylisting as those, whatever the reply said.
  const reply = '550 5.1.1 <ann@dest.example>: Recipient address rejected: User unknown';
  const hosts = ['d301.ess.barracudanetworks.com', 'mx0b-00aa11.pphosted.com', 'mx.rbl.dest.example', 'virus-scan.dest.example', 'greylist.dest.example'];
  for (const host of hosts) {
    for (const text of [
      `<ann@dest.example>: host ${host}[192.0.2.25] said: ${reply} (in reply to RCPT TO command)`,
      `<ann@dest.example>: host ${host}[IPv6:2001:db8::25] said: ${reply} (in reply to RCPT TO command)`,
      `SMTP error from remote mail server after RCPT TO:<ann@dest.example>: host ${host} [192.0.2.25]: ${reply}`,
      `SMTP error from remote server for RCPT TO command, host: ${host} (192.0.2.25) reason: ${reply}`,
      `... while talking to ${host}.: >>> RCPT To:<ann@dest.example> <<< ${reply}`,
    ]) {
      const c = classify({ phase: 'dsn', code: null, enhanced: '5.1.1', text });
      assert.equal(c.category, 'mailbox-unknown', `${text} -> ${c.rule}`);
    }
  }
  // The host's registrable domain still names the provider that answered: Tencent's enterprise mail at a domain
  // of its own, through "….qq.com", reads as Tencent's reply (Sisimai's Tencent module: its limits).
  const exmail = classify({
    phase: 'dsn',
    code: null,
    enhanced: null,
    text: '<ann@corp.example>: host mxbiz1.qq.com[192.0.2.1] said: 550 Mailbox unavailable or access denied (in reply to RCPT TO command)',
  });
  assert.equal(exmail.rule, 'provider:tencent-frequency');
  // A filtering vendor's name alone is its gateway's signature, not a blocklist: Barracuda's reputation list is named
  // as such (postalsys/bounce-classifier's tests make the same distinction).
  const signed = classify({ phase: 'rcpt', code: 550, enhanced: null, text: '550 5.1.1 User unknown. Protected by Barracuda Networks' });
  assert.equal(signed.category, 'mailbox-unknown', signed.rule);
  const brbl = classify({
    phase: 'rcpt',
    code: 554,
    enhanced: null,
    text: '554 Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation',
  });
  assert.equal(brbl.category, 'reputation-or-blocklist', brbl.rule);
  // Spamhaus's zones named in its reply ("Listed by CSS") are a blocklist.
  const css = classify({ phase: 'dsn', code: null, enhanced: '5.0.0', text: '550 zen.spamhaus.example Listed by CSS' });
  assert.equal(css.category, 'reputation-or-blocklist', css.rule);
  // A blocklist named in the reply itself still decides.
  const listed = classify({
    phase: 'dsn',
    code: null,
    enhanced: '5.7.1',
    text: '<ann@dest.example>: host mx.dest.example[192.0.2.25] said: 554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using b.barracudacentral.org (in reply to RCPT TO command)',
  });
  assert.equal(listed.category, 'reputation-or-blocklist', listed.rule);
});

test('a Hotmail JMRP complaint ("complaint about message from <IP>", the complainer in the attached copy\'s X-HmXmrOriginalRecipient) is a complaint', async () => {
  // Microsoft's Junk Mail Reporting Program before it sent ARF, as Sisimai's ARF reader describes it.
  const mail = Buffer.from(
    [
      'From: staff@hotmail.example',
      'To: fbl@shop.example',
      'Subject: complaint about message from 192.0.2.44',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="j1"',
      '',
      '--j1',
      'Content-Type: message/rfc822',
      'Content-Disposition: inline',
      '',
      'X-HmXmrOriginalRecipient: kim@hotmail.example',
      'X-Reporter-IP: 198.51.100.9',
      'From: news@shop.example',
      'To: "kim@hotmail.example" <kim@hotmail.example>',
      'Subject: Our spring sale',
      'Message-ID: <sale-9@shop.example>',
      '',
      'Spring sale!',
      '',
      '--j1--',
      '',
    ].join('\r\n'),
  );
  const r = await parseBounce(mail);
  assert.deepEqual(
    { kind: r.kind, feedback: r.feedback_type, recipients: r.recipients.map((x) => x.address), id: r.original_message_id },
    { kind: 'complaint', feedback: 'abuse', recipients: ['kim@hotmail.example'], id: '<sale-9@shop.example>' },
  );
  // The same copy sent on as an ordinary mail, without that title, is not a report.
  const forwarded = Buffer.from(mail.toString().replace('Subject: complaint about message from 192.0.2.44', 'Subject: Fwd: look at this'));
  assert.notEqual((await parseBounce(forwarded)).kind, 'complaint');
});

test('a machine-written mail marked Auto-Submitted: auto-generated or auto-notified, not a notice, is an automatic reply', async () => {
  const mail = (auto: string, from = 'Kim Lee <kim@dest.example>', subject = 'Re: Your order') =>
    Buffer.from(
      [
        `From: ${from}`,
        `To: ${VERP}`,
        `Subject: ${subject}`,
        'Message-ID: <r1@dest.example>',
        'In-Reply-To: <order-77@shop.example>',
        `Auto-Submitted: ${auto}`,
        '',
        'Thank you for your message.',
        '',
      ].join('\r\n'),
    );
  for (const auto of ['auto-generated', 'auto-notified', 'auto-generated; owner-email="kim@dest.example"']) {
    const r = await parseBounce(mail(auto));
    assert.deepEqual(
      { kind: r.kind, who: r.recipients.map((x) => x.address), id: r.original_message_id },
      { kind: 'auto-reply', who: ['kim@dest.example'], id: '<order-77@shop.example>' },
      auto,
    );
  }
  // "no" marks a person's mail; a system's own mail to root answers nothing of ours.
  assert.equal((await parseBounce(mail('no'))).kind, 'not-a-bounce');
  assert.equal((await parseBounce(mail('auto-generated', 'Cron Daemon <root@dest.example>', 'Cron <root@host> run-parts'))).kind, 'not-a-bounce');
  // A notice marked so stays a notice.
  const notice = Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.dest.example>',
      `To: ${VERP}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Auto-Submitted: auto-generated',
      '',
      '<kim@dest.example>: host mx2.dest.example[192.0.2.8] said: 550 5.1.1 User unknown (in reply to RCPT TO command)',
      '',
    ].join('\r\n'),
  );
  assert.equal((await parseBounce(notice)).kind, 'bounce');
});
