/**
 * The notifier (Postfix's `bounce` daemon): the queue tells it which recipients failed for good, wait
 * too long, or were delivered with NOTIFY=SUCCESS; it decides whether the sender gets a report,
 * writes one RFC 3464 DSN per call and hands it to intake like any other message (origin `dsn`: the same
 * ids, Received field, signing and suppression check as submitted mail). It never changes recipient
 * state; on the original it records a `dsn-sent` event per reported recipient.
 *
 * Who gets nothing, and why:
 * - the null sender `<>` (it is itself a bounce or a report: never bounce a bounce, RFC 5321 §6.1);
 * - messages mailtrail generated (origin `dsn`), even if a misconfigured sender were not null;
 * - recipients whose NOTIFY excludes the event (RFC 3461 §4.1). Without NOTIFY we report failures and
 *   warn of delays (the MTA's discretion, RFC 3461 §4.1: "FAILURE or FAILURE,DELAY"), never success;
 * - everything, when `delivery.dsn.enabled` is false.
 *
 * At least once: the DSN is enqueued before the `dsn-sent` events are written, so a crash in between
 * can mean the queue asks again and the sender gets the same report twice; it is never lost. A repeated
 * call for a recipient that already has a `dsn-sent` of the same type is a no-op.
 */
import { randomBytes } from 'node:crypto';
import type { ResponseInput } from '../classify/types.js';
import type { Config } from '../config/schema.js';
import { ownMailEnvelope, type Intake } from '../intake/intake.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { EventRecord, MessageRecord, RecipientRecord } from '../types.js';
import { composeDsn, type DsnKind, type DsnRecipient } from './compose.js';
import type { Notifier } from './types.js';

export interface NotifierOptions {
  config: Pick<Config, 'hostname' | 'delivery' | 'submission'>;
  store: Pick<Store, 'events' | 'messages'>;
  /** Where the DSN goes: intake, as for any message (src/intake/configured.ts gives the relay's). */
  intake: Intake;
  logger: Logger;
  /** Reporting-MTA and Message-ID domain; defaults to `config.hostname`. */
  hostname?: string;
  clock?: () => number;
  /** Called after a DSN was enqueued, so the scheduler can look for due work at once. */
  onEnqueued?: () => void;
  /**
   * Fallback explanation (the classifier's `classify(input).explanation`) for a recipient whose last
   * outcome event carries none. The scheduler stores the classifier's sentence with every outcome, so
   * this is rarely needed; without it such a recipient's report just has no "What this means" line.
   */
  explain?: (input: ResponseInput) => string | null;
}

/** What a DSN's `dsn-sent` event and log line call its type. */
const TYPE: Record<DsnKind, 'failure' | 'delay' | 'success'> = { failure: 'failure', delay: 'delay', success: 'success' };

/** Outcome events: the last one of a recipient holds the answer that decided its state. */
const OUTCOMES = new Set(['delivered', 'deferred', 'bounced']);

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3}$/;

