/**
 * Wording families found missing by a coverage review of the reasons a hard/soft decision turns on
 * (issue 16): for each, status lines written in the style of the MTAs that use the wording, and the
 * category and hard/soft verdict they must get. Also the order between a generic text and a specific one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/classify/index.js';
import type { Category } from '../../src/classify/types.js';

/** A reply as a bounce reports it: the reporting MTA's generic 5.0.0 over the remote server's text. */
function reported(text: string) {
  return classify({ phase: 'dsn', code: null, enhanced: '5.0.0', text });
}

function expect(rows: readonly (readonly [string, Category])[], hard: boolean) {
  for (const [text, category] of rows) {
    const c = reported(text);
    assert.equal(c.category, category, `${text}: fired ${c.rule}`);
    assert.equal(c.hard, hard, text);
  }
}

test('relaying refused, in the words of qmail, Exchange/IIS, MailEnable, Sendmail and others: soft', () => {
  expect(
    [
      ['550 5.7.1 This system is not configured to relay mail from 192.0.2.1 to example.org', 'relay-denied'],
      ["553 sorry, that domain isn't in my list of allowed rcpthost (#5.7.1)", 'relay-denied'],
      ['550 <jane@example.org>... not local host example.org, not a gateway', 'relay-denied'],
      ['550 We do not handle mail for example.org', 'relay-denied'],
      ['550 5.7.1 Mail server requires authentication when attempting to send to a non-local e-mail address', 'relay-denied'],
      ['554 Sorry, this is not an open relay', 'relay-denied'],
    ],
    false,
  );
});

test("a message over the size limit, in more servers' words: soft", () => {
  expect(
    [
      // 550/554, not 552: the words alone must say it (552 already means a storage or size limit).
      ['554 Exceeded maximum inbound message size', 'message-too-large'],
      ['550 Max message size exceeded', 'message-too-large'],
      ['550 Taille limite du message atteinte', 'message-too-large'],
    ],
    false,
  );
});

test('a suspended, inactive or archived mailbox without the usual subject words: soft', () => {
  expect(
    [
      ['550 5.2.1 <jane@example.org>: Recipient rejected: Temporarily inactive', 'mailbox-disabled'],
      ['550 Mailaddress is administratively disabled. (#5.2.1)', 'mailbox-disabled'],
      ['550 jane@example.org is currently suspended', 'mailbox-disabled'],
      ['554 Recipient suspend the service', 'mailbox-disabled'],
      ['550 Boîte du destinataire archivée', 'mailbox-disabled'],
      ['550 Delivery failed: Email account that you tried to reach is disabled', 'mailbox-disabled'],
    ],
    false,
  );
});

test("no such mailbox, in qmail's and other servers' words: hard", () => {
  expect(
    [
      ['192.0.2.1 does not like recipient.\nRemote host said: 550 Requested action not taken\nGiving up on 192.0.2.1.', 'mailbox-unknown'],
      ['550 Recipient not OK', 'mailbox-unknown'],
      ['550 5.1.1 <jane@example.org>: Recipient is not local', 'mailbox-unknown'],
      ['553 <jane@example.org> is not a local address', 'mailbox-unknown'],
      ['550 This address no longer accepts mail.', 'mailbox-unknown'],
      ['550 Mailbox jane@example.org unavailable', 'mailbox-unknown'],
      ['553 Recipient mailbox is not allowed', 'mailbox-unknown'],
    ],
    true,
  );
});

test('a domain that does not exist or takes no mail at all: hard (when permanent)', () => {
  expect(
    [
      ['553 5.1.2 Recipient address rejected: domain must exist', 'domain-unknown'],
      ['550 The account or domain may not exist', 'domain-unknown'],
      ['DNS Error: DNS server returned answer with no data', 'no-mail-service'],
      ['550 Destination seem to reject all mails', 'no-mail-service'],
      ['554 5.3.2 Domain does not accept mail', 'no-mail-service'],
      ['521 5.3.2 Host does not accept mail', 'no-mail-service'],
      ['550 no host found for existing SMTP connection', 'no-mail-service'],
    ],
    true,
  );
  // The same words in a temporary reply are not a verdict on the domain, nor qmail's framing of a temporary refusal.
  assert.equal(
    classify({ phase: 'dsn', code: null, enhanced: '4.0.0', text: '192.0.2.1 does not like recipient.\nRemote host said: 451 4.3.0 Temporary local problem' })
      .hard,
    false,
  );
  assert.equal(classify({ phase: 'dsn', code: 421, enhanced: '4.3.2', text: '421 4.3.2 System not accepting network messages' }).hard, false);
});

