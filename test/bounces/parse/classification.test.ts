/**
 * Which status a parsed recipient ends up with when the report and the quoted server reply disagree:
 * the remote server's own status beats the reporting MTA's summary, a quoted transcript's success lines
 * never describe a failure, and a delay without any code is temporary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyRecipient, remoteStatus } from '../../../src/bounces/parse/classification.js';
import type { ParsedRecipient } from '../../../src/bounces/types.js';

const recipient = (over: Partial<ParsedRecipient>): ParsedRecipient => ({
  address: 'ann@example.net',
  action: 'failed',
  status: null,
  diagnostic: null,
  category: null,
  hard: null,
  ...over,
});

test('remoteStatus: the status right after a reply code, quoted or not', () => {
  assert.equal(remoteStatus("5.1.0 - Unknown address error 550-'5.2.2 <ann@example.net>... Mailbox Full'"), '5.2.2');
  assert.equal(remoteStatus('host mx.example.net said: 452 4.2.2 Over quota'), '4.2.2');
  assert.equal(remoteStatus('5.1.1 user unknown'), null, 'a status without a reply code before it is not a remote reply');
  assert.equal(remoteStatus(null), null);
  assert.equal(
    remoteStatus('554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>'),
    '4.4.2',
    'an expiry quoting the last reply: the reply is the cause',
  );
  assert.equal(remoteStatus('554 4.4.7 Message expired: unable to deliver in 840 minutes.'), '4.4.7');
});

test("the remote server's status replaces the reporting MTA's summary of the same class", () => {
  const r = classifyRecipient(
    recipient({ status: '5.1.0', diagnostic: "5.1.0 - Unknown address error 550-'5.2.2 <ann@example.net>... Mailbox Full' (delivery attempts: 0)" }),
  );
  assert.equal(r.status, '5.2.2');
  assert.equal(r.category, 'mailbox-full');
  assert.equal(r.hard, false);
});

test('a 2.x.x status picked from a quoted transcript is not the status of a failure', () => {
  const r = classifyRecipient(
    recipient({
      status: '2.1.5',
      diagnostic: 'In: RCPT TO:<ann@example.net> Out: 250 2.1.5 Ok In: DATA Out: 354 End data Out: 451 4.3.0 Error: queue file write error',
    }),
  );
  assert.equal(r.status, '4.3.0');
  assert.notEqual(r.category, 'accepted');
  assert.equal(r.hard, false);
});

test("a failing reply without a status of its own, after a transcript's 250 2.1.5, is a failure of its class, not accepted", () => {
  for (const [reply, category, cls] of [
    ['550 Requested action not taken: no such user here', 'mailbox-unknown', '5'],
    ['554 Message refused', 'unknown', '5'],
    ['450 Try again later', 'server-busy', '4'],
  ] as const) {
    const r = classifyRecipient(
      recipient({
        status: '2.1.5',
        diagnostic: `In: RCPT TO:<ann@example.net> Out: 250 2.1.5 Ok In: DATA Out: 354 End data Out: ${reply} In: QUIT Out: 221 2.0.0 Bye`,
      }),
    );
    assert.notEqual(r.category, 'accepted', reply);
    assert.equal(r.status?.charAt(0), cls, `${reply}: status ${r.status}`);
    assert.equal(r.category, category, reply);
  }
});

test("a success code or status quoted before the refusal (a greeting's `220-`, a transcript's `250 2.1.5`) is not the reply's, also under a loose `(#5.1.1)`", () => {
  const greeting = classifyRecipient(
    recipient({ status: '5.0.0', diagnostic: '220-mx.example.net 552 sorry, mailbox ann@example.net is over quota temporarily (#5.1.1)' }),
  );
  assert.equal(greeting.reply_code, 552);
  assert.equal(greeting.category, 'mailbox-full');
  const transcript = classifyRecipient(
    recipient({
      status: '2.1.5',
      diagnostic: 'In: RCPT TO:<ann@example.net> Out: 250 2.1.5 Ok In: DATA Out: 354 End data Out: 554 message refused as spam (#5.3.0)',
    }),
  );
  assert.equal(transcript.category, 'content-or-spam');
  assert.equal(transcript.status, '5.3.0'); // A code outside 500–559 and a reply that starts with a bracket are still the failure's.
  for (const reply of ['571 No PTR record found, reverse DNS required', '550 [SUSPEND] Mailbox currently suspended']) {
    const r = classifyRecipient(recipient({ status: '2.1.5', diagnostic: `In: RCPT TO:<ann@example.net> Out: 250 2.1.5 Ok In: DATA Out: ${reply}` }));
    assert.notEqual(r.category, 'accepted', reply);
    assert.equal(r.status?.charAt(0), '5', reply);
  }
});

test("a Momentum-style summary ('5.1.0 - Unknown address error 550-'…'') in front of the quoted reply: the reply is read, not the summary", () => {
  const summary = (reply: string) => `5.1.0 - Unknown address error ${reply} (delivery attempts: 0)`;
  const read = (reply: string) => classifyRecipient(recipient({ status: '5.0.0', diagnostic: summary(reply) }));
  assert.equal(read("550-'5.7.1 Message content rejected as spam'").category, 'content-or-spam');
  assert.equal(read("550-'5.7.1 Message content rejected as spam'").hard, false);
  assert.equal(read("554-'Service unavailable; Client host [192.0.2.9] blocked using bl.example'").category, 'reputation-or-blocklist');
  assert.equal(read("421-'Too many connections from your IP, try again later'").hard, false);
  assert.equal(read("550-'No such user here'").category, 'mailbox-unknown');
  assert.equal(read("550-'No such user here'").hard, true);
  // The summary says 5.1.0 for a full mailbox too: alone it is no proof that the address does not exist.
  assert.equal(read("550-'Rejected'").hard, false);
  assert.equal(read("550-'Rejected'").status, '5.0.0');
});

test('a reply to the greeting or to EHLO is no verdict on the address: its words name the cause, and it is never hard', () => {
  const exim = (stage: string, reply: string) =>
    classifyRecipient(recipient({ diagnostic: `host mx.example.net [192.0.2.1]\nSMTP error from remote mail server after ${stage}:\n${reply}` }));
  assert.equal(exim('initial connection', '421 Too many concurrent connections, try again later').category, 'rate-limited');
  assert.equal(exim('initial connection', '554 No SMTP service here').category, 'reputation-or-blocklist');
  assert.equal(exim('initial connection', '550 Rejected').category, 'reputation-or-blocklist', 'no words of its own: our host was refused');
  assert.equal(exim('initial connection', '553 sorry, no mailbox here by that name').hard, false);
  assert.equal(exim('EHLO mx.shop.example', '550 No such user here').hard, false);
  const postfix = classifyRecipient(
    recipient({ status: '5.1.1', diagnostic: '550 5.1.1 Requested action not taken: mailbox unavailable' }),
    '<ann@example.net>: host mx.example.net[192.0.2.1] refused to talk to me: 550 5.1.1 Requested action not taken: mailbox unavailable',
  );
  assert.equal(postfix.hard, false, 'Postfix: "refused to talk to me" is the greeting');
});

test("a reply a transcript shows as the answer to MAIL FROM (Sendmail's `>>> MAIL From:` / `<<<`) is no verdict on the address; the same reply to RCPT is", () => {
  const reply = '550 5.1.1 <news@shop.example>... User unknown';
  const transcript = (command: string) => `   ----- Transcript of session follows -----\n... while talking to mx.far.example.:\n>>> ${command}\n<<< ${reply}\n`;
  const read = (command: string) => classifyRecipient(recipient({ status: '5.1.1', diagnostic: reply }), transcript(command));
  assert.equal(read('MAIL From:<news@shop.example> SIZE=2048').hard, false);
  assert.equal(read('RCPT To:<ann@example.net>').hard, true);
  // Yahoo marks the stage after the reply.
  const yahoo = classifyRecipient(
    recipient({ status: '5.1.1', diagnostic: `${reply} [MAIL_FROM]` }),
    `<ann@example.net>:\nRemote host said: ${reply} [MAIL_FROM]`,
  );
  assert.equal(yahoo.hard, false);
});

test("the words of the recipient's own address quoted in the reply are not the reply's words", () => {
  const read = (address: string, diagnostic: string) => classifyRecipient(recipient({ address, diagnostic }));
  for (const address of ['blocked@example.net', 'Disabled@example.net']) {
    const r = read(address, `${address.toLowerCase()}: 553 Invalid recipient ${address.toLowerCase()} (Mode: normal)`);
    assert.equal(r.category, 'mailbox-unknown', address);
    assert.equal(r.hard, true, address);
  }
  // Another address in the reply is read as written: it is not the recipient's.
  assert.equal(read('ann@example.net', '552 5.2.2 <ann@example.net>: mailbox full').category, 'mailbox-full');
});

test('a stage stated over a folded line still states it (Postfix folds its text part at 78 columns)', () => {
  const postfix = (clause: string) =>
    classifyRecipient(
      recipient({ status: '5.0.0', diagnostic: '550 No such user here' }),
      `<ann@example.net>: host mx.example.net[192.0.2.1] said: 550 No such user here (in\n    ${clause})`,
    );
  const data = postfix('reply to end of\n    DATA command');
  assert.equal(data.hard, false, 'after DATA: a filter');
  assert.equal(data.category, 'policy');
  assert.equal(postfix('reply to MAIL FROM\n    command').hard, false, 'after MAIL FROM: about our sender');
  assert.equal(postfix('reply to RCPT TO\n    command').hard, true);
});

test("RFC 5321's stock 'mailbox unavailable' reads as the address refused wherever the notice shows it answered RCPT", () => {
  const stock = '550 Requested action not taken: mailbox unavailable';
  const read = (context: string) => classifyRecipient(recipient({ status: '5.0.0', diagnostic: stock }), context);
  for (const [mta, context] of [
    ['DragonFly', `There was an error delivering your mail to <ann@example.net>.\nmx.example.net [192.0.2.1] did not like our RCPT TO:\n${stock}`],
    ['InterScan', `Sent <<< RCPT TO:<ann@example.net>\nReceived >>> ${stock}`],
    ['Yahoo', `<ann@example.net>:\nRemote host said: ${stock} [RCPT_TO]`],
    ['Sendmail, pipelined', `... while talking to mx.example.net.:\n>>> DATA\n<<< ${stock}\n<<< 503 5.0.0 Need RCPT (recipient)`],
  ]) {
    const r = read(context!);
    assert.equal(r.category, 'mailbox-unknown', mta);
    assert.equal(r.hard, true, mta);
  }
  // Nothing tells the stage: the stock text alone does not say which of its meanings it has.
  const bare = read(`<ann@example.net>: host mx.example.net[192.0.2.1] said: ${stock}`);
  assert.equal(bare.hard, false, 'no stage: the notice line quoting the same stock reply is no second statement');
});

test("a pipelined transcript's answer to DATA ('503 Need RCPT') is not the recipient's reason when its reply names none", () => {
  const r = classifyRecipient(
    recipient({ status: '5.0.0', diagnostic: '550 Rejected' }),
    '   ----- Transcript of session follows -----\n... while talking to mx.example.net.:\n>>> DATA\n<<< 550 Rejected\n<<< 503 5.0.0 Need RCPT (recipient)\n',
  );
  assert.equal(r.category, 'unknown');
  assert.notEqual(r.evidence?.rule, 'wording:protocol');
});

test('a delayed recipient with no code anywhere gets a 4.x.x status; a failed one keeps 5.x.x', () => {
  assert.equal(
    classifyRecipient(recipient({ action: 'delayed', diagnostic: 'The recipient server did not accept our requests to connect.' })).status?.charAt(0),
    '4',
  );
  assert.equal(
    classifyRecipient(recipient({ action: 'failed', diagnostic: 'The recipient server did not accept our requests to connect.' })).status?.charAt(0),
    '5',
  );
});

test('"unknown user" answered to DATA in a transcript is a filter (soft); the same words answered to RCPT stay hard', () => {
  const afterData = classifyRecipient(
    recipient({ diagnostic: '550 Unknown user ann@example.net' }),
    '<ann@example.net>:\n    mx.example.net [192.0.2.45]:\n>>> DATA\n<<< 550 Unknown user ann@example.net\n',
  );
  // Read as the same reply with the stage beside it (Exim's "after end of data", Postfix's "in reply to end of
  // DATA command") is: a filter's refusal, not a verdict on the address.
  assert.equal(afterData.category, 'policy');
  assert.equal(afterData.evidence?.rule, 'wording:unknown-user@data');
  assert.equal(afterData.hard, false);

  const atRcpt = classifyRecipient(
    recipient({ diagnostic: '550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown' }),
    '>>> RCPT TO:<ann@example.net>\n<<< 550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown\n>>> DATA\n<<< 554 5.5.1 Error: no valid recipients\n',
  );
  assert.equal(atRcpt.hard, true, 'a DATA refused because no recipient was left does not make the RCPT refusal soft');
});

test('the reply quoted in a summary above a Sendmail transcript still counts as the answer to DATA', () => {
  const r = classifyRecipient(
    recipient({ diagnostic: '550 5.0.0 <ann@example.net>... User unknown' }),
    '   ----- The following addresses had permanent fatal errors -----\n<ann@example.net>\n    (reason: 550 5.0.0 <ann@example.net>... User unknown)\n\n' +
      '   ----- Transcript of session follows -----\n... while talking to mx.example.net.:\n>>> DATA\n<<< 550 5.0.0 <ann@example.net>... User unknown\n',
  );
  assert.equal(r.category, 'policy');
  assert.equal(r.hard, false);
});

test('a notice that names DATA as the failed SMTP command makes "unknown user" a filter; naming RCPT TO does not', () => {
  const heading = classifyRecipient(
    recipient({ diagnostic: '550 unknown user <ann@example.net>' }),
    '------ server message\n550 unknown user <ann@example.net>\n\n------ SMTP command\nDATA\n\n------ original message\n',
  );
  assert.equal(heading.hard, false);
  const labelled = classifyRecipient(
    recipient({ diagnostic: '550 No such user here' }),
    'Remote server: mx.example.net\nSMTP command: DATA\nReply: 550 No such user here\n',
  );
  assert.equal(labelled.hard, false);
  const atRcpt = classifyRecipient(
    recipient({ diagnostic: '550 unknown user <ann@example.net>' }),
    '------ server message\n550 unknown user <ann@example.net>\n\n------ SMTP command\nRCPT TO:<ann@example.net>\n',
  );
  assert.equal(atRcpt.hard, true);
});

test('a pipelined transcript (DATA sent with RCPT, then "503 Need RCPT") shows a refusal of RCPT: "user unknown" stays hard', () => {
  const r = classifyRecipient(
    recipient({ diagnostic: '550 5.1.1 <ann@example.net>... User unknown' }),
    '... while talking to mx.example.net.:\n>>> DATA\n<<< 550 5.1.1 <ann@example.net>... User unknown\n550 5.1.1 <ann@example.net>... User unknown\n<<< 503 5.0.0 Need RCPT (recipient)\n',
  );
  assert.equal(r.hard, true);
});

test("a failed recipient whose Status is 4.x.x but whose server replied 5xx gets the server's permanent status", () => {
  const r = classifyRecipient(recipient({ action: 'failed', status: '4.5.0', diagnostic: '550 5.7.1 Service refused, your IP is listed' }));
  assert.equal(r.status, '5.7.1');
  const delayed = classifyRecipient(recipient({ action: 'delayed', status: '4.5.0', diagnostic: '550 5.7.1 Service refused, your IP is listed' }));
  assert.equal(delayed.status, '4.5.0', 'a delayed recipient keeps its temporary status');
});

test("a provider's own no-such-account wording stays hard even as the answer to DATA (Yahoo checks recipients there)", () => {
  const r = classifyRecipient(
    recipient({ diagnostic: "554 delivery error: dd This user doesn't have a yahoo.com account (ann@yahoo.com) [0] - mta1001.mail.ne1.yahoo.com" }),
    ">>> DATA\n<<< 554 delivery error: dd This user doesn't have a yahoo.com account (ann@yahoo.com) [0] - mta1001.mail.ne1.yahoo.com\n",
  );
  assert.equal(r.category, 'mailbox-unknown');
  assert.equal(r.hard, true);
});

test('a no-such-mailbox status (5.1.1) under words that say the mailbox is full or disabled, or a no-such-domain status for our sender: the words win, soft', () => {
  for (const diagnostic of [
    '550 user is over the quota',
    'smtp; 550 Requested action aborted: mailbox quota usage exceeded',
    '550 Mailbox disabled for this recipient',
  ]) {
    const r = classifyRecipient(recipient({ status: '5.1.1', diagnostic }));
    assert.equal(r.hard, false, diagnostic);
    assert.match(r.category ?? '', /^mailbox-(?:full|disabled)$/, diagnostic);
  }
  const sender = classifyRecipient(recipient({ status: '5.1.2', diagnostic: '550 5.1.2 Sender domain not found' }));
  assert.equal(sender.category, 'policy');
  assert.equal(sender.hard, false);
  // Words that agree with the status, or say nothing of the mailbox, leave it hard.
  for (const diagnostic of ['550 5.1.1 <ann@example.net>... User unknown', '550 Requested action not taken']) {
    const r = classifyRecipient(recipient({ status: '5.1.1', diagnostic }));
    assert.equal(r.category, 'mailbox-unknown', diagnostic);
    assert.equal(r.hard, true, diagnostic);
  }
});

test('an unknown-domain status (5.1.2) over words of a lookup that failed for now is soft; over words of a missing domain, hard', () => {
  for (const diagnostic of [
    'Name service error for name=example.org type=MX: Malformed or unexpected name server reply',
    'DNS lookup failure: SERVFAIL',
    'Temporary lookup failure',
    'all hosts for example.org have been failing for a long time (and retry time not reached)',
  ]) {
    const r = classifyRecipient(recipient({ status: '5.1.2', diagnostic }));
    assert.equal(r.hard, false, diagnostic);
  }
  const missing = classifyRecipient(
    recipient({ status: '5.1.2', diagnostic: 'Host or domain name not found. Name service error for name=example.org type=A: Host not found' }),
  );
  assert.equal(missing.category, 'domain-unknown');
  assert.equal(missing.hard, true);
});

test("Postfix's malformed name server reply is hard only under its own 5.4.4 (the domain's DNS data is invalid); under any other status it may be a passing failure", () => {
  const text = 'X-Postfix; Name service error for name=example.org type=MX: Malformed or unexpected name server reply';
  const invalid = classifyRecipient(recipient({ status: '5.4.4', diagnostic: text }));
  assert.equal(invalid.category, 'domain-unknown');
  assert.equal(invalid.hard, true);
  // The same words with the status Postfix gives a reply it could not parse (4.4.3, deferred), with the
  // generic 5.0.0 of a Postfix that predates enhanced statuses (an expired deferral says 5.0.0 too), or
  // with another MTA's summary status: a doubt never suppresses.
  // (Older Postfix versions say "Malformed name server reply".)
  const older = 'X-Postfix; Name service error for name=example.org type=MX: Malformed name server reply';
  for (const [status, action, diagnostic] of [
    ['4.4.3', 'delayed', text],
    ['4.4.3', 'failed', text],
    ['5.0.0', 'failed', older],
    ['5.4.3', 'failed', text],
  ] as const) {
    const r = classifyRecipient(recipient({ status, action, diagnostic }));
    assert.equal(r.category, 'dns-failure', `${status} ${action}`);
    assert.equal(r.hard, false, `${status} ${action}`);
  }
});

/** Each diagnostic under a 5.1.1 Status must get its category and be soft. */
function softUnder511(rows: readonly (readonly [string, string])[]) {
  for (const [diagnostic, category] of rows) {
    const r = classifyRecipient(recipient({ status: '5.1.1', diagnostic }));
    assert.equal(r.category, category, diagnostic);
    assert.equal(r.hard, false, diagnostic);
  }
}

