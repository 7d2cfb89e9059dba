import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colorWanted, formatJson, formatPretty, toTailRecord } from '../../src/log/format.js';
import type { FeedEvent } from '../../src/store/store.js';

const AT = Date.UTC(2024, 4, 1, 10, 2, 3, 45);

function feed(over: Partial<FeedEvent>): FeedEvent {
  return {
    id: 7,
    cursor: '7',
    at: AT,
    kind: 'delivered',
    messageRowId: 1,
    recipientId: 2,
    attempt: 1,
    phase: 'data',
    code: 250,
    enhanced: '2.0.0',
    text: 'Ok: queued as 4Vx',
    remoteHost: 'mx.example.com',
    remoteIp: '127.0.1.5',
    durationMs: 812,
    detail: { category: 'accepted', hard: null, explanation: 'The receiving server accepted the message.' },
    queueId: 'QABC123',
    messageId: 'order-1@shop.example.com',
    tag: 'receipts',
    messageCreatedAt: AT - 60_000,
    mailFrom: 'app@shop.example.com',
    recipient: 'alice@example.com',
    domain: 'example.com',
    ...over,
  };
}

test('the JSON line uses the log schema field names, every field present, null when it does not apply', () => {
  const r = JSON.parse(formatJson(feed({})));
  assert.deepEqual(Object.keys(r), [
    'time',
    'id',
    'event',
    'queue_id',
    'message_id',
    'recipient',
    'domain',
    'sender',
    'tag',
    'attempt',
    'phase',
    'code',
    'enhanced',
    'text',
    'mx',
    'ip',
    'duration_ms',
    'outcome',
    'category',
    'hard',
    'next_attempt_at',
    'error',
    'detail',
  ]);
  assert.equal(r.time, '2024-05-01T10:02:03.045Z');
  assert.equal(r.event, 'delivered');
  assert.equal(r.outcome, 'delivered');
  assert.equal(r.queue_id, 'QABC123');
  assert.equal(r.message_id, 'order-1@shop.example.com');
  assert.equal(r.mx, 'mx.example.com');
  assert.equal(r.ip, '127.0.1.5');
  assert.equal(r.duration_ms, 812);
  assert.equal(r.category, 'accepted');
  assert.equal(r.hard, null);

  const received = toTailRecord(
    feed({
      kind: 'received',
      recipientId: null,
      recipient: null,
      domain: null,
      attempt: null,
      phase: null,
      code: null,
      enhanced: null,
      text: null,
      remoteHost: null,
      remoteIp: null,
      durationMs: null,
      detail: { recipients: 2 },
    }),
  );
  assert.equal(received.outcome, null, 'only delivery outcomes carry outcome');
  assert.equal(received.recipient, null);
});

test('a deferral carries its next attempt as ISO time, a failed phase its error code', () => {
  const next = AT + 300_000;
  const deferred = toTailRecord(
    feed({ kind: 'deferred', code: 451, enhanced: '4.7.1', text: 'Greylisted', detail: { category: 'greylisted', hard: false, next_attempt_at: next } }),
  );
  assert.equal(deferred.next_attempt_at, new Date(next).toISOString());
  assert.equal(deferred.outcome, 'deferred');
  const phase = toTailRecord(
    feed({
      kind: 'phase',
      phase: 'connect',
      code: null,
      enhanced: null,
      text: 'connect ECONNREFUSED',
      recipientId: null,
      recipient: null,
      domain: null,
      detail: { error: 'ECONNREFUSED', recipient_ids: [2] },
    }),
  );
  assert.equal(phase.error, 'ECONNREFUSED');
  assert.equal(phase.outcome, null);
});

