/**
 * The bounce parser: one inbound mail → what it says about the mail we sent (ParseResult). Order of
 * evidence: an ARF feedback report, a read receipt, then a challenge-response system's request (not a
 * bounce), then an RFC 3464 delivery-status report, then a person's out-of-office title, then the wording
 * of a non-standard notice, then the marks of an automatic reply. A report always wins over auto-reply
 * headers, because many MTAs put `Auto-Submitted: auto-replied` on their DSNs.
 *
 * Pure: no I/O, no database. Never throws; a mail it cannot read gives a result with `error`.
 */
import { bareRecipient, failedParse, type ParsedRecipient, type ParseResult } from '../types.js';
import { autoReplyBody, autoReplySubject, detectAutoReply } from './autoreply.js';
import { challengeResponse } from './challenge.js';
import { classify } from '../../classify/classify.js';
import { LIST_POST_REFUSED } from '../../classify/rules.js';
import { classifyRecipient } from './classification.js';
import { findStatus, parseDeliveryStatus, stripAddressType, type DsnRecipientFields } from './dsn.js';
import {
  allParts,
  partsPlaced,
  bodyText,
  decodeHeaderValue,
  DEFAULT_LIMITS,
  header,
  headersAll,
  MimeLimitError,
  parseHeaders,
  parseMime,
  partText,
  splitHeaderBody,
  type Header,
  type MimeLimits,
  type MimePart,
} from './mime.js';
import { isMailbox } from './address.js';
import { jmrpReport } from './jmrp.js';
import { textComplaint } from './text-complaints.js';
import { listManagerRefusal } from './list-refusal.js';
import { membersOfExpandedAliases, sentToFromReturned } from './forwarded.js';
import { oneReplyForSeveral } from './shared-reply.js';
import { lineAbout, noticeRecipients, parseTextReport, saysDelayed, splitNotice, type TextRecipient, withoutDirectoryNames } from './non-standard.js';

export type ParseOptions = Partial<MimeLimits> & {
  /**
   * Recipients read from one report; the rest are counted in `recipients_omitted`, not parsed (a
   * delivery-status part is then only searched for its Final-Recipient fields). Default: all.
   */
  maxRecipients?: number;
};

export { DEFAULT_LIMITS };

/** Parses one raw mail. Async for the sake of callers that may move it to a worker; the work is synchronous. */
export async function parseBounce(raw: Buffer, opts: ParseOptions = {}): Promise<ParseResult> {
  return parseBounceSync(raw, opts);
}

