/**
 * Another thread that takes a thread lock (src/store/sqlite/thread-lock.ts), holds it for a while without
 * burning a core (the delivery thread committing, in a relay) and releases it: for tests of what a writer
 * in this thread does meanwhile.
 */
import { Worker } from 'node:worker_threads';
import type { ThreadLock } from '../../src/store/sqlite/thread-lock.js';

export interface LockHolder {
  /** When the other thread let go (its clock, Date.now()), just before it released the lock. */
  released: Promise<number>;
  stop(): Promise<void>;
}

/** Resolves once the other thread holds `lock`; it releases it `holdMs` later. */
export async function holdLockInAnotherThread(lock: ThreadLock, holdMs: number): Promise<LockHolder> {
  const worker = new Worker(
    `const { workerData: { lock, holdMs }, parentPort } = require('node:worker_threads');
     Atomics.store(lock, 0, 1);
     parentPort.postMessage('held');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, holdMs);
     parentPort.postMessage(Date.now());
     Atomics.store(lock, 0, 0); Atomics.notify(lock, 0);`,
    { eval: true, workerData: { lock, holdMs } },
  );
  const released = new Promise<number>((resolve) => worker.on('message', (m: string | number) => typeof m === 'number' && resolve(m)));
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  return {
    released,
    stop: async () => {
      await worker.terminate();
    },
  };
}
