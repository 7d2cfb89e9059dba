/**
 * The classification table: every rule as data, read top to bottom by classify.ts. The first rule of the
 * first tier that matches wins.
 *
 *   1. PROVIDER_RULES   wording of named receivers and blocklists (Gmail, Microsoft, Yahoo/AOL, iCloud,
 *                       Proofpoint, Mimecast, Spamhaus…). They are the most specific evidence: a provider
 *                       that answers "5.4.1 Recipient address rejected: Access denied" means "no such
 *                       user", whatever RFC 3463 says 5.4.1 is.
 *   2. ENHANCED_RULES   RFC 3463 / 5248 statuses whose detail is decisive (X.1.1, X.2.2, X.3.4, X.7.26…).
 *   3. WORDING_RULES    the usual MTA wording (Postfix, Exim, sendmail, Exchange, qmail…): "user unknown",
 *                       "mailbox full", "greylisted"…
 *   4. SUBJECT_RULES    statuses that only say which subject is concerned (X.7.1 "not authorized", X.2.0,
 *                       X.5.0…) and the subject fallbacks (X.6.* content, X.7.* policy).
 *   5. VAGUE_RULES      wording that only says "refused" or "blocked" somehow.
 *   6. CODE_RULES       the basic reply code, phase by phase (554 at connect ≠ 554 after DATA).
 *   7. DEFAULTS         one sentence for every phase × class, so no reply is ever unexplained.
 *
 * Rules describe an MTA's or a provider's wording, never one particular mail. Texts are matched
 * case-insensitively after normalisation: whitespace collapsed, and the reply codes and repeated statuses
 * of multi-line replies ("550-5.1.1 … 550-5.1.1 …") removed, so a phrase may span lines.
 */
import type { Phase } from '../types.js';
import type { Category } from './types.js';

/** A phase as the rules see it: the delivery phases, `dsn` (reported later in a bounce) and `unknown`. */
export type PhaseKey = Phase | 'dsn' | 'unknown';

/** A sentence, or sentences by phase with a default. */
export type Explanation = string | ({ default: string } & Partial<Record<PhaseKey, string>>);

export interface RuleMatch {
  /** RFC 3463 status: `X.1.1` (any class) or a full one such as `5.3.2`. */
  enhanced?: string;
  /** Basic reply code, or an inclusive range. */
  code?: number | readonly [number, number];
  /** Reply class (from the code, else from the status). A rule with a class never matches a reply without one. */
  class?: 2 | 4 | 5;
  /** Tested on the normalised text (and the network error code, when there is one). */
  text?: RegExp;
  /**
   * Words in lower case of which the text must contain one before `text` is tried: a plain search that spares
   * the regex on almost every reply (providers' code families: `aup#`, `ofr`, `i.ua/err/`).
   */
  has?: readonly string[];
  /** Only at these phases. For `dsn`, the phase the report names (see ResponseInput.reportedPhase) if any. */
  phase?: readonly PhaseKey[];
}

export interface Rule {
  /** Stable name, reported as `Classification.rule` with the tier as prefix (`provider:gmail-no-such-user`). */
  id: string;
  match: RuleMatch;
  category: Category;
  /** Status to report when the reply carried none: `X.1.1` takes the reply's class. */
  status?: string;
  /** Class assumed when the reply has neither code nor status (a network error is temporary: 4). */
  impliedClass?: 4 | 5;
  explanation: Explanation;
}

/**
 * Hard = the address itself is undeliverable and should be suppressed. Everything else, permanent or not,
 * fails this message only.
 *
 * mailbox-disabled is deliberately soft: "disabled", "suspended", "frozen", "temporarily locked" accounts
 * are often reactivated (unpaid, dormant, locked after a password reset), and the real-bounce corpus
 * (Sisimai's `suspend`) counts them soft. An account that is really gone ends up answering "user unknown",
 * which is hard. mailbox-moved is hard: the address no longer reaches the person (RFC 3463 X.1.6, X.7.17).
 */
export const HARD_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['mailbox-unknown', 'domain-unknown', 'no-mail-service', 'mailbox-moved']);

/** The status reported for a category when the reply carried none (X = the reply's class). */
export const CATEGORY_STATUS: Readonly<Record<Category, string | null>> = {
  accepted: '2.0.0',
  'mailbox-unknown': 'X.1.1',
  'mailbox-disabled': 'X.2.1',
  'mailbox-full': 'X.2.2',
  'mailbox-moved': 'X.1.6',
  'domain-unknown': 'X.1.2',
  'no-mail-service': 'X.1.10',
  'message-too-large': 'X.3.4',
  'content-or-spam': 'X.7.1',
  virus: 'X.7.1',
  'authentication-policy': 'X.7.1',
  'reputation-or-blocklist': 'X.7.1',
  policy: 'X.7.1',
  'relay-denied': 'X.7.1',
  'rate-limited': 'X.7.0',
  greylisted: 'X.7.1',
  'server-busy': 'X.3.2',
  'tls-required': 'X.7.10',
  'protocol-error': 'X.5.0',
  'dns-failure': 'X.4.3',
  'connection-failure': 'X.4.1',
  expired: 'X.4.7',
  'system-error': 'X.3.0',
  unknown: 'X.0.0',
};

// ---------------------------------------------------------------------------------------------------
// Sentences used by several rules.

const S = {
  userUnknown: 'The recipient\'s mail server says this mailbox does not exist; check the address for typos.',
  disabled: 'The recipient\'s mailbox exists but is disabled or suspended, so it does not accept mail for now.',
  full: 'The recipient\'s mailbox is full; the message may go through once they make room.',
  moved: 'The recipient no longer uses this address (the mailbox has moved or been given up).',
  domainUnknown: 'The recipient\'s domain does not exist in DNS, so nothing can be delivered to it; check the address for typos.',
  noMail: 'The recipient\'s domain says it accepts no email at all (a "null MX" or a server that refuses all mail).',
  tooBig: 'The message is larger than the receiving server accepts.',
  spam: 'The receiving server judged the message content to be spam or unwanted and refused it.',
  virus: 'The receiving server found a virus or malicious content in the message and refused it.',
  auth: 'The receiving server refused the message because it failed sender authentication (SPF, DKIM or DMARC) for the sending domain.',
  ptr: 'The receiving server refused our sending IP because its reverse DNS (PTR) is missing or does not match its hostname.',
  blocklist: 'The receiving server blocked our sending IP or domain because it is on a blocklist or has a poor reputation.',
  policy: 'The receiving server refused the message for a local policy reason.',
  relay: 'The server refused to relay: it does not accept mail for this domain from us (wrong MX, or it requires authentication).',
  rate: 'The receiving server is limiting how fast it accepts mail from us; we slow down and retry.',
  conns: 'The receiving server allows only a few simultaneous connections from us and we had too many; we slow down and retry.',
  grey: 'The receiving server is greylisting: it defers mail from senders it has not seen recently and accepts it on a later retry.',
  busy: 'The receiving server is busy or temporarily unavailable and asked us to try again later.',
  tls: 'The server requires an encrypted (STARTTLS) connection, which could not be used.',
  protocol: 'The server rejected a command or the message format as not following the SMTP/e-mail standards.',
  format: 'The receiving server refused the message because its format breaks the e-mail standards (headers, line endings or encoding).',
  expired: 'The message could not be delivered before the retry period ran out, so delivery was given up.',
  system: 'The receiving mail system had an internal error or a configuration problem.',
  senderRejected: 'The receiving server refused our envelope sender (return path) address or its domain.',
  smtpAuth: 'The server requires us to log in (SMTP authentication) before it accepts this mail; check the relay credentials.',
  helo: 'The receiving server refused the hostname our server introduced itself with (EHLO/HELO).',
  filteredAfterData:
    'The receiving server said "user unknown" only after receiving the message content, which usually means a recipient-side filter rather than a missing mailbox, so the address is not suppressed.',
} as const;

const CONNECT_FAILURE: Explanation = {
  default: 'The connection to the receiving server failed (refused, reset or timed out); we will retry, possibly via another MX host.',
  connect: 'We could not connect to the receiving mail server (refused or no answer); it may be down, overloaded, or not a mail server at all. We will retry.',
  data: 'The connection failed while the message was being sent or right after it; the server may or may not have kept it, so a retry could produce a duplicate.',
  dns: 'The DNS servers could not be reached or did not answer in time; we will retry.',
  dsn: 'A later report says the receiving system could not connect to the next mail server and gave up or is still trying.',
};

// ---------------------------------------------------------------------------------------------------
// 1. Known providers and blocklists.

