/**
 * Bounces that are not RFC 3464 reports: plain-text notices written by qmail, Exim, Sendmail, Exchange,
 * Gmail, Yahoo, Courier, Domino and many others. Each MTA's wording is one row of RULES below: how to
 * recognise it, where its report ends and the returned message begins, and how it lists failed
 * recipients. A small engine applies the row; when no row fits, generic patterns (the shapes most MTAs
 * share) do the same job. Rows describe an MTA's format, never one sample mail.
 */

import { LIST_POST_REFUSED } from '../../classify/rules.js';
import { encapsulated, plausibleLength, x400Unwrapped } from './address.js';
import { forwardedFrom } from './forwarded.js';

export interface MtaRule {
  /** The MTA or provider whose wording this is. */
  name: string;
  /** Recognises the notice (tested on the subject line, a newline, then the text). */
  match: RegExp;
  /** Words one of which the notice must contain for `match` to be tried (a plain search first: most notices are not this one). */
  hints?: readonly string[];
  /** Where the returned original message begins; the report is the text before it. */
  original?: RegExp;
  /** Where the report proper begins (text before it is preamble and may mention other addresses). */
  start?: RegExp;
  /** Finds failed recipients in the report; group 1 is the address. Must be global. */
  recipient?: RegExp;
  /** The MTA's explanation when it is written apart from the recipient list; its first group that took part. */
  reason?: RegExp;
  /** The notice says the MTA is still trying (a delay, not a bounce). */
  delayed?: RegExp;
  /** The provider lists its own users by bare name (AOL screen names): this is their domain. */
  bareNamesAt?: string;
  /**
   * The MTA lists a local user by bare name (GroupWise's user id): the address is the returned copy's To or
   * Cc address with that local part (none there: no recipient).
   */
  bareNamesInCopy?: boolean;
  /**
   * The MTA lists recipients under headings that say what became of them (Sendmail: "The following
   * addresses had permanent fatal errors", "… transient non-fatal errors", "… successful delivery
   * notifications"): group 1 of this pattern, tried on each heading line, is present for a heading of
   * delayed recipients, group 2 for one of delivered ones. A recipient takes the last heading above it.
   */
  sections?: RegExp;
}

// A local part's characters: not blanks, brackets or separators, nor the CJK and full-width punctuation that
// Chinese and Japanese notices put right against an address ("地址（jane@…）不存在").
const LOCAL_CHAR = '[^\\s<>()\\[\\]",;:@\\u3000-\\u303f\\uff01-\\uff0f\\uff1a-\\uff20\\uff3b-\\uff40\\uff5b-\\uff65]';
// A domain label's characters: ASCII, and the Latin, Greek and Cyrillic letters of internationalised domain names
// (info@grå.org, as Exim writes the address it was given). Not CJK: Chinese and Japanese notices run their prose
// into the domain ("jane@example.com不存在").
const DOMAIN_CHAR = 'A-Za-z0-9\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u024F\\u0370-\\u03FF\\u0400-\\u04FF';
// The lookbehind starts a local part only where a run of local-part characters starts: without it a long
// run with no @ is rescanned from every position (quadratic on hostile input).
const ADDR = `(?<!${LOCAL_CHAR})${LOCAL_CHAR}+@[${DOMAIN_CHAR}](?:[${DOMAIN_CHAR}-]*[${DOMAIN_CHAR}])?(?:\\.[${DOMAIN_CHAR}](?:[${DOMAIN_CHAR}-]*[${DOMAIN_CHAR}])?)+`;

/** Words one of which each wording of LIST_POST_REFUSED holds. */
const LIST_WORDS = ['list', 'member', 'subscri', 'group', 'organi', 'posting', 'restricted', 'disallowed', 'explicitly'];

export const RULES: MtaRule[] = [
  {
    name: 'qmail',
    match: /This is the qmail-send program|qmail-send program at|I'm afraid I wasn't able to deliver your message/i,
    original: /^--- Below this line is a copy of the message\.?/m,
    recipient: new RegExp(`^<(${ADDR})>:`, 'gm'),
  },
  {
    name: 'yahoo',
    match: /Sorry, we were unable to deliver your message to the following address/i,
    original: /^--- Below this line is a copy of the message\.?/m,
    recipient: new RegExp(`^<(${ADDR})>:`, 'gm'),
  },
  {
    // Also Exim's notice about malformed addresses in a message's headers (subject "Mail failure - malformed
    // recipient address"): one "  <address as written>: <error>" line per address.
    name: 'exim',
    match:
      /could not be delivered to one or more of its\s+recipients|The following address\(es\) failed|Message delivery has been delayed|has not yet been delivered to the following recipients|This message was created automatically by mail delivery software|contained one or more recipient addresses that were\s+incorrectly constructed/i,
    original:
      /^-{3,} ?(?:This is a copy of (?:the|your) message|The body of the message is|The headers of the message|The first \d+ lines of the message|This is a copy of the message's headers)/im,
    recipient: new RegExp(`^ {1,4}<?(${ADDR})>?(?:\\s*$|\\s+\\(|\\s*<[^<>]*>:|:)`, 'gm'),
    delayed:
      /has not yet been delivered to|Message delivery has been delayed|No action is required on your part\. Delivery attempts will continue|This is a temporary error\. The following address\(es\) deferred/i,
  },
  {
    name: 'sendmail',
    match:
      /(?<!-)-{3,} The following addresses? had (?:permanent fatal errors|transient non-fatal errors) -{3,}|(?<!-)-{3,} Transcript of session follows -{3,}/i,
    original: /^-{3,} ?(?:Original message follows|Returned mail follows|Message header follows|Unsent message follows|Original message headers follow)/im,
    // Under its heading an address alone on its line, bare or in angle brackets (then its "(reason: …)" or
    // "(expanded from: …)"), or a transcript's "addr... reason".
    recipient: new RegExp(`^[ \\t]*<?(${ADDR})>?[ \\t]*$|^(?:[45]\\d\\d[ -])?<?(${ADDR})>?\\.\\.\\.`, 'gm'),
    delayed: /transient non-fatal errors|Warning: could not send message for past|will keep trying|Will keep trying/i,
    sections: /^[ \t]*-{3,} The following addresses? had (?:permanent fatal errors|(transient non-fatal errors)|(successful delivery notifications)) -{3,}/i,
  },
  {
    name: 'gmail',
    match:
      /Delivery to the following recipients? (?:failed permanently|has been delayed)|Google tried to deliver your message|Your message wasn't delivered to|The response from the remote server was|^\*\* (?:Address not found|Message not delivered|Message blocked|Delivery incomplete) \*\*/im,
    original: /^-{3,} ?Original message ?-{3,}/im,
    recipient: new RegExp(
      `^[ \\t]{2,}(${ADDR}|${LOCAL_CHAR}+@[A-Za-z0-9-]+)[ \\t]*$|^\\*\\* (?:Address not found|Message not delivered|Message blocked|Delivery incomplete) \\*\\*[\\s\\S]{0,3000}?(?:delivered to|reach)\\s+(${ADDR})`,
      'gm',
    ),
    // Newer notices put the remote answer (or the DNS error) after "The response was:" and a blank line; older ones
    // their own error ("read error: …", "DNS Error: …") under "Technical details of … failure:" (not the sentence that
    // introduces a remote answer quoted further down).
    reason:
      /^[ \t]*(?:The response (?:from the remote server )?was|Technical details of (?:temporary|permanent) failure):[ \t]*\r?\n(?:[ \t]*\r?\n)?[ \t]*(?!Google tried|The error)(\S.*)$/m,
    // Its older warnings head their reason "Technical details of temporary failure:" (failures: "of permanent failure").
    delayed: /has been delayed|will retry|will continue trying|Delivery incomplete|Technical details of temporary failure/i,
  },
  {
    // AOL lists its own members by screen name under "Your mail to the following recipients could not be
    // delivered because …" (they refuse the sender, or mail with attachments).
    name: 'aol',
    match: /Your mail to the following recipients could not be delivered\b/i,
    recipient: new RegExp(`^[ \\t]+((?:${ADDR})|[A-Za-z][A-Za-z0-9._-]{1,31})[ \\t]*$`, 'gm'),
    bareNamesAt: 'aol.com',
  },
  {
    // Novell GroupWise: "The message that you sent was undeliverable to the following:" then one address a
    // line, or a local user's bare id, the reason in parentheses ("user not found"); the returned copy after
    // "Possibly truncated original message follows:".
    name: 'groupwise',
    match: /The message that you sent was undeliverable to the following:/i,
    start: /The message that you sent was undeliverable to the following:/i,
    original: /^[ \t]*Possibly truncated original message follows:?/im,
    recipient: new RegExp(`^[ \\t]+<?(${ADDR}|[A-Za-z0-9][A-Za-z0-9._-]{0,63})>?(?:[ \\t]+\\([^)\\n]*\\))?[ \\t]*$`, 'gm'),
    bareNamesInCopy: true,
  },
  {
    // MMDF (1980s–90s "Mail System"): each address with its host and queue ("jdoe@dest.example (host: dest.example)
    // (queue: smtp)", a UUCP user by bare name), the reason quoted after "for the following reason:"; its warnings
    // ("Waiting mail") say the message "has not yet been fully delivered".
    name: 'mmdf',
    match: /\(host: [^()\n]+\) \(queue: [^()\n]+\)/,
    hints: ['(queue: '],
    original: /^[ \t]*Your message (?:follows|begins as follows):/im,
    recipient: new RegExp(`^[ \\t]*'?(${ADDR}|[A-Za-z0-9][A-Za-z0-9._-]{0,63}) \\(host: [^()\\n]+\\) \\(queue: `, 'gm'),
    reason: /for the following\s+reason:\s*'([^'\n]+)'|^[ \t]*(After \d+ days? \(\d+ hours?\), your message could not be\s+fully delivered)/m,
    delayed: /has not yet been\s+fully delivered|delivery attempts are still pending/i,
    bareNamesInCopy: true,
  },
  {
    // Mimecast: each item of its notice on a line of its own after "-- ": the address under "could not be
    // delivered:", the cause under "The problem appears to be :", the remote reply under "Additional
    // information follows :". Its greeting ("Hello <sender>,") names the sender, not a recipient.
    name: 'mimecast',
    // Its template's own words, case and all: a literal without alternatives or /i is a fast scan, and every
    // row's match is tried on the first 20 KB of every notice.
    match: /An email that you attempted to send to the following address/,
    start: /could not be delivered:/i,
    recipient: new RegExp(`^-- <?(${ADDR})>?[ \\t]*$`, 'gm'),
    reason: /^[ \t]*The problem appears to be ?:[ \t]*\r?\n(?:[ \t]*\r?\n)?-- (\S.*)$/m,
  },
  {
    name: 'google-groups',
    // (Its notices sign "Google Groups" on a line of their own; a group's footer on any mail names it in a sentence.)
    match: /the group you tried to contact \([^)]*\) may not exist|^[ \t]*Google Groups[ \t.]*$/im,
    hints: ['the group you tried to contact', 'Google Groups', 'google groups', 'GOOGLE GROUPS'],
    original: /^-{3,} ?Original message ?-{3,}/im,
  },
  {
    name: 'lotus-notes',
    match: /^-+ *Failure Reasons *-+/m,
    original: /^-+ *Returned Message *-+/m,
    reason: /^-+ *Failure Reasons *-+\s*\n(.+)/m,
    recipient: new RegExp(`^[ \\t]*<?(${ADDR})>?[ \\t]*$`, 'gm'),
  },
  {
    // Microsoft 365's own notice ("Your message to <addr> couldn't be delivered", "More Info for Email Admins"): the
    // remote's reply is its "Reported error:" line, under a "Status code:" that gives only the codes.
    name: 'office365',
    match: /^[ \t]*Reported error:[ \t]*[245]\d\d[ -]/m,
    hints: ['Reported error:'],
    reason: /^[ \t]*Reported error:[ \t]*(\S.*)$/m,
  },
  {
    name: 'exchange',
    start: /did not reach the following recipient|Delivery has failed to these recipients|could not be delivered to|cannot be reached/i,
    match:
      /did not reach the following recipient\(s\)|Delivery has failed to these recipients or groups:|Your message did not reach some or all of the intended recipients|The following recipient\(s\) cannot be reached:|Diagnostic information for administrators:/i,
    original: /^Original message headers:|^-{3,} ?Original message ?-{3,}/im,
    recipient: new RegExp(`^[ \\t]*(?:\\S.*?[ \\t])?[<(]?(?:mailto:)?(${ADDR})[>)]?[ \\t]*(?:on \\d|\\(|$)`, 'gm'),
  },
  {
    name: 'courier',
    match: /This is a delivery status notification from|Courier mail server at|The original message was received at .* from/i,
    original: /^-{3,} ?(?:Original message|Returned message)/im,
    recipient: new RegExp(`^<(${ADDR})>:`, 'gm'),
  },
  {
    name: 'domino',
    match: /Your message\s+.*?was not delivered to:|was not delivered to:\s/is,
    reason: /^because:\s*\n\s*(.+)/m,
    recipient: new RegExp(`was not delivered to:\\s+(?:\\S.*\\n)*?\\s*<?(${ADDR})>?`, 'g'),
  },
  {
    // Its warning says "A message is delayed for more than <time> for the following list of recipients",
    // "only a temporary failure report", "kept in the queue for up to <time>"; its first versions wrote
    // "You ran into a TEMPORARY FAILURE" (or a PERMANENT one) under "This is the MAILER-DAEMON, please DO
    // NOT REPLY to this e-mail".
    name: 'opensmtpd',
    match:
      /An error has occurred while attempting to deliver a message for\s+the following list of recipients|A message is delayed for more than .{1,40}\s+list of recipients|This is the MAILER-DAEMON, please DO NOT REPLY to this e-?mail/i,
    original: /^[ \t]*Below is a copy of the original message:/im,
    recipient: new RegExp(`^(${ADDR}):`, 'gm'),
    delayed:
      /A temporary error has occurred|has not yet been delivered|A message is delayed for more than|only a temporary failure report|kept in the queue for up to|You ran into a TEMPORARY FAILURE/i,
  },
  {
    // Sun Java System / Oracle Communications Messaging Server: the original's header fields first (its To
    // is not the failed address), then one indented block a recipient: "Recipient address:" (as rewritten),
    // "Original address:" (as sent), "Reason:", "Diagnostic code:". A warning says the message "has been
    // enqueued and undeliverable for N days".
    name: 'messaging-server',
    match: /This report relates to a message you sent with the following header fields:/i,
    start: /^Your message (?:cannot be delivered|has been enqueued|has been delayed)|^[ \t]+Recipient address:/im,
    recipient: new RegExp(`^[ \\t]+Recipient address:[ \\t]*<?(${ADDR})>?`, 'gm'),
    delayed: /has been enqueued and undeliverable|will continue (?:to try|trying|attempting)|delivery has been delayed/i,
  },
  {
    name: 'dragonfly',
    match: /This is the DragonFly Mail Agent/i,
    original: /^Message headers follow\.|^Original message follows\./m,
    recipient: new RegExp(`There was an error delivering your mail to <(${ADDR})>`, 'g'),
  },
  {
    name: 'mail.ru',
    match: /письмо не может быть доставлено|Mail failure/i,
    original: /^-{3,} ?This is a copy of the message/im,
    recipient: new RegExp(`^ {1,4}<?(${ADDR})>?\\s*$`, 'gm'),
  },
  {
    name: 'apache-james',
    // Also Verizon's vtext gateway, which runs it.
    match: /^Error message below:|^Message details:\s*$/m,
    recipient: new RegExp(`^[ \\t]*RCPT TO:[ \\t]*<?(${ADDR})>?`, 'gm'),
  },
  {
    name: 'kddi',
    match: /Could not be delivered to:\s*</i,
    recipient: new RegExp(`Could not be delivered to:\\s*<(${ADDR})>`, 'g'),
  },
  {
    // fml answers a post with its own notice: one line a problem, ending with the list address it concerns
    // ("You are not a member of this mailing list <list@…>.", "Duplicated Message-ID in <list@…>."); the
    // "-ctl" address of its help text is not a recipient.
    name: 'fml',
    match: /^Original mail as follows:/m,
    original: /^Original mail as follows:/m,
    recipient: new RegExp(`<(${ADDR})>\\.[ \\t]*$`, 'gm'),
  },
  {
    // A list manager (fml, Mailman, ezmlm, Sympa) refusing a post because of who sent it. The failed
    // recipient is the list address the notice names, not its -help/-ctl/-owner addresses.
    name: 'mailing-list',
    match: LIST_POST_REFUSED,
    // (Every wording of the pattern holds one of these, in some letter case: most notices need no scan with it.)
    hints: LIST_WORDS.flatMap((w) => [w, w[0]!.toUpperCase() + w.slice(1), w.toUpperCase()]),
    // (mlmmj: "managing the <list@…> mailing list", in German "welches die Mailingliste <list@…> verwaltet"; DoList: "You have sent an email to <list@…>".)
    // (Mailman 3: "Your request to the <list@…> mailing list", in its translations "Su solicitud a la lista de correo <list@…>",
    // "Votre requête à la liste de diffusion <list@…>"; in every language its untranslated request line, "Posting of your
    // message titled …", follows the line that names the list.)
    recipient: new RegExp(
      `(?:mailing )?liste?\\s*[<(]?(${ADDR})|(?:lista de correo|liste de diffusion|lista di posta)\\s+<?(${ADDR})|(${ADDR})[^\\n@]*\\n[ \\t]*\\n[ \\t]+Posting of your message titled\\b|managing the\\s+<(${ADDR})>|sent an? (?:e-?mail|message) to\\s+<?(${ADDR})|\\bto the\\s+(${ADDR})\\s+mailing[- ]list\\b`,
      'gi',
    ),
    // The sentence may go on over the next lines ("… verteilt werden, weil sie die maximal erlaubte / Größe von 2500 Bytes
    // überschritten hat"): up to two of them, up to a blank line.
    reason: new RegExp(`^[ \\t]*(.*(?:${LIST_POST_REFUSED.source}).*(?:\\n[ \\t]*\\S.*){0,2})`, 'im'),
  },
  {
    name: 'japanese-carrier',
    match: /ezweb\.ne\.jp|docomo\.ne\.jp|softbank\.ne\.jp|au\.com|宛先不明|のメールアドレスは見つかりませんでした/i,
    recipient: new RegExp(`<(${ADDR})>|^(${ADDR})\\s*$`, 'gm'),
  },
];

