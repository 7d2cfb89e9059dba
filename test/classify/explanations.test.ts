/** One plain sentence for every reply, and the phase changes what it says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/classify/index.js';
import { CATEGORIES } from '../../src/classify/types.js';
import { PHASES } from '../../src/types.js';
import type { ResponseInput } from '../../src/classify/types.js';

const CATEGORY_SET = new Set<string>(CATEGORIES);

test('a 554 at connect and a 554 after DATA are explained differently', () => {
  const atConnect = classify({ phase: 'connect', code: 554, enhanced: null, text: 'mx.example.org' });
  const afterData = classify({ phase: 'data', code: 554, enhanced: null, text: 'Transaction failed' });
  assert.match(atConnect.explanation, /refused the connection before any mail was offered/);
  assert.match(atConnect.explanation, /blocklist|reputation/);
  assert.match(afterData.explanation, /refused the message content/);
  assert.notEqual(atConnect.category, afterData.category);
});

test('a 4xx at RCPT says what the wording indicates', () => {
  const grey = classify({ phase: 'rcpt', code: 451, enhanced: '4.7.1', text: 'Greylisted, please try again in 180 seconds' });
  const throttle = classify({ phase: 'rcpt', code: 451, enhanced: '4.7.1', text: 'Too many messages from your IP, slow down' });
  const reputation = classify({ phase: 'rcpt', code: 450, enhanced: '4.7.1', text: 'Client host rejected: IP 192.0.2.4 has poor reputation, try later' });
  const silent = classify({ phase: 'rcpt', code: 450, enhanced: null, text: '<jane@example.org>' });
  assert.equal(grey.category, 'greylisted');
  assert.match(grey.explanation, /greylisting/);
  assert.equal(throttle.category, 'rate-limited');
  assert.match(throttle.explanation, /limiting how fast/);
  assert.equal(reputation.category, 'reputation-or-blocklist');
  assert.match(silent.explanation, /greylisting, throttling/);
  assert.equal(new Set([grey.explanation, throttle.explanation, reputation.explanation, silent.explanation]).size, 4);
});

test('a reported status says it was reported later in a bounce', () => {
  const live = classify({ phase: 'rcpt', code: 550, enhanced: '5.1.1', text: 'User unknown' });
  const dsn = classify({ phase: 'dsn', code: null, enhanced: '5.1.1', text: 'smtp; 550 5.1.1 User unknown' });
  assert.equal(dsn.category, live.category);
  assert.doesNotMatch(live.explanation, /bounce/);
  assert.match(dsn.explanation, /reported later in a bounce/);
  assert.match(dsn.explanation, /\.$/);
  // A DSN sentence of its own is used as is.
  assert.match(classify({ phase: 'dsn', code: null, enhanced: '2.0.0', text: null }).explanation, /later report says the message was delivered/);
});

test('every phase × class has its own default sentence', () => {
  const phases: ResponseInput['phase'][] = [...PHASES, 'dsn', null];
  for (const code of [250, 421, 450, 499, 550, 599]) {
    const seen = new Map<string, string>();
    for (const phase of phases) {
      const c = classify({ phase, code, enhanced: null, text: null });
      assert.ok(c.explanation.length > 20, `${phase} ${code}`);
      assert.ok(CATEGORY_SET.has(c.category));
      seen.set(String(phase), c.explanation);
    }
    // Codes without a rule of their own fall to the phase defaults: each phase that matters says something else.
    if (code === 421 || code === 450 || code === 550) continue;
    const keyPhases = ['connect', 'ehlo', 'mail', 'rcpt', 'data', 'dsn'].map((p) => seen.get(p));
    assert.equal(new Set(keyPhases).size, keyPhases.length, `code ${code}: ${keyPhases.join(' | ')}`);
  }
});

test('no input at all still gets a sentence', () => {
  const c = classify({ phase: null, code: null, enhanced: null, text: null });
  assert.equal(c.category, 'unknown');
  assert.ok(c.explanation.length > 20);
  assert.equal(c.rule, 'default:unknown/none');
});

test('a permanent refusal never promises a retry; the same cause refused for now still does', () => {
  const quota = classify({ phase: 'rcpt', code: 550, enhanced: '5.7.1', text: 'Daily sending quota exceeded' });
  const full = classify({ phase: 'rcpt', code: 552, enhanced: '5.2.2', text: 'Mailbox full' });
  const reported = classify({ phase: 'dsn', code: 550, enhanced: '5.7.1', text: 'smtp; 550 5.7.1 Daily sending quota exceeded' });
  for (const c of [quota, full, reported]) {
    assert.equal(c.permanent, true);
    assert.doesNotMatch(c.explanation, /we (?:slow down and |will )?retry|may go through once/, c.explanation);
    assert.match(c.explanation, /this refusal was permanent, so it is not retried/);
  }
  assert.match(reported.explanation, /not retried \(reported later in a bounce/);
  assert.match(classify({ phase: 'rcpt', code: 452, enhanced: '4.2.2', text: 'Mailbox full' }).explanation, /may go through once they make room\.$/);
  assert.match(classify({ phase: 'rcpt', code: 451, enhanced: '4.7.1', text: 'Daily sending quota exceeded' }).explanation, /we slow down and retry\.$/);
});

test("Postfix's \"Temporary lookup failure\" is the receiver's own table failing, not the recipient's DNS", () => {
  const c = classify({ phase: 'rcpt', code: 451, enhanced: '4.3.0', text: '<ann@example.org>: Temporary lookup failure' });
  assert.deepEqual([c.category, c.permanent, c.hard], ['system-error', false, false]);
  assert.match(c.explanation, /its own directory or tables/);
  assert.doesNotMatch(c.explanation, /name servers|DNS/);
  // A name server that failed is still read as one.
  assert.equal(classify({ phase: 'rcpt', code: 451, enhanced: '4.4.3', text: 'Temporary DNS failure' }).category, 'dns-failure');
});

test("TLS: our policy is told from the server's, a certificate failure says so, and a refused STARTTLS is about encryption", () => {
  const ours = classify({
    phase: 'starttls',
    code: null,
    enhanced: '4.7.10',
    text: 'TLS is required for this destination but mx.example.org does not offer STARTTLS',
    error: 'ETLSREQUIRED',
  });
  assert.match(ours.explanation, /^Our TLS policy requires encryption for this destination, but the receiving server does not offer it/);
  const theirs = classify({ phase: 'mail', code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' });
  assert.match(theirs.explanation, /^The server requires an encrypted/);
  // STARTTLS answered 220, then the handshake failed on the certificate: the failure, not the 220, is explained.
  const cert = classify({
    phase: 'starttls',
    code: 220,
    enhanced: '2.0.0',
    text: '2.0.0 Ready to start TLS\nTLS handshake failed: self-signed certificate',
    error: 'ETLS',
  });
  assert.equal(cert.category, 'connection-failure');
  assert.match(cert.explanation, /certificate could not be verified/);
  assert.doesNotMatch(cert.explanation, /agreed/);
  const refused = classify({ phase: 'starttls', code: 454, enhanced: '4.7.0', text: 'TLS not available due to local problem' });
  assert.match(refused.explanation, /refused to start encryption/);
  assert.doesNotMatch(refused.explanation, /reputation/);
});

test("Postfix's access-map REJECT of a recipient is not explained as Microsoft 365's directory check", () => {
  const postfix = classify({ phase: 'rcpt', code: 554, enhanced: '5.7.1', text: '<ann@example.org>: Recipient address rejected: Access denied' });
  assert.doesNotMatch(postfix.explanation, /Microsoft/);
  assert.match(postfix.explanation, /access rules refuse this recipient address/);
  const microsoft = classify({
    phase: 'rcpt',
    code: 550,
    enhanced: '5.4.1',
    text: 'Recipient address rejected: Access denied. AS(201806281) [x.prod.protection.outlook.com]',
  });
  assert.match(microsoft.explanation, /^Microsoft 365/);
});

test("our own stop is explained as ours, not as the receiver's refusal; after the message it warns of a duplicate", () => {
  const cut = classify({ phase: 'data', code: null, enhanced: null, text: 'delivery was aborted (shutdown)', error: 'EABORTED' });
  assert.equal(cut.rule, 'wording:stopped-by-us');
  assert.equal(cut.hard, false);
  assert.match(cut.explanation, /mailtrail was being stopped .* nothing was delivered/);
  const late = classify({
    phase: 'data',
    code: null,
    enhanced: null,
    text: 'outcome unknown: the relay stopped before the receiver answered the message (waited 60000 ms); the receiver may already have it',
    error: 'EABORTED',
  });
  assert.equal(late.rule, 'wording:stopped-awaiting-reply');
  assert.match(late.explanation, /may already have it/);
});
