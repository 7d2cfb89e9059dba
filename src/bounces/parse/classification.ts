/**
 * A parsed recipient gets the same classification as a synchronous reply: category and hard/soft from
 * src/classify. When the mail gave no status, the classifier's status derived from the wording stands in.
 */
import { classify, phaseFromText, registrable } from '../../classify/classify.js';
import { codeFromText, parseEnhanced } from '../../classify/status.js';
import { PROVIDER_UNAVAILABLE, STOCK_REPLY_RULE } from '../../classify/rules.js';
import type { Classification } from '../../classify/types.js';
import type { Phase } from '../../types.js';
import type { Evidence, ParsedRecipient } from '../types.js';
import { confidenceOf } from './confidence.js';
import { phraseInNotice } from './notice-phrase.js';
import { replyNamesToMask } from '../../classify/own-domain.js';
import { NEUTRAL_NAME } from '../../classify/host-name.js';
import { readReportedCategory } from './reported-category.js';

/** A reply code quoted anywhere in a diagnostic (`… said: 550 …`, `Remote host said: 554 …`). */
const ANY_CODE_RE = /(?:^|[\s:;(\]])([45][0-7]\d)(?=[ -]+(?:#?\d\.|\(\d\.|[A-Za-z<'":[])|\s*$)/;

/** The reply answered DATA; Gmail's older notices say so by "(state 15|17|18)" (see classify.ts's phaseFromText). */
const AFTER_DATA =
  /in\s+reply\s+to\s+end\s+of\s+DATA|after\s+(?:pipelined\s+)?end\s+of\s+data|after\s+(?:pipelined\s+)?DATA|in\s+reply\s+to\s+DATA|\(state 1[578]\)|\[BODY\]|rejected\s+command\s+'(?:DATA|BDAT)\b|did\s+not\s+like\s+our\s+(?:final\s+)?DATA\b|Body\s+of\s+message\s+generated\s+response/i;
/**
 * The reply answered our MAIL FROM (Postfix's "(in reply to MAIL FROM command)", Exim's "SMTP error from
 * remote mail server after MAIL FROM:<…>", Yahoo's "[MAIL_FROM]" after the reply, Stalwart's "rejected command 'MAIL FROM:<…>'",
 * DragonFly's "… did not like our MAIL FROM:"): the recipient had not been offered yet, so whatever the words
 * ("user unknown", a 5.1.1) they are about our sender.
 */
const REPLY_TO_MAIL =
  /\(in\s+reply\s+to\s+MAIL\s+FROM\s+command\)|SMTP\s+error\s+from\s+remote\s+mail\s+server\s+after\s+(?:pipelined\s+)?MAIL\s+FROM:|error\s+from\s+remote\s+server\s+for\s+MAIL\s+FROM\s+command|\[MAIL_FROM\]|\bConnected\s+to\s+\S+\s+but\s+sender\s+was\s+rejected\b|rejected\s+command\s+'MAIL\s+FROM:|did\s+not\s+like\s+our\s+MAIL\s+FROM:/i;
/**
 * The reply came before any command about this message: the greeting (Exim's "SMTP error from remote mail
 * server after initial connection", Postfix's "refused to talk to me") or EHLO/HELO. As after MAIL FROM, no
 * recipient had been offered: whatever its words, the reply is no verdict on the address.
 */
const REPLY_BEFORE_MAIL =
  /SMTP\s+error\s+from\s+remote\s+mail\s+server\s+after\s+(?:initial\s+connection|EHLO|HELO)\b|\brefused\s+to\s+talk\s+to\s+me\b|\(in\s+reply\s+to\s+(?:EHLO|HELO|LHLO)\s+command\)|\bConnected\s+to\s+\S+\s+but\s+(?:my\s+name\s+was\s+rejected|greeting\s+failed)\b/i;
/** RFC 3463's statuses about the sender's address (X.1.7 bad sender mailbox syntax, X.1.8 bad sender's system address). */
const SENDER_STATUS = /^[45]\.1\.[78]$/;
/** RFC 3463's "bad destination mailbox address": the server's own structured statement that the mailbox does not exist. */
const EXPLICIT_BAD_MAILBOX = /^[45]\.1\.1$/;
const REPLY_TO_DATA =
  /\(in\s+reply\s+to\s+end\s+of\s+DATA\s+command\)|SMTP\s+error\s+from\s+remote\s+mail\s+server\s+after\s+(?:pipelined\s+)?end\s+of\s+data/i;

/**
 * A Momentum-style summary in front of the quoted reply ("5.1.0 - Unknown address error 550-'5.2.2 …
 * Mailbox Full' (delivery attempts: 0)", as Amazon SES's older notices carry it): the reporting MTA names the
 * subject of its own status, 5.1.0 even for a full mailbox, so neither the status nor its words say why.
 * Only the reply is read, as a reply quoted in any other notice is.
 */
const SUMMARY_PREFIX = /^\s*[45]\.\d{1,3}\.\d{1,3} - [A-Za-z][A-Za-z ]{2,40}? (?=[45]\d\d[ -]['"]?\S)/;
/**
 * Zoho's label in front of the codes it quotes ("addr Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.2 …
 * Mailbox Full"): its one word for every refused recipient, a full mailbox too, not the server's reply.
 */
const ZOHO_LABEL = /\b(?:Invalid Address|Error),\s*ERROR_CODE\s*:\s*(\d{3})?,\s*ERROR_CODE\s*:\s*/i;
const ZOHO_RCPT = /\bInvalid Address,\s*ERROR_CODE\s*:/i;
function withoutSummary(diagnostic: string | null): string | null {
  if (!diagnostic) return diagnostic;
  // (Its codes are read as a reply's: "addr 550 5.2.2 … Mailbox Full".)
  const d = diagnostic.includes('ERROR_CODE') ? diagnostic.replace(ZOHO_LABEL, (_, code: string | undefined) => (code ? `${code} ` : '')) : diagnostic;
  return SUMMARY_PREFIX.test(d) ? d.replace(SUMMARY_PREFIX, '') : d;
}

/**
 * Exchange's delay warning gives each recipient its summary, "returned '400 4.4.7 Message delayed'", then the reply
 * that is delaying it ("… returned '441 4.4.1 Error communicating with target host: …'"): that later reply says why, so
 * the summary is not read where one follows.
 */
const DELAY_SUMMARY = /'?\b4\d\d 4\.4\.7 Message delayed\b'?(?=[\s\S]*?(?:^|[\s'"(])[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b)/i;
function withoutDelaySummary(diagnostic: string | null): string | null {
  return diagnostic && DELAY_SUMMARY.test(diagnostic) ? diagnostic.replace(DELAY_SUMMARY, '') : diagnostic;
}

/**
 * The recipient's own address quoted in the reply ("553 Invalid recipient blocked@…", "<full.stop@…>: User
 * unknown"): the words of its local part are not the reply's, so it is read as `x@domain`. (The classifier
 * reads every local part so; here it also keeps one such as "5.1.1@…" from being taken for the reply's status.)
 */
function withoutOwnAddress(diagnostic: string | null, address: string | null | undefined): string | null {
  const at = address?.lastIndexOf('@') ?? -1;
  if (!diagnostic || !address || at < 1 || !diagnostic.includes('@')) return diagnostic;
  const lower = diagnostic.toLowerCase();
  const own = address.toLowerCase();
  if (!lower.includes(own)) return diagnostic;
  let out = '';
  let from = 0;
  for (let i = lower.indexOf(own); i >= 0; i = lower.indexOf(own, i + own.length)) {
    out += `${diagnostic.slice(from, i)}x${diagnostic.slice(i + at, i + own.length)}`;
    from = i + own.length;
  }
  return out + diagnostic.slice(from);
}

/**
 * The reply code of a diagnostic: the one it starts with, unless that is a success (a greeting `220-…` or a
 * transcript's `250 Ok` quoted before the refusal) and a failure code follows.
 */
export function replyCode(diagnostic: string | null): number | null {
  if (!diagnostic) return null;
  const lead = codeFromText(diagnostic);
  if (lead !== null && lead >= 400) return lead;
  const m = ANY_CODE_RE.exec(diagnostic);
  return m ? Number(m[1]) : lead;
}

/** The host name of a Remote-MTA field ("dns; mx.example.com", "mx.example.com [192.0.2.1]"), if it is one. */
function remoteMtaName(field: string | null | undefined): string | null {
  const m = field ? /^(?:dns;\s*)?\[?([a-z0-9][a-z0-9.-]*\.[a-z]{2,})\.?\]?(?:\s|$)/i.exec(field.trim()) : null;
  return m ? m[1]! : null;
}

/**
 * `notice`: the rest of the notice (its transcript), consulted for the SMTP stage at which the server
 * refused and, when the diagnostic says nothing recognisable, for the notice's own reason line; give it
 * only when the notice concerns one recipient. `reportedCategory`: the sending MTA's own category of the
 * failure from its report (`reported-category.ts`), read when nothing else is recognised.
 */
export interface RecipientContext {
  /** The sending MTA's own category of the failure from its report (`reported-category.ts`). */
  reportedCategory?: string | null;
  /** Our side's domains the notice names (its addressee, the returned message's sender): read as names. */
  senderDomains?: readonly string[];
  /** Our own addresses the notice shows (its addressee, the returned message's sender), lower-cased; read when needed. */
  ourAddresses?: () => readonly string[];
  /**
   * The whole notice of a report about several recipients, whose transcript they share (Sendmail's "Transcript
   * of session follows"): read only for the stage at which this recipient's reply was given, and only when that
   * reply names this recipient's address, so that it cannot be another recipient's.
   */
  transcript?: string | null;
  /**
   * The reporting MTA wrote the recipient's Status from the reply's bare code (Sendmail: a 550 at RCPT becomes
   * `Status: 5.1.1` and its own line "550 5.1.1 <addr>... User unknown", a 552 becomes 5.2.2), so the Status says
   * no more than the code, and that line is not the server's: the reply's own words decide.
   */
  statusFromCode?: boolean;
  /**
   * A list manager's refusal known by its title in a language no rule reads (`list-refusal.ts`): read as a list's
   * refusal of a post when nothing else is recognised, the title as the evidence.
   */
  listRefusalTitle?: string | null;
  /** The Diagnostic-Code of a local program (type X-Unix), as reported: see `dsn.ts`. */
  localProgram?: string | null;
  /**
   * The notice is plain text in no format a row of `non-standard.ts` knows: its words are its writer's, and a
   * "user unknown" in them with no reply code, status or stage is weighed as `proseOnly` (below) says.
   */
  unrecognisedWriter?: boolean;
}

/**
 * A reply code anywhere in the words ("kefu@… 550 收件人…": the rules' code reading wants Latin text after it).
 * A code says a server answered; prose alone does not.
 */
const SOME_REPLY_CODE = /(?:^|[\s:;(\[])[45][0-5]\d(?=[\s:;,.)\]-]|$)/;

/**
 * Words that are a verdict on the address whoever writes them: the receiving system's own directory or table said
 * there is no such address (Postfix's "User unknown in local recipient table" / "… in virtual alias table", Domino's
 * "not listed in Domino Directory" or "… public Name & Address Book", Exchange's "not listed in the domain's
 * directory", "wasn't found at <domain>"), RFC 3463's own name of X.1.1 ("Bad destination mailbox address": the
 * status, written out), Sendmail's answer to RCPT ("<ann@…>... User unknown"), or the writer's word that its own
 * system has no such user (MDaemon's "There is no user by that name at this server").
 */
const ADDRESS_VERDICT =
  /\bin (?:the )?(?:local recipient|virtual (?:alias|mailbox)|relay recipient|recipient)(?: address)? table\b|\bnot listed in (?:the )?(?:Domino Directory|public Name (?:&|and) Address Book|(?:domain's |recipient's )?(?:address )?directory)|\bwasn't found at\b|\bwas not found in (?:the )?(?:directory|address book)|\bbad destination mailbox address\b|>?\.\.\. User unknown\b|\bno (?:user|mailbox|account) by that name (?:here|at this)\b/i;

/**
 * A "user unknown" that only a notice's own prose states: its writer is no MTA whose format we know, and it gives
 * no reply code, no status and no SMTP stage for the recipient ("kijitora@… [User unknown]", Yahoo's outbound
 * "This user doesn't have a yahoo.com account" — said at the end of the data). Nothing shows that the receiving
 * server judged the address at RCPT: a filter or a gateway may have written it after accepting the message, as
 * a "user unknown" after DATA often is (above). It is read as that one is: soft, with low confidence.
 */
function proseOnly(
  c: Classification,
  given: string | null,
  code: number | null,
  quoted: string | null,
  diagnostic: string | null,
  deciding: string | null,
  stage: Phase | undefined,
): boolean {
  return (
    c.hard &&
    c.category === 'mailbox-unknown' &&
    given === null &&
    code === null &&
    stage === undefined &&
    !SOME_REPLY_CODE.test(diagnostic ?? '') &&
    phaseFromText(quoted ?? '') === null &&
    !ADDRESS_VERDICT.test(`${diagnostic ?? ''} ${deciding ?? ''}`)
  );
}

const PROSE_ONLY_NOTE =
  ' The notice says so only in its own words, with no reply code, status or SMTP stage: a filter or gateway may have written it after accepting the message, so the address is not suppressed on this notice alone.';

/** What a list's refusal of a post says in the words the rules read (classify/rules.ts, LIST_POST_REFUSED). */
const LIST_REFUSAL_WORDS = 'the post was unable to be delivered to the list';

/** The names a lookup failure names: "host X not found", Postfix's "name=X type=A", Sendmail's "(Name server: X: host not found)". */
const NAME_NOT_FOUND =
  /\bhost ([a-z0-9][a-z0-9.-]*[a-z0-9])\.? not found|\bname=([a-z0-9][a-z0-9.-]*[a-z0-9])\.? type=|\(name server: ([a-z0-9][a-z0-9.-]*[a-z0-9])\.?: host not found/gi;

/** Every name the diagnostic says was not found lies outside the recipient's domain (and there is at least one). */
function onlyOtherNamesNotFound(diagnostic: string | null, domain: string): boolean {
  if (!diagnostic) return false;
  const own = registrable(domain.toLowerCase());
  let any = false;
  for (const m of diagnostic.matchAll(NAME_NOT_FOUND)) {
    const name = (m[1] ?? m[2] ?? m[3])!.toLowerCase();
    if (!name.includes('.')) continue;
    // (The recipient's domain may already read as the neutral name, when it holds a word the rules read.)
    if (registrable(name) === own || name === NEUTRAL_NAME) return false;
    any = true;
  }
  return any;
}

function otherNameNotFound(c: Classification): Classification {
  return {
    ...c,
    category: 'dns-failure',
    hard: false,
    rule: 'wording:other-name-not-found',
    explanation:
      "A DNS lookup failed for a name that is not the recipient's domain (the sending side's relay, or a server of another domain), so nothing is known about the recipient's address.",
  };
}

/** The notice's lines to look for a phrase in: without Sendmail's own verdict where its Status is the code's (below). */
function phrases(context: string, statusFromCode: boolean): string {
  return statusFromCode ? context.replace(SENDMAIL_OWN_VERDICT, '') : context;
}

/** Sendmail's own line for a refused recipient, "550 5.1.1 <ann@…>... User unknown", whatever the server said. */
const SENDMAIL_OWN_VERDICT = /^[45]\d\d [45]\.\d\.\d+ <[^<>\s]+>\.\.\. User unknown[ \t]*$/gm;

const CANT_CREATE_OUTPUT = /can'?t create (?:\(user\) )?output/i;

export function classifyRecipient(rec: ParsedRecipient, notice: string | null = null, more: RecipientContext = {}): ParsedRecipient {
  const {
    reportedCategory = null,
    senderDomains = [],
    ourAddresses = () => [],
    transcript = null,
    statusFromCode = false,
    listRefusalTitle = null,
    localProgram = null,
    unrecognisedWriter = false,
  } = more;
  // The reply as quoted (found again in the notice's transcript), and as classified.
  // The failed address, or the one we sent to where the report names the failed one without a domain
  // ("Final-Recipient: LOCAL;<f.b>").
  const recipient = rec.final_recipient?.includes('@') ? rec.final_recipient : (rec.address ?? rec.final_recipient);
  let quoted = withoutSummary(rec.diagnostic);
  let diagnostic = withoutDelaySummary(withoutOwnAddress(quoted, recipient));
  let context = notice;
  // The recipient's domain named in the notice, the remote MTA's and our sender's, are read as names
  // (`classify/own-domain.ts`).
  const own = replyNamesToMask(recipient?.includes('@') ? recipient : null, remoteMtaName(rec.remote_mta), ...senderDomains);
  if (own) {
    quoted = own.mask(quoted);
    diagnostic = own.mask(diagnostic);
    context = own.mask(context);
  }
  const code = replyCode(diagnostic);
  rec.reply_code = code;
  if (rec.action === 'delivered' || rec.action === 'relayed' || rec.action === 'expanded') {
    rec.category = 'accepted';
    rec.hard = false;
    return rec;
  }
  // The remote server's own code (in the diagnostic) is more precise than the reporting MTA's summary
  // Status (`5.0.0`, or a 4.4.7 "gave up" over the 4.7.1 that caused it), when both are of one class.
  const remote = remoteStatus(diagnostic);
  const fromText = remote ?? failureStatus(diagnostic);
  // A success status (2.x.x) cannot describe a failure or a delay: it is an earlier line of a quoted
  // transcript (`250 2.1.5 Ok` before the refusal), not the answer that failed.
  let given = rec.status?.startsWith('2.') ? null : rec.status;
  const sendmailGeneric = statusFromCode && given && !fromText ? `${given.charAt(0)}.0.0` : null;
  const reported = given;
  if (sendmailGeneric) given = sendmailGeneric;
  // A recipient reported failed with a 4.x.x Status while the server's own reply was 5xx: the reply is the
  // evidence (the reporting MTA wrote its status from an earlier, temporary, attempt).
  const contradicted = rec.action === 'failed' && given?.startsWith('4.') === true && remote?.startsWith('5.') === true;
  // (Not a bare X.0.0 over a specific Status: that says less than the summary.)
  const bare = fromText?.endsWith('.0.0') === true && given !== null && !given.endsWith('.0.0') && given.charAt(0) === fromText.charAt(0);
  // (A generic X.0.0 of the other class gives way too, for the reading; the status reported keeps its class below.)
  const generic = given?.endsWith('.0.0') === true && fromText !== null && given.charAt(0) !== fromText.charAt(0) && !contradicted ? given : null;
  if (fromText && !bare && (!given || given.endsWith('.0.0') || given.charAt(0) === fromText.charAt(0) || contradicted)) given = fromText;
  // qmail-style "(#5.1.1)" annotations are appended loosely by many MTAs (a full mailbox as #5.1.1):
  // when the wording alone says what happened, it wins; the code stays the reported status.
  // (Not a sender status, X.1.7 / X.1.8: "… no such user <our sender> (#5.1.8)" is about our address, as the code says.)
  const loose = given !== null && !SENDER_STATUS.test(given) && (diagnostic ?? '').includes(`(#${given})`);
  // A transcript quoted as the diagnostic (`Out: 250 2.1.5 Ok … Out: 550 Rejected`): its first status is an
  // earlier command's success, which must not make the failure read as accepted; the failing reply's class stands in.
  if (given === null && parseEnhanced(diagnostic)?.startsWith('2.'))
    given = code !== null && code >= 400 ? `${Math.floor(code / 100)}.0.0` : rec.action === 'delayed' ? '4.0.0' : '5.0.0';
  // A shared transcript tells this recipient's stage only through a reply that names its address.
  const shared = transcript && recipient && rec.diagnostic?.toLowerCase().includes(recipient.toLowerCase()) ? transcript : null;
  const reportedPhase = stageInNotice(quoted, context) ?? (shared ? stageInNotice(quoted, own ? own.mask(shared) : shared) : undefined);
  // A delay said without any code is a temporary condition: read as one (its explanation says the message waits).
  const classHint = given === null && code === null && rec.action === 'delayed' ? '4.0.0' : given;
  let c = classify({ phase: 'dsn', code, enhanced: classHint, text: diagnostic, reportedPhase });
  // (A provider's wording read with its own annotation stays: qmail's "(#4.1.2)" is what makes its DNS failure temporary.)
  if (loose && !c.rule.startsWith('provider:')) {
    // A transcript's earlier `250 2.1.5` must not decide once the annotation is gone: its class then stays.
    const success = parseEnhanced(diagnostic)?.startsWith('2.') === true;
    const byWording = classify({
      phase: 'dsn',
      code,
      enhanced: success ? `${given!.charAt(0)}.0.0` : null,
      text: (diagnostic ?? '').replace(/\(#[245]\.\d{1,3}\.\d{1,3}\)/g, ''),
    });
    if (byWording.category !== 'unknown') c = byWording;
  }
  // (1&1/IONOS document their stock reply as "the address does not exist on this server", and United Internet's mailboxes
  // — GMX, WEB.DE, mail.com, on the same servers — give it for a recipient they do not have: it needs no narrowing.)
  const stock =
    c.rule === STOCK_REPLY_RULE &&
    !PROVIDER_UNAVAILABLE.test(diagnostic ?? '') &&
    !IONOS_MX.test(`${rec.remote_mta ?? ''} ${quoted ?? ''}`) &&
    !UNITED_INTERNET_MAILBOX.test(recipient ?? '');
  // (Zoho's "Invalid Address" label, taken out of the reply above, marks a refusal of the address at RCPT.)
  if (stock) c = weighStockReply(c, code, given, diagnostic, ZOHO_RCPT.test(rec.diagnostic ?? '') ? `${context ?? ''}\n[RCPT_TO]` : context);
  let source: Evidence['source'] = !diagnostic && !given ? 'none' : decidedByStatusField(c, diagnostic, given) ? 'status' : 'diagnostic';
  let decidingText = source === 'status' ? `Status: ${given}` : rec.diagnostic;
  // A diagnostic that says nothing recognisable ("Unable to deliver", a bare 5.0.0): the notice often
  // states the reason in a line of its own ("User unknown", "Host not found").
  if (context && c.category === 'unknown') {
    const found = phraseInNotice(phrases(context, statusFromCode), code, given);
    // The notice's line that quotes the same stock reply ("… said: 550 Requested action not taken: mailbox
    // unavailable") is not a second statement of the reason: the reply was weighed above.
    // Nor is a line that is only a piece of the diagnostic itself (its reply wrapped over the notice's lines): the
    // whole reply was read, and a piece of it can say what the whole does not ("mailbox unavailable … Try" / "again later").
    if (found && !(stock && found.classification.rule === STOCK_REPLY_RULE) && !pieceOf(found.text, diagnostic)) {
      c = found.classification;
      source = 'notice';
      decidingText = own ? own.unmask(found.text) : found.text;
    }
  }
  // Sendmail's "Can't create output" is its local mailer failing; the mailer's own line in the transcript may say why
  // ("procmail: Quota exceeded while writing …"): a full mailbox, then, not an error of their system.
  if (context && c.rule === 'wording:system-error' && CANT_CREATE_OUTPUT.test(diagnostic ?? '')) {
    const found = phraseInNotice(phrases(context, statusFromCode), code, given);
    if (found?.classification.category === 'mailbox-full') {
      c = found.classification;
      source = 'notice';
      decidingText = own ? own.unmask(found.text) : found.text;
    }
  }
  // Nothing recognised in the words: the sending MTA's own category of the reply, where its report gives one.
  let byReportedCategory = false;
  if (c.category === 'unknown' && reportedCategory) {
    const reported = readReportedCategory(reportedCategory, code, given);
    if (reported) {
      c = reported.classification;
      source = 'notice';
      decidingText = reported.text;
      byReportedCategory = true;
    }
  }
  if (c.category === 'unknown' && listRefusalTitle) {
    c = classify({ phase: 'dsn', code, enhanced: given?.endsWith('.0.0') ? null : given, text: LIST_REFUSAL_WORDS });
    source = 'notice';
    decidingText = listRefusalTitle;
    byReportedCategory = true;
  }
  // "No such user" about an address of ours, not the recipient's (a server checking our envelope sender at DATA:
  // "550 <bounces@…> doesn't exist according to …"): the words are about our sender, as a reply to MAIL FROM is.
  if (c.category === 'mailbox-unknown' && aboutOurAddressOnly(rec.diagnostic, ourAddresses, [rec.address ?? null, rec.final_recipient ?? null]))
    c = classify({ phase: 'mail', code, enhanced: given, text: diagnostic });
  // A name not found is the recipient's domain only when it is one of its names: a sending relay's own smarthost
  // ("DNS lookup failure: host smarthost.provider.example not found") or another domain's host says nothing of it.
  if (c.rule === 'wording:nxdomain' && recipient?.includes('@') && onlyOtherNamesNotFound(diagnostic, recipient.slice(recipient.lastIndexOf('@') + 1)))
    c = otherNameNotFound(c);
  // A recipient still being tried has not expired, whatever its status: Exchange's warnings give 4.4.7 ("delivery time
  // expired") to every delayed recipient. Its reply's words, if any, say why; else no cause is stated.
  if (rec.action === 'delayed' && c.category === 'expired') {
    const words = classify({ phase: 'dsn', code, enhanced: '4.0.0', text: diagnostic });
    c = words.category === 'expired' ? classify({ phase: 'dsn', code: null, enhanced: '4.0.0', text: null }) : words;
  }
  // A local program's exit status that no words explain: the MTA's Status only encodes the exit code (Sendmail gives
  // EX_UNAVAILABLE 5.5.0, EX_USAGE 5.5.4, EX_NOPERM 5.3.0), so it is no protocol error or verdict of a server but their
  // delivery program failing. A status that names a cause stays what it says: the addressing codes (EX_NOUSER 5.1.1,
  // EX_NOHOST 5.1.2), a mailbox's state (Postfix's 5.2.2 for a mailbox file too large), a size, a refusal (EX_NOPERM 5.7.0).
  if (localProgram !== null && /^(?:enhanced|default):/.test(c.rule) && !NAMED_CAUSE.test(given ?? '')) {
    const program = classify({ phase: 'dsn', code, enhanced: given, text: `x-unix; ${localProgram}` });
    if (program.category === 'system-error') {
      c = { ...program, explanation: localProgramExplanation(program.explanation, localProgram) };
      source = 'diagnostic';
      decidingText = `X-Unix; ${localProgram}`;
    }
  }
  rec.category = c.category;
  rec.hard = c.hard;
  // "User unknown" said only after DATA comes from a content filter: the RCPT check had accepted the
  // address, so it is not proof that the address is bad.
  // Only the reply's own stage counts: a transcript lists DATA even after RCPT was refused.
  // A provider's own wording is specific whatever the stage: Yahoo checks recipients at the end of DATA and
  // says "This user doesn't have a yahoo.com account" there. So is an explicit X.1.1 (bad destination
  // mailbox), as the classifier reads a live reply: gateways that check recipients only after the message
  // (Yahoo, some filtering services) say so with it. It stays hard, with low confidence (below), so that
  // `suppress_on: high-confidence` leaves the address alone. (Said by a notice's prose alone, with no code, status or
  // stage, it is soft whoever's wording it is: `proseOnly`.)
  const afterData =
    c.hard &&
    c.category === 'mailbox-unknown' &&
    !c.rule.startsWith('provider:') &&
    (AFTER_DATA.test(diagnostic ?? '') || REPLY_TO_DATA.test(context ?? '') || reportedPhase === 'data' || answeredData(quoted, context));
  if (afterData && !EXPLICIT_BAD_MAILBOX.test(given ?? '') && c.rule !== 'enhanced:X.1.1') rec.hard = false;
  const prose = unrecognisedWriter && rec.action === 'failed' && proseOnly(c, given, code, quoted, diagnostic, decidingText, reportedPhase);
  if (prose) rec.hard = false;
  let takenBack = false;
  if (c.hard && (REPLY_TO_MAIL.test(diagnostic ?? '') || REPLY_TO_MAIL.test(context ?? '') || answeredMail(quoted, context))) {
    // Read as the answer to MAIL FROM that it was (about our sender: the classifier says so), as a live reply is.
    const asMail = classify({ phase: 'mail', code, enhanced: given, text: diagnostic });
    if (!asMail.hard) {
      c = asMail;
      rec.category = c.category;
    }
    rec.hard = false;
    takenBack = true;
  } else if (c.hard && (REPLY_BEFORE_MAIL.test(diagnostic ?? '') || REPLY_BEFORE_MAIL.test(context ?? ''))) rec.hard = false;
  // A bare X.0.0 gives way to the status the notice's phrase implies (of the same class); not to one a
  // category implies (a category names no status).
  rec.status =
    given && !(source === 'notice' && !byReportedCategory && given.endsWith('.0.0') && c.enhanced?.charAt(0) === given.charAt(0))
      ? given
      : (c.enhanced ?? given ?? (code ? `${Math.floor(code / 100)}.0.0` : null));
  // (The report's own Status stays what is reported where nothing more precise was found.)
  if (sendmailGeneric && rec.status === sendmailGeneric) rec.status = reported;
  // A report's generic status of the other class than the reply's ("Action: delayed", "Status: 4.0.0" over a "450
  // 5.1.1"; "Action: failed", "Status: 5.0.0" over the "451 4.3.0" that made it give up) says what became of the
  // recipient: the status reported keeps that class.
  if (generic && rec.status && rec.status.charAt(0) !== generic.charAt(0)) rec.status = generic;
  // A delay notice without any code: the MTA is still trying, which is a temporary (4.x.x) condition by
  // definition, whatever class the wording alone would suggest.
  if (rec.action === 'delayed' && given === null && code === null && rec.status?.startsWith('5.')) rec.status = `4${rec.status.slice(1)}`;
  // A delayed recipient is still being tried: whatever the last reply said (Postfix's "450 4.1.1 …
  // unverified address"), nothing is final yet, so it is no verdict on the address.
  if (rec.action === 'delayed') rec.hard = false;
  rec.evidence = { source, rule: c.rule, text: decidingText ? decidingText.slice(0, 400).replace(/\s+/g, ' ').trim().slice(0, 200) : null };
  rec.explanation = (prose ? c.explanation + PROSE_ONLY_NOTE : c.explanation) || null;
  rec.confidence = confidenceOf({ classification: c, evidence: rec.evidence, status: rec.status, diagnostic, context });
  // A hard verdict the classifier took back (a filter after DATA) is not evidence against the address, and
  // one kept after DATA is weak evidence.
  if ((rec.hard === false && c.hard) || takenBack || afterData) rec.confidence = 'low';
  return rec;
}

/** A status whose subject and detail name a cause (RFC 3463), not only a class of failure. */
const NAMED_CAUSE = /^[45]\.(?:1\.\d+|2\.[1-4]|3\.4|7\.\d+)$/;

/** sysexits(3): what a local delivery program's exit status means. */
const SYSEXITS: Record<number, string> = {
  64: 'a command line usage error',
  65: 'a data format error',
  66: 'an input it could not open',
  69: 'service unavailable',
  70: 'an internal software error',
  71: 'an operating system error',
  72: 'a critical system file missing',
  73: 'an output file it could not create',
  74: 'an input/output error',
  75: 'a temporary failure',
  76: 'a remote protocol error',
  77: 'permission denied',
  78: 'a configuration error',
  126: 'the program could not be run',
  127: 'the program was not found',
};

/** The local-program explanation, naming the exit status the report gives ("X-Unix; 69"). */
function localProgramExplanation(general: string, reported: string): string {
  const exit = /^\s*(\d{1,3})\s*$/.exec(reported);
  if (!exit) return general;
  const n = Number(exit[1]);
  const meaning = n > 128 && n < 160 ? `killed by signal ${n - 128}` : (SYSEXITS[n] ?? 'a failure');
  return `${general} The program ended with exit status ${n} (${meaning}), which says nothing about the address.`;
}

/**
 * The command the reply answered, when only the notice's text states it: Postfix's report writes "(in reply
 * to end of DATA command)" and Exim's "SMTP error from remote mail server after MAIL FROM:<…>" in their text
 * part, not in the Diagnostic-Code, where their plain notices have it beside the reply. The same reply then reads the same (a "user unknown" after DATA is a
 * filter's refusal). The reporting MTA's own statement of the stage, else a transcript that shows this very
 * reply right after `>>> DATA` or `>>> MAIL From:`.
 */
const STAGE_STATED =
  /\(in\s+reply\s+to\s+(?:end\s+of\s+DATA|DATA|RCPT\s+TO|MAIL\s+FROM|EHLO|HELO|LHLO)\s+command\)|\brefused\s+to\s+talk\s+to\s+me\b|SMTP error from remote mail server\s+after\s+(?:pipelined\s+)?(?:end\s+of\s+data|DATA|RCPT\s+TO|MAIL\s+FROM|initial\s+connection|EHLO|HELO)\b|(?:rejected\s+command\s+'|did\s+not\s+like\s+our\s+(?:final\s+)?)(?:DATA|BDAT|RCPT\s+TO|MAIL\s+FROM|EHLO|HELO)\b|failed\s+after\s+I\s+sent\s+the\s+message|Body\s+of\s+message\s+generated\s+response/i;
function stageInNotice(diagnostic: string | null, context: string | null): Phase | undefined {
  if (!context || (diagnostic && phaseFromText(diagnostic) !== null)) return undefined;
  const m = STAGE_STATED.exec(context);
  const phase = m ? phaseFromText(m[0].replace(/\s+/g, ' ')) : null;
  if (phase !== null && phase !== 'dsn' && phase !== 'unknown') return phase;
  // A transcript that shows this very reply as the answer to DATA or to MAIL FROM (a `>>>` line, or a
  // "SMTP command: DATA" section); most notices have neither, and are not searched further.
  if (!context.includes('>>>') && !context.includes('ommand') && !context.includes('OMMAND')) return undefined;
  return answeredData(diagnostic, context) ? 'data' : answeredMail(diagnostic, context) ? 'mail' : undefined;
}

/** True when a diagnostic names addresses, all of them ours and none the recipient's. */
function aboutOurAddressOnly(diagnostic: string | null, ourAddresses: () => readonly string[], recipient: readonly (string | null)[]): boolean {
  if (!diagnostic) return false;
  const named = [...diagnostic.matchAll(/<([^\s<>@]+@[^\s<>@]+)>/g)].map((m) => m[1]!.toLowerCase());
  if (named.length === 0) return false;
  const ours = ourAddresses();
  const theirs = new Set(recipient.filter((a): a is string => !!a).map((a) => a.toLowerCase()));
  return named.every((a) => ours.includes(a) && !theirs.has(a));
}

/** The reply shows that it answered RCPT (Postfix, Exim, 1&1's own notices ("SMTP error from remote server for RCPT TO command"), qmail's "did not like our RCPT TO" and older "does not like recipient", DragonFly's dma, Yahoo's "[RCPT_TO]", a Sendmail, InterScan or IMail transcript, Gmail's "(state 14)"). */
/** 1&1 / IONOS mail exchangers (mx00.1and1.es, mx01.ionos.de, mx.kundenserver.de). */
const IONOS_MX = /\b(?:mx|mxint)[\w-]{0,63}\.(?:1and1|ionos|kundenserver)\.[a-z.]+/i;
/** An address at United Internet's consumer mailboxes (GMX, WEB.DE, mail.com), whose servers are 1&1's. */
const UNITED_INTERNET_MAILBOX = /@(?:gmx\.(?:de|net|at|ch|com|us|co\.uk|fr|es|it|eu|info|org|li|se)|web\.de|mail\.com)$/i;

const ANSWERED_RCPT =
  /in\s+reply\s+to\s+RCPT\s+TO\s+command|error\s+from\s+remote\s+server\s+for\s+RCPT\s+TO\s+command|after\s+(?:pipelined\s+)?RCPT\s+TO|did\s+not\s+like\s+our\s+RCPT\s+TO|does\s+not\s+like\s+recipient|after\s+RCPT\s+command|>>>\s*RCPT\s+TO|Sent\s+<<<\s*RCPT\s+TO|\[RCPT_TO\]|RCPT\s+TO\s+generated|SMTP:RCPT\b|\(state 14\)|rejected\s+command\s+'RCPT\s+TO:/i;

/**
 * RFC 5321's stock 550 text, "Requested action not taken: mailbox unavailable", is defined to cover
 * "mailbox not found, no access, or command rejected for policy reasons": alone it does not say which. It
 * is read as a missing mailbox only where something else narrows it: the reply answered RCPT (the check of
 * the address), or the status the server gave with it is a specific one (Microsoft's 5.5.0). A status that
 * names the mailbox's state (X.2.x: disabled, full) or a policy (X.7.x) is the more precise of the two and
 * decides; under a bare X.0.0 (the reporting MTA's summary) the failure is unexplained (soft, low
 * confidence), as Sisimai too reads it outside RCPT.
 */
function weighStockReply(c: Classification, code: number | null, given: string | null, diagnostic: string | null, context: string | null): Classification {
  // X.2.x / X.7.x: the status is the more precise of the two, whatever else the notice says.
  const statusDecides = given?.charAt(2) === '2' || given?.charAt(2) === '7';
  const narrowed =
    (given && !given.endsWith('.0.0')) ||
    ANSWERED_RCPT.test(diagnostic ?? '') ||
    (context !== null && ANSWERED_RCPT.test(context)) ||
    pipelinedRcpt(diagnostic, context);
  return !statusDecides && narrowed ? c : classify({ phase: 'dsn', code, enhanced: given, text: null });
}

/** The rule fired on the status alone: an RFC 3463 rule, with a status the diagnostic does not quote. */
function decidedByStatusField(c: Classification, diagnostic: string | null, given: string | null): boolean {
  if (!given || !c.rule.startsWith('enhanced:')) return false;
  return !(diagnostic ?? '').includes(given);
}

/**
 * The notice shows this very reply as the answer to DATA: a transcript (`>>> DATA` / `<<< 550 …`,
 * Sendmail, Courier and others) right before the reply, or a section naming the failed command
 * (`SMTP command: DATA`, or a `SMTP command` heading with `DATA` under it). In a transcript only the line
 * right before the reply counts: transcripts also list a DATA refused because RCPT was. The reply is often
 * quoted twice (a summary above the transcript), so every place it is quoted is looked at.
 */
function answeredData(diagnostic: string | null, context: string | null): boolean {
  if (!diagnostic || !context) return false;
  if (FAILED_COMMAND_DATA.test(context)) return true;
  // Pipelined (Sendmail): RCPT and DATA went out together, so the transcript shows `>>> DATA` followed by the
  // RCPT's refusal and then DATA's own `503 Need RCPT` / `554 no valid recipients`.
  // Sendmail also writes its own line about the recipient right under a refusal of its RCPT ("550 5.1.1 <ann@…>... User
  // unknown"), where a refusal of the data gets "554 5.0.0 Service unavailable": without DATA's own refusal (another
  // recipient was accepted), that line says the reply answered RCPT.
  return quotedReplies(diagnostic, context).some(
    ({ before, after }) => AFTER_DATA_COMMAND.test(before) && !PIPELINED_DATA_REFUSAL.test(after) && !SENDMAIL_RCPT_VERDICT.test(after),
  );
}

/** Sendmail's own line about a recipient refused at RCPT, under the server's reply: "550 5.1.1 <ann@…>... User unknown". */
const SENDMAIL_RCPT_VERDICT = /^[^\n]*\n(?:[ \t]*<<<[^\n]*\n){0,10}[ \t]*[45]\d\d [45]\.\d{1,3}\.\d{1,3} <?[^\s<>]+@[^\s<>]+?>?\.\.\. /;

/** A transcript's `>>> DATA` line (or the data's closing `>>> .`) right before the quoted reply. */
const AFTER_DATA_COMMAND = />>>\s*(?:DATA|\.)\s*\n\s*<<<\s*$/i;

/**
 * Every place a notice quotes the diagnostic's reply (its first line, up to 60 characters; shorter ones are too
 * common to place): the text just before it (100 characters, 300 for a `MAIL From:` line with its parameters)
 * and just after it (400), to read the transcript line that drew it.
 */
function quotedReplies(diagnostic: string, context: string): Array<{ before: string; wideBefore: string; after: string }> {
  // (Sendmail's text notice writes the reply as "<addr> (reason: 550 …)": the reply is what its transcript quotes. A
  // recipient's paragraph read as one line, "<addr>: host [ip]: >>> DATA <<< 550 …" (Courier's), quotes it last.)
  const first = diagnostic.split('\n')[0];
  const transcribed = first.lastIndexOf('<<<');
  const reply = (transcribed >= 0 ? first.slice(transcribed + 3) : first)
    .replace(/^\s*<[^\s<>]+@[^\s<>]+>\s*\(reason:\s*([^\n]*?)\)\s*$/i, '$1')
    .trim()
    .slice(0, 60);
  const out: Array<{ before: string; wideBefore: string; after: string }> = [];
  if (reply.length < 8) return out;
  for (let at = context.indexOf(reply); at > 0; at = context.indexOf(reply, at + 1))
    out.push({
      before: context.slice(Math.max(0, at - 100), at),
      wideBefore: context.slice(Math.max(0, at - 300), at),
      after: context.slice(at + reply.length, at + reply.length + 400),
    });
  return out;
}

/**
 * A transcript shows this very reply as the answer to our MAIL FROM (`>>> MAIL From:<…> SIZE=…` / `<<< 550
 * …`, Sendmail, Courier): the recipient had not been offered, as after Postfix's "(in reply to MAIL FROM
 * command)". Only the line right before the reply counts.
 */
function answeredMail(diagnostic: string | null, context: string | null): boolean {
  if (!diagnostic || !context) return false;
  return quotedReplies(diagnostic, context).some(({ wideBefore }) => />>>[ \t]*MAIL[ \t]+From:[^\n]*\n[ \t]*<<<[ \t]*$/i.test(wideBefore));
}

/**
 * A pipelined transcript (Sendmail: `>>> DATA` / `<<< 550 …` / `<<< 503 Need RCPT`): RCPT and DATA went out
 * together, and the reply shown after `>>> DATA` is the refusal of RCPT (see answeredData).
 */
function pipelinedRcpt(diagnostic: string | null, context: string | null): boolean {
  if (!diagnostic || !context) return false;
  return quotedReplies(diagnostic, context).some(
    ({ before, after }) => AFTER_DATA_COMMAND.test(before) && (PIPELINED_DATA_REFUSAL.test(after) || SENDMAIL_RCPT_VERDICT.test(after)),
  );
}

/**
 * DATA's own answer when every RCPT before it was refused (`503 Need RCPT`, `554 no valid recipients`,
 * `503 Valid RCPT command must precede DATA`, …): it speaks of RCPT or recipients, which an answer to the
 * message itself does not.
 */
const PIPELINED_DATA_REFUSAL = /<<<\s*5\d\d[ -][^\n]*\b(?:RCPT|recipients?)\b/i;

/** A notice's own statement of the command that failed: `SMTP command: DATA`, `Command:\n  DATA`. */
const FAILED_COMMAND_DATA = /^[ \t-]*(?:SMTP[ \t]+)?command\s*:?[ \t]*(?:\r?\n[ \t]*)?DATA[ \t]*\r?$/im;

/**
 * The status a remote server put after its own reply code (`550 5.2.2`, `550-'5.2.2`): more precise than a
 * summary status the reporting MTA writes in front of it (`5.1.0 - Unknown address error 550-'5.2.2 …'`).
 */
export function remoteStatus(text: string | null): string | null {
  if (!text) return null;
  const found = [...text.matchAll(/(?<!\d)[45]\d\d[ -]['"]?([45])\.([0-7])\.(\d{1,3})(?!\d|\.\d)/g)].map((m) => `${m[1]}.${m[2]}.${Number(m[3])}`);
  // "554 4.4.7 Message expired … <421 4.4.2 Connection timed out>": the expiry only says the MTA gave up;
  // the reply it quotes after it is why.
  if (found.length > 1 && /^[45]\.4\.7$/.test(found[0])) return found.find((st) => !/^[45]\.4\.7$/.test(st)) ?? found[0];
  return found[0] ?? null;
}

/** The first failure status (class 4 or 5) in a text; a transcript's `250 2.1.5 Ok` lines are skipped. */
export function failureStatus(text: string | null): string | null {
  if (!text) return null;
  const m = /(?<![\d.])([45])\.([0-7])\.(\d{1,3})(?!\d|\.\d)/.exec(text);
  return m ? `${m[1]}.${m[2]}.${Number(m[3])}` : null;
}

/** `line` is a piece of `diagnostic` (spacing aside). */
function pieceOf(line: string, diagnostic: string | null): boolean {
  if (!diagnostic) return false;
  const flat = (t: string) => t.replace(/\s+/g, ' ').trim().toLowerCase();
  const piece = flat(line);
  return piece.length > 0 && flat(diagnostic).includes(piece);
}
