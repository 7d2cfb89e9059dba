/**
 * What the bounce parser makes of one inbound mail. This is also the documented, stable JSON shape of
 * `mailtrail parse-bounce --json` (docs/bounces.md, "mailtrail parse-bounce"): change it only with a note.
 */
import type { Category } from '../classify/types.js';

export type InboundKind = 'bounce' | 'delay' | 'delivery-report' | 'auto-reply' | 'complaint' | 'not-a-bounce';
export type ReportFormat = 'rfc3464' | 'arf' | 'non-standard';

/**
 * How certain a recipient's classification is, which decides suppression under the `high-confidence`
 * policy (docs/bounces.md, "Evidence and confidence"):
 *   high    the receiving server's own words or its own status said it, at a stage that judges the address
 *   medium  only the reporting MTA's Status field, or a phrase found elsewhere in the notice
 *   low     nothing recognised, or signals that disagree (a "user unknown" under a 5.7.x policy status, or
 *           from a content-filtering gateway)
 */
export type Confidence = 'high' | 'medium' | 'low';

/** Which line of the report decided the classification. */
export interface Evidence {
  /**
   * `diagnostic`: the recipient's Diagnostic-Code or the notice's line about it; `status`: the Status field
   * alone; `notice`: a phrase elsewhere in the notice, or the sending MTA's own category of the failure
   * (PowerMTA's X-PowerMTA-BounceCategory), when the diagnostic said nothing recognisable; `none`.
   */
  source: 'diagnostic' | 'status' | 'notice' | 'none';
  /** The classifier rule that fired (`wording:user-unknown`, `enhanced:X.1.1`, `default:dsn/5`…). */
  rule: string;
  /** The deciding text (at most 200 characters), or null. */
  text: string | null;
}

export interface ParsedRecipient {
  /**
   * The address we sent to, as far as the report tells: Original-Recipient, the address a notice says the
   * failed one was forwarded or expanded from, or the returned message's own recipient; else the failed
   * address (Final-Recipient, or found in the text).
   */
  address: string | null;
  /** The address delivery finally failed for (Final-Recipient, or the notice's failed address), when known. */
  final_recipient?: string | null;
  /** RFC 3464 Action (failed, delayed, delivered, relayed, expanded), or inferred. */
  action: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded' | null;
  /** RFC 3463 status, as given or derived from the text. */
  status: string | null;
  /** Diagnostic-Code text or the MTA's explanation. */
  diagnostic: string | null;
  category: Category | null;
  /** The address itself is bad (suppress). */
  hard: boolean | null;
  /** The address as originally given (Original-Recipient, or found as described for `address`), when known. */
  original_recipient?: string | null;
  /** Which line decided `category`/`hard`, and how certain that is. */
  evidence?: Evidence;
  /** The plain-English explanation of that deciding reading (the classifier's, for the same line). */
  explanation?: string | null;
  confidence?: Confidence;
  /** Extra RFC 3464 per-recipient fields when present. */
  remote_mta?: string | null;
  last_attempt_date?: string | null;
  will_retry_until?: string | null;
  /** SMTP reply code found in the diagnostic, if any. */
  reply_code?: number | null;
}

export interface ParseResult {
  file?: string;
  kind: InboundKind;
  format: ReportFormat | null;
  recipients: ParsedRecipient[];
  original_message_id: string | null;
  envelope_id: string | null;
  reporting_mta: string | null;
  feedback_type: string | null;
  arrival_date?: string | null;
  /** Reported recipients past the configured limit (`bounces.max_report_recipients`): counted, not parsed. */
  recipients_omitted?: number;
  /** Set instead of a result when the file could not be read or parsed. */
  error?: string;
}

/** A recipient of a report known only by its address (or not even that): nothing else said about it yet. */
export function bareRecipient(address: string | null): ParsedRecipient {
  return { address, action: null, status: null, diagnostic: null, category: null, hard: null };
}

/**
 * The parser could not be run at all (its thread did not start, or is closed for shutdown): nothing is known
 * about the mail, which stays unprocessed and is processed at the next start, rather than kept as unparsable.
 */
export class ParserUnavailable extends Error {
  override name = 'ParserUnavailable';
}

/** What a mail that could not be parsed comes to: not a bounce, with the reason kept. */
export function failedParse(error: string): ParseResult {
  return { kind: 'not-a-bounce', format: null, recipients: [], original_message_id: null, envelope_id: null, reporting_mta: null, feedback_type: null, error };
}
