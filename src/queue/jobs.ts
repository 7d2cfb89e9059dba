/**
 * From claimed recipients to SMTP transactions: which recipients share one MAIL FROM … DATA, and with
 * which return path. Pure: the scheduler loads the messages and hands them in.
 */
import type { Config } from '../config/schema.js';
import type { MessageRecord, RecipientRecord } from '../types.js';
import { verpAddress } from '../verp/token.js';

/** A claimed transaction: one message, one destination domain, one or more recipients. */
export interface Job {
  message: MessageRecord;
  domain: string;
  recipients: RecipientRecord[];
  envelopeFrom: string;
  /** When the claim was made (clock time): its lease runs until claimedAt + lease_ms. */
  claimedAt: number;
  /** Until when the claims are known to be held: the claim's lease, moved on by each renewal that kept them all. */
  leaseUntil?: number;
  /** A renewal found some of the claims taken by another worker: the job must not send the message. */
  claimLost?: boolean;
  /** The content, when it was read with the claim (small messages); else read when the job starts. */
  raw?: Buffer;
}

/**
 * Recipients per transaction. RFC 5321 §4.5.3.1.8 makes servers accept at least 100 RCPTs; Postfix
 * sends 50 (smtp_destination_recipient_limit) so that one slow transaction carries less.
 */
export const MAX_RECIPIENTS_PER_JOB = 50;

/**
 * The bounce domain for VERP, or null when this message keeps its original sender (no bounce domain
 * for its sender's domain, no VERP secret, or the null sender).
 */
export function verpDomainFor(message: MessageRecord, config: Pick<Config, 'delivery' | 'bounces'>): string | null {
  // Never rewrite the null sender: a DSN must go out with <> so that it cannot bounce back (RFC 5321 §4.5.5).
  if (message.mailFrom === '') return null;
  const senderDomain = message.mailFrom.slice(message.mailFrom.lastIndexOf('@') + 1).toLowerCase();
  const bounceDomain = config.delivery.bounce_domains[senderDomain] ?? config.delivery.bounce_domains['*'] ?? null;
  if (!bounceDomain || !config.bounces.verp_secret) return null;
  return bounceDomain;
}

/** Groups a claimed batch into transactions; recipients whose message is missing come back as orphans. */
export function groupIntoJobs(
  claimed: RecipientRecord[],
  messages: ReadonlyMap<number, MessageRecord>,
  claimedAt: number,
  config: Pick<Config, 'delivery' | 'bounces'>,
): { jobs: Job[]; orphans: number[] } {
  const jobs = new Map<string, Job>();
  const orphans: number[] = [];
  for (const r of claimed) {
    const message = messages.get(r.messageRowId);
    if (!message) {
      orphans.push(r.id);
      continue;
    }
    const bounceDomain = verpDomainFor(message, config);
    // A VERP return path names exactly one recipient, so a transaction under VERP carries one RCPT:
    // a bounce to b+<token>@… must identify who bounced even when the remote DSN is unparseable.
    // Postfix does the same (one recipient per delivery with VERP). Without VERP, the recipients of a
    // message at one domain share a transaction, as RFC 5321 intends.
    const key = bounceDomain ? `r${r.id}` : `m${r.messageRowId}:${r.domain}`;
    let job = jobs.get(key);
    if (job && job.recipients.length >= MAX_RECIPIENTS_PER_JOB) {
      jobs.set(`${key}:${r.id}`, job); // park the full one under a unique key and start another
      job = undefined;
    }
    if (!job) {
      job = {
        message,
        domain: r.domain,
        recipients: [],
        envelopeFrom: bounceDomain ? verpAddress(config.bounces.verp_secret!, bounceDomain, { recipientId: r.id }) : message.mailFrom,
        claimedAt,
      };
      jobs.set(key, job);
    }
    job.recipients.push(r);
  }
  return { jobs: [...new Set(jobs.values())], orphans };
}