export function createNotifier(opts: NotifierOptions): Notifier {
  const { config, store, logger } = opts;
  const hostname = opts.hostname ?? config.hostname;
  const clock = opts.clock ?? Date.now;
  const dsnFrom = config.delivery.dsn.from.includes('@') ? config.delivery.dsn.from : `${config.delivery.dsn.from}@${hostname}`;

  async function report(kind: DsnKind, message: MessageRecord, recipients: RecipientRecord[]): Promise<void> {
    const skip = (reason: string, ids = recipients.map((r) => r.id)) =>
      logger.debug({ event: 'dsn.skipped', queue_id: message.queueId, type: TYPE[kind], reason, recipient_ids: ids }, `no ${TYPE[kind]} report: ${reason}`);
    if (recipients.length === 0) return;
    if (!config.delivery.dsn.enabled) return skip('delivery.dsn.enabled is false');
    if (message.mailFrom === '') return skip('null sender');
    if (message.origin === 'dsn') return skip('the message is itself a delivery status notification');
    const senderDomain = domainOf(message.mailFrom);
    if (!senderDomain) return skip('the envelope sender has no domain to deliver a report to');

    const asked = recipients.filter((r) => wants(kind, r));
    if (asked.length < recipients.length)
      skip(
        'NOTIFY excludes it',
        recipients.filter((r) => !asked.includes(r)).map((r) => r.id),
      );
    if (asked.length === 0) return;

    // Only these recipients' own events: a message retried for days to many recipients holds hundreds of
    // thousands, and a report per late bounce read them all (an audit's burst of bounces wedged the relay).
    const events = await store.events.forRecipients(
      message.id,
      asked.map((r) => r.id),
    );
    const already = new Set(events.filter((e) => e.kind === 'dsn-sent' && e.detail?.type === TYPE[kind]).map((e) => e.recipientId));
    const due = asked.filter((r) => !already.has(r.id));
    if (due.length < asked.length)
      skip(
        'already reported',
        asked.filter((r) => already.has(r.id)).map((r) => r.id),
      );
    if (due.length === 0) return;

    const now = clock();
    const original = await store.messages.content(message.id);
    if (!original)
      logger.warn({ event: 'dsn.no_content', queue_id: message.queueId }, 'the original message content is gone; the report carries no copy of it');

    const willRetryUntil = message.createdAt + config.delivery.retry.max_queue_lifetime_ms;
    const reported = due.map((r) => recipientFacts(kind, r, events, willRetryUntil, now, opts.explain));
    // Like intake: a suppressed sender address gets the report recorded but not sent.
    const messageId = `${now.toString(36)}.${randomBytes(6).toString('hex')}.dsn@${hostname}`;
    const raw = composeDsn({
      kind,
      hostname,
      from: dsnFrom,
      to: message.mailFrom,
      message,
      originalRaw: original ?? Buffer.alloc(0),
      // Room for the report around it: the whole report stays within the size our own submission accepts.
      maxReturnedBytes: Math.max(0, config.submission.limits.max_message_bytes - RETURN_MARGIN_BYTES),
      recipients: reported,
      arrivalDate: message.createdAt,
      now,
      messageId,
    });

    // The null sender: a report about a report is never sent (RFC 3461 §6.2, RFC 5321 §4.5.5). NOTIFY=NEVER
    // on its one recipient for the same reason.
    const accepted = await opts.intake.accept(
      ownMailEnvelope(message.mailFrom, {
        tag: message.tag,
        detail: { type: TYPE[kind], original_queue_id: message.queueId, reported_recipients: due.map((r) => r.address) },
      }),
      raw,
    );
    const queueId = accepted.queueId;
    const suppressed = accepted.suppressed > 0;
    // The report is queued: from here a failure must not reach the caller, which would leave the report owed
    // and have the sweep queue it again (a second report to the sender). The timeline lacks its note then.
    await store.events
      .appendMany(
        due.map((r) => ({
          at: now,
          kind: 'dsn-sent' as const,
          messageRowId: message.id,
          recipientId: r.id,
          detail: { dsn_queue_id: queueId, type: TYPE[kind] },
        })),
      )
      .catch((err: Error) =>
        logger.warn(
          { event: 'dsn.error', queue_id: message.queueId, kind, recipient_ids: due.map((r) => r.id), err: err.message },
          `the ${TYPE[kind]} report is queued as ${queueId}, but its dsn-sent events could not be written; the timeline will not show it`,
        ),
      );
    logger.info(
      {
        event: 'dsn.sent',
        queue_id: message.queueId,
        message_id: message.messageId,
        dsn_queue_id: queueId,
        type: TYPE[kind],
        to: message.mailFrom,
        recipients: due.map((r) => r.address),
        suppressed,
        tag: message.tag,
      },
      `${TYPE[kind]} report for ${due.length} recipient(s) queued to ${message.mailFrom} as ${queueId}${suppressed ? ' (not sent: the sender address is suppressed)' : ''}`,
    );
    if (!suppressed) opts.onEnqueued?.();
  }

  return {
    finalFailure: (message, recipients) => report('failure', message, recipients),
    delayWarning: (message, recipients) => report('delay', message, recipients),
    success: (message, recipients) => report('success', message, recipients),
  };
}

/** What a report adds around a returned original (its text, status fields, MIME headers), kept free within the size limit. */
const RETURN_MARGIN_BYTES = 64 * 1024;

/** A delay warning's words for a recipient still waiting for its first attempt (a busy queue, a paused destination). */
const NOT_TRIED_YET =
  'mailtrail has not been able to try this address yet: the queue is busy, or deliveries to its domain are paused for a while; it keeps trying.';

/** A delay warning's words for a recipient whose first attempt is under way as the warning is written. */
const FIRST_TRY_UNDER_WAY = 'mailtrail is trying this address for the first time right now (the receiving server is slow to answer); it keeps trying.';

/** RFC 3461 §4.1 NOTIFY, with our defaults when the app gave none. */
export function wants(kind: DsnKind, r: Pick<RecipientRecord, 'notify'>): boolean {
  const notify = r.notify;
  if (!notify || notify.length === 0) return kind !== 'success';
  if (notify.includes('NEVER')) return false;
  return notify.includes(kind === 'failure' ? 'FAILURE' : kind === 'delay' ? 'DELAY' : 'SUCCESS');
}

