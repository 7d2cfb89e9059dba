/**
 * One remote server's refusal of RCPT reads the same whichever MTA's notice carries it back: Postfix's
 * report, Exim's notice, qmail's notice and Sendmail's report each frame the reply in their own words
 * ("said:", "SMTP error from remote mail server after RCPT TO", "does not like recipient … Giving up on",
 * a `>>> RCPT To` transcript), and those words must not become the reason (issue 16: the same MTAs with
 * other remote replies). Written notices, made-up replies of every family.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import { EXIM_PERMANENT_OPENING } from '../../helpers/notice-text.js';

const TO = 'ann@far.example';
const head = (from: string, subject: string, extra: string[] = []) => [`From: ${from}`, 'To: b+7-f00d@bounces.shop.example', `Subject: ${subject}`, ...extra];
const statusOf = (reply: string) => /^[45]\d\d[ -]([45]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? `${reply[0]}.0.0`;

/** Postfix's report: a paragraph per recipient in its text part, a block of fields per recipient after it. */
const postfixReport = (paragraphs: string[], fields: string[]) => [
  ...head('MAILER-DAEMON@mx.example (Mail Delivery System)', 'Undelivered Mail Returned to Sender', [
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
  ]),
  '',
  '--b1',
  'Content-Type: text/plain',
  '',
  'This is the mail system at host mx.example.',
  '',
  ...paragraphs,
  '--b1',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mx.example',
  '',
  ...fields,
  '--b1--',
];

