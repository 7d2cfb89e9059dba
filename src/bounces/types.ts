/**
 * What the bounce parser makes of one inbound mail. This is also the documented, stable JSON shape of
 * `mailtrail parse-bounce --json` (docs/bounces.md, "mailtrail parse-bounce"): change it only with a note.
 */
import type { Category } from '../classify/types.js';

export type InboundKind = 'bounce' | 'delay' | 'delivery-report' | 'auto-reply' | 'complaint' | 'not-a-bounce';
export type ReportFormat = 'rfc3464' | 'arf' | 'non-standard';

export interface ParsedRecipient {
  /** The failed address (Final-Recipient, else Original-Recipient, else found in the text). */
  address: string | null;
  /** RFC 3464 Action (failed, delayed, delivered, relayed, expanded), or inferred. */
  action: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded' | null;
  /** RFC 3463 status, as given or derived from the text. */
  status: string | null;
  /** Diagnostic-Code text or the MTA's explanation. */
  diagnostic: string | null;
  category: Category | null;
  /** The address itself is bad (suppress). */
  hard: boolean | null;
  /** Extra RFC 3464 per-recipient fields when present. */
  original_recipient?: string | null;
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