/** What the report says about one recipient, from its record and its last outcome in the timeline. */
function recipientFacts(
  kind: DsnKind,
  r: RecipientRecord,
  events: EventRecord[],
  willRetryUntil: number,
  now: number,
  explain?: (input: ResponseInput) => string | null,
): DsnRecipient {
  const mine = events.filter((e) => e.recipientId === r.id);
  // A delay about a recipient we delivered is a later server's notice (to our VERP address), passed on: its
  // words are the notice's.
  if (kind === 'delay' && r.state === 'delivered') return passedOnDelay(r, mine, explain);
  const outcome = [...mine].reverse().find((e) => OUTCOMES.has(e.kind)) ?? null;
  const inTransaction = (e: EventRecord) =>
    e.recipientId === r.id || (e.recipientId == null && Array.isArray(e.detail?.recipient_ids) && (e.detail.recipient_ids as unknown[]).includes(r.id));
  const remoteMta = outcome?.remoteHost ?? [...events].reverse().find((e) => e.kind === 'phase' && e.remoteHost && inTransaction(e))?.remoteHost ?? null;

  const code = outcome?.code ?? r.lastCode;
  const enhanced = outcome?.enhanced ?? r.lastEnhanced;
  // The server's own words for Diagnostic-Code (RFC 3464 §2.3.6), without a status it did not give.
  const quoted = outcome?.detail?.status_inferred === true ? null : enhanced;
  const text = outcome?.text ?? r.lastText;
  // An expired recipient is explained by its expiry, not by its last deferral's "we will retry".
  const expiry = r.state === 'expired' ? [...mine].reverse().find((e) => e.kind === 'expired') : undefined;
  const stored =
    typeof expiry?.detail?.explanation === 'string'
      ? expiry.detail.explanation
      : typeof outcome?.detail?.explanation === 'string'
        ? outcome.detail.explanation
        : null;
  const explanation =
    stored ??
    (explain && (code != null || text)
      ? safe(() => explain({ phase: outcome?.phase ?? null, code, enhanced, text }))
      : kind === 'delay' && r.attempts === 0
        ? r.leaseUntil !== null && r.leaseUntil > now
          ? FIRST_TRY_UNDER_WAY
          : NOT_TRIED_YET
        : null);
  const expired = r.state === 'expired';
  const valid = enhanced && ENHANCED.test(enhanced) ? enhanced : null;
  // A failed recipient's Status is of class 4 or 5 (RFC 3463 §2), whatever a confused reply quoted.
  const failing = valid && !valid.startsWith('2.') ? valid : null;

  let action: DsnRecipient['action'];
  let status: string;
  if (kind === 'failure') {
    action = 'failed';
    // Expired: the last temporary reason (as Postfix reports it), else "delivery time expired".
    status = failing ?? (expired ? '4.4.7' : code != null && code >= 400 && code < 500 ? '4.0.0' : '5.0.0');
  } else if (kind === 'delay') {
    action = 'delayed';
    status = valid?.startsWith('4.') ? valid : '4.0.0';
  } else {
    // "relayed", not "delivered": we handed it to the next server over SMTP; only that server (or a
    // later one) delivers into the mailbox (RFC 3464 §2.3.3).
    action = 'relayed';
    status = valid?.startsWith('2.') ? valid : '2.0.0';
  }

  return {
    address: r.address,
    orcpt: r.orcpt,
    action,
    status,
    diagnostic: code != null || text ? { code, enhanced: quoted, text } : null,
    remoteMta,
    lastAttemptAt: outcome?.at ?? null,
    willRetryUntil: kind === 'delay' ? willRetryUntil : null,
    explanation,
    expired,
  };
}

/** A later server's delay notice about a recipient we delivered, as our report passes it on. */
function passedOnDelay(r: RecipientRecord, mine: EventRecord[], explain?: (input: ResponseInput) => string | null): DsnRecipient {
  const notice = [...mine].reverse().find((e) => e.kind === 'delayed') ?? null;
  const code = notice?.code ?? null;
  const text = notice?.text ?? null;
  const enhanced = notice?.enhanced && ENHANCED.test(notice.enhanced) ? notice.enhanced : null;
  const stored = typeof notice?.detail?.explanation === 'string' ? notice.detail.explanation : null;
  const reportedBy = typeof notice?.detail?.reporting_mta === 'string' ? notice.detail.reporting_mta : null;
  const remote = typeof notice?.detail?.remote_mta === 'string' ? notice.detail.remote_mta : (notice?.remoteHost ?? null);
  return {
    address: r.address,
    orcpt: r.orcpt,
    action: 'delayed',
    status: enhanced?.startsWith('4.') ? enhanced : '4.0.0',
    diagnostic: code != null || text ? { code, enhanced, text } : null,
    remoteMta: remote,
    lastAttemptAt: null,
    willRetryUntil: null,
    explanation: delayExplanation(stored, code, enhanced, text, explain),
    reportedBy,
  };
}

/**
 * A delay notice's explanation. X.4.7 ("delivery time expired") is how sendmail marks its delay warnings too: read
 * as the failure it names elsewhere it would tell the sender delivery was given up, in a notice saying it goes on.
 */
function delayExplanation(
  stored: string | null,
  code: number | null,
  enhanced: string | null,
  text: string | null,
  explain?: (input: ResponseInput) => string | null,
): string | null {
  if (enhanced?.endsWith('.4.7')) return 'The receiving mail system has held the message a long time without delivering it yet, and is still trying.';
  return stored ?? (explain && (code != null || text) ? safe(() => explain({ phase: 'dsn', code, enhanced, text })) : null);
}

function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return address.slice(at + 1).toLowerCase();
}

/** An explanation is a courtesy: a classifier error must not cost the sender the report. */
function safe(fn: () => string | null): string | null {
  try {
    return fn();
  } catch {
    return null;
  }
}
