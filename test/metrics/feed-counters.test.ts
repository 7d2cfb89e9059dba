import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import type { NewMessage } from '../../src/store/store.js';
import { newMessage, type RecipientSpec } from '../helpers/new-message.js';
import type { NewEvent } from '../../src/types.js';
import { labelSets, sampleValue } from './exposition.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-metrics-'));
const stores: SqliteStore[] = [];
after(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(name: string): SqliteStore {
  const s = openSqliteStore({ path: path.join(dir, `${name}.db`), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
  stores.push(s);
  return s;
}

const T = Date.UTC(2024, 5, 1, 12, 0, 0);

function message(tag: string | null, recipients: RecipientSpec[], createdAt = T): NewMessage {
  return newMessage({ tag, createdAt, recipients });
}

test('the follower counts events since start by tag and domain group, codes by phase, and delivery latency', async () => {
  const store = openStore('counters');
  // History before start: counters count from process start, as Prometheus expects.
  const old = await store.messages.enqueue(message('before-start', ['early@gmail.com']));
  await store.events.append({ at: T, messageRowId: old.message.id, recipientId: old.recipients[0].id, kind: 'delivered', code: 250 });

  // A small batch size makes the follower read the feed in several statements.
  const metrics = createMetrics({ store, logger: silentLogger(), defaultMetrics: false, batchSize: 3, now: () => T });
  await metrics.start();

  const a = await store.messages.enqueue(
    message(
      'newsletter',
      ['ann@gmail.com', 'bob@Hotmail.co.uk', 'carol@example.org', { address: 'dora@web.de', state: 'suppressed', nextAttemptAt: null }],
      T - 60_000,
    ),
  );
  const [ann, bob, carol] = a.recipients;
  const b = await store.messages.enqueue(message(null, ['xavier@yahoo.com'], T - 60_000));
  const mid = a.message.id;
  const phase = (p: NewEvent['phase'], code: number | null, recipientId?: number): NewEvent => ({
    at: T - 57_000,
    messageRowId: mid,
    kind: 'phase',
    attempt: 1,
    phase: p,
    code,
    recipientId,
  });
  await store.events.appendMany([
    phase('dns', null),
    phase('connect', 220),
    phase('ehlo', 250),
    phase('mail', 250),
    phase('rcpt', 250, ann.id),
    phase('rcpt', 451, bob.id),
    phase('rcpt', 550, carol.id),
    phase('data', 250),
    { at: T - 57_000, messageRowId: mid, recipientId: ann.id, kind: 'delivered', attempt: 1, phase: 'data', code: 250 },
    { at: T - 57_000, messageRowId: mid, recipientId: bob.id, kind: 'deferred', attempt: 1, phase: 'rcpt', code: 451 },
    { at: T - 57_000, messageRowId: mid, recipientId: carol.id, kind: 'bounced', attempt: 1, phase: 'rcpt', code: 550 },
    { at: T - 30_000, messageRowId: mid, recipientId: bob.id, kind: 'expired' },
    { at: T - 10_000, messageRowId: mid, recipientId: ann.id, kind: 'complained', phase: 'inbound' },
    { at: T - 60_000 + 2 * 3600_000, messageRowId: b.message.id, recipientId: b.recipients[0].id, kind: 'delivered', attempt: 1, phase: 'data', code: 250 },
  ]);

  await metrics.poll();
  const text = await metrics.render();

  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 'newsletter' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 'none' }), 1, 'a message without a tag is labelled none');
  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 'before-start' }), undefined, 'history before start is not counted');

  const nl = (domain_group: string) => ({ tag: 'newsletter', domain_group });
  assert.equal(sampleValue(text, 'mailtrail_recipients_delivered_total', nl('gmail')), 1);
  assert.equal(sampleValue(text, 'mailtrail_recipients_delivered_total', { tag: 'none', domain_group: 'yahoo' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_recipients_deferred_total', nl('outlook')), 1);
  assert.equal(sampleValue(text, 'mailtrail_recipients_bounced_total', nl('other')), 1);
  assert.equal(sampleValue(text, 'mailtrail_recipients_expired_total', nl('outlook')), 1);
  assert.equal(sampleValue(text, 'mailtrail_recipients_suppressed_total', nl('gmx')), 1, 'suppressed at intake, recorded with the received event');
  assert.equal(sampleValue(text, 'mailtrail_recipients_complained_total', nl('gmail')), 1);
  // One series per tag and group seen, and the untagged ones that start at 0 (so rate() sees the first event
  // after a restart), nothing else.
  const delivered = labelSets(text, 'mailtrail_recipients_delivered_total');
  assert.equal(delivered.filter((l) => l.tag !== 'none').length, 1);
  assert.deepEqual(
    delivered
      .filter((l) => l.tag === 'none')
      .map((l) => l.domain_group)
      .sort(),
    ['gmail', 'gmx', 'icloud', 'other', 'outlook', 'yahoo'],
  );
  assert.equal(sampleValue(text, 'mailtrail_recipients_delivered_total', { tag: 'none', domain_group: 'gmail' }), 0, 'started at 0');
  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 'none' }), 1);

  assert.equal(sampleValue(text, 'mailtrail_smtp_responses_total', { phase: 'rcpt', class: '2xx', code: '250' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_smtp_responses_total', { phase: 'rcpt', class: '4xx', code: '451' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_smtp_responses_total', { phase: 'rcpt', class: '5xx', code: '550' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_smtp_responses_total', { phase: 'connect', class: '2xx', code: '220' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_smtp_responses_total', { phase: 'data', code: '250' }), 1);
  assert.ok(!labelSets(text, 'mailtrail_smtp_responses_total').some((l) => l.phase === 'dns'), 'a phase without a reply code is not a response');

  assert.equal(sampleValue(text, 'mailtrail_events_total', { kind: 'phase' }), 8);
  assert.equal(sampleValue(text, 'mailtrail_events_total', { kind: 'received' }), 2);
  assert.equal(sampleValue(text, 'mailtrail_events_total', { kind: 'delivered' }), 2);

  // Ann: accepted 3 s after submission; Xavier: 2 h after.
  const h = (domain_group: string, le: string) => sampleValue(text, 'mailtrail_delivery_latency_seconds_bucket', { domain_group, le });
  assert.equal(h('gmail', '2'), 0);
  assert.equal(h('gmail', '5'), 1);
  assert.equal(sampleValue(text, 'mailtrail_delivery_latency_seconds_sum', { domain_group: 'gmail' }), 3);
  assert.equal(sampleValue(text, 'mailtrail_delivery_latency_seconds_count', { domain_group: 'gmail' }), 1);
  assert.equal(h('yahoo', '3600'), 0);
  assert.equal(h('yahoo', '7200'), 1);
  assert.equal(h('yahoo', '+Inf'), 1);

  // Polling again without new events changes nothing; a new event is counted once.
  await metrics.poll();
  await store.events.append({ at: T, messageRowId: mid, recipientId: carol.id, kind: 'bounced', phase: 'inbound', code: 550 });
  await metrics.poll();
  const again = await metrics.render();
  assert.equal(sampleValue(again, 'mailtrail_recipients_delivered_total', nl('gmail')), 1);
  assert.equal(sampleValue(again, 'mailtrail_recipients_bounced_total', nl('other')), 2);
  assert.match(again, /^# TYPE mailtrail_recipients_bounced_total counter$/m);
  assert.match(again, /^# TYPE mailtrail_delivery_latency_seconds histogram$/m);
  await metrics.stop();
});

test('tags beyond the cap are counted as other, so a tag per customer cannot explode the series', async () => {
  const store = openStore('tags');
  const metrics = createMetrics({ store, logger: silentLogger(), defaultMetrics: false, maxTags: 2 });
  await metrics.start();
  for (const tag of ['t1', 't2', 't3', 't1', 't4', '']) await store.messages.enqueue(message(tag, ['r@example.com']));
  await metrics.poll();
  const text = await metrics.render();
  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 't1' }), 2);
  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 't2' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 'other' }), 2, 't3 and t4 arrived after the cap');
  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 'none' }), 1, 'an empty tag is no tag');
  await metrics.stop();
});

