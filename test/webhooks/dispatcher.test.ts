/**
 * The dispatcher over real HTTP: receivers on 127.0.5.x check each signature with the documented algorithm.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { verify } from '../../src/webhooks/signature.js';
import { tempStore } from '../bounces/support.js';
import { dispatcher, manualClock, messageFor, SECRET, startReceiver, webhookConfig, type Receiver } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function receiver(host: string): Promise<Receiver> {
  const r = await startReceiver(host);
  cleanups.push(() => r.close());
  return r;
}

function temp() {
  const t = tempStore('mailtrail-webhooks-');
  cleanups.push(() => t.cleanup());
  return t;
}

test('events after the first start are POSTed signed, with the documented payload; history is not replayed', async () => {
  const t = temp();
  const rx = await receiver('127.0.5.1');
  const clock = manualClock();
  const old = await messageFor(t.store, 'old@example.org');
  await old.add('delivered', { code: 250 });

  const hooks = dispatcher(webhookConfig(t.dbPath, [{ name: 'app', url: rx.url }]), t.store, clock);
  const first = await hooks.runOnce();
  assert.deepEqual([first.events, first.staged, first.sent], [0, 0, 0], 'the first start only sets the cursor');
  assert.deepEqual(await t.store.events.after((await t.store.webhooks.cursor())!, 10), [], 'the cursor has passed every event');

  const m = await messageFor(t.store, 'Ann@Example.org');
  const bounced = await m.add('bounced', {
    attempt: 2,
    phase: 'rcpt',
    code: 550,
    enhanced: '5.1.1',
    text: 'no such user',
    detail: { category: 'mailbox-unknown', hard: true, explanation: 'The address does not exist.', rule: 'x' },
  });
  const run = await hooks.runOnce();
  assert.deepEqual([run.staged, run.sent, run.delivered], [1, 1, 1]);
  assert.equal(rx.received.length, 1, 'the old message and the received events are not sent');

  const got = rx.received[0];
  assert.equal(got.verified, true, 'the signature verifies with HMAC-SHA256(secret, timestamp + "." + body)');
  assert.match(got.headers['x-mailtrail-signature'] as string, /^v1=[0-9a-f]{64}$/);
  assert.equal(got.headers['content-type'], 'application/json');
  assert.equal(got.headers['x-mailtrail-event-id'], String(bounced.id));
  assert.equal(
    verify({
      secret: SECRET,
      timestamp: got.headers['x-mailtrail-timestamp'] as string,
      signature: got.headers['x-mailtrail-signature'] as string,
      body: got.body,
    }),
    true,
    'the exported verify agrees',
  );
  assert.equal(
    verify({
      secret: 'another-secret-0123456789',
      timestamp: got.headers['x-mailtrail-timestamp'] as string,
      signature: got.headers['x-mailtrail-signature'] as string,
      body: got.body,
    }),
    false,
  );
  assert.deepEqual(got.json, {
    id: bounced.id,
    type: 'bounced',
    occurred_at: new Date(bounced.at).toISOString(),
    queue_id: m.message.queueId,
    message_id: m.message.messageId,
    tag: null,
    recipient: 'Ann@Example.org',
    domain: 'example.org',
    code: 550,
    enhanced: '5.1.1',
    text: 'no such user',
    category: 'mailbox-unknown',
    hard: true,
    explanation: 'The address does not exist.',
    attempt: 2,
  });
  const [row] = await t.store.webhooks.list({ limit: 10 });
  assert.equal(row.state, 'delivered');
  assert.equal(row.attempts, 1);
  assert.equal(row.lastStatus, 200);

  assert.deepEqual(await hooks.runOnce(), { events: 0, staged: 0, sent: 0, delivered: 0, retrying: 0, failed: 0 }, 'nothing is sent twice');
  await hooks.stop();
});

test('each endpoint gets only the kinds it subscribed to; auto-reply is the auto-replied kind', async () => {
  const t = temp();
  const [bounces, replies] = await Promise.all([receiver('127.0.5.2'), receiver('127.0.5.3')]);
  const clock = manualClock();
  const hooks = dispatcher(
    webhookConfig(t.dbPath, [
      { name: 'bounces', url: bounces.url, events: ['bounced', 'complained'] },
      { name: 'replies', url: replies.url, events: ['auto-reply', 'bounced'] },
    ]),
    t.store,
    clock,
  );
  await hooks.runOnce(); // the cursor starts here
  const m = await messageFor(t.store, 'bob@example.net');
  await m.add('phase', { phase: 'rcpt', code: 550 });
  await m.add('deferred', { code: 451 });
  await m.add('bounced', { code: 550 });
  await m.add('auto-replied', { phase: 'inbound', text: 'out of office' });
  await m.add('complained', { phase: 'inbound', detail: { feedback_type: 'abuse' } });
  await m.add('delivered', { code: 250 });

  const run = await hooks.runOnce();
  assert.equal(run.events, 7, 'every event was read (received, phase, …)');
  assert.equal(run.staged, 4);
  assert.deepEqual(bounces.received.map((r) => r.json.type).sort(), ['bounced', 'complained']);
  assert.deepEqual(replies.received.map((r) => r.json.type).sort(), ['auto-replied', 'bounced']);
  assert.ok([...bounces.received, ...replies.received].every((r) => r.verified));
  const bounceIds = new Set(bounces.received.map((r) => r.json.id));
  assert.ok(
    replies.received.some((r) => r.json.type === 'bounced' && bounceIds.has(r.json.id)),
    'one event to two endpoints keeps its id',
  );
  await hooks.stop();
});

test('a receiver answering 500, then timing out, then 200: retried with backoff and delivered', async () => {
  const t = temp();
  const rx = await receiver('127.0.5.4');
  rx.replies.push(500, 'hang', 200);
  // Long enough that a loaded machine still answers the 200 in time; the hang costs this much once.
  const clock = manualClock();
  const hooks = dispatcher(webhookConfig(t.dbPath, [{ name: 'app', url: rx.url, timeout_ms: 1_000 }]), t.store, clock);
  await hooks.runOnce();
  const m = await messageFor(t.store, 'carol@example.com');
  const ev = await m.add('delivered', { code: 250 });

  assert.deepEqual(await hooks.runOnce().then((r) => [r.sent, r.retrying]), [1, 1]);
  let [row] = await t.store.webhooks.list({ limit: 1 });
  assert.equal(row.state, 'pending');
  assert.equal(row.lastStatus, 500);
  assert.match(row.lastError ?? '', /HTTP 500.*receiver says 500/);
  assert.equal(row.nextAttemptAt, clock.now() + 1_000, 'first retry after min_delay_ms (jitter 0)');

  assert.equal((await hooks.runOnce()).sent, 0, 'not due before its time');
  clock.advance(1_000);
  assert.deepEqual(await hooks.runOnce().then((r) => [r.sent, r.retrying]), [1, 1]);
  [row] = await t.store.webhooks.list({ limit: 1 });
  assert.equal(row.lastStatus, null);
  assert.match(row.lastError ?? '', /no answer within 1000 ms/);
  assert.equal(row.nextAttemptAt, clock.now() + 2_000, 'the delay doubles');

  clock.advance(2_000);
  assert.equal((await hooks.runOnce()).delivered, 1);
  [row] = await t.store.webhooks.list({ limit: 1 });
  assert.deepEqual([row.state, row.attempts, row.lastStatus, row.deliveredAt], ['delivered', 3, 200, clock.now()]);
  assert.equal(rx.received.length, 3);
  assert.ok(rx.received.every((r) => r.verified && r.headers['x-mailtrail-event-id'] === String(ev.id)));
  assert.ok(
    rx.received.every((r) => r.body === rx.received[0].body),
    'every retry carries the same body',
  );
  await hooks.stop();
});

test('after max_attempts a delivery is failed and no longer tried', async () => {
  const t = temp();
  const rx = await receiver('127.0.5.5');
  rx.fallback = 503;
  const clock = manualClock();
  const hooks = dispatcher(webhookConfig(t.dbPath, [{ name: 'app', url: rx.url }], { max_attempts: 2 }), t.store, clock);
  await hooks.runOnce();
  const m = await messageFor(t.store, 'dave@example.com');
  await m.add('expired');
  assert.equal((await hooks.runOnce()).retrying, 1);
  clock.advance(60_000);
  assert.equal((await hooks.runOnce()).failed, 1);
  clock.advance(60 * 60_000);
  assert.equal((await hooks.runOnce()).sent, 0);
  const [row] = await t.store.webhooks.list({ states: ['failed'], limit: 5 });
  assert.deepEqual([row.type, row.attempts, row.lastStatus, row.nextAttemptAt], ['expired', 2, 503, null]);
  assert.equal(rx.received.length, 2);
  await hooks.stop();
});

test('restart: rows staged before a stop, and a POST cut off by the stop, are sent by a new dispatcher on the same database', async () => {
  const t = temp();
  const rx = await receiver('127.0.5.6');
  const clock = manualClock();
  const config = webhookConfig(t.dbPath, [{ name: 'app', url: rx.url, timeout_ms: 30_000 }]);
  const a = dispatcher(config, t.store, clock);
  await a.runOnce();
  const m = await messageFor(t.store, 'erin@example.com');
  const first = await m.add('deferred', { code: 421 });
  const second = await m.add('delivered', { code: 250 });

  // The receiver holds the first POST; the dispatcher is stopped while both are in flight.
  rx.replies.push('hang', 'hang');
  const running = a.runOnce();
  await rx.waitFor(2);
  await a.stop();
  const cut = await running;
  assert.deepEqual([cut.staged, cut.sent, cut.delivered, cut.retrying], [2, 2, 0, 0]);
  const pending = await t.store.webhooks.list({ states: ['pending'], limit: 10 });
  assert.equal(pending.length, 2);
  assert.ok(
    pending.every((r) => r.attempts === 0 && r.nextAttemptAt! <= clock.now()),
    'an aborted POST is not an attempt and is due again at once',
  );
  await t.store.close();

  const store = openSqliteStore({ path: t.dbPath, synchronous: 'FULL', busyTimeoutMs: 2000 });
  cleanups.push(() => store.close());
  const b = dispatcher(config, store, clock);
  const run = await b.runOnce();
  assert.deepEqual([run.events, run.staged, run.delivered], [0, 0, 2], 'the cursor survived: nothing staged twice');
  const delivered = rx.received
    .slice(2)
    .map((r) => r.json.id)
    .sort();
  assert.deepEqual(delivered, [first.id, second.id].sort());
  assert.equal((await store.webhooks.list({ limit: 10 })).length, 2);
  await b.stop();
});

test('a stop lets a POST under way finish and be recorded: the receiver that answered is not sent it again', async () => {
  const t = temp();
  const rx = await receiver('127.0.5.9');
  const clock = manualClock();
  const config = webhookConfig(t.dbPath, [{ name: 'app', url: rx.url, timeout_ms: 30_000 }]);
  const a = dispatcher(config, t.store, clock);
  await a.runOnce();
  const m = await messageFor(t.store, 'fay@example.com');
  await m.add('delivered', { code: 250 });
  rx.replies.push('slow');
  const running = a.runOnce();
  await rx.waitFor(1);
  await a.stop(); // within the grace: the 200 comes after 300 ms
  const done = await running;
  assert.deepEqual([done.sent, done.delivered], [1, 1]);
  assert.deepEqual(
    (await t.store.webhooks.list({ limit: 10 })).map((r) => [r.state, r.attempts]),
    [['delivered', 1]],
  );
});

test('a row for an endpoint no longer configured fails with what to do; without endpoints nothing runs', async () => {
  const t = temp();
  const rx = await receiver('127.0.5.7');
  const clock = manualClock();
  const a = dispatcher(
    webhookConfig(t.dbPath, [
      { name: 'old', url: rx.url },
      { name: 'new', url: rx.url, events: ['bounced'] },
    ]),
    t.store,
    clock,
  );
  await a.runOnce();
  const m = await messageFor(t.store, 'fay@example.com');
  await m.add('suppressed');
  // Stage only: the receiver refuses, so the row stays pending for the next dispatcher.
  rx.replies.push(500);
  await a.runOnce();
  await a.stop();

  const none = dispatcher(webhookConfig(t.dbPath, []), t.store, clock);
  clock.advance(10_000);
  assert.deepEqual(await none.runOnce(), { events: 0, staged: 0, sent: 0, delivered: 0, retrying: 0, failed: 0 });
  await none.stop();

  const b = dispatcher(webhookConfig(t.dbPath, [{ name: 'new', url: rx.url, events: ['bounced'] }]), t.store, clock);
  assert.equal((await b.runOnce()).failed, 1);
  const [row] = await t.store.webhooks.list({ states: ['failed'], limit: 1 });
  assert.equal(row.endpoint, 'old');
  assert.match(row.lastError ?? '', /endpoint "old" is no longer in webhooks\.endpoints.*mailtrail webhooks retry/);
  assert.equal(rx.received.length, 1, 'only the first, refused POST reached the receiver');
  await b.stop();
});

test('the background loop delivers new events without runOnce, and stop() ends it', async () => {
  const t = temp();
  const rx = await receiver('127.0.5.8');
  const hooks = dispatcher(webhookConfig(t.dbPath, [{ name: 'app', url: rx.url }], { poll_interval_ms: 20 }), t.store, { now: () => Date.now() });
  hooks.start();
  // Wait for the first pass to set the cursor, so the event below is "new".
  while ((await t.store.webhooks.cursor()) === null) await new Promise((r) => setTimeout(r, 5));
  const m = await messageFor(t.store, 'gus@example.com');
  await m.add('delayed', { phase: 'inbound' });
  await rx.waitFor(1);
  assert.equal(rx.received[0].json.type, 'delayed');
  await hooks.stop();
  await m.add('delivered');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(rx.received.length, 1, 'nothing is sent after stop');
});

test('a hung endpoint holds its own few slots, not the others: a healthy endpoint gets every event while the hung one times out', async () => {
  const t = temp();
  const hung = await receiver('127.0.5.9');
  hung.fallback = 'hang';
  const fast = await receiver('127.0.5.10');
  const hooks = dispatcher(
    webhookConfig(
      t.dbPath,
      [
        { name: 'hung', url: hung.url, timeout_ms: 30_000 },
        { name: 'fast', url: fast.url },
      ],
      { poll_interval_ms: 20 },
    ),
    t.store,
    { now: () => Date.now() },
  );
  hooks.start();
  try {
    while ((await t.store.webhooks.cursor()) === null) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 40; i++) await (await messageFor(t.store, `hol${i}@example.com`)).add('delivered');
    // Forty POSTs to the fast endpoint while the hung one holds 4 slots for 30 s: a pass that waited for all its
    // POSTs would have sent the fast one at most 12 before the first timeout.
    await Promise.race([
      fast.waitFor(40),
      new Promise((_r, reject) => setTimeout(() => reject(new Error(`only ${fast.received.length} of 40 by 15 s`)), 15_000)),
    ]);
    assert.equal(hung.received.length, 4, 'the hung endpoint has its 4 slots, no more');
  } finally {
    await hooks.stop();
  }
});

test('Retry-After is read on 429 and 503 (within max_delay_ms), not on other failures', async () => {
  const t = temp();
  const rx = await receiver('127.0.5.11');
  rx.headers = { 'retry-after': '120' };
  const clock = manualClock();
  const hooks = dispatcher(webhookConfig(t.dbPath, [{ name: 'app', url: rx.url }]), t.store, clock);
  await hooks.runOnce(); // the cursor
  const next: Record<string, number> = {};
  for (const status of [429, 503, 500]) {
    rx.replies = [status];
    const m = await messageFor(t.store, `retry-after-${status}@example.com`);
    const ev = await m.add('delivered');
    await hooks.runOnce();
    const row = (await t.store.webhooks.list({ states: ['pending'], limit: 100 })).find((r) => r.eventId === ev.id)!;
    next[status] = row.nextAttemptAt! - clock.now();
  }
  // webhookConfig: backoff 1 s first, max_delay_ms 8 s.
  assert.deepEqual(next, { 429: 8_000, 503: 8_000, 500: 1_000 });
});
