/**
 * The support page's aggregate reads (src/store/sqlite/overview.ts) on a small history written through
 * the store API, as the queue writes it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NewEvent } from '../../src/types.js';
import { newMessage } from '../helpers/new-message.js';
import { MIN, T0, tempStore } from '../query/fixture.js';

const t = tempStore();
const ids: Record<string, number> = {};

/** One attempt's outcome for one recipient, as the scheduler records it. */
async function outcome(id: number, messageId: number, at: number, kind: 'delivered' | 'deferred' | 'bounced', code: number, enhanced: string, text: string) {
  await t.store.queue.claimDue({ now: at, limit: 100, owner: 'w', leaseUntil: at + MIN });
  const e: NewEvent = { at, messageRowId: messageId, recipientId: id, kind, attempt: 1, phase: 'rcpt', code, enhanced, text, detail: { category: kind === 'deferred' ? 'greylisted' : null } };
  await t.store.queue.recordAttempt({
    owner: 'w',
    at,
    events: [e],
    recipients: [{ id, state: kind, nextAttemptAt: kind === 'deferred' ? at + 10 * MIN : null, lastCode: code, lastEnhanced: enhanced, lastText: text, category: null, hard: null }],
  });
}

before(async () => {
  const addresses = ['a1@slow.test', 'a2@slow.test', 'a3@slow.test', 'b1@fine.test', 'c1@gone.test', 'c2@gone.test', 'w1@wait.test'];
  const m = await t.store.messages.enqueue(newMessage({ queueId: 'QOV1', createdAt: T0, recipients: addresses }));
  for (const r of m.recipients) ids[r.address] = r.id;
  const mid = m.message.id;
  await outcome(ids['a1@slow.test'], mid, T0 + 1 * MIN, 'deferred', 451, '4.7.1', 'Greylisted');
  await outcome(ids['a2@slow.test'], mid, T0 + 2 * MIN, 'deferred', 421, '4.7.0', 'Too many connections');
  await outcome(ids['b1@fine.test'], mid, T0 + 2 * MIN, 'delivered', 250, '2.0.0', 'Ok');
  await outcome(ids['c1@gone.test'], mid, T0 + 3 * MIN, 'bounced', 550, '5.1.1', 'No such user c1');
  await outcome(ids['c2@gone.test'], mid, T0 + 65 * MIN, 'bounced', 550, '5.1.1', 'No such user c2');
  // w1 stays queued, never tried; a3 queued too, but a worker holds it right now.
  await t.store.queue.claimDue({ now: T0 + 70 * MIN, limit: 100, owner: 'busy', leaseUntil: T0 + 80 * MIN });
});
after(() => t.cleanup());

test('waiting destinations: counts, the oldest message, the next attempt and the last reply given', async () => {
  const rows = await t.store.overview.waitingDestinations({ now: T0 + 75 * MIN, limit: 10 });
  assert.deepEqual(rows.map((r) => [r.domain, r.queued, r.deferred]), [['slow.test', 1, 2], ['wait.test', 1, 0]]);
  const slow = rows[0];
  assert.equal(slow.oldestCreatedAt, T0);
  assert.equal(slow.nextAttemptAt, T0, 'the earliest due time: a3 was due on arrival');
  assert.equal(slow.active, 3, 'all three are under the live lease taken at T0 + 70 min');
  assert.deepEqual(slow.last && [slow.last.recipientId, slow.last.code, slow.last.text], [ids['a2@slow.test'], 421, 'Too many connections'], 'the most recently updated one');
  assert.equal(rows[1].last, null, 'never tried');
});

test('outcome counts per bucket and kind, empty buckets left out', async () => {
  const counts = await t.store.overview.outcomeCounts({ since: T0, until: T0 + 2 * 60 * MIN, bucketMs: 60 * MIN });
  const key = (c: { bucket: number; kind: string; count: number }) => `${(c.bucket - T0) / MIN} ${c.kind} ${c.count}`;
  assert.deepEqual(counts.map(key).sort(), ['0 bounced 1', '0 deferred 2', '0 delivered 1', '60 bounced 1']);
  assert.deepEqual(await t.store.overview.outcomeCounts({ since: T0 + 3 * 60 * MIN, until: T0 + 4 * 60 * MIN, bucketMs: MIN }), []);
});

test('failing domains, most failures first, each with its most common reply and an event that shows it', async () => {
  const rows = await t.store.overview.failingDomains({ since: T0, limit: 10 });
  assert.deepEqual(rows.map((r) => [r.domain, r.failures, r.bounced, r.deferred]), [['gone.test', 2, 2, 0], ['slow.test', 2, 0, 2]]);
  assert.deepEqual([rows[0].top.code, rows[0].top.enhanced, rows[0].top.count, rows[0].top.text], [550, '5.1.1', 2, 'No such user c2']);
  assert.equal(rows[0].top.event.recipientId, ids['c2@gone.test']);
  assert.deepEqual((await t.store.overview.failingDomains({ since: T0 + 60 * MIN, limit: 10 })).map((r) => r.domain), ['gone.test'], 'the window');
});

test('the latest event of a kind per recipient', async () => {
  const events = await t.store.overview.latestEvents([ids['a1@slow.test'], ids['w1@wait.test'], ids['b1@fine.test']], 'deferred');
  assert.deepEqual(events.map((e) => [e.recipientId, e.code]), [[ids['a1@slow.test'], 451]]);
});
