/**
 * The delivery thread's wake-up, one on its way at a time. The main thread wakes delivery after every
 * commit of mail; when mail arrives a message at a time that was a message to the thread per message,
 * and posting one cost the main thread (where the SMTP sessions run) about 40 µs of wall time under load
 * (CPU profile, docs/benchmarks.md, issue 18). A flag in shared memory says a wake is on its way: while it
 * is, another is not posted, because the thread clears the flag before it looks for mail, so the claim
 * that wake starts finds whatever was committed before the flag was cleared. Nothing is found later than
 * with a message per commit.
 */

export interface WakeSignal {
  /** Shared with the delivery thread (workerData): 1 while a wake is on its way. */
  readonly flag: Int32Array;
  /** Main thread: calls `post` unless a wake is already on its way. Returns whether it posted. */
  wake(post: () => void): boolean;
}

export function createWakeSignal(): WakeSignal {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  return {
    flag,
    wake(post) {
      if (Atomics.compareExchange(flag, 0, 0, 1) !== 0) return false;
      post();
      return true;
    },
  };
}

/** Delivery thread, on receiving a wake, before it looks for mail: the next commit posts a wake again. */
export function wakeReceived(flag: Int32Array): void {
  Atomics.store(flag, 0, 0);
}
