import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHealthCache, healthReport, SETTLE_MS, type HealthReport } from '../../src/query/health.js';
import { HOUR, seedHistory, T0, tempStore } from './fixture.js';

const t = tempStore();
let r: HealthReport;
before(async () => {
  await seedHistory(t.store);
  r = await healthReport(t.store, { now: T0 + 3 * HOUR + 5 * 60_000 });
});
after(() => t.cleanup());

test('three windows of whole UTC units, the last bucket holding now, every bucket present', () => {
  assert.deepEqual(
    r.charts.map((c) => [c.unit, c.buckets.length]),
    [
      ['minute', 60],
      ['hour', 24],
      ['day', 30],
    ],
  );
  assert.equal(r.charts[0].buckets.at(-1)!.start, '2024-05-01T13:05:00.000Z');
  assert.equal(r.charts[1].buckets.at(-1)!.start, '2024-05-01T13:00:00.000Z');
  assert.equal(r.charts[2].buckets.at(-1)!.start, '2024-05-01T00:00:00.000Z');
  // The fixture's outcomes: at 10:02 alice and bob delivered, carol bounced, erin deferred; erin twice more; bob's late bounce at 12:02.
  const hours = Object.fromEntries(
    r.charts[1].buckets.filter((b) => b.delivered + b.deferred + b.bounced).map((b) => [b.start.slice(11, 16), [b.delivered, b.deferred, b.bounced]]),
  );
  assert.deepEqual(hours, { '10:00': [2, 3, 1], '12:00': [0, 0, 1] });
});

test('rates: bounced of sent, complained of delivered; the failing domains with their most common reply explained', () => {
  assert.deepEqual(r.rates[0], { window: 'last 24 hours', delivered: 2, bounced: 2, complained: 0, bounce_rate: 0.5, complaint_rate: 0 });
  assert.deepEqual(
    r.failing.map((f) => [f.domain, f.failures, f.reply, f.reply_count]),
    [
      ['greylist.test', 3, '451 4.7.1 Greylisted, try again later', 3],
      ['example.com', 1, '552 5.2.2 Mailbox full', 1],
      ['example.org', 1, '550 5.1.1 User unknown', 1],
    ],
  );
  assert.match(r.failing[0].explanation ?? '', /greylisting/);
});

test('with a cache, settled buckets are counted once: a second report counts only the recent tail, and says the same', async () => {
  const calls: { since: number; until: number; bucketMs: number }[] = [];
  const counting = {
    overview: {
      ...t.store.overview,
      outcomeCounts: (req: { since: number; until: number; bucketMs: number }) => (calls.push(req), t.store.overview.outcomeCounts(req)),
    },
  };
  const cache = createHealthCache();
  const now = T0 + 3 * HOUR + 5 * 60_000;
  const first = await healthReport(counting, { now, cache });
  assert.deepEqual(first.charts, r.charts, 'the same counts as without a cache');
  calls.length = 0;
  const second = await healthReport(counting, { now: now + 60_000, cache });
  assert.equal(second.charts[2].buckets.at(-1)!.delivered, 2);
  // Each window counted again only from its first unsettled bucket: within the last SETTLE_MS and the open bucket.
  for (const c of calls)
    assert.ok(c.since >= now + 60_000 - SETTLE_MS - c.bucketMs, `counted again from ${new Date(c.since).toISOString()} (bucket ${c.bucketMs} ms)`);
  assert.ok(calls.length <= 4, `${calls.length} counts: the minute and hour tails, the minute that settled meanwhile, the day tail`);
  // Nothing counts more than two hours of events at once (the store answers synchronously): the open hour and the one not settled yet.
  for (const c of calls) assert.ok(c.until - c.since <= 2 * HOUR, `a count over ${(c.until - c.since) / HOUR} h`);
});
