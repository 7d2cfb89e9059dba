/**
 * The delivery side of the relay in its own thread: scheduler, deliverer and DSN writer on their own
 * SQLite connection and event loop, so that delivery (SMTP client, DNS, attempt records) and submission
 * (SMTP server, intake) run on two cores instead of sharing one. They meet only through the queue in
 * SQLite, as Postfix's qmgr and smtpd meet through the queue directory.
 *
 * Messages from the main thread: `wake` (new mail is due), `stop` (graceful stop, then `stopped`).
 * Messages to it: `ready`, `log` (a finished log line), `stopped`, `failed` (start failed, with why).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import { openStore, type StoreShare } from '../store/index.js';
import { createDeliverySide } from './delivery-side.js';

export interface DeliveryWorkerData {
  config: Config;
  /** What the store shares with the main thread (src/store/index.ts). */
  share: StoreShare;
}

export type ToWorker = { type: 'wake' } | { type: 'stop'; timeoutMs: number };
export type FromWorker = { type: 'ready'; owner: string } | { type: 'log'; line: string } | { type: 'stopped' } | { type: 'failed'; message: string };

const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);
const { config, share } = workerData as DeliveryWorkerData;

// Lines go to the main thread, which writes both threads' lines to one stream.
const logger = createLogger(config, { write: (line: string) => send({ type: 'log', line }) });

try {
  const store = await openStore(config, { role: 'delivery', share });
  const { scheduler, deliverer } = createDeliverySide({ config, store, logger });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'wake') scheduler.wake();
    else if (m.type === 'stop') {
      void (async () => {
        await scheduler.stop(m.timeoutMs);
        await deliverer.close();
        await store.close();
        send({ type: 'stopped' });
        port.close();
      })().catch((err: unknown) => send({ type: 'failed', message: `stopping delivery failed: ${(err as Error).message}` }));
    }
  });
  scheduler.start();
  send({ type: 'ready', owner: scheduler.owner });
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
}