export const PROVIDER_RULES: readonly Rule[] = [
  // Gmail / Google Workspace
  { id: 'gmail-no-such-user', match: { text: /the email account that you tried to reach does not exist/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'Gmail says this account does not exist; check the address for typos.' },
  // Gmail's "Address not found" notice: "… because the domain typo.example couldn't be found. Check for typos …".
  { id: 'gmail-domain-not-found', match: { text: /\bthe domain \S+ (?:couldn'?t|could not|cannot|can'?t) be found/i }, category: 'domain-unknown', status: 'X.1.2', explanation: 'Gmail could not find the recipient\'s domain (it does not exist in DNS); check the address for typos.' },
  { id: 'gmail-disabled', match: { text: /(?:the )?email account that you tried to reach is (?:disabled|inactive)/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: 'Gmail says this account is disabled; it does not accept mail for now.' },
  { id: 'gmail-over-quota', match: { has: ['storage space', 'overquota'], text: /(?:inbox|mailbox) is out of storage space|OverQuota(?:Temp|Perm)/i }, category: 'mailbox-full', status: 'X.2.2', explanation: 'The recipient\'s Gmail inbox is out of storage space.' },
  { id: 'gmail-receiving-rate', match: { text: /receiving (?:e-?)?mail at a rate that prevents additional messages|you are trying to contact is receiving (?:e-?)?mail too quickly/i }, category: 'rate-limited', status: 'X.2.1', explanation: 'The recipient is receiving mail too fast right now (Gmail limits the rate per mailbox); later messages usually get through.' },
  { id: 'gmail-unauthenticated', match: { text: /requires all senders to authenticate|sender is unauthenticated|unauthenticated email .{0,80}not accepted/i }, category: 'authentication-policy', status: 'X.7.26', explanation: 'Gmail refused the message because it passed neither SPF nor DKIM for the sending domain (or failed its DMARC policy).' },
  // An unusual rate of *unsolicited* mail is a verdict on our IP's or domain's reputation (Gmail slows it down, then
  // blocks it): slowing down alone will not help. Without "unsolicited" ("an unusual rate of email") it is a rate.
  { id: 'gmail-unsolicited-rate', match: { class: 4, text: /(?:unusual )?rate of unsolicited (?:e-?)?mail/i }, category: 'reputation-or-blocklist', status: 'X.7.28', explanation: 'Gmail is deferring mail from our IP or domain because too much of it looked unwanted (its reputation); we retry more slowly, but the sending reputation is what must improve.' },
  { id: 'gmail-unsolicited-block', match: { text: /unusual rate of unsolicited (?:e-?)?mail/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Gmail blocked mail from our IP or domain because too much of it looked unwanted (its reputation).' },
  // "This message is likely unsolicited mail": a verdict on this message.
  { id: 'gmail-likely-unsolicited', match: { text: /likely unsolicited (?:e-?)?mail|this message is likely (?:spam|unsolicited)/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'Gmail refused this message as likely unsolicited mail (spam), judging from its content and our sending reputation.' },
  // Gmail's "content presents a potential security issue": an attachment type or link it treats as a danger.
  { id: 'gmail-security-issue', match: { has: ['security issue'], text: /content presents a potential security issue/i }, category: 'virus', status: 'X.7.0', explanation: 'Gmail refused the message because an attachment or link in it looked dangerous (malware or a blocked file type).' },
  { id: 'gmail-not-whitelisted-ip', match: { text: /IP you're using to send (?:e-?)?mail is not authorized to send (?:e-?)?mail directly to our servers/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Gmail does not accept mail directly from our IP (it looks like a dynamic or residential address); send through a proper relay.' },
  { id: 'gmail-sending-limit', match: { text: /\b(?:daily|peak) (?:user sending|smtp relay(?: sending)?) (?:quota|limit) exceeded|sending limit exceeded/i }, category: 'rate-limited', explanation: 'The relay account has reached its daily sending limit; mail resumes when the quota resets.' },
  // Gmail's sender-requirement replies (support.google.com/a/answer/3726730) reuse registry statuses for other
  // meanings: 4.7.29/5.7.29 (ARC in RFC 8617's registry) for "not sent over TLS", 4.7.30/5.7.30 (REQUIRETLS in
  // RFC 8689) for a DKIM failure. The words say which; "very low reputation of the sending IP address/domain" is
  // a verdict on our reputation even when worded as a rate limit or as spam.
  { id: 'gmail-tls-required', match: { has: ['tls'], text: /not using a TLS connection|wasn'?t sent over a TLS connection/i }, category: 'tls-required', status: 'X.7.10', explanation: 'Gmail refused or slowed the message because it was not sent over an encrypted (TLS) connection, which it requires of bulk senders.' },
  // Yahoo's "Excessive unknown recipients - possible Open Relay (#4.1.8)": about our server, whatever status it carries.
  { id: 'yahoo-excessive-unknown', match: { has: ['excessive unknown recipients'], text: /excessive unknown recipients/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The receiving provider is refusing our server for now because it sent to too many unknown recipients (an anti-harvesting or open-relay check); it is about us, not this address.' },
  { id: 'gmail-dkim-failed', match: { has: ['dkim'], text: /didn'?t pass DKIM authentication|authenticate their email with DKIM/i }, category: 'authentication-policy', status: 'X.7.30', explanation: 'Gmail refused or slowed the message because it had no DKIM signature that passed for the sending domain.' },
  // Gmail's X.7.30 is its DKIM failure (RFC 8689 gives X.7.30 to REQUIRETLS): any mention of DKIM under it decides.
  { id: 'dkim-under-x730', match: { enhanced: 'X.7.30', has: ['dkim'], text: /\bDKIM\b/i }, category: 'authentication-policy', status: 'X.7.30', explanation: 'The receiving provider refused or slowed the message because it had no DKIM signature that passed for the sending domain; publish a DKIM key and sign with it (mailtrail dkim keygen).' },
  { id: 'gmail-low-reputation', match: { has: ['low reputation'], text: /very low reputation of the sending (?:ip address|domain)/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Gmail refused or slowed the message because our sending IP or domain has a very low reputation with it.' },
  { id: 'google-connect-failed', match: { text: /did not accept our requests to connect/i }, category: 'connection-failure', status: 'X.4.1', impliedClass: 4, explanation: 'The sending system could not connect to the recipient\'s mail server (refused or timed out).' },

  // Microsoft: Outlook.com, Hotmail, Office 365 / Exchange Online
  // qmail's relay refusal, whatever status its chkuser patch appends ("#5.5.3 - chkuser", too many recipients).
  { id: 'qmail-rcpthosts', match: { has: ['rcpthosts'], text: /(?:not|isn'?t) in my list of allowed rcpthosts?/i }, category: 'relay-denied', status: 'X.7.1', explanation: S.relay },
  // Greylisting says what it is whatever status comes with it (iCloud: "422 4.2.2 Greylisted, please try again").
  // Sendmail's connection rate limit ("421 4.3.2 Connection rate limit exceeded."): its 4.3.2, a system not accepting
  // mail, would otherwise decide before the words are read.
  { id: 'connection-rate-limit', match: { class: 4, has: ['connection rate limit'], text: /\bconnection rate limit (?:exceeded|reached)\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: S.conns },
  // Mimecast's greylisting reply, as its documentation gives it (DOC-1369, "Internal resource temporarily unavailable";
  // its servers also write "is temporarily"): it does not say "greylist".
  { id: 'mimecast-greylist', match: { has: ['internal resource'], text: /internal resource (?:is )?temporarily unavailable/i, class: 4 }, category: 'greylisted', status: 'X.7.1', explanation: S.grey },
  { id: 'greylisted-any-status', match: { class: 4, has: ['grey', 'gray'], text: /\bgr[ea]y-?list(?:ed|ing)\b|\bpostgrey\b|\bsqlgrey\b/i }, category: 'greylisted', status: 'X.7.1', explanation: S.grey },
  // "Must issue a STARTTLS command first" says what is wanted whatever status comes with it (OpenSMTPD's 530 5.5.1, Gmail's 5.7.0).
  { id: 'starttls-first', match: { has: ['starttls'], text: /must issue a STARTTLS command first/i }, category: 'tls-required', status: 'X.7.10', explanation: S.tls },
  // Exchange Online's Directory-Based Edge Blocking: "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)".
  // The same words without Microsoft's marks are Postfix's access-map REJECT for this recipient (below).
  { id: 'microsoft-dbeb', match: { text: /recipient address rejected: access denied\.?.{0,300}?(?:\bAS\(\d+\)|aka\.ms\/|\.protection\.outlook\.com|\.outlook\.com\b)/i }, category: 'mailbox-unknown', status: 'X.4.1', explanation: 'Microsoft 365 rejected the address because it does not exist in the recipient organisation\'s directory.' },
  { id: 'microsoft-dbeb-504', match: { enhanced: 'X.7.504', text: /recipient address rejected: access denied/i }, category: 'mailbox-unknown', status: 'X.4.1', explanation: 'Microsoft 365 rejected the address because it does not exist in the recipient organisation\'s directory.' },
  { id: 'microsoft-dbeb-status', match: { enhanced: 'X.4.1', text: /recipient address rejected: access denied/i }, category: 'mailbox-unknown', status: 'X.4.1', explanation: 'Microsoft 365 rejected the address because it does not exist in the recipient organisation\'s directory.' },
  // Postfix's check_recipient_access REJECT (its default text): the receiving site refuses this address, as sites
  // do for addresses that no longer exist or never take mail from outside; refused again every time (Sisimai reads
  // it as UserUnknown too). Not Microsoft's words, so not its explanation.
  { id: 'recipient-access-denied', match: { text: /recipient address rejected: access denied/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The receiving server\'s access rules refuse this recipient address ("Recipient address rejected: Access denied", Postfix\'s wording): the site does not take mail for it, and will refuse it again.' },
  { id: 'microsoft-recipient-not-found', match: { text: /RESOLVER\.ADR\.Recip(?:ient)? ?NotFound|recipient not found by SMTP address lookup|RESOLVER\.ADR\.ExRecipNotFound/i }, category: 'mailbox-unknown', status: 'X.1.10', explanation: 'Microsoft 365 says this recipient does not exist in the destination organisation.' },
  // Microsoft 365's refusal of a sender without the Send As right for its From address (5.2.252, also under 5.2.0):
  // our side's permission, whatever its X.2 status says of a mailbox.
  { id: 'microsoft-send-as-denied', match: { has: ['sendasdenied'], text: /\bSendAsDenied/i }, category: 'policy', status: 'X.7.1', explanation: 'Microsoft 365 refused to send the message because the sending account is not allowed to send as its From address (the Send As permission); no verdict on the recipient.' },
  { id: 'microsoft-mailbox-full', match: { text: /STOREDRV\.Deliver: mailbox full|(?<!Submission)QuotaExceeded|mailbox (?:size|quota) limit/i }, category: 'mailbox-full', status: 'X.2.2', explanation: 'The recipient\'s Microsoft mailbox is full.' },
  // Exchange Online's own limits and tenant settings, before the AS(nnnn) catch-all of the banned-IP rule: the
  // mailbox throttled ("recipient thread limit", 4.3.2), too many connections at once (4.3.2), a tenant blocked
  // for the spam it sent (5.7.705), mail from a domain the tenant has not registered (5.7.750), an outbound
  // block on external forwarding (5.7.520) or the tenant's own block list (5.7.703).
  { id: 'microsoft-throttled', match: { has: ['thread limit', 'concurrent connections'], text: /recipient thread limit exceeded|maximum number of concurrent connections .{0,40}exceeded/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'Microsoft 365 is limiting how fast the mailbox or our connections are served right now; the message is retried.' },
  { id: 'microsoft-tenant-threshold', match: { has: ['exceeded threshold'], text: /tenant has exceeded threshold/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Microsoft 365 blocked the sending organisation because it sent too much spam or bulk mail; an administrator must fix the cause and ask Microsoft to lift the block.' },
  { id: 'microsoft-unregistered-domain', match: { has: ['unregistered domain'], text: /sending from unregistered domains?/i }, category: 'policy', status: 'X.7.1', explanation: 'Microsoft 365 refused to send from a domain that is not registered in the sending organisation.' },
  { id: 'microsoft-tenant-rules', match: { has: ['external forwarding', 'tenant allow block list', 'tenant recipient block'], text: /does not allow external forwarding|Tenant Allow Block List|tenant recipient block policy/i }, category: 'policy', status: 'X.7.1', explanation: 'The sending organisation\'s own Microsoft 365 settings (no external forwarding, or its block list) stopped the message; the recipient address is not in question.' },
  // Exchange Online's own checks of the destination's TLS when it sends (5.7.321-5.7.325: no STARTTLS, an expired or
  // mismatched certificate, DANE/DNSSEC failures), each reported with its tag; and its 4.7.500-4.7.899 "Access
  // denied, please try again later", which Microsoft documents as suspicious activity seen from the sending IP.
  { id: 'microsoft-tls-checks', match: { has: ['starttls-not-supported', 'certificate-expired', 'certificate-host-mismatch', 'tlsa-invalid', 'dnssec-invalid'], text: /\b(?:starttls-not-supported|certificate-expired|certificate-host-mismatch|tlsa-invalid|dnssec-invalid):/i }, category: 'tls-required', status: 'X.7.10', explanation: 'Microsoft 365 would not send over this connection because the destination server\'s encryption (STARTTLS, its certificate, or DANE) failed its checks.' },
  { id: 'microsoft-ip-restricted', match: { has: ['access denied, please try again later'], text: /access denied, please try again later/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Microsoft saw suspicious activity from our sending IP and restricts it for now while it is evaluated; the message is retried.' },
  // A receiver that could not check our SPF, DKIM, DMARC or reverse DNS for now ("Temporary DMARC DNS lookup failure",
  // "SPF authentication failed with a temporary error" under 4.7.23, "rDNS lookup timeout"): a lookup failure, not a
  // verdict, whatever authentication status it carries.
  { id: 'auth-dns-lookup-failure', match: { has: ['lookup', 'query', 'temporar', 'dns error'], text: /\b(?:temporary |temp )?(?:DMARC|SPF|DKIM) (?:DNS |record )?(?:lookup|query) (?:failure|failed|error)\b|\b(?:temporary|temp\.?) (?:error|failure) (?:during|validating|checking|in) (?:the )?(?:DKIM|SPF|DMARC|reverse DNS|rDNS|PTR)\b|\b(?:DKIM|SPF|DMARC)\b[^.;]{0,40}\b(?:with a |a )?temporary (?:error|failure)|\b(?:SPF|DKIM|DMARC) (?:validation |check )?temp(?:orary)? ?error\b|\btemporary (?:SPF|DKIM|DMARC) (?:validation |check |verification )?(?:error|failure)\b|\brDNS lookup (?:error|timeout|timed out)|\bDNS error during policy check\b/i, class: 4 }, category: 'dns-failure', status: 'X.7.0', explanation: 'The receiving server could not check our sending domain\'s SPF, DKIM or DMARC, or our IP\'s reverse DNS, for now (a DNS failure on either side); it will likely work on a retry.' },
  // MailChannels (the outbound relay of many web hosts) tags its refusals: [CS] its content scan, [FBL] a block after
  // recipients reported the sender's mail as spam.
  { id: 'mailchannels-content', match: { has: ['[cs]'], text: /\[CS\] Message blocked\b/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'The relay (MailChannels) refused the message after scanning its content as spam.' },
  { id: 'mailchannels-feedback', match: { has: ['[fbl]'], text: /\[FBL\] Blocked\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The relay (MailChannels) blocked the sender because recipients reported their mail as spam.' },
  // Exchange Online: "550 5.1.6 Recipient addresses in single label domains not accepted" (ann@intranet): no such
  // domain can be reached on the internet; the 5.1.6 ("mailbox moved") is not what it means.
  { id: 'microsoft-single-label-domain', match: { has: ['single label'], text: /\bsingle label domains? not accepted\b/i }, category: 'domain-unknown', status: 'X.1.2', explanation: 'The address\'s domain is a single name without a dot (like "intranet"), which cannot be reached on the internet; check the address.' },
  // Exchange Online's anti-spam verdict on the message carries an AS(…) code like its IP blocks.
  { id: 'microsoft-content-spam', match: { has: ['identified as spam'], text: /\bcontent identified as spam\b/i }, category: 'content-or-spam', status: 'X.7.1', explanation: S.spam },
  { id: 'microsoft-banned-ip', match: { text: /banned sending IP|\bS3150\b|\bS3140\b|\b(?:SC|DY|OU)-00\d\b|block has been placed against your IP|part of their network is on our block list|traffic not accepted from this IP|sender\.office\.com|\bAS\(\d{3,5}\)/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Microsoft blocked our sending IP (on its block list or with poor reputation); delisting is requested at sender.office.com.' },
  { id: 'microsoft-reputation-throttle', match: { text: /temporarily rate limited due to IP reputation|\bS3113\b|\bS3114\b|\bS775\b|\bS844\b/i }, category: 'reputation-or-blocklist', status: 'X.7.650', explanation: 'Microsoft is temporarily rate-limiting our IP because of its poor reputation; we retry more slowly, but the sending reputation is what must improve.' },
  { id: 'microsoft-group-restricted', match: { text: /RESOLVER\.RST\.(?:AuthRequired|NotAuthorized|SenderNotAuthenticatedForGroup|RestrictedToRecipientsPermission)|not authorized to send to this recipient|(?:wasn't|was not) delivered because of security policies/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient (often a group or restricted mailbox in Microsoft 365) only accepts mail from authenticated or authorised senders.' },
  // 5.4.310 "DNS domain … does not exist [Message=InfoDomainNonexistent]": Exchange Online's NXDOMAIN.
  { id: 'microsoft-domain-unreachable', match: { text: /the domain is not reachable|DNS domain \S+ does not exist|InfoDomainNonexistent|DNS\.NonExistentDomain/i }, category: 'domain-unknown', status: 'X.1.2', explanation: 'Microsoft could not reach the recipient\'s domain; the domain probably does not exist or has no mail servers.' },
  // Exchange Online's sending and receiving limits (its NDR reference: 5.1.90, 5.2.2 "Submission quota exceeded",
  // 5.2.121/5.2.122): a rate, never a full mailbox, whatever X.2.2 says.
  { id: 'microsoft-sending-limit', match: { has: ['quota exceeded', 'daily limit', 'per hour', 'submissionquotaexceeded'], text: /submission ?quota ?exceeded|daily limit for message recipients|per hour message receive limit/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'Microsoft 365 refused the message because a sending or receiving limit per hour or per day was reached; it can be sent again later.' },
  // RFC 2606's reserved names (.example, .test, .invalid, .localhost), which Exchange refuses as recipients: no such address can ever exist.
  { id: 'reserved-domain', match: { has: ['2606'], text: /reserved by RFC ?2606/i }, category: 'domain-unknown', status: 'X.1.2', impliedClass: 5, explanation: 'The recipient\'s domain is a name reserved for documentation and tests (RFC 2606); no mail can be delivered there.' },
  { id: 'microsoft-dmarc', match: { text: /does not pass DMARC verification|\b5\.7\.509\b/i }, category: 'authentication-policy', status: 'X.7.1', explanation: 'Microsoft refused the message because the sending domain\'s DMARC check failed.' },

  // Yahoo, AOL, Verizon Media
  { id: 'yahoo-permanently-deferred', match: { text: /\[TSS0[5-9]\]|will be permanently deferred|retrying will NOT succeed/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Yahoo/AOL has permanently blocked mail from our IP because of its reputation or complaints.' },
  { id: 'yahoo-deferred-volume', match: { text: /\[TSS?0[1-4]\]|temporarily deferred due to unexpected volume or user complaints/i }, category: 'reputation-or-blocklist', status: 'X.7.0', explanation: 'Yahoo/AOL is deferring our mail because of user complaints or unusual volume (its reputation of our IP); we retry more slowly, but complaints are what must come down.' },
  { id: 'yahoo-blocklist', match: { text: /\[BL2[1-3]\]/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Yahoo/AOL refused the connection because our sending IP is on a blocklist (such as Spamhaus).' },
  { id: 'yahoo-content', match: { text: /\[CS0[1-9]\]/i }, category: 'policy', status: 'X.7.9', explanation: 'The provider refused the message for its content or local policy (Yahoo/iCloud policy code).' },
  { id: 'yahoo-no-account', match: { text: /this user doesn'?t have a [\w.-]+ account/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'Yahoo says this account does not exist; check the address for typos.' },
  // Yahoo checks recipients at the end of DATA and words it "Requested mail action aborted, mailbox not
  // found" (as Sisimai's Rhost::YahooInc reads it: user unknown); "dd <address> is no longer valid" is an
  // account it has deactivated (suspend), "receiving mail too quickly" and "Max message per connection" its
  // rate limits.
  { id: 'yahoo-mailbox-not-found', match: { text: /requested mail action aborted, mailbox not found/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'Yahoo says this mailbox does not exist; check the address for typos.' },
  { id: 'yahoo-no-longer-valid', match: { has: ['no longer valid'], text: /\bdd \S+@\S+ is no longer valid/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: 'Yahoo says this account is no longer valid (deactivated); it does not accept mail for now.' },
  { id: 'yahoo-rate', match: { text: /(?:user|recipient) is receiving mail too quickly|max(?:imum)? messages? per connection reached|message (?:from \S+ )?temporarily deferred - 4\.16\.5\d/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'The receiving server is limiting how fast this mailbox or this connection takes mail; later messages usually get through.' },
  { id: 'aol-throttle', match: { text: /\bDYN:T[12]\b|\bRLY:(?:T|TH)\d?\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'AOL/Yahoo is throttling mail from our IP; we slow down and retry.' },
  // GoDaddy (secureserver.net) puts its hourly limits behind a misleading 5.1.1: "… has sent to too many
  // recipients this hour. IB607".
  { id: 'godaddy-hourly-limit', match: { text: /has sent (?:to )?too many (?:recipients|messages|e-?mails) this hour|\bIB60[5-8]\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'GoDaddy is limiting how much mail our IP may send per hour; later messages get through once the hour has passed.' },
  // AOL's CON:B1 is a connection refused for too much mail (or spam) from our IP lately: a 421 asks us to back off for
  // now, a 5xx (its 521/554 pages) is a block.
  { id: 'aol-con-throttled', match: { code: 421, text: /\bCON:B\d\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'AOL/Yahoo is refusing connections from our IP for now because it sent them too much mail (or spam) lately; later messages may go through at a lower rate.' },
  { id: 'aol-blocked', match: { text: /\bRTR:(?:BL|GE|RD|BB|DU|CH|BG)\b|\bCON:B\d\b|\bRLY:(?:B\d|BD|CH|IR|NW|OB|RD|SN|SQ)\b|\bDNS:(?:NR|RD)\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'AOL/Yahoo blocked our sending IP (reputation, missing reverse DNS or complaints).' },

  // Comcast's documented codes (postmaster.comcast.net): BL000000-BL000111 our IP listed (its own list, Spamhaus,
  // Cloudmark, SenderScore), ES000001/ES000010 a dynamic or residential IP, RL000001-RL000010 too many sessions
  // or messages. The words next to them ("block for spam") are about us, not the message.
  // Comcast's reply for an account that is gone asks senders to stop: "550 5.2.0 <…> - Account Closed, Please Remove"
  // (a closed account elsewhere may be reopened: that stays a disabled mailbox).
  // qmail-remote's temporary DNS failure, "Sorry, I couldn't find any host by that name. (#4.1.2)", bounced once the
  // message has waited too long; its permanent one names the host, "… any host named X. (#5.1.2)" (and qmail's
  // first releases wrote the sentence without a code as the permanent one).
  { id: 'qmail-temporary-dns', match: { has: ['by that name'], text: /couldn'?t find any host by that name\.? \(#4\.1\.2\)/i }, category: 'dns-failure', status: 'X.4.3', explanation: 'qmail could not look up the recipient\'s domain for now (a temporary DNS failure, its code 4.1.2); the domain may well exist.' },
  // Hornetsecurity files its refusals under 5.5.x statuses whatever the reason (its code table): the words say which.
  { id: 'hornetsecurity-spam-ip', match: { has: ['spam ip rejected'], text: /\bspam ip rejected\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: S.blocklist },
  { id: 'hornetsecurity-spam', match: { has: ['rejected spam'], text: /\be-?mail rejected spam\b/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'The recipient\'s filter (Hornetsecurity) refused the message as spam.' },
  { id: 'hornetsecurity-attachment', match: { has: ['rejected content attachment'], text: /\brejected content attachment\b/i }, category: 'virus', status: 'X.7.1', explanation: S.virus },
  { id: 'hornetsecurity-size', match: { has: ['message size (content filter)', 'content filter size'], text: /\bmessage size \(content filter\)|\brejected content filter size\b/i }, category: 'message-too-large', status: 'X.3.4', explanation: 'The recipient\'s filter (Hornetsecurity) refused the message as larger than it allows.' },
  { id: 'hornetsecurity-loop', match: { has: ['loop detection'], text: /\bloop detection > ?\d+/i }, category: 'system-error', status: 'X.4.6', explanation: 'The message was caught in a mail routing loop (the recipient\'s filter, Hornetsecurity, counted too many passes), usually a forwarding misconfiguration.' },
  { id: 'comcast-account-closed', match: { has: ['please remove'], text: /\baccount closed,? please remove\b/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The recipient\'s provider (Comcast) says this account is closed and asks senders to remove the address.' },
  { id: 'comcast-blocked', match: { has: ['bl0', 'es0'], text: /\b(?:BL|ES)0\d{5}\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Comcast blocked our sending IP (a blocklist listing, spam-like sending, or a dynamic/residential address).' },
  { id: 'comcast-rate', match: { has: ['rl0'], text: /\bRL0\d{5}\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'Comcast is limiting our sessions or messages; we slow down and retry.' },

  // Mail.ru takes the recipient at RCPT and refuses an address it has no mailbox for only after the message:
  // "550 Message was not accepted -- invalid mailbox.  Local mailbox <address> is unavailable: user not found"
  // (as a notice of Exim's quotes it, and Sisimai reads it: no such user). Its own words, at DATA: not a filter's.
  // The same sentence ending "account is disabled" is a disabled mailbox (read by the generic rule).
  { id: 'mailru-no-such-user', match: { has: ['invalid mailbox'], text: /not accepted -- invalid mailbox\b.{0,120}\bunavailable: user not found/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'Mail.ru says it has no mailbox for this address (it checks recipients only after the message); check the address for typos.' },

  // Apple iCloud
  // iCloud's own replies (smtp.codes/icloud and senders' catalogues of them): a per-recipient volume deferral, a
  // DMARC refusal and its SPF/DKIM refusal ([HME1]) carry the same support link as its policy refusals; "inactive
  // email address" is an address its owner has deactivated for now (Apple's Hide My Email help), whatever the 5.1.1;
  // "user lookup success but no user record found" is what iCloud answered for existing users during its April
  // 2021 outage (SocketLabs' incident report), not a verdict.
  { id: 'icloud-volume', match: { has: ['excessive volume'], text: /deferred due to excessive volume/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'iCloud Mail is deferring mail to this recipient because it is receiving too much right now; later messages usually get through.' },
  { id: 'icloud-authentication', match: { has: ['dmarc', 'spf'], text: /rejected due to \S+ DMARC policy|blocked for failing (?:both )?SPF and DKIM/i }, category: 'authentication-policy', status: 'X.7.1', explanation: 'The receiving server refused the message because it failed the sending domain\'s DMARC policy.' },
  { id: 'icloud-inactive', match: { has: ['inactive email address'], text: /\binactive email address\b/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: 'iCloud says its owner has deactivated this address for now; it may be reactivated.' },
  { id: 'icloud-lookup-failure', match: { has: ['no user record'], text: /user lookup success but no user record found/i }, category: 'system-error', status: 'X.3.0', explanation: 'iCloud could not look this user up (it gave this answer for existing users during an outage), so the address is not judged.' },
  // Sign in with Apple's private relay (privaterelay.appleid.com) takes mail only from sending domains and return
  // paths the app's developer registered with Apple: "550 5.1.1 <our return path>: unauthorized sender" refuses
  // our sender, whatever the 5.1.1 says; the relay address is valid (Apple's developer help, senders' reports).
  { id: 'apple-relay-unauthorized-sender', match: { has: ['unauthori'], text: /unauthori[sz]ed sender\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s relay (such as Apple\'s private email relay) refused our sender as not registered with it; the address is valid, our sending domain must be registered for it.' },
  { id: 'icloud-policy', match: { text: /\[(?:HM0\d|CS0\d)\].{0,60}local policy|support\.apple\.com\/.{0,20}HT204137/i }, category: 'policy', status: 'X.7.1', explanation: 'iCloud Mail refused the message under its local policy, usually because of the sender\'s reputation or the content.' },

  // Facebook's documented response codes (postmaster.facebook.com/response_codes): RCP-P1, INT-P1 and INT-P4
  // "the attempted recipient address does not exist", INT-P3 the same for a group; RCP-P2/RCP-P3 the
  // recipient's preferences or privacy settings; RCP-T4 "currently deactivated".
  { id: 'facebook-no-such-user', match: { text: /\b(?:RCP-P1|INT-P[134])\b/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'Facebook says this address does not exist (its code RCP-P1 or INT-P1/P3/P4).' },
  { id: 'facebook-deactivated', match: { text: /\bRCP-T4\b/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: 'Facebook says this address is deactivated for now (its code RCP-T4).' },
  // Facebook (and others with per-recipient preferences)
  { id: 'recipient-preferences', match: { text: /refused due to recipient preferences|\bRCP-P[23]\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s settings refuse mail from this sender; the address itself is valid.' },

  // au/KDDI (ezweb.ne.jp, au.com): "<address>: User unknown" is a real unknown user, but the same words with
  // the address left out (": User unknown", also as relayed by Google or Microsoft) are what its
  // recipient-side filters answer. The reply may follow the relaying MTA's framing that ends in a colon
  // (Exim's "host …]: 550 : User unknown", Gmail's "… unable to receive mail. 550 : User unknown" (the code is taken
  // out before the rules read a text), DragonFly's "did not like our RCPT TO: 550 : User unknown") or a
  // transcript's arrow or rule ("Received >>> 550 : User unknown", "----- 550 : User unknown"); "<addr>: User
  // unknown", the address right before the colon, stays a real unknown user.
  { id: 'kddi-filtered', match: { text: /(?:^|[;:]|->|\b[245]\d\d:|[>.-]\s)\s*: User unknown\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s carrier (au/KDDI style) refused the message with its filter wording (": User unknown" without an address): the recipient filters this sender, the address is not necessarily bad.' },

  // Orange and La Poste (France): a code after the text, `OFR_417`, `LPN007_426`, `OFR006_102`, `OUK_513`,
  // whose last three digits say what happened (Sisimai's Rhost::FrancePTT lists them with their texts): 416/418
  // an invalid recipient, 417 a full mailbox, 420 an archived and 426 a blocked recipient account (both may
  // come back), 102/103/510/999 our IP refused, 506 the message judged spam, 514 too large, 403/405/415/421
  // our sender refused. ("Archived recipient" without the code stays a user unknown, as Sisimai's reason
  // lists read it; with Orange's own code the provider's meaning decides.)
  { id: 'orange-invalid-recipient', match: { has: ['ofr', 'lpn', 'ouk'], text: /\b(?:LPN|OFR|OUK)(?:\d{3})?[-_](?:416|418)\b/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'Orange/La Poste says this recipient address is invalid (its code 416/418).' },
  { id: 'orange-full', match: { has: ['ofr', 'lpn', 'ouk'], text: /\b(?:LPN|OFR|OUK)(?:\d{3})?[-_]417\b/i }, category: 'mailbox-full', status: 'X.2.2', explanation: 'Orange/La Poste says the recipient\'s mailbox is full (its code 417).' },
  { id: 'orange-suspended', match: { has: ['ofr', 'lpn', 'ouk'], text: /\b(?:LPN|OFR|OUK)(?:\d{3})?[-_](?:420|426)\b/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: 'Orange/La Poste says the recipient\'s account is archived or blocked for now (its code 420/426); it may be reactivated.' },
  { id: 'orange-blocked', match: { has: ['ofr', 'lpn', 'ouk'], text: /\b(?:LPN|OFR|OUK)(?:\d{3})?[-_](?:102|103|401|510|999)\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Orange/La Poste refused our sending IP (its code 102/103/401/510/999: spam incidents, SPF or reputation).' },
  { id: 'orange-spam', match: { has: ['ofr', 'lpn', 'ouk'], text: /\b(?:LPN|OFR|OUK)(?:\d{3})?[-_]506\b/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'Orange/La Poste rejected the message as spam (its code 506).' },
  { id: 'orange-too-large', match: { has: ['ofr', 'lpn', 'ouk'], text: /\b(?:LPN|OFR|OUK)(?:\d{3})?[-_]514\b/i }, category: 'message-too-large', status: 'X.3.4', explanation: 'Orange/La Poste says the message exceeds its size limit (its code 514).' },
  { id: 'orange-sender', match: { has: ['ofr', 'lpn', 'ouk'], text: /\b(?:LPN|OFR|OUK)(?:\d{3})?[-_](?:305|402|403|405|415|421)\b/i }, category: 'policy', status: 'X.7.1', explanation: 'Orange/La Poste refused our sender (its code 403/405/415/421: invalid sender, or authentication required).' },

  // Cox: `AUP#CODE` after the text (cox.com's list of email error codes, as Sisimai's Rhost::Cox reads it):
  // CXBL, CDRBL and the IPBLnnnn family our IP blocked or listed; URLBLnnn a URL in the message listed; CXDNS
  // our IP's reverse DNS; CXSNDR our sender's SPF/DKIM; CXCNCT and CXMXRT too many connections or recipients;
  // CXTHRT, CXMJ and CXSMTP a refusal of the sending account or session.
  { id: 'cox-blocked', match: { has: ['aup#'], text: /AUP#(?:CXBL|CDRBL|IPBL\d{4,5})\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Cox blocked our sending IP (spam-like behaviour or a DNS blocklist listing; its code CXBL/CDRBL/IPBL).' },
  { id: 'cox-url-listed', match: { has: ['aup#'], text: /AUP#URLBL\d{3,4}\b/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'Cox refused the message because a URL in it is on a blocklist (its code URLBL).' },
  { id: 'cox-reverse-dns', match: { has: ['aup#'], text: /AUP#CXDNS\b/i }, category: 'authentication-policy', status: 'X.7.25', explanation: S.ptr },
  { id: 'cox-sender-auth', match: { has: ['aup#'], text: /AUP#CXSNDR\b/i }, category: 'authentication-policy', status: 'X.7.1', explanation: S.auth },
  { id: 'cox-rate', match: { has: ['aup#'], text: /AUP#(?:CXCNCT|CXMXRT)\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'Cox is limiting our connections or recipients (its code CXCNCT/CXMXRT); we slow down and retry.' },
  { id: 'cox-policy', match: { has: ['aup#'], text: /AUP#(?:CXTHRT|CXMJ|CXSMTP)\b/i }, category: 'policy', status: 'X.7.1', explanation: 'Cox refused the session or the sending account (its code CXTHRT/CXMJ/CXSMTP).' },

  // Spectrum (Charter): `AUP#I-1234` or `AUP#In-1234` (incoming), `AUP#O-1234` or `AUP#Out-1234` (outgoing), ranges documented by Spectrum
  // (and read so by Sisimai's Rhost::Spectrum): 1000 and 1200-1250 our IP blocked or listed, 1010-1080 the
  // sending account, 1100-1150 our reverse DNS, 1300-1340 connections, 1350-1490 and 1540-1580 volume, 1530
  // size. None says the recipient does not exist.
  { id: 'spectrum-blocked', match: { has: ['aup#'], text: /AUP#(?:In?|O(?:ut)?)?-?(?:1000|12[0-5]\d)\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Spectrum blocked our sending IP (suspicious activity or a blocklist listing).' },
  { id: 'spectrum-reverse-dns', match: { has: ['aup#'], text: /AUP#(?:In?|O(?:ut)?)?-?1(?:1[0-4]\d|150)\b/i }, category: 'authentication-policy', status: 'X.7.25', explanation: S.ptr },
  { id: 'spectrum-rate', match: { has: ['aup#'], text: /AUP#(?:In?|O(?:ut)?)?-?1(?:3[0-4]\d|3[5-9]\d|4\d\d|54\d|55\d|58\d)\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'Spectrum is limiting our connections, messages or recipients; we slow down and retry.' },
  { id: 'spectrum-too-large', match: { has: ['aup#'], text: /AUP#(?:In?|O(?:ut)?)?-?1530\b/i }, category: 'message-too-large', status: 'X.3.4', explanation: 'Spectrum refused the message as larger than its 20 MB limit.' },
  { id: 'spectrum-policy', match: { has: ['aup#'], text: /AUP#(?:In?|O(?:ut)?)?-?1\d{3}\b/i }, category: 'policy', status: 'X.7.1', explanation: 'Spectrum refused the message or the sending account for a policy reason (its AUP code).' },

  // Vade (the filter in front of Earthlink and many OX-hosted providers) ends each refusal with its code,
  // `OXSUS0001_NNN` (postmaster-oxsus.vadesecure.com): 403 the recipient does not exist or its address is malformed
  // (Vade tells senders to treat it as a hard bounce), 101 our IP on its threat network's list, 102 its servers have
  // too much queued, 105 no reverse DNS for our IP, 110/140 too many connections/messages; EarthLink's own page
  // (postmaster-earthlink.vadesecure.com) gives the same numbers as `ELNK_NNN`. The words before the code
  // ("Connection refused", "Connection deferred") are the same for all of them and say nothing of the network.
  { id: 'vade-no-such-user', match: { has: ['oxsus', 'elnk_'], text: /\b(?:OXSUS0*1|ELNK)_403\b/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The recipient\'s filter (Vade) says this address does not exist or is malformed (its code 403); check the address.' },
  { id: 'vade-blocked', match: { has: ['oxsus', 'elnk_'], text: /\b(?:OXSUS0*1|ELNK)_101\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The recipient\'s filter (Vade) refused our sending IP: it is on its threat network\'s list (its code 101).' },
  { id: 'vade-busy', match: { has: ['oxsus', 'elnk_'], text: /\b(?:OXSUS0*1|ELNK)_102\b/i }, category: 'server-busy', status: 'X.3.2', explanation: 'The recipient\'s filter (Vade) has too much mail queued right now and deferred ours (its code 102); we will retry.' },
  { id: 'vade-reverse-dns', match: { has: ['oxsus', 'elnk_'], text: /\b(?:OXSUS0*1|ELNK)_105\b/i }, category: 'authentication-policy', status: 'X.7.25', explanation: S.ptr },
  { id: 'vade-rate', match: { has: ['oxsus', 'elnk_'], text: /\b(?:OXSUS0*1|ELNK)_1[14]0\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'The recipient\'s filter (Vade) is limiting our connections or messages (its code 110/140); we slow down and retry.' },

  // Yandex (yandex.com/support/mail/bounces): "Policy rejection on the target address" is the recipient's account
  // blocked for breaking its terms, which the owner can have lifted.
  { id: 'yandex-target-blocked', match: { has: ['target address'], text: /policy rejection on the target address/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: 'Yandex says the recipient\'s account is blocked (its owner can have it unblocked); it does not accept mail for now.' },
  // Mimecast's 421 "Unable to process connection at this time" (its documented SMTP codes): its servers are at their
  // limit, not a refusal of us.
  { id: 'mimecast-busy', match: { has: ['unable to process connection'], text: /unable to process connection at this time/i }, category: 'server-busy', status: 'X.3.2', explanation: S.busy },

  // Tencent (QQ Mail) words its refusals after its help pages (service.mail.qq.com/detail/122/…): "Mailbox
  // unavailable or access denied" from a qq.com host and "… frequency limited" are its limits on our
  // sending (Sisimai's Rhost::Tencent, applied to qq.com hosts only: speeding), not a missing mailbox; the
  // same words from other servers (Cox) do mean no such mailbox. "Suspected spam ip"/"bounce attacks": our
  // IP refused; "Mail is rejected by recipients": the recipient's own block list.
  { id: 'tencent-frequency', match: { has: ['qq.com', 'frequency limited'], text: /qq\.com\b.{0,200}mailbox unavailable or access deni(?:n)?ed|mailbox unavailable or access deni(?:n)?ed.{0,200}qq\.com\b|\b(?:ip|domain|sender|connection) frequency limited/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'Tencent (QQ Mail) is limiting how much mail it takes from us right now; later messages usually get through.' },
  // QQ Mail's check of our envelope sender's domain (its help page: the sending domain does not exist or its DNS check
  // failed), answered after DATA: about our domain's DNS, not the recipient's domain.
  { id: 'tencent-sender-dns', match: { has: ['dns check failed'], text: /\bdomain may not\s+exist or dns check failed\b/i }, category: 'authentication-policy', status: 'X.7.1', explanation: 'The receiving server (QQ Mail) could not verify our sending domain in DNS (it says the domain may not exist or its DNS check failed); the recipient\'s address was not judged.' },
  { id: 'tencent-blocked', match: { has: ['suspected '], text: /suspected (?:bounce attacks|spam ip)/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'Tencent (QQ Mail) refused our sending IP as a suspected spam source.' },
  { id: 'tencent-recipient-block', match: { has: ['rejected by recipient'], text: /mail is rejected by recipients?/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s own settings refuse mail from this sender (Tencent/QQ Mail); the address itself is valid.' },

  // i.ua (Ukraine) links each refusal to mail.i.ua/err/N (Sisimai's Rhost::IUA): 2 no such user, 3 a mailbox
  // unused for months (suspended), 4 full, 5 sending limit, 1/6 relaying, 7 HELO, 8 sender, 9 our IP listed.
  { id: 'iua-no-such-user', match: { has: ['i.ua/err/'], text: /\.i\.ua\/err\/0?2\b/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'i.ua says this user does not exist (its error 2).' },
  { id: 'iua-suspended', match: { has: ['i.ua/err/'], text: /\.i\.ua\/err\/0?3\b/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: 'i.ua says this mailbox has not been used for months and is suspended (its error 3).' },
  { id: 'iua-full', match: { has: ['i.ua/err/'], text: /\.i\.ua\/err\/0?4\b/i }, category: 'mailbox-full', status: 'X.2.2', explanation: 'i.ua says the recipient\'s mailbox is full (its error 4).' },
  { id: 'iua-rate', match: { has: ['i.ua/err/'], text: /\.i\.ua\/err\/0?5\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'i.ua says a sending limit was exceeded (its error 5).' },
  { id: 'iua-blocked', match: { has: ['i.ua/err/'], text: /\.i\.ua\/err\/0?9\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'i.ua says our sending IP is blacklisted (its error 9).' },
  { id: 'iua-policy', match: { has: ['i.ua/err/'], text: /\.i\.ua\/err\/(?:0?[1678]|10)\b/i }, category: 'policy', status: 'X.7.1', explanation: 'i.ua refused our server or sender for a policy reason (its errors 1, 6, 7, 8, 10: relaying, HELO, sender check, address lists).' },

  // Sophos Email (Central) names the reason with a code after a bare "Command rejected" (docs.sophos.com, "SMTP
  // error codes"): XGEMAIL_0011 the recipient does not exist at the protected domain; 0001-0003 DKIM, SPF, DMARC;
  // 0004/0005 our IP or domain on a blocklist; 0006 the TLS version; 0007 the recipient's licence expired; 0008/0009
  // an admin or user block list; 0010 a domain it does not protect; 0012 size; 0013-0015 recipient and rate limits.
  { id: 'sophos-no-such-recipient', match: { has: ['xgemail_'], text: /\bXGEMAIL_0011\b/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The recipient\'s filter (Sophos Email) says this address does not exist at the domain (its code XGEMAIL_0011).' },
  { id: 'sophos-authentication', match: { has: ['xgemail_'], text: /\bXGEMAIL_000[123]\b/i }, category: 'authentication-policy', status: 'X.7.1', explanation: 'The recipient\'s filter (Sophos Email) refused the message because it failed DKIM, SPF or DMARC for the sending domain.' },
  { id: 'sophos-blocklist', match: { has: ['xgemail_'], text: /\bXGEMAIL_000[45]\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The recipient\'s filter (Sophos Email) refused our sending IP or domain because it is on a blocklist.' },
  { id: 'sophos-tls', match: { has: ['xgemail_'], text: /\bXGEMAIL_0006\b/i }, category: 'tls-required', status: 'X.7.10', explanation: 'The recipient\'s filter (Sophos Email) requires a TLS version our connection did not offer.' },
  { id: 'sophos-block-list', match: { has: ['xgemail_'], text: /\bXGEMAIL_000[89]\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s organisation or user has our sender, domain or IP on its own block list (Sophos Email).' },
  { id: 'sophos-not-protected', match: { has: ['xgemail_'], text: /\bXGEMAIL_0010\b/i }, category: 'relay-denied', status: 'X.7.1', explanation: 'The recipient\'s domain is not one this Sophos Email server protects, so it will not accept mail for it (wrong MX).' },
  { id: 'sophos-size', match: { has: ['xgemail_'], text: /\bXGEMAIL_0012\b/i }, category: 'message-too-large', status: 'X.3.4', explanation: 'The message is larger than the recipient\'s filter (Sophos Email) allows.' },
  { id: 'sophos-limits', match: { has: ['xgemail_'], text: /\bXGEMAIL_001[345]\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'The recipient\'s filter (Sophos Email) applied a recipient or inbound rate limit; later messages usually get through.' },
  { id: 'sophos-licence', match: { has: ['xgemail_'], text: /\bXGEMAIL_0007\b/i }, category: 'system-error', status: 'X.3.0', explanation: 'The recipient organisation\'s Sophos Email licence has expired, so its filter refuses mail; the address is not in question.' },

  // NetEase (163.com, 126.com) puts a code of its own after the reply code, glossed in its help pages and catalogued
  // in Chinese: HL:ICC/IFC too many connections or messages from our IP, MI:DMC/SFQ and RP:DRC too many messages or
  // recipients; HL:REP many unknown recipients, HL:MEP forged sender domains, DT:RBL a blocklist; DT:SPM spam; WM:BLI/
  // BLU not on the recipient's allowed senders; MI:CEL/CCL, RP:CEL/CCL too many bad or extra commands.
  { id: 'netease-rate', match: { has: ['hl:', 'mi:', 'rp:'], text: /\b(?:HL:(?:ICC|IFC)|MI:(?:DMC|SFQ)|RP:DRC)\b/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'NetEase (163.com/126.com) is limiting the connections, messages or recipients it takes from us; we slow down and retry.' },
  { id: 'netease-blocked', match: { has: ['hl:', 'dt:'], text: /\b(?:HL:(?:REP|MEP)|DT:RBL)\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'NetEase (163.com/126.com) refused our sending IP (a blocklist, many unknown recipients or forged sender domains from it).' },
  { id: 'netease-spam', match: { has: ['dt:spm'], text: /\bDT:SPM\b/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'NetEase (163.com/126.com) refused the message as spam (its code DT:SPM).' },
  { id: 'netease-allowlist', match: { has: ['wm:bl'], text: /\bWM:BL[IU]\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient at NetEase only accepts mail from senders or IPs on its allowed list.' },
  { id: 'netease-commands', match: { has: ['mi:c', 'rp:c'], text: /\b(?:MI|RP):C[CE]L\b/i }, category: 'protocol-error', status: 'X.5.2', explanation: 'NetEase (163.com/126.com) refused us for sending too many bad or unexpected SMTP commands.' },

  // Hosts that name our sending IP or account in their own words: T-Online refuses IPs it does not know or that look
  // dial-up with a contact at rx.t-online.de and a tag ((NOWL), (DIAL)); "Your IP(…) is filtered" (Korean ISPs); and
  // Mail.ru's "message sending for this account is disabled" is the sending account, not the recipient's mailbox.
  { id: 'tonline-ip-refused', match: { has: ['rx.t-online.de'], text: /@rx\.t-online\.de\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'T-Online refused our sending IP (no or poor reputation with it, or it looks like a dial-up address); its postmaster can reset it.' },
  { id: 'ip-filtered', match: { has: ['is filtered'], text: /\byour IP\s*\(\S+\) is filtered/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The receiving server has filtered our sending IP as a spam source and closed the connection.' },
  { id: 'sending-account-disabled', match: { has: ['sending for this account'], text: /sending for this account is disabled/i }, category: 'policy', status: 'X.7.1', explanation: 'The sending account has been stopped from sending (often after suspected abuse); the recipient address is not in question.' },

  // Proofpoint
  { id: 'proofpoint-blocked', match: { text: /(?:ipcheck|support)\.proofpoint\.com|pphosted\.com.{0,60}\bblocked\b|proofpoint.{0,40}(?:dnsbl|block)/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The recipient\'s Proofpoint filter blocked our sending IP for poor reputation.' },

  // Mimecast
  { id: 'mimecast-blocked-senders', match: { text: /rejected by header based (?:manually )?blocked senders|envelope (?:blocked|rejected) - user entry|blocked senders? list/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s organisation (Mimecast) has our sender on its blocked-senders list.' },
  { id: 'mimecast-anti-spoofing', match: { text: /anti-?spoofing policy/i }, category: 'authentication-policy', status: 'X.7.1', explanation: 'The recipient\'s filter (Mimecast anti-spoofing) refused the message because the sender looks forged.' },
  { id: 'mimecast-reputation', match: { text: /IP reputation - \(reject\)|Local CT IP Reputation/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The recipient\'s filter (Mimecast) refused our sending IP for poor reputation.' },
  { id: 'mimecast-spam-signature', match: { text: /MCSpamSignature|Message is spam - https?:\/\/community\.mimecast/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'The recipient\'s filter (Mimecast) matched the message against a spam signature.' },
  // Mimecast's documented SMTP error codes: a Content Examination policy or its security scan (virus or spam
  // score) refused the message; too many of our connections at once.
  // qmail's chkuser (chkuser_settings.h) answers every RCPT, valid ones too, with its #5.1.1 once a session passed its
  // limit of wrong recipients (CHKUSER_MAXWRONGRCPT_STRING), and refuses our sender's domain without MX with the same
  // status (CHKUSER_SENDERMX_STRING): about our session and our sender, not the address.
  { id: 'chkuser-wrong-rcpt-limit', match: { has: ['violating our security policies'], text: /you are violating our security policies/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The receiving server (qmail\'s chkuser) refuses every further recipient of this session because it sent too many unknown ones: it is about us, not this address.' },
  { id: 'mimecast-content', match: { has: ['content examination', 'security policies'], text: /content examination policy|email rejected due to security policies/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'The recipient\'s filter (Mimecast) refused the message for its content (a content policy or its virus and spam scan).' },
  { id: 'mimecast-thread-limit', match: { has: ['thread limit', 'account service'], text: /exceeding outbound thread limit|account service is temporarily unavailable/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'The recipient\'s filter (Mimecast) refused because too many connections are open at once; it can be sent again later.' },

  // Symantec Email Security.cloud (MessageLabs) refuses an address its customer does not have with its own,
  // non-standard code and nothing more: "542 <address> Rejected" (Sisimai's Lhost::MessageLabs reads it as
  // user unknown). The code is the evidence: other servers' "<address> rejected" stays with the usual rules.
  { id: 'messagelabs-542-rejected', match: { code: 542, text: /^<?[^\s<>@]+@[^\s<>@]+>? rejected\.?$/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The recipient\'s filtering service (Symantec Email Security.cloud, formerly MessageLabs) rejected this address with its code 542, which it uses for addresses its customer does not have.' },

  // The recipient system's local delivery agent (procmail, maildrop, a pipe) failed: whatever words it
  // quotes ("No such user"), this is a mailer error on their side, not a verdict from their MTA. Except maildrop's
  // "maildir over quota", which qmail hosts and GMX document as a full mailbox (a report's own specific Status,
  // such as Sendmail's X.3.0 for the mailer's exit, stays the status).
  { id: 'maildrop-over-quota', match: { has: ['maildrop'], text: /\bmaildrop: maildir over quota\b/i }, category: 'mailbox-full', explanation: 'The recipient\'s mailbox is full: its mail server\'s delivery program (maildrop) refused the message because the mailbox is over its quota.' },
  // The local delivery program's own quota refusal ("procmail: Quota exceeded while writing", "Mailbox limit exceeded
  // while appending", maildrop's "maildir over quota"): the mailbox is full, not a mailer error.
  { id: 'local-delivery-quota', match: { has: ['procmail:', 'maildrop:'], text: /\b(?:procmail|maildrop): (?:quota exceeded|mailbox limit exceeded|maildir over quota)/i }, category: 'mailbox-full', status: 'X.2.2', explanation: S.full },
  { id: 'local-delivery-agent', match: { text: /\bx-unix;|\bprocmail:|\bmaildrop:|\bmail\.(?:maildir|mboxfile|mda|lmtp): |local delivery (?:failed|error)|mailer error|(?:^|\s)(?:\/bin\/)?(?:sh|bash|dash): (?:line )?\d+: /i }, category: 'system-error', explanation: 'The recipient\'s server failed to hand the message to the local mailbox program (a mailer error on their side).' },

  // A suspended, frozen or on-hold account is one that may come back, and the words say so even when the
  // server put a "no such user" status (5.1.1) on them, as many do: they beat the status.
  { id: 'mailbox-suspended', match: { text: /(?:account|mail ?box|user|address|recipient)(?:'s)?(?: account)? (?:is |has been |was |currently |been )*(?:temporar(?:il)?y |administratively )?(?:put )?(?:suspended|frozen|on hold)|\[SUSPEND\]/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: S.disabled },

  // Barracuda's gateway answers "550 permanent failure for one or more recipients (<address>:<result>)": "blocked"
  // is a policy of the recipient's gateway; any other result quotes the next server's reply and is read by it.
  { id: 'barracuda-recipient-blocked', match: { has: ['permanent failure for one or more'], text: /permanent failure for one or more recipients \(\S+:blocked\)/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s Barracuda gateway blocked the message by one of its policies (sender, content or reputation), not because the address is bad.' },

  // Broadcom Email Security.cloud (MessageLabs): "Sorry, your email address/domain has been blocked (blacklisted)"
  // means the recipient's own block list holds our sender (Broadcom's KB 173082), not a public blocklist.
  { id: 'symantec-sender-blocked', match: { has: ['sorry, your '], text: /sorry, your (?:email address|domain) has been (?:blocked|blacklisted)/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s organisation has our sender address or domain on its own block list (Broadcom Email Security.cloud).' },
  // Symantec/Broadcom's gateways close a refusal with the scanning mode, "554 Denied (Mode: normal)"; Broadcom lists
  // it among refusals for suspicious content.
  { id: 'symantec-denied', match: { has: ['(mode: '], text: /\bdenied \(mode: \w+\)/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'The recipient\'s filter (Symantec/Broadcom) refused the message after scanning it, as suspicious content.' },

  // Postfix's address verification (reject_unverified_recipient, ADDRESS_VERIFICATION_README): a relay asks the
  // server behind it whether the address is deliverable before it accepts mail. "undeliverable address: …" means
  // the probe bounced (the address is bad, and reads so from its X.1.1); "unverified address: …" that it has not
  // concluded (in progress, or failing for now: "Recipient address lookup failed"), under the same 4.1.1. Not
  // proof that the mailbox is missing, unless the probe's own answer, quoted after it, says so ("unverified
  // address: unknown user: …" from a server that defers unknown users; not its DNS lookup's "Host or domain name not
  // found … try again").
  { id: 'postfix-unverified-address', match: { text: /\bunverified address\b(?!.{0,300}(?:user unknown|unknown (?:user|recipient|mailbox|address)|no such (?:user|mailbox|recipient)|(?:does not|doesn'?t) exist|(?<!\bhost (?:or domain name )?)not found|invalid (?:recipient|mailbox|user)|unrouteable address|(?:do not|don't) have (?:the )?permission to (?:post|send|submit)))/i }, category: 'system-error', status: 'X.1.1', explanation: "The receiving relay could not yet verify this address with the server behind it (Postfix's address verification is in progress or failing for now); the address is not known to be bad." },
  // Postfix's prefix for a refusal of our envelope sender by the recipient's own rules (check_sender_access: "Sender
  // address rejected: listed on local blocklist"): a site's list of senders, not a DNSBL, unless it names one.
  // Postfix's reject_non_fqdn_recipient: the address has no full domain ("ann@mailhost"), so no server on the Internet
  // can take mail for it (its status, 5.5.2, names the command's syntax, not the address).
  // RFC 5321's own example of a temporary refusal, "mailbox busy", and a mailbox file another process holds locked: the
  // mailbox is there and in use, not disabled, whatever X.2.1 the reply gives.
  { id: 'mailbox-busy', match: { has: ['busy', 'locked by another'], text: /\bmail ?box (?:is )?(?:currently )?busy\b|\bmail ?box is locked by another process\b/i }, category: 'server-busy', status: 'X.2.0', explanation: 'The recipient\'s mailbox was busy (in use by another delivery) and the server asked us to try again later.' },
  { id: 'postfix-non-fqdn-recipient', match: { has: ['recipient address rejected'], text: /\bRecipient address rejected: need fully-qualified address\b/i }, category: 'domain-unknown', status: 'X.1.2', explanation: 'The recipient\'s address has no full domain after the @ (e.g. "ann@mailhost"), so no mail server on the Internet can take mail for it; check the address.' },
  { id: 'postfix-sender-access', match: { has: ['sender address rejected'], text: /\bSender address rejected:(?=[^\n]{0,200}(?:block ?list|black ?list|deny ?list))(?![^\n]{0,200}(?:spamhaus|spamcop|sorbs|barracuda|dnsbl|\brbl\b|blocked using|uceprotect))/i }, category: 'policy', status: 'X.7.1', explanation: S.senderRejected },
  // Blocklists by name, Barracuda's (its lookup zone and "Barracuda Reputation": the vendor's name alone is a
  // gateway's signature, "User unknown. Protected by Barracuda Networks"), Cloudmark, generic DNSBL wording;
  // Spamhaus's zones by their names ("Listed by CSS", SBL, XBL, PBL, DBL), as its replies quote them after the zone queried.
  // Exim's sender verification, whose stock explanation guesses why ("The account or domain may not exist, they
  // may be blacklisted, or missing the proper dns entries"): our envelope sender was refused, not a blocklist verdict.
  // (Its temporary form when our domain's servers did not answer its callout: "451 Could not complete sender verify callout".)
  // Exim's callout to an address's own server met a refusal of the null sender: "Callback setup failed while
  // verifying <…> … Refusing MAIL FROM:<> does not help fight spam …" (its words to that server's admin, not a spam
  // verdict on us). Our sender's when it answers MAIL FROM.
  { id: 'exim-callout-null-sender', match: { has: ['callback setup failed', 'refusing mail from:<>'], text: /\bcallback setup failed while verifying\b|\brefusing MAIL FROM:<> does not help\b/i }, category: 'policy', status: 'X.1.8', explanation: 'The receiving server checked an address by calling its mail server with an empty sender (MAIL FROM:<>), and that server refused it; the check failed, not the message (with our sender address: our domain\'s mail servers must accept the empty sender).' },
  { id: 'exim-sender-verify', match: { has: ['sender verif'], text: /\bsender verif(?:y|ication) failed\b|could not complete sender verify callout/i }, category: 'policy', status: 'X.1.8', explanation: S.senderRejected },
  // cPanel's Exim says the same for an address its routers could not route at all (`cannot_route_message`: no such
  // account on the server, or a domain that does not resolve; a lookup that fails for now is deferred, not this).
  { id: 'cpanel-cannot-route', match: { has: ['may not exist'], text: /\bcould not deliver mail to \S+\s+the account or domain may not exist\b/i }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The receiving server (cPanel) could not route mail to this address at all: the account does not exist there, or its domain does not resolve.' },
  // A content filter's score, whose rule names may include block lists' ("RCVD_IN_BL_SPAMCOP_NET"): the verdict is
  // about the message.
  { id: 'spam-score', match: { has: ['spamassassin score', 'content filter rejection'], text: /\bspamassassin score\b|\bcontent filter rejection\b/i }, category: 'content-or-spam', status: 'X.7.1', explanation: S.spam },
  // "Your IP address has a bad reputation" under any status (antispameurope's 5.5.4).
  { id: 'bad-reputation', match: { has: ['bad reputation'], text: /\bhas a (?:bad|poor) reputation\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: S.blocklist },
  // A recipient's own block list of senders ("550 5.1.1 <addr> sender is blacklisted", ASPone's): our sender address,
  // not our IP's reputation.
  { id: 'sender-blacklisted', match: { has: ['blacklist', 'black-list', 'blocklist', 'block-list', '黑名单', '수신'], text: /被收件人加(?:入)?黑名单|수신\s?(?:차단|거부)(?:\s?하였습니다|되었습니다|했습니다)|在收件人的黑名单|\bsender (?:address )?(?:<[^<>\s]*> )?(?:is|has been) (?:black|block)-?listed\b|\bhas black-?listed (?:you|<?[^\s<>@]+@)|\bsender (?:address )?is on (?:the |a )?(?:domain'?s |recipient'?s |user'?s |local )?black-?list\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient has our sender address on their own block list; no verdict on the address.' },
  // A URL block list (SURBL, URIBL) names a domain *in the message*: a verdict on the content, not on our IP.
  { id: 'url-blocklist', match: { has: ['surbl', 'uribl', 'contains domain'], text: /\bSURBL\b|\bURIBL\b|\bmessage contains (?:the )?domain \S+ listed\b/i }, category: 'content-or-spam', status: 'X.7.1', explanation: 'The receiving server refused the message because a link or domain in it is on a URL block list (SURBL, URIBL).' },
  // Spamhaus answers a query that came through a public resolver, or one of too many, with an error code that a
  // receiving server misreads as a listing ("blocked using zen.spamhaus.org; Error: open resolver; …/returnc/pub/…"):
  // our IP is not listed, the receiver's DNS set-up is at fault.
  { id: 'dnsbl-query-refused', match: { has: ['returnc', 'open resolver', 'excessive number of queries'], text: /\bError: open resolver\b|\breturnc\/(?:pub|vol|err)\b|\bexcessive number of queries\b/i }, category: 'system-error', status: 'X.7.1', explanation: 'The receiving server misread an error from its block list as a listing: Spamhaus refuses lookups that come through public DNS resolvers (or too many of them). Our IP is not listed; the receiver\'s postmaster must fix their DNS set-up.' },
  // Debian's Exim configuration: an administrator's own lists of refused senders and of refused local-part characters
  // ("sender envelope address … is locally blacklisted here", "restricted characters in address"): the site's rules.
  // (Its "sender IP address … is locally blacklisted" is about our IP: a blocklist, read so by the rule below.)
  { id: 'exim-local-lists', match: { has: ['locally blacklisted', 'restricted characters'], text: /\bsender envelope address \S+ is locally blacklisted here\b|^(?:\d{3}[ -])?restricted characters in address\s*$/im }, category: 'policy', status: 'X.7.1', explanation: 'The receiving server\'s own lists refuse this (a sender, an address or characters its administrator listed), not a public blocklist; the address was not judged to be missing.' },
  { id: 'dnsbl', match: { text: /spamhaus|\bspfbl\b|\bsorbs\b|spamcop|barracudacentral|barracuda reputation|barracudanetworks\.com\/reputation|uceprotect|\bpsbl\b|\bDNSBLs?\b|\bRBLs?\b|blocked using |block ?list|black ?list(?:ed)?\b(?! (?:(?:high[- ]risk|dangerous|executable) )?(?:mime|file|extension|attachment|url))|deny ?list(?:ed)?|client host (?:\S+ )?(?:blocked|rejected: blocked)|csi\.cloudmark\.com|cloudmark.{0,40}(?:block|reset)|listed (?:at|in|on|by) (?:\S+\.)+[a-z]{2,}|\blisted by (?:css|sbl|xbl|pbl|dbl)\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: S.blocklist },
];

// ---------------------------------------------------------------------------------------------------
// 2. Decisive RFC 3463 / RFC 5248 registry statuses.

export const ENHANCED_RULES: readonly Rule[] = [
  // A refusal of STARTTLS itself (454 4.7.0 "TLS not available"): about encryption, whatever X.7.x it carries.
  { id: 'starttls-refused', match: { phase: ['starttls'], code: [400, 599] }, category: 'connection-failure', status: 'X.7.10', explanation: 'The receiving server refused to start encryption (STARTTLS) with this reply; where our TLS policy allows it, the message goes on unencrypted on the same connection, otherwise it is retried.' },
  // Decisive even after DATA: the server named the mailbox as bad (sendmail also reports pipelined RCPT
  // rejections after ">>> DATA"). Wording alone after DATA is treated as filtering (WORDING_RULES).
  { id: 'X.1.1', match: { enhanced: 'X.1.1' }, category: 'mailbox-unknown', explanation: S.userUnknown },
  // X.1.2 for a domain whose null MX says it takes no mail (mox: "Domain … sends and receives no email (NULL MX)").
  { id: 'X.1.2-null-mx', match: { enhanced: 'X.1.2', text: /\bnull MX\b|\b(?:sends and receives|accepts|receives) no e-?mail\b/i }, category: 'no-mail-service', explanation: 'The recipient\'s domain publishes a "null MX": it explicitly accepts no email at all.' },
  { id: 'X.1.2', match: { enhanced: 'X.1.2' }, category: 'domain-unknown', explanation: 'The recipient\'s domain (the part after @) does not exist or cannot receive mail; check the address for typos.' },
  { id: 'X.1.3', match: { enhanced: 'X.1.3' }, category: 'mailbox-unknown', explanation: 'The recipient address is not a valid e-mail address (bad syntax).' },
  { id: 'X.1.4', match: { enhanced: 'X.1.4' }, category: 'mailbox-unknown', explanation: 'The recipient address is ambiguous at the receiving server (it matches several mailboxes).' },
  { id: 'X.1.6', match: { enhanced: 'X.1.6' }, category: 'mailbox-moved', explanation: S.moved },
  // RFC 3463 names X.1.7 "bad sender's mailbox address syntax"; servers give it to any refused sender (unknown, not allowed).
  { id: 'X.1.7', match: { enhanced: 'X.1.7' }, category: 'policy', explanation: 'The receiving server refused our envelope sender (return path) address: badly formed, unknown there, or not allowed; no recipient was judged.' },
  { id: 'X.1.8', match: { enhanced: 'X.1.8' }, category: 'policy', explanation: 'The receiving server refused our envelope sender (return path) because its domain does not resolve or cannot receive replies.' },
  { id: 'X.1.10', match: { enhanced: 'X.1.10' }, category: 'no-mail-service', explanation: 'The recipient\'s domain publishes a "null MX": it explicitly accepts no email (RFC 7505).' },
  { id: 'X.2.2', match: { enhanced: 'X.2.2' }, category: 'mailbox-full', explanation: S.full },
  { id: 'X.2.3', match: { enhanced: 'X.2.3' }, category: 'message-too-large', explanation: 'The message is larger than the recipient\'s mailbox or server allows.' },
  { id: 'X.2.4', match: { enhanced: 'X.2.4' }, category: 'system-error', explanation: 'The recipient is a mailing list that could not be expanded.' },
  { id: 'X.3.1-too-many', match: { enhanced: 'X.3.1', text: /too many (?:messages|mails|e-?mails|connections|recipients)|\brate\b|\bper \d+ (?:seconds?|minutes?|hours?)\b/i }, category: 'rate-limited', explanation: 'The receiving server says we send it too much mail; we slow down and retry.' },
  { id: 'X.3.1', match: { enhanced: 'X.3.1' }, category: 'server-busy', explanation: 'The receiving mail system is out of storage space.' },
  // RFC 3463's X.3.2 is "system not accepting network messages": shutting down, overloaded, in maintenance, "useful for
  // both permanent and persistent transient errors". Only a host that says it takes no mail at all (RFC 7504's 521 and
  // 556, "does not accept mail") has no mail service; else the system is down for now, whatever the class.
  { id: '5.3.2', match: { enhanced: '5.3.2', code: 521 }, category: 'no-mail-service', explanation: 'The receiving system says it does not accept mail from the network at all.' },
  { id: '5.3.2-no-mail', match: { enhanced: '5.3.2', text: /(?:does not|doesn'?t|will not|won'?t|do not) accept (?:any )?(?:e-?)?mail|accepts no (?:e-?)?mail|null ?mx|\bno mail service\b/i }, category: 'no-mail-service', explanation: 'The receiving system says it does not accept mail from the network at all.' },
  { id: '5.3.2-busy', match: { enhanced: '5.3.2' }, category: 'server-busy', explanation: 'The receiving system says it is not accepting mail from the network (shutting down, overloaded or in maintenance); this is usually an outage, not a verdict on the address.' },
  { id: '4.3.2', match: { enhanced: '4.3.2' }, category: 'server-busy', explanation: 'The receiving system is not accepting mail right now (shutting down, overloaded or limiting connections); we will retry.' },
  { id: 'X.3.3', match: { enhanced: 'X.3.3' }, category: 'protocol-error', explanation: 'The receiving system does not support a feature the message needs (e.g. 8-bit or UTF-8 addresses).' },
  // X.3.4 ("message too big") that a server gives to a line too long for it: the line, not the message's size.
  { id: 'X.3.4-line', match: { enhanced: 'X.3.4', text: /\blines? (?:is |are )?too long\b/i }, category: 'protocol-error', explanation: 'The message has a line longer than the receiving server accepts (SMTP allows 1,000 characters a line, line end included).' },
  { id: 'X.3.4', match: { enhanced: 'X.3.4' }, category: 'message-too-large', explanation: S.tooBig },
  { id: 'X.3.5', match: { enhanced: 'X.3.5' }, category: 'system-error', explanation: 'The receiving mail system is misconfigured.' },
  { id: '4.4.1', match: { enhanced: '4.4.1' }, category: 'connection-failure', explanation: CONNECT_FAILURE },
  { id: 'X.4.2-rate', match: { enhanced: 'X.4.2', text: /\brate\b|too many/i }, category: 'rate-limited', explanation: 'The receiving server says we send it too much mail; we slow down and retry.' },
  { id: 'X.4.2', match: { enhanced: 'X.4.2' }, category: 'connection-failure', explanation: 'The connection to the receiving server broke off during the session.' },
  { id: 'X.4.3', match: { enhanced: 'X.4.3' }, category: 'dns-failure', explanation: 'A DNS or directory lookup needed to route the message failed.' },
  // The domain has MX records, but none of their hosts has an address (ours: "No MX host of D has an address").
  { id: 'mx-hosts-without-address', match: { enhanced: '5.4.4', text: /no MX host of \S+ has an address|all (?:relevant )?MX (?:records|hosts) point to non-?existent hosts/i }, category: 'domain-unknown', explanation: 'The recipient\'s domain names mail servers (MX records), but none of those servers\' names has an address in DNS, so no mail can reach it; the domain\'s mail setup is broken or abandoned.' },
  { id: '5.4.4', match: { enhanced: '5.4.4' }, category: 'domain-unknown', explanation: 'No route to the recipient\'s domain: it has no mail servers in DNS (no MX and no address), so it cannot receive mail.' },
  { id: '4.4.4', match: { enhanced: '4.4.4' }, category: 'dns-failure', explanation: 'The route to the recipient\'s domain could not be found for now (DNS); we will retry.' },
  // X.4.5 ("mail system congestion") that servers also give to their rate limits (Stalwart: "451 4.4.5 Rate limit
  // exceeded", "Maximum number of messages per session exceeded").
  { id: 'X.4.5-rate', match: { enhanced: 'X.4.5', text: /\brate limit|too many|maximum number of (?:messages|recipients|connections)/i }, category: 'rate-limited', explanation: S.rate },
  { id: 'X.4.5', match: { enhanced: 'X.4.5' }, category: 'server-busy', explanation: 'The receiving mail system is congested; we will retry.' },
  { id: 'X.4.6', match: { enhanced: 'X.4.6' }, category: 'system-error', explanation: 'The message was caught in a mail routing loop (too many hops), usually a forwarding misconfiguration.' },
  // Exchange's delay warning reports "400 4.4.7 Message delayed": not yet delivered and still being tried, not expired.
  { id: '4.4.7-delayed', match: { enhanced: 'X.4.7', class: 4, text: /\bmessage delayed\b|\bdelivery (?:is |has been )?delayed\b|will (?:continue|keep) (?:trying|to be attempted)/i }, category: 'server-busy', explanation: 'The message has not been delivered yet and the reporting server is still trying (a delay warning, no failure); it gives no other reason.' },
  { id: 'X.4.7', match: { enhanced: 'X.4.7' }, category: 'expired', explanation: S.expired },
  // Gmail's relay answers a client that did not log in with "530-5.5.1 Authentication Required": our login, not the
  // protocol.
  { id: 'X.5.1-auth', match: { enhanced: 'X.5.1', text: /authentication (?:is )?required|must authenticate|authenticate first/i }, category: 'policy', explanation: 'The server requires us to log in (SMTP authentication) before it takes this mail; no verdict on the recipient.' },
  { id: 'X.5.1', match: { enhanced: 'X.5.1' }, category: 'protocol-error', explanation: 'The server did not recognise an SMTP command.' },
  { id: 'X.5.2', match: { enhanced: 'X.5.2' }, category: 'protocol-error', explanation: 'The server reported an SMTP syntax error.' },
  // X.5.3 is "too many recipients"; a server that gives it to another refusal (Stalwart's Sieve reject: "503 5.5.3
  // <its script's words>") is read by those words.
  { id: 'X.5.3', match: { enhanced: 'X.5.3', class: 4 }, category: 'rate-limited', explanation: 'Too many recipients in one transaction for this server; the rest are sent separately.' },
  { id: 'X.5.3-words', match: { enhanced: 'X.5.3', text: /too many|recipients? (?:limit|per)|limit|maximum|exceed/i }, category: 'rate-limited', explanation: 'Too many recipients in one transaction for this server; the rest are sent separately.' },
  { id: 'X.5.3-refused', match: { enhanced: 'X.5.3', text: /reject|refus|denied|not accepted|filter/i }, category: 'policy', explanation: 'The receiving server refused the message by a rule of its own (a filter), whatever status it gave; no verdict on the address.' },
  { id: 'X.5.4', match: { enhanced: 'X.5.4' }, category: 'protocol-error', explanation: 'The server rejected the parameters of an SMTP command.' },
  { id: 'X.5.5', match: { enhanced: 'X.5.5' }, category: 'protocol-error', explanation: 'The server does not speak the protocol version we used.' },
  { id: 'X.5.6', match: { enhanced: 'X.5.6' }, category: 'protocol-error', explanation: 'An authentication line was too long for the server.' },
  { id: 'X.6.7', match: { enhanced: 'X.6.7' }, category: 'protocol-error', explanation: 'The receiving server does not accept non-ASCII (internationalised) addresses.' },
  { id: 'X.6.8', match: { enhanced: 'X.6.8' }, category: 'protocol-error', explanation: 'The message needs UTF-8 support the receiving server does not have.' },
  { id: 'X.6.9', match: { enhanced: 'X.6.9' }, category: 'protocol-error', explanation: 'The message headers contain 8-bit or UTF-8 data the receiving server does not accept.' },
  { id: 'X.7.8', match: { enhanced: 'X.7.8' }, category: 'policy', explanation: 'The server rejected our login credentials (SMTP authentication); check the relay username and password.' },
  { id: 'X.7.10', match: { enhanced: 'X.7.10' }, category: 'tls-required', explanation: 'Encryption (TLS) was required for this delivery, by the receiving server or by the sending side\'s TLS policy, and could not be used.' },
  { id: 'X.7.11', match: { enhanced: 'X.7.11' }, category: 'tls-required', explanation: 'The server requires encryption (STARTTLS) before this login method can be used.' },
  { id: 'X.7.13', match: { enhanced: 'X.7.13' }, category: 'mailbox-disabled', explanation: S.disabled },
  { id: 'X.7.16', match: { enhanced: 'X.7.16' }, category: 'message-too-large', explanation: 'The message is too large for the priority it was sent with.' },
  { id: 'X.7.17', match: { enhanced: 'X.7.17' }, category: 'mailbox-moved', explanation: 'The mailbox now belongs to someone else (its owner has changed), so the address no longer reaches the intended person.' },
  { id: 'X.7.18', match: { enhanced: 'X.7.18' }, category: 'mailbox-moved', explanation: 'The recipient\'s domain has changed owner, so the address no longer reaches the intended person.' },
  { id: 'X.7.20', match: { enhanced: 'X.7.20' }, category: 'authentication-policy', explanation: 'The receiving server requires a valid DKIM signature and found none that passed.' },
  { id: 'X.7.21', match: { enhanced: 'X.7.21' }, category: 'authentication-policy', explanation: 'The receiving server found no acceptable DKIM signature on the message.' },
  { id: 'X.7.22', match: { enhanced: 'X.7.22' }, category: 'authentication-policy', explanation: 'The message has no valid DKIM signature from the author\'s (From) domain.' },
  { id: 'X.7.23', match: { enhanced: 'X.7.23' }, category: 'authentication-policy', explanation: 'SPF check failed: our sending IP is not authorised by the sending domain\'s SPF record.' },
  { id: 'X.7.24', match: { enhanced: 'X.7.24' }, category: 'authentication-policy', explanation: 'The sending domain\'s SPF record could not be evaluated (SPF error).' },
  { id: 'X.7.25', match: { enhanced: 'X.7.25' }, category: 'authentication-policy', explanation: S.ptr },
  { id: 'X.7.26', match: { enhanced: 'X.7.26' }, category: 'authentication-policy', explanation: 'The message failed several sender authentication checks (SPF, DKIM, DMARC) for the sending domain.' },
  // Sendmail reports a recipient domain's null MX in its own notice as "550 Host does not accept mail" (RFC
  // 7504's text for a host that takes no mail) under 5.7.27: the words are about the destination. A notice
  // that reached us cannot be about our sender's domain accepting no mail.
  { id: 'X.7.27-destination', match: { enhanced: 'X.7.27', text: /\bhost does not accept (?:e-?)?mail\b(?! from)/i }, category: 'no-mail-service', explanation: S.noMail },
  // About our sender's domain, not the recipient: soft (RFC 7505 §4.2).
  { id: 'X.7.27', match: { enhanced: 'X.7.27' }, category: 'authentication-policy', explanation: 'The receiving server refused our envelope sender because its domain publishes a null MX (it cannot receive replies).' },
  { id: 'X.7.28', match: { enhanced: 'X.7.28' }, category: 'rate-limited', explanation: 'The receiving server detected a flood of mail from us and is limiting it; we slow down and retry.' },
  { id: 'X.7.29', match: { enhanced: 'X.7.29' }, category: 'authentication-policy', explanation: 'The receiving server rejected the message\'s ARC chain (authentication of forwarded mail).' },
  { id: 'X.7.30', match: { enhanced: 'X.7.30' }, category: 'tls-required', explanation: 'The message demands REQUIRETLS, which the receiving server does not support.' },
];

// ---------------------------------------------------------------------------------------------------
// 3. Common MTA wording. Order matters: specific before general.

/**
 * "No such user" as MTAs word it. Besides the usual English phrases: qmail's patches (badrcptto,
 * validrcptto, chkuser), vpopmail ("invalid or unknown virtual user"), Domino ("not listed in … Directory",
 * "no X in name directory"), and the same phrase in the languages servers answer in ("utilisateur inconnu",
 * "adresse inconnue", "usuario desconocido", "Empfänger unbekannt" (also spelt "Empfaenger"), Dutch "onbekende gebruiker", "nessun utente simile", "no existe ese
 * usuario", "пользователь не найден"), and Symantec/Broadcom Email Security.cloud's (MessageLabs) documented
 * "Recipient mailbox is not allowed" for an invalid address, and Chinese providers' "收件人不存在" (a Chinese
 * host's list of replies) and NetEase's "收件人邮件地址（…）不存在" ("the recipient's address (…) does not exist").
 * Gmail's "Address not found" heading in the sender's UI language ("Adresse introuvable", "Adresse nicht gefunden",
 * "Dirección no encontrada", "Indirizzo non trovato", "Endereço não encontrado", "Адрес не найден",
 * "アドレスが見つかりませんでした", "找不到地址"): read as its English heading is. Alibaba Mail (mxhichina.com) answers
 * "554 RCPT (<address>) dosn't exist", misspelt.
 */
/** The rule reading RFC 5321's stock "mailbox unavailable", which alone does not say which of its meanings is meant. */
export const STOCK_REPLY_RULE = 'wording:mailbox-unavailable';
/** Cox's documented reply for an address that does not exist ("Mailbox unavailable or access denied"): not the stock text. */
export const PROVIDER_UNAVAILABLE = /mailbox unavailable or access denied/i;

export const UNKNOWN_USER_RE =
  /user unknown|\buser <[^<>\s]*> unknown\b|unknown (?:user|recipient|local[- ]part|mailbox|address(?! error)|e-?mail)|invalid final delivery userid|(?:receiver|addressee|recipient name) (?:not found|unknown|is not recognized)|no such (?:active )?(?:user|mailbox|recipient|address|account|person|local user)|(?:user|recipient|rcpt|mailbox|address|account|addressee)(?: \S+)? (?:does not|doesn'?t|dosn'?t|did not) exist|not an? (?:known|valid) (?:user|recipient|mailbox|address|account)|invalid (?:\S+ )?user ?name|no (?:such )?mail ?box (?:found|available|by that name)|(?:user|recipient|mailbox|address|account|e-?mail)(?: \S+)? not found|(?:recipient|user|mailbox|e-?mail) (?:address )?(?:is )?(?:invalid|unknown|not valid)|invalid (?:recipient|mailbox|address|user|e-?mail)|bad destination mailbox|(?:user|mailbox|recipient) not (?:known|listed|local here)|(?:user|mailbox|recipient) (?:<[^<>\s]+>|[^\s<>@]+@[^\s<>@]+) not known|(?<!(?:sender'?s?|from|return|reply-to) )\b(?:address|recipient|mailbox) (?:<[^<>\s]+>|[^\s<>@]+@[^\s<>@]+) is (?:not valid|invalid)\b|does not have an account (?:here|on this (?:server|system))|\b(?:this |the )?user (?:doesn'?t|does not) have an? (?:\S+ )?account\b|\b(?:user|recipient) (?:is )?not a member of (?:this |the )?domain|\brecipient cannot be verified|mail ?box \( ?[^\s()]+ ?\) not found|archived recipient|(?:wasn'?t|was not) found at [a-z0-9-]+\.[a-z]{2,}|no matches to nameserver query|unknown in (?:virtual|local|relay) (?:mailbox|alias|recipient)|unrouteable address|undeliverable address(?!:\s*\S)|add?ress?ee unknown|not our customer|recipient not in route list|no mailbox here|mailbox (?:does not|doesn'?t) exist|account (?:does not|doesn'?t) exist|no valid recipients(?! from)|recipient not ok\b|recipient is not local|not a local address|this address no longer accepts mail|unknown or illegal alias|not listed in (?:the )?(?:public )?(?:\S+ ){0,2}(?:directory|address book)|nicht im (?:\S+-)?verzeichnis\b|non r[ée]pertori[ée] dans l'annuaire|ディレクトリに(?:は)?見つかりません|recipient address rejected(?:\s*[.:]?\s*$|\.|: (?:user ?unknown|undeliverable(?! address:\s*\S)|unknown|invalid[- ](?:user|recipient)))|(?<!(?:sender'?s?|from|return|reply-to|ip) )\baddress (?:unknown|invalid)\b|(?:address|user|mailbox|recipient) not present|not present in (?:the )?(?:\S+ )?directory|in name directory|can'?t accept user|destination addresses were unknown|destination server rejected recipients|(?:user|recipient|mailbox|address|account|addressee|e-?mail|email name)(?: \S+)? (?:was |is |has )?(?:not been |not |could not be |couldn'?t be |cannot be )found|(?:user|recipient|mailbox|address|account)(?: \S+)? not exist|(?:user|recipient|mailbox|address|account|e-?mail)(?: \S+)? no longer exists?\b|(?:e-?mail )?(?:address|mailbox|account) (?:is )?no longer in use\b|non-?existent (?:user|recipient|mailbox|address|account)|user \(\S+\) unknown|<[^<>\s]+@[^<>\s]+> not found|not an active address|(?:mail ?box|account) has been (?:deleted|removed)|unrecogni[sz]ed[- ]o\/?r[- ]name|originator\/recipient name not recogni[sz]ed|(?:account|address|mailbox) (?:that )?you(?:'re| are)? (?:trying|tried) to reach (?:does not|doesn'?t) exist|(?:is|are) no longer an? valid (?:e-?mail )?address|\buser has no mail ?box\b|recipient mailbox is not allowed|recipient address rejected: not in (?:the )?recipient list|(?:e-?mail )?address you entered (?:couldn'?t|could not|can'?t|cannot) be found|(?:user|recipient|e-?mail) (?:e-?mail )?address is marked as invalid|no (?:such )?account by that name|badrcptto|badrecipientto|\bnosuchuser\b|not in my validrcptto|envelope recipient has been denied|no one at this address|(?:address|account|mailbox) is (?:wrong or )?no longer valid|bad[_ ]recipient\b|unknown virtual user|user missing home directory|unroutable address|utilisateur inconnu|destinataire inconnu|adresse (?:e-?mail )?(?:du destinataire )?inconnue|пользователь не найден|нет такого пользователя|(?:usuario|destinatario) desconocido|\b(?:usu[aá]rio|destinat[aá]rio|direcci[oó]n|utilisateur|destinataire|utente|destinatario|indirizzo)s? (?:inexistente|inexistant|inesistente)\b|no se encuentra en el directorio de domino|\b(?:recipient |e-?mail )add?ress unknown\b|no existe (?:dicha persona|ese usuario)|usu[aá]rio desconhecido|utente sconosciuto|nessun utente simile|empf(?:[aä]|ae)nger unbekannt|unbekannter empf(?:[aä]|ae)nger|benutzer unbekannt|onbekende (?:gebruiker|ontvanger)|(?:gebruiker|ontvanger) (?:is )?onbekend|weil die adresse nicht gefunden wurde|wurde (?:nicht (?:in|auf|unter|bei) \S+|(?:in|auf|unter|bei) \S+ nicht) gefunden|adresse (?:introuvable|nicht gefunden)|direcci[oó]n no encontrada|indirizzo non trovato|endere[cç]o n[aã]o encontrado|адрес (?:\S+ ){0,3}не найден|tài khoản không tồn tại|địa chỉ (?:email |e-mail )?không tồn tại|người dùng không tồn tại|ที่อยู่อีเมลไม่ถูกต้องหรือไม่มีอยู่จริง|ไม่มีรายชื่อนั้นอยู่จริง|var olmayan e-?posta adresi|böyle bir kullanıcı yok|bilinmeyen kullanıcı|\bakun tidak ada\b|\b(?:alamat|pengguna|akun)(?: email| e-mail)? tidak (?:ada|ditemukan|terdaftar)\b|tidak terdaftar di server penerima|مستخدم غير معروف|مستلم غير صالح|アドレスが見つかりませんでした|\S+\s?が\s?\S+\s?で見つかりませんでした|e-?mail-?adresse (?:\S+ ){0,3}(?:wurde nicht gefunden|konnte nicht gefunden werden)|(?:e-?mail-?)?konto existiert nicht|nie mo[żz]na (?:odnale[źz][ćc]|znale[źz][ćc]) (?:\S+ ){0,2}adresu|adres(?:i|in)? bulunamad[ıi]|e-?mail-?c[íi]m nem (?:tal[áa]lhat[óo]|l[ée]tezik)|finner ikke e-?postadressen|kunne ikke finde e-?mail-?adressen|e-?mail-?adressen (?:\S+ ){0,3}blev ikke fundet|det gick inte att hitta (?:den )?e-?postadress|διεύθυνση (?:\S+ ){0,5}δεν βρέθηκε|no se encontr[óo] a \S+ en \S+|ユーザー?(?:は|が)(?:登録されていません|存在しません)|(?:rcpt|recipient) account (?:is )?invalid|\bno so user\b|\bno user found\b|użytkownik nie istnieje|uživatel neexistuje|kullanıcı bulunamadı|收件者不存在|адресат не существует|(?:该|此)?用户未开通(?:QQ)?邮箱|\bis not my user\b|(?:recipient|user) does not have an account|don'?t exists? that user|\bnot (?:a )?user of this (?:server|system|domain)\b|找不到地址|(?<!发件人)(?:该|此)用户(?:名)?不存在|收件人(?:邮件)?(?:地址)?(?:[（(][^）)]{0,100}[）)])?不存在|주소를 찾을 수 없|존재하지 않는 (?:사용자|계정|(?:이)?메일 ?주소)|(?:사용자|계정|(?:이)?메일 ?주소)(?:가|이) 존재하지 않습니다/i;

/** A mailing-list manager's refusal of a post for who sent it; the bounce parser recognises such notices by it too. */
export const LIST_POST_REFUSED =
  /(?:are|is) not (?:a member|subscribed) (?:of|to) (?:this|the) (?:mailing )?list|you are not an? (?:list )?subscriber\b|was\s+unable\s+to\s+be\s+delivered\s+to\s+the\s+list\b|non-members are not allowed to post|(?:do not|don'?t|may not) have permissions? to (?:post|send)(?: messages)? to (?:this|the) (?:group|distribution list|list)|(?:message|post) is not from a (?:list )?member|not authori[sz]ed to send mail to the \S+ list|only (?:list )?(?:members|subscribers) (?:can|may|are allowed to) post|not (?:allowed|permitted|authori[sz]ed) to post (?:messages )?to (?:this|the) (?:mailing )?list|only accepts messages from people (?:in|within) its organi[sz]ation|does not allow posting (?:through|by|via) e-?mail|delivery to this (?:address|group|recipient) is restricted|your\s+message\s+to\s+the\s+\S+\s+mailing[- ]list\s+was\s+rejected\s+for\s+the\s+following\s+reasons?\b|has\s+been\s+rejected\s+by\s+the\s+(?:list\s+)?moderator|\bposting\s+of\s+your\s+message\s+titled\b|the\s+message\s+comes\s+from\s+a\s+moderated\s+member|the message's content type was (?:explicitly disallowed|not explicitly allowed)|rechazad[ao] por el moderador de la lista|rejet[ée]e? par le mod[ée]rateur de la liste|konnte\s+nicht\s+(?:über|ueber)\s+die\s+liste\s+verteilt\s+werden|(?:die|diese)\s+liste\s+nicht\s+abonniert/i;

/**
 * Our sending IP or server named as the cause: Postfix's "Client host rejected", a DNSBL named ("blocked
 * using", an "…rbl"), "from your IP", dynamic IPs, open proxies. Not Exim's "after initial connection": that
 * names the stage (classify reads it as `connect`, where a reply without words of its own is our host
 * refused), and the reply's own words ("421 Too many connections", "554 No SMTP service here") say why.
 */
export const OUR_HOST_REFUSED =
  /client host rejected|\bblocked using\b|(?:rbl|dnsbl)\b|\b(?:blocked|refused|rejected) - see https?:|\b(?:from|by) your (?:ip|host|server|mail server|network)\b|\byour (?:remote ?host|ip(?: address)?|(?:mail )?server) (?:looks|is|has|requires|was)\b|\b(?:you are|currently) sending spam|\bspams? from your\b|\bdynamic(?:\/\w+)* ips?\b|\bhosts? with dynamic ip|\bopen proxy|\bgo away\b|confirm this mail server|use the smtp server of your (?:isp|provider)|(?:mail server|host|ip) at \S+ is blocked|no access from (?:your )?mail server|no access for (?:this|your) ip\b|\bmail from \[?\d{1,3}(?:\.\d{1,3}){3}\]? refused|bad ip profile|\bsender ip(?: address)? (?:rejected|refused|blocked)|invalid ip for sending|unverif(?:i|y)?abl?e sending ips?|unwanted messages have been sent from|sending mta or the sender has not passed validation|(?:access )?to submit messages to this e-?mail system has been rejected|not allowed to connect|not allowed to send mail from|host network not allowed|server access forbidden|unresolvable relay host/i;

/**
 * Our envelope sender named as the cause: BATV and backscatter checks, null senders, a sender called a spammer or
 * not pre-approved, a gateway's sender filter (Trend Micro's "Block permanently (Sender Filtering/Authentication)",
 * which it sends with a 521 that would otherwise read as a domain taking no mail).
 */
export const SENDER_CHECKS =
  /\bsender e-?mail address (?:rejected|refused)|\bfrom:\s?domain must resolve\b|valid MX for sender domain|unroutable sender|\bsender (?:is (?:a )?)?(?:known )?spammer|sender not pre-?approved|sender domain is empty|bogus mail from|mail from not owned by|\bno MX for your (?:from|sender) (?:address|domain)\b|\bnot owned by (?:the )?(?:authenticated |logged[- ]in )?user\b|\bmust be (?:the )?same as (?:the )?(?:authori[sz]ation|authenticated|login|logged[- ]in) user\b|\binvalid return path\b|(?:null|empty|blank) (?:envelope )?(?:senders?|return[- ]path|mail from) (?:is |are )?not (?:allowed|accepted)|\bBATV\b|backscatter|\bbadmailfrom\b|legitimate bounces are never sent to more than one recipient|third-party DSNs?|unsigned DSN|returned mail not accepted|[eé]metteur invalide|purported responsible address|cannot resolve your address|(?:not|isn'?t) on the recipient'?s list of senders|senderfilterconfig|this server does not accept mail from|registered as (?:a )?spammer|by (?:the )?user'?s reject list|invalid DNS MX or A\/AAAA resource record|(?:we|i) do(?:n'?t| not) accept (?:e-?)?mail from this (?:address|sender)|not allowed to use the domain \S+ as (?:a )?sender domain|(?:do|does) not have permission to send|not a registered gateway user|envelope blocked|\(sender filtering(?:\/authentication)?\)/i;

/**
 * A reply the command does not allow (RFC 5321 §4.2.1, §4.3.2: a 250 in place of DATA's 354, a 354 to RCPT,
 * a 1xx or 6xx code), a reply to no command, or one too long: the delivery code marks it EPROTOCOL and
 * retries. Read before any other rule: its code and words are no verdict.
 */
export const OUT_OF_PROTOCOL: Rule = {
  id: 'out-of-protocol',
  match: {},
  category: 'protocol-error',
  status: 'X.5.0',
  explanation: {
    default:
      'The receiving server broke the SMTP protocol (a reply the command does not allow, a reply to no command, or a malformed one), so its answer is no verdict; nothing was delivered by this attempt and we will retry.',
    data: 'The receiving server broke the SMTP protocol around the message (for example a 250 in place of 354, so the message was never sent, or a reply after the message that is no verdict); we will retry.',
  },
};

/**
 * A refusal after the message that names other recipients of it, not this one (a server that checks
 * addresses only after the content refuses the whole message for one bad address): the delivery code marks
 * this recipient EOTHERRCPT and sends to it again without them.
 */
export const ANOTHER_RECIPIENT: Rule = {
  id: 'another-recipient',
  match: {},
  category: 'policy',
  status: 'X.0.0',
  explanation:
    'The receiving server refused the whole message after its content with a reply about another of its recipients, not this one; this address is not in doubt, and we will send to it again without that recipient.',
};

/** The delivery code's ETLSREQUIRED: our policy (not the server) requires TLS, and the server offers none. */
export const TLS_REQUIRED_BY_US: Rule = {
  id: 'tls-required-by-us',
  match: {},
  category: 'tls-required',
  status: 'X.7.10',
  explanation:
    "Our TLS policy requires encryption for this destination, but the receiving server does not offer it (no STARTTLS), so nothing was sent; we will retry. The server's operator must enable TLS, or the policy (delivery.tls_policy) must allow this domain without it.",
};

/** The delivery code's ELEASELOST: an attempt stopped before the message because its queue claim lapsed. */
export const CLAIM_LAPSED: Rule = {
  id: 'claim-lapsed',
  match: {},
  category: 'system-error',
  status: 'X.3.0',
  explanation:
    'mailtrail stopped this attempt before sending the message: this relay had been paused longer than its claim on the message lasts, so another relay may be delivering it; nothing was sent from here, and it is retried.',
};

/** The delivery code's EUNRESPONSIVE: an address skipped because it did not answer lately (src/delivery/unresponsive-hosts.ts). */
export const HOST_UNRESPONSIVE: Rule = {
  id: 'host-unresponsive',
  match: {},
  category: 'connection-failure',
  status: 'X.4.1',
  explanation:
    'Not tried this time: this mail server did not answer a recent connection of ours at all (no connection or no greeting before the timeout), so mailtrail leaves it alone for a while (delivery.unresponsive_hosts.hold_ms, doubling while it stays silent; the recorded attempt gives the time) rather than send every message into the same wait; then one connection tries it first. The message waits and is retried, through another MX host when the domain has one that answers.',
};

/** EABORTED: mailtrail was stopping and cut the attempt before the message was complete. */
export const STOPPED_BY_US: Rule = {
  id: 'stopped-by-us',
  match: {},
  category: 'system-error',
  status: 'X.3.0',
  explanation:
    'mailtrail was being stopped (a shutdown or restart) and cut this attempt before the message was complete, so nothing was delivered; it is retried.',
};

/** EABORTED after the message: the stop ran out of time waiting for the receiver's answer to it. */
export const STOPPED_AWAITING_REPLY: Rule = {
  id: 'stopped-awaiting-reply',
  match: {},
  category: 'system-error',
  status: 'X.3.0',
  explanation:
    "mailtrail was being stopped (a shutdown or restart) while it waited for the receiving server's answer to the message, and could not wait longer: the receiver may already have it, so the retry may deliver it twice.",
};

/** EUNRESPONSIVE for an address one of our connections is still waiting on (no timeout yet, nothing held). */
export const HOST_STALLED: Rule = {
  id: 'host-stalled',
  match: {},
  category: 'connection-failure',
  status: 'X.4.1',
  explanation:
    'Not tried this time: a connection of ours to this mail server has been waiting for its first word longer than a server normally takes, so mailtrail opens no more to it until that one is answered or times out. The message waits and is retried, through another MX host when the domain has one that answers.',
};

/** ELOCALLIMIT when the address's queue was full and none of its sessions were ending (pool `busy`). */
export const LOCAL_QUEUE_FULL: Rule = {
  id: 'local-queue-full',
  match: {},
  category: 'system-error',
  status: 'X.4.5',
  explanation:
    "Not tried this time: mailtrail already had as many connections open to this mail server as it allows (delivery.max_connections_per_host) and as many more sessions waiting, and none of them was finishing (a server that answers slowly or not at all), so this one did not queue behind them. The message waits and is retried; raising the limit would not help while the server is this slow.",
};

export const WORDING_RULES: readonly Rule[] = [
  // Our own words, not a server's: the per-host connection cap (src/delivery/pool.ts) had no free slot.
  { id: 'local-connection-limit', match: { text: /\bELOCALLIMIT\b|^local limit: \d+ connections? to /i, phase: ['connect'] }, category: 'system-error', status: 'X.4.5', impliedClass: 4, explanation: 'Our own limit on simultaneous connections to this mail server (delivery.max_connections_per_host) was reached and no connection came free in time: the sessions holding them were slow, or the server stopped answering them. The message waits and is retried. If this happens often with a server that answers promptly, raise the limit.' },
  { id: 'greylisted', match: { text: /gr[ea]y-?list(?:ed|ing)?|postgrey|\bthis mail is temporarily denied\b(?![ \t]*(?:because|due|for|by))|greylisting in action|sqlgrey|first-time sender tempfailed|intention(?:al)? policy rejection|intended policy rejection|is not yet authori[sz]ed to deliver mail from/i }, category: 'greylisted', status: 'X.7.1', explanation: S.grey },
  // Our own words (src/routing/mta-sts.ts, src/delivery/deliverer.ts): the recipient domain's MTA-STS policy ruled a host out.
  { id: 'mta-sts', match: { text: /\bMTA-STS policy of \S+ \(enforce/i }, category: 'tls-required', status: 'X.7.5', impliedClass: 4, explanation: "The recipient's domain publishes an MTA-STS policy in enforce mode (RFC 8461): its mail may go only to the MX hosts the policy lists, over TLS with a certificate valid for the host name. This host did not qualify, so the message was not sent to it; it stays queued and is retried. If no host qualifies for long, the recipient domain's MX records, certificates or policy are wrong: tell its postmaster." },
  { id: 'tls-certificate', match: { text: /certificate (?:has )?(?:expired|verify failed|not trusted)|unable to verify (?:the first )?certificate|self[- ]signed certificate|\bCERT_[A-Z_]+\b|\bDEPTH_ZERO_SELF_SIGNED_CERT\b|ERR_TLS_CERT|Hostname\/IP does not match certificate|not valid for \S+ \(/i }, category: 'connection-failure', status: 'X.7.10', impliedClass: 4, explanation: { default: 'The receiving server\'s certificate could not be verified (self-signed, expired, issued by an unknown authority or for another name) and our TLS policy requires a valid one, so the connection was closed before any mail; we will retry.', dsn: 'The reporting server could not verify the next server\'s certificate (self-signed, expired, issued by an unknown authority or for another name) and would not send without a valid one (reported later in a bounce, after the message had been accepted).' } },
  { id: 'tls-error', match: { text: /\bETLS\b|(?:TLS|SSL) (?:handshake|negotiation) (?:failed|error)|\bSSL routines\b|dh key too small|handshake failure|certificate (?:has )?(?:expired|verify failed|not trusted)|unable to verify (?:the first )?certificate|self[- ]signed certificate|wrong version number|ERR_SSL_|\bCERT_[A-Z_]+\b|\bDEPTH_ZERO_SELF_SIGNED_CERT\b|ERR_TLS_CERT/i }, category: 'connection-failure', status: 'X.7.10', impliedClass: 4, explanation: 'The encrypted (TLS) connection to the receiving server could not be established (handshake or certificate failure).' },
  // Postfix's answer to STARTTLS when its own TLS set-up is broken (no certificate or key): their fault, not a demand.
  { id: 'tls-broken-there', match: { has: ['local problem', 'temporary reason'], text: /\bTLS not available due to (?:a )?(?:local problem|temporary reason)\b/i }, category: 'system-error', status: 'X.7.0', explanation: 'The receiving server offered encryption (STARTTLS) but its own TLS set-up is broken, so it could not start it; their postmaster must fix it (mail may still go unencrypted).' },
  { id: 'tls-required', match: { text: /must issue (?:a )?STARTTLS|no TLSA records found|(?:STARTTLS|TLS|SSL|encryption)(?: is)? (?:required|mandatory)|\b(?:TLS|SSL)[\w/.]*[ -]connection (?:is )?required|requires? (?:STARTTLS|TLS|encryption|a secure connection|an encrypted connection)|(?:START)?TLS (?:is )?not (?:offered|supported|advertised|available)|does not support (?:START)?TLS\b|\bno TLS available but required\b|\bsecurity level check failed\b|\binvalid security level \(\w+\) for STS policy\b|not offered STARTTLS|encryption needed|server certificate not (?:verified|trusted)|non DNSSEC destination|TLS configuration problem|MinimumTlsRequirementNotMet|via an encrypted (?:SMTP )?session|must be sen[dt] with an? encryption/i }, category: 'tls-required', status: 'X.7.10', explanation: S.tls },
  { id: 'not-rfc-compliant', match: { text: /header syntax check failed|\bheader syntax\s*$|maximum allowed line length is \d+ octets|only one \S+ header (?:is )?allowed|we require a valid \S+ header|header is too far in the (?:past|future)|(?:not|must be) RFC ?(?:5322|2822|822)(?: section [\d.]+)? compliant|(?:headers?|message) (?:is |are )?not RFC compliant|stray (?:line ?feeds?|LF|CR)\b|multiple (?:\S+ )?headers|multiple addresses in (?:the )?From|missing a valid (?:address in the )?(?:From|Message-?ID)|(?:e-?mail )?message is malformed|duplicate header|headers? too (?:large|long)|too many headers|malformed (?:header|message|address)|bare (?:LF|linefeed|CR|newline)|improper use of 8-bit|8-?bit data (?:\([^)]{0,40}\) )?(?:in|not allowed)|header (?:syntax )?error/i }, category: 'protocol-error', explanation: S.format },
  // The message's form as the next hop refuses it (SMTPUTF8 not offered, lines too long, a header field twice or
  // missing, a MIME part it cannot read), read only when one of its words is there.
  { id: 'message-format', match: { has: ['smtputf8', 'too long', 'line length', 'smtplf', 'mime content', 'body type', 'exactly one', 'one or no'], text: /SMTPUTF8 is required|did not offer SMTPUTF8|(?:has )?lines? (?:is |are )?too long|line length (?:[\w ]{0,40} )?exceeds|\bsmtplf\b|invalid MIME content|body type not supported|not exactly one (?:Date|From|Subject|Message-ID) (?:field|header)|one or no \S+ headers/i }, category: 'protocol-error', explanation: S.format },
  // A filter's spoofing check (Barracuda: "550 rejecting spoofed message"): our sender looked forged to it.
  { id: 'spoofed-sender', match: { has: ['spoofed'], text: /rejecting spoofed message|\bspoofed (?:sender|message|e-?mail)\b/i }, category: 'authentication-policy', status: 'X.7.1', explanation: 'The receiving filter refused the message as spoofed: our sender address or domain did not look authentic to it (check SPF, DKIM and DMARC for the sending domain).' },
  { id: 'dkim-spf-dmarc', match: { text: /\bSPF\b|\bDKIM\b|\bDMARC\b|due to domain owner policy restrictions|sender policy framework|domainkeys|\bARC (?:validation|seal)|sender (?:is )?unauthenticated|authentication (?:check )?failed for (?:the )?(?:sender|domain)|required authentication level|does not have authentication information|fails? to pass authentication checks|\bsignature invalid: fail\b|\bbody has been altered\b|\bsender is not authori[sz]ed to send (?:from|on behalf of)\b/i }, category: 'authentication-policy', explanation: S.auth },
  { id: 'reverse-dns', match: { text: /reverse DNS|\b(?:sender |client |your )?IP must resolve\b|(?<!\b(?:HELO|EHLO) \S+ fails )\bFCrDNS\b|\bPTR\b|\brDNS\b|(?<!relaying denied\. )IP name lookup failed|reverse (?:lookup|resolution|hostname|look ?(?:up|name))|cannot find your hostname|hostname (?:does not|doesn'?t) resolve|mismatches client ip|without a valid sender domain|no (?:valid )?(?:reverse|PTR)|forward DNS entry/i }, category: 'authentication-policy', status: 'X.7.25', explanation: S.ptr },
  { id: 'helo-rejected', match: { text: /(?:HELO|EHLO)(?: command)? rejected|invalid (?:HELO|EHLO)|bad (?:HELO|EHLO)|(?:HELO|EHLO) (?:name|hostname|host name) (?:is |has been )?(?:invalid|not valid|rejected|not allowed|denied)|need fully-qualified hostname|forged (?:HELO|hostname)|(?:HELO|EHLO) (?:host(?: ?name)? )?(?:did not resolve|does not exist|fails FCrDNS|has no forward DNS)|\bIP in (?:HELO|EHLO) is not\b|host name specified in (?:HELO|EHLO) does not match|\brecords found for the (?:HELO|EHLO) hostname\b|(?:HELO|EHLO) argument does not match|forged IPs? not accepted|identifier \((?:HELO|EHLO)\)/i }, category: 'protocol-error', explanation: S.helo },
  { id: 'relay-denied', match: { text: /relay(?:ing)? (?:access )?(?:is )?(?:denied|not permitted|not allowed|prohibited|refused|disallowed)|\bI cannot deliver mail for\b|denies relay|(?:not permitted|unable|not allowed) to relay|we do not relay|relay not (?:permitted|allowed)|not in my list of allowed rcpthosts|isn'?t in my list of allowed rcpthosts?|no relaying|(?:not|never) (?:an? )?(?:open )?relay\b|\bas an? (?:open )?relay\b|insecure mail relay|(?:is )?not (?:configured|authori[sz]ed) to relay|relaying mail to|allowed to be relayed|couldn'?t relay (?:your|the) message|not a gateway|not local host|we do(?:n'?t| not) handle mail for|requires authentication when attempting to send to a non-?local|unauthori[sz]ed relay|relaying to \S+ (?:is )?(?:prohibited|denied|not (?:permitted|allowed))|receive (?:your )?mail before sending|\bpop before smtp\b|\brelay (?:through|via) this server without authentication\b|\bdelivery is not allowed to this address\b|\bdomain of forward path is not allowed\b|\bnot accepting (?:e-?)?mail for (?:this |the )?domain\b/i }, category: 'relay-denied', status: 'X.7.1', explanation: S.relay },
  // A post or message over a size limit in words a list manager also uses for its other refusals (mlmmj: "was unable
  // to be delivered to the list because it exceeded the maximum allowed message size of 3000 bytes", in German "weil sie die
  // maximal erlaubte Größe von 2500 Bytes überschritten hat"): the size decides.
  { id: 'over-maximum-message-size', match: { has: ['message size', 'größe'], text: /\b(?:exceeded|exceeds|is larger than|is over) the maxim(?:um|al) (?:allowed |permitted )?message size\b|\bmaximal (?:erlaubte|zulässige) größe\b/i }, category: 'message-too-large', status: 'X.3.4', explanation: S.tooBig },
  // Mailing-list managers (fml, Mailman, ezmlm, Sympa, Google Groups…) refusing a post for who sent it: the
  // list address exists, the sender may not post to it.
  { id: 'list-post-refused', match: { text: LIST_POST_REFUSED }, category: 'policy', status: 'X.7.1', impliedClass: 5, explanation: 'The mailing list refused the post: the sender may not post to it, or the post broke one of its rules; the list address itself is fine.' },
  { id: 'smtp-auth-required', match: { text: /(?:SMTP )?authentication (?:is )?required|\bSMTP AUTH (?:is )?required\b|must log ?in to send|turn on SMTP Authentication|must (?:first )?authenticate|authentication needed|client was not authenticated|please (?:log ?in|authenticate)|AUTH(?:entication)? first/i }, category: 'policy', explanation: S.smtpAuth },
  { id: 'auth-credentials', match: { text: /authentication (?:credentials invalid|unsuccessful|failed)|invalid credentials|username and password not accepted|bad (?:username|password)/i }, category: 'policy', explanation: 'The relay rejected our login (wrong username or password).' },
  // A rate counted per sender, said under "Sender address rejected" (Policyd, postfwd: "Deferring: Too many messages
  // from sender in last 60").
  { id: 'sender-rate-limit', match: { has: ['too many'], text: /\btoo many (?:messages|e-?mails|mails|recipients) from (?:this |the )?sender\b/i }, category: 'rate-limited', status: 'X.7.1', explanation: S.rate },
  { id: 'sender-rejected', match: { text: /sender (?:address (?:is )?)?(?:rejected|refused|denied|not allowed|blocked)|no verifiable sender address in (?:the )?message headers|requires (?:a )?valid sender domain|unresolvable RFC\.?5321 (?:from )?domain|sender (?:verify|verification) failed|(?:sender|From:?) (?:address )?domain (?:is )?(?:invalid|must exist|not found|does not exist|unknown|must resolve)|provide a valid From\b|domain of sender address .{0,80}(?:does not exist|does not resolve)|unverified sender|invalid sender|bad sender/i }, category: 'policy', status: 'X.1.8', explanation: S.senderRejected },
  // A virus scanner that failed or could not be reached found nothing: their system's error (amavis's "virus_scan FAILED",
  // Haraka's "Virus scanner timed out", "Error connecting to virus scanner").
  { id: 'virus-scanner-failure', match: { has: ['scan'], text: /virus[ _-]?scan(?:ner|ning)?s? (?:failed|failure|timed out|time-?out|unavailable|not available|error)|(?:error|failure) (?:connecting to|running|contacting|calling) (?:the )?(?:anti-?)?virus[ _-]?scan|all virus scanners failed|unable to scan (?:for viruses|the message|message)\b|\b(?:rspamd|spamd|clamd|spam ?assassin|spam) (?:scan |connect(?:ion)? |check )?(?:timeout|timed out|error|failed|failure)\b/i }, category: 'system-error', status: 'X.3.0', explanation: 'The receiving server\'s virus or spam scanner failed or could not be reached (an error on their side); nothing was found in the message, which is retried or can be resent.' },
  { id: 'virus', match: { text: /(?<!\bspam(?: or | and |\/| \/ ))\bvirus|ウイルス(?:が|を)(?:発見|検出)|malware|\binfected\b|trojan|ransomware|malicious (?:content|attachment|payload|file|url|link)|dangerous attachment|\bharmful (?:e-?mail|message|content|attachment)\b/i }, category: 'virus', status: 'X.7.1', explanation: S.virus },
  // An attachment of a kind the site refuses whatever it holds (amavis's "BANNED: application/octet-stream,setup.exe", a
  // file type, a double extension, Office macros): the same remedy as a virus, but nothing was found in it.
  // An administrator's filter rule that bounced the message: Cisco IronPort's "5.x.0 - Message bounced by administrator"
  // (a content filter's bounce action), Dooray!'s "… 외부 계정으로 발송이 제한되어" (sending to outside addresses is restricted).
  { id: 'administrator-rule', match: { text: /\bbounced by (?:the )?(?:mail )?administrator\b|발송이 제한/i }, category: 'policy', status: 'X.7.1', explanation: 'A filter rule an administrator set stopped the message (a site\'s policy on content or destination), not a verdict on the address.' },
  { id: 'banned-attachment', match: { text: /disallowed file extension|unacceptable (?:attachment|content type)|contains (?:an )?encrypted archive|nested archives exceeding|black-?listed (?:high[- ]risk )?(?:mime type|file (?:type|extension)|attachment)|attachment \S+ (?:is )?not (?:permitted|allowed)|\bbanned name\b|\bbanned contents? (?:alert|from you)\b|\bbanned: (?:p=|\S+\.[a-z0-9]{2,4}\b)|\bblocked banned\b|banned attachment|(?:blocked|illegal|prohibited|forbidden) attachment|blocked file (?:type|extension)|unallowed (?:office )?macros?|attachments? (?:type )?(?:that )?(?:is |are )?not (?:allowed|accepted|permitted)|forbidden file extension|disallowed attach(?:ment)? type|(?:containing|with) (?:vba )?macros|macros? (?:found|detected)/i }, category: 'virus', status: 'X.7.1', explanation: 'The receiving server\'s filter refused the message for an attachment of a kind it does not accept (a program file such as .exe or .scr, a double extension, Office macros), not for anything found in it; send the file another way, for example as a link.' },
  // A mailbox over its size or quota, in words that would otherwise read as a message too large ("User
  // mailbox exceeds allowed size", IMail) or a rate ("user has too many messages on the server"); RFC 5321's
  // stock 552 text "exceeded storage allocation"; French, German, Spanish, Portuguese, Italian and Russian
  // servers' words (WEB.DE's "Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage
  // space.").
  // A quota on what we send, in words that would otherwise read as a full mailbox: Google Groups' "has exceeded its
  // quota for total number of external recipients", cPanel's "has exceeded the max emails per hour (121/100) allowed".
  { id: 'sending-quota', match: { has: ['quota for', 'per hour', 'per day', 'queue quota'], text: /organi[sz]ation queue quota exceeded|limit for the number of messages (?:they|it|the recipient) can receive per (?:hour|day)|exceeded (?:its|the|your|their) quota for (?:the )?(?:total )?number of (?:\S+ )?(?:recipients|messages|e-?mails)|exceeded the max(?:imum)? (?:number of )?(?:e-?mails?|messages?|defers and failures) (?:allowed )?per (?:hour|day)/i }, category: 'rate-limited', status: 'X.7.0', explanation: 'A limit on how much mail this sender or group may send (per hour, or recipients in all) was reached; later messages go through once it resets.' },
  { id: 'mailbox-over-size', match: { text: /mail ?(?:box|folder)(?: \S+)? (?:exceeds|exceeded|would exceed|has exceeded) (?:the |its |his |her )?(?:maximum |allowed |max )*(?:size|storage)|mail ?folder is full|\bfolder full\b|full mailbox|domain size limit (?:has been |was )?exceeded|exceeded storage allocation|quota violation|user has (?:too many messages on the server|exceeded (?:his |her |its |the )?quota)|space has been used up|(?:not enough|not sufficient|insufficient) (?:disk |storage )?space|no space left on device|bo[iî]te (?:du destinataire |aux lettres )?(?:est )?pleine|buz[oó]n (?:de correo )?(?:est[aá] )?lleno|caixa (?:postal |de correio )?(?:est[aá] )?cheia|casella (?:di posta )?(?:[eè] )?piena|(?:почтовый )?ящик (?:переполнен|заполнен)|zu ?viele (?:e-?)?mails auf dem server|postfach (?:des empf(?:[aä]|ae)ngers |von \S+ )?(?:ist )?voll|speicherkontingent (?:ist )?(?:ersch[öo]pft|[üu]berschritten)|mailbox (?:is )?vol\b|speicherplatz (?:ist )?(?:voll|ersch[oö]pft|überschritten)|speichervolumen (?:ist )?(?:ue|ü)berschritten|exhausted (?:the |its |his |her |their )?(?:allowed |available )?storage/i }, category: 'mailbox-full', status: 'X.2.2', explanation: S.full },
  // A mailbox over its own limit ("mailbox is over its size limit", "Mailbox limit exceeded", "Quota exceed the hard
  // limit for user"): the mailbox is full, whatever the size and limit words that follow.
  { id: 'mailbox-over-limit', match: { has: ['mailbox', 'mail box', 'quota'], text: /mail ?box (?:is )?over (?:its|the|his|her|their) (?:size |storage )?limit|exceeds (?:the )?remaining quota|mail ?box (?:size |storage )?limit (?:exceeded|reached)|quota exceeds? the (?:hard |soft )?limit/i }, category: 'mailbox-full', status: 'X.2.2', explanation: S.full },
  { id: 'message-too-large', match: { text: /message (?:is )?too (?:large|big|long)|\bbecause (?:it|the (?:e-?mail|message))(?:'s| is) too (?:large|big)\b|\bmessage size exceed\b|(?:e-?mail|message) size exceeded|exceeds? the (?:limit(?:ed)? size|size limit) of (?:the |an? )?(?:e-?mail|message)|attachment (?:is )?too (?:long|large|big)|message size exceeds|(?:message|mail)(?: size)? exceeds (?:the )?(?:maximum|fixed maximum|size limit|allowed)|exceeds (?:the )?(?:maximum )?(?:allowed )?(?:message )?size|(?:message )?size limit|message length (?:\(\d+ bytes?\) )?exceeds|too much mail data|maximum (?:e-?mail|message) size exceeded|message file too big|size (?:of the message )?exceeds|mail too large|max(?:imum)? (?:inbound |incoming )?message size|message size (?:limit )?(?:exceeded|reached)|message size violation|(?:mail |message )?size is larger than the maximum (?:size )?allowed|taille (?:limite )?du message/i }, category: 'message-too-large', status: 'X.3.4', explanation: S.tooBig },
  { id: 'insufficient-system-storage', match: { text: /insufficient system (?:storage|resources)|(?:system|server|disk) (?:is )?full|out of (?:disk|spool) space/i }, category: 'server-busy', status: 'X.3.1', explanation: 'The receiving server is short of storage or resources; we will retry.' },
  // Also the same in the languages servers answer in: "buzón lleno", "casilla llena", "caixa cheia", "casella piena",
  // "boîte pleine", "Postfach voll" (latinmail's "Destinatario desconocido o mailbox lleno", unknown or full, is
  // read as full: it does not say the address is bad).
  // A quota "exceeded" is the mailbox's, except a sending quota ("sending quota exceeded", as Chinese hosts'
  // lists of their replies word it): that is our limit, read by rate-limited below.
  // A gateway's quota of recipients for our sender, answered to MAIL FROM before any recipient (Broadcom's "421 4.7.1
  // Recipient quota exceeded"): a sending limit, not a full mailbox.
  { id: 'sender-recipient-quota', match: { text: /\brecipient quota exceeded\b/i, phase: ['mail'] }, category: 'rate-limited', status: 'X.7.0', explanation: S.rate },
  // Policyd's (Cluebringer's) quota module, counting what a sender or an IP sent: "Policy Rejection- Quota Exceeded".
  { id: 'policyd-quota', match: { has: ['policy rejection'], text: /\bpolicy rejection-? ?quota exceeded\b/i }, category: 'rate-limited', status: 'X.7.1', explanation: 'The receiving server\'s policy daemon counts how much mail we send and we went over its quota for now; later messages get through.' },
  { id: 'mailbox-full', match: { text: /mail ?box (?:is )?full|overdrawn (?:his |her |its |the )?(?:disk ?space |mailbox )?quota|@[^\s<>@]+>? is full\b|mail ?box space (?:is )?not enough|\binbox (?:is )?full|mailbox (?:size|storage)(?: limit)? exceeded|(?<!\bsending )(?:quota|storage limit) (?:exceeded|reached|full)|over ?quota|\baccount (?:is )?full\b|\baccount storage limit\b|quota limit (?:is |has been )?(?:exceeded|reached)|exceeded (?:the |its |his |her |their )?allowed (?:mailbox |storage |disk )?quota|exceed(?:s|ed)? (?:his|her|the|their|its)? ?(?:storage |disk |mailbox )?quota|insufficient (?:mailbox )?storage|out of storage|disk quota|mailbox (?:over(?:flow|quota)|is over)|(?:mailbox|inbox|account) (?:has )?(?:reached|exceeded) (?:its|the|their) (?:storage|size|quota)|not enough (?:storage|space) in (?:the )?mailbox|mailbox has exceeded|would exceed (?:the )?(?:mailbox )?quota|(?:user|account|mailbox|recipient|@[a-z0-9.-]+) (?:is )?(?:temporarily )?over (?:the |their |its )?(?:allowed |disk )?quota|(?:would be )?over the allowed quota|exceeding (?:its|his|her|their) (?:mailbox )?quota|does not have enough space|mailbox (?:quota usage exceeded|exceeded the local limit)|(?:buz[oó]n|mailbox|casilla|caixa(?: postal| de correio)?|casella(?: postale)?)(?: (?:del|do|da|della) destinat[aá]rio)? (?:est[aá] |è )?(?:llen[oa]|cheia|piena)|bo[iî]te (?:aux lettres )?(?:du destinataire )?(?:est )?pleine|postfach (?:des empf[äa]ngers |von \S+ )?(?:ist )?voll|postvak (?:van de (?:geadresseerde|ontvanger) )?is vol|postilaatikko on t[äa]ynn[äa]|posta kutusu dolu|dolu posta kutusu|hộp thư (?:đã )?đầy|kotak (?:surat|masuk) penuh|صندوق البريد ممتلئ|กล่องจดหมายเต็ม|pastkast[īi]te ir p[āa]rpild[īi]ta|postkast on t[äa]is|postkasse(?:n)? er full?d?|(?:brev|post)l[åa]dan [äa]r full|사서함이 (?:꽉|가득) 차|(?:사서함|메일함)(?: 용량)?이 (?:꽉 |가득 )?찼|(?:사서함|메일함) 용량(?:을|이)? 초과|bo[iî]te aux lettres de \S+ est pleine|skrzynka (?:odbiorcy )?(?:jest )?pełna|schránka (?:je )?plná|error writing message: file too large|(?:exceed|over) (?:the )?maximum mailbox size|(?:收件人|邮箱|信箱|收件箱)(?:的)?(?:空间|容量)?(?:不足|已满)|邮箱满/i }, category: 'mailbox-full', status: 'X.2.2', explanation: S.full },
  // "Inactive mbox" and "Suspended user" are how Korean providers' lists word a recipient whose use was stopped.
  // A mailbox closed to new mail after long disuse ("Due to extended inactivity new mail is not currently being
  // accepted for this mailbox"): disabled, as dormant accounts are (they may be reactivated).
  { id: 'mailbox-inactive', match: { has: ['inactivity'], text: /\bextended inactivity\b|\binactivity\b.{0,60}\bnot (?:currently )?(?:being )?accepted\b/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: S.disabled },
  { id: 'mailbox-disabled', match: { text: /(?<!\byour (?:(?:ip|e-?mail|mail|sender|sending) )?|\bip |\bsender |\bsending )(?:account|mailbox|user|address|recipient)(?:'?s)?(?: account)? (?:is |has been |was )?(?:temporar(?:il)?y |currently |administratively |permanently |now )?(?:disabled|disable\b|deactivated|suspended|inactive|locked|frozen|blocked(?! (?:by|due to) (?:(?:the|our|local|site|company|domain|security|administrative) )*polic)|discontinued|closed|expired|on hold)|(?:disabled|inactive|suspended|deactivated|dormant|frozen|closed|locked) (?:account|mailbox|mbox|user|recipient)|temporar(?:il)?y locked|\bis now (?:disabled|suspended|deactivated|locked)\b|(?<!\byour )(?:user|account|mailbox) <?[^\s<>@]+@[^\s<>@]+>? (?:is|has been) (?:disabled|suspended|deactivated|locked)\b|konto (?:jest )?zablokowane|\b(?:alias|distribution list|account|mailbox) is not active\b|\b(?:casilla|buz[oó]n|casella|caixa postal|caixa de correio)(?: de correo| di posta| postale)? (?:ha |[eè] |est[aá] |foi )?(?:sido |stata )?(?:expirad[oa]|desactivad[oa]|desativad[oa]|suspendid[oa]|suspens[oa]|bloquead[oa]|bloccat[oa]|disattivat[oa]|sospes[oa]|inactiv[oa]|inattiv[oa])\b|\bbo[iî]te (?:aux lettres |mail |e-?mail )?(?:est )?(?:d[ée]sactiv[ée]e|suspendue|bloqu[ée]e|inactive)\b|\bpostfach (?:ist |wurde )?(?:deaktiviert|gesperrt|stillgelegt)\b|(?:почтовый )?ящик заблокирован|účet (?:je )?zablokován|account (?:is )?not (?:yet )?activated|\b(?:user|account|mailbox) status is (?:locked|disabled|suspended)|\b(?:mail )?receiving (?:is )?disabled\b|account (?:is )?not active|mailbox (?:is )?not active|(?:user|account) (?:has been )?(?:terminated|cancell?ed)|\b(?:is currently|has been) suspended|temporarily (?:inactive|limited)|suspend(?:ed|s)? the service|mail ?address is administrati\w* disabled|bo[iî]te du destinataire archiv[eé]e/i }, category: 'mailbox-disabled', status: 'X.2.1', explanation: S.disabled },
  { id: 'mailbox-moved', match: { text: /has been replaced by \S+@|no longer (?:on (?:this |the )?server|at this (?:address|domain)|with (?:us|this)|works? here|employed)|(?:user|recipient|mailbox|address) has (?:moved|changed)|moved permanently|user not local; please try|\bhas moved to <?[^\s<>@]+@|has left the (?:company|organi[sz]ation)|\b(?:recipient|addressee|user|employee|person) has left (?:the|our) \S|\byou (?:e-?mailed|wrote to|sent (?:mail |email |a message )?to) <?[^\s<>@]+@[^\s<>@]+?>?[,.;]? (?:please )?(?:try|use|write to|e-?mail) <?[^\s<>@]+@|address (?:has been )?changed|\b(?:user|recipient|addressee|account) (?:is )?gone\b(?! (?:over|above|beyond|past|into|down|offline|quiet))/i }, category: 'mailbox-moved', status: 'X.1.6', explanation: S.moved },
  // Temporary DNS problems first: "Host not found, try again" is Postfix's temporary wording.
  { id: 'dns-temporary', match: { text: /\b(?:SERVFAIL|ESERVFAIL|ETIMEOUT|EREFUSED|ECONNREFUSED|EAI_AGAIN|EBADRESP)\b|host not found, try again|(?:DNS|name server|nameserver|name service) (?:query |lookup )?(?:error|failure|failed|timeout|timed out|temporary)|temporary (?:DNS|name resolution) (?:error|failure)|DNS query failed|could not contact DNS servers|Name service error/i, phase: ['dns'] }, category: 'dns-failure', status: 'X.4.3', impliedClass: 4, explanation: 'A DNS lookup for the recipient\'s domain failed temporarily (server failure or timeout); we will retry.' },
  // Postfix and others say "try again" when the lookup failed temporarily, whatever class the report has.
  { id: 'dns-try-again', match: { text: /(?:host|domain)(?: name)? not found, try again|host lookup did not complete|temporary MX resolution error|host map: lookup \([^)\s]*\): deferred|name service error .{0,100}try again|temporary failure in (?:name resolution|MX lookup)|all host address lookups failed temporarily|temporary problem looking up mail server for host|unable to find the recipient'?s e-?mail server\. the DNS query has failed|temporary (?:MX|DNS) (?:lookup|resolution) (?:error|failure)/i }, category: 'dns-failure', status: 'X.4.3', impliedClass: 4, explanation: 'A DNS lookup for the recipient\'s domain failed temporarily (the name servers said to try again).' },
  { id: 'nxdomain-temporary', match: { text: /\bNXDOMAIN\b|\bENOTFOUND\b|domain name not found|host (?:or domain name )?not found|no such domain|name or service not known/i, class: 4 }, category: 'dns-failure', status: 'X.4.3', explanation: 'The recipient\'s domain was not found in DNS, which the reporting server treats as temporary; it may be a typo or a DNS outage.' },
  { id: 'dns-temporary-reported', match: { text: /\b(?:SERVFAIL|EAI_AGAIN)\b|temp(?:orary|\.) resolver error|host name lookup failure|host not found, try again|(?:DNS|name server|nameserver) (?:query |lookup |resolving |resolution )?(?:error|failure|failed|timeout|timed out|temporary)|temporary (?:DNS|name resolution) (?:error|failure)|DNS query failed|Name service error/i, class: 4 }, category: 'dns-failure', status: 'X.4.3', explanation: 'A DNS lookup for the recipient\'s domain failed temporarily; the sender will retry.' },
  // "Malformed or unexpected name server reply" (Postfix) and SERVFAIL: the name server failed to answer,
  // which says nothing about whether the domain exists, whatever class the report gave it. (A 5.4.4 status
  // decides before the words: Postfix gives it only to invalid MX data, see bounces/parse/classification.ts.)
  // Postfix's "Temporary lookup failure": a table of the receiver's own (LDAP, SQL, a map) did not answer; not DNS.
  { id: 'table-lookup-failure', match: { text: /\btemporary lookup failure\b/i }, category: 'system-error', status: 'X.3.0', explanation: 'The receiving server could not look the address up in its own directory or tables just now (Postfix\'s "Temporary lookup failure"); this is no verdict on the address, and we will retry.' },
  // A sender that does not know RFC 7505 takes a null MX's target, the root ".", for a host and tries to look it up: Go's
  // resolver then says "lookup . on 127.0.0.53:53: server misbehaving" (chasquid's "Could not dial: dial tcp: lookup . on
  // …"). Only a null MX names the root as a mail host, so this is the domain declining all mail, not a DNS failure.
  { id: 'null-mx-root-lookup', match: { text: /\blookup \. on \S+:|\bdial tcp: lookup \.:/i }, category: 'no-mail-service', status: 'X.1.10', explanation: S.noMail },
  { id: 'dns-server-failure', match: { text: /(?:malformed|unexpected) (?:or unexpected )?name ?server reply|\blookup \S+ on \S+: server misbehaving\b|temporary domain failure|\bSERVFAIL\b|temporary (?:dns |name ?server )(?:failure|error)|\bdns server (?:failure|error)|name ?server (?:failure|error|timeout|timed out)|could not contact (?:the )?DNS servers|DNS server returned (?:a )?general failure|\bDNS lookup fail(?:ed|ure)\b(?![^\n]{0,60}(?:NXDOMAIN|ENOTFOUND|not found|does not exist|no such))/i }, category: 'dns-failure', status: 'X.4.3', impliedClass: 4, explanation: 'The recipient\'s name servers failed to answer the lookup (a broken or unexpected reply); the domain may well exist, so this is not a verdict on the address.' },
  { id: 'nxdomain', match: { text: /\bNXDOMAIN\b|\bno mail servers appear to exists? for the recipient's address\b|\bfailed to lookup '[^'\s]+': record not found\b|\bcan'?t find an MX server for\b|\bthere are no DNS entries for the hostname\b|\bcould not find any MX servers for\b|\bno MX servers? found\b|\blookup \S+ on \S+: no such host\b|bad destination system address|không tìm thấy host|لم يتم العثور على النطاق|no se encontr[óo] el servidor de destino|zielserver (?:\S+ ){0,10}nicht gefunden|illegal host\/domain name|unrouteable mail domain|\bENOTFOUND\b|domain name not found|host (?:or domain name )?not found|no such domain|name or service not known|(?:recipient )?domain must exist|account or domain may not exist|all relevant MX records point to non-?existent hosts|all host address lookups failed permanently|(?:recipient |destination )?domain (?:name )?(?:does not exist|doesn'?t exist|not found|unknown|is invalid)|unknown (?:host|domain)|host unknown|dom(?:ain|[aä]ne) (?:wurde )?nicht gefunden|destination (?:computer|host|domain) (?:was |could )?not (?:be )?found|the domain (?:name )?in the (?:e-?mail )?address \S+ does not exist|destination server (?:for this recipient )?could not be found in (?:the )?(?:Domain Name (?:Service|System)|DNS)|dom(?:ain|[aä]ne) existiert nicht|\b(?:il |le |el |o )?dom(?:inio|aine|[ií]nio) (?:\S+ )?(?:non esiste|n'existe pas|no existe|n[ãa]o existe)\b|unroute?able domain|host \S+ not found|couldn'?t find any host (?:named|by that name)|domain name (?:\([^)\s]*\) |\S+ )?does not appear to be registered|(?<!发件人)域名不存在|網域不存在/i }, category: 'domain-unknown', status: 'X.1.2', impliedClass: 5, explanation: S.domainUnknown },
  { id: 'no-mx-records', match: { text: /\bENODATA\b|\bno valid MX hosts? found\b|no (?:MX|mail exchanger|mail server|A|address)(?: or A)? records?|no (?:MX|mail exchangers?) (?:found|available) for|has no (?:MX|mail servers?)|returned answer with no data|no mail (?:hosts?|servers?) for|lookup of \S+ had no relevant answers/i }, category: 'no-mail-service', status: 'X.1.10', impliedClass: 5, explanation: 'The recipient\'s domain exists but publishes no mail server (no MX and no address records), so it cannot receive mail.' },
  { id: 'null-mx', match: { text: /null MX|nullmx|does not accept (?:e-?)?mail(?! from| over ipv[46]| (?:relayed|forwarded|sent|delivered|routed|coming|passed) )|accepts no (?:e-?)?mail|domain does not (?:receive|accept)|no mail service|seems? to reject all mails?|system not accepting network messages|no host found for existing SMTP connection/i, class: 5 }, category: 'no-mail-service', status: 'X.1.10', explanation: S.noMail },
  { id: 'null-mx-any', match: { text: /null MX|nullmx|indicated no SMTP service/i }, category: 'no-mail-service', status: 'X.1.10', impliedClass: 5, explanation: S.noMail },
  // Before the no-such-user words: Postfix's "undeliverable address: mail for … loops back to myself" is the
  // answer its address verification got, a loop on the receiving side, not a verdict on the mailbox.
  { id: 'loop', match: { text: /loops? back to myself|delivery loop was detected|lowest numbered mx record points to local host|mx list for \S+ points back to|listed as a best-preference mx or a for that host|mail(?:ing)? loop|mail forwarding loop|configured in a loop|would mean connecting to myself|\bMxLoopback\b|\bis looping\b|routing loop|too many hops|hop count exceeded|too many "?received:?"? headers/i }, category: 'system-error', status: 'X.4.6', explanation: 'The message was caught in a mail routing loop (too many hops), usually a forwarding misconfiguration.' },
  { id: 'unknown-user@data', match: { text: UNKNOWN_USER_RE, phase: ['data'] }, category: 'policy', explanation: S.filteredAfterData },
  // Anti-harvesting: a server that stops taking our mail after too many of our recipients did not exist
  // there (Cox's "too many invalid recipients", Postfix/Exim limits). A verdict on the sender, not this address.
  { id: 'too-many-invalid-recipients', match: { text: /(?:too many|excessive(?:ly high number of)?|(?:a |an )?(?:unusually )?high number of) (?:invalid|unknown|bad|non-?existent|failed|rejected) (?:recipients|addresses|users|rcpts?|recipient (?:requests|attempts|commands))\b|\bdictionary attack\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The receiving server is refusing our mail for now because too many of the addresses we sent to did not exist there (a guard against address harvesting); this address itself was not judged.' },
  // More hosts' words for "no such user", from a catalogue of Chinese hosts' refusals (Coremail's "unavailable mail
  // user", "The email account that you tried to reach does no exists" with its typo). At RCPT or in a report only.
  { id: 'user-unknown-hosts', match: { has: ['unavailable mail user', 'does no exist'], text: /\bunavailable mail user\b|email account that you tried to reach does no exists?/i, phase: ['rcpt', 'dsn', 'unknown'] }, category: 'mailbox-unknown', status: 'X.1.1', explanation: S.userUnknown },
  // Lotus Domino's "Recipient user name info (…) not unique. Several matches found in Domino Directory.": the name
  // matches several people (RFC 3463's X.1.4).
  { id: 'ambiguous-recipient', match: { has: ['not unique', 'ambiguous'], text: /\bnot unique\b.{0,60}\bseveral matches\b|\bambiguous (?:address|recipient|user ?name)\b/i }, category: 'mailbox-unknown', status: 'X.1.4', explanation: 'The recipient address is ambiguous at the receiving server (it matches several mailboxes).' },
  { id: 'user-unknown', match: { text: UNKNOWN_USER_RE }, category: 'mailbox-unknown', status: 'X.1.1', explanation: S.userUnknown },
  { id: 'too-many-connections', match: { text: /too many (?:concurrent |simultaneous |open )?(?:smtp )?(?:connections|sessions)|too many (?:connection requests|new TLS sessions)|maximum number of recipients for (?:one|a|this) session|too frequent connects|connection (?:rate )?limit|maximum (?:number of )?(?:connections|sessions)|connection count|too many connections from your (?:IP|host)/i }, category: 'rate-limited', status: 'X.7.0', explanation: S.conns },
  // Spam counted as coming from us (our IP, host or account), not this message's content.
  { id: 'spam-from-us', match: { text: /\b(?:unusual|excessive|high|large) (?:amount|number|volume|rate) of (?:unsolicited (?:e-?)?mail|spam)(?: \S+){0,2} (?:originating|coming|sent) from\b|\btoo much spam from\b|\bsuspected spam (?:sender|source|ip|host|server)\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The receiving server counts too much spam as coming from our IP, server or account, and refuses or slows our mail for that reputation.' },
  { id: 'rate-limited', match: { text: /\brate[- ]?limit|(?:send(?:ing|er)?|message|receiving) rate|(?:messages|e-?mails|mails|recipients) per (?:hour|day|minute)s? (?:exceeded|reached)|only \d+ recipients per \d+ (?:minutes|hours?)|limits for how many messages can be sent|(?:daily|hourly) (?:relay |sending |message )?quota|too many (?:messages|e-?mails|mails|recipients|requests)|too many (?:recipient|rcpt) (?:attempts|commands)|too many concurrent deliveries|\bsent to many (?:e-?)?mails\b|\b(?:max(?:imum)? )?(?:rcpt to|recipients?|messages?|e-?mails?) (?:daily|hourly) limit\b|\b(?:daily|hourly) (?:send|sending|message|relay) limit\b|\bsend limit (?:\(\d+\) )?(?:has been |was )?reached\b|\b(?:daily|hourly) limit (?:has been |was )?reached\b|too many mail transactions|\blimit of \d+ (?:recipients|messages|e-?mails|mails|requests|connections) per\b|\bmax(?:imum)? (?:of )?\d+ (?:requests|messages|e-?mails|mails|recipients|bytes|connections) per \d* ?(?:seconds?|minutes?|hours?|days?)\b|limit on the number of (?:allowed )?(?:outgoing |outbound )?(?:messages|e-?mails|recipients) (?:was |has been )?(?:exceeded|reached)|too many (?:same|similar)[- ]size (?:mails|messages|e-?mails)|out of allow(?:ed)? rcpt numbers?|(?:frequency|sending) (?:limit|quota)|(?:exceeded|over) (?:the )?(?:maximum |allowed |permitted )?(?:number of messages|rate|quota|limits?)|throttl|slow down|too fast|too much (?:e-?)?mail|(?<!\bline (?:length )?|\btime )limit exceeded|exceeds? (?:the )?(?:hourly|daily) limit|unexpected volume|excessive (?:mail|volume|traffic)|mail flood|频率限制|頻率限制|过于频繁|過於頻繁|发信量超过|發信量超過/i }, category: 'rate-limited', status: 'X.7.0', explanation: S.rate },
  // Our side named as the cause, not the address (Sisimai's Blocked and Rejected lists are a catalogue of
  // these wordings): our IP or host (Postfix's "Client host rejected", a DNSBL named by "blocked using" or an
  // "…rbl", "from your IP", dynamic IPs, open proxies, Exim's "after initial connection"), or our envelope
  // sender (BATV and backscatter checks, null senders, a sender named a spammer or not pre-approved). Kept
  // after the rate wordings ("too many connections from your IP" is a limit) and before the spam wording
  // ("you are sending spam" names us, not the message).
  { id: 'our-host-refused', match: { text: OUR_HOST_REFUSED }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The receiving server refused our sending IP or server (a blocklist, its reputation, a dynamic or unverified address), not this recipient.' },
  { id: 'sender-checks', match: { text: SENDER_CHECKS }, category: 'policy', status: 'X.7.1', explanation: S.senderRejected },
  // Spam named in a block of our source, not a verdict on a message: Comcast's "Comcast block for spam" and
  // Yandex's "Blocked by spam statistics" (a day's block of a source that sent spam), and any spam words in the
  // answer to the greeting or EHLO, before a message was sent.
  { id: 'blocked-for-spam', match: { has: ['block for spam', 'spam statistics', 'spam abuse detected'], text: /\bblock for spam\b|\bblocked by spam statistics\b|\bspam abuse detected\b/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: S.blocklist },
  { id: 'spam-before-message', match: { text: /\bspam|unsolicited/i, phase: ['connect', 'ehlo', 'helo'] }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: S.blocklist },
  { id: 'spam', match: { text: /(?<![/.])\bspam\b(?!\.[a-z]|\/)|\bspam ?\/ ?virus\b|spammy|\bgtube\b|looks like spam|scored as spam|unsolicited|\bUBE\b|\bUCE\b|bulk (?:mail|e-?mail)|content (?:reject(?:ed)?|denied|filter|policy|violation)|message content|(?:message )?body contains (?:forbidden|prohibited|banned|blocked)|rejected (?:due to|for|because of) (?:its |banned |prohibited )?content|phishing|spam score|spamassassin|junk mail|suspicious (?:content|message|url|link)|url (?:is )?(?:blocked|listed)|message (?:has been )?(?:rejected|blocked) as (?:possible |suspected |potential |likely )?(?:spam|junk|bulk|unsolicited)|\bmessage filtered\b|filtered by outbound scanning|banned content|rejected by (?:the )?(?:system|content|message|rspamd|amavis|anti-?spam) filter/i }, category: 'content-or-spam', status: 'X.7.1', explanation: S.spam },
  // RFC 5321's "554 No SMTP service here" and its relatives are said in the greeting, before any address or
  // content is seen: the server will not talk to our IP (Orange/La Poste: "Service refusé").
  { id: 'greeting-refused', match: { text: /no SMTP service here|ESMTP not accepting (?:connections|messages|mail)|\bservice refus(?:e|é|ed)\b/i }, category: 'reputation-or-blocklist', explanation: 'The receiving server refused to talk to us at all (its greeting said no), which servers do for IPs with a poor reputation or on a blocklist; a 4xx refusal is temporary.' },
  { id: 'reputation', match: { text: /reputation|\bbad karma\b|\b\d{1,3}(?:\.\d{1,3}){3}\]?>? (?:is |has been )?(?:blocked|blacklisted)\b|unauthori[sz]ed interface for|\byou were naughty\b|\bknown spammer source ip\b|\brejected because it does not support (?:abuse|postmaster|x)@|\bindirizzo IP (?:\S+ )?bloccato\b|\bIP-Adresse (?:\S+ )?(?:ist |wurde )?(?:gesperrt|blockiert)\b|\badresse IP (?:\S+ )?(?:est |a été )?bloqu[ée]e\b|\b(?:direcci[oó]n )?IP (?:\S+ )?(?:est[aá] |ha sido )?bloqueada\b|\bmail from \[?\d{1,3}(?:\.\d{1,3}){3}\]? (?:is )?not allowed\b|connection rejected by policy|(?:ip|host|sender|client|address|domain|network|server)(?: address)?(?: \S+)? (?:is |has been |was )?(?:blocked|banned|listed)(?! (?:by|due to) (?:(?:the|our|local|site|company|domain|security|administrative) )*polic)|(?:blocked|banned) (?:ip|host|sender|network|server|client|by(?! (?:(?:the|our|local|site|company|domain|security|administrative) )*polic))|poor (?:sending )?(?:history|practices)|block(?:ed)? for (?:spamming|abuse)|\bblack ip\b|\bbad ip\b|is an open relay/i }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: S.blocklist },
  // RFC 5321's stock 550 text (Exchange, hMailServer and James use it for unknown recipients) and a bare
  // "address rejected": after the specific soft wordings (rate, spam, reputation), which win when a server
  // puts its reason after the stock text ("mailbox unavailable - rate limited").
  { id: 'mailbox-unavailable', match: { text: /mailbox (?:<?[^\s<>@]+@[^\s<>@]+>? )?(?:is )?(?:unavailable|not available)(?![\s\S]{0,200}\b(?:try\s+again\s+later|reject(?:ed)?\s+due\s+to\s+policy|policy\s+(?:restrictions?|violations?))\b)/i, class: 5, phase: ['rcpt', 'dsn', 'unknown'] }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The recipient\'s server says the mailbox is unavailable, which it usually says for addresses that do not exist.' },
  { id: 'address-rejected', match: { text: /(?:^|[\s:;>#])(?<!sender(?: ip| e-?mail)? )address rejected(?:\.|\s*$|\s+\S+@)|@[^\s>]+>? recipient rejected\.?\s*$/i, class: 5 }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The recipient\'s server rejected this address, which it usually does for addresses that do not exist.' },
  // (Exchange's "Message expired, connection refused" (5.4.316) and "…, connection timed out" name the cause: read by it.)
  // Not qmail's "Giving up on <IP>." after a refusal: it gave up on that host for this message because the
  // host refused, not because the message's time ran out.
  { id: 'expired', match: { text: /message expired(?!,?\s+connection (?:refused|timed out))|\bafter \d+ days? \(\d+ hours?\),? your message could not be\s+fully delivered|envelope expired|maximum number of delivery attempts|could not deliver the message in the time limit|delivery time expired|retry time(?:out)? (?:not )?(?:exceeded|reached)|retry timeout exceeded|could not be delivered within|too long (?:in|on) (?:the )?queue|queue lifetime|(?:maximum )?queue time|giving up(?! on \[?(?:\d{1,3}\.){3}\d{1,3}|(?: on \[?[0-9a-f]{0,4}:[0-9a-f:.]+))|gave up|undeliverable for \d+ days|cannot send message for \d+ (?:days?|hours?)|delivery (?:has been )?delayed for|expired after|all hosts have been failing for a long time|despite repeated attempts to contact the recipient'?s e-?mail system,? it didn'?t respond|tiempo de entrega (?:vencido|expirado|agotado)|multiple delivery attempts failed|\btoo many retries\b|\bbouncing after \d+ retries\b/i }, category: 'expired', status: 'X.4.7', explanation: S.expired },
  { id: 'connection-refused', match: { text: /\bECONNREFUSED\b|connection refused|cannot assign requested address|(?:network error|address family mismatch) on destination MXs|(?:was not|wasn'?t) able to establish an smtp connection/i }, category: 'connection-failure', status: 'X.4.1', impliedClass: 4, explanation: CONNECT_FAILURE },
  { id: 'connection-timeout', match: { text: /\bETIMEDOUT\b|\battempts to connect to (?:the )?(?:remote|recipients?'?|destination) (?:mail )?server\b|connection attempt failed because the connected party did not properly respond|\bETIMEOUT\b|\bESOCKETTIMEDOUT\b|timed out|time-?out|no response from|did not respond/i }, category: 'connection-failure', status: 'X.4.1', impliedClass: 4, explanation: { ...CONNECT_FAILURE, default: 'The receiving server did not answer in time; we will retry.', connect: 'The receiving mail server did not answer the connection in time (down, firewalled or overloaded); we will retry, possibly via another MX host.' } },
  { id: 'connection-lost', match: { text: /\bECONNRESET\b|(?<!\bqq )\bread error(?::| \(\d+\))|\b(?:remote )?server closed (?:the )?connection\b|\bTCP (?:read|write) error\b|\bno SMTP servers were available\b|communications? failure|connection (?:with|to) \S+ (?:is|was) broken|\bEPIPE\b|\bECONNECTION\b|\bESOCKET\b|connection (?:reset|closed|dropped|lost|terminated|aborted)|lost connection|unexpected (?:close|disconnect|end of (?:file|stream))|socket (?:closed|hang up|error)|broken pipe|closed the connection|\bEHOSTUNREACH\b|\bENETUNREACH\b|\bEHOSTDOWN\b|\bENETDOWN\b|\bEADDRNOTAVAIL\b|(?:host|network|server) (?:is )?(?:unreachable|not reachable)|network is down|network connection shut down|no route to host|unable to connect|could not connect|failed to connect|cannot connect|connect to \S+ failed|connect to (?:the )?[^\n]{1,100}? server failed|tried all MXs|连接(?:收件方|对方)?(?:的)?(?:邮件)?(?:系统|服务器)失败/i }, category: 'connection-failure', status: 'X.4.2', impliedClass: 4, explanation: CONNECT_FAILURE },
  { id: 'dns-phase-error', match: { text: /\bE[A-Z]{3,}\b|error|fail|timeout/i, phase: ['dns'] }, category: 'dns-failure', status: 'X.4.3', impliedClass: 4, explanation: 'The DNS lookup for the recipient\'s domain failed; we will retry.' },
  { id: 'protocol', match: { text: /syntax error|bad (?:SMTP )?command syntax|\bbarelf\b|\bprotocol violation\b|\bbad protocol\b|\btalk(?:ed)? too soon\b|too many (?:nonmail|bad|unrecognized|invalid|unknown) commands|(?:started )?(?:transmitting|talking) before (?:the )?(?:SMTP )?greeting|(?:message )?contains (?:an )?invalid header|command (?:not recognized|unrecognized|not implemented|not understood)|unrecognized command|bad sequence of commands|improper sequence|need (?:MAIL|RCPT|HELO|EHLO)\b|line too long|line (?:length )?limit exceeded|invalid command|parameter(?:s)? not (?:implemented|recognized)|pipelining not|invalid (?:argument|parameter)|too many (?:invalid|unrecognized|unauthenticated) commands|(?:"?(?:From|Date|To|Message-ID)"? )?header (?:field )?(?:is )?(?:missing or invalid|invalid or missing)|malformed (?:MIME|header)|MIME (?:syntax|parse|parsing) error|message contains (?:NUL|non-ASCII|8-?bit) characters|no header\/body separator|synchroni[sz]ation error|I can break rules, too|too many errors\b/i }, category: 'protocol-error', status: 'X.5.2', explanation: S.protocol },
  // Postfix's local delivery agent refusing a .forward's or an alias's command or file (allow_mail_to_commands,
  // allow_mail_to_files), with 5.7.1: the site's rule about where mail may go, not a fault.
  // A mailbox's access list refusing the sender (Cyrus: "You do not have permission to post a message to this mailbox").
  { id: 'no-permission-to-post', match: { has: ['permission to'], text: /\b(?:do not|don't) have (?:the )?permission to (?:post|send|submit) (?:a )?(?:message|mail)s? to\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s mailbox only takes mail from senders its owner allows (an access list on the mailbox); the address exists.' },
  { id: 'mail-to-command-restricted', match: { has: ['is restricted'], text: /\bmail to (?:command|file) is restricted\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The receiving system\'s rules do not allow delivery to a program or a file, which is where this address forwards its mail.' },
  { id: 'system-error', match: { text: /local error|\bdatabase (?:temporary )?(?:error|failure)\b|unable to run qmail-(?:remote|local)|\bqq (?:trouble|temporary problem|read error|write error|out of memory)\b|command time limit exceeded|child process of \S+ transport returned \d+|delivery to (?:file|pipe) forbidden|unable to chdir to maildir|temporary error on maildir delivery|maildir delivery failed|exited with EX_TEMPFAIL|internal (?:server )?error|system error|configuration error|can'?t create output|misconfigured|incorrectly configured|cannot append message to (?:file|mailbox)|cannot write to (?:spool|mailbox)|processing error|\bI\/O error\b|can ?not open new e-?mail file|\berror in processing\b|temporary local problem|could not load|unable to process|internal filter error|server error|mail system (?:error|failure)/i }, category: 'system-error', status: 'X.3.0', explanation: S.system },
  // Words that name a policy refusal whatever the code: "421 Reject due to policy violations" is not a busy server.
  // A relay's checks of our own account, answered after DATA: a sender or domain not verified with it, a sandbox
  // (Amazon SES, SendGrid, Mailgun, SMTP2GO). Nothing was judged about the message or the recipient's address.
  { id: 'relay-account', match: { has: ['not verified', 'verified sender identity', 'sandbox subdomains', 'failed the check'], text: /\be-?mail address is not verified\b|\bidentities failed the check\b|\bverified sender identity\b|\bsandbox subdomains are for test purposes\b|\bsender domain not verified\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The relay we send through refused the message because our sending account is not allowed to send it (a sender or domain not verified with the relay, or a test sandbox); the recipient\'s address was not judged.' },
  { id: 'policy-violation', match: { has: ['policy violation', 'restricted by policy', 'policy matched'], text: /\bpolicy violations?\b|\brestricted by policy\b|\bpolicy matched\b/i }, category: 'policy', explanation: S.policy },
  // A server going down says so whatever its class ("550 Server shutdown in progress"): busy, not a verdict.
  { id: 'server-shutdown', match: { has: ['shutdown in progress', 'shutting down'], text: /\b(?:server |system |service )?(?:shutdown in progress|is shutting down)\b/i }, category: 'server-busy', status: 'X.3.2', explanation: S.busy },
  // A sending platform (Postal, an ESP) that will not send to an address on its own suppression list.
  { id: 'suppression-list', match: { has: ['suppression list'], text: /\b(?:is )?on the suppression list\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The sending platform refused to send to this address because it is on its suppression list (earlier hard bounces or complaints); no new verdict on the address.' },
  { id: 'server-busy', match: { text: /try (?:again )?later|please retry|temporar(?:il)?y (?:unavailable|deferred|rejected|refused|not available|blocked)|service (?:is )?(?:currently |temporarily )?(?:not available|unavailable)|server (?:is )?busy|system (?:is )?busy|too busy|overloaded|resources? (?:are )?temporarily unavailable|closing (?:transmission|connection) channel|temporary (?:failure|error|problem)|try again|service refus|shutting down|maintenance/i, class: 4 }, category: 'server-busy', status: 'X.3.2', explanation: S.busy },
];

// ---------------------------------------------------------------------------------------------------
// 4. Statuses that only name the subject (X.7.1 "delivery not authorized") and subject fallbacks.

export const SUBJECT_RULES: readonly Rule[] = [
  { id: 'X.2.1', match: { enhanced: 'X.2.1' }, category: 'mailbox-disabled', explanation: 'The recipient\'s mailbox is disabled and not accepting messages.' },
  { id: 'X.1.0', match: { enhanced: 'X.1.0' }, category: 'unknown', explanation: 'The receiving server refused an address (sender or recipient) without saying why.' },
  { id: 'X.2.*', match: { enhanced: 'X.2.*' }, category: 'unknown', explanation: 'The recipient\'s mailbox exists but could not take the message; the server did not say why.' },
  { id: 'X.3.*', match: { enhanced: 'X.3.*' }, category: 'system-error', explanation: S.system },
  { id: '4.4.*', match: { enhanced: 'X.4.*', class: 4 }, category: 'connection-failure', explanation: 'A network or routing problem stopped the delivery for now; we will retry.' },
  { id: '5.4.*', match: { enhanced: 'X.4.*', class: 5 }, category: 'system-error', explanation: 'A network or routing problem made the message undeliverable.' },
  { id: 'X.5.*', match: { enhanced: 'X.5.*' }, category: 'protocol-error', explanation: S.protocol },
  // X.6.2–X.6.5: a content conversion the message needed was prohibited, unsupported or failed (RFC 3463): the servers
  // could not agree on a format, which says nothing about the content.
  { id: 'X.6.2', match: { enhanced: 'X.6.2' }, category: 'protocol-error', explanation: 'The message needed a format conversion that is not allowed on its way to the recipient.' },
  { id: 'X.6.3', match: { enhanced: 'X.6.3' }, category: 'protocol-error', explanation: 'The message needed a format conversion the receiving system does not support.' },
  { id: 'X.6.5', match: { enhanced: 'X.6.5' }, category: 'protocol-error', explanation: 'A format conversion the message needed failed on its way to the recipient.' },
  { id: 'X.6.*', match: { enhanced: 'X.6.*' }, category: 'content-or-spam', explanation: 'The receiving server refused the message because of its content or format.' },
  { id: 'X.7.1@connect', match: { enhanced: 'X.7.1', phase: ['connect', 'ehlo', 'helo'] }, category: 'reputation-or-blocklist', explanation: 'The receiving server refused to talk to our server at all, which usually means our sending IP is blocked or has a poor reputation.' },
  { id: 'X.7.*', match: { enhanced: 'X.7.*' }, category: 'policy', explanation: { default: 'The receiving server refused the message for a security or policy reason it did not detail (often sender reputation).', data: 'The receiving server refused the message after seeing it, for a security or policy reason (often content or sender reputation).' } },
];

// ---------------------------------------------------------------------------------------------------
// 5. Wording that only says "no" somehow.

export const VAGUE_RULES: readonly Rule[] = [
  { id: 'access-denied', match: { text: /access denied|not authori[sz]ed|not allowed|not permitted|prohibited|forbidden|denied by policy|policy (?:violation|reasons?|rejection|restrictions?)|administrative(?:ly)? prohibit|local policy|refused by (?:policy|administrator)/i, class: 5 }, category: 'policy', explanation: S.policy },
  // The recipient's own Sieve filter refusing the message after delivery, as Dovecot's LDA/LMTP ("Your message to
  // <addr> was automatically rejected:" then the script's reason) and Cyrus ("automatically rejected by Sieve")
  // send it back: the mailbox exists. A reason of its own (Dovecot's "Quota exceeded (mailbox for user is
  // full)", "mailbox doesn't exist") is read by the wording rules before this one.
  { id: 'sieve-rejected', match: { text: /\bwas automatically rejected\b|\brejected by sieve\b|refused by (?:the )?recipient'?\s?s mail filter(?:ing program| rules)?\b|邮件过滤规则|郵件過濾規則|refused by my personal mail filter/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient\'s own mail filter (a Sieve or procmail rule at their mailbox) rejected the message; the address itself is in use.' },
  // A refusal said to be the recipient's own ("Your mail was denied from the receiver", Dooray!'s notice; "The
  // recipient has blocked your email"): their settings or block list, not their server's verdict on the address. (Not
  // "rejected by the recipient's server / domain", which names no cause.)
  { id: 'recipient-refused-sender', match: { has: ['receiver', 'recipient', '받는 사람'], text: /받는 사람이 (?:현재 )?(?:회원님의 )?메일 수신을 (?:제한|거부|차단)|\b(?:mail|message|e-?mail) (?:was |is |has been )?(?:denied|rejected|refused|blocked) (?:from|by) (?:the )?(?:receiver|recipient)s?\b(?!'|\s*(?:server|domain|mail|host|system|mta|gateway|site|side)\b)|\b(?:the )?recipient has blocked (?:you|your (?:e-?mail|address|messages?)|the sender|this sender)\b/i }, category: 'policy', status: 'X.7.1', explanation: 'The recipient refused mail from this sender (their own settings or block list, by the words); nothing says the address is bad.' },
  // qmail frames every refusal of RCPT as "<IP> does not like recipient." followed by the remote's reply: a
  // permanent one that no earlier rule recognised (a bare "550 Requested action not taken") is the address
  // refused; a temporary one, or one with its own reason (full, relaying, blocked, expired, a protocol
  // error, an X.7 policy status, "access denied"), is read by that reason: hence last of the wording tiers,
  // so that the same remote reply reads the same in qmail's notice as in any other MTA's.
  { id: 'qmail-rcpt-refused', match: { text: /does not like recipient/i, class: 5 }, category: 'mailbox-unknown', status: 'X.1.1', explanation: 'The recipient\'s server refused this address when it was offered (qmail: "does not like recipient"), which it does for addresses that do not exist.' },
];

// ---------------------------------------------------------------------------------------------------
// 6. The basic code, phase by phase.

export const CODE_RULES: readonly Rule[] = [
  {
    id: '2xx',
    match: { class: 2 },
    category: 'accepted',
    explanation: {
      default: 'The server accepted the command.',
      dns: 'The DNS lookup succeeded.',
      connect: 'The receiving server answered the connection and is ready.',
      ehlo: 'The receiving server accepted our greeting.',
      helo: 'The receiving server accepted our greeting.',
      starttls: 'The receiving server agreed to encrypt the connection.',
      auth: 'The server accepted our login.',
      mail: 'The receiving server accepted the sender address.',
      rcpt: 'The receiving server accepted this recipient; the message itself comes next.',
      data: 'The receiving server accepted the message (it took responsibility for it; this is not proof it reached the inbox).',
      quit: 'The session was closed normally.',
      dsn: 'A later report says the message was delivered or passed on.',
      submission: 'The message was accepted at submission.',
      inbound: 'The message was accepted.',
    },
  },
  { id: '421', match: { code: 421 }, category: 'server-busy', status: 'X.3.2', explanation: { default: 'The receiving server closed the connection with a temporary error (overloaded, shutting down or limiting us); we will retry.', connect: 'The receiving server refused the connection for now (overloaded, or our IP\'s reputation is poor or unknown to it); we will retry.' } },
  { id: '450@rcpt', match: { code: 450, phase: ['rcpt'] }, category: 'server-busy', status: 'X.2.0', explanation: 'The receiving server deferred this recipient without saying why — usually greylisting, throttling of our volume or a pending reputation check; we will retry.' },
  { id: '450', match: { code: 450 }, category: 'server-busy', status: 'X.2.0', explanation: 'The mailbox or server was temporarily unavailable; we will retry.' },
  { id: '451', match: { code: 451 }, category: 'server-busy', status: 'X.3.0', explanation: { default: 'The receiving server hit a temporary local problem and asked us to retry.', data: 'The receiving server temporarily refused the message after seeing it (load, throttling or a filter that wants to see it again); we will retry.' } },
  { id: '452@rcpt', match: { code: 452, phase: ['rcpt'] }, category: 'rate-limited', status: 'X.5.3', explanation: 'The receiving server will not take more recipients in this transaction right now (too many recipients or low storage); the rest are retried.' },
  { id: '452', match: { code: 452 }, category: 'server-busy', status: 'X.3.1', explanation: 'The receiving server is short of storage right now; we will retry.' },
  { id: '454@auth', match: { code: 454, phase: ['auth'] }, category: 'policy', status: 'X.7.0', explanation: 'The relay could not check our login just now (temporary authentication failure); we will retry.' },
  { id: '454', match: { code: 454 }, category: 'server-busy', status: 'X.7.0', explanation: 'The receiving server had a temporary problem (TLS or authentication) and asked us to retry.' },
  { id: '500-504', match: { code: [500, 504] }, category: 'protocol-error', status: 'X.5.2', explanation: 'The server did not accept an SMTP command or its parameters (a protocol problem between the two servers, not a verdict on the recipient).' },
  { id: '521', match: { code: 521 }, category: 'no-mail-service', status: 'X.3.2', explanation: 'The receiving host says it does not accept mail at all (RFC 7504), as some domains that never receive mail do.' },
  { id: '556', match: { code: 556 }, category: 'no-mail-service', status: 'X.1.10', explanation: 'The recipient\'s domain does not accept mail (RFC 7504).' },
  { id: '530', match: { code: 530 }, category: 'policy', status: 'X.7.0', explanation: 'The server requires authentication (a login) or encryption before it accepts mail from us.' },
  { id: '534-538', match: { code: [534, 538] }, category: 'policy', status: 'X.7.8', explanation: 'The relay refused our login (authentication failed or the method is not allowed).' },
  { id: '551', match: { code: 551 }, category: 'mailbox-moved', status: 'X.1.6', explanation: 'The recipient is not local to this server any more (the server says to use another address).' },
  { id: '552@mail', match: { code: 552, phase: ['mail'] }, category: 'message-too-large', status: 'X.3.4', explanation: 'The receiving server refused the message size we announced.' },
  { id: '552@rcpt', match: { code: 552, phase: ['rcpt'] }, category: 'mailbox-full', status: 'X.2.2', explanation: 'The recipient\'s server says the mailbox has no room (storage allocation exceeded).' },
  { id: '552', match: { code: 552 }, category: 'message-too-large', status: 'X.3.4', explanation: 'The receiving server refused the message as exceeding a storage or size limit.' },
  { id: '553@mail', match: { code: 553, phase: ['mail'] }, category: 'policy', status: 'X.1.7', explanation: S.senderRejected },
  { id: '553', match: { code: 553 }, category: 'unknown', status: 'X.1.3', explanation: 'The receiving server refused the address as not allowed (bad syntax, or an address it does not permit).' },
  { id: '555', match: { code: 555 }, category: 'protocol-error', status: 'X.5.4', explanation: 'The server did not recognise a parameter of our MAIL FROM or RCPT TO command.' },
  { id: '554@connect', match: { code: 554, phase: ['connect'] }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The receiving server refused the connection before any mail was offered — usually our sending IP is on a blocklist or has poor reputation (or there is no real mail server there).' },
  { id: '5xx@connect', match: { class: 5, phase: ['connect'] }, category: 'reputation-or-blocklist', status: 'X.7.1', explanation: 'The receiving server refused the connection before any mail was offered — usually our sending IP is blocked or has poor reputation.' },
  { id: '5xx@ehlo', match: { class: 5, phase: ['ehlo', 'helo'] }, category: 'policy', status: 'X.7.1', explanation: 'The receiving server refused our greeting (EHLO/HELO) — usually it dislikes our server\'s hostname or our IP\'s reputation.' },
  { id: '5xx@mail', match: { class: 5, phase: ['mail'] }, category: 'policy', status: 'X.7.1', explanation: 'The receiving server refused our sender address — usually a policy or reputation block on the sending domain.' },
  { id: '550@rcpt', match: { code: 550, phase: ['rcpt'] }, category: 'unknown', status: 'X.0.0', explanation: 'The receiving server refused this recipient without saying why — most often the mailbox does not exist, sometimes a block on our mail, so the address is not suppressed on this alone.' },
  { id: '5xx@data', match: { class: 5, phase: ['data'] }, category: 'content-or-spam', status: 'X.7.1', explanation: 'The receiving server accepted the envelope but refused the message content, often as spam.' },
];

// ---------------------------------------------------------------------------------------------------
// 7. Phase × class defaults: category `unknown` (or `accepted` for 2xx), never unexplained.

export const DEFAULTS: Readonly<Record<2 | 4 | 5 | 0, { default: string } & Partial<Record<PhaseKey, string>>>> = {
  2: CODE_RULES[0]!.explanation as { default: string },
  4: {
    default: 'The server reported a temporary failure; we will retry.',
    dns: 'A DNS lookup failed temporarily; we will retry.',
    connect: 'The receiving server turned the connection away for now — usually it is overloaded, or our sending IP\'s reputation is poor or unknown to it; we will retry.',
    ehlo: 'The receiving server temporarily refused our greeting — often a temporary reputation or reverse-DNS check on our sending IP; we will retry.',
    helo: 'The receiving server temporarily refused our greeting — often a temporary reputation or reverse-DNS check on our sending IP; we will retry.',
    starttls: 'The receiving server could not start encryption just now; we will retry.',
    auth: 'The relay could not check our login just now; we will retry.',
    mail: 'The receiving server temporarily refused our sender address — often a temporary check of the sending domain; we will retry.',
    rcpt: 'The receiving server deferred this recipient without saying why — typically greylisting, throttling of our volume, or a reputation check still pending; we will retry.',
    data: 'The receiving server temporarily refused the message after seeing its content — usually load, throttling or a filter that wants to see it again later; we will retry.',
    quit: 'The server answered our goodbye with a temporary error; the outcome of the message was already decided.',
    dsn: 'A later report says a downstream server is still failing temporarily and the message was delayed or given up.',
    submission: 'The message could not be accepted right now; the client should retry.',
    inbound: 'The message could not be accepted right now; the sender should retry.',
  },
  5: {
    default: 'The server refused permanently and gave no recognisable reason.',
    dns: 'The DNS lookup failed permanently: the recipient\'s domain cannot receive mail.',
    connect: 'The receiving server refused the connection before any mail was offered — usually our sending IP is on a blocklist or has poor reputation.',
    ehlo: 'The receiving server refused our greeting (EHLO/HELO) — usually it dislikes our server\'s hostname or our IP\'s reputation.',
    helo: 'The receiving server refused our greeting (EHLO/HELO) — usually it dislikes our server\'s hostname or our IP\'s reputation.',
    starttls: 'The receiving server refused to start encryption (TLS).',
    auth: 'The relay rejected our login (wrong credentials or method not allowed).',
    mail: 'The receiving server refused our sender address — usually a policy or reputation block on the sending domain.',
    rcpt: 'The receiving server refused this recipient without a clear reason — most often the mailbox does not exist, sometimes a block on our mail.',
    data: 'The receiving server accepted the envelope but refused the message content, often as spam.',
    quit: 'The server answered our goodbye with an error; the outcome of the message was already decided.',
    dsn: 'A later bounce reports that the message could not be delivered, without a recognisable reason.',
    submission: 'The message was refused at submission.',
    inbound: 'The message was refused.',
  },
  0: {
    default: 'No reply code was received and the error was not recognised; we will retry.',
    dns: 'The DNS lookup failed for an unrecognised reason; we will retry.',
    connect: 'The connection to the receiving server failed for an unrecognised reason; we will retry.',
    data: 'The session failed while the message was being sent, with no reply; the server may or may not have kept it, so a retry could produce a duplicate.',
    dsn: 'A later bounce reports a failure without a recognisable reason.',
  },
};

/** Appended to sentences about replies reported later in a bounce rather than received by us. */
export const DSN_SUFFIX = ' (reported later in a bounce, after the message had been accepted)';
