import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createWakeSignal, wakeReceived } from '../../src/queue/wake-signal.js';

test('a wake is posted only while none is on its way; receiving it lets the next one through', () => {
  const s = createWakeSignal();
  let posted = 0;
  const post = () => posted++;
  assert.equal(s.wake(post), true, 'the first wake is posted');
  assert.equal(s.wake(post), false, 'a second one waits for the first to be received');
  assert.equal(s.wake(post), false);
  assert.equal(posted, 1);
  wakeReceived(s.flag);
  assert.equal(s.wake(post), true, 'after the thread received it, the next commit posts again');
  assert.equal(posted, 2);
});

test('the flag is the same memory in another thread: the thread clearing it lets the main thread post again', async () => {
  const s = createWakeSignal();
  assert.equal(
    s.wake(() => {}),
    true,
  );
  // A plain-JavaScript thread does what the delivery thread does on receiving a wake.
  const worker = new Worker(
    'const { workerData, parentPort } = require("node:worker_threads"); Atomics.store(workerData, 0, 0); parentPort.postMessage("cleared");',
    {
      eval: true,
      workerData: s.flag,
    },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  await worker.terminate();
  assert.equal(
    s.wake(() => {}),
    true,
    'cleared by the other thread',
  );
});
