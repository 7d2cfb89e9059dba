/**
 * The delivery side of the relay in its own thread: scheduler, deliverer and DSN writer on their own
 * SQLite connection and event loop, so that delivery (SMTP client, DNS, attempt records) and submission
 * (SMTP server, intake) run on two cores instead of sharing one. They meet only through the queue in
 * SQLite, as Postfix's qmgr and smtpd meet through the queue directory.
 *
 * Messages from the main thread: `wake` (new mail is due), `stop` (graceful stop, then `stopped`).
 * Messages to it: `ready`, `log` (a finished log line), `unresponsive` (the addresses that stopped answering,
 * whenever that list changes), `stopped`, `failed` (start failed, with why).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import type { UnresponsiveAddress } from '../delivery/unresponsive-hosts.js';
import { openStore, type StoreShare } from '../store/index.js';
import { createDeliverySide } from './delivery-side.js';

export interface DeliveryWorkerData {
  config: Config;
  /** What the store shares with the main thread (src/store/index.ts). */
  share: StoreShare;
}

export type ToWorker = { type: 'wake' } | { type: 'stop'; timeoutMs: number };
/** `lines`: one or more whole log lines, each ending in a newline. */
export type FromWorker =
  | { type: 'ready'; owner: string }
  | { type: 'log'; lines: string }
  | { type: 'unresponsive'; addresses: UnresponsiveAddress[] }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

const port = parentPort!;
const { config, share } = workerData as DeliveryWorkerData;

/** Lines waiting to cross to the main thread (at most LOG_BATCH_BYTES, or what one turn of the loop logged). */
let lines = '';
let flushScheduled = false;
const LOG_BATCH_BYTES = 64 * 1024;
function flushLines(): void {
  flushScheduled = false;
  if (lines === '') return;
  const batch = lines;
  lines = '';
  port.postMessage({ type: 'log', lines: batch } satisfies FromWorker);
}
// Other messages go after the lines logged before them, so the main thread sees them in order.
const send = (m: FromWorker) => {
  flushLines();
  port.postMessage(m);
};

// Lines go to the main thread, which writes both threads' lines to one stream. They cross in batches, one
// message per turn of this thread's loop: a burst of deferrals logs thousands of lines a second, and one
// message per line cost the main thread an event, a copy and a write call each.
const logger = createLogger(config, {
  write: (line: string) => {
    lines += line;
    if (lines.length >= LOG_BATCH_BYTES) flushLines();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushLines);
    }
  },
});

try {
  const store = await openStore(config, { role: 'delivery', share });
  const side = createDeliverySide({
    config,
    store,
    logger,
    onUnresponsiveChange: () => send({ type: 'unresponsive', addresses: side.deliverer.unresponsive() }),
  });
  const { scheduler, deliverer } = side;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'wake') scheduler.wake();
    else if (m.type === 'stop') {
      void (async () => {
        // Each step whatever the one before did (a database gone at the end must not leave the store open
        // and the thread running until the main thread's timer ends it); the first failure is reported.
        const failures: string[] = [];
        for (const step of [() => scheduler.stop(m.timeoutMs), () => deliverer.close(), () => store.close()]) {
          await step().catch((err: unknown) => failures.push((err as Error).message));
        }
        send(failures.length ? { type: 'failed', message: `stopping delivery failed: ${failures.join('; ')}` } : { type: 'stopped' });
        port.close();
      })();
    }
  });
  scheduler.start();
  send({ type: 'ready', owner: scheduler.owner });
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
}