test('under a no-such-mailbox status (5.1.1), words that name another cause win: relaying refused, too big, suspended, our sender or server refused', () => {
  softUnder511([
    ['550 5.1.1 This system is not configured to relay mail from 192.0.2.1 to example.org', 'relay-denied'],
    ['553 5.1.1 <ann@example.net>... not local host example.net, not a gateway', 'relay-denied'],
    ['552 5.1.1 Message size limit exceeded', 'message-too-large'],
    ['550 5.1.1 <ann@example.net>: Recipient rejected: Temporarily inactive', 'mailbox-disabled'],
    ['550 5.1.1 Mailaddress is administratively disabled', 'mailbox-disabled'],
    ['550 5.1.1 Client host rejected: cannot find your hostname, [192.0.2.1]', 'authentication-policy'],
    ['550 5.1.1 Sender address rejected: not owned by user', 'policy'],
  ]);
});

test('under a no-such-mailbox status (5.1.1), words that name our IP, host, sender or its SPF win (soft), unless they also say the user is unknown', () => {
  softUnder511([
    ['550 5.1.1 <mail.example.com[192.0.2.1]>: Client host rejected: Access denied', 'reputation-or-blocklist'],
    ['550 5.1.1 Service unavailable; 192.0.2.1 blocked using bl.example.net', 'reputation-or-blocklist'],
    ['550 5.1.1 We do not accept mail from dynamic IPs', 'reputation-or-blocklist'],
    ['550 5.1.1 Go away', 'reputation-or-blocklist'],
    ['550 5.1.1 BATV failed to verify', 'policy'],
    ['550 5.1.1 Null sender is not allowed', 'policy'],
    ['550 5.1.1 Sender is spammer', 'policy'],
    ['550 5.1.1 You are not allowed to post to this mailing list', 'policy'],
    ['550 5.1.1 SPF check: fail, 192.0.2.1 is not allowed to send mail from example.com', 'authentication-policy'],
    ['550 5.1.1 Please inspect your SPF settings', 'authentication-policy'],
  ]);
  for (const diagnostic of [
    '550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown (client host 192.0.2.1 passed SPF)',
    '550 5.1.1 ann@example.net: no such user here; mail from 192.0.2.1 refused',
  ]) {
    const r = classifyRecipient(recipient({ status: '5.1.1', diagnostic }));
    assert.equal(r.category, 'mailbox-unknown', diagnostic);
    assert.equal(r.hard, true, diagnostic);
  }
});

