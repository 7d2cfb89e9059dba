/**
 * The queue's periodic sweep (Postfix's qmgr scan of the deferred queue, for what time alone decides):
 * recipients that ran out of queue lifetime expire, and senders who asked (or did not say) hear once that
 * their mail is delayed. Both in batches, both told to the notifier. And reports that were owed but never
 * queued (a crash, a failed write) are tried again.
 */
import type { Config } from '../config/schema.js';
import type { Notifier } from '../dsn/types.js';
import type { Logger } from '../log/logger.js';
import type { ReportKind, Store } from '../store/store.js';
import type { MessageRecord, RecipientRecord } from '../types.js';
import { EXPIRY } from './transitions.js';

const SWEEP_BATCH = 500;

/** A report owed this long after its last try began is tried again: that try's worker crashed or failed. */
export const REPORT_RETRY_MS = 5 * 60_000;

/** The report each notifier call sends. */
export const REPORT_OF: Record<keyof Notifier, ReportKind> = { finalFailure: 'failure', delayWarning: 'delay', success: 'success' };
const CALL_OF: Record<ReportKind, keyof Notifier> = { failure: 'finalFailure', delay: 'delayWarning', success: 'success' };

export interface SweepDeps {
  config: Pick<Config, 'delivery'>;
  store: Pick<Store, 'messages' | 'queue'>;
  logger: Logger;
  owner: string;
  /** Tells the notifier and settles the reports owed (or leaves them owed when it fails); no-op when DSNs are off. */
  notify(kind: keyof Notifier, message: MessageRecord, recipients: RecipientRecord[]): Promise<void>;
  /** Reports are sent (DSNs on): delay warnings and owed reports are only worth the reads then. */
  reports: boolean;
}

export interface Sweeps {
  /** Expires what ran out of lifetime; `ownerToo`: also recipients under our own live lease. */
  /** Waiting recipients past their lifetime, and of ours only `claimed` (just claimed, not yet started). */
  expire(now: number, claimed?: readonly number[]): Promise<RecipientRecord[]>;
  delayWarnings(now: number): Promise<void>;
  /** Reports owed longer than REPORT_RETRY_MS since their last try: one batch, tried again. */
  owedReports(now: number): Promise<void>;
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
          reportOwed: deps.reports,
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
      if (!deps.reports) return;
      for (;;) {
        const due = await store.queue.dueForDelayWarning({ createdBefore: now - d.dsn.delay_warning_after_ms, limit: SWEEP_BATCH });
        if (due.length === 0) return;
        // Mark first, then warn: with two workers only the one whose mark took effect sends the warning. The
        // mark is also the warning owed: should it not be queued, owedReports tries again.
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
    async owedReports(now) {
      if (!deps.reports) return;
      // One batch a sweep: a report that cannot be queued (the store refusing writes) is not retried in a loop.
      const owed = await store.queue.claimOwedReports({ now, staleBefore: now - REPORT_RETRY_MS, limit: SWEEP_BATCH });
      for (const kind of ['failure', 'delay', 'success'] as const) {
        const recipients = owed.filter((o) => o.kind === kind).map((o) => o.recipient);
        if (recipients.length === 0) continue;
        logger.warn(
          { event: 'dsn.retry', kind, recipient_ids: recipients.map((r) => r.id) },
          `${recipients.length} ${kind} report(s) owed since an earlier try that did not finish; trying again`,
        );
        for (const [message, list] of await byMessage(recipients)) await deps.notify(CALL_OF[kind], message, list);
      }
    },
  };
}
