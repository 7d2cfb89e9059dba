import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createApi } from '../../src/api/app.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { NewMessage } from '../../src/store/store.js';
import { newMessage } from '../helpers/new-message.js';
import { sampleValue } from './exposition.js';

const TOKEN = 'metrics-reader-token-0123456789-abcdef';
const HOST = '127.0.0.23';
const MIN = 60_000;
const T = Date.now();

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-metrics-http-'));
const store = openSqliteStore({ path: path.join(dir, 'm.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
const metrics = createMetrics({ store, logger: silentLogger(), pollMs: 50, now: () => T });
const config = parseConfig({ api: { host: HOST, port: 0, tokens: [{ name: 'prometheus', token: TOKEN, scope: 'read' }] } });
const api = createApi({ store, config, logger: silentLogger(), metrics });
after(async () => {
  await api.close();
  await metrics.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function message(createdAt: number, addresses: string[]): NewMessage {
  return newMessage({ tag: 'alerts', createdAt, recipients: addresses });
}

test('GET /metrics serves the exposition with queue gauges computed at scrape time and counters from the running follower', async () => {
  await metrics.start();
  const { port } = await api.listen();
  const scrape = async (token: string | null = TOKEN) => {
    const res = await fetch(`http://${HOST}:${port}/metrics`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5000),
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  const empty = await scrape();
  assert.equal(empty.status, 200);
  assert.match(empty.type ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal(sampleValue(empty.text, 'mailtrail_queue_recipients', { state: 'queued' }), 0);
  assert.equal(sampleValue(empty.text, 'mailtrail_queue_oldest_message_age_seconds'), 0, 'nothing waits: age 0');
  assert.ok(sampleValue(empty.text, 'process_cpu_user_seconds_total') !== undefined, 'process metrics are on the same registry');
  assert.equal((await scrape(null)).status, 401, 'metrics need a read token like the rest of the API');

  // Delivered three days ago: final, so it counts neither in the depth nor in the oldest age.
  const done = await store.messages.enqueue(message(T - 3 * 24 * 60 * MIN, ['old@example.com']));
  await store.queue.claimDue({ now: T, limit: 1, owner: 'w', leaseUntil: T + 10 * MIN });
  await store.queue.recordAttempt({
    owner: 'w',
    at: T,
    events: [{ at: T, messageRowId: done.message.id, recipientId: done.recipients[0].id, kind: 'delivered', phase: 'data', code: 250 }],
    recipients: [
      {
        id: done.recipients[0].id,
        state: 'delivered',
        nextAttemptAt: null,
        lastCode: 250,
        lastEnhanced: null,
        lastText: 'ok',
        category: 'accepted',
        hard: null,
      },
    ],
  });
  // 90 minutes old, two recipients: one deferred after an attempt, one being delivered right now. 10 minutes old: one queued.
  const waiting = await store.messages.enqueue(message(T - 90 * MIN, ['a@gmail.com', 'b@gmail.com']));
  await store.messages.enqueue(message(T - 10 * MIN, ['c@example.org']));
  const [first] = await store.queue.claimDue({ now: T, limit: 1, owner: 'w', leaseUntil: T + 10 * MIN });
  assert.equal(first.id, waiting.recipients[0].id);
  await store.queue.recordAttempt({
    owner: 'w',
    at: T,
    events: [{ at: T, messageRowId: waiting.message.id, recipientId: first.id, kind: 'deferred', phase: 'rcpt', code: 451 }],
    recipients: [
      {
        id: first.id,
        state: 'deferred',
        nextAttemptAt: T + 60 * MIN,
        lastCode: 451,
        lastEnhanced: '4.7.1',
        lastText: 'greylisted',
        category: 'greylisted',
        hard: false,
      },
    ],
  });
  const [second] = await store.queue.claimDue({ now: T, limit: 1, owner: 'w', leaseUntil: T + 10 * MIN });
  assert.equal(second.id, waiting.recipients[1].id);

  // The follower runs on its own timer (pollMs 50): wait until the counters show up in a scrape.
  let body = '';
  for (let i = 0; i < 100; i++) {
    body = (await scrape()).text;
    if (sampleValue(body, 'mailtrail_recipients_deferred_total', { tag: 'alerts', domain_group: 'gmail' }) === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(sampleValue(body, 'mailtrail_recipients_deferred_total', { tag: 'alerts', domain_group: 'gmail' }), 1);
  assert.equal(sampleValue(body, 'mailtrail_recipients_delivered_total', { tag: 'alerts', domain_group: 'other' }), 1);
  assert.equal(sampleValue(body, 'mailtrail_messages_received_total', { tag: 'alerts' }), 3);

  assert.equal(sampleValue(body, 'mailtrail_queue_recipients', { state: 'queued' }), 2);
  assert.equal(sampleValue(body, 'mailtrail_queue_recipients', { state: 'deferred' }), 1);
  assert.equal(sampleValue(body, 'mailtrail_queue_leased_recipients'), 1);
  assert.equal(sampleValue(body, 'mailtrail_queue_oldest_message_age_seconds'), 90 * 60);
});
