/** Which evidence wins, and the two verdicts (permanent for the attempt, hard for the address). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryIsHard, classify, HARD_CATEGORIES } from '../../src/classify/index.js';
import { CATEGORIES } from '../../src/classify/types.js';
import { classifyRecipient } from '../../src/bounces/parse/classification.js';

test('a decisive status beats the wording, which beats the basic code', () => {
  // Status 5.2.2 (mailbox full) outranks "user unknown" in the text.
  const a = classify({ phase: 'rcpt', code: 550, enhanced: '5.2.2', text: 'user unknown' });
  assert.equal(a.category, 'mailbox-full');
  assert.equal(a.rule, 'enhanced:X.2.2');
  // Without the status the wording decides, whatever the code (552 at RCPT alone would be mailbox-full).
  const b = classify({ phase: 'rcpt', code: 552, enhanced: null, text: 'user unknown' });
  assert.equal(b.category, 'mailbox-unknown');
  assert.equal(b.rule, 'wording:user-unknown');
  // Without wording the code decides.
  assert.equal(classify({ phase: 'rcpt', code: 552, enhanced: null, text: 'Requested action aborted' }).category, 'mailbox-full');
});

test('known provider wording beats the RFC meaning of its status', () => {
  // RFC 3463 says 5.4.1 is "no answer from host"; Microsoft means "no such recipient".
  const c = classify({ phase: 'rcpt', code: 550, enhanced: '5.4.1', text: 'Recipient address rejected: Access denied. AS(201806281)' });
  assert.equal(c.category, 'mailbox-unknown');
  assert.equal(c.hard, true);
  // A blocklist named in a reply that carries X.1.3 is about our IP, not the address.
  assert.equal(
    classify({ phase: 'rcpt', code: 553, enhanced: '5.1.3', text: 'http://www.spamhaus.org/query/bl?ip=192.0.2.222' }).category,
    'reputation-or-blocklist',
  );
});

test('a weak status (X.7.1) gives way to specific wording', () => {
  assert.equal(classify({ phase: 'rcpt', code: 554, enhanced: '5.7.1', text: '<a@example.org>: Relay access denied' }).category, 'relay-denied');
  assert.equal(
    classify({ phase: 'rcpt', code: 553, enhanced: '5.7.1', text: 'Invalid recipient jane@example.org (Mode: normal)' }).category,
    'mailbox-unknown',
  );
  assert.equal(
    classify({
      phase: 'rcpt',
      code: 550,
      enhanced: '5.7.1',
      text: 'Recipient address rejected: User jane@example.org temporary locked. Please try again later!',
    }).category,
    'mailbox-disabled',
  );
});

test('the remote status quoted in a DSN diagnostic outranks a generic Status field', () => {
  const c = classify({ phase: 'dsn', code: null, enhanced: '5.0.0', text: 'smtp; 550 5.1.1 <jane@example.org>... User Unknown' });
  assert.equal(c.category, 'mailbox-unknown');
  assert.equal(c.enhanced, '5.0.0', 'the given status is reported as given');
  assert.equal(c.permanent, true);
});

test('permanent follows the class; hard follows the reason', () => {
  const greylist = classify({ phase: 'rcpt', code: 450, enhanced: '4.2.0', text: 'Recipient address rejected: Greylisted for 300 seconds' });
  assert.deepEqual([greylist.category, greylist.permanent, greylist.hard], ['greylisted', false, false]);
  const tempUnknown = classify({
    phase: 'rcpt',
    code: 450,
    enhanced: '4.1.1',
    text: '<jane@example.org>: Recipient address rejected: unverified address: host mx.example.org said: 550 5.1.1 User unknown',
  });
  assert.deepEqual([tempUnknown.category, tempUnknown.permanent, tempUnknown.hard], ['mailbox-unknown', false, true]);
  const blocked = classify({
    phase: 'connect',
    code: 554,
    enhanced: '5.7.1',
    text: 'Service unavailable; Client host [192.0.2.9] blocked using bl.spamcop.net',
  });
  assert.deepEqual([blocked.category, blocked.permanent, blocked.hard], ['reputation-or-blocklist', true, false]);
  const big = classify({ phase: 'data', code: 552, enhanced: '5.3.4', text: 'Message too large' });
  assert.deepEqual([big.permanent, big.hard], [true, false]);
  const ok = classify({ phase: 'data', code: 250, enhanced: '2.0.0', text: 'Ok: queued as 12345' });
  assert.deepEqual([ok.category, ok.permanent, ok.hard], ['accepted', null, false]);
  // A DSN Status class outranks the code quoted in its diagnostic; a live reply's code outranks its status.
  assert.equal(classify({ phase: 'dsn', code: null, enhanced: '4.0.0', text: 'smtp; 550 Client host blocked for spamming issues' }).permanent, false);
  assert.equal(classify({ phase: 'rcpt', code: 550, enhanced: '4.7.1', text: 'odd server' }).permanent, true);
});

test('a 2xx is accepted whatever its text says', () => {
  const c = classify({ phase: 'data', code: 250, enhanced: null, text: '2.0.0 Ok: queued; spam score 0.2, no virus found' });
  assert.equal(c.category, 'accepted');
  assert.equal(c.enhanced, '2.0.0');
  assert.equal(classify({ phase: 'rcpt', code: 250, enhanced: null, text: 'Accepted' }).enhanced, '2.1.5');
});

test('the hard set is exactly the address-level categories', () => {
  assert.deepEqual([...HARD_CATEGORIES].sort(), ['domain-unknown', 'mailbox-moved', 'mailbox-unknown', 'no-mail-service']);
  for (const c of CATEGORIES) assert.equal(categoryIsHard(c), HARD_CATEGORIES.has(c));
  assert.equal(categoryIsHard('mailbox-disabled'), false);
  assert.equal(categoryIsHard(null), false);
  assert.equal(categoryIsHard('no-such-category'), false);
});

test('"user unknown" only after DATA is a filter, not a bad address; an explicit X.1.1 still is', () => {
  const live = classify({ phase: 'data', code: 550, enhanced: null, text: 'Unknown user jane@example.net' });
  assert.deepEqual([live.category, live.hard], ['policy', false]);
  const reported = classify({ phase: 'dsn', code: null, enhanced: '5.0.0', text: 'smtp; 550 Unknown user', reportedPhase: 'data' });
  assert.equal(reported.hard, false);
  const explicit = classify({ phase: 'dsn', code: null, enhanced: '5.1.1', text: 'smtp; 550 5.1.1 <jane@example.org>... User Unknown', reportedPhase: 'data' });
  assert.equal(explicit.hard, true);
  // Exim's and Postfix's own words are read when the caller does not say.
  assert.equal(
    classify({ phase: 'dsn', code: null, enhanced: '5.0.0', text: 'SMTP error from remote mail server after end of data: 550 Unknown user' }).hard,
    false,
  );
  assert.equal(
    classify({ phase: 'dsn', code: null, enhanced: '5.0.0', text: 'host mx.example.org said: 550 Unknown user (in reply to RCPT TO command)' }).hard,
    true,
  );
});

test('enhanced status is derived when none was given', () => {
  const cases: [Parameters<typeof classify>[0], string][] = [
    [{ phase: 'rcpt', code: 550, enhanced: null, text: 'No such user here' }, '5.1.1'],
    [{ phase: 'rcpt', code: 452, enhanced: null, text: 'Mailbox full' }, '4.2.2'],
    [{ phase: 'data', code: 552, enhanced: null, text: 'Message too big' }, '5.3.4'],
    [{ phase: 'connect', code: null, enhanced: null, text: 'connect ECONNREFUSED 127.0.1.5:25' }, '4.4.1'],
    [{ phase: 'dns', code: null, enhanced: null, text: 'queryMx ENOTFOUND nowhere.invalid' }, '5.1.2'],
    [{ phase: 'dns', code: null, enhanced: null, text: 'queryMx ETIMEOUT example.org' }, '4.4.3'],
    [{ phase: 'dns', code: null, enhanced: null, text: 'example.org has a null MX' }, '5.1.10'],
    [{ phase: 'dsn', code: null, enhanced: null, text: 'Message expired after 5 days in queue' }, '5.4.7'],
    [{ phase: 'rcpt', code: 550, enhanced: null, text: '<jane@example.org>' }, '5.0.0'],
    [{ phase: 'rcpt', code: 550, enhanced: null, text: 'Requested action not taken: 5.1.1 user unknown' }, '5.1.1'],
  ];
  for (const [input, want] of cases) assert.equal(classify(input).enhanced, want, JSON.stringify(input));
});

test('network errors without a reply are temporary, at the phase they happened', () => {
  const refused = classify({ phase: 'connect', code: null, enhanced: null, text: null, error: 'ECONNREFUSED' });
  assert.deepEqual([refused.category, refused.permanent], ['connection-failure', false]);
  // The same error code from the DNS resolver means the DNS server is unreachable.
  const dns = classify({ phase: 'dns', code: null, enhanced: null, text: null, error: 'ECONNREFUSED' });
  assert.deepEqual([dns.category, dns.permanent], ['dns-failure', false]);
  const reset = classify({ phase: 'data', code: null, enhanced: null, text: 'read ECONNRESET' });
  assert.equal(reset.category, 'connection-failure');
  assert.match(reset.explanation, /duplicate/);
  // NXDOMAIN is permanent and hard; SERVFAIL is not.
  const nx = classify({ phase: 'dns', code: null, enhanced: null, text: 'queryMx ENOTFOUND exampel.com' });
  assert.deepEqual([nx.category, nx.permanent, nx.hard], ['domain-unknown', true, true]);
  const sf = classify({ phase: 'dns', code: null, enhanced: null, text: 'queryMx ESERVFAIL example.com' });
  assert.deepEqual([sf.category, sf.permanent, sf.hard], ['dns-failure', false, false]);
});

test('a no-such-address status under words naming another cause reads by the words, live as in a bounce', () => {
  const replies: Array<[string, string]> = [
    ['550 5.1.1 Mailbox full', 'mailbox-full'],
    ['550 5.1.1 <ann@example.net>: Recipient address rejected: Account disabled due to inactivity', 'mailbox-disabled'],
    ['550 5.1.1 Relaying denied', 'relay-denied'],
    ['550 5.1.1 Your IP 192.0.2.1 is blocked', 'reputation-or-blocklist'],
    ['552 5.1.1 Message size exceeds maximum permitted', 'message-too-large'],
    ['550 5.1.1 Sender address rejected: Domain not found', 'policy'],
  ];
  for (const [reply, category] of replies) {
    const live = classify({ phase: 'rcpt', code: Number(reply.slice(0, 3)), enhanced: null, text: reply.slice(4) });
    assert.deepEqual([live.category, live.hard, live.enhanced], [category, false, '5.1.1'], reply);
    const reported = classifyRecipient({ address: 'ann@example.net', action: 'failed', status: '5.1.1', diagnostic: reply, category: null, hard: null });
    assert.deepEqual([reported.category, reported.hard], [category, false], reply);
  }
  // At MAIL FROM no recipient has been offered: a no-such-address reply is about our sender.
  const atMail = classify({ phase: 'mail', code: 550, enhanced: null, text: '5.1.1 User unknown' });
  assert.deepEqual([atMail.category, atMail.hard], ['policy', false]);
  // Words that only add a reason of our side's to a real "user unknown" leave it hard.
  assert.equal(classify({ phase: 'rcpt', code: 550, enhanced: null, text: '5.1.1 User unknown; SPF check also failed' }).hard, true);
});

test('a refusal of the greeting, of EHLO or of STARTTLS is no verdict on a recipient, whatever its words; a host that takes no mail is', () => {
  // Haraka's helo.checks: "550 Invalid address format in HELO" is about our name, not an address.
  // (It names our HELO: a protocol matter, as the HELO rules read it; other words, a policy.)
  for (const phase of ['connect', 'ehlo'] as const) {
    const c = classify({ phase, code: 550, enhanced: null, text: 'Invalid address format in HELO' });
    assert.deepEqual([c.category, c.hard, c.enhanced], ['protocol-error', false, '5.7.0'], phase);
  }
  const greeting = classify({ phase: 'connect', code: 554, enhanced: '5.1.1', text: 'User unknown' });
  assert.deepEqual([greeting.category, greeting.hard], ['policy', false]);
  assert.equal(classify({ phase: 'starttls', code: 554, enhanced: '5.1.1', text: 'User unknown' }).hard, false);
  assert.equal(classify({ phase: 'connect', code: 554, enhanced: '5.1.1', text: 'User unknown' }).hard, false);
  const nothing = classify({ phase: 'connect', code: 521, enhanced: '5.3.2', text: 'mx.dest.example does not accept mail' });
  assert.deepEqual([nothing.category, nothing.hard], ['no-mail-service', true]);
  // At RCPT the same words are about the address.
  assert.equal(classify({ phase: 'rcpt', code: 550, enhanced: null, text: 'Invalid address format' }).hard, true);
});

test("words about the message's format beat a no-such-address status; a malformed address does not", () => {
  // ZMailer's report of a server that refused 8-bit data under 5.1.1.
  const format = classify({ phase: 'dsn', code: 550, enhanced: '5.1.1', text: '550 Error: improper use of 8-bit data in message body' });
  assert.deepEqual([format.category, format.hard], ['protocol-error', false]);
  const address = classify({ phase: 'dsn', code: 550, enhanced: '5.1.1', text: '550 5.1.1 malformed address' });
  assert.deepEqual([address.category, address.hard], ['mailbox-unknown', true]);
});
