/**
 * Notices that give the failed address only in prose, each written from the format's wording: AOL's
 * screen-name list, Novell GroupWise, the "reason: address" line of IMail/SMTP32 and many gateways, and
 * warnings that say so in capitals without the usual "will retry". The notices come back to a VERP
 * address, so the sender's own address in their prose is not excluded as the notice's To would be: only
 * the format's own shape tells the failed address from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { EXIM_PERMANENT_OPENING } from '../../helpers/notice-text.js';

const mail = (headers: string[], body: string[]) => Buffer.from([...headers, '', ...body, ''].join('\r\n'));

test('AOL lists its members by screen name: the address is the name at aol.com', async () => {
  const r = await parseBounce(
    mail(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@aol.com>', 'To: <news@shop.example>', 'Subject: Mail Delivery Problem'],
      [
        'Sorry news@shop.example. Your mail to the following recipients could not be delivered because they are not',
        'accepting mail from news@shop.example:',
        '\tjanesmith1987',
      ],
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['janesmith1987@aol.com'],
  );
});

test('GroupWise: each undeliverable address on its own line, the reason in parentheses', async () => {
  const r = await parseBounce(
    mail(
      ['From: System Administrator <postmaster@gw.example.edu>', 'To: b+1-abcdef@bounces.shop.example', 'Subject: Undeliverable: Your order'],
      [
        'Message from news@shop.example, subject "Your order".',
        '',
        'The message that you sent was undeliverable to the following:',
        '\tjdoe@example.edu (user not found)',
        '\tmroe@example.edu (user not found)',
        '',
        'Possible causes:',
        '\tThe e-mail address was misspelled or the user does not exist.',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jdoe@example.edu', 'mroe@example.edu'],
  );
  assert.equal(r.recipients[0].hard, true);
});

test('"Unknown user: address" (reason first, then the address), as IMail/SMTP32 writes it', async () => {
  const r = await parseBounce(
    mail(
      ['From: postmaster@mail.example.ph', 'To: b+2-abcdef@bounces.shop.example', 'Subject: Undeliverable Mail', 'X-Mailer: <SMTP32 v8.22>'],
      [
        'Message from news@shop.example could not be delivered.',
        '',
        'Unknown user: jane@example.ph',
        '',
        '',
        'Original message follows.',
        '',
        'Received: from shop.example by mail.example.ph',
        'To: jane@example.ph, list@lists.example.ph',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jane@example.ph'],
  );
  assert.equal(r.recipients[0].category, 'mailbox-unknown');
});

test('IMail\'s "User mailbox exceeds allowed size: address" is a full mailbox (soft), not a message too large', async () => {
  const r = await parseBounce(
    mail(
      ['From: postmaster@mail.example.ph', 'To: b+2-abcdef@bounces.shop.example', 'Subject: Undeliverable Mail'],
      ['User mailbox exceeds allowed size: jane@example.ph', '', '', 'Original message follows.', '', 'To: jane@example.ph'],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jane@example.ph'],
  );
  assert.equal(r.recipients[0].category, 'mailbox-full');
  assert.equal(r.recipients[0].status, '5.2.2');
  assert.equal(r.recipients[0].hard, false);
});

test('a notice that calls itself a warning only is a delay, even in a format whose usual words are missing', async () => {
  const r = await parseBounce(
    mail(
      ['From: mailer-daemon@mail.example.com', 'To: news@shop.example', 'Subject: Mail Delivery Status Notification'],
      [
        'This message was created automatically by mail delivery system.',
        'THIS IS A WARNING MESSAGE ONLY.',
        'YOU DO NOT NEED TO RESEND YOUR MESSAGE.',
        '',
        '----- The following addresses had fatal errors -----',
        '<jane@example.org>: 421 Host not reachable',
      ],
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.equal(r.recipients[0].action, 'delayed');
  assert.equal(r.recipients[0].hard, false);
});

test("a carrier's MMS gateway: its post_master sender marks a notice that gives the address inside a sentence", async () => {
  const r = await parseBounce(
    mail(
      ['From: post_master@mms.carrier.example', 'To: b+3-abcdef@bounces.shop.example', 'Subject: Message status'],
      ['Your message to 5551234567@mms.carrier.example could not be delivered.', '', 'Error: no valid recipients for this message, sent by news@shop.example.'],
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['5551234567@mms.carrier.example'],
  );
});

test('"Non-Delivery" in the subject marks a notice; "could not be delivered to <address>" names the recipient', async () => {
  const r = await parseBounce(
    mail(
      ['From: gateway@mail.example.org', 'To: b+4-abcdef@bounces.shop.example', 'Subject: Notification of Non-Delivery'],
      ['Sent on behalf of news@shop.example.', '', 'Your message could not be delivered to jane@example.org because the mailbox does not exist.'],
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jane@example.org'],
  );
  // (Its words alone, with no reply code, status or stage, say the mailbox does not exist: read so, but not enough to
  // suppress the address — a gateway may have said it after taking the message, as a "user unknown" after DATA often is.)
  assert.equal(r.recipients[0].category, 'mailbox-unknown');
  assert.equal(r.recipients[0].hard, false);
  assert.equal(r.recipients[0].confidence, 'low');
});

test('a subject that names a delay makes the notice a delay ("Delayed Mail (still being retried)", "(Delay)")', async () => {
  for (const subject of ['Delayed Mail (still being retried)', 'Delivery Status Notification (Delay)', 'Warning: message 1abcDE-000001-XY delayed 24 hours']) {
    const r = await parseBounce(
      mail(
        ['From: MAILER-DAEMON@mx.example.net', 'To: news@shop.example', `Subject: ${subject}`],
        ['The following recipient has not received your message:', '', '<jane@example.org>: connect to mx.example.org[192.0.2.9]:25: Connection timed out'],
      ),
    );
    assert.equal(r.kind, 'delay', subject);
  }
});

test('a notice that says the message is pending or will be tried again is a delay, whatever its subject', async () => {
  for (const line of [
    'Your message to jane@example.org is pending delivery. The server will try again for up to 3 days.',
    "Your message to jane@example.org hasn't been delivered yet. Delivery will continue to be attempted.",
    'The server could not deliver your message to jane@example.org and will try to deliver it again later.',
  ]) {
    const r = await parseBounce(mail(['From: postmaster@mail.example.org', 'To: b+5-abcdef@bounces.shop.example', 'Subject: Message status'], [line]));
    assert.equal(r.kind, 'delay', line);
    assert.equal(r.recipients[0].status?.charAt(0), '4', line);
  }
});

test('a notice that names a retry period still ahead, a resend or a queue is a delay, even in a format with other delay words', async () => {
  for (const [first, line] of [
    [
      'Your message to jane@example.org has not been delivered',
      'because the remote server is not responding. The system will try to deliver the message for another 4 days.',
    ],
    ['The following message to <jane@example.org> was undeliverable.', '4.4.1 - Connection timed out. The message will be resent.'],
    ['Delivery to jane@example.org failed for now: 451 Try again later.', "We'll keep trying for up to 5 days."],
    [
      'This message was created automatically by mail delivery software.',
      'Your message to jane@example.org remains in the queue: host mx.example.org is not answering.',
    ],
    [
      'Your message to jane@example.org could not be delivered within 4 hours.',
      'Delivery attempts are continuing. You will be notified if the message cannot be delivered.',
    ],
  ]) {
    const r = await parseBounce(
      mail(['From: MAILER-DAEMON@mail.example.org', 'To: b+5-abcdef@bounces.shop.example', 'Subject: Mail delivery problem'], [first, line]),
    );
    assert.equal(r.kind, 'delay', line);
    assert.equal(r.recipients[0].address, 'jane@example.org', line);
    assert.equal(r.recipients[0].hard, false, line);
  }
  // A failure says the opposite: nothing will be tried again.
  const r = await parseBounce(
    mail(
      ['From: MAILER-DAEMON@mail.example.org', 'To: b+5-abcdef@bounces.shop.example', 'Subject: Mail delivery failed'],
      ['Your message to jane@example.org could not be delivered: 550 5.1.1 User unknown.', 'It will not be tried again.'],
    ),
  );
  assert.equal(r.kind, 'bounce');
});

test("several recipients in one notice: each keeps its own reason, never another recipient's reply code (Exim)", async () => {
  const r = await parseBounce(
    mail(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.shop.example>',
        'To: b+6-abcdef@bounces.shop.example',
        'Subject: Mail delivery failed: returning message to sender',
      ],
      [
        ...EXIM_PERMANENT_OPENING,
        '  jane@example.org',
        '    host mx.example.org [192.0.2.1]',
        '    SMTP error from remote mail server after RCPT TO:<jane@example.org>:',
        '    552 5.2.2 Mailbox full',
        '  bob@example.net',
        '    all relevant MX records point to non-existent hosts',
        '  carol@example.com',
        '    Unrouteable address',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category, x.hard]),
    [
      ['jane@example.org', 'mailbox-full', false],
      ['bob@example.net', 'domain-unknown', true],
      ['carol@example.com', 'mailbox-unknown', true],
    ],
  );
  assert.equal(r.recipients[1].status, '5.1.2');
});

test("a list of addresses with the replies in a transcript below (Sendmail): each takes the reply that names it, not another's", async () => {
  const r = await parseBounce(
    mail(
      [
        'From: Mail Delivery Subsystem <MAILER-DAEMON@mail.example.net>',
        'To: b+8-abcdef@bounces.shop.example',
        'Subject: Returned mail: see transcript for details',
      ],
      [
        'The original message was received at Mon, 1 Mar 2021 09:00:00 +0100',
        '',
        '   ----- The following addresses had permanent fatal errors -----',
        'jane@example.org',
        'bob@example.org',
        'carl@other.example',
        '',
        '   ----- Transcript of session follows -----',
        '... while talking to mx.example.org.:',
        '>>> RCPT To:<jane@example.org>',
        '<<< 550 5.1.1 <jane@example.org>... User unknown',
        '>>> RCPT To:<bob@example.org>',
        '<<< 552 5.2.2 <bob@example.org>... Mailbox full',
        '550 5.1.2 carl@other.example... Host unknown (Name server: other.example: host not found)',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.status, x.hard]),
    [
      ['jane@example.org', '5.1.1', true],
      ['bob@example.org', '5.2.2', false],
      ['carl@other.example', '5.1.2', true],
    ],
  );
});

test("a warning's list of addresses takes each one's transcript line even without a code (`<addr>... Deferred: …`)", async () => {
  const r = await parseBounce(
    mail(
      [
        'From: Mail Delivery Subsystem <MAILER-DAEMON@mail.example.net>',
        'To: b+8-abcdef@bounces.shop.example',
        'Subject: Warning: could not send message for past 4 hours',
      ],
      [
        '   ----- The following addresses had transient non-fatal errors -----',
        '<jane@example.org>',
        '<bob@example.net>',
        '',
        '   ----- Transcript of session follows -----',
        '<jane@example.org>... Deferred: Connection timed out with mx.example.org.',
        '<bob@example.net>... Deferred: 452 4.2.2 Mailbox full',
        'Warning: message still undelivered after 4 hours',
      ],
    ),
  );
  assert.equal(r.kind, 'delay');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category]),
    [
      ['jane@example.org', 'connection-failure'],
      ['bob@example.net', 'mailbox-full'],
    ],
  );
});

test('a copy of the message after a marker no format names: its To and Cc are not failed recipients', async () => {
  const exchange = await parseBounce(
    mail(
      ['From: System Administrator <postmaster@mail.example.net>', 'To: b+8-abcdef@bounces.shop.example', 'Subject: Undeliverable: Your order'],
      [
        'Your message did not reach some or all of the intended recipients.',
        '',
        'The following recipient(s) could not be reached:',
        '',
        '      jane@example.org on 3/1/2021 10:00 AM',
        '            The e-mail account does not exist at the organization this message was sent to.',
        '',
        'Message text:',
        '',
        'From: Shop <news@shop.example>',
        'To: jane@example.org',
        'Cc: friend@example.com',
        'Subject: Your order',
      ],
    ),
  );
  assert.deepEqual(
    exchange.recipients.map((x) => x.address),
    ['jane@example.org'],
  );
  for (const marker of ['Your message reads (in part):', 'The text of your message was:', '=== Original message ===']) {
    const r = await parseBounce(
      mail(
        ['From: MAILER-DAEMON@mail.example.net', 'To: b+8-abcdef@bounces.shop.example', 'Subject: Returned mail'],
        [
          'The message could not be delivered. Reason: no such user (jane@example.org)',
          '',
          marker,
          '',
          'Date: Mon, 1 Mar 2021 09:00:00 +0100',
          'From: Shop <news@shop.example>',
          'To: jane@example.org, friend@example.com',
          'Cc: boss@example.com',
          'Subject: Your order',
        ],
      ),
    );
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.category]),
      [['jane@example.org', 'mailbox-unknown']],
      marker,
    );
  }
});

test('recipients listed on one line share the reason written under it', async () => {
  const r = await parseBounce(
    mail(
      ['From: postmaster@mail.example.net', 'To: b+9-abcdef@bounces.shop.example', 'Subject: Delivery failure'],
      ['Message could not be delivered to the following recipients:', 'jane@example.org, bob@example.org', '', 'Reason: 550 User unknown'],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.category]),
    [
      ['jane@example.org', 'mailbox-unknown'],
      ['bob@example.org', 'mailbox-unknown'],
    ],
  );
});

test("older Exchange quotes the address ('jane@…' on date): the quotes are not part of it", async () => {
  const r = await parseBounce(
    mail(
      ['From: postmaster@example.org', 'To: b+7-abcdef@bounces.shop.example', 'Subject: Undeliverable: Your order'],
      [
        'Your message did not reach some or all of the intended recipients.',
        '',
        '      Subject:\tYour order',
        '',
        'The following recipient(s) could not be reached:',
        '',
        "      'jane@example.org' on 3/1/2021 10:00 AM",
        '            550 5.1.1 User unknown',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jane@example.org'],
  );
  assert.equal(r.recipients[0].hard, true);
});

test("the returned message's own sender is never a failed recipient, however the notice's prose names it", async () => {
  const r = await parseBounce(
    mail(
      ['From: postmaster@mx.example.org', 'To: b+5-abcdef@bounces.shop.example', 'Subject: Returned mail'],
      [
        'The message from news@shop.example could not be delivered.',
        'Recipient: jane@example.org',
        'Reason: mailbox unavailable',
        '',
        '----- Original message -----',
        '',
        'From: News <news@shop.example>',
        'To: jane@example.org',
        'Subject: Offers',
        '',
        'Hello',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jane@example.org'],
  );
});

test("a notice that names the failed address in no known shape: the returned copy's envelope recipient (Received … for <address>;) tells it from the notice's examples and suggestions", async () => {
  const r = await parseBounce(
    mail(
      ['From: Campus Mail Router <postmaster@router.example.edu>', 'To: b+7-abcdef@bounces.shop.example', 'Subject: Returned mail: no directory match'],
      [
        'Addresses at this campus take the form first.last@example.edu. The name you wrote,',
        'pat.kim@example.edu, matches no entry of the campus directory.',
        '',
        'Directory entries with a similar name:',
        '  Patricia Kim     Physics      patricia.kim@example.edu',
        '  Pat Kimball      Library      p.kimball@example.edu',
        '',
        'Your message as it reached us:',
        '> Received: from mx1.example.edu (mx1.example.edu [192.0.2.25]) by router.example.edu',
        '>     with ESMTP id k4RLLP for <pat.kim@example.edu>; Tue, 1 Jun 2004 10:00:00 -0500',
        '> From: News <news@shop.example>',
        '> Subject: Offers',
      ],
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['pat.kim@example.edu'],
  );
});

test('an address cut by a wrapped line is joined again when the returned message has it whole', async () => {
  const r = await parseBounce(
    mail(
      ['From: postmaster@relay.example.net', 'To: b+6-abcdef@bounces.shop.example', 'Subject: Undeliverable mail'],
      [
        'Delivery has failed to these recipients:',
        '',
        '  jane.margaret.doe-smith@mailhost.subsidiary.exam',
        'ple.org',
        '',
        '----- Original message -----',
        '',
        'From: news@shop.example',
        'To: jane.margaret.doe-smith@mailhost.subsidiary.example.org',
        'Subject: Offers',
      ],
    ),
  );
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jane.margaret.doe-smith@mailhost.subsidiary.example.org'],
  );
});

test('a Japanese "could not deliver" subject (InterScan MSS and others) marks a notice; its transcript names the recipient', async () => {
  const r = await parseBounce(
    mail(
      [
        'From: gw@mail.example.co.jp',
        'To: b+7-abcdef@bounces.shop.example',
        'Subject: =?UTF-8?B?44Oh44OD44K744O844K444KS6YWN5L+h44Gn44GN44G+44Gb44KT44CC?=',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=UTF-8',
      ],
      [
        'Sent <<< RCPT TO:<taro@example.co.jp>',
        'Received >>> 550 5.1.1 <taro@example.co.jp>... User unknown',
        '',
        'Unable to deliver message to <taro@example.co.jp>.',
      ],
    ),
  );
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['taro@example.co.jp'],
  );
  assert.equal(r.recipients[0].hard, true);
});

test('an address the notice greets or labels as the sender ("Hello news@…,", "Original sender:", "From:") is never a failed recipient', async () => {
  const cases: [string[], string[]][] = [
    [['Hello news@shop.example,', ''], []],
    [['Dear <news@shop.example>:', ''], []],
    [[], ['', 'Original sender: news@shop.example']],
    [[], ['From: "Shop News" <news@shop.example>']],
    [[], ['Sent by news@shop.example on 1 May 2031']],
  ];
  for (const [before, after] of cases) {
    const r = await parseBounce(
      mail(
        ['From: Mail Gateway <gateway@gw.dest.example>', 'To: b+7-abcdef@bounces.shop.example', 'Subject: Message rejected'],
        [...before, "We could not reach jo.w@dest.example: the recipient's server said", '550 5.1.1 User unknown', ...after],
      ),
    );
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.hard]),
      [['jo.w@dest.example', true]],
      [...before, ...after].join(' '),
    );
  }
});

test('"Mail delivery status" in the subject marks a notice when its text reads like one (a reply code), not in a reply', async () => {
  const notice = (subject: string) =>
    mail(
      ['From: Mail Gateway <gateway@gw.dest.example>', 'To: b+7-abcdef@bounces.shop.example', `Subject: ${subject}`],
      ['Your message to jo.w@dest.example has been rejected.', 'Reason: 550 5.1.1 No such user'],
    );
  const r = await parseBounce(notice('Mail delivery status'));
  assert.equal(r.kind, 'bounce');
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    ['jo.w@dest.example'],
  );
  assert.equal((await parseBounce(notice('Re: delivery status of my order'))).kind, 'not-a-bounce', "a person's reply");
});
