/**
 * `mailtrail tail` prints a backlog read with `events.recent` (SQL) and then follows `events.after`
 * through the in-memory matcher: both must pick exactly the same events, or the output would change at the
 * seam between past and live. Checked on a realistic history, for every filter and combination.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createFeedMatcher } from '../../src/log/feed-filter.js';
import type { FeedEvent, FeedFilter } from '../../src/store/store.js';
import { MESSAGE_ID, seedHistory, T0, tempStore, type Seeded } from '../query/fixture.js';
import { FEED_START } from '../../src/store/store.js';

const t = tempStore();
let seeded: Seeded;
let all: FeedEvent[];

before(async () => {
  seeded = await seedHistory(t.store);
  // A shared phase of a transaction that carried only carol (example.org), written as the scheduler does:
  // with the transaction's recipients in detail.recipient_ids.
  const message = (await t.store.messages.getByQueueId(seeded.queueId))!;
  await t.store.events.append({
    at: T0 + 3 * 60_000,
    messageRowId: message.id,
    kind: 'phase',
    attempt: 2,
    phase: 'ehlo',
    code: 250,
    text: 'mx.example.org',
    remoteHost: 'mx.example.org',
    remoteIp: '127.0.1.6',
    detail: { recipient_ids: [seeded.ids.carol] },
  });
  all = await t.store.events.after(FEED_START, 10_000);
});
after(() => t.cleanup());

async function viaMatcher(filter: FeedFilter): Promise<number[]> {
  const matches = createFeedMatcher(filter, (id) => t.store.messages.recipients(id));
  const ids: number[] = [];
  for (const e of all) if (await matches(e)) ids.push(e.id);
  return ids;
}

const FILTERS: [string, FeedFilter][] = [
  ['no filter', {}],
  ['one kind', { kinds: ['bounced'] }],
  ['several kinds', { kinds: ['delivered', 'deferred', 'expired'] }],
  ['a domain', { domain: 'example.org' }],
  ['another domain', { domain: 'greylist.test' }],
  ['a domain with no mail', { domain: 'nowhere.test' }],
  ['a Message-ID (two messages share it)', { message: MESSAGE_ID }],
  ['a queue id', { message: 'QOLDER0001' }],
  ['domain, kind and message together', { domain: 'example.com', kinds: ['phase', 'delivered'], message: 'QNEWER0001' }],
];

for (const [name, filter] of FILTERS) {
  test(`backlog and live matching agree: ${name}`, async () => {
    const live = await viaMatcher(filter);
    const backlog = (await t.store.events.recent(filter, 10_000)).map((e) => e.id);
    assert.deepEqual(backlog, live);
  });
}

test('recent returns the last N matches, oldest first', async () => {
  const last3 = await t.store.events.recent({}, 3);
  assert.deepEqual(
    last3.map((e) => e.id),
    all.slice(-3).map((e) => e.id),
  );
  const bounced = await t.store.events.recent({ kinds: ['bounced'] }, 1);
  assert.equal(bounced.length, 1);
  assert.equal(bounced[0].recipient, 'bob@example.com', 'the later, asynchronous bounce');
  assert.equal(bounced[0].phase, 'inbound');
  assert.deepEqual(await t.store.events.recent({}, 0), []);
});

test('a domain filter keeps the message-level and shared events of that domain only', async () => {
  const org = await t.store.events.recent({ domain: 'example.org' }, 10_000);
  assert.ok(
    org.every((e) => e.domain === 'example.org' || e.recipientId === null),
    'no event of another recipient',
  );
  assert.ok(
    org.some((e) => e.kind === 'received'),
    "the message's received event (it had a recipient there)",
  );
  assert.ok(
    org.some((e) => e.kind === 'phase' && e.phase === 'ehlo' && e.remoteHost === 'mx.example.org'),
    'the shared phase of its own transaction',
  );
  const gone = await t.store.events.recent({ domain: 'gone.test' }, 10_000);
  assert.ok(gone.every((e) => e.queueId === 'QOLDER0001'));
  // The ehlo phase that names only carol's transaction is not shown for example.com.
  const com = await t.store.events.recent({ domain: 'example.com' }, 10_000);
  assert.ok(!com.some((e) => e.phase === 'ehlo' && e.remoteHost === 'mx.example.org'));
});
