/**
 * When the scheduler claims again: mail that a claim had to leave behind (its domain at its connection
 * limit, the claim at its size limit) is claimed as deliveries end, not at the next poll. Written for a
 * change of the loop's wake-ups that was measured and reverted (docs/benchmarks.md, 2026-12-05 03:20, issue
 * 18); kept because any change of when the loop wakes must keep this.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduler } from '../../src/queue/scheduler.js';
import { captureLogger, enqueue, fakeDeliverer, tempStore, testConfig } from './fixtures.js';

async function until(done: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

test('mail left behind by a claim (a domain at its connection limit, a claim at its size limit) is claimed as deliveries end, not at the poll', async () => {
  const t = tempStore();
  const s = createScheduler({
    // One connection per domain, two in all, and a minute's poll: most of this mail cannot be claimed in the
    // first rounds, and only the wakes of ended deliveries can make it prompt.
    config: testConfig({ poll_interval_ms: 60_000, max_connections: 2, max_connections_per_domain: 1 }),
    store: t.store,
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
    assert.ok(all, `all 16 messages delivered within 10 s (the poll is a minute); ${Date.now() - started} ms`);
  } finally {
    await s.stop(1_000);
    await t.cleanup();
  }
});
