/**
 * Writes one RFC 3464 delivery status notification: a `multipart/report; report-type=delivery-status`
 * with a human-readable part, the machine-readable `message/delivery-status` part, and the original
 * (whole, as message/rfc822, when the sender asked RET=FULL; else its headers, as text/rfc822-headers).
 *
 * Pure: the same input (with `boundary` and `messageId` given) gives the same bytes. It reads nothing
 * and writes nothing; the notifier gathers the facts and enqueues the result.
 *
 * Output discipline, because a DSN travels through servers we do not control:
 * - CRLF line ends, no line over 998 octets (RFC 5322 §2.1.1); long fields are folded at spaces.
 * - The headers and the delivery-status part are 7-bit ASCII. Non-ASCII in addresses, diagnostics or
 *   the envelope id is written as RFC 6533 `\x{HHHH}` escapes (and addresses get the `utf-8` address
 *   type), so the report stays readable by every DSN parser. The human-readable part is UTF-8,
 *   quoted-printable when it needs to be.
 * - The returned original is 7bit when it is; an original with 8-bit octets is returned as 8bit
 *   (it arrived as such, and message/rfc822 may not be base64-encoded, RFC 2046 §5.2.1). An original
 *   that is not valid mail (a line over 998 octets, NUL) falls back to its headers.
 */
import { randomBytes } from 'node:crypto';
import { replyLine } from '../classify/reply-line.js';
import type { MessageRecord } from '../types.js';
import { rfc5322Date } from '../message/headers.js';
import { toCrlf } from '../message/line-endings.js';

export type DsnKind = 'failure' | 'delay' | 'success';

/** RFC 3464 §2.3.3 actions that mailtrail reports (it never expands). */
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed';

export interface DsnDiagnostic {
  /** The basic SMTP reply code, or null when no server replied (DNS failure, connection refused…). */
  code: number | null;
  /** The enhanced status as the server gave it, if any (written after the code unless the text has it). */
  enhanced?: string | null;
  /** The reply text (lines joined with '\n'), or our own description of a network failure. */
  text: string | null;
}

export interface DsnRecipient {
  address: string;
  /** RFC 3461 ORCPT as given at submission (`rfc822;user@example.com`, xtext already decoded). */
  orcpt: string | null;
  action: DsnAction;
  /** RFC 3463 status, e.g. `5.1.1`. */
  status: string;
  diagnostic: DsnDiagnostic | null;
  /** Host name (or IP) of the server that gave the answer. */
  remoteMta: string | null;
  lastAttemptAt: number | null;
  /** For delays: when mailtrail stops trying (Will-Retry-Until). */
  willRetryUntil?: number | null;
  /** One plain-English sentence from the classifier, for the human-readable part. */
  explanation?: string | null;
  /** The recipient failed because its queue lifetime ran out (not because a server refused it). */
  expired?: boolean;
  /**
   * A delay reported by a server after ours (we had delivered to it; its notice came to our VERP address): the
   * MTA that reported it. The report passes that notice on; mailtrail is not the one still trying.
   */
  reportedBy?: string | null;
}

export interface DsnInput {
  kind: DsnKind;
  /** Our host name: Reporting-MTA and the Message-ID domain. */
  hostname: string;
  /** From: address of the report, e.g. MAILER-DAEMON@mail.example.com. */
  from: string;
  /** The original envelope sender. */
  to: string;
  message: MessageRecord;
  originalRaw: Buffer;
  /**
   * The most of the original a report returns whole (RET=FULL); a larger one is returned as its headers. So a
   * report is never larger than mail we would accept ourselves (Postfix: bounce_size_limit).
   */
  maxReturnedBytes?: number;
  recipients: DsnRecipient[];
  /** When the original was accepted. */
  arrivalDate: number;
  now: number;
  /** MIME boundary; random when absent. */
  boundary?: string;
  /** Message-ID of the report without <>; random when absent. */
  messageId?: string;
}

const CRLF = '\r\n';
const MAX_LINE = 998;
const FOLD_AT = 78;

const SUBJECTS: Record<DsnKind, string> = {
  failure: 'Undelivered Mail Returned to Sender',
  delay: 'Delayed Mail (still being retried)',
  success: 'Successful Mail Delivery Report',
};

