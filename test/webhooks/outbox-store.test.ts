/**
 * The outbox store: staging is one transaction with the cursor, claims are leases, an operator retry
 * only revives failed rows.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { FeedEvent, NewWebhookDelivery } from '../../src/store/store.js';
import { tempStore } from '../bounces/support.js';
import { messageFor } from './support.js';

const t = tempStore('mailtrail-webhook-outbox-');
after(() => t.cleanup());
const hooks = t.store.webhooks;
const route = (e: FeedEvent): NewWebhookDelivery[] => (e.kind === 'received' ? [] : [{ endpoint: 'a', type: e.kind, payload: JSON.stringify({ id: e.id }) }, { endpoint: 'b', type: e.kind, payload: '{}' }]);

test('staging writes outbox rows and moves the cursor together; a failure in the middle writes neither', async () => {
  const old = await messageFor(t.store, 'old@example.org');
  await old.add('delivered');
  const init = await hooks.stage({ now: 1, limit: 10, route });
  assert.deepEqual(init, { events: 0, queued: 0, cursor: await t.store.events.lastId(), initialised: true }, 'the first stage only places the cursor at the newest event');

  const m = await messageFor(t.store, 'ann@example.org');
  const e1 = await m.add('deferred');
  const e2 = await m.add('bounced');
  await assert.rejects(
    hooks.stage({ now: 2, limit: 10, route: (e) => (e.id === e2.id ? (() => { throw new Error('boom'); })() : route(e)) }),
    /boom/,
  );
  assert.equal(await hooks.cursor(), init.cursor, 'the cursor did not move');
  assert.equal((await hooks.list({ limit: 10 })).length, 0, 'the rows of the first event were rolled back with it');

  const first = await hooks.stage({ now: 3, limit: 2, route });
  assert.deepEqual([first.events, first.queued, first.initialised], [2, 2, false], 'the limit counts events of every kind (received + deferred)');
  const second = await hooks.stage({ now: 3, limit: 2, route });
  assert.deepEqual([second.events, second.queued, second.cursor], [1, 2, e2.id]);
  const rows = await hooks.list({ limit: 10 });
  assert.deepEqual(rows.map((r) => [r.endpoint, r.eventId, r.state, r.nextAttemptAt]).sort(), [
    ['a', e1.id, 'pending', 3],
    ['a', e2.id, 'pending', 3],
    ['b', e1.id, 'pending', 3],
    ['b', e2.id, 'pending', 3],
  ]);
  assert.deepEqual(await hooks.stage({ now: 4, limit: 10, route }), { events: 0, queued: 0, cursor: e2.id, initialised: false });

  // Even if the cursor were set back, an (endpoint, event) pair is never written twice.
  t.store.db.prepare('UPDATE webhook_cursor SET last_event_id = ?').run(init.cursor);
  assert.equal((await hooks.stage({ now: 5, limit: 10, route })).queued, 0);
  assert.equal((await hooks.list({ limit: 10 })).length, 4);
});

test('a claim is a lease: claimed rows are not claimed again until it lapses; attempts, failure and an operator retry', async () => {
  const claimed = await hooks.claimDue({ now: 10, limit: 3, leaseUntil: 1_000 });
  assert.equal(claimed.length, 3);
  assert.ok(claimed.every((r) => r.nextAttemptAt === 1_000));
  const rest = await hooks.claimDue({ now: 10, limit: 10, leaseUntil: 1_000 });
  assert.equal(rest.length, 1, 'only the unclaimed row');
  assert.equal((await hooks.claimDue({ now: 999, limit: 10, leaseUntil: 2_000 })).length, 0);
  assert.equal((await hooks.claimDue({ now: 1_000, limit: 10, leaseUntil: 2_000 })).length, 4, 'a lapsed lease is claimable again (a crash mid-POST re-sends)');

  const [a, b, c] = claimed;
  const done = await hooks.recordAttempt({ id: a.id, at: 1_100, state: 'delivered', nextAttemptAt: null, status: 204, error: null });
  assert.deepEqual([done?.state, done?.attempts, done?.deliveredAt, done?.lastStatus], ['delivered', 1, 1_100, 204]);
  assert.equal(await hooks.recordAttempt({ id: a.id, at: 1_200, state: 'failed', nextAttemptAt: null, status: 500, error: 'x' }), null, 'a delivered row is final');
  const failed = await hooks.recordAttempt({ id: b.id, at: 1_100, state: 'failed', nextAttemptAt: null, status: null, error: 'ECONNREFUSED' });
  assert.deepEqual([failed?.state, failed?.attempts, failed?.lastError], ['failed', 1, 'ECONNREFUSED']);
  assert.equal(await hooks.release([c.id], 1_150), 1);
  assert.equal((await hooks.get(c.id))?.nextAttemptAt, 1_150);

  assert.deepEqual(await hooks.countsByState(), { delivered: 1, failed: 1, pending: 2 });
  assert.deepEqual((await hooks.list({ states: ['failed', 'delivered'], limit: 10 })).map((r) => r.id), [b.id, a.id].sort((x, y) => y - x), 'newest first');

  const revived = await hooks.retry(b.id, 5_000);
  assert.deepEqual([revived?.changed, revived?.delivery.state, revived?.delivery.attempts, revived?.delivery.nextAttemptAt], [true, 'pending', 0, 5_000]);
  assert.equal((await hooks.retry(a.id, 5_000))?.changed, false, 'a delivered row is not sent again');
  assert.equal((await hooks.retry(c.id, 5_000))?.changed, false, 'a pending row is left alone (it may be in flight)');
  assert.equal(await hooks.retry(99_999, 5_000), null);
});
