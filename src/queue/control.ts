/**
 * What operators may do to a message's delivery (retry now, cancel), as the queue does it: the state
 * change comes from the queue's rules (transitions.ts), is written with its timeline event in one
 * transaction, and a retry wakes delivery at once. The API and the web page reach the queue only here.
 */
import type { OperatorActionResult, OperatorRef, Store } from '../store/store.js';
import { OPERATOR_TEXT, operatorCancel, operatorRetry } from './transitions.js';

export interface QueueControl {
  /** Makes the message's waiting recipients due now. */
  retry(queueId: string, by?: OperatorRef): Promise<OperatorActionResult>;
  /** Cancels the message's waiting recipients that are not being delivered at this moment. */
  cancel(queueId: string, by?: OperatorRef): Promise<OperatorActionResult>;
}

export interface QueueControlDeps {
  store: Pick<Store, 'queue'>;
  /** Tells delivery (this thread's scheduler or the delivery thread) that work is due now. */
  wake?: () => void;
  now?: () => number;
}

export function createQueueControl(deps: QueueControlDeps): QueueControl {
  const now = deps.now ?? Date.now;
  return {
    async retry(queueId, by) {
      const at = now();
      const result = await deps.store.queue.transitionMessage({
        queueId,
        now: at,
        transition: operatorRetry(at),
        event: { kind: 'requeued', text: OPERATOR_TEXT.requeued, detail: by ? { ...by } : null },
      });
      if (result.changed.length) deps.wake?.();
      return result;
    },
    async cancel(queueId, by) {
      const at = now();
      return deps.store.queue.transitionMessage({
        queueId,
        now: at,
        transition: operatorCancel(at),
        event: { kind: 'cancelled', text: OPERATOR_TEXT.cancelled, detail: by ? { ...by } : null },
      });
    },
  };
}
