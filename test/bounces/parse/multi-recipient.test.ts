/**
 * Notices about several recipients, each with its own reply (issue 16: the hidden sets carry more of them than
 * the dev corpus). Each recipient must read as it reads alone in the same format: its own reply, status,
 * category and hard/soft, no reply taken from a neighbour, none lost, no extra recipient, and a delayed one
 * beside a failed one reported as delayed. Written notices in each MTA's layout, made-up addresses and replies;
 * the same notices re-sent quoted-printable and base64 read the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import type { ParseResult } from '../../../src/bounces/types.js';
import { deliveryReport } from '../../helpers/notice-text.js';

const VERP = 'To: b+7-f00d@bounces.shop.example';
const parse = (lines: string[]) => parseBounceSync(Buffer.from([...lines, ''].join('\r\n')));
/** The opening of Postfix's notice without a report part; a paragraph a recipient follows. */
const POSTFIX_PLAIN = [
  'From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)',
  VERP,
  'Subject: Undelivered Mail Returned to Sender',
  '',
  'This is the Postfix program at host mx.shop.example.',
  '',
  "I'm sorry to have to inform you that your message could not",
  "be delivered to one or more recipients. It's attached below.",
  '',
];
const readings = (r: ParseResult) => r.recipients.map((x) => [x.address, x.action, x.category, x.hard]);

/** Three recipients, three replies: one quoting its address, two quoting none (the kind a neighbour could take). */
const THREE: Array<[string, string, string, boolean]> = [
  ['ann@far.example', '550 5.1.1 <ann@far.example>: User unknown', 'mailbox-unknown', true],
  ['bob@near.example', '552 Requested mail action aborted: exceeded storage allocation', 'mailbox-full', false],
  ['cy@far.example', '550 No such user here', 'mailbox-unknown', true],
];
const THREE_READ = THREE.map(([to, , category, hard]) => [to, 'failed', category, hard]);

test('Sendmail: recipients under "transient non-fatal errors" are delayed beside those under "permanent fatal errors"; a delivered one is not a failure', () => {
  const r = parse([
    'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.shop.example>',
    VERP,
    'Subject: Returned mail: see transcript for details',
    '',
    'The original message was received at Mon, 1 Dec 2026 10:00:00 GMT',
    'from shop.example [192.0.2.50]',
    '',
    '   ----- The following addresses had permanent fatal errors -----',
    '<ann@far.example>',
    '    (reason: 550 5.1.1 <ann@far.example>... User unknown)',
    '',
    '   ----- The following addresses had transient non-fatal errors -----',
    '<bob@near.example>',
    '    (reason: 450 4.2.0 <bob@near.example>... Greylisted, try again later)',
    '',
    '   ----- The following addresses had successful delivery notifications -----',
    '<cy@other.example>  (relayed to non-DSN-aware mailer)',
    '',
    '   ----- Transcript of session follows -----',
    '... while talking to mx.far.example.:',
    '>>> RCPT To:<ann@far.example>',
    '<<< 550 5.1.1 <ann@far.example>... User unknown',
    '550 5.1.1 <ann@far.example>... User unknown',
    '... while talking to mx.near.example.:',
    '>>> RCPT To:<bob@near.example>',
    '<<< 450 4.2.0 <bob@near.example>... Greylisted, try again later',
    '<bob@near.example>... Deferred: 450 4.2.0 Greylisted, try again later',
    '',
    '   ----- Original message follows -----',
    'From: news@shop.example',
    'To: ann@far.example, bob@near.example, cy@other.example',
  ]);
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.filter((x) => x.action !== 'delivered').map((x) => [x.address, x.action, x.status, x.hard]),
    [
      ['ann@far.example', 'failed', '5.1.1', true],
      ['bob@near.example', 'delayed', '4.2.0', false],
    ],
  );
  assert.ok(
    r.recipients.every((x) => x.address !== 'cy@other.example' || x.action === 'delivered'),
    `a recipient listed as delivered is not a failure: ${JSON.stringify(readings(r))}`,
  );
});

test('Sendmail: a warning that lists only transient errors stays a delay', () => {
  const r = parse([
    'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.shop.example>',
    VERP,
    'Subject: Warning: could not send message for past 4 hours',
    '',
    '   ----- The following addresses had transient non-fatal errors -----',
    '<ann@far.example>',
    '<bob@near.example>',
    '',
    '   ----- Transcript of session follows -----',
    '<ann@far.example>... Deferred: Connection timed out with mx.far.example.',
    '<bob@near.example>... Deferred: 452 4.2.2 Mailbox full',
  ]);
  assert.equal(r.kind, 'delay');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action]),
    [
      ['ann@far.example', 'delayed'],
      ['bob@near.example', 'delayed'],
    ],
  );
});