// RFC 3463's X.3.2 is a system down for now ("shutting down, excessive load, or system maintenance"): a whole provider
// answering it (Juno and NetZero did, for every address, during an outage) must not have every address suppressed.
test('5.3.2 "system not accepting network messages" is an outage, not a domain without mail: soft', () => {
  expect(
    [
      ['554 5.3.2 System not accepting network messages', 'server-busy'],
      ['550 5.3.2 Service currently unavailable', 'server-busy'],
    ],
    false,
  );
  const live = classify({ phase: 'rcpt', code: 554, enhanced: '5.3.2', text: 'system not accepting network messages' });
  assert.equal(live.category, 'server-busy');
  assert.equal(live.hard, false);
});

test('our sender or our IP refused, in words that also hold "address rejected", "does not accept mail", "no valid recipients": soft', () => {
  for (const text of [
    '550 5.7.1 Sender IP address rejected',
    '553 Sender email address rejected',
    '554 This server does not accept mail from example.com',
    '550 Error: no valid recipients from 192.0.2.1',
  ]) {
    const c = reported(text);
    assert.equal(c.hard, false, `${text}: fired ${c.rule} (${c.category})`);
  }
});

test('RFC 5321\'s stock "mailbox unavailable" gives way to the specific reason a server puts after it', () => {
  for (const [text, category] of [
    ['550 Requested action not taken: mailbox unavailable - rate limit exceeded, try later', 'rate-limited'],
    ['550 Requested action not taken: mailbox unavailable (message rejected as spam)', 'content-or-spam'],
    ['550 Mailbox unavailable: sending IP has a poor reputation', 'reputation-or-blocklist'],
  ] as const) {
    const c = reported(text);
    assert.equal(c.category, category, `${text}: fired ${c.rule}`);
    assert.equal(c.hard, false, text);
  }
  // Alone it still means no such mailbox.
  assert.equal(reported('550 Requested action not taken: mailbox unavailable').category, 'mailbox-unknown');
});

test('our IP or server named as the cause (Postfix client checks, DNSBLs, dynamic IPs, open proxies, Exim at connection): our reputation, soft', () => {
  expect(
    [
      ['554 5.7.1 <mail.example.com[192.0.2.1]>: Client host rejected: Access denied', 'reputation-or-blocklist'],
      ['554 5.7.1 Rejected: 192.0.2.1 blocked using bl.example.net', 'reputation-or-blocklist'],
      ['550 Refused. 192.0.2.1 is listed in an example-rbl (see rbl.example.net)', 'reputation-or-blocklist'],
      ['550 5.7.1 Mail from 192.0.2.1 refused: see http://www.example.net/why', 'reputation-or-blocklist'],
      ['550 Too many spams from your IP (192.0.2.1), please visit http://www.example.net/', 'reputation-or-blocklist'],
      ['554 Sorry, your remotehost looks suspiciously like spammer', 'reputation-or-blocklist'],
      ['550 We do not accept mail from dynamic IPs', 'reputation-or-blocklist'],
      ['550 Dynamic/zombied/spam IPs blocked, use the smtp server of your ISP', 'reputation-or-blocklist'],
      ['553 Rejecting open proxy 192.0.2.1', 'reputation-or-blocklist'],
      ['554 5.7.1 You are not allowed to connect.', 'reputation-or-blocklist'],
      ['SMTP error from remote mail server after initial connection: 554 Go away', 'reputation-or-blocklist'],
      ['550 Service refused, please try later (your IP has been reported)', 'reputation-or-blocklist'],
    ],
    false,
  );
});

test('our envelope sender named as the cause (BATV, backscatter, null sender, a sender called a spammer or not pre-approved): soft', () => {
  expect(
    [
      ['550 5.7.1 BATV failed to verify', 'policy'],
      ['550 5.7.1 Backscatter protection detected an invalid or expired email address', 'policy'],
      ['550 Null sender is not allowed', 'policy'],
      ['550 5.1.8 Unroutable sender address', 'policy'],
      ['550 Sender is spammer', 'policy'],
      ['550 Sender not pre-approved', 'policy'],
      ['550 Returned mail not accepted here', 'policy'],
      ['550 Error: no third-party DSNs', 'policy'],
      ['550 Envelope blocked - User Entry', 'policy'],
    ],
    false,
  );
});