test('a refusal answered to MAIL FROM is about our sender, whatever its words: soft; the same reply to RCPT TO stays hard', () => {
  for (const diagnostic of [
    'host mx.example.net[192.0.2.5] said: 550 5.1.1 User unknown (in reply to MAIL FROM command)',
    'SMTP error from remote mail server after MAIL FROM:<b+7-f00d@bounces.shop.example> SIZE=2048: 550 5.1.1 No such user here',
  ]) {
    const r = classifyRecipient(recipient({ status: '5.1.1', diagnostic }));
    assert.equal(r.hard, false, diagnostic);
    assert.equal(r.confidence, 'low', diagnostic);
  }
  const rcpt = classifyRecipient(
    recipient({ status: '5.1.1', diagnostic: 'host mx.example.net[192.0.2.5] said: 550 5.1.1 User unknown (in reply to RCPT TO command)' }),
  );
  assert.equal(rcpt.hard, true);
});

test('a delayed recipient is never hard, whatever the last reply said: nothing is final while it is still tried', () => {
  const delayed = classifyRecipient(
    recipient({
      action: 'delayed',
      status: '4.1.1',
      diagnostic: '450 4.1.1 <ann@example.net>: Recipient address rejected: unverified address: host mx2.example.net said: 550 5.1.1 User unknown',
    }),
  );
  assert.deepEqual([delayed.category, delayed.hard, delayed.confidence], ['mailbox-unknown', false, 'low']);
  // The same words in a final failure stay hard.
  const failed = classifyRecipient(
    recipient({ action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <ann@example.net>: Recipient address rejected: User unknown' }),
  );
  assert.equal(failed.hard, true);
});

test('Postfix\'s unfinished address verification (4.1.1 "unverified address") is not a missing mailbox, even in a final bounce', () => {
  const unverified = classifyRecipient(
    recipient({
      status: '4.1.1',
      diagnostic: '450 4.1.1 <ann@example.net>: Recipient address rejected: unverified address: Address verification in progress',
    }),
  );
  assert.deepEqual([unverified.category, unverified.hard], ['system-error', false]);
  // Verification that concluded, and a plain unknown user under the same temporary code, are.
  const undeliverable = classifyRecipient(
    recipient({ status: '5.1.1', diagnostic: '550 5.1.1 <ann@example.net>: Recipient address rejected: undeliverable address: User unknown' }),
  );
  assert.deepEqual([undeliverable.category, undeliverable.hard], ['mailbox-unknown', true]);
  const unknown = classifyRecipient(
    recipient({ status: '4.1.1', diagnostic: '450 4.1.1 <ann@example.net>: Recipient address rejected: User unknown in local recipient table' }),
  );
  assert.deepEqual([unknown.category, unknown.hard], ['mailbox-unknown', true]);
  // The probe's own answer quoted after "unverified address" may say the user is unknown (a server that defers them).
  const probed = classifyRecipient(
    recipient({ status: '4.1.1', diagnostic: '450 4.1.1 <ann@example.net>: Recipient address rejected: unverified address: unknown user: "ann"' }),
  );
  assert.deepEqual([probed.category, probed.hard], ['mailbox-unknown', true]);
});
