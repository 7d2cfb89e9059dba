/**
 * The queue's periodic sweep (Postfix's qmgr scan of the deferred queue, for what time alone decides):
 * recipients that ran out of queue lifetime expire, and senders who asked (or did not say) hear once that
 * their mail is delayed. Both in batches, both told to the notifier.
 */
import type { Config } from '../config/schema.js';
import type { Notifier } from '../dsn/types.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { MessageRecord, RecipientRecord } from '../types.js';
import { EXPIRY } from './transitions.js';

const SWEEP_BATCH = 500;

export interface SweepDeps {
  config: Pick<Config, 'delivery'>;
  store: Pick<Store, 'messages' | 'queue'>;
  logger: Logger;
  owner: string;
  /** Tells the notifier (and handles its failures); no-op when DSNs are off. */
  notify(kind: keyof Notifier, message: MessageRecord, recipients: RecipientRecord[]): Promise<void>;
  /** Delay warnings are only worth the reads when someone will write them. */
  warnDelays: boolean;
}

export interface Sweeps {
  /** Expires what ran out of lifetime; `ownerToo`: also recipients under our own live lease. */
  /** Waiting recipients past their lifetime, and of ours only `claimed` (just claimed, not yet started). */
  expire(now: number, claimed?: readonly number[]): Promise<RecipientRecord[]>;
  delayWarnings(now: number): Promise<void>;
}

export function createSweeps(deps: SweepDeps): Sweeps {
  const { store, logger, owner } = deps;
  const d = deps.config.delivery;
  const lifetime = d.retry.max_queue_lifetime_ms;

  /** Recipients grouped by message, with their messages read in one go. */
  async function byMessage(recipients: RecipientRecord[]): Promise<[MessageRecord, RecipientRecord[]][]> {
    const groups = new Map<number, RecipientRecord[]>();
    for (const r of recipients) groups.set(r.messageRowId, [...(groups.get(r.messageRowId) ?? []), r]);
    const messages = await store.messages.getMany([...groups.keys()]);
    return messages.map((m) => [m, groups.get(m.id)!]);
  }

  return {
    async expire(now, claimed) {
      const all: RecipientRecord[] = [];
      for (;;) {
        const batch = await store.queue.expire({
          now,
          createdBefore: now - lifetime,
          owner: claimed ? owner : null,
          claimed,
          limit: SWEEP_BATCH,
          event: EXPIRY,
        });
        all.push(...batch);
        if (batch.length < SWEEP_BATCH) break;
      }
      for (const [message, recipients] of await byMessage(all)) {
        for (const r of recipients) {
          logger.info(
            {
              event: 'delivery.expired',
              queue_id: message.queueId,
              message_id: message.messageId,
              recipient: r.address,
              domain: r.domain,
              attempt: r.attempts,
              code: r.lastCode,
              enhanced: r.lastEnhanced,
              text: r.lastText,
              tag: message.tag,
            },
            `${r.address}: expired after ${r.attempts} attempts`,
          );
        }
        await deps.notify('finalFailure', message, recipients);
      }
      return all;
    },
    async delayWarnings(now) {
      if (!deps.warnDelays) return;
      for (;;) {
        const due = await store.queue.dueForDelayWarning({ createdBefore: now - d.dsn.delay_warning_after_ms, limit: SWEEP_BATCH });
        if (due.length === 0) return;
        // Mark first, then warn: with two workers only the one whose mark took effect sends the warning.
        const marked = new Set(
          await store.queue.markDelayNotified(
            due.map((r) => r.id),
            now,
          ),
        );
        for (const [message, recipients] of await byMessage(due.filter((r) => marked.has(r.id)))) {
          await deps.notify('delayWarning', message, recipients);
        }
        if (due.length < SWEEP_BATCH) return;
      }
    },
  };
}