export function composeDsn(input: DsnInput): Buffer {
  if (input.recipients.length === 0) throw new Error('composeDsn needs at least one recipient to report on');
  const messageId = input.messageId ?? `${input.now.toString(36)}.${randomBytes(8).toString('hex')}@${input.hostname}`;

  const original = originalPart(input);
  const human = humanPart(input, original.returned);
  const status = deliveryStatusPart(input);

  let boundary = input.boundary ?? newBoundary();
  // The original is the only part we do not encode ourselves: make sure it cannot end a part early.
  while (original.body.includes(`--${boundary}`)) {
    if (input.boundary) throw new Error(`the MIME boundary ${boundary} occurs in the original message; give another one`);
    boundary = newBoundary();
  }

  const headers: string[] = [
    field('From', `Mail Delivery System <${asciiAddress(input.from)}>`),
    field('To', `<${asciiAddress(input.to)}>`),
    field('Subject', SUBJECTS[input.kind]),
    field('Date', rfc5322Date(input.now)),
    field('Message-ID', `<${messageId}>`),
  ];
  if (input.message.messageId) {
    headers.push(field('In-Reply-To', `<${ascii(input.message.messageId)}>`));
    headers.push(field('References', `<${ascii(input.message.messageId)}>`));
  }
  headers.push(
    // RFC 3834 §5: a message generated in response to another one. Stops vacation responders and
    // list managers from answering the report, which could otherwise loop.
    field('Auto-Submitted', 'auto-replied'),
    field('MIME-Version', '1.0'),
    field('Content-Type', `multipart/report; report-type=delivery-status;${CRLF} boundary="${boundary}"`, false),
  );

  return assemble(headers, human, status, original, boundary);
}

