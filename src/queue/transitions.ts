/**
 * The rules of delivery state, in one place: which states a change may start from, what it sets and
 * what the timeline says about it. The store applies a transition as one compare-and-set per recipient
 * (`RecipientTransition`) and holds no rule of its own; every caller that changes a recipient's state
 * (the scheduler, the operator controls, bounce processing) takes its transition from here.
 */
import type { RecipientTransition, ReportKind, Store } from '../store/store.js';
import type { RecipientState } from '../types.js';

/** States that still get delivery attempts. */
export const WAITING: readonly RecipientState[] = ['queued', 'deferred'];

/** An operator's retry: waiting recipients become due now; their state stays. */
export function operatorRetry(now: number): RecipientTransition {
  return { from: WAITING, nextAttemptAt: now, clearLease: false, skipLeasedAt: null };
}

/**
 * An operator's cancel: waiting recipients end as `cancelled`, except those being delivered right now
 * (under a live lease): their attempt's result would race the cancel, so they are left to finish.
 */
export function operatorCancel(now: number): RecipientTransition {
  return { from: WAITING, to: 'cancelled', nextAttemptAt: null, clearLease: true, skipLeasedAt: now };
}

export const OPERATOR_TEXT = {
  requeued: 'an operator asked for an immediate retry',
  cancelled: 'an operator cancelled delivery',
} as const;

/**
 * A bounce that came back after the attempt (a DSN, a non-standard notice): it ends retries of a waiting
 * recipient and overrides `delivered` (the 250 was not the end of the story). Other final states stay:
 * an expired, cancelled or suppressed recipient was never delivered, and a bounced one already is. The
 * lease is cleared, so that an attempt in flight finds its claim lost instead of overwriting the bounce.
 * `reportOwed`: the sender is to hear of it (a failure report owed, written with the bounce; see reportsQueued).
 */
export function lateBounce(reply: NonNullable<RecipientTransition['last']>, reportOwed = false): RecipientTransition {
  return {
    from: ['queued', 'deferred', 'delivered'],
    to: 'bounced',
    nextAttemptAt: null,
    clearLease: true,
    skipLeasedAt: null,
    last: reply,
    ...(reportOwed ? { reportOwed: 'failure' as const } : {}),
  };
}

/** What a recipient that ran out of queue lifetime gets: its state, and the words of its `expired` event. */
export const EXPIRY = {
  text: 'mailtrail gave up: the recipient was still undelivered when the maximum queue lifetime ran out',
  detail: {
    category: 'expired',
    hard: false,
    explanation: 'Every delivery attempt failed temporarily until the maximum queue lifetime ran out, so mailtrail stopped trying.',
  },
} as const;

/** What the timeline says of a claim that lapsed without a recorded attempt (its holder stopped). */
export const INTERRUPTED = {
  text: 'interrupted: the relay that was delivering this stopped before it recorded the result; the receiver may already have the message',
  detail: {
    explanation:
      'A relay took this recipient for delivery and stopped (a crash, a kill, a lost database) before it could record what happened. It is tried again; if the interrupted attempt had already handed the message over, the recipient may get it twice.',
  },
} as const;

/**
 * A report owed by these recipients is queued: they owe it no more. Left owed (a crash, a failed write before
 * this), the queue's sweep sends it (src/queue/sweeps.ts).
 */
export function reportsQueued(store: Pick<Store, 'queue'>, ids: number[], kind: ReportKind): Promise<void> {
  return store.queue.settleReports(ids, kind);
}
