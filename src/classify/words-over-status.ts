/**
 * A status that says the address does not exist (X.1.1, X.1.2) against words that name another cause: the
 * words win. The status is often a reporting MTA's summary, a loose annotation or a server's one code for every
 * refusal at RCPT ("550 5.1.1 Mailbox full", "550 5.1.1 Relaying denied", "550 5.1.1 Sender address rejected:
 * Domain not found"), while the words are the server's own statement; reading the status would suppress an
 * address that exists. Read the same way by the classifier for a live reply and for a bounce's diagnostic.
 */
import { OUR_HOST_REFUSED, SENDER_CHECKS, UNKNOWN_USER_RE } from './rules.js';
import type { Classification } from './types.js';

/**
 * Categories whose words name another cause than a missing address: the mailbox exists (full, disabled), the
 * message is too big, or it is our side that was refused (relaying, our IP blocked). They beat a status that
 * says the address does not exist, as the wording lists that Sisimai lets outrank a 5.1.1 also say (its
 * MailboxFull, MesgTooBig, Suspend, NoRelaying, Blocked); spam, rate and authentication words do not.
 */
const ANOTHER_CAUSE: ReadonlySet<string> = new Set([
  'mailbox-full',
  'mailbox-disabled',
  'mailbox-moved',
  'message-too-large',
  'relay-denied',
  'reputation-or-blocklist',
]);
/** Rules that say our sender or our server's name was refused, not the address. */
const SENDER_REFUSED: ReadonlySet<string> = new Set(['wording:sender-rejected', 'wording:reverse-dns', 'wording:helo-rejected', 'wording:loop']);
/**
 * Wording families that name our side (our IP or host, our envelope sender, our domain's SPF/DKIM/DMARC):
 * they too beat a no-such-address status, but only when the text does not also say that the recipient is
 * unknown (a server may append its checks' results to a "user unknown").
 */
const OUR_SIDE: ReadonlySet<string> = new Set(['wording:our-host-refused', 'wording:sender-checks', 'wording:dkim-spf-dmarc', 'wording:list-post-refused']);

/** Words without which none of those readings, nor a failed-for-now one, is possible (spares a second classification). */
const EXISTS_OR_SENDER_WORDS =
  /full|quota|space|storage|exceed|disabled|suspend|inactive|frozen|hold|locked|deactivated|expired|sender|dns|name ?server|servfail|lookup|resolution|timed? ?out|try again|temporar|retry|failing|\bfrom:? (?:address )?domain|plein|voll|lleno|cheia|piena|переполнен|заполнен|relay|block|listed|reputation|banned|too (?:big|large)|size|taille|limit|reverse|\bptr\b|hostname|helo|ehlo|\bpost\b|archiv|too many messages|8-?bit|header|rfc ?(?:5322|2822|822)|bare (?:lf|cr|linefeed)|gateway|not local|handle mail|rcpthost|non-?local|\bspf\b|dkim|dmarc|client ip|not accepting|service refus|too much mail|to post\b|loops? back|\bloop\b|tried all mxs|pełn|plná|zablokowan|zablokován|заблокирован|t[äa]ynn|\bfuld\b|\bvol\b|사서함|已满|不足/i;

/**
 * The way a reporting MTA introduces the remote server's reply (Postfix's "host mx.example[192.0.2.1] said:", Exim's
 * "host mx.example [192.0.2.1]" on a line of its own, qmail's "Remote host said:"): its "host" is no word of the reply.
 */
const REPORTING_PREFIX = /\bhost \S+ ?\[[^\]\s]*\](?: said)?:?|\bremote host said:/gi;

/** Words naming a mailbox or user (not a domain). */
const MAILBOX_WORDS = /\b(?:mail ?box|user|recipient|account)\b/i;

/** Categories whose words say a lookup or connection failed for now: they beat an unknown-domain status. */
const DOMAIN_MAY_EXIST: ReadonlySet<string> = new Set(['dns-failure', 'connection-failure', 'expired']);

/** Enhanced statuses quoted in a text (`550 5.1.1 …`, `(#5.1.1)`), removed to read its words alone. */
const STATUS_IN_TEXT = /(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?![\d.])/g;

/**
 * The classification by the words alone when they name another cause than the missing address or domain its
 * no-such-address status (`c`, decided by an `enhanced:` rule) says; else null. `reclassify` reads a text
 * without its statuses.
 */
