/**
 * The contract between the queue and the DSN writer (Postfix's `bounce` daemon): when recipients of a
 * message reach a final failure, or wait long enough for a delay warning, the queue tells the notifier,
 * which decides (RFC 3461 NOTIFY, null sender, config) whether to send a report and enqueues it as a
 * new message. The notifier never changes recipient state; it records `dsn-sent` events.
 */
import type { MessageRecord, RecipientRecord } from '../types.js';

export interface Notifier {
  /** These recipients just became `bounced` or `expired` (synchronously, during delivery or expiry). */
  finalFailure(message: MessageRecord, recipients: RecipientRecord[]): Promise<void>;
  /** These recipients are still `deferred` and have waited longer than the delay-warning threshold. */
  delayWarning(message: MessageRecord, recipients: RecipientRecord[]): Promise<void>;
  /** These recipients were delivered and asked for NOTIFY=SUCCESS. */
  success(message: MessageRecord, recipients: RecipientRecord[]): Promise<void>;
}