/** Exchange 2007+: the recipients by name first, then again under "Diagnostic information for administrators", each with the remote reply under it. */
const exchange = (replies: Array<[string, string]>) => [
  'From: Microsoft Outlook <postmaster@corp.example.com>',
  VERP,
  'Subject: Undeliverable: Your order',
  '',
  'Delivery has failed to these recipients or groups:',
  '',
  ...replies.flatMap(([to]) => [`${to} (${to})`, "Your message couldn't be delivered. The remote server returned an error.", '']),
  'Diagnostic information for administrators:',
  '',
  'Generating server: mbx1.corp.example.com',
  '',
  ...replies.flatMap(([to, reply]) => [to, `Remote Server returned '${reply}'`, '']),
  'Original message headers:',
  '',
  'From: news@shop.example',
  'To: ann@far.example',
];

test("Exchange 2007+: each recipient takes the reply under its own line in the administrators' section, a reply quoted without a status too", () => {
  const r = parse(
    exchange([
      ['ann@far.example', '550 No such user here'],
      ['bob@near.example', '552 Requested mail action aborted: exceeded storage allocation'],
      ['cy@far.example', '554 5.7.1 Message rejected by policy'],
    ]),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(readings(r), [
    ['ann@far.example', 'failed', 'mailbox-unknown', true],
    ['bob@near.example', 'failed', 'mailbox-full', false],
    ['cy@far.example', 'failed', 'policy', false],
  ]);
});

test('a list of addresses, then one reason written under it after a blank line (Apache James): every listed address takes it', () => {
  const r = parse([
    'From: postmaster@james.example.com',
    VERP,
    'Subject: [BOUNCE]',
    '',
    'Hi. This is the James mail server at james.example.com.',
    "I'm afraid I wasn't able to deliver your message to the following addresses.",
    "This is a permanent error; I've given up. Sorry it didn't work out.  Below",
    'I include the list of recipients and the reason why I was unable to deliver',
    'your message.',
    '',
    'Failed recipient(s):',
    'ann@far.example',
    'bob@far.example',
    '',
    'Error message:',
    '550 No such user here',
  ]);
  assert.deepEqual(readings(r), [
    ['ann@far.example', 'failed', 'mailbox-unknown', true],
    ['bob@far.example', 'failed', 'mailbox-unknown', true],
  ]);
});

test('Domino: a "was not delivered to: … because: …" block a recipient, each recipient reads its own "because:"', () => {
  const block = (to: string, reason: string) => ['was not delivered to:', '', `  ${to}`, '', 'because:', '', `  ${reason}`, ''];
  const r = parse([
    'From: Postmaster@domino.example.com',
    VERP,
    'Subject: DELIVERY FAILURE: Error transferring to mx; SMTP Protocol Returned a Permanent Error',
    '',
    'Your message',
    '',
    '  Subject: Your order',
    '',
    ...THREE.flatMap(([to, reply]) => block(to, reply)),
  ]);
  assert.deepEqual(readings(r), THREE_READ);
});

test('a report with failed, delayed, delivered, relayed and expanded recipients: only failed and delayed ones are problems (RFC 3464 §2.3.3)', () => {
  const group = (to: string, action: string, status: string, diagnostic?: string) => [
    `Final-Recipient: rfc822; ${to}`,
    `Action: ${action}`,
    `Status: ${status}`,
    ...(diagnostic ? [`Diagnostic-Code: smtp; ${diagnostic}`] : []),
    '',
  ];
  const r = parse([
    'From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)',
    VERP,
    'Subject: Delivery Status Notification',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Delivery report for your message.',
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.shop.example',
    '',
    ...group('ann@far.example', 'failed', '5.1.1', '550 5.1.1 <ann@far.example>: User unknown'),
    ...group('bob@near.example', 'delayed', '4.2.0', '450 4.2.0 <bob@near.example>: Greylisted'),
    ...group('cy@far.example', 'delivered', '2.0.0', '250 2.0.0 Ok: queued'),
    ...group('dee@other.example', 'relayed', '2.0.0'),
    ...group('eve@other.example', 'expanded', '2.0.0'),
    '--b1--',
  ]);
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.action, x.hard]),
    [
      ['ann@far.example', 'failed', true],
      ['bob@near.example', 'delayed', false],
      ['cy@far.example', 'delivered', false],
      ['dee@other.example', 'relayed', false],
      ['eve@other.example', 'expanded', false],
    ],
  );
});

