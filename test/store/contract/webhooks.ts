/**
 * The webhook outbox: staging is one transaction with the durable cursor (no replay of history), claims are
 * leases, an attempt is recorded once, an operator retry only revives failed rows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FeedEvent, NewWebhookDelivery, Store } from '../../../src/store/store.js';
import type { EventRecord } from '../../../src/types.js';
import { enqueue, T0, useStore, withFreshStore, type OpenStore } from './support.js';

const route = (e: FeedEvent): NewWebhookDelivery[] =>
  e.kind === 'received'
    ? []
    : [
        { endpoint: 'a', type: e.kind, payload: JSON.stringify({ id: e.id, kind: e.kind, recipient: e.recipient }) },
        { endpoint: 'b', type: e.kind, payload: '{}' },
      ];

async function outcome(store: Store, address: string, kind: 'delivered' | 'deferred' | 'bounced'): Promise<EventRecord> {
  const m = await enqueue(store, { recipients: [address] });
  return store.events.append({ at: T0, messageRowId: m.message.id, recipientId: m.recipients[0]!.id, kind });
}

export function webhooksContract(open: OpenStore): void {
  describe('webhook outbox', () => {
    const s = useStore(open);
    const hooks = () => s.store.webhooks;

    test('the first stage only places the cursor at the newest event: history is not replayed', async () => {
      assert.equal(await hooks().cursor(), null);
      await outcome(s.store, 'old@example.org', 'delivered');
      const init = await hooks().stage({ now: 1, limit: 10, route });
      assert.deepEqual({ ...init, cursor: undefined }, { events: 0, queued: 0, cursor: undefined, initialised: true });
      assert.deepEqual(await s.store.events.after(init.cursor, 10), [], 'set at the newest event: no replay');
      assert.equal(await hooks().cursor(), init.cursor);
      assert.deepEqual(await hooks().stage({ now: 2, limit: 10, route }), { events: 0, queued: 0, cursor: init.cursor, initialised: false }, 'nothing new');
      assert.deepEqual(await hooks().list({ limit: 10 }), []);
    });

    test('staging writes the rows and moves the cursor together; a route that throws writes neither', async () => {
      const cursor = (await hooks().cursor())!;
      const e1 = await outcome(s.store, 'ann@example.org', 'deferred');
      const e2 = await s.store.events.append({ at: T0, messageRowId: e1.messageRowId, recipientId: e1.recipientId, kind: 'bounced' });
      const boom = (e: FeedEvent) =>
        e.id === e2.id
          ? (() => {
              throw new Error('boom');
            })()
          : route(e);
      await assert.rejects(hooks().stage({ now: 2, limit: 10, route: boom }), /boom/);
      assert.equal(await hooks().cursor(), cursor, 'the cursor did not move');
      assert.deepEqual(await hooks().list({ limit: 10 }), [], 'the rows of the events before it were rolled back too');

      const first = await hooks().stage({ now: 3, limit: 2, route });
      assert.deepEqual([first.events, first.queued, first.initialised], [2, 2, false], 'the limit counts events of every kind (received + deferred)');
      const second = await hooks().stage({ now: 3, limit: 2, route });
      const e2cursor = (await s.store.events.after(first.cursor, 10))[0]!.cursor;
      assert.deepEqual([second.events, second.queued, second.cursor], [1, 2, e2cursor], "the cursor is the last routed event's");
      const rows = await hooks().list({ limit: 10 });
      assert.deepEqual(
        rows
          .map((r) => [r.endpoint, r.eventId, r.type, r.state, r.attempts, r.nextAttemptAt, r.createdAt, r.updatedAt, r.deliveredAt, r.lastStatus, r.lastError])
          .sort(),
        [
          ['a', e1.id, 'deferred', 'pending', 0, 3, 3, 3, null, null, null],
          ['a', e2.id, 'bounced', 'pending', 0, 3, 3, 3, null, null, null],
          ['b', e1.id, 'deferred', 'pending', 0, 3, 3, 3, null, null, null],
          ['b', e2.id, 'bounced', 'pending', 0, 3, 3, 3, null, null, null],
        ],
      );
      assert.equal(
        rows.find((r) => r.endpoint === 'a' && r.eventId === e1.id)?.payload,
        JSON.stringify({ id: e1.id, kind: 'deferred', recipient: 'ann@example.org' }),
        'the payload byte for byte',
      );
      assert.deepEqual(await hooks().stage({ now: 4, limit: 10, route }), { events: 0, queued: 0, cursor: e2cursor, initialised: false });
      assert.deepEqual(
        (await hooks().forEvents([e2.id, e1.id, e2.id + 999])).map((r) => r.eventId),
        [e1.id, e1.id, e2.id, e2.id],
        'oldest first',
      );
      assert.deepEqual(await hooks().forEvents([]), []);
    });

    test('a claim is a lease: claimed rows are not claimed again until it lapses; attempts, failure, release, retry', async () => {
      const claimed = await hooks().claimDue({ now: 10, limit: 3, leaseUntil: 1_000 });
      assert.equal(claimed.length, 3);
      assert.ok(claimed.every((r) => r.nextAttemptAt === 1_000 && r.updatedAt === 10));
      assert.deepEqual(
        claimed.map((r) => r.id),
        [...claimed.map((r) => r.id)].sort((x, y) => x - y),
        'oldest first',
      );
      assert.equal((await hooks().claimDue({ now: 10, limit: 10, leaseUntil: 1_000 })).length, 1, 'only the unclaimed row');
      assert.equal((await hooks().claimDue({ now: 999, limit: 10, leaseUntil: 2_000 })).length, 0);
      assert.equal(
        (await hooks().claimDue({ now: 1_000, limit: 10, leaseUntil: 2_000 })).length,
        4,
        'a lapsed lease is claimable again (a crash mid-POST sends again)',
      );

      const [a, b, c] = claimed as [(typeof claimed)[0], (typeof claimed)[0], (typeof claimed)[0]];
      const done = await hooks().recordAttempt({ id: a.id, at: 1_100, state: 'delivered', nextAttemptAt: null, status: 204, error: null });
      assert.deepEqual(
        [done?.state, done?.attempts, done?.deliveredAt, done?.lastStatus, done?.nextAttemptAt, done?.updatedAt],
        ['delivered', 1, 1_100, 204, null, 1_100],
      );
      assert.equal(
        await hooks().recordAttempt({ id: a.id, at: 1_200, state: 'failed', nextAttemptAt: null, status: 500, error: 'x' }),
        null,
        'a delivered row is final',
      );
      const retried = await hooks().recordAttempt({ id: c.id, at: 1_100, state: 'pending', nextAttemptAt: 5_000, status: 503, error: 'busy' });
      assert.deepEqual(
        [retried?.state, retried?.attempts, retried?.nextAttemptAt, retried?.lastStatus, retried?.lastError, retried?.deliveredAt],
        ['pending', 1, 5_000, 503, 'busy', null],
      );
      const failed = await hooks().recordAttempt({ id: b.id, at: 1_100, state: 'failed', nextAttemptAt: null, status: null, error: 'ECONNREFUSED' });
      assert.deepEqual([failed?.state, failed?.attempts, failed?.lastStatus, failed?.lastError], ['failed', 1, null, 'ECONNREFUSED']);
      assert.equal(await hooks().recordAttempt({ id: 99_999, at: 1, state: 'delivered', nextAttemptAt: null, status: 200, error: null }), null);

      assert.equal(await hooks().release([c.id, a.id], 1_150), 1, 'only pending rows are given back');
      assert.equal(await hooks().release([], 1_150), 0);
      assert.deepEqual([(await hooks().get(c.id))?.nextAttemptAt, (await hooks().get(c.id))?.updatedAt], [1_150, 1_150]);
      assert.equal(await hooks().get(99_999), null);

      assert.deepEqual(await hooks().countsByState(), { delivered: 1, failed: 1, pending: 2 });
      assert.deepEqual(
        (await hooks().list({ states: ['failed', 'delivered'], limit: 10 })).map((r) => r.id),
        [a.id, b.id].sort((x, y) => y - x),
        'newest first',
      );
      assert.equal((await hooks().list({ limit: 2 })).length, 2);
      assert.deepEqual(await hooks().list({ states: [], limit: 10 }), []);

      const revived = await hooks().retry(b.id, 5_000);
      assert.deepEqual(
        [revived?.changed, revived?.delivery.state, revived?.delivery.attempts, revived?.delivery.nextAttemptAt, revived?.delivery.updatedAt],
        [true, 'pending', 0, 5_000, 5_000],
      );
      assert.deepEqual(await hooks().retry(a.id, 5_000), { changed: false, delivery: (await hooks().get(a.id))! }, 'a delivered row is not sent again');
      assert.equal((await hooks().retry(c.id, 5_000))?.changed, false, 'a pending row is left alone (it may be in flight)');
      assert.equal(await hooks().retry(99_999, 5_000), null);
    });
  });

  describe('webhook outbox across nodes', () => {
    test('two handles staging and claiming at once: each event routed once, each row claimed by one', () =>
      withFreshStore(open, async (store, opened) => {
        const other = await opened.another();
        await store.webhooks.stage({ now: 1, limit: 10, route });
        for (let i = 0; i < 10; i++) await outcome(store, `n${i}@nodes.test`, 'delivered');
        const staged = await Promise.all([store, other, store, other].map((h) => h.webhooks.stage({ now: 2, limit: 7, route })));
        const more = await Promise.all([store, other].map((h) => h.webhooks.stage({ now: 2, limit: 100, route })));
        assert.equal(
          [...staged, ...more].reduce((n, r) => n + r.queued, 0),
          20,
          'two rows for each delivered event, none twice',
        );
        assert.deepEqual(await store.events.after((await store.webhooks.cursor())!, 10), [], 'the cursor has passed every event');
        const claims = await Promise.all([store, other, store, other].map((h) => h.webhooks.claimDue({ now: 5, limit: 6, leaseUntil: 1_000 })));
        const ids = claims.flat().map((r) => r.id);
        assert.equal(ids.length, 20, 'every row claimed');
        assert.equal(new Set(ids).size, 20, 'no row claimed twice');
      }));
  });
}
