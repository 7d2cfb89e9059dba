import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { RecipientUpdate } from '../../src/store/store.js';
import { enqueue, T0, tempStore } from './fixtures.js';
import { EXPIRY } from '../../src/queue/transitions.js';

const delivered = (id: number): RecipientUpdate => ({ id, state: 'delivered', nextAttemptAt: null, lastCode: 250, lastEnhanced: '2.0.0', lastText: 'ok', category: 'accepted', hard: false });

test('claimDue is served by the partial index recipients_due', async () => {
  const t = tempStore();
  try {
    const plan = (t.store.db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM recipients WHERE state IN ('queued', 'deferred') AND next_attempt_at <= 1
      AND (lease_until IS NULL OR lease_until <= 1) AND domain NOT IN (SELECT value FROM json_each('[]')) ORDER BY next_attempt_at LIMIT 5`).all() as { detail: string }[]).map((r) => r.detail);
    assert.ok(plan.some((d) => d.includes('USING INDEX recipients_due')), plan.join('; '));
  } finally {
    await t.cleanup();
  }
});

test('two workers on two connections never claim the same recipient', async () => {
  const t = tempStore();
  const other = openSqliteStore({ path: t.path, synchronous: 'NORMAL', busyTimeoutMs: 5_000 });
  try {
    for (let i = 0; i < 20; i++) await enqueue(t.store, { to: [`a${i}@x.test`, `b${i}@y.test`], createdAt: T0 + i });
    const seen = new Map<number, string>();
    for (let round = 0; round < 10; round++) {
      const [a, b] = await Promise.all([
        t.store.queue.claimDue({ now: T0 + 100, limit: 3, owner: 'A', leaseUntil: T0 + 60_000 }),
        other.queue.claimDue({ now: T0 + 100, limit: 3, owner: 'B', leaseUntil: T0 + 60_000 }),
      ]);
      for (const [owner, rows] of [['A', a], ['B', b]] as const) {
        for (const r of rows) {
          assert.ok(!seen.has(r.id), `recipient ${r.id} claimed by ${seen.get(r.id)} and again by ${owner}`);
          assert.equal(r.leaseOwner, owner);
          seen.set(r.id, owner);
        }
      }
    }
    assert.equal(seen.size, 40);
    assert.deepEqual(await t.store.queue.claimDue({ now: T0 + 100, limit: 10, owner: 'C', leaseUntil: T0 + 60_000 }), []);
  } finally {
    await other.close();
    await t.cleanup();
  }
});

test('only due recipients are claimed, oldest first, and excluded domains are skipped', async () => {
  const t = tempStore();
  try {
    await enqueue(t.store, { to: ['late@x.test'], createdAt: T0 + 500 });
    await enqueue(t.store, { to: ['early@x.test', 'busy@busy.test'], createdAt: T0 });
    const got = await t.store.queue.claimDue({ now: T0 + 100, limit: 10, owner: 'A', leaseUntil: T0 + 1_000, excludeDomains: ['busy.test'] });
    assert.deepEqual(got.map((r) => r.address), ['early@x.test']);
    const rest = await t.store.queue.claimDue({ now: T0 + 600, limit: 10, owner: 'A', leaseUntil: T0 + 1_000 });
    assert.deepEqual(rest.map((r) => r.address).sort(), ['busy@busy.test', 'late@x.test']);
  } finally {
    await t.cleanup();
  }
});

test('an expired lease is claimable again, and the old owner can no longer record', async () => {
  const t = tempStore();
  try {
    const { message, recipients } = await enqueue(t.store, { to: ['r@x.test'] });
    const [a] = await t.store.queue.claimDue({ now: T0, limit: 1, owner: 'A', leaseUntil: T0 + 1_000 });
    assert.equal(a.id, recipients[0].id);
    assert.deepEqual(await t.store.queue.claimDue({ now: T0 + 999, limit: 1, owner: 'B', leaseUntil: T0 + 2_000 }), []);
    const [b] = await t.store.queue.claimDue({ now: T0 + 1_000, limit: 1, owner: 'B', leaseUntil: T0 + 2_000 });
    assert.equal(b.id, a.id);
    assert.equal(b.leaseOwner, 'B');

    const phase = { at: T0, kind: 'phase' as const, messageRowId: message.id, phase: 'connect' as const, code: 220 };
    const late = await t.store.queue.recordAttempt({ owner: 'A', at: T0 + 1_500, events: [phase], recipients: [delivered(a.id)] });
    assert.deepEqual(late, { recorded: [], lost: [a.id] });
    assert.deepEqual(await t.store.queue.renewLeases('A', [a.id], T0 + 9_000), []);
    assert.equal((await t.store.events.forMessage(message.id)).filter((e) => e.kind !== 'received').length, 0, 'a lost claim writes no events');

    const won = await t.store.queue.recordAttempt({ owner: 'B', at: T0 + 1_600, events: [phase, { at: T0 + 1_600, kind: 'delivered', messageRowId: message.id, recipientId: b.id, attempt: 1 }], recipients: [delivered(b.id)] });
    assert.equal(won.recorded[0].state, 'delivered');
    assert.equal(won.recorded[0].attempts, 1);
    assert.equal(won.recorded[0].leaseOwner, null);
    assert.deepEqual((await t.store.events.forMessage(message.id)).map((e) => e.kind), ['received', 'phase', 'delivered']);
  } finally {
    await t.cleanup();
  }
});

test('releaseLeases gives back all or some of a worker’s claims; resetStaleLeases clears lapsed ones', async () => {
  const t = tempStore();
  try {
    await enqueue(t.store, { to: ['a@x.test', 'b@x.test', 'c@x.test'] });
    const got = await t.store.queue.claimDue({ now: T0, limit: 3, owner: 'A', leaseUntil: T0 + 1_000 });
    assert.equal(await t.store.queue.releaseLeases('A', [got[0].id]), 1);
    assert.equal(await t.store.queue.releaseLeases('B'), 0);
    assert.equal((await t.store.queue.countsByState(T0)).leased, 2);
    assert.equal(await t.store.queue.resetStaleLeases(T0 + 1_000), 2);
    assert.equal((await t.store.queue.countsByState(T0)).leased, 0);
    assert.deepEqual((await t.store.queue.countsByState(T0)).byState, { queued: 3 });
    assert.equal(await t.store.queue.nextDueAt(), T0);
  } finally {
    await t.cleanup();
  }
});

test('property: with workers crashing at random (claims dropped unrecorded), every recipient is eventually recorded exactly once per successful attempt', async () => {
  const t = tempStore();
  try {
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const all: number[] = [];
    for (let i = 0; i < 30; i++) {
      const { recipients } = await enqueue(t.store, { to: Array.from({ length: 1 + (i % 4) }, (_, k) => `r${i}-${k}@d${i % 3}.test`) });
      all.push(...recipients.map((r) => r.id));
    }
    const lease = 1_000;
    let now = T0;
    const recordedBy = new Map<number, string>();
    for (let step = 0; step < 500 && recordedBy.size < all.length; step++) {
      now += 250;
      const owner = `w${step % 3}`;
      const claimed = await t.store.queue.claimDue({ now, limit: 1 + Math.floor(rand() * 5), owner, leaseUntil: now + lease });
      if (rand() < 0.4) continue; // crash: the claim is dropped without recording anything
      const res = await t.store.queue.recordAttempt({ owner, at: now, events: [], recipients: claimed.map((r) => delivered(r.id)) });
      assert.deepEqual(res.lost, []);
      for (const r of res.recorded) {
        assert.ok(!recordedBy.has(r.id), `recipient ${r.id} recorded twice`);
        recordedBy.set(r.id, owner);
      }
    }
    assert.deepEqual([...recordedBy.keys()].sort((a, b) => a - b), all.sort((a, b) => a - b));
    const counts = await t.store.queue.countsByState(now);
    assert.deepEqual(counts.byState, { delivered: all.length });
  } finally {
    await t.cleanup();
  }
});

test('expire takes waiting recipients of old messages, skips live foreign leases, and writes an expired event', async () => {
  const t = tempStore();
  try {
    const old = await enqueue(t.store, { to: ['a@x.test', 'b@x.test', 'c@x.test'], createdAt: T0 });
    const fresh = await enqueue(t.store, { to: ['d@x.test'], createdAt: T0 + 10_000 });
    await t.store.queue.claimDue({ now: T0, limit: 1, owner: 'other', leaseUntil: T0 + 100_000 }); // a@ is in flight elsewhere
    const [mine] = await t.store.queue.claimDue({ now: T0, limit: 1, owner: 'me', leaseUntil: T0 + 100_000 });
    const expired = await t.store.queue.expire({ now: T0 + 5_000, createdBefore: T0 + 1, owner: 'me', limit: 100, event: EXPIRY });
    assert.deepEqual(expired.map((r) => r.address).sort(), [mine.address, 'c@x.test'].sort());
    for (const r of expired) {
      assert.equal(r.state, 'expired');
      assert.equal(r.category, 'expired');
      assert.equal(r.nextAttemptAt, null);
      assert.equal(r.leaseOwner, null);
    }
    const events = await t.store.events.forMessage(old.message.id);
    assert.equal(events.filter((e) => e.kind === 'expired').length, 2);
    assert.equal((await t.store.messages.recipients(fresh.message.id))[0].state, 'queued');
  } finally {
    await t.cleanup();
  }
});

test('delay warnings: deferred, old enough, NOTIFY with DELAY or absent, not yet warned; marking is once', async () => {
  const t = tempStore();
  try {
    const m1 = await enqueue(t.store, { to: ['dflt@x.test'], createdAt: T0 });
    const m2 = await enqueue(t.store, { to: ['delay@x.test'], createdAt: T0, notify: ['FAILURE', 'DELAY'] });
    await enqueue(t.store, { to: ['fail@x.test'], createdAt: T0, notify: ['FAILURE'] });
    await enqueue(t.store, { to: ['never@x.test'], createdAt: T0, notify: ['NEVER'] });
    await enqueue(t.store, { to: ['young@x.test'], createdAt: T0 + 50_000 });
    const claimed = await t.store.queue.claimDue({ now: T0 + 60_000, limit: 10, owner: 'A', leaseUntil: T0 + 120_000 });
    await t.store.queue.recordAttempt({
      owner: 'A',
      at: T0 + 60_000,
      events: [],
      recipients: claimed.map((r) => ({ id: r.id, state: 'deferred', nextAttemptAt: T0 + 999_999, lastCode: 451, lastEnhanced: '4.7.1', lastText: 'later', category: 'greylisted', hard: false })),
    });
    const due = await t.store.queue.dueForDelayWarning({ createdBefore: T0 + 10_000, limit: 10 });
    assert.deepEqual(due.map((r) => r.address).sort(), ['delay@x.test', 'dflt@x.test']);
    const first = await t.store.queue.markDelayNotified(due.map((r) => r.id), T0 + 70_000);
    assert.deepEqual(first.sort(), [m1.recipients[0].id, m2.recipients[0].id].sort());
    assert.deepEqual(await t.store.queue.markDelayNotified(due.map((r) => r.id), T0 + 71_000), []);
    assert.deepEqual(await t.store.queue.dueForDelayWarning({ createdBefore: T0 + 10_000, limit: 10 }), []);
  } finally {
    await t.cleanup();
  }
});

test('a hard bounce is suppressed with its bounced event, in the same write, and only under our lease', async () => {
  const t = tempStore();
  try {
    const { message, recipients } = await enqueue(t.store, { to: ['Gone@X.test', 'lost@x.test'] });
    await t.store.queue.claimDue({ now: T0, limit: 2, owner: 'A', leaseUntil: T0 + 1_000 });
    // A's leases lapse and another worker takes one recipient over; A keeps the other only because
    // nobody claimed it (a lapsed lease is still the owner's until someone else takes it).
    const [taken] = await t.store.queue.claimDue({ now: T0 + 1_000, limit: 1, owner: 'B', leaseUntil: T0 + 9_000 });
    const lost = recipients.find((r) => r.id === taken.id)!;
    const gone = recipients.find((r) => r.id !== taken.id)!;
    const bounced = (id: number) => ({ id, state: 'bounced' as const, nextAttemptAt: null, lastCode: 550, lastEnhanced: '5.1.1', lastText: 'no such user', category: 'mailbox-unknown', hard: true });
    const event = (id: number) => ({ at: T0 + 500, kind: 'bounced' as const, messageRowId: message.id, recipientId: id, attempt: 1, code: 550, enhanced: '5.1.1' });
    const res = await t.store.queue.recordAttempt({
      owner: 'A',
      at: T0 + 500,
      events: [event(gone.id), event(lost.id)],
      recipients: [bounced(gone.id), bounced(lost.id)],
      suppress: [
        { recipientId: gone.id, address: gone.address, reason: 'hard bounce: 550 5.1.1 no such user' },
        { recipientId: lost.id, address: lost.address, reason: 'hard bounce: 550 5.1.1 no such user' },
      ],
    });
    assert.deepEqual(res.lost, [lost.id]);
    const entry = await t.store.suppressions.get(gone.address.toLowerCase());
    assert.ok(entry, 'the hard-bounced address is suppressed (lower-cased)');
    assert.equal(entry.source, 'hard-bounce');
    const bouncedEvent = (await t.store.events.forMessage(message.id)).find((e) => e.kind === 'bounced');
    assert.equal(entry.eventId, bouncedEvent?.id, 'the entry points at the event that caused it');
    assert.equal(await t.store.suppressions.get(lost.address.toLowerCase()), null, 'nothing is written for a recipient whose claim was lost');
  } finally {
    await t.cleanup();
  }
});