/** Quoted-printable with short lines: soft breaks inside replies and addresses, `=` as `=3D`, a blank before a soft break as `=20`. */
function shortQuotedPrintable(text: string, width: number): string {
  return text
    .split('\r\n')
    .map((line) => {
      let rest = line.replace(/=/g, '=3D');
      const out: string[] = [];
      while (rest.length > width) {
        let cut = width;
        if (rest[cut - 1] === '=') cut -= 1;
        else if (rest[cut - 2] === '=') cut -= 2;
        const piece = rest.slice(0, cut);
        out.push(`${piece.endsWith(' ') ? `${piece.slice(0, -1)}=20` : piece}=`);
        rest = rest.slice(cut);
      }
      out.push(rest);
      return out.join('\r\n');
    })
    .join('\r\n');
}

/** A plain notice's body re-sent in a transfer encoding (its header gains MIME-Version and the encoding). */
function reencoded(lines: string[], encoding: 'quoted-printable' | 'base64', charset: string): Buffer {
  const mail = [...lines, ''].join('\r\n');
  const split = mail.indexOf('\r\n\r\n');
  const body = mail.slice(split + 4);
  const encoded =
    encoding === 'base64'
      ? (
          Buffer.from(body, charset === 'utf-8' ? 'utf8' : 'latin1')
            .toString('base64')
            .match(/.{1,76}/g) ?? []
        ).join('\r\n')
      : shortQuotedPrintable(body, 22);
  return Buffer.from(
    `${mail.slice(0, split)}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${encoded}\r\n`,
    'latin1',
  );
}

test('several recipients with their own replies read the same when the notice is re-sent quoted-printable (soft breaks inside addresses and replies) or base64', () => {
  const notices: Record<string, string[]> = {
    Exchange: exchange([
      ['ann@far.example', '550 5.1.1 <ann@far.example>: Recipient address rejected: User unknown'],
      ['bob.m@near.example', '450 4.2.0 <bob.m@near.example>: Greylisted, see http://grey.example/?ip=1'],
    ]),
    Postfix: [
      ...POSTFIX_PLAIN,
      '<ann@far.example>: host mx.far.example[192.0.2.1] said: 552 5.2.2',
      '    <ann@far.example>: Mailbox full, quota exceeded (in reply to RCPT TO command)',
      '',
      '<bob.m@near.example>: host mx.near.example[192.0.2.2] said: 550 5.1.1',
      '    <bob.m@near.example>: Recipient address rejected: User unknown (in reply to',
      '    RCPT TO command)',
      '',
      '<cy@far.example>: Host or domain name not found. Name service error for',
      '    name=far-away.example type=MX: Host not found, try again',
    ],
  };
  for (const [format, lines] of Object.entries(notices)) {
    const plain = readings(parse(lines));
    assert.equal(plain.length, format === 'Postfix' ? 3 : 2, `${format}: ${JSON.stringify(plain)}`);
    for (const [encoding, charset] of [
      ['quoted-printable', 'us-ascii'],
      ['base64', 'utf-8'],
      ['base64', 'iso-8859-1'],
    ] as const) {
      assert.deepEqual(readings(parseBounceSync(reencoded(lines, encoding, charset))), plain, `${format}, ${encoding} ${charset}`);
    }
  }
});

test("a reply written below its recipient after a blank line and a heading (IceWarp's \"The reason:\") is that recipient's, not the next one's", () => {
  const block = (to: string, reply: string) => [to, '', 'The reason:', '', reply, ''];
  const r = parse([
    'From: postmaster@icewarp.example.com',
    VERP,
    'Subject: Undeliverable message',
    '',
    'Delivery has failed.',
    '',
    'The original message was not delivered to the following recipient(s):',
    '',
    ...THREE.flatMap(([to, reply]) => block(to, reply)),
  ]);
  assert.deepEqual(readings(r), THREE_READ);
});

/** m-FILTER's Japanese lines in ISO-2022-JP (as it sends them): "以下のメールアドレスへの送信に失敗しました。", "このメールは送信できませんでした。". */
const FAILED_TO_SEND_JIS = '\x1b$B0J2<$N%a!<%k%"%I%l%9$X$NAw?.$K<:GT$7$^$7$?!#\x1b(B';
const NOT_SENT_JIS = '\x1b$B$3$N%a!<%k$OAw?.$G$-$^$;$s$G$7$?!#\x1b(B';

