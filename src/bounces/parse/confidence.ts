/**
 * How much a recipient's classification can be trusted, from where its evidence came and whether the
 * report's signals agree. Suppression can require `high` (config `bounces.suppress_on`): a "user unknown"
 * that a content filter wrote, or one under a 5.7.x policy status, is often a policy refusal in disguise.
 * The verdict itself is left alone (the words still beat the status); only its confidence drops.
 */
import type { Classification } from '../../classify/types.js';
import type { Confidence, Evidence } from '../types.js';

/**
 * Content-filtering gateways that answer for the real server, often after reading the message, in words
 * borrowed from it ("user unknown"): their verdict says little about the mailbox.
 */
const FILTER_GATEWAY = [
  'active!hunter',
  'surfcontrol',
  'mailfoundry',
  'mxlogic',
  'mcafee',
  'webshield',
  'interscan',
  'mailmarshal',
  'symantec mail security',
  'puremessage',
  'amavis',
  'content filter',
  'content-filter',
];

/** One scan of the text for any of the names (a whole notice is read per hard verdict, so it must be cheap). */
const FILTER_GATEWAY_RE = new RegExp(FILTER_GATEWAY.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');

function namesFilter(text: string | null): boolean {
  return text !== null && FILTER_GATEWAY_RE.test(text);
}

const BARE_INVALID_RECIPIENT = /(?:^|[\s:;])[45]\d\d Invalid recipient(?::? ?<[^<>\s]*>)?\s*(?:\(in reply to [^()]*\))?\s*$/i;

export interface ConfidenceInput {
  classification: Classification;
  evidence: Evidence;
  /** The status the recipient ends up with (given or derived). */
  status: string | null;
  /** The diagnostic and the notice's own text, for signals about who answered (read only for hard verdicts). */
  diagnostic: string | null;
  context: string | null;
}

export function confidenceOf({ classification: c, evidence, status, diagnostic, context }: ConfidenceInput): Confidence {
  if (c.category === 'unknown' || evidence.source === 'none' || c.rule.startsWith('default:') || c.rule.startsWith('code:')) return 'low';
  if (c.hard) {
    // Words of a missing mailbox under a policy (5.7.x) or mailbox-state (5.2.x: disabled, full) status: the
    // two disagree about what happened.
    if (c.category === 'mailbox-unknown' && /^[45]\.[27]\./.test(status ?? '') && !c.rule.startsWith('provider:')) return 'low';
    if (namesFilter(diagnostic) || namesFilter(context)) return 'low';
    // A bare "550 Invalid recipient: <ann@…>": OpenSMTPD answers so for any recipient its rules refuse, unknown or
    // not (relaying, a reject rule, a sender it refuses): it says no, not why.
    if (c.category === 'mailbox-unknown' && BARE_INVALID_RECIPIENT.test(diagnostic ?? '')) return 'medium';
  }
  // "Access denied", "not allowed": says no, not why (Postfix's access-map text is that too, whatever it is used for).
  if (evidence.source === 'diagnostic' && c.rule !== 'wording:access-denied' && c.rule !== 'provider:recipient-access-denied') return 'high';
  return 'medium';
}