test("mailtrail's own notices (DSNs) count in events_total, not as an app's received or delivered mail under the tag they keep", async () => {
  const store = openStore('notices');
  const metrics = createMetrics({ store, logger: silentLogger(), defaultMetrics: false, now: () => T });
  await metrics.start();
  const app = await store.messages.enqueue(message('receipts', ['a@example.com']));
  const dsn = await store.messages.enqueue(newMessage({ tag: 'receipts', createdAt: T, origin: 'dsn', mailFrom: '', recipients: ['app@shop.example'] }));
  for (const m of [app, dsn])
    await store.events.append({ at: T + 1000, messageRowId: m.message.id, recipientId: m.recipients[0].id, kind: 'delivered', code: 250 });
  await metrics.poll();
  const text = await metrics.render();
  assert.equal(sampleValue(text, 'mailtrail_messages_received_total', { tag: 'receipts' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_recipients_delivered_total', { tag: 'receipts', domain_group: 'other' }), 1);
  assert.equal(sampleValue(text, 'mailtrail_events_total', { kind: 'received' }), 2);
  assert.equal(sampleValue(text, 'mailtrail_events_total', { kind: 'delivered' }), 2);
  await metrics.stop();
});

test('inbound mail is counted matched, unmatched or ignored once processed, including mail processed after a poll saw it', async () => {
  const store = openStore('inbound');
  const sent = await store.messages.enqueue(message('receipts', ['ann@gmail.com']));
  const receive = () =>
    store.inbound.receive({ receivedAt: T, mailFrom: '', rcptTo: ['bounces@example.com'], clientIp: '127.0.0.1', raw: Buffer.from('report') });
  const process = (id: number, kind: string | null, match: boolean) =>
    store.inbound.record({
      id,
      processedAt: T,
      kind,
      parse: { kind },
      match: match ? { messageRowId: sent.message.id, recipientId: sent.recipients[0].id, rule: 'verp' } : null,
      effects: [],
    });

  // Stored before start and never processed (a crash): counted when start-up recovery processes it.
  const leftOver = await receive();
  const metrics = createMetrics({ store, logger: silentLogger(), defaultMetrics: false });
  await metrics.start();

  const matched = await receive();
  await process(matched.id, 'bounce', true);
  const unmatched = await receive();
  await process(unmatched.id, 'bounce', false);
  const chatter = await receive();
  await process(chatter.id, 'not-a-bounce', false);
  const broken = await receive();
  await process(broken.id, null, false);
  const late = await receive(); // the processor has not got to it yet

  await metrics.poll();
  let text = await metrics.render();
  const v = (kind: string, result: string, rule = 'none') => sampleValue(text, 'mailtrail_inbound_messages_total', { kind, result, rule });
  assert.equal(v('bounce', 'matched', 'verp'), 1);
  assert.equal(v('bounce', 'unmatched'), 1);
  assert.equal(v('not-a-bounce', 'ignored'), 1);
  assert.equal(v('unparsable', 'ignored'), 1);
  assert.equal(labelSets(text, 'mailtrail_inbound_messages_total').length, 4, 'unprocessed mail is not counted yet');

  await process(late.id, 'complaint', true);
  await process(leftOver.id, 'delay', false);
  await metrics.poll();
  text = await metrics.render();
  assert.equal(v('complaint', 'matched', 'verp'), 1);
  assert.equal(v('delay', 'unmatched'), 1);
  assert.equal(v('bounce', 'unmatched'), 1, 'nothing is counted twice');
  await metrics.stop();
});