test('m-FILTER in ISO-2022-JP, as sent and re-sent base64: a block a recipient, each with its own server message', () => {
  const block = (to: string, reply: string) => [FAILED_TO_SEND_JIS, to, '', '', '-------server message', reply, '', '-------SMTP command', 'RCPT TO', ''];
  const body = [
    NOT_SENT_JIS,
    '',
    ...block('sato@dest.example.jp', '550 5.1.1 unknown user <sato@dest.example.jp>'),
    ...block('kato@dest.example.jp', '552 Requested mail action aborted: exceeded storage allocation'),
    ...block('ito@dest.example.jp', '550 No such user here'),
    '-------original message',
    '',
  ].join('\r\n');
  assert.equal(new TextDecoder('iso-2022-jp').decode(Buffer.from(FAILED_TO_SEND_JIS, 'latin1')), '以下のメールアドレスへの送信に失敗しました。');
  const head = [
    'From: postmaster@mf.example.jp',
    VERP,
    'Subject: failure notice',
    'X-Mailer: m-FILTER',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=iso-2022-jp',
  ];
  const sent = Buffer.from([...head, 'Content-Transfer-Encoding: 7bit', '', body].join('\r\n'), 'latin1');
  const base64 = Buffer.from(
    [
      ...head,
      'Content-Transfer-Encoding: base64',
      '',
      ...(Buffer.from(body, 'latin1')
        .toString('base64')
        .match(/.{1,76}/g) ?? []),
      '',
    ].join('\r\n'),
    'latin1',
  );
  const want = [
    ['sato@dest.example.jp', 'failed', 'mailbox-unknown', true],
    ['kato@dest.example.jp', 'failed', 'mailbox-full', false],
    ['ito@dest.example.jp', 'failed', 'mailbox-unknown', true],
  ];
  assert.deepEqual(readings(parseBounceSync(sent)), want);
  assert.deepEqual(readings(parseBounceSync(base64)), want);
});

