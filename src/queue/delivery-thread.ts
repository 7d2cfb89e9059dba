/**
 * Runs the delivery side (src/queue/delivery-worker.ts) in a worker thread and gives the main thread
 * the two things it needs: `wake()` when mail was committed, and `stop()` for a graceful shutdown.
 * The thread's log lines arrive here, a batch at a time, and are written to the relay's log destination.
 */
import { once } from 'node:events';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import type { UnresponsiveAddress } from '../delivery/unresponsive-hosts.js';
import type { Logger } from '../log/logger.js';
import type { StoreShare } from '../store/index.js';
import { threadEntry } from '../thread-entry.js';
import type { DeliveryWorkerData, FromWorker, ToWorker } from './delivery-worker.js';

export interface DeliveryThread {
  /** The worker's lease owner name (its claims in the recipients table). */
  owner: string;
  wake(): void;
  /** The addresses the thread's deliverer skips or probes because they did not answer (as it last said). */
  unresponsive(): UnresponsiveAddress[];
  /** Stops claiming, lets running deliveries finish for up to `timeoutMs`, releases leases, closes the thread's store. */
  stop(timeoutMs: number): Promise<void>;
}

/** `writeLine` receives one or more whole lines at a time (the thread sends them in batches). */
export async function startDeliveryThread(opts: {
  config: Config;
  logger: Logger;
  writeLine: (lines: string) => void;
  share: StoreShare;
}): Promise<DeliveryThread> {
  // Both threads use the same database: what they share (SQLite: a write lock) was made by the caller.
  const data: DeliveryWorkerData = { config: opts.config, share: opts.share };
  const worker = new Worker(threadEntry('delivery-worker', import.meta.url), { workerData: data, resourceLimits: heapLimits(opts.config) });
  let stopped: (() => void) | null = null;
  let failed: ((err: Error) => void) | null = null;
  /** While stopping: the thread's stop failed (it ends at once instead of at the timer). */
  let stopFailed: ((err: Error) => void) | null = null;
  let exited = false;
  let unresponsive: UnresponsiveAddress[] = [];

  const ready = new Promise<string>((resolve, reject) => {
    failed = reject;
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'log') opts.writeLine(m.lines);
      else if (m.type === 'unresponsive') unresponsive = m.addresses;
      else if (m.type === 'ready') resolve(m.owner);
      else if (m.type === 'stopped') stopped?.();
      else if (m.type === 'failed') {
        const err = new Error(`the delivery thread failed: ${m.message}`);
        if (failed) failed(err);
        else if (stopFailed) stopFailed(err);
        else opts.logger.error({ event: 'queue.error', err: m.message }, 'the delivery thread reported a failure');
      }
    });
  });
  worker.on('error', (err: Error & { code?: string }) => {
    // An uncaught error in the thread: delivery has stopped. Nothing accepted is lost (the queue is in
    // SQLite and leases lapse), but nothing is delivered until a restart: say so loudly.
    const why =
      err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `the delivery thread needed more than delivery.thread_heap_mb (${opts.config.delivery.thread_heap_mb} MB); raise it and restart mailtrail to resume delivery`
        : 'the delivery thread crashed; restart mailtrail to resume delivery';
    opts.logger.fatal({ event: 'queue.thread_crashed', err: err.message }, why);
    failed?.(err);
  });
  worker.on('exit', () => {
    exited = true;
    stopped?.();
  });

  const owner = await ready;
  failed = null;
  const post = (m: ToWorker) => {
    if (!exited) worker.postMessage(m);
  };
  return {
    owner,
    wake: () => post({ type: 'wake' }),
    unresponsive: () => unresponsive,
    async stop(timeoutMs) {
      if (exited) return;
      let failure: Error | null = null;
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
        stopFailed = (err) => {
          failure = err;
          resolve();
        };
      });
      post({ type: 'stop', timeoutMs });
      // The thread bounds its own stop by timeoutMs, plus the time a session awaiting its message's reply
      // may still take (delivery.stop_final_reply_ms); a little more for closing the store.
      const timer = setTimeout(() => void worker.terminate(), timeoutMs + opts.config.delivery.stop_final_reply_ms + 10_000);
      await done;
      clearTimeout(timer);
      if (failure) await worker.terminate();
      if (!exited) await once(worker, 'exit');
      if (failure) throw failure;
    },
  };
}

/**
 * The delivery thread's heap. V8 sizes it for the whole process by default (about 4 GB of old generation on
 * this machine, 16 MB semi-spaces), and under a burst of attempts its garbage grows with those sizes: the
 * thread's heap reached 115 MB in the memory benchmark for about 25 MB alive (docs/benchmarks.md, issue 17).
 * - old generation: `delivery.thread_heap_mb`. Below 2 GB, V8 lets a heap grow to at most 1.3–2 × its live
 *   size between full collections instead of 4 ×.
 * - young generation: 24 MB, i.e. two 8 MB semi-spaces instead of 16 MB ones (16 MB less resident): a
 *   scavenge every 8 MB allocated instead of 16, each as cheap, since a scavenge copies only what survives
 *   (a few sessions' objects; bodies are Buffers outside the heap). The relay benchmark's CPU per message
 *   is what says it costs nothing (docs/benchmarks.md); 2 MB semi-spaces cost 15 %. `mailtrail start` has
 *   the thread start with its 8 MB semi-spaces whole (src/heap/young-generation.ts), as it is held in a
 *   burst anyway, instead of growing them from 1 MB.
 */
function heapLimits(config: Config): ResourceLimits {
  return { maxOldGenerationSizeMb: config.delivery.thread_heap_mb, maxYoungGenerationSizeMb: 24 };
}
