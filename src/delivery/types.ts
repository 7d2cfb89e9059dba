/**
 * The contract between the queue (which decides what to send and records the outcome) and delivery
 * (which makes one attempt and reports what every server said). Delivery writes nothing itself: the
 * queue records the report's phases and outcomes in one transaction.
 */
import type { Classification } from '../classify/types.js';
import type { MessageRecord, NotifyKeyword, Phase } from '../types.js';
import type { UnresponsiveAddress } from './unresponsive-hosts.js';

export interface DeliveryRecipient {
  /** Internal recipient row id. */
  id: number;
  address: string;
  notify: NotifyKeyword[] | null;
  orcpt: string | null;
  /** The number this attempt will have for this recipient (attempts so far + 1). */
  attempt: number;
}

/** One transaction's worth of work: one message, one destination domain, one or more recipients. */
export interface DeliveryJob {
  message: MessageRecord;
  /** The raw message as stored (X-Mailtrail-Tag already removed at intake). */
  raw: Buffer;
  /** Lower-cased destination domain shared by all recipients of the job. */
  domain: string;
  recipients: DeliveryRecipient[];
  /** MAIL FROM for this transaction: the original sender or a VERP address ('' = null sender). */
  envelopeFrom: string;
  /**
   * Whether the queue still holds the recipients' claims. Asked right before the message is sent: a relay
   * that was frozen past its lease (SIGSTOP, a paused VM) must not send what another relay took over.
   */
  stillClaimed?: () => boolean;
  /**
   * The scheduler's connection slot (src/queue/slots.ts): lent back while the attempt waits for DNS or for a
   * busy address, taken again before it connects (or offered to such a lent job while it waits keeping it);
   * `reclaim` false means the relay is stopping.
   */
  slot?: { lend(reason: 'dns' | 'address'): boolean; offer(): void; reclaim(): Promise<boolean> };
}

/** One step of the attempt and the server's reply (or the network error that ended it). */
export interface PhaseRecord {
  phase: Phase;
  /** When the step started (ms since epoch). */
  at: number;
  durationMs: number;
  code: number | null;
  enhanced: string | null;
  /** Full reply text, lines joined with '\n', without the code prefixes. */
  text: string | null;
  remoteHost: string | null;
  remoteIp: string | null;
  /** For `rcpt`: which recipient. */
  recipientId?: number | null;
  /** Network/TLS error code when the step failed without a reply (ECONNREFUSED, ETIMEDOUT, ECONNRESET, ETLS…). */
  error?: string | null;
  /** Phase-specific facts: MX list (dns), EHLO extensions, TLS protocol/cipher, port… */
  detail?: Record<string, unknown>;
}

export interface RecipientOutcome {
  recipientId: number;
  outcome: 'delivered' | 'deferred' | 'bounced';
  /** The phase whose reply decided the outcome. */
  phase: Phase;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  remoteHost: string | null;
  remoteIp: string | null;
  /** Set when the connection failed or the reply made no sense after the message had been sent. */
  afterBody?: boolean;
  classification: Classification;
}

export interface AttemptReport {
  startedAt: number;
  finishedAt: number;
  domain: string;
  phases: PhaseRecord[];
  /** Exactly one outcome per job recipient. */
  recipients: RecipientOutcome[];
  /** The host/IP that gave the definite answer, if any. */
  mx: string | null;
  ip: string | null;
  /** The destination signalled throttling (421, 4.7.x rate limit, too many connections). */
  throttled: boolean;
  /**
   * The relay began stopping before any transaction (MAIL) was started: nothing was attempted, so the
   * queue gives the claims back instead of recording an attempt.
   */
  abandoned?: boolean;
  /**
   * Given back (with `abandoned`) because the first address to try was at its connection limit with as many
   * sessions already waiting: the queue leaves the domain for a moment instead of sending the job again at once.
   */
  hostBusy?: boolean;
}

export interface Deliverer {
  /** Makes one attempt. Never throws for remote or network failures: they are outcomes in the report. */
  /**
   * `signal` aborts the attempt (a session awaiting the reply to its message still gets
   * delivery.stop_final_reply_ms); `stopping`: start no new transaction (MAIL), give the job back.
   */
  deliver(job: DeliveryJob, signal?: AbortSignal, stopping?: AbortSignal): Promise<AttemptReport>;
  /** The mail server addresses this process skips or probes because they did not answer (unresponsive-hosts.ts). */
  unresponsive(): UnresponsiveAddress[];
  /** Closes pooled connections. */
  close(): Promise<void>;
}