/** Generic markers where MTAs start the returned message. */
const ORIGINAL_MARKERS = [
  // One pattern for the dashed headings: each pattern is a scan of the whole notice.
  /^-{2,} ?(?:Below this line is a copy of the message|This is a copy of (?:the|your) message|(?:Original|Returned|Unsent|Undelivered) (?:message|mail)|The (?:original )?(?:header|headers|body) of the (?:original )?message|(?:Message|Original message) headers? follows?)/im,
  /^[ \t]*(?:Original message headers|Message headers follow|Below is a copy of the original message)/im,
  // A heading alone on its line (Verizon's picture-message gateway: "Original Message:" then the headers).
  /^[ \t]*Original message:?[ \t]*\r?$/im,
];

/**
 * "Not delivered yet" and "no need to send it again" in the languages MDaemon, Exchange and others translate their
 * warnings into (Italian MDaemon: "non è stato ancora recapitato", "I tentativi di recapito continueranno").
 */
const DELAY_WORDING_LOCALIZED =
  /non (?:[èe]|e') (?:ancora stato|stato ancora) recapitato|tentativi di recapito continueranno|non [èe] necessario inviare nuovamente|n'a pas encore [ée]t[ée] (?:remis|livr[ée]|distribu[ée])|(?:a[úu]n|todav[íi]a) no (?:se )?ha (?:sido )?entregado|ainda n[ãa]o foi entregue|(?:wurde|ist) noch nicht zugestellt|is nog niet (?:bezorgd|afgeleverd)|nie zosta[łl]a? jeszcze dostarczon/i;

const DELAY_WORDING =
  /\b(?:will (?:keep|continue) (?:trying|to try|attempting)|will retry|still being (?:tried|retried)|has been delayed|not yet been delivered|delivery (?:has been )?delayed|Delivery Status Notification \(Delay\)|still trying|will be (?:retried|re-?attempted)|delivery attempts will continue|(?:is|are) still (?:queued|pending)|not been delivered yet|n'?t been delivered yet|(?:is|are|remains?) pending delivery|will (?:try|attempt) (?:to (?:deliver|send) (?:it |the message |your message )?)?again|delivery will continue to be attempted|will (?:continue to|keep) (?:try|attempt)(?:ing)? to deliver|delivery to '[^'\s]+@[^'\s]+' delayed|technical details of temporary failure|there was a temporary problem delivering (?:your|the|this) message)\b/i;

/**
 * Delay wording specific enough to mark a warning in any format, even one whose own delay words
 * (rule.delayed) are different: a retry period still to come ("will try to deliver the message for another
 * 4 days", "will retry for 46 more hours", SmarterMail's "There will be up to 3 more delivery attempt(s)" and "has
 * temporarily delayed the delivery"), a message that "will be resent" / "tried again", "we'll keep
 * trying", a message still in the queue or queued for retry, "your message is delayed", and the same in
 * German ("bisher nicht zugestellt", "es wird weiter versucht"), French ("n'a pas encore été remis", "de
 * nouvelles tentatives seront effectuées"), Spanish and Italian; a give-up still ahead ("will give up after
 * 5 days"), "could not be delivered yet" or "immediately", a retry deadline ("Retry until:"), a message
 * "has been deferred" or "waiting in the queue", "will be returned to you if it cannot be delivered within".
 * A failure notice says the opposite ("will not be retried", "gave up"), never these.
 */
const RETRY_AHEAD =
  /\b(?:try|trying|retry|retrying|attempt|attempting|deliver|delivering|resend|resending)\b[^.\n]{0,60}?\bfor (?:another|a further|up to|the next) \d+ (?:more )?(?:hours?|days?)\b|\bwill (?:try|attempt) to (?:re-?)?(?:deliver|send)\b(?: (?:it|the message|your message|this message))? (?:for (?:another|a further|up to|the next) \d+|later\b|periodically\b)|\bwill be (?:re-?sent|re-?delivered|re-?queued|(?:re-?)?tried again|attempted again|retried later)\b|(?:\bwe|\bit|\bsystem|\bserver)'ll (?:keep|continue) (?:trying|to try|attempting)\b|\b(?:remains|is still|are still) (?:in|on) (?:the|our) (?:mail |delivery |outgoing )?queue\b|\bqueued for (?:later |further )?(?:delivery|retry|re-?delivery)\b|\b(?:delivery of )?(?:your|the|this) message (?:to \S+ )?(?:is|has been) (?:being |currently )?delayed\b|\bdelivery attempts? (?:are|is) (?:ongoing|in progress)\b|\b(?:bisher|noch) nicht zugestellt\b|\b(?:wurde|ist|wird) verz[öo]gert\b|\bwird (?:weiterhin |weiter |erneut )versucht\b|\bn'a pas encore [ée]t[ée] (?:remis|d[ée]livr[ée])|\bde nouvelles tentatives (?:seront|vont [êe]tre) effectu[ée]es\b|\ba[uú]n no (?:se )?ha (?:sido )?entregado\b|\bse seguir[áa] intentando\b|\bnon [èe] ancora stato consegnato\b|\bdelivery (?:is|is being|has been) (?:deferred|postponed)\b|\b(?:delivery )?attempts? (?:are|is) continuing\b|\bcontinu(?:e|es|ing) (?:attempting|trying|to attempt|to try) (?:delivery|to deliver)\b|\byou will be notified if (?:the|your|this) message (?:cannot|can't|could not) be delivered\b|\bwill give up (?:after|in) \d+\b|\b(?:could not|cannot|can't|couldn't) be delivered yet\b|\bwill retry until\b|^[ \t]*retry until:|\b(?:message|mail) (?:to \S+ )?(?:has been|is) deferred\b|\bcould not be delivered immediately\b|\bwill be returned (?:to you )?if (?:it|delivery|the message|your message)\b|\bif (?:it|the message|your message) (?:cannot|can't|could not|is not|has not been) (?:be )?delivered within\b|\bwaiting in the (?:outgoing |mail |delivery )?queue\b|\b(?:stays|will stay|will remain|is kept) in (?:the|our) (?:mail |delivery |outgoing )?queue\b|\b(?:another|a further|a new|the next) (?:delivery )?attempt will be made\b|\b(?:message|mail) (?:to \S+ )?was deferred\b|\btemporarily delayed (?:the )?delivery\b|\bthere will be (?:up to )?\d+ more (?:delivery )?attempt|\bdo not re-?send (?:your|the|this) message until\b/im;

/**
 * A warning says so in capitals (Postfix, Exchange and others: "THIS IS A WARNING MESSAGE ONLY. YOU DO NOT
 * NEED TO RESEND YOUR MESSAGE."): a delay whatever else the notice's format says.
 */
const WARNING_ONLY =
  /\bwarning\s+(?:message\s+)?only\b|\b(?:only|just)\s+a\s+warning\b|\byou\s+do\s+not\s+need\s+to\s+re-?send\b|\bno\s+action\s+is\s+required\s+on\s+your\s+part\b/i;

/**
 * A subject that names a delay ("Delivery Status Notification (Delay)", "Warning: message … delayed 24 hours"; "verzögert", "différée", "retrasado", "ritardato",
 * "遅延", "延迟", "지연").
 * A "Warning:" subject that itself names a missing user is not one: MDaemon titles its permanent
 * no-such-user notices "Warning: <address> - User unknown!".
 */
const DELAY_SUBJECT =
  /\(delay(?:ed)?\)|:\s*delay(?:ed)?\s*$|\bverz(?:[oö]|oe)gert\b|\bdiff[ée]r[ée]e\b|\bretard[ée]e?s?(?![a-zà-ÿ])|\bretrasad[oa]\b|\britardat[oa]\b|\bvertraagd\b|\brimandat[oa]\b|\batrasad[oa]\b|遅延|延迟|延遲|지연|^\s*(?:warning(?![^\n]*\b(?:user unknown|unknown user|no such user)\b)|delayed? (?:mail|message|delivery))\b|\b(?:mail|message|delivery) (?:has been |is )?(?:delayed|deferred)\b|\bdelayed \d+ (?:hours?|minutes?|days?)\b|\bdelivery delay\b/i;

/**
 * A subject that is a failure notice's title followed by the returned message's own subject, as Exchange
 * and its localisations write it ("Undeliverable: <subject>", "Unzustellbar:", "Non remis :", "Non
 * recapitabile:", "Onbestelbaar:", "Não é possível entregar:", "Недоставляемое сообщение:", "配信不能:", "无法投递:"): the words after the title ("Delivery delayed for order 1234") are not
 * the notice's.
 */
const FAILURE_TITLE =
  /^\s*(?:(?:undeliverable|unzustellbar|nicht zustellbar|non remis|non recapitabile|no se puede entregar|onbestelbaar|olevererbart|n[aã]o [ée] poss[ií]vel entregar)\b|недоставляемое сообщение|配信不能|无法投递)[^:\n]{0,20}:/i;

/**
 * The notice says the MTA is still trying: a warning, not a failure (see DELAY_WORDING, RETRY_AHEAD,
 * WARNING_ONLY, DELAY_SUBJECT). `delayed`: the format's own delay words, when it has them.
 */
export function saysDelayed(subject: string, report: string, delayed?: RegExp): boolean {
  const own = FAILURE_TITLE.test(subject) ? '' : subject;
  // Read first: a failure's own words are common (Postfix's, Exim's, Sendmail's templates) and spare the
  // warning patterns' scans (read last, the parse of the dev corpus was 26 % dearer in this function).
  if (GAVE_UP.test(report.slice(0, 8000))) return false;
  return (
    WARNING_ONLY.test(report.slice(0, 4000)) ||
    DELAY_SUBJECT.test(own) ||
    RETRY_AHEAD.test(report.slice(0, 8000)) ||
    (delayed ? delayed.test(own + '\n' + report) : DELAY_WORDING.test(own + '\n' + report)) ||
    DELAY_WORDING_LOCALIZED.test(report.slice(0, 8000))
  );
}

/**
 * The notice says the MTA has stopped trying, in its own words: Sendmail's heading "The following
 * addresses had permanent fatal errors" and its "Message will be deleted from queue", Exim's "This is a
 * permanent error", Postfix's failure template ("I'm sorry to have to inform you that your message could
 * not be delivered"; its warning says "could not be delivered for more than N hour(s)"), Gmail's "failed
 * permanently", "will not be retried", "gave up". A failure, whatever its subject says or the remote
 * reply it quotes ("we will retry later").
 */
const GAVE_UP =
  /\bhad permanent fatal errors\b|\bI'm sorry to have to inform you that your message could not\s+be delivered\b|\bThis is a permanent error\b|\bfailed permanently\b|\bwill not be (?:retried|re-?attempted)\b|\bMessage will be deleted from queue\b|\b(?:has|have) given up\b|\bgave up\b/i;

/**
 * A report of success, not of a failure: a delivery receipt written as text (Postfix's "Successful Mail
 * Delivery Report": "Your message was successfully delivered to the destination(s) listed below";
 * Exchange's "Delivered:": "Your message has been delivered to the following recipients"; Sendmail's
 * return receipt: "The following addresses had successful delivery notifications"; relay notices: the
 * DSN titled "(Relay)", Messaging Server's "has been relayed to a messaging system which may not provide a
 * final delivery confirmation"), or a subject titled so ("Delivery Status Notification (Success)"; Exchange's "Delivered:"
 * in its users' languages: "Zugestellt:", "Remis :", "Entregado:", "Entregue:", "Recapitato:", "Bezorgd:", "配信済み:").
 */
const SUCCESS_SUBJECT =
  /\((?:success|relay(?:ed)?|delivered)\)|^\s*successful mail delivery report\b|^\s*(?:delivered|zugestellt|remis|entregado|entregue|recapitato|bezorgd|配信済み)\s*[:：]|^\s*return receipt\b/i;
const SUCCESS_TEXT =
  /\bwas successfully delivered to\b|\bEnclosed is the mail delivery report that you requested\b|\b(?:has been|was) delivered to the following recipients?\b|\bhad successful delivery notifications\b|\b(?:has been|was) (?:successfully )?relayed to (?:the following|a messaging system)\b|\bdelivery to the following recipients? (?:was successful|succeeded|was completed)\b|メッセージは次の受信者に配信されました/i;

/**
 * A subject or a text that names a failure: the notice is not a receipt, whatever else it says (a notice
 * about several recipients may report some delivered and others failed).
 */
const FAILURE_SUBJECT =
  /undeliver|returned (?:mail|to sender)|fail|non[- ]?remis|unzustellbar|no se puede entregar|non recapitabile|onbestelbaar|n[aã]o [ée] poss[ií]vel entregar|недоставляемое сообщение|配信不能|无法投递/i;
const FAILURE_TEXT = /could(?: not|n't) be delivered|undeliverable|delivery (?:has )?failed|failed permanently|permanent fatal errors|permanent error/i;

/** The notice reports delivery (or relay) rather than a failure; see SUCCESS_TEXT. */
export function saysDelivered(subject: string, report: string): boolean {
  if (FAILURE_SUBJECT.test(subject)) return false;
  const head = report.slice(0, 4000);
  return (SUCCESS_SUBJECT.test(subject) || SUCCESS_TEXT.test(head)) && !FAILURE_TEXT.test(head);
}

/** Local parts of the senders of notices, never a failed recipient. */
const ROLE_ADDRESS = /^(?:mailer-daemon|postmaster|mail-daemon|maildaemon|daemon|root|bounce[s]?|mdaemon|double-bounce)@/i;
/**
 * A no-reply address: the notice system's own when it is at the domain the notice comes from or goes to (KDDI's
 * "no-reply@…" in its text), otherwise an address like any other (apps do write to other systems' no-reply mailboxes).
 */
const NO_REPLY = /^no-?reply@/i;

export interface TextRecipient {
  address: string;
  /** The address the notice says this one was forwarded or expanded from (the one we sent to), if any. */
  original?: string | null;
  /** The MTA's explanation for this recipient (may be the report's general explanation). */
  diagnostic: string | null;
  /** What the heading it is listed under says became of it (see MtaRule.sections); absent: the notice's word. */
  outcome?: 'failed' | 'delayed' | 'delivered';
}

export interface TextReport {
  rule: string | null;
  recipients: TextRecipient[];
  delayed: boolean;
  /** The notice reports delivery or relay, not a failure (saysDelivered). */
  delivered: boolean;
  /** The report text, the returned message cut off. */
  report: string;
  /** The returned message text, if inline. */
  returned: string;
  /** The text is a person's forward of the mailer daemon's notice (see Notice.forwarded). */
  forwardedNotice: boolean;
}

export function matchRule(subject: string, text: string): MtaRule | null {
  const probe = subject + '\n' + text.slice(0, 20000);
  for (const rule of RULES) if ((!rule.hints || rule.hints.some((h) => probe.includes(h))) && rule.match.test(probe)) return rule;
  return null;
}

/**
 * A returned copy quoted inline from its first header line (Return-Path, Received, Message-ID…, then more header
 * lines), when its header block ends as a message's does, with a blank line (or the notice's end): amavis quotes the
 * message's headers in its own report and goes on right below them ("The message WAS NOT relayed to: <addr>:"),
 * which is no copy. Null when there is none past the start.
 */
const COPY_HEADER_START = /^(?:Return-Path|Received|Message-ID|X-Original-To|Delivered-To): .*\n(?:[ \t].*\n)*(?:[A-Za-z-]+: )/gim;
const MAX_COPY_STARTS = 5;

function copyStart(text: string): number | null {
  COPY_HEADER_START.lastIndex = 0;
  let tries = 0;
  for (let m = COPY_HEADER_START.exec(text); m !== null && tries++ < MAX_COPY_STARTS; m = COPY_HEADER_START.exec(text)) {
    if (m.index > 0 && headerBlockEnds(text, m.index)) return m.index;
    COPY_HEADER_START.lastIndex = text.indexOf('\n', m.index) + 1 || text.length;
  }
  return null;
}

function headerBlockEnds(text: string, from: number): boolean {
  let at = from;
  for (let n = 0; n < 200; n++) {
    const end = text.indexOf('\n', at);
    const line = end < 0 ? text.slice(at) : text.slice(at, end);
    if (line.trim() === '') return true;
    if (!/^[A-Za-z][A-Za-z0-9-]*:/.test(line) && !/^[ \t]/.test(line)) return false;
    if (end < 0) return true;
    at = end + 1;
  }
  return true;
}

function cut(text: string, markers: RegExp[]): { report: string; returned: string } {
  const copy = copyStart(text);
  let at = copy ?? text.length;
  for (const m of markers) {
    let found = m.exec(text);
    let offset = 0;
    // A marker at the very start is not where a returned message begins: look for the next one.
    if (found?.index === 0) {
      offset = text.indexOf('\n') + 1;
      found = offset > 0 ? m.exec(text.slice(offset)) : null;
    }
    if (found && offset + found.index < at && offset + found.index > 0) at = offset + found.index;
  }
  return { report: text.slice(0, at), returned: text.slice(at) };
}

const ADDR_G = new RegExp(ADDR, 'g');

/** Searches of the whole mail for a wrapped address's joined form, per notice (see unwrapped()). */
const MAX_JOIN_CHECKS = 20;

/** Lines below a recipient's own searched for its reply (see replyBelow in recipientsIn). */
const MAX_REPLY_BELOW = 20;

/** Recipients of one notice up to which each one's lines are checked for the others' addresses (a cost per pair). */
const MAX_CROSS_CHECKED = 50;

/** A transcript's line about one address, without a code: `<jane@…>... Deferred: Connection timed out`. */
const ADDRESS_THEN_REASON = /^[ \t]*<?[^\s<>]+@[^\s<>]+>?(?:\.\.\.|:)[ \t]*[A-Za-z]/;

/** Two header lines of a message in a row, at the start of lines: a returned copy's header block. */
const HEADER_BLOCK =
  /^(?:From|To|Cc|Subject|Date|Sender|Reply-To|Return-Path|Received|MIME-Version|Content-Type):[^\n]*\n(?:[ \t][^\n]*\n)*(?:From|To|Cc|Subject|Date|Sender|Reply-To|Return-Path|Received|MIME-Version|Content-Type|Message-ID):/im;

/** A line of dashes that heads a section of a notice (`----- Transcript of session follows -----`). */
const SECTION_RULE = /^[ \t]*-{3,}/;

/** Failed recipients read from one notice's text at most (real notices list a few; a hostile one, any number). */
const MAX_TEXT_RECIPIENTS = 1000;

/**
 * An address cut where the notice wrapped its line ("jane.doe@mail.exam" + newline + "ple.org"): joined
 * with the next line's first word, but only when the mail also has the joined form somewhere (a header,
 * the returned message), since a line that ends at an address usually ends there.
 */
function unwrapped(body: string, address: string, from: number, elsewhere: (joined: string) => boolean): string {
  const at = body.indexOf(address, from);
  if (at < 0) return address;
  let end = at + address.length;
  // A domain cut after a hyphen ("isp-" + newline + "example.org"): the hyphen belongs to the address.
  const hyphen = body.charCodeAt(end) === 45 ? '-' : '';
  if (hyphen) end++;
  if (body.charCodeAt(end) === 13) end++;
  if (body.charCodeAt(end) !== 10) return address;
  const next = /^[ \t]*([A-Za-z0-9][A-Za-z0-9.-]*)(?=[>\s]|$)/.exec(body.slice(end + 1, end + 200));
  if (!next) return address;
  const joined = address + hyphen + next[1];
  return elsewhere(joined) ? joined : address;
}

/** The addresses in some fields of an inline returned message's first block of header lines, lower-cased. */
function headerAddresses(returned: string, fields: RegExp): string[] {
  const first = /^[A-Za-z][A-Za-z0-9-]*:/m.exec(returned.slice(0, 4000));
  if (!first) return [];
  const end = returned.indexOf('\n\n', first.index);
  const block = returned.slice(first.index, end < 0 ? first.index + 8000 : Math.min(end, first.index + 8000));
  const out: string[] = [];
  for (const m of block.matchAll(fields)) for (const a of m[1].matchAll(ADDR_G)) out.push(clean(a[0]).toLowerCase());
  return out;
}

const SENDER_FIELD = /^(?:From|Sender|Reply-To|Return-Path):(.*)$/gim;

/**
 * Lines that name the notice's addressee or the returned message's sender: a greeting ("Hello news@shop.example,",
 * "Dear <news@…>:") or a label ("From: news@…", "Original sender: …", "Sent by …").
 */
const SENDER_NAMED = new RegExp(
  `^[ \\t]*(?:(?:hello|hi|dear|greetings|hallo|bonjour|hola|ciao)[ \\t,]+<?(${ADDR})>?[ \\t]*[,:!]?[ \\t]*\\r?$|(?:(?:from|(?:original |envelope )?sender|reply-to|return-path)[ \\t]*:|sent by)[ \\t]+(?:[^<>\\n]{0,80}<)?(${ADDR}))`,
  'gim',
);

/** The addresses a notice greets or names as the sender near its top (lower-cased): never a failed recipient. */
function greeted(report: string): string[] {
  const head = report.slice(0, 2000);
  // A plain search first: most notices name no sender or addressee at a line's start.
  if (!/^[ \t]*(?:hello|hi|dear|greetings|hallo|bonjour|hola|ciao|from|original|envelope|sender|sent by|reply-to|return-path)\b/im.test(head)) return [];
  return Array.from(head.matchAll(SENDER_NAMED), (m) => clean(m[1] ?? m[2]).toLowerCase());
}
const RECIPIENT_FIELD = /^(?:To|Cc):(.*)$/gim;

/**
 * A remote reply that refuses our envelope sender names it: Postfix's "<addr>: Sender address rejected: …"
 * (and "… not owned by user addr"), Sendmail's "Domain of sender address addr does not exist", Apple's private
 * relay's "<addr>: unauthorized sender". A notice that
 * returns no copy of the message gives no other way to tell that address from a recipient, and Postfix's
 * wrapping often starts a line with it ("    <addr>: Sender address rejected"). (Sendmail's own line about a
 * recipient, "<rcpt>... Sender address rejected: …", quotes the reply after the recipient: not this shape.)
 * Read around each candidate address only, so notices that refuse no sender pay nothing.
 */
const SENDER_AFTER = /^>?:?[ \t]*(?:Sender address rejected|unauthori[sz]ed sender)\b/i;
const SENDER_BEFORE =
  /(?:\bnot owned by user|\bDomain of sender address)[ \t]+<?$|\bSender Address:[ \t]*(?:\r?\n[ \t]*)?<?$|\bMAIL FROM:[ \t]*<?$|(?:发件人|寄件人|差出人|送信者|보낸 ?사람|Absender|Exp[ée]diteur|Remitente|Mittente|Afzender|Remetente|Nadawca|Отправитель)[ \t]*[:：（(][ \t]*<?$/i;
/**
 * The notice's own lines about the envelope sender, when it writes to another address than the sender (a forward, an
 * errors-to address): Exim's "A message sent by" above the sender on a line of its own, Sendmail's "The original
 * message was received at <date>" / "from <sender>".
 */
const SENDER_ABOVE = /\bA message sent by\s*<?$|\breceived at [^\n]*\r?\n[ \t]*from[ \t]+<?$/i;

/** A reply's or notice's hint at where to write instead ("please try <new@…>", "forwarded to", "replaced by"): never the failed address. */
const NEW_ADDRESS_BEFORE = /\b(?:please try|try|use|write to|forward(?:ed|ing)? to|replaced by|new address(?: is)?:?|now at|moved to)[ \t]+<?$/i;

/**
 * The address at `at` in `text` is one a reply or the notice names as our sender (also under a sender label in the
 * notice's language: QQ's "发件人：" or "发件人（…）", "Absender:", "Expéditeur :").
 */
function quotedAsSender(text: string, at: number, length: number): boolean {
  return (
    SENDER_AFTER.test(text.slice(at + length, at + length + 40)) ||
    SENDER_BEFORE.test(text.slice(Math.max(0, at - 30), at)) ||
    SENDER_ABOVE.test(text.slice(Math.max(0, at - 160), at))
  );
}

/** A refusal's "You are not allowed to send e-mail to <addr>" (AT&T's): that address is the failed one. */
const REFUSED_TO_SEND = /\bnot (?:allowed|able|permitted|authori[sz]ed) to $/i;
/**
 * "For further assistance, please contact <support@…>": the notice's help desk, not a failed recipient; nor a leaver's
 * new address ("Please resend it to <new@…>").
 */
const CONTACT_WORDING =
  /\b(?:contact|assistance|help ?desk|support team|write to|send (?:an? )?e-?mail to|re-?send (?:it |(?:the|your|this) (?:e-?mail|message|mail) )?to|forward (?:this|the) (?:e-?mail|message|notice) to|need (?:help|assistance))\b/i;

/**
 * Addresses the notice offers as a contact: after contact wording on their line, not at its start (a line
 * that starts with the address is a recipient heading, whatever its explanation says). An address before
 * the wording is what the line is about: a remote reply quoting the refused recipient, then naming its help
 * desk ("550 5.1.1 <ann@…>: no such user; contact help@… for assistance"). Skipped everywhere in the
 * notice, as the same address is often repeated in a second language.
 */
function contactAddresses(body: string): Set<string> {
  const out = new Set<string>();
  for (const line of body.split('\n')) {
    const wording = CONTACT_WORDING.exec(line);
    if (!wording || REFUSED_TO_SEND.test(line.slice(Math.max(0, wording.index - 30), wording.index))) continue;
    for (const m of line.matchAll(ADDR_G)) {
      if ((m.index ?? 0) > wording.index && line.slice(0, m.index).replace(/[\s<"']/g, '') !== '') out.add(clean(m[0]).toLowerCase());
    }
  }
  return out;
}
/** An address alone on its line (in angle brackets or not), lower-cased. */
const bare = (line: string): string =>
  line
    .trim()
    .replace(/^<([^<>]*)>$/, '$1')
    .toLowerCase();

/** A failure reply code followed by its text, or a failure status: `550 User…`, `550-5.1.1`, `#5.1.0`, `'550 …'` (quoted). */
// (The reply's words may be in any script: "550 该用户不存在".)
const FAILURE_CODE = /(?:^|[\s:('])[45]\d\d(?:[ -]+(?:#?\d\.|[A-Za-z<'"\u00c0-\uffff])|$)|(?<![\d.])[45]\.[0-7]\.\d{1,3}(?![\d.])/m;

const REASON_THEN_ADDRESS = new RegExp(
  `^[ \\t]*(?:unknown (?:user|recipient)|user unknown|(?:user|recipient|address|mailbox) not found|no such (?:user|recipient|mailbox)|invalid (?:recipient|address)|user mailbox exceeds allowed size|invalid final delivery userid|unknown host|mailbox (?:is )?full|mailbox disabled|undeliverable to|delivery (?:failed(?: \\d+ attempts)?|to)|unable to deliver to|could not deliver (?:mail )?to|failed to deliver to)[ \\t]*:?[ \\t]*<?(${ADDR})>?`,
  'gim',
);

/** The shapes most notices share (see noticeRecipients); `addr [User unknown]`: the reason in brackets after it. */
const GENERIC_RECIPIENT = new RegExp(
  `^[ \\t]*[<"]?(?:mailto:)?(${ADDR})[>"]?(?:\\s+\\(expanded\\s+from:?\\s*<[^<>\\n]*>\\))?(?::|\\.\\.\\.|[ \\t]+\\[[^\\]\\n]*\\][ \\t]*$|[ \\t]+at remote mail ?server\\b|[ \\t]+(?:on|en|le|am|il|op|em)[ \\t]+\\d{1,2}[/.]\\d{1,2}[/.]\\d{2,4}|[ \\t]*$)`,
  'gm',
);
/** "Recipient: ann@…" (or the address on the next line), in the languages notices label it in. */
const LABELLED_RECIPIENT = new RegExp(
  `^[ \\t]*(?:[*\u2022\u00b7-][ \\t]*)?(?:recipients?|recipient address|failed recipients?|rcpt to(?=:[ \\t]+[^\\s<])|\ubc1b\ub294 ?\uc0ac\ub78c|\uc218\uc2e0\uc790|\u6536\u4ef6\u4eba|\u5b9b\u5148|empf(?:\u00e4|a)nger|destinataire|destinatario)[ \\t]*[:\uff1a][ \\t]*(?:\\r?\\n[ \\t]*)?<?(?:mailto:)?(${ADDR})`,
  'gim',
);
const RCPT_TO = new RegExp(`RCPT TO:\\s*<(${ADDR})>`, 'gi');
/** A Received line's envelope recipient, "… for <jane@…>; <date>" (in a copy quoted with ">" too). */
const RECEIVED_FOR = new RegExp(`\\bfor\\s+<(${ADDR})>\\s*;`, 'gi');

// The two sentence shapes, each read from a window around one "deliver" of the notice (found by a plain
// search: a pattern tried at every position of every notice cost more than the rest of this function).
const MESSAGE_TO_ADDRESS = new RegExp(
  `\\b(?:message|mail|e-?mail) (?:to|for|addressed to) <?(${ADDR})>? (?:could not|cannot|can't|couldn't|was not|wasn't|has not|did not) (?:be )?$`,
  'i',
);
const DELIVERED_TO_ADDRESS = new RegExp(`^(?:ed)? (?:it |the message |your message )?to[ \\t]+<?(${ADDR})>?`, 'i');
const NOT_BEFORE = /\b(?:could not|cannot|can't|couldn't|was not|wasn't|failed to) (?:be )?$/i;

/** Addresses inside "your message to <a> could not be delivered" and "could not be delivered to <a>". */
function addressesInSentences(body: string): { address: string; index: number }[] {
  const out: { address: string; index: number }[] = [];
  const lower = body.toLowerCase();
  for (let at = lower.indexOf('deliver'); at >= 0 && out.length < MAX_TEXT_RECIPIENTS; at = lower.indexOf('deliver', at + 7)) {
    const before = body.slice(Math.max(0, at - 300), at);
    const m = MESSAGE_TO_ADDRESS.exec(before);
    if (m) out.push({ address: m[1], index: at - before.length + m.index });
    if (NOT_BEFORE.test(before.slice(-40))) {
      const d = DELIVERED_TO_ADDRESS.exec(body.slice(at + 7, at + 7 + 300));
      if (d) out.push({ address: d[1], index: at + 7 });
    }
  }
  return out;
}

/**
 * The recipients that are addresses: not an Exchange directory name (`IMCEAEX-…_cn=Recipients…`) nor an X.400 name
 * without an RFC-822 part, which are no address anyone sent to (the notice's other recipients, else the returned
 * copy's, are the ones).
 */
export function withoutDirectoryNames(found: TextRecipient[]): TextRecipient[] {
  return found.filter((r) => encapsulated(r.address) !== null);
}

/** An address as found in prose, without `mailto:`, the quotes some notices put around it ('jane@…'), or trailing punctuation. */
function clean(address: string): string {
  return (
    address
      .replace(/^mailto:/i, '')
      .replace(/^['`]+/, '')
      .replace(/[.>'`]+$/, '')
      // Chinese and Japanese prose runs into an address without a space ("无法发送到admin@…", "could not send
      // to"): a run of those characters before an ASCII local part is the sentence's, not the address's.
      .replace(/^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+(?=[\x21-\x7e]+@)/, '')
  );
}

/** A notice's text cut in two: the report proper and the returned original, with the MTA format that fits. */
export interface Notice {
  subject: string;
  /** The notice's text, unquoted when it was forwarded inline. */
  text: string;
  rule: MtaRule | null;
  /** The report text, the returned message cut off. */
  report: string;
  /** The returned message text, if inline. */
  returned: string;
  /**
   * A person's forward of a notice, unwrapped: whether the forwarded mail is the mailer daemon's (a notice whatever
   * the person titled the forward), and the addresses its quoted header lines name (the notice's sender and
   * addressee: never failed recipients). Null when the text is no forward.
   */
  forwarded: { daemon: boolean; addresses: string[] } | null;
}

/**
 * A mail program's forward of a notice, unquoted: a few lines of the person's own, the separator, then the notice's
 * header lines as the program quotes them (one of them names the mailer daemon). Not a returned copy: that separator
 * names one in notices too, whose headers are the original's. The separators in the languages mail programs write
 * them: Outlook's "-----Original Message-----" ("Ursprüngliche Nachricht", "Message d'origine", "Mensaje original",
 * "Messaggio originale", "Oorspronkelijk bericht", "Mensagem original", the Nordic and Polish ones), Gmail's
 * "---------- Forwarded message ---------" ("Weitergeleitete Nachricht", "Message transféré", "Mensaje reenviado",
 * "Messaggio inoltrato", "Doorgestuurd bericht", "Mensagem encaminhada"), Thunderbird's "-------- Forwarded Message
 * --------", Apple Mail's "Begin forwarded message:" ("Début du message réexpédié :", "Anfang der weitergeleiteten
 * Nachricht:", "Inicio del mensaje reenviado:"). The header labels are the program's language's ("Von:", "De :",
 * "Van:", "À :"); Outlook may wrap "From: Name [mailto:addr]" before its bracket.
 */
const SEPARATOR_WORDS =
  "Original Message|Forwarded message|Weitergeleitete Nachricht|Urspr[üu]ngliche Nachricht|Message d'origine|Message transf[ée]r[ée]|Mensaje original|Mensaje reenviado|Messaggio originale|Messaggio inoltrato|Oorspronkelijk bericht|Doorgestuurd bericht|Mensagem original|Mensagem encaminhada|Originalmeddelande|Vidarebefordrat meddelande|Opprinnelig melding|Videresendt melding|Oprindelig meddelelse|Videresendt meddelelse|Alkuper[äa]inen viesti|Wiadomo[śs][ćc] oryginalna|Przekazana wiadomo[śs][ćc]";
const APPLE_SEPARATOR =
  'Begin forwarded message|D[ée]but du message r[ée]exp[ée]di[ée]|Anfang der weitergeleiteten Nachricht|Inicio del mensaje reenviado|Inizio messaggio inoltrato';
const FORWARDED_NOTICES = new RegExp(
  `^[ \\t]*(?:-{2,} ?(?:${SEPARATOR_WORDS}) ?-{2,}|(?:${APPLE_SEPARATOR})[ \\t]*:)[ \\t]*\\r?\\n(?:[ \\t]*\\r?\\n)?((?:[ \\t]*(?:\\p{L}[\\p{L} -]{0,20}[ \\t]?:.*|\\[mailto:.*)\\r?\\n){2,12})`,
  'gimu',
);
/** How far into a mail a forward's separator is looked for, and through how many forwards of forwards. */
const FORWARD_HEAD = 8000;
const MAX_FORWARD_LAYERS = 5;
/**
 * Read only on the rare notice with such a separator: a dashed one (a literal run of dashes first, which the regex
 * engine finds fast), or Apple Mail's words, searched plainly.
 */
const DASHED_SEPARATOR = new RegExp(`-{2,} ?(?:${SEPARATOR_WORDS})`, 'i');
const APPLE_WORDS = ['orwarded message', 'message réexpédié', 'message reexpedie', 'weitergeleiteten Nachricht', 'mensaje reenviado', 'messaggio inoltrato'];
const hasForwardSeparator = (head: string): boolean => (head.includes('----') && DASHED_SEPARATOR.test(head)) || APPLE_WORDS.some((w) => head.includes(w));
const DAEMON_FROM =
  /^[ \t]*\p{L}[\p{L} -]{0,20}[ \t]?:(?:.*\b(?:mailer-daemon|postmaster|mail delivery (?:system|subsystem)|system administrator|MicrosoftExchange[0-9a-f]{32}@)|[ \t]*<>[ \t]*$)/imu;
/**
 * The quoted sender line itself names the mailer daemon (not a subject that mentions a postmaster): the forwarded mail
 * is a notice, whatever the forward's title.
 */
const DAEMON_SENDER =
  /^[ \t]*(?:From|Von|De|Da|Van|Från|Fra|Od|Від|От|Feladó|Lähettäjä|Kimden|发件人|寄件人|差出人)[ \t]?[:：](?:.*\b(?:mailer-daemon|postmaster|mail delivery (?:system|subsystem)|MicrosoftExchange[0-9a-f]{32}@)|[ \t]*<>[ \t]*$)/imu;
/**
 * Outlook on the web and newer Outlook forward under a rule (an HTML <hr>) rather than a dashed separator: the quoted
 * header lines alone, "From:" then "Sent:" (a message's own headers say "Date:"), in the program's language.
 */
const OUTLOOK_SENT_WORDS = ['Sent:', 'Gesendet:', 'Envoyé', 'Enviado', 'Inviato:', 'Verzonden:', 'Skickat:', 'Sendt:', 'Wysłano:'];
const OUTLOOK_HEADER_BLOCK =
  /^[ \t]*(?:From|Von|De|Da|Van|Från|Fra|Od)[ \t]?:[^\n]*\r?\n[ \t]*(?:Sent|Gesendet|Envoyé|Enviado(?: el)?|Inviato|Verzonden|Skickat|Sendt|Wysłano)[ \t]?:[^\n]*\r?\n(?:[ \t]*\p{L}[\p{L} -]{0,20}[ \t]?:[^\n]*\r?\n){1,6}/imu;
/** A quoting mark at a line's start, not a transcript's arrows (">>> DATA" stays as it is; "> >>> DATA" loses the quote). */
const UNQUOTE = /^>(?!>>) ?/gm;
/** Header fields of a message itself (a returned copy), never among a mail program's quoted lines of a forward. */
const MESSAGE_HEADER_LABEL =
  /^[ \t]*(?:Received|Message-ID|MIME-Version|Content-[A-Za-z-]+|Return-Path|X-[A-Za-z0-9-]+|DKIM-Signature|ARC-[A-Za-z-]+|Authentication-Results|References|In-Reply-To|Delivered-To|Envelope-To)[ \t]?:/im;
/** A forward quoted with "> ": its header labels, in the mail programs' languages. */
const QUOTED_HEADER =
  /^> ?(?:From|To|Subject|Von|An|Betreff|De|[ÀA]|Objet|Da|Oggetto|Van|Aan|Onderwerp|Para|Asunto|Assunto|Fr[åa]n|Till|[ÄA]mne|Fra|Til|Emne|Od|Do|Temat)[ \t]?:/mu;

/**
 * A reply's or forward's attribution line above a "> " quote that names the mailer daemon ("On Thu, 29 Apr 2012,
 * <postmaster@…> wrote:", "Am … schrieb MAILER-DAEMON@…:", "Le … a écrit :"): the quote is its notice.
 */
const DAEMON_WROTE =
  /^(?!>)[^\n]{0,200}?(?:\b(?:mailer-daemon|postmaster|mail delivery (?:system|subsystem))\b|<>)[^\n]{0,120}?(?:wrote|schrieb|a [ée]crit|escribi[óo]|ha scritto|schreef|escreveu|skrev|napisa[łl]\(?a?\)?)[ \t]?:[ \t]*\r?$/imu;

/** The attribution verbs DAEMON_WROTE reads, searched plainly first. */
const WROTE_WORDS = ['wrote', 'schrieb', 'crit', 'escribi', 'scritto', 'schreef', 'escreveu', 'skrev', 'napisa'];

/** Cheap: which MTA wrote the notice, and where its returned message begins. */
export function splitNotice(subject: string, noticeText: string): Notice {
  // A no-break space where a template has a space ("------- Failure Reasons  --------" retyped or passed through a
  // mail program) reads as that space.
  let rawText = noticeText.includes('\u00a0') ? noticeText.replace(/\u00a0/g, ' ') : noticeText;
  // A quoted local part whose quotes are not needed ("ann"@…, "neko....nyaan...."@…) is that address.
  if (rawText.includes('"@')) rawText = rawText.replace(/"([^"\s@<>(),;:\\[\]]{1,64})"@(?=[A-Za-z0-9])/g, '$1@');
  // A bounce forwarded inline ("> " quoted) reads the same once unquoted: one whose quoted header lines remain, or
  // one under an attribution line that names the mailer daemon.
  let forwarded: Notice['forwarded'] = null;
  let text = rawText;
  if (/^>[ \t]?\S/m.test(rawText)) {
    const top = rawText.slice(0, FORWARD_HEAD);
    const wrote = WROTE_WORDS.some((w) => top.includes(w)) ? DAEMON_WROTE.exec(top) : null;
    if (wrote) {
      forwarded = { daemon: true, addresses: Array.from(wrote[0].matchAll(ADDR_G), (m) => clean(m[0]).toLowerCase()) };
      text = rawText.slice(wrote.index + wrote[0].length).replace(UNQUOTE, '');
    } else if (QUOTED_HEADER.test(rawText)) {
      text = rawText.replace(UNQUOTE, '');
      // Its quoted header lines name the mailer daemon: a notice, whatever the forward's title.
      const quotedHead = /^(?:[ \t]*\p{L}[\p{L} -]{0,20}[ \t]?:.*\r?\n){1,12}/mu.exec(text.slice(0, FORWARD_HEAD));
      if (quotedHead && DAEMON_SENDER.test(quotedHead[0]))
        forwarded = { daemon: true, addresses: Array.from(quotedHead[0].matchAll(ADDR_G), (m) => clean(m[0]).toLowerCase()) };
    }
  }
  // …and one forwarded below a separator, from the notice's text on: below the first separator whose quoted headers
  // are the mailer daemon's (a forward of a forward quotes the person's first), within a long disclaimer's reach.
  // The quoted header lines of every forward above it name the people and the notice's addressee, not recipients.
  const head = text.slice(0, FORWARD_HEAD);
  const outlook = !hasForwardSeparator(head) && OUTLOOK_SENT_WORDS.some((w) => head.includes(w)) ? OUTLOOK_HEADER_BLOCK.exec(head) : null;
  if (outlook && DAEMON_SENDER.test(outlook[0])) {
    forwarded = { daemon: true, addresses: Array.from(outlook[0].matchAll(ADDR_G), (m) => clean(m[0]).toLowerCase()) };
    text = text.slice(outlook.index + outlook[0].length);
  } else if (hasForwardSeparator(head)) {
    let layers = 0;
    for (const fwd of head.matchAll(FORWARDED_NOTICES)) {
      if (++layers > MAX_FORWARD_LAYERS) break;
      // A returned copy below "----- Original message -----" (Gmail's, Exchange's) has a message's own header fields:
      // not a person's forward, whose quoted lines are only From, Sent or Date, To, Cc and Subject (or, forwarded whole,
      // the mailer daemon's own header).
      if (MESSAGE_HEADER_LABEL.test(fwd[1]!) && !DAEMON_FROM.test(fwd[1]!)) break;
      forwarded ??= { daemon: false, addresses: [] };
      for (const m of fwd[1]!.matchAll(ADDR_G)) forwarded.addresses.push(clean(m[0]).toLowerCase());
      if (DAEMON_FROM.test(fwd[1]!)) {
        forwarded.daemon = DAEMON_SENDER.test(fwd[1]!);
        text = text.slice((fwd.index ?? 0) + fwd[0].length);
        break;
      }
    }
  }
  const rule = matchRule(subject, text);
  const { report, returned } = cut(text, rule?.original ? [rule.original, ...ORIGINAL_MARKERS] : ORIGINAL_MARKERS);
  return { subject, text, rule, report: withoutOurSubject(withoutFooter(report)), returned, forwarded };
}

/**
 * Exim's line quoting the subject of our message ("The subject of the message is: Re: your mailbox is full"): our
 * words, which would read as the notice's reason (or as a delay's) where it gives none. Its text goes; the line stays.
 */
const OUR_SUBJECT_LINE = /^([ \t]*The subject of the message is:)[^\n]*$/gim;

function withoutOurSubject(report: string): string {
  return report.includes('subject of the message is') ? report.replace(OUR_SUBJECT_LINE, '$1') : report;
}

/**
 * What a list or a gateway appends to every mail it passes on, a notice too: Mailman's footer under a rule of
 * underscores ("listname mailing list", its listinfo address), a group's "-- " / "You received this message because
 * you are subscribed…", a company's confidentiality disclaimer. Its addresses (the list's, a compliance desk's) are
 * no recipients: the notice's text ends where it starts.
 */
const FOOTER =
  /^(?:_{20,}[ \t]*\r?\n(?=[^\n]*\bmailing list\b|[\s\S]{0,300}?\b(?:listinfo|unsubscribe)\b)|--[ \t]?\r?\n(?=[ \t]*You received this message because you are subscribed\b)|[ \t]*You received this message because you are subscribed to\b|[ \t]*(?:CONFIDENTIALITY NOTICE|DISCLAIMER)\b|[ \t]*This (?:e-?mail|message|communication)(?: and any (?:files|attachments)(?: transmitted with it)?)? (?:is|are|may be|contains?) (?:strictly )?(?:confidential|privileged|intended (?:solely|only)))/im;
const FOOTER_HINTS = ['mailing list', 'subscribed', 'onfidential', 'ONFIDENTIAL', 'isclaimer', 'ISCLAIMER'];

function withoutFooter(report: string): string {
  if (!FOOTER_HINTS.some((h) => report.includes(h))) return report;
  const f = FOOTER.exec(report);
  return f && f.index > 0 ? report.slice(0, f.index) : report;
}

/**
 * Reads failed recipients and their explanations from the text of a notice.
 * `exclude` holds addresses that are certainly not failed recipients (the notice's own From and To).
 */
export function parseTextReport(subject: string, rawText: string, exclude: Set<string>): TextReport {
  const notice = splitNotice(subject, rawText);
  const { rule, report, returned } = notice;
  const delayed = saysDelayed(subject, report, rule?.delayed);
  const delivered = !delayed && saysDelivered(subject, report);
  return {
    rule: rule?.name ?? null,
    recipients: noticeRecipients(notice, exclude),
    delayed,
    delivered,
    report,
    returned,
    forwardedNotice: notice.forwarded?.daemon === true,
  };
}

/**
 * The failed recipients a notice lists in its text (the expensive part of reading a notice). A copy of the
 * message inline after a marker no format names (Exchange's "Message text:", "Your message reads:") is
 * left out when the text before its header block names a recipient: the copy's To, Cc and body are not
 * failures.
 */
export function noticeRecipients(notice: Notice, exclude: Set<string>): TextRecipient[] {
  const copy = HEADER_BLOCK.exec(notice.report);
  if (copy && copy.index > 0) {
    const before = recipientsIn({ ...notice, report: notice.report.slice(0, copy.index) }, exclude);
    if (before.length > 0) return before;
  }
  return recipientsIn(notice, exclude);
}

function recipientsIn(notice: Notice, exclude: Set<string>): TextRecipient[] {
  const { text, rule, report, returned } = notice;
  // The returned message's own sender (its From, Sender, Reply-To, Return-Path) wrote the mail that failed:
  // it is not a failed recipient, however often the notice's prose names it; nor is an address the notice
  // greets ("Hello news@…,") or labels as the sender ("From:", "Original sender:"), which is the sender too.
  const skip = new Set([...exclude, ...headerAddresses(returned, SENDER_FIELD), ...greeted(report), ...(notice.forwarded?.addresses ?? [])]);
  // Gateways write a recipient as X.400 in their prose too: its Internet form is the address.
  let body = x400Unwrapped(report);
  if (rule?.start) {
    const s = rule.start.exec(body);
    if (s) body = body.slice(s.index);
  }
  const lines = body.split('\n');
  // Line number of an offset by binary search over the line starts: counting the lines before every match
  // was quadratic on a notice listing thousands of addresses.
  const starts: number[] = [0];
  for (let at = body.indexOf('\n'); at >= 0; at = body.indexOf('\n', at + 1)) starts.push(at + 1);
  const lineAt = (index: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  let found: { address: string; line: number; at?: number }[] = [];
  const seen = new Set<string>();
  const excluded: { address: string; line: number }[] = [];
  // Role addresses (root@, bounces@, …) where the format puts a failed recipient: mail to them fails too.
  const roles: { address: string; line: number }[] = [];
  const helpdesks = contactAddresses(body);
  let domains: Set<string> | null = null;
  const noticeDomains = () => (domains ??= new Set([...exclude].map((a) => a.slice(a.lastIndexOf('@') + 1))));
  let copyRecipients: string[] | null = null;
  const inCopy = (name: string): string | undefined =>
    (copyRecipients ??= headerAddresses(returned, RECIPIENT_FIELD)).find((a) => a.slice(0, a.lastIndexOf('@')) === name.toLowerCase());
  // Looking for a joined address reads the whole mail: done at most a few times a notice (a hostile one
  // repeats the same wrapped line thousands of times).
  let lowerText: string | null = null;
  let joinChecks = 0;
  const elsewhere = (joined: string) => ++joinChecks <= MAX_JOIN_CHECKS && (lowerText ??= text.toLowerCase()).includes(joined.toLowerCase());
  const add = (matched: string | undefined, index: number, slot = false) => {
    if (!matched) return;
    const raw = seen.has(matched.toLowerCase()) ? matched : unwrapped(body, matched, index, elsewhere);
    const found1 = clean(raw.includes('@') ? raw : rule?.bareNamesAt ? `${raw}@${rule.bareNamesAt}` : rule?.bareNamesInCopy ? (inCopy(raw) ?? raw) : raw);
    // (An Exchange encapsulation that holds no address stays as found: it marks the recipient's place; the reader
    // of the notice leaves it out, see withoutDirectoryNames.)
    const address = encapsulated(found1) ?? found1;
    if (!address.includes('@') || !plausibleLength(address)) return;
    // Exim's pipe and file deliveries ("pipe to |/usr/bin/x", "/home/u/.box/x@y") are not addresses.
    if (/^[/|]/.test(address)) return;
    const key = address.toLowerCase();
    if (seen.has(key) || helpdesks.has(key)) return;
    if (ROLE_ADDRESS.test(address) || (NO_REPLY.test(address) && noticeDomains().has(address.slice(address.lastIndexOf('@') + 1).toLowerCase()))) {
      if (slot && !skip.has(key) && roles.length < MAX_TEXT_RECIPIENTS && !roles.some((r) => r.address.toLowerCase() === key))
        roles.push({ address, line: lineAt(index) });
      return;
    }
    if (skip.has(key)) {
      // Once per address: counting lines for every repeat would be quadratic on a hostile notice.
      if (!excluded.some((e) => e.address.toLowerCase() === key)) excluded.push({ address, line: lineAt(index) });
      return;
    }
    if (found.length >= MAX_TEXT_RECIPIENTS) return;
    const at = body.indexOf(matched, index);
    if (at >= 0 && (quotedAsSender(body, at, matched.length) || NEW_ADDRESS_BEFORE.test(body.slice(Math.max(0, at - 40), at)))) {
      // Its other mentions ("from jane@… [jane@…]") are the sender too.
      skip.add(key);
      return;
    }
    seen.add(key);
    found.push({ address, line: lineAt(index), at: index });
  };
  if (rule?.recipient) {
    rule.recipient.lastIndex = 0;
    for (const m of body.matchAll(rule.recipient))
      add(
        m.slice(1).find((g) => g !== undefined),
        m.index ?? 0,
        true,
      );
    // The MTA's own format names only failed recipients, so an address it lists counts even when the
    // notice went to that same address (mail to oneself).
    if (found.length === 0 && excluded.length > 0) found = excluded.slice(0, 1);
  }
  if (found.length === 0) {
    // A label naming the recipient, the address after it or on the next line: Kerio's "Recipient: …", Dooray!'s
    // "* 받는 사람 :" / "* Recipient :" over the address (its contact address stands alone on a line further down).
    for (const m of body.matchAll(LABELLED_RECIPIENT)) add(m[1], m.index ?? 0, true);
  }
  if (found.length === 0) {
    // The shapes most notices share: "<addr>:" / "addr:" heading a paragraph (Postfix puts "(expanded from
    // <alias>)" before the colon), an address alone on its line, Sendmail's "<addr>... reason", or old Exchange's
    // "\"addr\" on 4/3/97 10:12 AM" under "could not be reached".
    // A heading ("<addr>:", "addr...", Postfix's "(expanded from …)", Purelymail's "addr at remote mailserver …") is
    // a recipient's slot; an address alone on its line may be the notice's contact.
    // (A reply wrapped under a heading may go on with another address: Postfix's "<ann@…>: host … said: 550 5.1.1" over
    // "    <bob@…>: user unknown (in reply to end of DATA command)", a refusal of the whole message naming one of its
    // recipients. A line indented deeper than the heading above it, in its paragraph, is that paragraph's text.)
    let heading: { end: number; indent: number } | null = null;
    for (const m of body.matchAll(GENERIC_RECIPIENT)) {
      const at = m.index ?? 0;
      const indent = /^[ \t]*/.exec(m[0])![0].length;
      if (heading && indent > heading.indent && !/\n[ \t]*\n/.test(body.slice(heading.end, at))) continue;
      heading = { end: at + m[0].length, indent };
      add(m[1], at, /(?::|\.\.\.|\)|mail ?server|[/.]\d{2,4})$/i.test(m[0]));
    }
  }
  // Nothing but role addresses in those slots: mail to root@ or bounces@ fails like any other (the notice's own
  // sender does not head a paragraph of it).
  if (found.length === 0 && roles.length > 0) found = roles;
  if (found.length === 0) {
    // The reason first, then the address ("Unknown user: jane@…", "User mailbox exceeds allowed size:
    // jane@…", "Delivery to jane@… failed"): Ipswitch IMail/SMTP32, MDaemon, many gateways.
    for (const m of body.matchAll(REASON_THEN_ADDRESS)) add(m[1], m.index ?? 0);
  }
  if (found.length === 0) {
    // The address inside a sentence: "Your message to <jane@…> could not be delivered", "… could not be
    // delivered to jane@…", as gateways and carriers' MMS relays word it.
    // (A sentence that says the mail was not delivered to an address names a failed recipient, a role one too.)
    for (const m of addressesInSentences(body)) add(m.address, m.index, true);
  }
  if (found.length === 0 && roles.length > 0) found = roles;
  if (found.length === 0) {
    for (const m of body.matchAll(RCPT_TO)) add(m[1], m.index ?? 0);
  }
  if (found.length === 0) {
    // (An address that starts its line stands where layouts put a failed recipient: a role one there is kept for
    // the fallback below, as Exchange's "postmaster@x<mailto:postmaster@x>" under "Delivery has failed to".)
    const scanned = body.replace(/^[ \t]*(?:(?:ori?ginal )?Message[- ]?ID|In-Reply-To|References)[ \t]*:.*$/gim, (l) => ' '.repeat(l.length));
    for (const m of scanned.matchAll(ADDR_G)) {
      const at = m.index ?? 0;
      add(m[0], at, /(?:^|\n)[ \t]*<?$/.test(scanned.slice(Math.max(0, at - 80), at)));
    }
    if (found.length === 0 && roles.length > 0) found = roles;
    // No shape named the failed address, so every address of the notice was taken: its examples, its
    // directory's suggestions, its own address form. When the returned copy's Received lines name the
    // envelope recipient among them, that is the address the mail was for; the rest are the notice's prose.
    if (found.length > 1) {
      const envelope = new Set(Array.from(text.matchAll(RECEIVED_FOR), (m) => clean(m[1]).toLowerCase()));
      const named = found.filter((f) => envelope.has(f.address.toLowerCase()));
      if (named.length > 0) found = named;
    }
  }
  // Said once for the whole notice, so read once: its reason line and its first line with a failure code.
  const reasonMatch = rule?.reason?.exec(report);
  let reason = reasonMatch
    ?.slice(1)
    .find((g) => g !== undefined)
    ?.trim();
  // A multi-line reply under the format's heading ("because:" / "550-Verification failed for <…>" / "550-No Such User
  // Here" / "550 Sender verify failed") is read whole, not by its first line.
  if (reason && reasonMatch && /^[245]\d\d-/.test(reason)) {
    const more = /^(?:\r?\n[ \t]*[245]\d\d[ -][^\n]*){1,10}/.exec(report.slice(reasonMatch.index + reasonMatch[0].length));
    if (more) reason = `${reason} ${more[0].replace(/\s+/g, ' ').trim()}`;
  }
  // A recipient's lines run to the next recipient's line (recipients listed on one line share theirs); with
  // several recipients, also to a section rule (`----- Transcript of session follows -----`) or to a line
  // about another recipient only. (A lone recipient's lines may run into the transcript: it is its own.)
  const few = found.length > 1 && found.length <= MAX_CROSS_CHECKED;
  const keys = few ? found.map((f) => f.address.toLowerCase()) : [];
  // A line naming another recipient (self -1: naming any recipient) and not this one.
  const aboutOther = (line: string, self: number): boolean => {
    if (!few) return false;
    const withAt = line.includes('@');
    if (!withAt && !anyProgram) return false;
    const lower = line.toLowerCase();
    // (Or another entry's program or file, which Sendmail names in its transcript in the address's place:
    // `550 5.1.1 "|/usr/bin/x"... User unknown`.)
    if (
      anyProgram &&
      programs.some((p, j) => p !== null && j !== self && lower.includes(p)) &&
      (self < 0 || programs[self] === null || !lower.includes(programs[self]!))
    )
      return true;
    if (!withAt) return false;
    return (self < 0 || !lower.includes(keys[self])) && keys.some((k, j) => j !== self && lower.includes(k));
  };
  /** This line names entry `i`: its address, or the program or file Sendmail expanded it to. */
  const names = (line: string, i: number): boolean => {
    const lower = line.toLowerCase();
    return lower.includes(keys[i]) || (programs[i] !== null && lower.includes(programs[i]!));
  };
  // Sendmail's entry for an alias expanded to a program or a file ("\"|/usr/bin/x\"" over "(reason: …)" over "(expanded
  // from: <ann@…>)"): the address we sent to ends the entry, so the entry's lines are those above it, from the program's
  // line down; the lines below are the next entry's.
  const leadInFrom = found.map((f) => {
    if (!EXPANDED_FROM_LINE.test(lines[f.line] ?? '')) return null;
    let k = f.line;
    while (k > 0 && f.line - k < 6) {
      const line = lines[k - 1]!;
      if (line.trim() === '' || SECTION_RULE.test(line) || EXPANDED_FROM_LINE.test(line)) break;
      k--;
      if (indentOf(line) === 0) break;
    }
    return k < f.line ? k : null;
  });
  // Each entry's program or file ("|/usr/bin/x", "/var/mail/x"), as its lead-in's first line names it; null if none.
  const programs: (string | null)[] = found.map((_, i) => {
    const from = leadInFrom[i];
    if (!few || from === null || from === undefined) return null;
    const name = lines[from]!.trim().replace(/^"|"$/g, '').toLowerCase();
    return /^[|/]\S/.test(name) && name.length >= 4 ? name : null;
  });
  const anyProgram = programs.some((p) => p !== null);
  const leadIn = found.map((f, i) => {
    const from = leadInFrom[i];
    return from === null || from === undefined
      ? null
      : lines
          .slice(from, f.line)
          .map((l) => l.trim())
          .join(' ');
  });
  const blocks = found.map((f, i) => {
    let n = i + 1;
    while (n < found.length && found[n].line === f.line) n++;
    const next = leadIn[i] !== null ? f.line + 1 : (found[n]?.line ?? lines.length);
    const block: string[] = [];
    const indent = indentOf(lines[f.line] ?? '');
    for (let l = f.line; l < Math.min(next, f.line + 12); l++) {
      const line = nearAddress(lines[l] ?? '', l === f.line ? f : null, starts[l] ?? 0);
      if (line.trim() === '' && block.some((b) => b.trim() !== '') && l > f.line + 1) break;
      // (A line indented under the recipient's own, straight after its last, goes on with its text: a reply wrapped
      // there may name another recipient, as a refusal of the whole message after its data does.)
      const wrapped = indentOf(line) > indent && (block[block.length - 1] ?? '').trim() !== '';
      if (l > f.line && found.length > 1 && (SECTION_RULE.test(line) || (!wrapped && aboutOther(line, i)) || SESSION_START.test(line))) break;
      block.push(line);
    }
    return block;
  });
  // A list of recipients one a line, each line with its reason ("ann@… No MX records…", "bob@… Unable to connect…",
  // a gateway's table as text): the last one's reason is its line too, not the paragraph after the list, which is the
  // notice's own prose (an explanation of one reason, a footer).
  let reasonsOnTheirLines = false;
  if (few && blocks.length > 1) {
    const withReason = (i: number) => {
      const own = (lines[found[i].line] ?? '').toLowerCase().split(keys[i]!).join('');
      return /[A-Za-z\u00c0-\uffff]{3}/.test(own);
    };
    const last = blocks.length - 1;
    const oneLine = blocks
      .slice(0, last)
      .every((b, i) => found[i].line === found[last].line || (b.filter((l) => l.trim() !== '').length === 1 && withReason(i)));
    if (oneLine && found[last - 1].line !== found[last].line && withReason(last)) {
      reasonsOnTheirLines = true;
      const blank = blocks[last].findIndex((l, k) => k > 0 && l.trim() === '');
      if (blank > 0) blocks[last] = blocks[last].slice(0, blank);
    }
  }
  // A recipient whose own lines quote no code takes the notice's first line with one; with several
  // recipients, only a line outside every recipient's lines (another recipient's reply is not its reason).
  // Nor a line below another recipient, up to the next one: that is the other's reason however it is laid out,
  // unless both are in one list of addresses (one a line), which shares what is written under it.
  let inBlock: Uint8Array | null = null;
  let owner: Int32Array | null = null;
  let listOf: number[] | null = null;
  const codeLines = new Map<number, string | undefined>();
  const noticeCodeLine = (i: number): string | undefined => {
    if (found.length > 1 && inBlock === null) {
      inBlock = new Uint8Array(lines.length + 1);
      found.forEach((f, j) => inBlock!.fill(1, leadInFrom[j] ?? f.line, f.line + blocks[j].length));
      if (few) {
        owner = new Int32Array(lines.length + 1).fill(-1);
        found.forEach((f, j) => owner!.fill(j, f.line));
        listOf = found.map((_, j) => j);
        for (let j = 1; j < found.length; j++) if (found[j].line - found[j - 1].line <= 1) listOf[j] = listOf[j - 1];
      }
    }
    const list = listOf?.[i] ?? -1;
    if (codeLines.has(list)) return codeLines.get(list);
    // (Nor a transcript's answer to another recipient's RCPT: ">>> RCPT To:<bob@…>" / "<<< 452 4.2.2 …".)
    const answersOther = (n: number): boolean => {
      let k = n - 1;
      while (k >= 0 && lines[k]!.trim() === '') k--;
      const rcpt = k >= 0 ? RCPT_COMMAND.exec(lines[k]!) : null;
      return rcpt !== null && few && keys[i] !== rcpt[1]!.toLowerCase() && keys.includes(rcpt[1]!.toLowerCase());
    };
    const at = lines.findIndex(
      (l, n) =>
        (inBlock === null || inBlock[n] === 0) &&
        (owner === null || owner[n] < 0 || listOf![owner[n]] === list) &&
        FAILURE_CODE.test(l) &&
        !aboutOther(l, -1) &&
        !answersOther(n),
    );
    const line = at < 0 ? undefined : withContinuation(at);
    codeLines.set(list, line);
    return line;
  };
  // A reply line and the lines it was wrapped onto, indented further ("553 5.3.0 <…>... No such" / "    user here"),
  // or a multi-line reply's next lines ("550-Verification failed for <…>" / "550-No Such User Here" / "550 Sender
  // verify failed": read whole, or its second line would be taken for the reason).
  const withContinuation = (n: number): string => {
    let line = lines[n]!;
    // (Exchange's delay summary, "… returned '400 4.4.7 Message delayed'", goes on with the reply that delays it, on a
    // line of its own that starts with its time: "26-06-18 15:58:33 - Server at … returned '441 4.4.1 …'".)
    if (EXCHANGE_DELAYED.test(line)) {
      for (let k = n + 1; k < Math.min(lines.length, n + 4) && EXCHANGE_LAST_ERROR.test(lines[k]!); k++) line += ` ${lines[k]!.trim()}`;
      return line;
    }
    const multi = /^[ \t]*([245]\d\d)-/.exec(line);
    if (multi) {
      for (let k = n + 1; k < Math.min(lines.length, n + 12); k++) {
        const next = lines[k]!;
        const m = /^[ \t]*([245]\d\d)([ -])/.exec(next);
        if (!m || m[1] !== multi[1]) break;
        line += ` ${next.trim()}`;
        if (m[2] === ' ') break;
      }
      return line;
    }
    const indent = /^[ \t]*/.exec(line)![0].length;
    for (let k = n + 1; k < Math.min(lines.length, n + 4); k++) {
      const next = lines[k]!;
      const m = /^([ \t]+)\S/.exec(next);
      if (!m || m[1].length <= indent || SECTION_RULE.test(next) || next.includes('@') || FAILURE_CODE.test(next)) break;
      line += ` ${next.trim()}`;
    }
    return line;
  };
  // A format that writes its reason apart from the address (Domino's "because:") may write one a recipient:
  // then each recipient's is the first below its own line and above the next recipient's.
  let reasons: { line: number; text: string }[] | null = null;
  const reasonOf = (i: number): string | undefined => {
    if (!few || !rule?.reason) return undefined;
    reasons ??= Array.from(body.matchAll(new RegExp(rule.reason.source, `${rule.reason.flags.replace('g', '')}g`)), (m) => ({
      line: lineAt(m.index ?? 0),
      text: (m[1] ?? '').trim(),
    })).slice(0, MAX_CROSS_CHECKED);
    if (reasons.length < 2) return undefined;
    const next = found.find((g) => g.line > found[i].line)?.line ?? lines.length;
    return reasons.find((r) => r.line >= found[i].line && r.line < next)?.text;
  };
  const replyBelow = (i: number): string | undefined => {
    const end = Math.min(found.find((g) => g.line > found[i].line)?.line ?? lines.length, found[i].line + MAX_REPLY_BELOW);
    // Without a coded line, its words there (a reason in prose: "Host or domain name not found").
    const words: string[] = [];
    for (let n = found[i].line + blocks[i].length; n < end; n++) {
      if (aboutOther(lines[n], i)) break;
      if (FAILURE_CODE.test(lines[n])) return withContinuation(n);
      if (lines[n].trim() !== '' && !SECTION_RULE.test(lines[n]) && words.length < 4) words.push(lines[n].trim());
    }
    const prose = words.join(' ');
    return /[A-Za-z]{3}/.test(prose) ? prose : undefined;
  };
  const sharedBelowList = (i: number): string | undefined => {
    let first = i;
    while (first > 0 && found[first].line - found[first - 1].line <= 1) first--;
    let last = i;
    while (last + 1 < found.length && found[last + 1].line - found[last].line <= 1) last++;
    const below = blocks[last];
    if (first === last || i === last || below.length < 3 || below[1].trim() !== '') return undefined;
    // A heading ending in a colon with its text after a blank line ("For the following reason:", "", "Mail size
    // limit exceeded…", 1&1's) reads on to that text, up to the next blank line.
    const words = below.slice(2).join(' ');
    if (/:\s*$/.test(words)) {
      const start = found[last].line + below.length;
      let n = start;
      while (n < lines.length && n < start + 3 && lines[n]!.trim() === '') n++;
      const more: string[] = [];
      for (; n < lines.length && more.length < 6 && lines[n]!.trim() !== '' && !SECTION_RULE.test(lines[n]!); n++) more.push(lines[n]!.trim());
      return `${words} ${more.join(' ')}`.replace(/\s+/g, ' ').trim();
    }
    return words.replace(/\s+/g, ' ').trim() || undefined;
  };
  // The same list with its reason written above it, a paragraph then a blank line ("The user(s) account is disabled.",
  // au's): every listed address's reason, when nothing is written below or beside them.
  const sharedAboveList = (i: number): string | undefined => {
    let first = i;
    while (first > 0 && found[first].line - found[first - 1].line <= 1) first--;
    let last = i;
    while (last + 1 < found.length && found[last + 1].line - found[last].line <= 1) last++;
    if (first === last || (blocks[last]?.slice(1).some((l) => l.trim() !== '') ?? false)) return undefined;
    let n = found[first].line - 1;
    while (n >= 0 && lines[n]!.trim() === '') n--;
    const para: string[] = [];
    for (; n >= 0 && para.length < 3 && lines[n]!.trim() !== '' && !SECTION_RULE.test(lines[n]!) && !lines[n]!.includes('@'); n--)
      para.unshift(lines[n]!.trim());
    const text = para.join(' ');
    return /[A-Za-z]{3}/.test(text) ? text : undefined;
  };
  const outcomes = rule?.sections ? sectionOutcomes(lines, rule.sections) : null;
  const recipients: TextRecipient[] = found.map((f, i) => {
    const block = blocks[i];
    const near = aroundAddress(block.join('\n'), f.address);
    const original = forwardedFrom(near, f.address);
    let diag = `${leadIn[i] ?? ''} ${near}`.replace(/\s+/g, ' ').trim();
    const because = reasonOf(i) ?? reason;
    if (because && !diag.includes(because)) diag = `${diag} ${because}`;
    // Sendmail's own line about a recipient ("550 <addr>... Requested action not taken: mailbox unavailable") says less
    // than the remote's reply its transcript shows for that RCPT ("<<< 550 5.2.2 …"), which goes first.
    if (few && /^[245]\d\d[ -](?:\d\.\d{1,3}\.\d{1,3} )?<?[^\s<>]+@[^\s<>]+?>?\.\.\./.test(diag)) {
      // Its own RCPT's answer, else the exchange right above its line (">>> DATA" / "<<< 552 5.3.4 …": the data
      // refused for this recipient, which Sendmail then names).
      const reply = replyToRcpt(lines, keys[i]) ?? exchangeAbove(lines, f.line, keys[i]);
      if (reply && !diag.includes(reply.slice(reply.indexOf('<<<')))) diag = `${reply} ${diag}`;
    }
    // A list of addresses with the replies further down (Sendmail's transcript: `<<< 550 5.1.1 <addr>... User
    // unknown`): the line that quotes a failure code next to this address is its reason.
    // Its own line is its whole reason, even without a code: another recipient's coded line is not.
    let own: string | undefined;
    let ownLine = -1;
    if (!FAILURE_CODE.test(diag) && few) {
      const ownAt = lines.findIndex((l, n) => n !== f.line && (FAILURE_CODE.test(l) || ADDRESS_THEN_REASON.test(l)) && names(l, i) && !aboutOther(l, i));
      own = ownAt >= 0 ? withContinuation(ownAt) : undefined;
      ownLine = ownAt;
      // Listed again further down, alone on its line, its reply on the next: Exchange's "Diagnostic
      // information for administrators" (`addr`, then `Remote Server returned '550 …'` or `#550 5.1.1 …##`).
      // (A next line that names an address is a list's next entry or another's reply, not this one's reason.)
      if (own === undefined) {
        const below = lines.findIndex(
          (l, n) => n > 0 && n - 1 !== f.line && bare(lines[n - 1]) === keys[i] && /[A-Za-z]{3}/.test(l) && !/^\S+@\S+$/.test(bare(l)) && !aboutOther(l, i),
        );
        if (below >= 0) own = withContinuation(below);
      }
      // Its reply further down its own part of the notice, after a blank line or a heading (IceWarp's "The
      // reason:", m-FILTER's "-------server message"): up to the next recipient, or a line naming another.
      if (!reasonsOnTheirLines && leadIn[i] === null) own ??= replyBelow(i);
      // A session transcript's reply to this recipient's own command (Sendmail's ">>> RCPT To:<addr>" then "<<< 552
      // … exceeded storage allocation"), which often does not name the address, goes before the MTA's own line about
      // it ("554 5.0.0 <addr>... Service unavailable"), which says less.
      const reply = replyToRcpt(lines, keys[i]) ?? (ownLine >= 0 ? exchangeAbove(lines, ownLine, keys[i]) : undefined);
      if (reply) own = own ? `${reply} ${own.trim()}` : reply;
      // A list of addresses one a line, then one reason written under the list after a blank line (Apache
      // James's "Error message:"): the reason is every listed address's, not only the last one's.
      if (own) diag = `${diag} ${own.trim()}`.trim();
      else if (!reasonsOnTheirLines && leadIn[i] === null) {
        const shared = sharedBelowList(i) ?? sharedAboveList(i);
        if (shared) diag = `${diag} ${shared}`;
        if (shared && FAILURE_CODE.test(shared)) own = shared;
      }
    }
    if (!own && !FAILURE_CODE.test(diag)) {
      const line = noticeCodeLine(i);
      if (line) diag = (diag + ' ' + line.trim()).trim();
    }
    // Sendmail's "(reason: 550-5.7.1 …)" keeps only the first line of a reply of several: the transcript has the
    // rest ("<<< 550-5.7.1 …" lines), which is where a provider puts its reason (one recipient: a notice about several may
    // quote several replies).
    const cut = found.length === 1 ? /\(reason: ([45]\d\d)-/.exec(diag) : null;
    if (cut) {
      const rest = lines.filter((l) => new RegExp(`^\\s*<<<\\s*${cut[1]}[- ]`).test(l)).map((l) => l.replace(/^\s*<<<\s*/, '').trim());
      if (rest.length > 1) diag = `${diag} ${rest.join(' ')}`;
    }
    const outcome = outcomes?.[f.line];
    return { address: f.address, original, diagnostic: aroundAddress(diag, f.address) || null, ...(outcome ? { outcome } : {}) };
  });
  return recipients;
}

/** Sendmail's last line of an entry for an address it expanded: "    (expanded from: <ann@…>)". */
const EXPANDED_FROM_LINE = /^[ \t]*\(expanded from:?[ \t]*<?[^<>\s]+>?\)[ \t]*$/i;

/** A transcript's command naming a recipient (">>> RCPT To:<addr>"), and a server's reply line ("<<< 550 …"). */
const RCPT_COMMAND = /^[ \t]*>>>[ \t]*RCPT TO:[ \t]*<?([^<>\s]+)>?/i;
function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].length;
}

/** Sendmail's heading of each host's part of a transcript ("While talking to mx.example:", "... while talking to …"). */
/** Exchange's delay summary for a recipient, and the timed line after it with the reply that delays it. */
const EXCHANGE_DELAYED = /\breturned\s+'4\d\d 4\.4\.7 Message delayed'/i;
const EXCHANGE_LAST_ERROR = /^\s*\S[^\n]{0,40}? - (?:Remote )?Server at \S+[^\n]*\breturned '/i;
const SESSION_START = /^[ \t]*(?:\.\.\.[ \t]*)?while talking to\b/i;

/**
 * The command and reply right above a recipient's own line in a Sendmail transcript, when the command is DATA (or the
 * data's closing dot) or this recipient's RCPT: ">>> DATA" / "<<< 552 5.3.4 …" above "554 <bob@…>... Service unavailable".
 */
function exchangeAbove(lines: string[], line: number, key: string): string | undefined {
  let k = line - 1;
  const replies: string[] = [];
  while (k >= 0 && replies.length < 10 && /^[ \t]*<<<[ \t]*[245]\d\d[ -]/.test(lines[k]!)) replies.unshift(lines[k--]!.trim());
  if (replies.length === 0 || k < 0) return undefined;
  const command = lines[k]!;
  const rcpt = RCPT_COMMAND.exec(command);
  if (!/^[ \t]*>>>[ \t]*(?:DATA|\.)[ \t]*$/i.test(command) && rcpt?.[1]?.toLowerCase() !== key) return undefined;
  return `${command.trim()} ${replies.join(' ')}`;
}
const REPLY_LINE = /^[ \t]*<<<[ \t]*[45]\d\d[ -]/;

/**
 * The reply that answered this recipient's RCPT in a session transcript: the line right after its command, when
 * that is a server's refusal. (Not in a pipelined transcript, where the replies follow all the commands.)
 */
function replyToRcpt(lines: string[], key: string): string | undefined {
  for (let n = 0; n + 1 < lines.length; n++) {
    const m = RCPT_COMMAND.exec(lines[n]);
    if (!m || m[1].toLowerCase() !== key) continue;
    let next = n + 1;
    while (next < lines.length && lines[next].trim() === '') next++;
    return next < lines.length && REPLY_LINE.test(lines[next]) ? `${lines[n].trim()} ${lines[next].trim()}` : undefined;
  }
  return undefined;
}

/**
 * A line of a recipient's block, cut to MAX_DIAGNOSTIC characters when longer: around the recipient's address on its
 * own line (where it was found, `at` in the notice), else from its start. Thousands of addresses on one long line
 * would otherwise each copy the whole line.
 */
function nearAddress(line: string, own: { address: string; at?: number } | null, lineStart: number): string {
  if (line.length <= MAX_DIAGNOSTIC) return line;
  if (!own) return line.slice(0, MAX_DIAGNOSTIC);
  const col = own.at !== undefined ? own.at - lineStart : line.indexOf(own.address);
  const from = Math.max(0, col - 200);
  return line.slice(from, from + MAX_DIAGNOSTIC);
}

/** The longest diagnostic a recipient of a notice's prose keeps. */
const MAX_DIAGNOSTIC = 2_000;

/**
 * A recipient's words, at most MAX_DIAGNOSTIC characters from a little before its address: a notice listing
 * thousands of addresses on one line would otherwise give each the whole line, read once per recipient (quadratic,
 * and gigabytes of output).
 */
function aroundAddress(diag: string, address: string): string {
  if (diag.length <= MAX_DIAGNOSTIC) return diag;
  const exact = diag.indexOf(address);
  const at = Math.max(0, exact >= 0 ? exact : diag.toLowerCase().indexOf(address.toLowerCase()));
  const from = Math.max(0, at - 200);
  return diag.slice(from, from + MAX_DIAGNOSTIC);
}

/**
 * Per line, the outcome the last section heading above it names (MtaRule.sections); another dashed heading
 * (`----- Transcript of session follows -----`) ends a section. One pass over the notice.
 */
function sectionOutcomes(lines: string[], sections: RegExp): Array<TextRecipient['outcome']> {
  const out: Array<TextRecipient['outcome']> = new Array(lines.length);
  let current: TextRecipient['outcome'];
  for (let l = 0; l < lines.length; l++) {
    if (SECTION_RULE.test(lines[l])) {
      const m = sections.exec(lines[l]);
      current = m ? (m[1] ? 'delayed' : m[2] ? 'delivered' : 'failed') : undefined;
    }
    out[l] = current;
  }
  return out;
}

/**
 * The notice's own line about one address (`addr: Domain does not exist`, `<addr>: host … said: …`, Stalwart's
 * `<addr> (host 'mx…' rejected command 'RCPT TO:<…>' with code 550 …)`), for a report whose machine-readable
 * part names the recipient but gives no diagnostic. Found even for role addresses (postmaster@…), which the
 * free-text scan skips because notices also sign with them.
 */
export function lineAbout(text: string, address: string): string | null {
  const esc = address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m =
    new RegExp(`^[ \\t]*<?${esc}>?[ \\t]*:[ \\t]*(\\S.*(?:\\n[ \\t]+\\S.*)*)`, 'im').exec(text) ??
    new RegExp(`^[ \\t]*<${esc}>[ \\t]+\\((\\S.*(?:\\n[ \\t]+\\S.*)*)\\)[ \\t]*$`, 'im').exec(text);
  let said = m?.[1].replace(/\s+/g, ' ').trim();
  if (!m) {
    // The heading alone on its line, its paragraph below it up to a blank line or the next address heading
    // (Courier's "<addr>:" then the host and its ">>> DATA" / "<<< 550 …" transcript; qmail's "<addr>:" then
    // "192.0.2.1 does not like recipient." …). Its lines stay lines: a transcript's order is read from them.
    const below =
      new RegExp(`^[ \\t]*<?${esc}>?[ \\t]*:[ \\t]*\\n((?:(?![ \\t]*<?[^\\s<>@]+@[^\\s<>]+>?[ \\t]*:[ \\t]*$).*\\S.*(?:\\n|$)){1,20})`, 'im').exec(text) ??
      // Exim's: the address alone on an indented line, its lines indented further below it ("  ann@…\n    host
      // mx… [192.0.2.1]\n    SMTP error from remote mail server after RCPT TO:<…>:\n    550 …").
      new RegExp(`^([ \\t]*)<?${esc}>?[ \\t]*\\n((?:\\1[ \\t]+\\S.*(?:\\n|$)){1,20})`, 'im').exec(text);
    said = below?.[below.length - 1]
      .split('\n')
      .map((l) => l.replace(/\s+/g, ' ').trim())
      .filter(Boolean)
      .join('\n');
  }
  return said && /[A-Za-z]{3}/.test(said) ? said : null;
}
