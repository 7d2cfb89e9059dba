/**
 * When the scheduler claims: at once when mail arrives or a claim may have left due mail behind, and not
 * again for nothing when a delivery ends and the last claim took everything due (issue 18: with mail
 * arriving a message at a time, those rounds were write transactions and WAL flushes that found nothing).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduler } from '../../src/queue/scheduler.js';
import type { Store } from '../../src/store/store.js';
import { captureLogger, enqueue, fakeDeliverer, tempStore, testConfig } from './fixtures.js';

/** The temp store with its claims counted. */
function countingClaims(store: Store) {
  const counts = { claims: 0 };
  const queue = { ...store.queue, claimDue: (req: Parameters<Store['queue']['claimDue']>[0]) => (counts.claims++, store.queue.claimDue(req)) };
  return { store: { ...store, queue }, counts };
}

async function until(done: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

test('mail arriving a message at a time is claimed once per arrival; a delivery that ends claims nothing more', async () => {
  const t = tempStore();
  const { store, counts } = countingClaims(t.store);
  // A minute's poll: only the wakes can make these deliveries prompt.
  const s = createScheduler({ config: testConfig({ poll_interval_ms: 60_000 }), store, deliverer: fakeDeliverer(), logger: captureLogger().logger });
  try {
    s.start();
    await new Promise((r) => setTimeout(r, 50)); // the first round found nothing; the loop sleeps
    const before = counts.claims;
    for (let i = 0; i < 5; i++) {
      const { message } = await enqueue(t.store, { to: [`r${i}@x.test`], createdAt: Date.now() });
      s.wake();
      const delivered = await until(async () => (await t.store.messages.recipients(message.id))[0].state === 'delivered', 3_000);
      assert.ok(delivered, `message ${i} delivered on its wake, not at the poll`);
      await new Promise((r) => setTimeout(r, 20)); // the delivery has ended and been recorded
    }
    assert.equal(counts.claims - before, 5, `one claim per arrival (made ${counts.claims - before})`);
  } finally {
    await s.stop(1_000);
    await t.cleanup();
  }
});

test('mail left behind by a claim (a domain at its connection limit, a claim at its size limit) is claimed as deliveries end, not at the poll', async () => {
  const t = tempStore();
  const { store } = countingClaims(t.store);
  const s = createScheduler({
    // One connection per domain, two in all: most of this mail cannot be claimed in the first rounds.
    config: testConfig({ poll_interval_ms: 60_000, max_connections: 2, max_connections_per_domain: 1 }),
    store,
    deliverer: fakeDeliverer(undefined, { delayMs: 20 }),
    logger: captureLogger().logger,
  });
  try {
    const ids: number[] = [];
    const now = Date.now();
    for (let i = 0; i < 6; i++) ids.push((await enqueue(t.store, { to: [`r${i}@busy.test`], createdAt: now })).message.id);
    for (let i = 0; i < 10; i++) ids.push((await enqueue(t.store, { to: [`r${i}@d${i}.test`], createdAt: now })).message.id);
    const started = Date.now();
    s.start();
    const all = await until(async () => {
      for (const id of ids) if ((await t.store.messages.recipients(id))[0].state !== 'delivered') return false;
      return true;
    }, 10_000);
    assert.ok(all, 'all 16 messages delivered within 10 s (the poll is a minute)');
    assert.ok(Date.now() - started < 10_000, `delivered in ${Date.now() - started} ms`);
  } finally {
    await s.stop(1_000);
    await t.cleanup();
  }
});