export function parseBounceSync(raw: Buffer, opts: ParseOptions = {}): ParseResult {
  const limits: MimeLimits = { maxParts: opts.maxParts ?? DEFAULT_LIMITS.maxParts, maxDepth: opts.maxDepth ?? DEFAULT_LIMITS.maxDepth };
  const maxRecipients = opts.maxRecipients ?? Infinity;
  try {
    // A mail whose lines all end in a bare CR (old Mac mail programs; RFC 5322 allows only CRLF) reads as one line
    // otherwise: its lines are LF-ended for reading.
    const latin1 = raw.toString('latin1');
    const text = latin1.includes('\n') || !latin1.includes('\r') ? latin1 : latin1.replace(/\r/g, '\n');
    const mails = splitMbox(text);
    if (mails.length > 1) return capRecipients(merge(mails.map((m) => analyse(parseMime(m, limits), maxRecipients))), maxRecipients);
    return capRecipients(analyse(parseMime(text, limits), maxRecipients), maxRecipients);
  } catch (err) {
    if (err instanceof MimeLimitError) return failedParse(err.message);
    return failedParse(`could not parse the mail: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** An mbox file holds several mails, each after a `From sender date` line. */
const MBOX_FROM = /\n\n?From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}[ \t]*\r?\n/g;
const MAX_MBOX_MAILS = 20;

function splitMbox(text: string): string[] {
  // Most files are one mail: a plain search spares the pattern's attempt at every line break. (A notice may wrap
  // another after its mbox "From " line, as OCN's do: the wrapped one is read as a mail of its own.)
  if (!text.includes('\nFrom ')) return [text];
  const cuts = [...text.matchAll(MBOX_FROM)].map((m) => m.index ?? 0).slice(0, MAX_MBOX_MAILS - 1);
  if (cuts.length === 0) return [text];
  const out: string[] = [];
  let prev = 0;
  for (const c of cuts) {
    // (Each piece without the blank lines before it: they would end its headers before they start.)
    out.push(text.slice(prev, c).replace(/^\s+/, ''));
    prev = c;
  }
  out.push(text.slice(prev).replace(/^\s+/, ''));
  return out.filter((m) => m.trim().length > 0);
}

/** One result for a file of several mails: the reports' recipients in file order. */
function merge(results: ParseResult[]): ParseResult {
  const reports = results.filter((r) => r.kind !== 'not-a-bounce');
  if (reports.length === 0) return results[0];
  const first = reports[0];
  const recipients = reports.flatMap((r) => r.recipients);
  const kind = reports.every((r) => r.kind === first.kind) ? first.kind : kindOf(recipients);
  return { ...first, kind, recipients };
}

/** At most `max` recipients; the others are added to `recipients_omitted`. */
function capRecipients(result: ParseResult, max: number): ParseResult {
  const over = result.recipients.length - max;
  if (over > 0) {
    result.recipients = result.recipients.slice(0, max);
    result.recipients_omitted = (result.recipients_omitted ?? 0) + over;
  }
  return result;
}

function empty(kind: ParseResult['kind'], format: ParseResult['format']): ParseResult {
  return { kind, format, recipients: [], original_message_id: null, envelope_id: null, reporting_mta: null, feedback_type: null };
}

// The lookbehind: a local part starts only where its run starts (else a long run is rescanned from each position).
const ADDRESS_IN = /<?(?<![^\s<>"',;:()])([^\s<>"',;:()]+@[^\s<>"',;:()]+?)>?(?=[\s,;>"')]|$)/g;

/** The report names the recipient's Internet mailbox, as Final-Recipient or as an Original-Recipient that is one. */
function namesMailbox(r: DsnRecipientFields): boolean {
  if (r.finalRecipient !== null && INTERNET_MAILBOX.test(r.finalRecipient)) return true;
  return isMailbox(r.originalRecipient ? xtextDecoded(r.originalRecipient) : null);
}

function addresses(value: string | null): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const m of decodeHeaderValue(value).matchAll(ADDRESS_IN)) out.push(m[1].replace(/\.$/, ''));
  return out;
}

/**
 * The headers of the returned original, from an attached message, a headers part, or inline text. A report
 * attached whole to a notice of its own (Sisimai's "Unknown MTA #5" wraps the DSN so) is not the original:
 * the original is the message attached inside it.
 */
/** The media types of a delivery-status report (RFC 3464, RFC 6533, and the text/ one some MTAs write). */
const STATUS_TYPES: ReadonlySet<string> = new Set(['message/delivery-status', 'message/global-delivery-status', 'text/delivery-status']);

function returnedHeaders(top: MimePart): Header[] | null {
  // A message attached whole is the returned one, unless it is itself a report wrapped by a gateway (the report inside
  // is the notice, and its own attachment the original); when this mail has a delivery status of its own, the
  // attached report is what it returns (a feedback report we sent to an address that bounced).
  let own: boolean | null = null;
  const ownStatus = () => (own ??= [...partsPlaced(top)].some(([p, attached]) => !attached && STATUS_TYPES.has(p.type)));
  for (const p of allParts(top)) {
    if (p === top) continue;
    if (p.message && (p.message.type !== 'multipart/report' || ownStatus())) return p.message.headers;
    if (p.type === 'text/rfc822-headers' || p.type === 'text/rfc822-header' || p.type === 'message/rfc822-headers' || p.type === 'message/global-headers') {
      return parseHeaders(splitHeaderBody(partText(p).replace(/^\s+/, '')).head);
    }
  }
  return null;
}

/** Our own addresses a notice shows: its addressee (our envelope sender), the returned message's From and Return-Path. */
function ourAddressesOf(top: MimePart, returned: Header[] | null): string[] {
  const fields = returned ? [header(returned, 'from'), header(returned, 'return-path'), header(returned, 'sender')] : [];
  return [header(top.headers, 'to'), ...fields].flatMap((v) => addresses(v)).map((a) => a.toLowerCase());
}

/** Our side's domains a notice names: the address it is sent to (our bounce address) and the returned message's sender. */
function senderDomainsOf(top: MimePart, returned: Header[] | null): string[] {
  const domains = new Set<string>();
  for (const a of [...addresses(header(top.headers, 'to')).slice(0, 1), ...(returned ? addresses(header(returned, 'from')).slice(0, 1) : [])]) {
    const at = a.lastIndexOf('@');
    if (at > 0) domains.add(a.slice(at + 1).toLowerCase());
  }
  return [...domains];
}

const MESSAGE_ID_LINE = /^Message-ID:\s*(<[^>\s]+>|\S+@\S+)/im;

/** `headers`: the returned original's headers, already read by the caller (returnedHeaders). */
function originalMessageId(headers: Header[] | null, returnedText: string, ownId: string | null): string | null {
  const fromPart = headers ? header(headers, 'message-id') : null;
  if (fromPart) return fromPart.trim();
  const m = MESSAGE_ID_LINE.exec(returnedText);
  if (m && m[1] !== ownId) return m[1];
  return null;
}

const CALENDAR_ANSWER = /^\s*(?:reply|counter)\s*$/i;
const X_ORIGINAL_MESSAGE_ID = /^X-Original-Message-ID:[ \t]*(\S.*)$/im;

/** A per-recipient field of a delivery-status report. */
const RECIPIENT_FIELD = /^(?:Final|Original)-Recipient\s*:/im;

function analyse(top: MimePart, maxRecipients: number): ParseResult {
  const subject = decodeHeaderValue(header(top.headers, 'subject') ?? '');
  const ownId = header(top.headers, 'message-id');
  let feedback: MimePart | null = null;
  let feedbackAttached = false;
  let status: MimePart | null = null;
  let statusOwn = false;
  let disposition: MimePart | null = null;
  let calendarReply = false;
  for (const [p, attached] of partsPlaced(top)) {
    if (!attached && p.type === 'text/calendar' && CALENDAR_ANSWER.test(p.params.method ?? '')) calendarReply = true;
    if (p.type === 'message/feedback-report') {
      if (!feedback) [feedback, feedbackAttached] = [p, attached];
    } else if (p.type === 'message/disposition-notification' || p.type === 'message/global-disposition-notification') disposition ??= p;
    else if (STATUS_TYPES.has(p.type)) {
      // Some MTAs label their human-readable part as the report too (InterMail): the report is the part
      // that has recipient fields.
      if (status === null || (!RECIPIENT_FIELD.test(partText(status)) && RECIPIENT_FIELD.test(partText(p)))) [status, statusOwn] = [p, !attached];
    }
  }
  // A feedback report inside the message a notice returns (an ARF sent to an abuse address that bounced) is the
  // returned message, not this mail's report: the notice's own delivery status decides.
  if (feedback && !(feedbackAttached && statusOwn)) return arf(top, partText(feedback), ownId);
  if (disposition && !status && (readReceipt(disposition) || deletedUnread(disposition, subject))) return receipt(disposition, top);
  // An answer to a meeting request (RFC 5546's REPLY or COUNTER: Outlook's "Accepted: <title>", "承諾: <title>") is a
  // scheduling message, whatever its title, which is the meeting's, says.
  if (calendarReply && !feedback && !status && !disposition) return empty('not-a-bounce', null);
  // A person forwarding a notice as an attachment (Outlook's and Thunderbird's "forward as attachment": "Fw: …"): the
  // attached notice is the mail to read, when the mail has no report of its own (the attached notice's report is
  // its own: read with the forward's text, its recipients lost their reasons and the notice's words were a copy's).
  // (A list manager's report to its owner attaches a member's notice too — Mailman's "Uncaught bounce notification":
  // not about our message, so only a forward's title counts, in the mail programs' forms: "Fwd:", Thunderbird's older
  // "[Fwd: …]", Dutch "Doorst:", Slovene "Posl.:".)
  if (!feedback && (!status || !statusOwn) && !disposition && (REPLY_OR_FORWARD.test(subject) || FORWARD_TITLE.test(subject))) {
    const notice = attachedNotice(top);
    if (notice) {
      const inner = analyse(notice, maxRecipients);
      if (inner.kind !== 'not-a-bounce') return inner;
    }
  }
  // Apple Mail's one-click unsubscribe: a plain mail marked X-Apple-Unsubscribe, the sender's opt-out.
  if (/^\s*true\b/i.test(header(top.headers, 'x-apple-unsubscribe') ?? '') || appleUnsubscribeText(top)) {
    const result = empty('complaint', 'arf');
    result.feedback_type = 'opt-out';
    const who = addresses(header(top.headers, 'from'))[0] ?? null;
    result.recipients = [bareRecipient(who)];
    return result;
  }
  const jmrp = jmrpReport(top, subject);
  if (jmrp) {
    const result = empty('complaint', 'arf');
    result.feedback_type = 'abuse';
    result.recipients = [bareRecipient(addresses(jmrp.complainer)[0] ?? null)];
    result.original_message_id = jmrp.messageId;
    return result;
  }
  const complaint = textComplaint(top, subject);
  if (complaint) {
    const result = empty('complaint', 'arf');
    result.feedback_type = 'abuse';
    // SpamCop and AOL's old loop mask the recipient: the report names no one, and is matched by its Message-ID.
    result.recipients = [bareRecipient(null)];
    result.original_message_id = complaint.messageId;
    return result;
  }
  const ses = amazonSesNotification(top);
  if (ses) return ses;
  // The notice's text, read once: it is the longest thing parsed from a mail after the MIME tree.
  const body = bodyText(top);
  const statusFields = status ? partText(status) : null;
  // A challenge-response system holding the message until the sender proves itself: no verdict on the
  // address, even in the shape of a report (see challenge.ts).
  if (challengeResponse(top.headers, body, statusFields)) return empty('not-a-bounce', null);
  // Reports about our domain's authentication, not about a recipient: a TLS report (RFC 8460) and a DMARC failure
  // report written as text (Exim's "A message claiming to be from you has failed the published DMARC policy"),
  // whose copied headers name a recipient who received the message.
  if (statusFields === null && authenticationReport(top, subject, body)) return empty('not-a-bounce', null);
  if (statusFields !== null && !statusOwn && listErrorReport(listHead(subject, body))) return empty('not-a-bounce', null);
  if (statusFields !== null) {
    const r = rfc3464(top, body, subject, ownId, statusFields, maxRecipients);
    if (r) return r;
  }
  // A read receipt written as text only (Exchange 4/5 and older Outlook: "Read: …", "Your message … was read on …"): no MDN
  // part, but the same news: the message reached the reader, who sent it.
  const readLine = !disposition && statusFields === null && top.type !== 'multipart/report' ? textReadReceipt(subject, body, top) : null;
  if (readLine !== null) return textReceipt(top, readLine);
  // A person's auto-responder answering a notice ("Automatic reply: Undelivered Mail Returned to Sender")
  // quotes the notice, fields and all; its title and its sender say what it is. No MTA titles its own
  // notices with an out-of-office phrase, nor sends them from a person's address.
  if (top.type !== 'multipart/report' && autoReplySubject(subject) && !BOUNCE_SENDER.test(decodeHeaderValue(header(top.headers, 'from') ?? '').trim()))
    return autoReply(top);
  // Reports flattened by a gateway or forwarded inline still carry their fields as text: a feedback
  // report's (RFC 5965: Feedback-Type with its Version, User-Agent or Original-* fields) is a complaint
  // even from a postmaster address, never a bounce.
  const text = body.replace(/^> ?/gm, '');
  const feedbackInline = /^Feedback-Type:[ \t]*\S/im.exec(text);
  if (feedbackInline) {
    // (A blank line after every field, as a forward often writes them, is no end of the report.)
    const report = singleSpaced(text.slice(feedbackInline.index));
    const end = report.search(/\n[ \t]*\n/);
    const block = end < 0 ? report : report.slice(0, end);
    // A report said to be one (multipart/report; report-type=feedback-report) with its fields in a text part and
    // without their Version or User-Agent is still one.
    const declared = top.type === 'multipart/report' && /^feedback-report$/i.test(top.params['report-type'] ?? '');
    if (declared || /^(?:Version|User-Agent|Original-Rcpt-To|Original-Mail-From):/im.test(block))
      return arf(top, block, ownId, end < 0 ? '' : report.slice(end));
  }
  const inline = /^(?:Reporting-MTA|Final-Recipient):/im.exec(text);
  // (A list manager's report quoting its member's notice inline, as SmartList does, is no notice: listErrorReport.)
  if (inline && listErrorReport(listHead(subject, body))) return empty('not-a-bounce', null);
  if (inline) {
    const r = rfc3464(top, body, subject, ownId, singleSpaced(text.slice(inline.index)), maxRecipients);
    if (r) return r;
  }
  const read = nonStandard(top, body, subject, ownId);
  // A receipt with another disposition (deleted, denied, processed) was read on as a notice in case its words report
  // a failure (an abandoned mailbox discarding mail unread). When they name none, it is what it says: the recipient's
  // own mail system had the message, and a "bounce" without a failed recipient would end the one it was matched to.
  if (disposition && !status && read.kind === 'bounce' && !namesAFailure(read) && !saysRefused(top, body)) return receipt(disposition, top);
  if (disposition && !status && read.kind === 'bounce' && sieveRejection(top, disposition)) return filterRefusal(read);
  return read;
}

/**
 * A Sieve "reject" (RFC 5429) as Dovecot and Cyrus send it: a receipt with the disposition `deleted`, marked
 * `Auto-Submitted: auto-replied (rejected)`, whatever language its text is in (Dovecot's `rejection_reason` is often
 * translated).
 */
function sieveRejection(top: MimePart, disposition: MimePart): boolean {
  if (!/\(rejected\)/i.test(header(top.headers, 'auto-submitted') ?? '')) return false;
  return /;\s*deleted\s*$/i.test((header(parseHeaders(partText(disposition)), 'disposition') ?? '').trim());
}

const SIEVE_REJECTED = classify({ phase: 'dsn', code: null, enhanced: null, text: 'was automatically rejected' });

/**
 * The recipient's own filter refused the message: its mailbox exists and its filter runs, so its reason — text a
 * person wrote into the rule, sometimes a made-up "550 5.1.1 No such user here" to discourage senders — says no
 * more about the address than that. A soft reading of its words stands (a full mailbox, spam); a hard one, or none,
 * is the filter's refusal (`policy`).
 */
function filterRefusal(read: ParseResult): ParseResult {
  const recipients = read.recipients.map((r): ParsedRecipient => {
    if (r.action !== 'failed' || (r.hard === false && r.category !== 'unknown')) return r;
    return {
      ...r,
      status: SIEVE_REJECTED.enhanced,
      category: SIEVE_REJECTED.category,
      hard: false,
      reply_code: null,
      evidence: { source: 'notice', rule: SIEVE_REJECTED.rule, text: r.diagnostic?.slice(0, 200) ?? null },
      explanation: SIEVE_REJECTED.explanation,
      confidence: 'medium',
    };
  });
  return { ...read, recipients };
}

/** Words of a refusal (a Sieve "reject" is sent as a receipt marked `Auto-Submitted: auto-replied (rejected)`). */
const REFUSAL_WORDS = /\b(?:reject|refus|undeliver|not (?:been )?delivered|could not be delivered|fail)/i;

function saysRefused(top: MimePart, body: string): boolean {
  return /\(rejected\)/i.test(header(top.headers, 'auto-submitted') ?? '') || REFUSAL_WORDS.test(body.slice(0, 3000));
}

/** A recipient failed or delayed on the notice's own evidence, not only by default. */
function namesAFailure(result: ParseResult): boolean {
  return result.recipients.some((r) => r.action !== 'delivered' && r.evidence !== undefined && !r.evidence.rule.startsWith('default:'));
}

/** Field lines each followed by a blank line, as a pasted report often comes ("Reporting-MTA: …", "", "Arrival-Date: …"). */
const DOUBLE_SPACED = /^[A-Za-z-]+:[^\n]*\n[ \t]*\n[A-Za-z-]+:[^\n]*\n[ \t]*\n[A-Za-z-]+:/;

/**
 * Inline report fields with a blank line after every field: its groups (per-message, then per-recipient) joined
 * again, a blank line kept only where a recipient's group begins (its Original-Recipient, else its Final-Recipient).
 */
function singleSpaced(fields: string): string {
  if (!DOUBLE_SPACED.test(fields)) return fields;
  const out: string[] = [];
  let previous = '';
  const lines = fields.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    // The fields end at the first line that is neither a field nor a folded one: the rest as it was.
    if (!/^[A-Za-z-]+:/.test(line) && !/^[ \t]/.test(line)) return [...out, '', ...lines.slice(i)].join('\n');
    const starts = /^Original-Recipient:/i.test(line) || (/^Final-Recipient:/i.test(line) && !/^Original-Recipient:/i.test(previous));
    if (starts && out.length > 0) out.push('');
    out.push(line);
    previous = line;
  }
  return out.join('\n');
}

/** `report`: the feedback-report fields; `inline`: the text after them when the report was flattened into the body. */
function arf(top: MimePart, report: string, ownId: string | null, inline = ''): ParseResult {
  const fields = parseHeaders(report);
  const result = empty('complaint', 'arf');
  result.feedback_type = (header(fields, 'feedback-type') ?? '').trim().toLowerCase() || null;
  result.reporting_mta = stripAddressType(header(fields, 'reporting-mta'));
  result.arrival_date = header(fields, 'arrival-date') ?? header(fields, 'received-date');
  const returned = returnedHeaders(top);
  // Original-Rcpt-To may appear once per recipient (RFC 5965 §3.2); Removal-Recipient: the opt-out
  // field of the ARF drafts, still sent by some feedback loops.
  const named = headersAll(fields, 'original-rcpt-to');
  const rcpts: (string | null)[] = [...new Set((named.length > 0 ? named : headersAll(fields, 'removal-recipient')).flatMap((v) => addresses(v)))];
  // Else the returned copy's complainer as Microsoft's JMRP stamps it (its ARF part has no Original-Rcpt-To), then its
  // To, unless the report says it redacted the recipient (RFC 6590's Redacted-Address: AOL writes "redacted@aol.com"
  // there) or the feedback loop replaced it by a hash (Comcast: a long string of letters and digits): those name nobody.
  if (rcpts.length === 0 && returned && header(fields, 'redacted-address') === null)
    rcpts.push(
      ...[...addresses(header(returned, 'x-hmxmroriginalrecipient')), ...addresses(header(returned, 'to'))]
        .filter((a) => !/^redacted@/i.test(a) && !/^[0-9a-z]{32,}@/i.test(a))
        .slice(0, 1),
    );
  // A report always concerns one recipient, even when it hides the address (correlate by Message-ID).
  if (rcpts.length === 0) rcpts.push(null);
  result.recipients = rcpts.map((address) => bareRecipient(address));
  result.original_message_id = originalMessageId(returned, inline, ownId);
  return result;
}

/** Apple Mail's one-click unsubscribe says what it is in its body too (when a relay dropped its header). */
const APPLE_UNSUBSCRIBE_TEXT = /^\s*Apple Mail sent this email to unsubscribe from the message\b/;

/** A plain mail that opens with Apple's sentence (a plain search of the raw body first: decoding every mail's body costs). */
function appleUnsubscribeText(top: MimePart): boolean {
  return top.type === 'text/plain' && top.body.slice(0, 600).includes('Apple Mail sent this') && APPLE_UNSUBSCRIBE_TEXT.test(partText(top).slice(0, 300));
}
const DMARC_FAILURE_TEXT = /\bhas failed the published DMARC\s+policy for your domain\b/i;
const AUTH_REPORT_SUBJECT = /^\s*(?:DMARC (?:Forensic|Failure|Aggregate) Report|Report Domain: \S+ Submitter:)/i;

function authenticationReport(top: MimePart, subject: string, body: string): boolean {
  if (top.type === 'multipart/report' && /^tlsrpt$/i.test(top.params['report-type'] ?? '')) return true;
  return AUTH_REPORT_SUBJECT.test(subject) || DMARC_FAILURE_TEXT.test(body.slice(0, 4000));
}

/**
 * Only a receipt saying the message was displayed (read) proves it reached a person. Other dispositions
 * ("deleted", "processed", a "failed" modifier) may come from a system that discarded the message
 * unread, which is how some hosts report an abandoned mailbox: those are read as notices.
 */
function readReceipt(part: MimePart): boolean {
  const d = header(parseHeaders(partText(part)), 'disposition') ?? '';
  return /;\s*displayed\s*$/i.test(d.trim());
}

/**
 * A receipt saying the recipient deleted the message without reading it (Outlook: "Not read: …", "… was deleted
 * without being read", disposition `deleted`; Exchange writes it without a Reporting-UA, which RFC 8098 makes
 * optional): it was in their mailbox. (A `deleted` receipt without that title stays a notice: see readReceipt.)
 */
function deletedUnread(part: MimePart, subject: string): boolean {
  const fields = parseHeaders(partText(part));
  const d = header(fields, 'disposition') ?? '';
  return (
    /;\s*deleted\s*$/i.test(d.trim()) &&
    /^\s*(?:not read|nicht gelesen|non lu|no le[ií]do|non letto|niet gelezen|n[aã]o lid[ao]|nie przeczytan[ao])\s*:/i.test(subject)
  );
}

/**
 * A read receipt in text (no MDN part): its reader's words "Your message … was read on <date>" (Exchange, Outlook), "…
 * was deleted without being read", "Message was read by … on …" (webmail), from a person's address, not a notice's.
 */
const TEXT_READ =
  /^\s*your message\b[\s\S]{0,600}?\b(?:was (?:read|deleted without being read) on|has not (?:yet )?been read\b)|^\s*message was read by\b[^\n]{0,200}\bon\b/im;
function textReadReceipt(subject: string, body: string, top: MimePart): string | null {
  if (/undeliver|fail|returned|delay/i.test(subject)) return null;
  if (BOUNCE_SENDER.test(decodeHeaderValue(header(top.headers, 'from') ?? '').trim())) return null;
  return TEXT_READ.exec(body.slice(0, 3000))?.[0] ?? null;
}

/** A text read receipt: its reader (the From address) received the message; `said` is its line saying so. */
function textReceipt(top: MimePart, said: string): ParseResult {
  const result = empty('delivery-report', null);
  const who = addresses(header(top.headers, 'from'))[0] ?? null;
  const diagnostic = said.replace(/\s+/g, ' ').trim().slice(-200);
  result.recipients = who ? [classifyRecipient({ ...bareRecipient(who), action: 'delivered', diagnostic })] : [];
  result.original_message_id = repliedTo(top);
  return result;
}

/** A read receipt (RFC 8098 message disposition notification, "displayed"): delivered, never a bounce. */
function receipt(part: MimePart, top: MimePart): ParseResult {
  const fields = parseHeaders(partText(part));
  const result = empty('delivery-report', null);
  const who = addresses(stripAddressType(header(fields, 'final-recipient')) ?? header(fields, 'original-recipient'))[0] ?? null;
  result.recipients = [classifyRecipient({ ...bareRecipient(who), action: 'delivered', diagnostic: header(fields, 'disposition')?.trim() ?? null })];
  // Exchange leaves Original-Message-ID out; its receipt answers the message (In-Reply-To).
  result.original_message_id = firstMessageId(header(fields, 'original-message-id')) ?? repliedTo(top);
  return result;
}

/** A Diagnostic-Code that is a success reply ("smtp; 250 2.6.0 …"). */
const SUCCESS_REPLY = /^\s*(?:[\w-]+;\s*)?2\d\d\b/;

/**
 * `warned`: the notice says the MTA is still trying (saysDelayed). A 4.x.x recipient without an Action is
 * a failure (MTAs that leave the field out send final reports), unless the report says it is a warning:
 * its Will-Retry-Until (RFC 3464 gives one only to a delayed recipient) or the notice's own words.
 */
function actionOf(r: DsnRecipientFields, warned: () => boolean): ParsedRecipient['action'] {
  const a = r.action;
  // "Action: delayed" over a success status and reply (amavis warning a sender of a message it passed anyway: "Status:
  // 2.0.0", "250 2.6.0 Bad message, but will be delivered anyway"): the class of the status says what happened.
  if (a === 'delayed' && r.status?.startsWith('2.') && SUCCESS_REPLY.test(r.diagnostic ?? '')) return 'relayed';
  if (a === 'failed' || a === 'delayed' || a === 'delivered' || a === 'relayed' || a === 'expanded') return a;
  if (a === 'failure' || a === 'fail') return 'failed';
  if (a === 'deliverable') return 'delivered';
  // No Status field: a 4.x.x its Diagnostic-Code quotes may still mark a warning (a 2.x.x there may be a
  // transcript's earlier line, so only the temporary class is taken).
  const cls = r.status ? r.status.charAt(0) : findStatus(r.diagnostic)?.startsWith('4.') ? '4' : '';
  if (cls === '5') return 'failed';
  if (cls === '4') return a !== null || r.willRetryUntil || warned() ? 'delayed' : 'failed';
  if (cls === '2') return 'delivered';
  return 'failed';
}

function kindOf(recipients: ParsedRecipient[]): ParseResult['kind'] {
  if (recipients.some((r) => r.action === 'failed')) return 'bounce';
  if (recipients.some((r) => r.action === 'delayed')) return 'delay';
  if (recipients.length > 0) return 'delivery-report';
  return 'bounce';
}

/** `text`: the mail's text (bodyText), which often states the remote server's reply more fully than Diagnostic-Code. */
function rfc3464(top: MimePart, text: string, subject: string, ownId: string | null, fields: string, maxRecipients: number): ParseResult | null {
  const dsn = parseDeliveryStatus(fields, maxRecipients);
  if (dsn.recipients.length === 0) return null;
  const notice = splitNotice(subject, text);
  // The notice's own list of recipients is read only when the report leaves something to find in it: a
  // recipient without an address or without words, or a forward in the MTA's words ("expanded from",
  // "generated by"). Reading it costs more than the rest of a typical report.
  let listed: TextRecipient[] | null = null;
  const textRecipients = (): TextRecipient[] =>
    (listed ??= withoutDirectoryNames(noticeRecipients(notice, new Set(addresses(header(top.headers, 'to')).map((a) => a.toLowerCase())))));
  const forwards = FORWARD_WORDS.test(notice.report);
  let warning: boolean | null = null;
  const warned = (): boolean => (warning ??= saysDelayed(subject, notice.report, notice.rule?.delayed));
  const result = empty('bounce', 'rfc3464');
  result.reporting_mta = dsn.reportingMta;
  result.envelope_id = dsn.envelopeId;
  result.arrival_date = dsn.arrivalDate;
  const returned = returnedHeaders(top);
  const senders = senderDomainsOf(top, returned);
  let ourList: string[] | null = null;
  const ours = () => (ourList ??= ourAddressesOf(top, returned));
  const single = dsn.recipients.length === 1;
  let textByAddress: Map<string, TextRecipient> | null = null;
  const fromNotice = (address: string): TextRecipient | undefined =>
    (textByAddress ??= new Map(textRecipients().map((t) => [t.address.toLowerCase(), t]))).get(address.toLowerCase());
  // Each search for the notice's line about an address reads the whole notice: a few per report at most,
  // or a report listing thousands of recipients would take quadratic time.
  let linesSought = 0;
  // In a report of several recipients, those whose Final-Recipient names no mailbox (Sendmail writes an `error:`
  // alias's text there: "551 User has moved to …") take the addresses the text lists that no other recipient has, in
  // order, when there are exactly as many of those.
  const unnamed = single ? [] : dsn.recipients.filter((r) => !namesMailbox(r));
  let leftovers: string[] = [];
  if (unnamed.length > 0) {
    const taken = new Set(dsn.recipients.flatMap((r) => [r.finalRecipient, r.originalRecipient]).flatMap((a) => (a ? [a.toLowerCase()] : [])));
    const left = textRecipients()
      .map((t) => t.address)
      .filter((a) => !taken.has(a.toLowerCase()));
    if (left.length === unnamed.length) leftovers = left;
  }
  result.recipients = dsn.recipients.map((r) => {
    // A Final-Recipient that names no Internet mailbox (X.400 without its RFC-822 part, a local name "jsmith", a
    // display name "LOCAL;Uma Vance", a Notes name "X-Notes; Kim Lee/ACME@ACME"): the notice's text does, when the
    // report has one recipient and no Original-Recipient that is one.
    const named = r.finalRecipient !== null && INTERNET_MAILBOX.test(r.finalRecipient);
    // The ORCPT as given, its xtext decoded where an MTA copied it undecoded ("jane+2Bnews@…" for "jane+news@…").
    const sentAs = r.originalRecipient ? xtextDecoded(r.originalRecipient) : null;
    const inText = !named && (r.finalRecipient !== null || r.finalRaw !== null) && single && !isMailbox(sentAs);
    const leftover = leftovers.length > 0 ? leftovers[unnamed.indexOf(r)] : undefined;
    let final = (inText ? textRecipients()[0]?.address : undefined) ?? leftover ?? r.finalRecipient;
    const wordless = !r.diagnostic || !/[A-Za-z]{3}/.test(r.diagnostic);
    let fromText = final && (wordless || forwards) ? fromNotice(final) : undefined;
    // Exim 4.96 gives the address it redirected as Final-Recipient, and the target only in its text ("rc@…" over
    // "(generated from alias@…)"): the target the notice names as generated from it is the final recipient — the one
    // there is, or of several (an alias expanded to many) the one this recipient's reply names.
    if (final && forwards && !fromText) {
      const targets = textRecipients().filter((t) => t.original?.toLowerCase() === final!.toLowerCase());
      const diagnostic = r.diagnostic?.toLowerCase() ?? '';
      const target = targets.length === 1 ? targets[0] : targets.find((t) => diagnostic.includes(t.address.toLowerCase()));
      if (target) [fromText, final] = [target, target.address];
    }
    // The address we sent to: see forwarded.ts for where reports keep it.
    // (An Original-Recipient that is the final address in other letter case adds nothing.)
    const orcpt = isMailbox(sentAs) && sentAs.toLowerCase() !== final?.toLowerCase() ? sentAs : null;
    // (A forward of a forward: the address the text says it was generated from, an alias at a second forwarder, is not
    // the one the returned copy was written and first stamped to, which is ours — Exim passes no ORCPT along.)
    const textOriginal = fromText?.original ?? null;
    const chained = single && textOriginal ? sentToFromReturned(returned, textOriginal, addresses) : null;
    const original = orcpt ?? chained ?? textOriginal ?? (single ? sentToFromReturned(returned, final, addresses) : null);
    let diagnostic = r.diagnostic;
    if (wordless) {
      diagnostic =
        fromText?.diagnostic ??
        (final && linesSought++ < MAX_LINE_SEARCHES ? lineAbout(notice.report, final) : null) ??
        (single ? (textRecipients()[0]?.diagnostic ?? diagnostic) : diagnostic);
    }
    // A Diagnostic-Code that is a multi-line reply's first line ("550-Verification failed for <…>", as Sendmail keeps
    // it): the notice's transcript has the rest ("<<< 550-…" lines), where a provider puts its reason.
    const firstOfSeveral = single && diagnostic ? /^\s*([45]\d\d)-/.exec(diagnostic) : null;
    if (firstOfSeveral && diagnostic) diagnostic = transcriptReply(notice.report, firstOfSeveral[1]!, diagnostic) ?? diagnostic;
    let action = actionOf(r, warned);
    // OpenSMTPD's expiry under its delay template (expiredUnderWarning): its report says delayed too. So does every notice
    // nullmailer sends after a temporary failure (nullmailerGaveUp).
    const expired =
      action === 'delayed' &&
      ((notice.rule?.name === 'opensmtpd' && final && expiredUnderWarning('opensmtpd', lineAbout(notice.report, final))) ||
        (!r.willRetryUntil && nullmailerGaveUp(notice.report)));
    if (expired) action = 'failed';
    const rec: ParsedRecipient = {
      address: original ?? final ?? sentAs,
      final_recipient: final,
      action,
      status: r.status,
      diagnostic,
      category: null,
      hard: null,
      original_recipient: original ?? sentAs,
      remote_mta: r.remoteMta,
      last_attempt_date: r.lastAttemptDate,
      will_retry_until: r.willRetryUntil,
    };
    // Of a notice about several recipients, only its paragraph about this one tells at which stage this
    // one was refused (Postfix: "<addr>: host … said: 550 … (in reply to RCPT TO command)").
    const context = single ? notice.report : final && linesSought++ < MAX_LINE_SEARCHES ? lineAbout(notice.report, final) : null;
    const read = classifyRecipient(rec, context, {
      reportedCategory: r.reportedCategory,
      senderDomains: senders,
      ourAddresses: ours,
      transcript: single ? null : notice.report,
      statusFromCode: notice.rule?.name === 'sendmail' && BARE_REPLY.test(r.diagnostic ?? ''),
      localProgram: r.localProgram ?? null,
    });
    return expired ? givenUp(read) : read;
  });
  result.recipients = oneReplyForSeveral(membersOfExpandedAliases(withoutRepeats(result.recipients)), notice.report);
  result.kind = kindOf(result.recipients);
  if (dsn.omitted > 0) result.recipients_omitted = dsn.omitted;
  // Without a returned copy: the report's own X-Original-Message-ID (Gmail's), else the message the notice answers.
  result.original_message_id =
    originalMessageId(returned, notice.returned, ownId) ?? firstMessageId(X_ORIGINAL_MESSAGE_ID.exec(fields)?.[1] ?? null) ?? repliedTo(top);
  return result;
}

/**
 * A report that lists one recipient several times with the same outcome (Sendmail breaking an alias loop
 * writes a block per expansion, all `<a@b>`, all 5.1.1) reports one failure: the repeats are dropped, so one
 * address is one recipient to correlate and suppress. Recipients that differ in any field are all kept.
 */
function withoutRepeats(recipients: ParsedRecipient[]): ParsedRecipient[] {
  if (recipients.length < 2) return recipients;
  const seen = new Set<string>();
  return recipients.filter((r) => {
    const key = `${r.address ?? ''}\n${r.final_recipient ?? ''}\n${r.action}\n${r.status ?? ''}\n${r.diagnostic ?? ''}`.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** An Internet mailbox: a local part, "@", a domain with a dot (not "jsmith", "Uma Vance", "Kim Lee/ACME@ACME"). */
const INTERNET_MAILBOX = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The wording with which MTAs name the address a failed one was forwarded from (see forwarded.ts). */
const FORWARD_WORDS = /expanded from|generated (?:by|from)/i;

/** Searches for the notice's own line about a recipient, per report (see rfc3464()). */
const MAX_LINE_SEARCHES = 50;

// Carriers' gateways spell the role with an underscore or a dot (post_master@…, mailer_daemon@…).
const BOUNCE_SENDER =
  /^(?:mailer[-_.]?daemon|post_?master|mail[-_]?daemon|mdaemon|mail delivery (?:system|subsystem))\b|<(?:mailer[-_.]?daemon|post_?master)@|^<>$/i;
const BOUNCE_SUBJECT =
  /undeliver|undelivered|delivery (?:status )?(?:notification|failure|failed|problem|warning)|returned mail|failure notice|mail delivery failed|delivery has failed|could not be delivered|non[- ]?remis|unzustellbar|nicht zustellbar|message not delivered|mail failure|permanent error|returned to sender|warning: could not send|delayed mail|delivery delayed|non-?deliver(?:y|able)|delivery (?:status )?report|mail system error|returned message|no se pudo entregar|no se puede entregar|sin entregar:|non recapitabile|onbestelbaar|n[aã]o [ée] poss[ií]vel entregar|недоставляемое сообщение|配信不能|无法投递|不達|エラー|配信でき(?:ません|なかった)|配信に失敗|(?:受け取る|受信する|届ける|送信する|配送する)ことが(?:出来|でき)ませんでした/i;

/**
 * Words that make a subject a notice's only when a person did not write it: not in a reply or a forward
 * ("Re: Error in my invoice", "AW: rejected?"), and with a text that reads like a notice. (The phrases
 * above count even in a forward: a notice forwarded to the bounce address is still a notice.)
 */
const WEAK_BOUNCE_SUBJECT =
  /rejected|bounced|error|delivery status|unable to deliver|could ?n[o']t (?:be )?sen[dt]|not (?:been )?delivered|wasn'?t delivered|can(?:'|no)t be delivered/i;
const NOTICE_TEXT = /\bdeliver|\brecipient|\bmailbox|(?:^|\s)[45]\d\d[ -]|\b[45]\.\d{1,3}\.\d{1,3}\b/i;
const FORWARD_TITLE = /^\s*(?:\[fwd?:|(?:doorst|pd|posl\.?|fs|videres)\s*:)/i;
const REPLY_OR_FORWARD = /^\s*(?:re|fwd?|aw|wg|sv|vs|antw|tr|rv|enc|odp|r|i)\s*(?:\[\d+\])?\s*:/i;
/** A help desk's acknowledgement of a mail it received (its ticket opened for it). */
const HELPDESK_ACK =
  /\byour (?:request|ticket|message|inquiry|enquiry|e-?mail)\b[^.\n]{0,120}?\bhas been (?:received|created|logged|opened)\b[^.\n]{0,80}?\b(?:review|ticket|support|reply|respond|team|agent|staff)|\b(?:ticket|case|request) (?:number|no\.?|#|id)\b[^.\n]{0,60}?\b(?:has been )?(?:created|opened|received)\b/i;
/** A text's own (unquoted) line with an SMTP reply or status: a notice's evidence, not a person's reply. */
const OWN_REPLY_CODE = /^(?!>)[^\n]*(?:(?:^|\s)[45]\d\d[ -]|\b[45]\.\d{1,3}\.\d{1,3}\b)/m;
/** Words or codes by which a text reports a failure (not only a title). */
const FAILURE_EVIDENCE =
  /(?:^|\s)[45]\d\d[ -]|\b[45]\.\d{1,3}\.\d{1,3}\b|could(?: not|n't) be delivered|undeliver|delivery (?:has )?failed|failed permanently|permanent (?:fatal )?error|not (?:been )?delivered|unknown (?:user|recipient)|user unknown|does not exist|mailbox (?:is )?full|over quota|rejected|refused|returned to sender|no such|(?:could not|couldn't|unable to) (?:deliver|reach|be reached)|(?:受け取る|受信する|届ける|送信する|配送する|配信する)ことが(?:出来|でき)ませんでした|配信(?:でき|出来)ませんでした|配信に失敗|无法投递|投递失败|未能送达/i;
/** Sendmail's note that a recipient came from a list file: "(expanded from: :include:/etc/mail/lists/team)". */
const INCLUDED_MEMBER = /\(expanded from:?\s*:include:/i;

/** Sendmail's line about a recipient it keeps in its queue: "<ann@…>... Deferred: 450 …", "ann@…... Deferred". */
const SENDMAIL_DEFERRED = /^\s*<?[^\s<>]+@[^\s<>]+?>?\.\.\.\s*Deferred\b/i;

/** The reply in Sendmail's line about a recipient, "<ann@…> (reason: 550 Access denied)"; else the line as it is. */
function reasonOfSendmail(diagnostic: string | null): string {
  const m = diagnostic ? /\(reason:\s*([^\n]*?)\)\s*$/i.exec(diagnostic) : null;
  return m ? m[1]! : (diagnostic ?? '');
}

/** A diagnostic that is a reply with a code and no enhanced status ("550 Access denied"). */
const BARE_REPLY = /^\s*(?:smtp\s*;\s*)?[45]\d\d[ -](?!\s*[245]\.\d{1,3}\.\d{1,3}\b)(?:(?![245]\.\d{1,3}\.\d{1,3}\b)[\s\S])*$/i;
const AUTO_NOTIFIED = /^\s*auto-notified\b/i;
const REPLY_ONLY = /^\s*(?:re|aw|sv|antw|odp)\s*(?:\[\d+\])?\s*:/i;

/**
 * The notice a person attached to their own mail (message/rfc822, a direct part): one from a bounce-like sender or
 * titled as a notice. Null when the mail is itself from a bounce-like sender: a notice's attachment is the returned
 * message, never a second notice to read instead.
 */
function attachedNotice(top: MimePart): MimePart | null {
  if (BOUNCE_SENDER.test(decodeHeaderValue(header(top.headers, 'from') ?? '').trim())) return null;
  for (const child of top.children) {
    const m = child.message;
    if (!m) continue;
    const from = decodeHeaderValue(header(m.headers, 'from') ?? '').trim();
    if (BOUNCE_SENDER.test(from) || BOUNCE_SUBJECT.test(decodeHeaderValue(header(m.headers, 'subject') ?? ''))) return m;
  }
  return null;
}

/** The subject alone marks a notice; `text`: the notice's text, read for the weak words. */
function bounceSubject(subject: string, text: string): boolean {
  if (BOUNCE_SUBJECT.test(subject)) return true;
  return WEAK_BOUNCE_SUBJECT.test(subject) && !REPLY_OR_FORWARD.test(subject) && NOTICE_TEXT.test(text.slice(0, 3000));
}

/**
 * The lines of a multi-line reply as a transcript quotes them ("<<< 550-…" up to "<<< 550 …"), from the one that starts
 * as `first` does; null when the transcript has no more of it.
 */
function transcriptReply(text: string, code: string, first: string): string | null {
  const lines = text.split('\n');
  const head = first.trim().slice(0, 40);
  const at = lines.findIndex((l) => /^\s*<<<\s*/.test(l) && l.includes(head));
  if (at < 0) return null;
  const out: string[] = [];
  for (let n = at; n < lines.length && out.length < 20; n++) {
    const m = new RegExp(`^\\s*<<<\\s*(${code}[- ].*)$`).exec(lines[n]!);
    if (!m) break;
    out.push(m[1]!.trim());
    if (m[1]!.charAt(3) === ' ') break;
  }
  return out.length > 1 ? out.join(' ') : null;
}

/**
 * RFC 3461's xtext decoded, RFC 3464 gives Original-Recipient decoded: only the escapes xtext must write ("+2B" for "+",
 * "+3D" for "=", controls and spaces), so a local part "ann+41" (a tag "41", never an escaped "A") stays as it is.
 */
function xtextDecoded(value: string): string {
  return value.includes('+') ? value.replace(/\+(2B|3D|[01][0-9A-F]|20|7F)/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) : value;
}

/**
 * OpenSMTPD ended a message whose queue lifetime ran out under its delay template ("A message is delayed for more than
 * 0 seconds …", each recipient "addr: Envelope expired"): the envelope is gone, no attempt follows.
 */
function expiredUnderWarning(rule: string | null, line: string | null): boolean {
  return rule === 'opensmtpd' && line !== null && /(?:^|:)\s*envelope expired\b/i.test(line);
}

/**
 * A recipient given up under a delay template is a failure: its status takes class 5 (OpenSMTPD keeps the warning's
 * `Status: 4.4.7` for it), as a failed recipient's does.
 */
function givenUp(rec: ParsedRecipient): ParsedRecipient {
  return rec.status?.startsWith('4.') ? { ...rec, status: `5${rec.status.slice(1)}` } : rec;
}

/**
 * nullmailer-send writes a notice only when it gives a message up (a permanent refusal, or a temporary one past its
 * `queuelifetime`) and removes the message; its nullmailer-dsn makes any class-4 status `Action: delayed` under the
 * text "A final delivery status notification will be generated …", but none follows: the notice is the final one. (Its
 * nullmailer-dsn run by hand with a retry time writes a real warning, with Will-Retry-Until.)
 */
function nullmailerGaveUp(report: string): boolean {
  return report.includes('This is the nullmailer delivery system');
}

/** A recipient's line in a receipt gives a reason that classifies as a failure ("addr: Envelope expired"). */
function namesFailure(line: string | null): boolean {
  const reason = line?.replace(/^\s*<?[^\s<>]+@[^\s<>]+?>?:\s*/, '').trim();
  if (!reason) return false;
  const c = classify({ phase: 'dsn', code: null, enhanced: null, text: reason });
  return c.category !== 'unknown' && c.category !== 'accepted';
}

/** The addresses of `Name <address>` entries whose name the notice lists on a line of its own ("Name on <date>"). */
function namedInNotice(fields: (string | null)[], report: string): string[] {
  const out: string[] = [];
  for (const value of fields) {
    if (!value) continue;
    for (const m of decodeHeaderValue(value).matchAll(/(?:^|,)\s*(?:"([^"]{1,80})"|'([^']{1,80})'|([^,"<>]{1,80}?))\s*<([^<>\s]+@[^<>\s]+)>/g)) {
      const name = (m[1] ?? m[2] ?? m[3] ?? '').trim();
      if (name.length < 2 || name.includes('@')) continue;
      const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (new RegExp(`^[ \\t]*'?${quoted}'?(?: on \\d|[ \\t]*$)`, 'im').test(report)) out.push(m[4]!);
    }
  }
  return [...new Set(out)];
}

/** A warning about the addressee's own mailbox size (see nonStandard). */
const OWN_MAILBOX_SIZE =
  /\byou are exceeding the size limit set on your mailbox\b|\byour mailbox (?:is almost full|has (?:exceeded|reached) (?:one or more |its )?(?:size|storage) limits?|is (?:over|exceeding) (?:its|the) (?:size|storage) limit|size has reached \S+, which is over \d+% of your \S+ quota)\b|\bdelete some messages to avoid exceeding your quota\b|\b(?:ihre mailbox|ihr postfach) enth(?:ä|ae)lt derzeit \d+/i;
const HELD_FOR_MODERATION =
  /\bawaits? (?:the )?moderator(?:'s)? approval\b|\bis being held (?:until|for|because)\b|\bheld for (?:moderat|approval)|\bmoderators? (?:are|is) being asked to review it\b|\byour authori[sz]ation is requested\b|\bvotre autorisation est n[ée]cessaire\b|\ba besoin d['’]une validation\b/i;
const FORWARDED_FOR_REVIEW = /\bforwarded to the list (?:maintainer|moderator|owner)s? for (?:review|approval)\b/i;
/**
 * A list manager's report about its members' delivery errors in general, not a failure of the mail it answers:
 * LISTSERV's "Daily error monitoring report" ("The following subscriber is currently being monitored", each with its
 * "Last error"), its loop check telling the owner that a post "has been identified as a possible delivery error
 * notice", ezmlm's warning to a member ("Messages to you from the … mailing list seem to have been bouncing"). Their
 * old errors name members, and would be read as failures of whatever message they were matched to.
 */
const LIST_REPORT_WORDS = /monitor|error notice|bouncing|bounce score|number of bounces|bounced mails/i;
const LIST_ERROR_REPORT =
  /\b(?:subscribers?|address(?:es)?)\s+(?:is|are)\s+currently\s+being\s+monitored\b|\bdaily error monitoring report\b|\bhas\s+been\s+identified\s+as\s+a\s+possible\s+delivery\s+error\s+notice\b|\bmailing\s+list\s+seem\s+to\s+have\s+been\s+bouncing\b|\bsubscription\s+has\s+been\s+disabled\s+on\s+\S+\s+due\s+to\s+their\s+bounce\s+score\b|\bbounce\s+score\s+on\s+\S+\s+has\s+been\s+incremented\b|\bmailing\s+list\s+has\s+received\s+a\s+number\s+of\s+bounces\b|\bhas\s+been\s+removed\s+from\s+the\s+\S+\s+mailing\s*list\.?\s+It\s+generated\s+an\s+excessive\s+amount\s+of\s+bounced\s+mails\b/i;

/**
 * Mailman 3's reports to a list's owner ("<member>'s subscription has been disabled on <list> due to their bounce score",
 * "… bounce score on <list> has been incremented") and its probe to a member ("… mailing list has received a number of
 * bounces from you") attach the member's notice, whose report is then the only one in the mail: it is the member's
 * delivery error, already handled, not a failure of the message this mail is matched to.
 * SmartList's notice to a member it removed ("Your mail address … has been removed from the … mailinglist. It generated
 * an excessive amount of bounced mails.") quotes the last of them: the same.
 */
function listErrorReport(head: string): boolean {
  return LIST_REPORT_WORDS.test(head) && LIST_ERROR_REPORT.test(head);
}

/**
 * amavis's notifications to an administrator ("BANNED contents (…) in mail FROM [192.0.2.1]:4321 <ann@…>", "INVALID
 * HEADER in mail FROM <…>", "Spam FROM [192.0.2.1] <…>") and to a recipient ("VIRUS (…) in mail TO YOU from <…>"), in
 * its default templates' titles. Its notices to the sender are titled otherwise ("VIRUS (…) IN MAIL FROM YOU",
 * "Undeliverable mail, …", "Considered UNSOLICITED BULK EMAIL, apparently from you") and stay notices. The
 * sender is the address in angle brackets.
 */
const FILTER_NOTIFICATION =
  /^\s*(?:VIRUS \(.*\)|BANNED contents \(.*\)|INVALID HEADER|BAD HEADER|UNCHECKED contents|SPAMMY|SPAM|Spam) (?:in mail (?:FROM|TO YOU from)|FROM) (?:LOCAL )?(?:\[[^\]\s]*\](?::\d+)? )?<([^<>\s]*)>/;

/** A quarantine's digest or summary for the mailbox it holds mail for, as its title says (see nonStandard). */
const QUARANTINE_DIGEST =
  /\b(?:quarantine|spam|junk|end[- ]user) (?:digest|summary)\b|\bmessages? (?:(?:are|is|were|was) )?(?:on hold|held|quarantined) for\b|\byou have (?:\d+ )?(?:new )?messages? (?:in|on) (?:your )?(?:quarantine|hold)\b/i;

/**
 * A list's rule, not a refusal: "only subscribers may post to the list" in mlmmj's reply to a `+help` request. When it
 * is a notice's only list wording (LIST_POST_REFUSED) and no word says a post was refused (LIST_REFUSAL), the notice
 * is information about the list.
 */
const LIST_RULE = /only (?:list )?(?:members|subscribers) (?:can|may|are allowed to) post/gi;
const LIST_REFUSAL =
  /\b(?:denied|rejected|refused|declined|discarded|bounced|returned|undeliverable|failed|(?:was|were|has|have|could|can)(?: not|n'?t)(?: been| be)? (?:delivered|distributed|posted|accepted|sent|forwarded)|unable to be (?:delivered|distributed|posted)|your (?:message|post|mail|e-?mail|submission)|abgewiesen|abgelehnt|zur[üu]ckgewiesen|konnte nicht|rejet[ée]e?|refus[ée]e?|rechazad[oa]|rifiutat[oa]|rejeitad[oa]|geweigerd|afgewezen)\b/i;

function listInformation(head: string): boolean {
  return !LIST_REFUSAL.test(head) && !LIST_POST_REFUSED.test(head.replace(LIST_RULE, ''));
}

/**
 * Mailman 3 answers every request with one template ("Your request to the <list@…> mailing list / <request> / has been
 * rejected by the list moderator"), the request indented on a line of its own: a subscription request refused is no
 * refused post ("Posting of your message titled …").
 */
const LIST_REQUEST_NOT_POST = /^[ \t]+(?:un)?subscription request[ \t]*$/im;

/** The part of a mail its list manager's wording is looked for in: its subject and its text's start. */
function listHead(subject: string, text: string): string {
  return `${subject}\n${text.slice(0, 3000)}`;
}

function nonStandard(top: MimePart, text: string, subject: string, ownId: string | null): ParseResult {
  const from = decodeHeaderValue(header(top.headers, 'from') ?? '');
  const to = addresses(header(top.headers, 'to'));
  const exclude = new Set([...to, ...addresses(header(top.headers, 'from'))].map((a) => a.toLowerCase()));
  const report = parseTextReport(subject, text, exclude);
  // A list manager's refusal in a language no rule reads (list-refusal.ts): its list is the recipient, its title the reason.
  const refusal = report.rule === null ? listManagerRefusal(top, subject, text, addresses(header(top.headers, 'from'))[0]) : null;
  if (refusal) Object.assign(report, { rule: 'mailing-list', recipients: [{ address: refusal.list, diagnostic: refusal.title }] });
  // A list manager holding a post for its moderator (Mailman's "awaits moderator approval", giving the same reason a
  // refusal would; W3C's "forwarded to the list maintainer for review"): nothing was refused yet. Nor does a list
  // manager's report on its members' errors (LIST_ERROR_REPORT) refuse anything, nor its information about the list.
  const head = listHead(subject, text);
  if (
    (report.rule === 'mailing-list' && !refusal && (HELD_FOR_MODERATION.test(head) || LIST_REQUEST_NOT_POST.test(head) || listInformation(head))) ||
    FORWARDED_FOR_REVIEW.test(head) ||
    listErrorReport(head)
  )
    return empty('not-a-bounce', null);
  // A filter's digest of the mail it holds for its reader ("Mimecast: 2 messages on hold for ann@…", Proofpoint's "End
  // User Digest", "Quarantine Summary"), each with a Release link: mail to the reader held, none of ours refused.
  if (report.rule === null && QUARANTINE_DIGEST.test(subject) && top.type !== 'multipart/report' && /\brelease\b/i.test(text))
    return empty('not-a-bounce', null);
  // A warning to the addressee about their own mailbox's size (Exchange: "You are exceeding the size limit set on your
  // mailbox by the system administrator"), naming no failed recipient: about their mailbox, not about mail they sent.
  if (report.rule === null && report.recipients.length === 0 && top.type !== 'multipart/report' && OWN_MAILBOX_SIZE.test(head))
    return empty('not-a-bounce', null);
  // A content filter's notice to its site's administrator or to the recipient about a message it stopped: not sent to
  // the sender it names, what it says failed is another's mail (FILTER_NOTIFICATION). Sent to that sender, it is one.
  const filtered = FILTER_NOTIFICATION.exec(subject);
  if (filtered && !to.some((a) => a.toLowerCase() === filtered[1]!.toLowerCase())) return empty('not-a-bounce', null);
  // A person at a postmaster desk answering a mail ("Re: …", In-Reply-To) writes from the desk's address in no MTA's
  // format: a reply, not a notice (T-Online's postmaster answering a request to reset an IP's reputation).
  const deskReply =
    report.rule === null &&
    top.type !== 'multipart/report' &&
    REPLY_ONLY.test(subject) &&
    header(top.headers, 'in-reply-to') !== null &&
    !OWN_REPLY_CODE.test(text.slice(0, 4000));
  const formatted = report.rule !== null || (BOUNCE_SENDER.test(from.trim()) && !deskReply) || top.type === 'multipart/report' || report.forwardedNotice;
  // A person's responder answering a notice keeps the notice's title after "Re:" ("Re: Undelivered Mail
  // Returned to Sender") and marks itself (Auto-Submitted: auto-replied…): no MTA's format, sender or
  // report says it is a notice, so the title is the answered mail's, not its own.
  if (!formatted && REPLY_OR_FORWARD.test(subject) && detectAutoReply(top.headers, '')) return autoReply(top);
  // A help desk acknowledging our mail, whose title it repeats ("[Request received] Your parcel could not be
  // delivered": Zendesk, Odoo, Freshdesk…), answers for the address it was sent to: an auto-reply, not a notice.
  if (report.rule === null && top.type !== 'multipart/report' && !BOUNCE_SENDER.test(from.trim()) && HELPDESK_ACK.test(head)) return autoReply(top);
  const bounceish = formatted || bounceSubject(subject, text);
  if (!bounceish) return detectAutoReply(top.headers, subject) || autoReplyBody(text) ? autoReply(top) : empty('not-a-bounce', null);
  // A title alone, over a text that names no recipient and no failure (a help desk acknowledging "[Request received]
  // Your parcel could not be delivered", a monitoring alert, an article about bounces): the title is someone's
  // subject, not a notice's. Read as a bounce without a recipient, it would end the delivery it was matched to.
  // So is a notification (RFC 5435: a Sieve `notify`, from the postmaster by default), marked auto-notified as no MTA
  // marks its notices, when it names neither a recipient nor a failure.
  if (
    (!formatted ||
      (report.rule === null &&
        !report.forwardedNotice &&
        top.type !== 'multipart/report' &&
        AUTO_NOTIFIED.test(header(top.headers, 'auto-submitted') ?? ''))) &&
    report.recipients.length === 0 &&
    !FAILURE_EVIDENCE.test(text.slice(0, 4000)) &&
    headersAll(top.headers, 'x-failed-recipients').length === 0
  )
    return detectAutoReply(top.headers, subject) || (!formatted && autoReplyBody(text)) ? autoReply(top) : empty('not-a-bounce', null);
  const result = empty('bounce', 'non-standard');
  const returned = returnedHeaders(top);
  const senders = senderDomainsOf(top, returned);
  let ourList: string[] | null = null;
  const ours = () => (ourList ??= ourAddressesOf(top, returned));
  let found: TextRecipient[] = withoutDirectoryNames(report.recipients);
  if (found.length === 0) {
    const diag = report.report.replace(/\s+/g, ' ').trim().slice(0, 1000) || null;
    // Exim (and MTAs that copied it) lists the failed addresses in a header of the notice itself.
    const listed = headersAll(top.headers, 'x-failed-recipients')
      .flatMap((v) => addresses(v))
      .filter(isMailbox);
    if (listed.length > 0) found = listed.map((address) => ({ address, diagnostic: diag }));
    else {
      // (Never the notice's own addressee: a forwarded notice's quoted headers are no returned copy.)
      const original = (returned ? addresses(header(returned, 'to')) : addressesFromInline(report.returned)).filter((a) => !exclude.has(a.toLowerCase()));
      // Exchange's older notices name recipients by display name only ("User2 on 3/3/2026 9:20 AM"): those the
      // returned copy's To and Cc give a name the notice lists; else its first To.
      const byName = returned ? namedInNotice([header(returned, 'to'), header(returned, 'cc')], report.report) : [];
      found = (byName.length > 0 ? byName : original.slice(0, 1)).map((address) => ({ address, diagnostic: diag }));
    }
  } else {
    // An address the prose runs on into ("delivered to ann@dest.examplebecause", a copy of an HTML notice): the
    // notice's own X-Failed-Recipients, where it has one, says where the address ends.
    const listed = headersAll(top.headers, 'x-failed-recipients')
      .flatMap((v) => addresses(v))
      .filter(isMailbox);
    if (listed.length > 0)
      found = found.map((f) => {
        const whole = listed.find((a) => f.address.length > a.length && f.address.toLowerCase().startsWith(a.toLowerCase()));
        return whole ? { ...f, address: whole } : f;
      });
  }
  const wholeStatus = found.length === 1 ? findStatus(report.report) : null;
  result.recipients = found.map((f) => {
    // The returned copy as an attachment, else quoted inline below the notice (qmail's "Below this line is a copy").
    const original =
      f.original ??
      exchangeOriginalRecipient(f.diagnostic, f.address) ??
      (found.length === 1 ? sentToFromReturned(returned ?? inlineHeaders(report.returned), f.address, addresses) : null);
    // (Sendmail's notice about a reply without an enhanced status holds only statuses of its own making — its line
    // "550 5.1.1 <ann@…>... User unknown" — or another command's, DATA's "554 5.5.1 no valid recipients": none is the reply's.)
    const bareSendmail = report.rule === 'sendmail' && BARE_REPLY.test(reasonOfSendmail(f.diagnostic));
    const status = findStatus(f.diagnostic) ?? (bareSendmail ? null : wholeStatus);
    // A receipt's recipient was delivered unless its own line quotes a failure or a delay.
    // (OpenSMTPD 5.7.3 wrote its failure notices under its success template, each recipient's reason on its line.)
    // (And a recipient whose own line says only success, "delivery via mx…: 250 2.1.5 Ok", beside failed ones in Postfix's
    // report of `sendmail -bv`: delivered, whatever the others' words.)
    const delivered =
      (report.delivered && !/^[45]/.test(status ?? '') && !(report.rule === 'opensmtpd' && namesFailure(f.diagnostic))) ||
      (/^2\./.test(status ?? '') &&
        /\bdelivery via\b/i.test(f.diagnostic ?? '') &&
        !/(?:^|\s)[45]\d\d[\s-]|\b[45]\.\d{1,3}\.\d{1,3}\b|discard|quarantin/i.test(f.diagnostic ?? ''));
    const rec: ParsedRecipient = {
      address: original ?? f.address,
      final_recipient: f.address,
      original_recipient: original,
      // A heading above the recipient (Sendmail's "transient non-fatal errors" beside "permanent fatal
      // errors") says more than the notice's words about all of them.
      // (And Sendmail's own line about a recipient still queued, "<grey@…>... Deferred: 450 …", in a transcript below its
      // list of permanent failures: that recipient is retried, whatever heading the others are under.)
      action:
        f.outcome ??
        (report.rule === 'sendmail' && SENDMAIL_DEFERRED.test(f.diagnostic ?? '')
          ? 'delayed'
          : report.delayed && !expiredUnderWarning(report.rule, f.diagnostic)
            ? 'delayed'
            : delivered
              ? 'delivered'
              : 'failed'),
      status,
      diagnostic: f.diagnostic,
      category: null,
      hard: null,
    };
    const read = classifyRecipient(rec, found.length === 1 ? report.report : null, {
      senderDomains: senders,
      ourAddresses: ours,
      transcript: found.length === 1 ? null : report.report,
      statusFromCode: bareSendmail,
      listRefusalTitle: refusal?.title ?? null,
      unrecognisedWriter: report.rule === null && !report.forwardedNotice && top.type !== 'multipart/report',
    });
    // (A member of a list file Sendmail expanded, "(expanded from: :include:/…/members)": the address we sent to is a
    // list, which one member's missing mailbox does not end — as with any alias expanded to several.)
    if (read.hard && INCLUDED_MEMBER.test(f.diagnostic ?? '')) Object.assign(read, { hard: false, confidence: 'low' });
    return report.delayed && !f.outcome && expiredUnderWarning(report.rule, f.diagnostic) ? givenUp(read) : read;
  });
  result.recipients = oneReplyForSeveral(membersOfExpandedAliases(result.recipients), report.report);
  // (A warning that names no recipient — Exim's "Warning: message … delayed 2 hours" reworded by a gateway — is still one.)
  // (So is a receipt whose recipient is no Internet address: Exchange's "was delivered to the following recipient(s):" over
  // an X.400 name.)
  result.kind =
    result.recipients.length === 0 && report.delayed
      ? 'delay'
      : result.recipients.length === 0 && report.delivered
        ? 'delivery-report'
        : kindOf(result.recipients);
  result.original_message_id = originalMessageId(returned, report.returned, ownId) ?? repliedTo(top);
  return result;
}

/**
 * Exchange's diagnostic line ends with the address the sender gave, after "##" ("#550 4.4.7 QUEUE.Expired; message
 * expired ##rfc822;jane@…"), when the failed one is another (a forward, a contact, a tenant's routing address).
 */
function exchangeOriginalRecipient(diagnostic: string | null, failed: string): string | null {
  const m = diagnostic?.match(/##rfc822;\s*<?([^\s<>;#]+@[^\s<>;#]+?)>?(?=[\s;#]|$)/i);
  if (!m || m[1].toLowerCase() === failed.toLowerCase()) return null;
  return addresses(m[1])[0] ?? null;
}

/** An automatic reply: its sender is the recipient it speaks for; it answers the message in In-Reply-To. */
function autoReply(top: MimePart): ParseResult {
  const result = empty('auto-reply', null);
  const who = addresses(header(top.headers, 'from'))[0] ?? null;
  result.recipients = who ? [bareRecipient(who)] : [];
  result.original_message_id = firstMessageId(header(top.headers, 'in-reply-to'));
  return result;
}

/**
 * A notice that returns no copy of the original but answers it (list managers, some gateways) names it in
 * In-Reply-To, else as the last of its References (the direct parent).
 */
function repliedTo(top: MimePart): string | null {
  const inReplyTo = firstMessageId(header(top.headers, 'in-reply-to'));
  if (inReplyTo) return inReplyTo;
  const refs = header(top.headers, 'references')?.match(/<[^>\s]+>/g);
  return refs ? refs[refs.length - 1] : null;
}

/** The header block of a copy quoted inline (from its first header line to the blank line after it), or null. */
function inlineHeaders(returned: string): Header[] | null {
  const m = /^[A-Za-z][A-Za-z0-9-]*:[ \t]/m.exec(returned);
  if (!m) return null;
  const headers = parseHeaders(returned.slice(m.index).split(/\r?\n[ \t]*\r?\n/, 1)[0]!);
  return headers.length > 0 ? headers : null;
}

function addressesFromInline(returned: string): string[] {
  const m = /^To:\s*(.*(?:\n[ \t].*)*)/im.exec(returned);
  return m ? addresses(m[1]) : [];
}

function firstMessageId(value: string | null): string | null {
  const m = value ? /<[^>\s]+>/.exec(value) : null;
  return m ? m[0] : null;
}

/**
 * Amazon SES event notifications mailed by SNS: a JSON document (`notificationType` Bounce, Complaint or
 * Delivery) instead of a report. Its fields map one to one onto ours.
 */
function amazonSesNotification(top: MimePart): ParseResult | null {
  if (top.type !== 'text/plain' || top.body.length > 1_000_000) return null;
  const text = partText(top);
  const start = text.search(/\{\s*"/);
  if (start < 0) return null;
  const head = text.slice(start, start + 2000);
  // Either the SES document itself, or SNS's envelope around it: {"Type": "Notification", "Message": "<SES JSON as a string>"}.
  const snsEnvelope = /^\{\s*"Type"\s*:\s*"Notification"/.test(head);
  if (!snsEnvelope && !/"notificationType"\s*:/.test(head)) return null;
  let doc: any;
  try {
    doc = JSON.parse(text.slice(start, text.lastIndexOf('}') + 1));
  } catch {
    doc = salvageSesJson(snsEnvelope ? text.slice(start).replace(/\\"/g, '"') : text.slice(start));
  }
  if (doc && snsEnvelope && typeof doc.Message === 'string') {
    try {
      doc = JSON.parse(doc.Message);
    } catch {
      doc = salvageSesJson(doc.Message);
    }
  }
  if (!doc || typeof doc !== 'object') return null;
  const type = String(doc.notificationType ?? doc.eventType ?? '');
  const mail = doc.mail ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  let result: ParseResult;
  if (type === 'Bounce' && doc.bounce) {
    const transient = doc.bounce.bounceType === 'Transient';
    result = empty('bounce', 'non-standard');
    result.reporting_mta = str(doc.bounce.reportingMTA)?.replace(/^dsn;\s*/i, '') ?? null;
    result.recipients = (Array.isArray(doc.bounce.bouncedRecipients) ? doc.bounce.bouncedRecipients : []).map((r: any) =>
      classifyRecipient({
        address: str(r?.emailAddress),
        action: r?.action === 'delayed' ? 'delayed' : 'failed',
        status: findStatus(str(r?.status)),
        diagnostic: str(r?.diagnosticCode)?.replace(/^smtp;\s*/i, '') ?? (transient ? 'transient failure' : null),
        category: null,
        hard: null,
      }),
    );
    result.kind = kindOf(result.recipients);
  } else if (type === 'Complaint' && doc.complaint) {
    result = empty('complaint', 'arf');
    result.feedback_type = str(doc.complaint.complaintFeedbackType) ?? 'abuse';
    result.recipients = (Array.isArray(doc.complaint.complainedRecipients) ? doc.complaint.complainedRecipients : []).map((r: any) => ({
      address: str(r?.emailAddress),
      action: null,
      status: null,
      diagnostic: null,
      category: null,
      hard: null,
    }));
  } else if (type === 'Delivery' && doc.delivery) {
    result = empty('delivery-report', 'non-standard');
    result.recipients = (Array.isArray(doc.delivery.recipients) ? doc.delivery.recipients : []).map((a: unknown) =>
      classifyRecipient({
        address: str(a),
        action: 'delivered',
        status: findStatus(str(doc.delivery.smtpResponse)) ?? '2.0.0',
        diagnostic: str(doc.delivery.smtpResponse),
        category: null,
        hard: null,
      }),
    );
  } else {
    return null;
  }
  const mid = Array.isArray(mail.headers) ? mail.headers.find((h: any) => String(h?.name).toLowerCase() === 'message-id') : null;
  result.original_message_id = str(mid?.value) ?? str(mail.commonHeaders?.messageId);
  return result;
}

/** Mail gateways wrap long lines, which breaks the JSON; the recipient objects are usually still whole. */
function salvageSesJson(text: string): any {
  const type = /"notificationType"\s*:\s*"(\w+)"/.exec(text)?.[1];
  if (!type) return null;
  const objects: any[] = [];
  for (const m of text.matchAll(/\{[^{}]*"emailAddress"\s*:\s*"[^"]+"[^{}]*\}/g)) {
    try {
      objects.push(JSON.parse(m[0]));
    } catch {
      // a recipient object cut by the wrap: skip it
    }
  }
  const feedbackType = /"complaintFeedbackType"\s*:\s*"([^"]+)"/.exec(text)?.[1];
  return {
    notificationType: type,
    bounce: { bounceType: /"bounceType"\s*:\s*"(\w+)"/.exec(text)?.[1], bouncedRecipients: objects },
    complaint: { complaintFeedbackType: feedbackType, complainedRecipients: objects },
    delivery: { recipients: [] },
  };
}
