/**
 * Verdict wording on hand-made events (pure functions: no database). The cases the fixture history
 * does not have: a bounce reported moments after delivery, and a connection lost after the content.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explanationOf, verdictOf } from '../../src/query/verdict.js';
import { classify } from '../../src/classify/index.js';
import type { EventRecord, RecipientRecord } from '../../src/types.js';
import { recipientRecord } from '../helpers/recipient-record.js';

const T0 = Date.UTC(2024, 4, 1, 10, 2, 0);

function recipient(over: Partial<RecipientRecord>): RecipientRecord {
  return recipientRecord({ state: 'delivered', attempts: 1, updatedAt: T0, ...over });
}

let nextId = 1;
function event(over: Partial<EventRecord> & Pick<EventRecord, 'kind' | 'at'>): EventRecord {
  return {
    id: nextId++,
    messageRowId: 1,
    recipientId: 1,
    attempt: 1,
    phase: null,
    code: null,
    enhanced: null,
    text: null,
    remoteHost: null,
    remoteIp: null,
    durationMs: null,
    detail: null,
    ...over,
  };
}

const delivered = event({
  kind: 'delivered',
  at: T0,
  phase: 'data',
  code: 250,
  enhanced: '2.0.0',
  text: 'Ok',
  remoteHost: 'mx.example.com',
  remoteIp: '192.0.2.5',
});

test('a bounce reported seconds after delivery gives both moments, not "0 s after delivery"', () => {
  const bounced = event({
    kind: 'bounced',
    at: T0 + 400,
    attempt: null,
    phase: 'inbound',
    code: 550,
    enhanced: '5.1.1',
    text: 'User unknown',
    detail: { category: 'mailbox-unknown', hard: true, reporting_mta: 'dns; mx.example.com' },
  });
  const v = verdictOf({
    recipient: recipient({ state: 'bounced', hard: true, category: 'mailbox-unknown' }),
    events: [delivered, bounced],
    messageCreatedAt: T0 - 60_000,
    suppression: null,
    now: T0 + 1000,
    classify,
  });
  assert.equal(
    v.verdict,
    'bounced after delivery: mailbox unknown (hard, 5.1.1); delivered to mx.example.com at 10:02 UTC, bounce reported by mx.example.com at 10:02 UTC',
  );
  assert.doesNotMatch(v.verdict, /\d+ s after/);
});

// The deliverer records a broken connection after 354 (body sent, no reply to the final dot) as a data
// phase without a code; the deferral that follows carries phase `data` and no code either.
const lost = event({
  kind: 'deferred',
  at: T0,
  phase: 'data',
  enhanced: '4.4.2',
  text: 'connection closed by the server',
  remoteHost: 'mx.example.com',
  detail: { category: 'connection-failure', hard: false },
});

test('a connection lost after the message content was sent says, in the verdict line, that a duplicate is possible', () => {
  const v = verdictOf({
    recipient: recipient({ state: 'deferred', nextAttemptAt: T0 + 600_000, lastEnhanced: '4.4.2', category: 'connection-failure' }),
    events: [lost],
    messageCreatedAt: T0,
    suppression: null,
    now: T0 + 1000,
    classify,
  });
  assert.equal(
    v.verdict,
    'deferred 1 time, next attempt 10:12 UTC: connection lost during or right after sending the message (4.4.2); the receiver may already have it, so a duplicate is possible',
  );
  assert.doesNotMatch(v.verdict, /connection failure/);
});

test('delivered on a later attempt after such a loss: the verdict says the recipient may have it twice', () => {
  const later = { ...delivered, id: nextId++, at: T0 + 600_000, attempt: 2 };
  const v = verdictOf({
    recipient: recipient({ state: 'delivered', attempts: 2 }),
    events: [lost, later],
    messageCreatedAt: T0,
    suppression: null,
    now: T0 + 700_000,
    classify,
  });
  assert.match(
    v.verdict,
    /^delivered to mx\.example\.com \[192\.0\.2\.5\] at 10:12 UTC, accepted 250 2\.0\.0; an earlier attempt \(10:02 UTC\) lost the connection right after sending the message, so the recipient may have it twice$/,
  );
});

test('a data phase that failed before the message was sent (no reply to DATA) says no duplicate is possible', () => {
  const beforeBody = { ...lost, id: nextId++, text: 'no reply within 300000 ms', enhanced: '4.4.1', detail: { ...lost.detail, after_body: false } };
  const v = verdictOf({
    recipient: recipient({ state: 'deferred', nextAttemptAt: T0 + 600_000, lastEnhanced: '4.4.1', category: 'connection-failure' }),
    events: [beforeBody],
    messageCreatedAt: T0,
    suppression: null,
    now: T0 + 1000,
    classify,
  });
  assert.doesNotMatch(v.verdict, /duplicate|twice/);
  assert.match(v.verdict, /^deferred 1 time, next attempt 10:12 UTC: connection failure/);
  const later = verdictOf({
    recipient: recipient({ state: 'delivered', attempts: 2 }),
    events: [beforeBody, { ...delivered, id: nextId++, at: T0 + 600_000, attempt: 2 }],
    messageCreatedAt: T0,
    suppression: null,
    now: T0 + 700_000,
    classify,
  });
  assert.doesNotMatch(later.verdict, /twice/);
});

test('every reply is explained, the phases of an attempt included; a step without a reply is not', () => {
  const mail = event({ kind: 'phase', at: T0, phase: 'mail', code: 250, enhanced: '2.1.0', text: 'Ok', recipientId: null });
  assert.equal(explanationOf(mail, classify), 'The receiving server accepted the sender address.');
  const refused = event({
    kind: 'phase',
    at: T0,
    phase: 'connect',
    text: 'connect ECONNREFUSED 192.0.2.5:25',
    detail: { error: 'ECONNREFUSED' },
    recipientId: null,
  });
  assert.match(explanationOf(refused, classify) ?? '', /could not connect/);
  const dns = event({ kind: 'phase', at: T0, phase: 'dns', text: 'MX 10 mx.example.com', recipientId: null });
  assert.equal(explanationOf(dns, classify), null);
  assert.equal(explanationOf(event({ kind: 'received', at: T0, phase: 'submission', recipientId: null }), classify), null);
});

test("a reply naming the recipient's own domain is explained as the same reply about any other domain", () => {
  const reply = (host: string) => event({ kind: 'phase', at: T0, phase: 'data', code: 554, enhanced: '5.7.1', text: `5.7.1 ${host}: message rejected` });
  const named = explanationOf(reply('mx.timeout.test'), classify, 'timeout.test');
  assert.equal(named, explanationOf(reply('mx.far.test'), classify, 'far.test'));
  // Read without the domain, "timeout" would be the reason.
  assert.notEqual(explanationOf(reply('mx.timeout.test'), classify), named);
});

test('a reply naming the host that gave it is explained as the same reply from any other host', () => {
  const reply = (host: string) =>
    event({ kind: 'phase', at: T0, phase: 'data', code: 554, enhanced: '5.7.1', text: `5.7.1 ${host}: message rejected`, remoteHost: host });
  const named = explanationOf(reply('mx2.timeoutfilter.test'), classify, 'shop.test');
  assert.equal(named, explanationOf(reply('mx.far.test'), classify, 'shop.test'));
  assert.notEqual(explanationOf({ ...reply('mx2.timeoutfilter.test'), remoteHost: null }, classify, 'shop.test'), named);
});
