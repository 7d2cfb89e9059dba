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
let blockWhileWaiting = false;

/**
 * Makes this thread's group commits take `lock` (null: no lock; SQLite's busy handling alone).
 * `block`: this thread's group commits wait for the lock in Atomics.wait, its event loop stopped. The
 * relay's delivery thread does: it then takes the lock the moment the main thread releases it, where an
 * async waiter is woken only once its event loop gets to the wake-up (measured: twice the total wait with
 * both threads waiting async). The main thread waits async: its SMTP sessions must go on.
 */
export function useThreadLock(lock: ThreadLock | null, options: { block?: boolean } = {}): void {
  shared = lock;
  blockWhileWaiting = options.block ?? false;
}

/** A waiter looks again this often even without a notify (one lost or meant for another waiter). */
const RECHECK_MS = 20;

const take = (lock: ThreadLock) => Atomics.compareExchange(lock, 0, 0, 1) === 0;

function release(lock: ThreadLock): void {
  Atomics.store(lock, 0, 0);
  // Every waiter, not one: a thread may have an async waiter (its group commit) queued before its own
  // blocking one (its checkpointer); waking only the first would leave the lock free and the thread asleep.
  Atomics.notify(lock, 0);
}

/**
 * Runs `fn` holding the thread lock, when one is in use. Gives up waiting after `maxWaitMs` and runs
 * anyway: a thread that died holding the lock must not stop the others, and SQLite still serialises.
 * Blocks this thread while it waits: for short, rare work (the checkpointer's last copy).
 */
export function withThreadLock<T>(fn: () => T, maxWaitMs = 5_000): T {
  const lock = shared;
  if (!lock) return fn();
  const deadline = Date.now() + maxWaitMs;
  let ours = false;
  while (!(ours = take(lock)) && Date.now() < deadline) Atomics.wait(lock, 0, 1, RECHECK_MS);
  try {
    return fn();
  } finally {
    if (ours) release(lock);
  }
}

/**
 * As withThreadLock, but this thread's event loop keeps running while another thread holds the lock:
 * `fn` runs at once (synchronously) when the lock is free or unused, otherwise from a later task, once
 * the holder's release wakes us (Atomics.waitAsync) or `maxWaitMs` has passed. The relay's main thread
 * commits this way, so its SMTP sessions keep being served while the delivery thread commits. In a
 * thread that chose to block (useThreadLock), the same as withThreadLock.
 * `fn` must not throw (its errors would have nowhere to go): the group commit catches its own.
 */
export function withThreadLockWhenFree(fn: () => void, maxWaitMs = 5_000): void {
  const lock = shared;
  if (!lock) return fn();
  if (blockWhileWaiting) return withThreadLock(fn, maxWaitMs);
  const deadline = Date.now() + maxWaitMs;
  const attempt = (): void => {
    const ours = take(lock);
    if (!ours && Date.now() < deadline) {
      const wait = Atomics.waitAsync(lock, 0, 1, Math.min(RECHECK_MS, Math.max(1, deadline - Date.now())));
      // Not async: the lock was released between our look and the wait; look again from a later task
      // rather than recursing here, so a lock that flips fast cannot grow the stack.
      if (wait.async) void wait.value.then(attempt);
      else setImmediate(attempt);
      return;
    }
    try {
      fn();
    } finally {
      if (ours) release(lock);
    }
  };
  attempt();
}
