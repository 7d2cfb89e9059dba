/**
 * Host names read as names (src/classify/host-name.ts): a host that answered, named where MTAs name it, is not
 * the server's words, whatever its labels hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/classify/classify.js';
import { NEUTRAL_NAME, holdsReasonWord, hostAsName, registrable } from '../../src/classify/host-name.js';

test('a name holding a rule word below its public suffix reads as the neutral name; any other as its registrable domain', () => {
  assert.equal(hostAsName('mxbiz1.qq.com'), 'qq.com');
  assert.equal(hostAsName('mx.example.co.jp'), 'example.co.jp');
  assert.equal(hostAsName('mx1.virusfree.cz'), NEUTRAL_NAME);
  assert.equal(hostAsName('inbound.timeout.com'), NEUTRAL_NAME);
  // Only the registrable domain counts for a host: the provider's own sub-names ("spam-in", "relay7") are its
  // machines, cut off as before.
  assert.equal(hostAsName('relay7.spam-in.example.net'), 'example.net');
  // The suffix is not read ("co" of .co.uk, "com").
  assert.equal(registrable('a.b.policyexpert.co.uk'), 'policyexpert.co.uk');
  assert.ok(holdsReasonWord('policyexpert.co.uk'));
  assert.ok(!holdsReasonWord('example.co.uk'));
});

test('the host that answered, at a domain holding a rule word, does not decide the reading', () => {
  // [reply as a notice quotes it, what the host's name alone would make of it]
  const cases: Array<[string, string]> = [
    // Postfix: a user-unknown refusal from a filtering service's MX is not a virus verdict.
    ['host mx2.virusfree.cz[192.0.2.7] said: 550 <kim@shop.example>: Recipient address rejected: User unknown in virtual mailbox table', 'virus'],
    ['host mx9.virusfree.cz[192.0.2.7] said: 550 rejected', 'virus'],
    // Exim: a spam verdict from an MX whose domain reads "unknown" is not an unknown host.
    ['host mx.unknownworlds.com [192.0.2.8]: 554 5.7.1 Message rejected as spam', 'domain-unknown'],
    // Gmail's bracketed host and address, and a host named before what it said.
    ['[mx1.virusfree.cz. 192.0.2.9: 550 rejected]', 'virus'],
    ['mx1.virusfree.cz said: 550 rejected', 'virus'],
    // Postfix's name for a host without one is not "host unknown".
    ['host unknown[192.0.2.1] said: 550 rejected (in reply to RCPT TO command)', 'domain-unknown'],
    // Sendmail: a refusal from a host whose domain reads "timeout" is not a timeout.
    ['Delivery failed: talking to mx.timeout.com.: 550 Requested action not taken: mailbox unavailable', 'connection-failure'],
  ];
  for (const [text, byName] of cases) {
    const named = classify({ phase: 'dsn', code: null, enhanced: null, text });
    assert.notEqual(named.category, byName, text);
    const plain = classify({
      phase: 'dsn',
      code: null,
      enhanced: null,
      text: text.replace(/(?:[a-z0-9-]+\.)+(?:cz|com)(?=[\s.[:])|\bunknown(?=\[)/, 'mx.far.example'),
    });
    assert.deepEqual([named.category, named.hard, named.rule], [plain.category, plain.hard, plain.rule], text);
  }
});

test('a blocklist named in the reply is still read as one, and a real "host unknown" as an unknown domain', () => {
  assert.equal(
    classify({ phase: 'dsn', code: 550, enhanced: null, text: 'Host unknown (Name server: example.com: host not found)' }).category,
    'domain-unknown',
  );
  // "unknown" before an address is a host's place only after "host", "to", "from"…: a reply may quote the client's IP.
  assert.equal(classify({ phase: 'rcpt', code: 550, enhanced: null, text: 'User unknown (192.0.2.1)' }).category, 'mailbox-unknown');
  const c = classify({ phase: 'rcpt', code: 554, enhanced: null, text: '5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org' });
  assert.equal(c.category, 'reputation-or-blocklist');
});

test("an address's domain holding a rule word is a name; a blocklist's own stays its evidence", () => {
  const cases: Array<[string, string]> = [
    // Exim quotes our envelope sender: a bounce domain whose name reads "timeout" is not a timeout.
    ['SMTP error from remote mail server after MAIL FROM:<b-7f3a@bounces.timeout-shop.com> SIZE=1022: 550 rejected', 'connection-failure'],
    ['Hello news@virusfree.cz, your message could not be delivered: 550 rejected', 'virus'],
  ];
  for (const [text, byName] of cases) {
    const named = classify({ phase: 'dsn', code: null, enhanced: null, text });
    assert.notEqual(named.category, byName, text);
    const plain = classify({ phase: 'dsn', code: null, enhanced: null, text: text.replace(/@[a-z0-9.-]+\.[a-z]+/, '@shop.example') });
    assert.deepEqual([named.category, named.rule], [plain.category, plain.rule], text);
  }
  assert.equal(
    classify({ phase: 'rcpt', code: 550, enhanced: null, text: 'Rejected; to be delisted write to delist@spamcop.net' }).category,
    'reputation-or-blocklist',
  );
  // Providers' domains hold no such word and stay readable ("…@qq.com").
  assert.equal(
    classify({ phase: 'rcpt', code: 550, enhanced: null, text: '<ann@qq.com> Mailbox unavailable or access denied' }).rule,
    'provider:tencent-frequency',
  );
});