test("a report's Diagnostic-Code folded over several lines gives each recipient its own whole reply", () => {
  const fields = (to: string, status: string, reply: string[]) => [
    `Final-Recipient: rfc822; ${to}`,
    'Action: failed',
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${reply[0]}`,
    ...reply.slice(1).map((l) => `\t${l}`),
    '',
  ];
  const r = parse([
    'From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)',
    VERP,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered to some recipients.',
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.shop.example',
    '',
    ...fields('ann@far.example', '5.0.0', ['552 5.2.2 <ann@far.example>:', 'Mailbox full,', 'quota exceeded']),
    ...fields('bob@near.example', '5.0.0', ['550 5.1.1 <bob@near.example>:', 'Recipient address rejected:', 'User unknown in local', 'recipient table']),
    '--b1--',
  ]);
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.status, x.category, x.hard]),
    [
      ['ann@far.example', '5.2.2', 'mailbox-full', false],
      ['bob@near.example', '5.1.1', 'mailbox-unknown', true],
    ],
  );
});

test('an address a reply refuses as our sender ("<addr>: Sender address rejected") is never a failed recipient, even at the start of a wrapped line', () => {
  const postfix = parse([
    ...POSTFIX_PLAIN,
    '<ann@far.example>: host mx.far.example[192.0.2.1] said: 553 5.7.1',
    '    <news@shop.example>: Sender address rejected: not owned by user',
    '    news@shop.example (in reply to RCPT TO command)',
    '',
    '<bob@near.example>: host mx.near.example[192.0.2.2] said: 550 5.1.1',
    '    <bob@near.example>: Recipient address rejected: User unknown (in reply to',
    '    RCPT TO command)',
  ]);
  assert.deepEqual(
    postfix.recipients.map((x) => [x.address, x.hard]),
    [
      ['ann@far.example', false],
      ['bob@near.example', true],
    ],
  );
  const kerio = parse([
    'From: Mail Delivery System <postmaster@kerio.example.com>',
    VERP,
    'Subject: Undeliverable: Your order',
    '',
    'Your message did not reach some or all of the intended recipients.',
    '',
    'The following recipient(s) could not be reached:',
    '',
    '   Recipient: ann@far.example',
    '   Reason: 553 5.1.8 <news@shop.example>: Sender address rejected: Domain not found',
  ]);
  assert.deepEqual(
    kerio.recipients.map((x) => [x.address, x.hard]),
    [['ann@far.example', false]],
  );
  assert.match(kerio.recipients[0]?.diagnostic ?? '', /Sender address rejected/, "the reply is the recipient's reason");
});

test("a recipient whose reason is prose without a code never takes a neighbour's reply code (IceWarp's blocks, Exchange's relisting)", () => {
  const dns = (to: string) => `Host or domain name not found. Name service error for name=${to.slice(to.indexOf('@') + 1)} type=MX: Host not found`;
  const gmail =
    "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550 5.1.1 unnecessary spaces.";
  const iceWarp = parse([
    'From: postmaster@icewarp.example.com',
    VERP,
    'Subject: Undeliverable message',
    '',
    'The original message was not delivered to the following recipient(s):',
    '',
    ...['ann@far.example', '', 'The reason:', '', gmail, ''],
    ...['bob@gone.example', '', 'The reason:', '', dns('bob@gone.example'), ''],
  ]);
  const exchangeNotice = parse(
    exchange([
      ['ann@far.example', gmail],
      ['bob@gone.example', dns('bob@gone.example')],
    ]),
  );
  for (const [format, r] of [
    ['IceWarp', iceWarp],
    ['Exchange', exchangeNotice],
  ] as const) {
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.category, x.hard]),
      [
        ['ann@far.example', 'mailbox-unknown', true],
        ['bob@gone.example', 'domain-unknown', true],
      ],
      format,
    );
  }
});

/** A delivery-status report for two recipients, the first refused with `first`, the second with a full mailbox. */
const twoRecipientReport = (notice: string[], first: string): string[] =>
  deliveryReport(['From: MAILER-DAEMON@mx.shop.example', VERP, 'Subject: Returned mail: see transcript for details'], notice, [
    'Reporting-MTA: dns; mx.shop.example',
    '',
    'Final-Recipient: rfc822; ann@carrier.example',
    'Action: failed',
    'Status: 5.0.0',
    `Diagnostic-Code: smtp; ${first}`,
    '',
    'Final-Recipient: rfc822; zed@carrier.example',
    'Action: failed',
    'Status: 5.2.2',
    'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
  ]);

test('with several recipients, the stage each was refused at still comes from its own part of the notice', () => {
  // Courier: the address alone on its line, the host and the transcript below it.
  const courier = parse(
    twoRecipientReport(
      [
        'Your message to the following recipients cannot be delivered:',
        '',
        '<ann@carrier.example>:',
        '    mx.carrier.example [192.0.2.45]:',
        '>>> DATA',
        '<<< 550 Unknown user ann@carrier.example',
        '',
        '<zed@carrier.example>:',
        '    mx.carrier.example [192.0.2.45]:',
        '>>> RCPT TO:<zed@carrier.example>',
        '<<< 552 5.2.2 Mailbox full',
        '',
      ],
      '550 Unknown user ann@carrier.example',
    ),
  );
  // Sendmail: one transcript for both; the reply that names ann's address answered DATA.
  const sendmail = parse(
    twoRecipientReport(
      [
        '   ----- The following addresses had permanent fatal errors -----',
        '<ann@carrier.example>',
        '    (reason: 550 Unknown user ann@carrier.example)',
        '<zed@carrier.example>',
        '    (reason: 552 5.2.2 Mailbox full)',
        '',
        '   ----- Transcript of session follows -----',
        '... while talking to mx.carrier.example.:',
        '>>> RCPT To:<zed@carrier.example>',
        '<<< 552 5.2.2 Mailbox full',
        '>>> DATA',
        '<<< 550 Unknown user ann@carrier.example',
        '',
      ],
      '550 Unknown user ann@carrier.example',
    ),
  );
  // Exim: each address on an indented line, its host and the command it failed at indented below it.
  const exim = parse(
    twoRecipientReport(
      [
        'A message that you sent could not be delivered to one or more of its',
        'recipients. This is a permanent error. The following address(es) failed:',
        '',
        '  ann@carrier.example',
        '    host mx.carrier.example [192.0.2.45]',
        '    SMTP error from remote mail server after end of data:',
        '    550 No such user here',
        '  zed@carrier.example',
        '    host mx.carrier.example [192.0.2.45]',
        '    SMTP error from remote mail server after RCPT TO:<zed@carrier.example>:',
        '    552 5.2.2 Mailbox full',
        '',
      ],
      '550 No such user here',
    ),
  );
  for (const [name, r] of [
    ['Courier', courier],
    ['Sendmail', sendmail],
    ['Exim', exim],
  ] as const) {
    // "User unknown" after DATA is a filter's refusal (soft), as it reads when ann is the only recipient.
    assert.deepEqual(
      readings(r),
      [
        ['ann@carrier.example', 'failed', 'policy', false],
        ['zed@carrier.example', 'failed', 'mailbox-full', false],
      ],
      name,
    );
  }
});
