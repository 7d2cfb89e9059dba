/**
 * The write lock the relay's two threads share: a writer waits for the other thread's transaction and
 * starts the moment it ends; a lock left held (a thread that died) delays writers, never stops them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { holdLockInAnotherThread, type LockHolder } from '../../helpers/lock-holder.js';
import { createThreadLock, useThreadLock, withThreadLock, withThreadLockWhenFree } from '../../../src/store/sqlite/thread-lock.js';

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

test('withThreadLockWhenFree runs at once on a free lock, and waits for a held one without blocking the event loop', async () => {
  const lock = createThreadLock();
  useThreadLock(lock);
  let holder: LockHolder | undefined;
  try {
    let heldInside = -1;
    withThreadLockWhenFree(() => (heldInside = lock[0]));
    assert.equal(heldInside, 1, 'a free lock: run synchronously, holding it');
    assert.equal(lock[0], 0, 'and released after');

    holder = await holdLockInAnotherThread(lock, 150);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const ranAt = await new Promise<number>((resolve) => withThreadLockWhenFree(() => resolve(Date.now())));
    clearInterval(timer);
    const releasedAt = await holder.released;
    assert.ok(ranAt >= releasedAt, `ran at ${ranAt}, before the other thread released at ${releasedAt}`);
    assert.ok(ticks >= 5, `the event loop ran ${ticks} timer ticks meanwhile`);
    assert.ok(ranAt - releasedAt < 250, `woken by the release (${ranAt - releasedAt} ms after it)`);
  } finally {
    useThreadLock(null);
    await holder?.stop();
  }
});

test('withThreadLockWhenFree on a lock nobody releases runs after maxWaitMs, without taking or releasing it', async () => {
  const lock = createThreadLock();
  useThreadLock(lock);
  try {
    Atomics.store(lock, 0, 1);
    const started = Date.now();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const ranAt = await new Promise<number>((resolve) => withThreadLockWhenFree(() => resolve(Date.now()), 100));
    clearInterval(timer);
    assert.ok(ranAt - started >= 100, `ran after ${ranAt - started} ms, not before maxWaitMs`);
    assert.ok(ticks >= 3, `the event loop ran ${ticks} timer ticks meanwhile`);
    assert.equal(lock[0], 1, 'a lock we did not take is not released by us');
  } finally {
    useThreadLock(null);
  }
});

test('a thread that chose to block (the delivery thread) waits in withThreadLockWhenFree as in withThreadLock', async () => {
  const lock = createThreadLock();
  useThreadLock(lock, { block: true });
  let holder: LockHolder | undefined;
  try {
    holder = await holdLockInAnotherThread(lock, 100);
    let ranAt = 0;
    withThreadLockWhenFree(() => (ranAt = Date.now()));
    assert.ok(ranAt > 0, 'ran before the call returned: this thread waited for the lock');
    const releasedAt = await holder.released;
    assert.ok(ranAt >= releasedAt, `ran at ${ranAt}, before the other thread released at ${releasedAt}`);
  } finally {
    useThreadLock(null);
    await holder?.stop();
  }
});