export function wordsOverStatus(c: Classification, text: string, reclassify: (words: string) => Classification): Classification | null {
  if (!c.hard || !c.rule.startsWith('enhanced:')) return null;
  // X.1.10 is RFC 7505's null MX, and also Microsoft's status for a recipient it does not have
  // (RESOLVER.ADR.RecipientNotFound): with no-such-user words, it is the latter.
  if (c.rule === 'enhanced:X.1.10' && UNKNOWN_USER_RE.test(text)) {
    const byWording = reclassify(text.replace(STATUS_IN_TEXT, ''));
    return byWording.category === 'mailbox-unknown' ? byWording : null;
  }
  // X.1.2 (bad destination system) under words about the mailbox ("550 5.1.2 No such mailbox", "Mailbox does not
  // exist"): the domain's own server answered, about the mailbox. Hard either way; the category says which.
  if (c.rule === 'enhanced:X.1.2' && MAILBOX_WORDS.test(text) && !/\bdomain\b|\bhost\b/i.test(text.replace(REPORTING_PREFIX, ''))) {
    const byWording = reclassify(text.replace(STATUS_IN_TEXT, ''));
    if (byWording.category === 'mailbox-unknown') return byWording;
  }
  if (!EXISTS_OR_SENDER_WORDS.test(text) && !OUR_HOST_REFUSED.test(text) && !SENDER_CHECKS.test(text)) return null;
  const byWording = reclassify(text.replace(STATUS_IN_TEXT, ''));
  if (OUR_SIDE.has(byWording.rule)) return UNKNOWN_USER_RE.test(text) ? null : byWording;
  if (ANOTHER_CAUSE.has(byWording.category) || SENDER_REFUSED.has(byWording.rule)) return byWording;
  // Words about the message's format ("improper use of 8-bit data in message body", "multiple Cc headers") under a
  // no-such-address status: the message was refused, not the address (unless the words are about an address).
  if (byWording.rule === 'wording:not-rfc-compliant' && !/\baddress/i.test(text.replace(REPORTING_PREFIX, ''))) return byWording;
  // An unknown-domain status (X.1.2) over words of a lookup that failed for now (SERVFAIL, a timeout, "try again")
  // or of hosts that kept failing: the domain may well exist. (5.4.4, "unable to route", still decides: Postfix
  // gives it to a malformed name server reply only when the MX data itself is invalid, and bounces at once; a
  // reply it could not parse gets 4.4.3 and is deferred.)
  if (c.rule === 'enhanced:X.1.2' && (DOMAIN_MAY_EXIST.has(byWording.category) || byWording.rule === 'wording:table-lookup-failure')) return byWording;
  return null;
}

/** Statuses about the protocol or the message's format (X.5.x, X.6.x), read as such when their words say nothing more. */
const FORMAT_STATUS = /^enhanced:X\.[56]\./;
/** What a protocol or format status means by itself (not a reading its own words already gave: a filter's refusal). */
const GENERIC_READING: ReadonlySet<string> = new Set(['protocol-error', 'content-or-spam']);
/** An MTA's framing of any refusal ("<ip> does not like recipient."), no words of the server's. */
const FRAMING_RULES: ReadonlySet<string> = new Set(['wording:qmail-rcpt-refused']);
/** The recipient's mailbox named by its own state: these words are what the server meant, not its protocol status. */
const MAILBOX_STATE: ReadonlySet<string> = new Set(['mailbox-unknown', 'mailbox-full', 'mailbox-disabled', 'mailbox-moved']);
/** Those, and a rate limit on the recipient ("451 4.5.1 The recipient <…> has exceeded their message rate limit"). */
const OVER_FORMAT: ReadonlySet<string> = new Set([...MAILBOX_STATE, 'rate-limited']);

/**
 * A protocol or format status (X.5.x, X.6.x) under words about the recipient's mailbox or a rate limit on it ("550 receiptor's mailbox is
 * full(#5.5.4)", "550 5.5.1 User unknown"): some servers give one such status to every refusal; the words say which.
 * Only an MTA's or provider's wording decides, never a code or a vague refusal.
 */
export function wordsOverFormatStatus(c: Classification, text: string, reclassify: (words: string) => Classification): Classification | null {
  if (c.hard || !FORMAT_STATUS.test(c.rule) || !GENERIC_READING.has(c.category) || !MAILBOX_WORDS.test(text)) return null;
  const byWording = reclassify(text.replace(STATUS_IN_TEXT, ''));
  if (!OVER_FORMAT.has(byWording.category) || !/^(?:wording|provider):/.test(byWording.rule) || FRAMING_RULES.has(byWording.rule)) return null;
  return byWording;
}