/** Joins the parts; the original's bytes are kept as bytes (it may not be UTF-8). */
function assemble(headers: string[], human: string, status: string, original: OriginalPart, boundary: string): Buffer {
  const chunks: Buffer[] = [];
  const s = (text: string) => chunks.push(Buffer.from(text, 'utf8'));
  s(headers.join('') + CRLF + 'This is a MIME-encapsulated message.' + CRLF);
  for (const p of [human, status]) s(CRLF + `--${boundary}` + CRLF + p);
  s(CRLF + `--${boundary}` + CRLF + original.part);
  chunks.push(original.body);
  s(CRLF + `--${boundary}--` + CRLF);
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------------------------
// The human-readable part

function humanPart(input: DsnInput, returned: Returned): string {
  const lines: string[] = [`This is the mail system at host ${input.hostname}.`, ''];
  const attached =
    returned === 'full'
      ? 'The message is attached below.'
      : returned === 'headers'
        ? "The message's headers are attached below."
        : returned === 'headers-too-large'
          ? `The message's headers are attached below (the whole message, ${megabytes(input.originalRaw.length)}, is larger than a report returns: ${megabytes(input.maxReturnedBytes ?? 0)}).`
          : "The message's headers are attached below (the whole message could not be returned: it is not valid for re-sending).";
  if (input.kind === 'failure') {
    lines.push(
      ...wrap('Your message could not be delivered to one or more of its recipients. This is a permanent failure: mailtrail will not try again. ' + attached),
    );
  } else if (input.kind === 'delay' && input.recipients.every((r) => r.reportedBy !== undefined)) {
    lines.push(
      ...wrap(
        "Your message was handed over to the recipient's mail system, which reports that it has not delivered it yet to one or more of its recipients and is still trying. " +
          'You do not need to send it again. ' +
          attached,
      ),
    );
  } else if (input.kind === 'delay') {
    lines.push(
      ...wrap(
        'Your message has not been delivered yet to one or more of its recipients. mailtrail keeps trying; you do not need to send it again. ' +
          'If it still cannot be delivered, you will be told. ' +
          attached,
      ),
    );
  } else {
    lines.push(
      ...wrap(
        "Your message was handed over to the recipient's mail server, which accepted it. " +
          'This report does not prove that it reached the inbox: that server may still file or refuse it. ' +
          attached,
      ),
    );
  }
  lines.push('');
  for (const r of input.recipients) {
    lines.push(`<${r.address}>:`);
    const said = diagnosticText(r.diagnostic);
    const by = r.remoteMta ? `host ${r.remoteMta}` : null;
    // A server's reply has a code; without one nothing answered (a refused connection, a timeout): not "said".
    const answered = r.diagnostic?.code != null;
    if (r.reportedBy !== undefined) {
      lines.push(...wrap(`Reported${r.reportedBy ? ` by ${r.reportedBy}` : ''}${said ? `: ${said}` : ''}`, '    '));
    } else if (r.expired) {
      const last = !said
        ? ''
        : answered
          ? ` The last answer${by ? ` from ${by}` : ''} was: ${said}`
          : ` The last attempt${by ? ` (${by})` : ''} failed: ${said}`;
      lines.push(...wrap(`Gave up: the message could not be delivered within its maximum queue time.${last}`, '    '));
    } else if (said) {
      lines.push(...wrap(`${by && answered ? `${by} said` : by ? `Reason (${by})` : 'Reason'}: ${said}`, '    '));
    } else if (by) {
      lines.push(...wrap(`Handled by ${by}.`, '    '));
    }
    if (r.explanation) lines.push(...wrap(`What this means: ${r.explanation}`, '    '));
    if (r.action === 'delayed' && r.willRetryUntil != null) lines.push(...wrap(`mailtrail will keep trying until ${rfc5322Date(r.willRetryUntil)}.`, '    '));
    lines.push('');
  }
  lines.push('Message details:');
  lines.push(`    Queue ID: ${input.message.queueId}`);
  if (input.message.messageId) lines.push(`    Message-ID: <${input.message.messageId}>`);
  lines.push(`    Sender: <${input.message.mailFrom}>`);
  lines.push(`    Accepted: ${rfc5322Date(input.arrivalDate)}`);
  const text = lines.join(CRLF) + CRLF;

  const needsQp = /[^\x20-\x7e\r\n\t]/.test(text) || text.split(CRLF).some((l) => Buffer.byteLength(l) > MAX_LINE);
  return (
    field('Content-Description', 'Notification') +
    field('Content-Type', 'text/plain; charset=utf-8') +
    field('Content-Transfer-Encoding', needsQp ? 'quoted-printable' : '7bit') +
    CRLF +
    (needsQp ? quotedPrintable(text) : text)
  );
}

function diagnosticText(d: DsnDiagnostic | null): string | null {
  if (!d || (d.code == null && !d.enhanced && !d.text?.trim())) return null;
  // A reported diagnostic often repeats the codes ("550 5.1.1 …" with code 550): written once.
  return replyLine({ code: d.code, enhanced: d.enhanced ?? null, text: d.text }, { join: ' ' });
}

// ---------------------------------------------------------------------------------------------
// The machine-readable part (RFC 3464 §2)

function deliveryStatusPart(input: DsnInput): string {
  // Field order follows the ABNF of RFC 3464 §2.2 and §2.3.
  const perMessage: string[] = [];
  if (input.message.envId) perMessage.push(field('Original-Envelope-Id', ascii(input.message.envId)));
  perMessage.push(field('Reporting-MTA', `dns; ${input.hostname}`));
  // Extension fields (RFC 3464 §2.4) in Postfix's manner: what finds the original in our records.
  perMessage.push(field('X-Mailtrail-Queue-ID', input.message.queueId));
  perMessage.push(field('X-Mailtrail-Sender', typedAddress(input.message.mailFrom)));
  perMessage.push(field('Arrival-Date', rfc5322Date(input.arrivalDate)));

  const groups = input.recipients.map((r) => {
    const g: string[] = [];
    if (r.orcpt) g.push(field('Original-Recipient', originalRecipient(r.orcpt)));
    g.push(field('Final-Recipient', typedAddress(r.address)));
    g.push(field('Action', r.action));
    g.push(field('Status', r.status));
    if (r.remoteMta) g.push(field('Remote-MTA', `dns; ${ascii(r.remoteMta)}`));
    const diag = diagnosticText(r.diagnostic);
    // `smtp` when a server answered with a reply code; otherwise our own words (like Postfix's X-Postfix).
    if (diag) g.push(field('Diagnostic-Code', r.diagnostic?.code != null ? `smtp; ${ascii(diag)}` : `X-Mailtrail; ${ascii(diag)}`));
    if (r.lastAttemptAt != null) g.push(field('Last-Attempt-Date', rfc5322Date(r.lastAttemptAt)));
    if (r.willRetryUntil != null) g.push(field('Will-Retry-Until', rfc5322Date(r.willRetryUntil)));
    return g.join('');
  });

  return (
    field('Content-Description', 'Delivery report') +
    field('Content-Type', 'message/delivery-status') +
    field('Content-Transfer-Encoding', '7bit') +
    CRLF +
    [perMessage.join(''), ...groups].join(CRLF)
  );
}

/** `rfc822;addr` as given, re-typed when the app gave no type; escaped when not ASCII. */
function originalRecipient(orcpt: string): string {
  const semi = orcpt.indexOf(';');
  if (semi <= 0) return typedAddress(orcpt);
  const type = orcpt.slice(0, semi).trim();
  const addr = orcpt.slice(semi + 1).trim();
  if (/^[\x21-\x7e]*$/.test(addr)) return `${type};${addr}`;
  return `utf-8;${utf8AddrXtext(addr)}`;
}

/** `rfc822; user@example.com`, or RFC 6533 `utf-8; j\x{F6}rg@example.com` for an internationalised address. */
function typedAddress(address: string): string {
  if (/^[\x21-\x7e]*$/.test(address)) return `rfc822; ${address}`;
  return `utf-8; ${utf8AddrXtext(address)}`;
}

/** RFC 6533 utf-8-addr-xtext: QCHARs as they are, everything else (incl. `+`, `=`, `\`) as \x{HHHH}. */
function utf8AddrXtext(address: string): string {
  let out = '';
  for (const ch of address) {
    const cp = ch.codePointAt(0)!;
    const qchar = cp >= 0x21 && cp <= 0x7e && cp !== 0x2b && cp !== 0x3d && cp !== 0x5c;
    out += qchar ? ch : `\\x{${cp.toString(16).toUpperCase().padStart(2, '0')}}`;
  }
  return out;
}

/** Printable ASCII as is; control characters and non-ASCII as RFC 6533-style \x{HHHH} escapes. */
function ascii(text: string): string {
  let out = '';
  for (const ch of text.replace(/\s*\r?\n\s*/g, ' ')) {
    const cp = ch.codePointAt(0)!;
    out += (cp >= 0x20 && cp <= 0x7e) || cp === 0x09 ? ch : `\\x{${cp.toString(16).toUpperCase().padStart(2, '0')}}`;
  }
  return out;
}

/** An address for a header: left as is when ASCII (internationalised addresses need SMTPUTF8 anyway). */
function asciiAddress(address: string): string {
  return address.replace(/[\r\n<>]/g, '');
}

/** Exact, so that two sizes a few bytes apart never read the same. */
const megabytes = (n: number) => `${n.toLocaleString('en-US')} bytes`;

// ---------------------------------------------------------------------------------------------
// The returned original

interface OriginalPart {
  part: string;
  body: Buffer;
  returned: Returned;
}

type Returned = 'full' | 'headers' | 'headers-fallback' | 'headers-too-large';

function originalPart(input: DsnInput): OriginalPart {
  const raw = toCrlf(input.originalRaw).data;
  const tooLarge = input.maxReturnedBytes !== undefined && raw.length > input.maxReturnedBytes;
  // RET=FULL only when asked: returning a large message to every failed sender costs bandwidth and
  // repeats content (maybe the reason it was refused); RFC 3461 §4.3 leaves the default to us.
  if (input.message.ret === 'FULL' && isSendable(raw) && !tooLarge) {
    const eightBit = raw.some((b) => b > 0x7f);
    // Kept whole, final CRLF included: the CRLF before the next delimiter belongs to the delimiter.
    const body = raw;
    return {
      part:
        field('Content-Description', 'Undelivered Message') +
        field('Content-Type', 'message/rfc822') +
        field('Content-Transfer-Encoding', eightBit ? '8bit' : '7bit') +
        CRLF,
      body,
      returned: 'full',
    };
  }
  const headers = headerBlock(raw);
  const text = headers.toString('utf8');
  const needsQp = headers.some((b) => b > 0x7f) || text.split(CRLF).some((l) => Buffer.byteLength(l) > MAX_LINE) || headers.includes(0);
  return {
    part:
      field('Content-Description', 'Undelivered Message Headers') +
      field('Content-Type', needsQp ? 'text/rfc822-headers; charset=utf-8' : 'text/rfc822-headers') +
      field('Content-Transfer-Encoding', needsQp ? 'quoted-printable' : '7bit') +
      CRLF,
    body: needsQp ? Buffer.from(quotedPrintable(text), 'ascii') : headers,
    returned: input.message.ret !== 'FULL' ? 'headers' : tooLarge ? 'headers-too-large' : 'headers-fallback',
  };
}

/** The header section, ending with its last header line's CRLF (without the blank line). */
function headerBlock(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  if (end >= 0) return raw.subarray(0, end + 2);
  return raw.length && raw.subarray(raw.length - 2).toString('latin1') !== CRLF ? Buffer.concat([raw, Buffer.from(CRLF)]) : raw;
}

function isSendable(raw: Buffer): boolean {
  if (raw.includes(0)) return false;
  let start = 0;
  for (;;) {
    const nl = raw.indexOf(0x0a, start);
    const end = nl < 0 ? raw.length : nl;
    if (end - start - (nl > 0 && raw[nl - 1] === 0x0d ? 1 : 0) > MAX_LINE) return false;
    if (nl < 0) return true;
    start = nl + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Small encoders

/** One header field, folded at spaces to ≤ 78 columns where possible and never over 998 octets. */
export function field(name: string, value: string, fold = true): string {
  const line = `${name}: ${value}`;
  if (!fold) return line + CRLF;
  return foldLine(line) + CRLF;
}

function foldLine(line: string): string {
  if (line.length <= FOLD_AT) return line;
  const out: string[] = [];
  let rest = line;
  let first = true;
  while (rest.length > (first ? FOLD_AT : FOLD_AT - 1)) {
    const limit = first ? FOLD_AT : FOLD_AT - 1;
    // Break before a space (the space starts the continuation line, so unfolding restores the text).
    let at = rest.lastIndexOf(' ', limit);
    if (at <= (first ? line.indexOf(':') + 1 : 0)) {
      at = rest.indexOf(' ', limit);
      if (at < 0 || at > MAX_LINE - 1) {
        // A run without spaces longer than a line: cut it hard (unfolding then inserts a space).
        if (rest.length <= MAX_LINE - 1) break;
        at = MAX_LINE - 2;
        out.push(rest.slice(0, at));
        rest = ' ' + rest.slice(at);
        first = false;
        continue;
      }
    }
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
    first = false;
  }
  out.push(rest);
  return out.join(CRLF);
}

/** Word-wraps one paragraph to 76 columns with an indent on every line. */
function wrap(text: string, indent = ''): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = indent;
  for (const w of words) {
    if (line.length > indent.length && line.length + 1 + w.length > 76) {
      lines.push(line);
      line = indent;
    }
    line += (line.length > indent.length ? ' ' : '') + w;
  }
  if (line.length > indent.length) lines.push(line);
  return lines;
}

/** RFC 2045 §6.7 quoted-printable of UTF-8 text whose line breaks are CRLF. */
export function quotedPrintable(text: string): string {
  return text
    .split(CRLF)
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      let out = '';
      let col = 0;
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        const last = i === bytes.length - 1;
        const literal = (b >= 0x21 && b <= 0x7e && b !== 0x3d) || ((b === 0x20 || b === 0x09) && !last);
        const token = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        if (col + token.length > 75) {
          out += '=' + CRLF;
          col = 0;
        }
        out += token;
        col += token.length;
      }
      return out;
    })
    .join(CRLF);
}

function newBoundary(): string {
  // "=_" cannot occur in quoted-printable or base64 text, so only the original needs checking.
  return `=_mailtrail_${randomBytes(12).toString('hex')}`;
}