test('pretty lines: time, kind, queue id, then what a person needs for that kind', () => {
  assert.equal(
    formatPretty(feed({}), { color: false }),
    '2024-05-01 10:02:03.045Z  delivered     QABC123  alice@example.com  attempt 1  250 2.0.0 Ok: queued as 4Vx  via mx.example.com [127.0.1.5]  [accepted]',
  );
  assert.equal(
    formatPretty(
      feed({
        kind: 'received',
        recipientId: null,
        recipient: null,
        attempt: null,
        phase: null,
        code: null,
        enhanced: null,
        text: null,
        remoteHost: null,
        remoteIp: null,
        detail: { recipients: 2 },
      }),
      { color: false },
    ),
    '2024-05-01 10:02:03.045Z  received      QABC123  from <app@shop.example.com>  2 recipients  <order-1@shop.example.com>  tag receipts',
  );
  assert.equal(
    formatPretty(feed({ kind: 'phase', phase: 'rcpt', code: 550, enhanced: '5.1.1', text: 'User unknown', durationMs: 12, detail: null }), { color: false }),
    '2024-05-01 10:02:03.045Z  phase         QABC123  rcpt  550 5.1.1 User unknown  via mx.example.com [127.0.1.5]  (alice@example.com)  12 ms',
  );
  assert.equal(
    formatPretty(
      feed({
        kind: 'bounced',
        phase: 'inbound',
        attempt: null,
        code: 552,
        enhanced: '5.2.2',
        text: 'Mailbox full',
        remoteHost: 'mx.example.net',
        remoteIp: null,
        detail: { category: 'mailbox-full', hard: false },
      }),
      { color: false },
    ),
    '2024-05-01 10:02:03.045Z  bounced       QABC123  alice@example.com  552 5.2.2 Mailbox full  reported by mx.example.net  [mailbox-full]',
  );
  const deferred = formatPretty(
    feed({ kind: 'deferred', code: 451, enhanced: '4.7.1', text: 'Greylisted', detail: { category: 'greylisted', hard: false, next_attempt_at: AT + 60_000 } }),
    { color: false },
  );
  assert.match(deferred, /451 4\.7\.1 Greylisted .*\[greylisted\]  next 2024-05-01 10:03:03\.045Z$/);
  const hard = formatPretty(
    feed({ kind: 'bounced', phase: 'rcpt', code: 550, enhanced: '5.1.1', text: 'No such user', detail: { category: 'mailbox-unknown', hard: true } }),
    { color: false },
  );
  assert.match(hard, /\[mailbox-unknown, hard\]$/);
});

test('a multi-line reply is shown on one line and long text is cut; --json keeps it whole', () => {
  const text = 'mx.example.com\nPIPELINING\nSTARTTLS\n' + 'x'.repeat(300);
  const line = formatPretty(feed({ kind: 'phase', phase: 'ehlo', code: 250, enhanced: null, text }), { color: false });
  assert.ok(!line.includes('\n'));
  assert.match(line, /250 mx\.example\.com \/ PIPELINING \/ STARTTLS \/ x+…/);
  assert.equal(JSON.parse(formatJson(feed({ text }))).text, text);
});

test('a reply whose text repeats its status shows the codes once', () => {
  // Servers that start their text with the status: recorded as code 250, status 2.1.0, text "2.1.0 Ok".
  const line = formatPretty(feed({ kind: 'phase', phase: 'mail', code: 250, enhanced: '2.1.0', text: '2.1.0 Ok', recipient: null }), { color: false });
  assert.match(line, /  mail  250 2\.1\.0 Ok  /);
  assert.doesNotMatch(line, /2\.1\.0 2\.1\.0/);
});

test('control characters from remote replies and headers never reach the terminal', () => {
  const line = formatPretty(feed({ kind: 'bounced', text: 'evil \x1b[2J\x1b]0;owned\x07 reply', messageId: 'a\x1b[31m@b', recipient: 'x\r\n@y' }), {
    color: false,
  });
  assert.ok(!/[\x00-\x1f\x7f]/.test(line), JSON.stringify(line));
  assert.match(line, /evil \?\[2J\?\]0;owned\? reply/);
});

test('colour marks the kind: red for bounces, green for deliveries, yellow for deferrals; none without colour', () => {
  assert.match(formatPretty(feed({ kind: 'bounced', code: 550 }), { color: true }), /\x1b\[31mbounced/);
  assert.match(formatPretty(feed({}), { color: true }), /\x1b\[32mdelivered/);
  assert.match(formatPretty(feed({ kind: 'deferred', code: 451 }), { color: true }), /\x1b\[33mdeferred/);
  assert.doesNotMatch(formatPretty(feed({ kind: 'bounced' }), { color: false }), /\x1b/);
});

test('colour: on a terminal, or as FORCE_COLOR says, and never with NO_COLOR alone', () => {
  assert.equal(colorWanted({}, true), true);
  assert.equal(colorWanted({}, false), false);
  assert.equal(colorWanted({ NO_COLOR: '1' }, true), false);
  assert.equal(colorWanted({ NO_COLOR: '' }, true), true, 'an empty NO_COLOR is not set (no-color.org)');
  assert.equal(colorWanted({ FORCE_COLOR: '1' }, false), true);
  assert.equal(colorWanted({ FORCE_COLOR: '' }, false), true, 'FORCE_COLOR set to nothing still forces, as in Node');
  assert.equal(colorWanted({ FORCE_COLOR: '0' }, true), false, 'FORCE_COLOR=0 turns colour off even on a terminal, as in Node');
  assert.equal(colorWanted({ FORCE_COLOR: 'false' }, true), false);
  assert.equal(colorWanted({ FORCE_COLOR: '1', NO_COLOR: '1' }, false), true, 'forcing wins, as in Node');
});
