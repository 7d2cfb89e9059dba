/**
 * The write lock the relay's two threads share: a writer waits for the other thread's transaction and
 * starts the moment it ends; a lock left held (a thread that died) delays writers, never stops them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createThreadLock, useThreadLock, withThreadLock } from '../../../src/store/sqlite/thread-lock.js';

test('a writer waits while another thread holds the lock and runs as soon as it is released', async () => {
  const lock = createThreadLock();
  useThreadLock(lock);
  try {
    // Another thread takes the lock, holds it 150 ms, releases it and says when.
    const holder = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const a = workerData;
       Atomics.store(a, 0, 1);
       parentPort.postMessage('held');
       const until = Date.now() + 150; while (Date.now() < until) {}
       parentPort.postMessage(Date.now());
       Atomics.store(a, 0, 0); Atomics.notify(a, 0, 1);`,
      { eval: true, workerData: lock },
    );
    const messages: (string | number)[] = [];
    const released = new Promise<number>((resolve) =>
      holder.on('message', (m: string | number) => {
        messages.push(m);
        if (typeof m === 'number') resolve(m);
      }),
    );
    await new Promise<void>((resolve) => holder.once('message', () => resolve()));
    const ranAt = withThreadLock(() => Date.now());
    const releasedAt = await released;
    assert.ok(ranAt >= releasedAt, `ran at ${ranAt}, before the other thread released at ${releasedAt}`);
    // Woken by the release, not by waiting out maxWaitMs (5 s). The bound is loose on purpose: a waiter
    // also looks again every 20 ms, and on a loaded two-core machine the thread itself may not be
    // scheduled for tens of milliseconds after the notify.
    assert.ok(ranAt - releasedAt < 250, `woken by the release (${ranAt - releasedAt} ms after it), not by the 5 s deadline`);
    assert.equal(lock[0], 0, 'released after use');
    await holder.terminate();
  } finally {
    useThreadLock(null);
  }
});

test('a lock nobody releases delays a writer by at most maxWaitMs, then it runs anyway', () => {
  const lock = createThreadLock();
  useThreadLock(lock);
  try {
    Atomics.store(lock, 0, 1); // held by a thread that is gone
    const started = Date.now();
    assert.equal(
      withThreadLock(() => 'ran', 100),
      'ran',
    );
    assert.ok(Date.now() - started >= 100);
    assert.equal(lock[0], 1, 'a lock we did not take is not released by us');
  } finally {
    useThreadLock(null);
  }
});
