/**
 * A write lock shared by the threads of one process (the relay's main thread and its delivery thread),
 * taken around each group transaction. SQLite serialises writers itself, but a writer that finds the
 * database locked sleeps in SQLite's busy handler for 1, 2, 5, 10… ms before it looks again: between
 * two threads committing hundreds of times a second that added tens of milliseconds to submissions
 * that only had to wait a few hundred microseconds. Atomics.wait wakes the waiter the moment the
 * holder is done. SQLite's own locking still guards correctness (and other processes, such as the CLI).
 */
export type ThreadLock = Int32Array;

/** A new lock, to share with other threads (it lives in a SharedArrayBuffer). */
export function createThreadLock(): ThreadLock {
  return new Int32Array(new SharedArrayBuffer(4));
}

let shared: ThreadLock | null = null;

/** Makes this thread's group commits take `lock` (null: no lock; SQLite's busy handling alone). */
export function useThreadLock(lock: ThreadLock | null): void {
  shared = lock;
}

/**
 * Runs `fn` holding the thread lock, when one is in use. Gives up waiting after `maxWaitMs` and runs
 * anyway: a thread that died holding the lock must not stop the others, and SQLite still serialises.
 */
export function withThreadLock<T>(fn: () => T, maxWaitMs = 5_000): T {
  const lock = shared;
  if (!lock) return fn();
  const deadline = Date.now() + maxWaitMs;
  let ours = false;
  while (!(ours = Atomics.compareExchange(lock, 0, 0, 1) === 0) && Date.now() < deadline) Atomics.wait(lock, 0, 1, 20);
  try {
    return fn();
  } finally {
    if (ours) {
      Atomics.store(lock, 0, 0);
      Atomics.notify(lock, 0, 1);
    }
  }
}
