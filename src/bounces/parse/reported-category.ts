/**
 * A sending MTA's own classification of the reply, written into its report: PowerMTA's per-recipient
 * `X-PowerMTA-BounceCategory` (its documented bounce categories, decided by its own patterns over the same
 * reply). Read only where the reply and the notice say nothing the rules recognise (RFC 5321's stock
 * "mailbox unavailable" under a bare 5.0.0): the words, where there are any, still decide.
 */
import { classify } from '../../classify/classify.js';
import type { Classification } from '../../classify/types.js';

/** Each category as the words that say it, so that it reads (and is explained) as those words are. */
const POWERMTA: Record<string, string> = {
  'bad-mailbox': 'mailbox does not exist',
  'bad-domain': 'domain does not exist',
  'inactive-mailbox': 'mailbox is disabled',
  'quota-issues': 'mailbox full',
  'message-expired': 'message expired',
  'no-answer-from-host': 'connection timed out',
  'bad-connection': 'connection refused',
  'routing-errors': 'mail loop',
  'policy-related': 'denied by policy',
  'spam-related': 'message rejected as spam',
  'virus-related': 'virus detected',
  'content-related': 'content rejected',
  'protocol-errors': 'improper sequence of commands',
  'relaying-issues': 'relaying denied',
  'invalid-sender': 'sender address rejected',
  'bad-configuration': 'configuration error',
};

/** The reading of a reported category, with the field as its evidence; null for one not known (`other`). */
export function readReportedCategory(
  reported: string | null | undefined,
  code: number | null,
  given: string | null,
): { classification: Classification; text: string } | null {
  const words = reported ? POWERMTA[reported.trim().toLowerCase()] : undefined;
  if (!words) return null;
  const classification = classify({ phase: 'dsn', code, enhanced: given?.endsWith('.0.0') ? null : given, text: words });
  return classification.category === 'unknown' ? null : { classification, text: `X-PowerMTA-BounceCategory: ${reported!.trim()}` };
}
