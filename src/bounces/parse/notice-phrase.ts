/**
 * A notice's own reason line. Some notices give a recipient no words of its own ("550 Unable to deliver",
 * a bare 5.0.0) and state the reason elsewhere, in a line of the notice ("The recipient mailbox does not
 * exist", "Host not found"): the first such line that a provider's or an MTA's wording rule recognises.
 */
import { classify } from '../../classify/classify.js';
import type { Classification } from '../../classify/types.js';

/**
 * How much of a notice is searched for a reason phrase, and the words such a phrase has (a cheap filter; also
 * the localized "not found" of Gmail's headings in its senders' languages).
 */
const NOTICE_MAX = 12_000;
const REASON_WORDS =
  /unknown|exist|invalid|not found|no such|full|quota|exceed|disabled|deactivat|suspend|inactive|expired|denied|refused|reject|block|spam|host|domain|relay|timed? ?out|socket|connect|unreachable|virus|greylist|too many|rate limit|reputation|spf|dmarc|dkim|moved|banned|too (?:large|big)|size|loop|not (?:allowed|permitted|accepted)|unavailable|unrouteable|illegal|introuvable|nicht gefunden|no encontrad|non trovat|n[aã]o encontrad|не найден|見つかりません|找不到|不存在|拒绝|拒收|已满|超出|超过|黑名单|存在しません|拒否|容量|존재하지|찾을 수 없|차단|거부|용량|초과|제한|bounced by/i;

/**
 * The notice's units to classify: each line, and after the lines of a short paragraph the paragraph joined
 * into one line, since notices wrap their sentences ("… because the destination computer was" / "not found.").
 * A line's own reason comes first: the paragraph may also quote a status that is not the reason's.
 */
function units(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\n[ \t]*\n/)) {
    if (CAUSES_LISTED.test(paragraph)) continue;
    const lines = paragraph.split('\n').filter((line) => !DATA_REFUSED_FOR_RCPT.test(line) && !OUR_SUBJECT.test(line));
    out.push(...lines);
    if (lines.length > 1 && paragraph.length <= PARAGRAPH_MAX) out.push(lines.join(' ').replace(/\s+/g, ' '));
  }
  return out;
}

/**
 * A pipelined transcript's answer to DATA after every RCPT was refused (`<<< 503 5.0.0 Need RCPT
 * (recipient)`, `<<< 554 no valid recipients`): it says why DATA failed, not why the recipient did.
 */
const DATA_REFUSED_FOR_RCPT = /^[\s>]*<<<\s*5\d\d[ -][^\n]*\b(?:RCPT|recipients?)\b/i;

/**
 * A line quoting our message's subject (Exim's "The subject of the message is: …", a "Subject: …" line of the
 * notice's summary): our words, whatever they say ("Re: your mailbox is full"), not the notice's reason.
 */
const OUR_SUBJECT =
  /^[\s>]*(?:the subject of the message is|subject|betreff|objet|asunto|oggetto|onderwerp|assunto|temat|předmět|тема|件名|主题|主旨|제목)\s*[:：]/i;

/**
 * A site's general advice above every notice ("Common reasons: the address was mistyped, the mailbox is full, or the
 * account has been disabled", Sendmail's ErrorHeader, a help desk's preamble): a list of what may happen, no reason.
 */
const CAUSES_LISTED = /\b(?:common|possible|typical|usual|frequent) (?:reasons?|causes?)\b/i;

/** A link in a notice's line. */
const URL = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;

/** A paragraph up to this long is also classified whole (a wrapped sentence or two). */
const PARAGRAPH_MAX = 400;

/**
 * The first recognised reason among the notice's own lines: a provider's or an MTA's wording (not a
 * default, not a bare "denied"). Only lines with a reason word are classified, so a notice costs a few
 * classifier calls.
 */
export function phraseInNotice(context: string, code: number | null, given: string | null): { classification: Classification; text: string } | null {
  const enhanced = given?.endsWith('.0.0') ? null : given;
  for (const line of units(context.slice(0, NOTICE_MAX))) {
    // (A reason word only inside a link is a help page's name, "…/authentification-email-spf-dkim", no reason.)
    if (line.length < 8 || line.length > 400 || !REASON_WORDS.test(line.includes('://') ? line.replace(URL, ' ') : line)) continue;
    const c = classify({ phase: 'dsn', code, enhanced, text: line });
    if ((c.rule.startsWith('wording:') || c.rule.startsWith('provider:')) && c.rule !== 'wording:access-denied')
      return { classification: c, text: line.trim() };
  }
  return null;
}