const FORMATS: Record<string, (reply: string) => string[]> = {
  Postfix: (reply) =>
    postfixReport(
      [`<${TO}>: host mx.far.example[192.0.2.1] said: ${reply} (in reply to RCPT TO command)`, ''],
      [
        `Final-Recipient: rfc822; ${TO}`,
        'Action: failed',
        `Status: ${statusOf(reply)}`,
        'Remote-MTA: dns; mx.far.example',
        `Diagnostic-Code: smtp; ${reply}`,
        '',
      ],
    ),
  Exim: (reply) => [
    ...head('Mail Delivery System <Mailer-Daemon@mx.example>', 'Mail delivery failed: returning message to sender', [`X-Failed-Recipients: ${TO}`]),
    '',
    ...EXIM_PERMANENT_OPENING,
    `  ${TO}`,
    '    host mx.far.example [192.0.2.1]',
    `    SMTP error from remote mail server after RCPT TO:<${TO}>:`,
    `    ${reply}`,
    '',
    '------ This is a copy of the message, including all the headers. ------',
    '',
    'Subject: your order',
  ],
  qmail: (reply) => [
    ...head('MAILER-DAEMON@mx.example', 'failure notice'),
    '',
    'Hi. This is the qmail-send program at mx.example.',
    "I'm afraid I wasn't able to deliver your message to the following addresses.",
    "This is a permanent error; I've given up. Sorry it didn't work out.",
    '',
    `<${TO}>:`,
    '192.0.2.1 does not like recipient.',
    `Remote host said: ${reply}`,
    'Giving up on 192.0.2.1.',
    '',
    '--- Below this line is a copy of the message.',
    '',
    'Subject: your order',
  ],
  Sendmail: (reply) => [
    ...head('Mail Delivery Subsystem <MAILER-DAEMON@mx.example>', 'Returned mail: see transcript for details', [
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b2"',
    ]),
    '',
    '--b2',
    '',
    '   ----- The following addresses had permanent fatal errors -----',
    `<${TO}>`,
    `    (reason: ${reply})`,
    '',
    '   ----- Transcript of session follows -----',
    '... while talking to mx.far.example.:',
    `>>> RCPT To:<${TO}>`,
    `<<< ${reply}`,
    '',
    '--b2',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example',
    '',
    `Final-Recipient: RFC822; ${TO}`,
    'Action: failed',
    `Status: ${statusOf(reply)}`,
    `Diagnostic-Code: SMTP; ${reply}`,
    '',
    '--b2--',
  ],
  // DragonFly's dma: the stage in its own words ("did not like our RCPT TO:") on the line before the reply.
  DragonFly: (reply) => [
    ...head('MAILER-DAEMON@mx.example', 'Mail delivery failed'),
    '',
    'This is the DragonFly Mail Agent v0.11 at mx.example.',
    '',
    `There was an error delivering your mail to <${TO}>.`,
    '',
    'mx.far.example [192.0.2.1] did not like our RCPT TO:',
    reply,
    '',
    'Original message follows.',
    '',
    'Subject: your order',
  ],
  // Yahoo's older notices: "Remote host said:", the stage marked after the reply.
  Yahoo: (reply) => [
    ...head('MAILER-DAEMON@yahoo.example', 'Failure Notice'),
    '',
    'Sorry, we were unable to deliver your message to the following address.',
    '',
    `<${TO}>:`,
    `Remote host said: ${reply} [RCPT_TO]`,
    '',
    '--- Below this line is a copy of the message.',
    '',
    'Subject: your order',
  ],
  // Stalwart: the reply taken apart in its text part ("host '…' rejected command 'RCPT TO:<…>' with code 550
  // (5.1.1) '…'"), the status only in the Status field.
  Stalwart: (reply) => {
    const [, code, status, words] = /^(\d{3})[ -](?:([245]\.\d{1,3}\.\d{1,3}) )?(.*)$/.exec(reply) ?? [];
    return [
      ...head('"Mail Delivery Subsystem" <MAILER-DAEMON@mx.example>', 'Failed to deliver message', [
        'Auto-Submitted: auto-generated',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type="delivery-status"; boundary="st"',
      ]),
      '',
      '--st',
      'Content-Type: text/plain; charset="utf-8"',
      '',
      'Your message could not be delivered to the following recipients:',
      '',
      `<${TO}> (host 'mx.far.example' rejected command 'RCPT TO:<${TO}>' with code ${code} (${status ?? statusOf(reply)}) '${words}')`,
      '',
      '--st',
      'Content-Type: message/delivery-status; charset="utf-8"',
      '',
      'Reporting-MTA: dns;mx.example',
      '',
      `Final-Recipient: rfc822;${TO}`,
      'Action: failed',
      `Status: ${status ?? statusOf(reply)}`,
      `Diagnostic-Code: smtp;${code} ${words}`,
      'Remote-MTA: dns;mx.far.example',
      '',
      '--st--',
    ];
  },
  // Momentum-style summary in front of the quoted reply ("5.1.0 - Unknown address error 550-'…'"), as Amazon
  // SES's older notices carry it: the summary's words must not outrank the reply's own.
  'Amazon SES': (reply) => [
    ...head('MAILER-DAEMON@email-bounces.amazonses.example', 'Delivery Status Notification (Failure)', [
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="s1"',
    ]),
    '',
    '--s1',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    'An error occurred while trying to deliver the mail to the following recipients:',
    TO,
    '',
    '--s1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; a1-2.smtp-out.amazonses.example',
    '',
    `Final-Recipient: rfc822; ${TO}`,
    'Action: failed',
    'Status: 5.0.0 (permanent failure)',
    'Remote-MTA: dns; [192.0.2.1]',
    `Diagnostic-Code: smtp; 5.1.0 - Unknown address error ${reply.slice(0, 4)}'${reply.slice(4)}' (delivery attempts: 0)`,
    '',
    '--s1--',
  ],
};

/** Replies with a reason of their own, one or more per family, and the category each must read as. */
const REPLIES: Array<[string, string]> = [
  ['550 5.1.1 <ann@far.example>: Recipient address rejected: User unknown in virtual mailbox table', 'mailbox-unknown'],
  ['550 No such user here', 'mailbox-unknown'],
  ['552 5.2.2 Mailbox full, try again later', 'mailbox-full'],
  ['550 5.2.1 The email account that you tried to reach is disabled', 'mailbox-disabled'],
  ['554 5.7.1 <ann@far.example>: Relay access denied', 'relay-denied'],
  ['554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.example', 'reputation-or-blocklist'],
  ['550 5.7.9 Rejected', 'policy'],
  ['554 5.7.9 Message not accepted for policy reasons', 'policy'],
  ['550 Denied by policy', 'policy'],
  ['550 5.4.7 Message expired, delivery time exceeded', 'expired'],
  ['504 5.5.2 Command parameter not implemented', 'protocol-error'],
  ['503 Improper sequence of commands', 'protocol-error'],
  ['552 5.3.4 Message size exceeds fixed maximum message size', 'message-too-large'],
];

