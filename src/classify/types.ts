/**
 * The classifier's contract: any SMTP reply (synchronous, at a phase) or any reported status
 * (asynchronous, from a bounce) becomes a category, a hard/soft verdict on the address, and one sentence
 * of plain English. Delivery, bounces, query and the API all speak these words.
 */
import type { Phase } from '../types.js';

export const CATEGORIES = [
  'accepted',
  'mailbox-unknown',
  'mailbox-disabled',
  'mailbox-full',
  'mailbox-moved',
  'domain-unknown',
  'no-mail-service',
  'message-too-large',
  'content-or-spam',
  'virus',
  'authentication-policy',
  'reputation-or-blocklist',
  'policy',
  'relay-denied',
  'rate-limited',
  'greylisted',
  'server-busy',
  'tls-required',
  'protocol-error',
  'dns-failure',
  'connection-failure',
  'expired',
  'system-error',
  'unknown',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface ResponseInput {
  /** Where the reply was received; `dsn` for a status reported in a bounce; null if unknown. */
  phase: Phase | 'dsn' | null;
  /** Basic reply code (e.g. 550), if any. */
  code: number | null;
  /** RFC 3463 status (e.g. 5.1.1), if any. */
  enhanced: string | null;
  /** Reply or diagnostic text. */
  text: string | null;
  /** Network/TLS error code when there was no reply (ECONNREFUSED, ETIMEDOUT, ENOTFOUND…). */
  error?: string | null;
  /**
   * For `dsn`: the command the remote server was answering, when the report says so (Postfix "in reply
   * to end of DATA command", Exim "after RCPT TO", a sendmail transcript). A "user unknown" after DATA
   * is not a verdict on the address. When absent, classify() looks for those phrases in `text`.
   */
  reportedPhase?: Phase | null;
}

export interface Classification {
  category: Category;
  /** true: do not retry (5xx or a permanent status); false: retry later; null: success. */
  permanent: boolean | null;
  /** true: the address itself is bad (suppress it). Independent of `permanent`. */
  hard: boolean;
  /** The enhanced status given, or one derived from the code/wording when none was given. */
  enhanced: string | null;
  /** One sentence for a support person who is not an SMTP expert; takes the phase into account. */
  explanation: string;
  /** Which rule matched (for "why was this classified so?"): `enhanced:5.1.1`, `provider:gmail-…`, `code:550`… */
  rule: string;
}
