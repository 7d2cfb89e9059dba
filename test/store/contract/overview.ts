/** The support page's aggregate reads, on a small history written as the queue writes it. */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { NewEvent } from '../../../src/types.js';
import { enqueue, MIN, T0, useStore, type OpenStore } from './support.js';

export function overviewContract(open: OpenStore): void {
  describe('overview', () => {
    const s = useStore(open);
    const ids: Record<string, number> = {};

    /** One attempt's outcome for one recipient, as the scheduler records it. */
    async function outcome(
      id: number,
      messageRowId: number,
      at: number,
      kind: 'delivered' | 'deferred' | 'bounced',
      code: number,
      enhanced: string,
      text: string,
    ) {
      const claimed = await s.store.queue.claimDue({ now: at, limit: 100, owner: 'w', leaseUntil: at + MIN });
      await s.store.queue.releaseLeases(
        'w',
        claimed.filter((r) => r.id !== id).map((r) => r.id),
      );
      const e: NewEvent = {
        at,
        messageRowId,
        recipientId: id,
        kind,
        attempt: 1,
        phase: 'rcpt',
        code,
        enhanced,
        text,
        detail: { category: kind === 'deferred' ? 'greylisted' : null },
      };
      await s.store.queue.recordAttempt({
        owner: 'w',
        at,
        events: [e],
        recipients: [
          {
            id,
            state: kind,
            nextAttemptAt: kind === 'deferred' ? at + 10 * MIN : null,
            lastCode: code,
            lastEnhanced: enhanced,
            lastText: text,
            category: null,
            hard: null,
          },
        ],
      });
    }

    before(async () => {
      const addresses = ['a1@slow.test', 'a2@slow.test', 'a3@slow.test', 'b1@fine.test', 'c1@gone.test', 'c2@gone.test', 'w1@wait.test'];
      const m = await enqueue(s.store, { queueId: 'QOV1', createdAt: T0, recipients: addresses });
      for (const r of m.recipients) ids[r.address] = r.id;
      const mid = m.message.id;
      await outcome(ids['a1@slow.test']!, mid, T0 + 1 * MIN, 'deferred', 451, '4.7.1', 'Greylisted');
      await outcome(ids['a2@slow.test']!, mid, T0 + 2 * MIN, 'deferred', 421, '4.7.0', 'Too many connections');
      await outcome(ids['b1@fine.test']!, mid, T0 + 2 * MIN, 'delivered', 250, '2.0.0', 'Ok');
      await outcome(ids['c1@gone.test']!, mid, T0 + 3 * MIN, 'bounced', 550, '5.1.1', 'No such user c1');
      await outcome(ids['c2@gone.test']!, mid, T0 + 65 * MIN, 'bounced', 550, '5.1.1', 'No such user c2');
      // w1 stays queued, never tried; a3 queued too, but a worker holds it right now.
      await s.store.queue.claimDue({ now: T0 + 70 * MIN, limit: 100, owner: 'busy', leaseUntil: T0 + 80 * MIN });
    });

    test('waiting destinations: counts, the oldest message, the next attempt and the last reply given', async () => {
      const rows = await s.store.overview.waitingDestinations({ now: T0 + 75 * MIN, limit: 10 });
      assert.deepEqual(
        rows.map((r) => [r.domain, r.queued, r.deferred]),
        [
          ['slow.test', 1, 2],
          ['wait.test', 1, 0],
        ],
      );
      const slow = rows[0]!;
      assert.equal(slow.oldestCreatedAt, T0);
      assert.equal(slow.nextAttemptAt, T0, 'the earliest due time: a3 was due on arrival');
      assert.equal(slow.active, 3, 'all three are under the live lease taken at T0 + 70 min');
      assert.deepEqual(
        slow.last,
        { recipientId: ids['a2@slow.test'], at: T0 + 2 * MIN, code: 421, enhanced: '4.7.0', text: 'Too many connections', category: null },
        'the most recently updated one',
      );
      assert.equal(rows[1]!.last, null, 'never tried');
      assert.deepEqual(
        (await s.store.overview.waitingDestinations({ now: T0 + 75 * MIN, limit: 1 })).map((r) => r.domain),
        ['slow.test'],
      );
      assert.equal((await s.store.overview.waitingDestinations({ now: T0 + 80 * MIN, limit: 1 }))[0]!.active, 0, 'the lease has lapsed');
    });

    test('outcome counts per bucket and kind, empty buckets left out', async () => {
      const counts = await s.store.overview.outcomeCounts({ since: T0, until: T0 + 2 * 60 * MIN, bucketMs: 60 * MIN });
      const key = (c: { bucket: number; kind: string; count: number }) => `${(c.bucket - T0) / MIN} ${c.kind} ${c.count}`;
      assert.deepEqual(counts.map(key).sort(), ['0 bounced 1', '0 deferred 2', '0 delivered 1', '60 bounced 1']);
      assert.deepEqual(
        (await s.store.overview.outcomeCounts({ since: T0 + 2 * MIN, until: T0 + 3 * MIN, bucketMs: MIN })).map(key).sort(),
        ['2 deferred 1', '2 delivered 1'],
        'since ≤ at < until; buckets start at since',
      );
      assert.deepEqual(await s.store.overview.outcomeCounts({ since: T0 + 3 * 60 * MIN, until: T0 + 4 * 60 * MIN, bucketMs: MIN }), []);
    });

    test('failing domains, most failures first, each with its most common reply and an event that shows it', async () => {
      const rows = await s.store.overview.failingDomains({ since: T0, limit: 10 });
      assert.deepEqual(
        rows.map((r) => [r.domain, r.failures, r.bounced, r.deferred]),
        [
          ['gone.test', 2, 2, 0],
          ['slow.test', 2, 0, 2],
        ],
      );
      assert.deepEqual([rows[0]!.top.code, rows[0]!.top.enhanced, rows[0]!.top.count, rows[0]!.top.text], [550, '5.1.1', 2, 'No such user c2']);
      assert.deepEqual([rows[0]!.top.event.recipientId, rows[0]!.top.event.kind, rows[0]!.top.event.at], [ids['c2@gone.test'], 'bounced', T0 + 65 * MIN]);
      assert.deepEqual(
        (await s.store.overview.failingDomains({ since: T0 + 60 * MIN, limit: 10 })).map((r) => r.domain),
        ['gone.test'],
        'the window',
      );
      assert.deepEqual(
        (await s.store.overview.failingDomains({ since: T0, limit: 1 })).map((r) => r.domain),
        ['gone.test'],
        'the limit',
      );
    });

    test('the latest event of a kind per recipient', async () => {
      const events = await s.store.overview.latestEvents([ids['a1@slow.test']!, ids['w1@wait.test']!, ids['b1@fine.test']!], 'deferred');
      assert.deepEqual(
        events.map((e) => [e.recipientId, e.code, e.detail]),
        [[ids['a1@slow.test'], 451, { category: 'greylisted' }]],
      );
      assert.deepEqual(await s.store.overview.latestEvents([], 'deferred'), []);
    });
  });
}