test("a remote server's refusal reads the same in Postfix's, Exim's, qmail's, Sendmail's, DragonFly's, Yahoo's, Stalwart's and Amazon SES's notices", () => {
  const wrong: string[] = [];
  for (const [reply, category] of REPLIES) {
    for (const [mta, notice] of Object.entries(FORMATS)) {
      const r = parseBounceSync(Buffer.from([...notice(reply), ''].join('\r\n')));
      const got = r.recipients.find((x) => x.address === TO);
      if (r.kind !== 'bounce' || r.recipients.length !== 1 || got?.category !== category)
        wrong.push(`${mta} "${reply}": ${r.kind}, ${r.recipients.length} recipients, ${got?.category}`);
    }
  }
  assert.deepEqual(wrong, []);
});

/**
 * The recipient's domain is a name, not the server's words: the same notices about a recipient whose domain holds
 * a rule's word (its hosts named "mx.<domain>", the address quoted in the reply) read as they do for far.example.
 * Before, "host mx.unknownworlds.example[…] said: 554 … spam" read as an unknown domain (hard), and a
 * domain named like a blocklist turned every reply into that blocklist's refusal.
 */
test("the recipient's domain is a name: whatever words it holds, each MTA's notice reads as it does for a plain one", () => {
  const wrong: string[] = [];
  const read = (lines: string[], to: string) => {
    const r = parseBounceSync(Buffer.from([...lines, ''].join('\r\n')));
    const got = r.recipients.find((x) => x.address === to);
    return `${r.kind}/${r.recipients.length}/${got?.category}/${got?.hard}`;
  };
  for (const domain of ['unknownworlds.example', 'timeout.example', 'blockchain.example', 'fullsail.example', 'spamcop.example', 'relay-net.example']) {
    for (const [reply] of REPLIES) {
      for (const [mta, notice] of Object.entries(FORMATS)) {
        const lines = notice(reply);
        const plain = read(lines, TO);
        const named = read(
          lines.map((line) => line.replaceAll('far.example', domain)),
          TO.replace('far.example', domain),
        );
        if (named !== plain) wrong.push(`${mta} ${domain} "${reply}": ${named}, not ${plain}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('qmail\'s own framing decides only where the reply says nothing: "does not like recipient" then reads as the address refused', () => {
  const r = parseBounceSync(Buffer.from([...FORMATS.qmail!('550 Requested action not taken'), ''].join('\r\n')));
  assert.equal(r.recipients[0]?.category, 'mailbox-unknown');
  assert.equal(r.recipients[0]?.hard, true);
  // "Giving up on <IP>." is qmail giving up on that host after the refusal, not an expired message.
  assert.notEqual(r.recipients[0]?.evidence?.rule, 'wording:expired');
  // RFC 5321's stock text, read as a missing mailbox only where the reply answered RCPT: qmail's "does not
  // like recipient" shows that as Postfix's "in reply to RCPT TO command" does (it read as unexplained;
  // found in PHP-Bounce-Handler's and CwsMailBounceHandler's fixtures).
  const stock = parseBounceSync(Buffer.from([...FORMATS.qmail!('550 Requested action not taken: mailbox unavailable'), ''].join('\r\n')));
  const postfix = parseBounceSync(Buffer.from([...FORMATS.Postfix!('550 Requested action not taken: mailbox unavailable'), ''].join('\r\n')));
  assert.deepEqual([stock.recipients[0]?.category, stock.recipients[0]?.hard], [postfix.recipients[0]?.category, postfix.recipients[0]?.hard]);
  assert.equal(stock.recipients[0]?.category, 'mailbox-unknown');
});

/**
 * The same replies answered to end of DATA or to MAIL FROM, where each MTA states the stage in its own place:
 * Postfix's report in its text part only (not in the Diagnostic-Code), Exim's plain notice beside the reply,
 * Sendmail in its transcript (`>>> DATA` / `<<< …`). A "user unknown" there is a filter's refusal or about
 * our sender, and reads so in all three.
 */
const AT_STAGE: Record<string, (reply: string, stage: 'DATA' | 'MAIL') => string[]> = {
  Postfix: (reply, stage) =>
    FORMATS.Postfix!(reply).map((line) =>
      line.replace('(in reply to RCPT TO command)', stage === 'DATA' ? '(in reply to end of DATA command)' : '(in reply to MAIL FROM command)'),
    ),
  Exim: (reply, stage) =>
    FORMATS.Exim!(reply).map((line) =>
      line.replace(`after RCPT TO:<${TO}>:`, stage === 'DATA' ? 'after end of data:' : 'after MAIL FROM:<news@shop.example> SIZE=2048:'),
    ),
  Stalwart: (reply, stage) =>
    FORMATS.Stalwart!(reply).map((line) =>
      line.replace(`rejected command 'RCPT TO:<${TO}>'`, stage === 'DATA' ? "rejected command 'DATA'" : "rejected command 'MAIL FROM:<news@shop.example>'"),
    ),
  Sendmail: (reply, stage) =>
    FORMATS.Sendmail!(reply).map((line) =>
      line === `>>> RCPT To:<${TO}>` ? (stage === 'DATA' ? '>>> DATA' : '>>> MAIL From:<news@shop.example> SIZE=2048') : line,
    ),
};

test("a reply to end of DATA or to MAIL FROM reads the same in Postfix's report, Exim's notice, Sendmail's transcript and Stalwart's report, wherever each states the stage", () => {
  const wrong: string[] = [];
  for (const stage of ['DATA', 'MAIL'] as const) {
    for (const reply of [
      '550 5.1.1 <ann@far.example>... User unknown',
      '550 No such user here',
      '550 Rejected',
      '554 5.7.1 Message content rejected as spam',
    ]) {
      const readings = Object.entries(AT_STAGE).map(([mta, notice]) => {
        const r = parseBounceSync(Buffer.from([...notice(reply, stage), ''].join('\r\n')));
        const got = r.recipients.find((x) => x.address === TO);
        return [mta, `${r.kind}/${r.recipients.length}/${got?.category}/${got?.hard ? 'hard' : 'soft'}/${got?.confidence}`] as const;
      });
      // An explicit 5.1.1 at the end of DATA stays what it says (gateways that check recipients only after the
      // message say so with it), but as weak evidence: `suppress_on: high-confidence` passes it by.
      const explicit = stage === 'DATA' && reply.startsWith('550 5.1.1');
      const unwanted = (v: string) => (explicit ? !v.endsWith('/mailbox-unknown/hard/low') : v.includes('/hard/'));
      if (new Set(readings.map(([, v]) => v)).size > 1 || readings.some(([, v]) => unwanted(v)))
        wrong.push(`${stage} "${reply}": ${readings.map(([m, v]) => `${m} ${v}`).join(', ')}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("in Postfix's report about several recipients, each one's stage is read from its own paragraph", () => {
  const paragraph = (to: string, stage: string) => [
    `<${to}>: host mx.far.example[192.0.2.1] said: 550 5.0.0 User unknown`,
    `    (in reply to ${stage} command)`,
    '',
  ];
  const fields = (to: string) => [`Final-Recipient: rfc822; ${to}`, 'Action: failed', 'Status: 5.0.0', 'Diagnostic-Code: smtp; 550 5.0.0 User unknown', ''];
  const mail = [
    ...postfixReport(
      [...paragraph('ann@far.example', 'end of DATA'), ...paragraph('bob@far.example', 'RCPT TO')],
      [...fields('ann@far.example'), ...fields('bob@far.example')],
    ),
    '',
  ];
  const r = parseBounceSync(Buffer.from(mail.join('\r\n')));
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.hard]),
    [
      ['ann@far.example', false],
      ['bob@far.example', true],
    ],
  );
});
