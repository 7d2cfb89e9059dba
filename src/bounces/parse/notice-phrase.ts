/**
 * A notice's own reason line. Some notices give a recipient no words of its own ("550 Unable to deliver",
 * a bare 5.0.0) and state the reason elsewhere, in a line of the notice ("The recipient mailbox does not
 * exist", "Host not found"): the first such line that a provider's or an MTA's wording rule recognises.
 */
import { classify } from '../../classify/classify.js';
import type { Classification } from '../../classify/types.js';

/** How much of a notice is searched for a reason phrase, and the words such a phrase has (a cheap filter). */
const NOTICE_MAX = 12_000;
const REASON_WORDS =
  /unknown|exist|invalid|not found|no such|full|quota|disabled|suspend|inactive|expired|denied|refused|reject|block|spam|host|domain|relay|timed? ?out|too (?:large|big)|size|loop|not (?:allowed|permitted|accepted)|unavailable|unrouteable|illegal/i;

/**
 * The first recognised reason among the notice's own lines: a provider's or an MTA's wording (not a
 * default, not a bare "denied"). Only lines with a reason word are classified, so a notice costs a few
 * classifier calls.
 */
export function phraseInNotice(context: string, code: number | null, given: string | null): { classification: Classification; text: string } | null {
  const enhanced = given?.endsWith('.0.0') ? null : given;
  for (const line of context.slice(0, NOTICE_MAX).split('\n')) {
    if (line.length < 8 || line.length > 400 || !REASON_WORDS.test(line)) continue;
    const c = classify({ phase: 'dsn', code, enhanced, text: line });
    if ((c.rule.startsWith('wording:') || c.rule.startsWith('provider:')) && c.rule !== 'wording:access-denied')
      return { classification: c, text: line.trim() };
  }
  return null;
}
