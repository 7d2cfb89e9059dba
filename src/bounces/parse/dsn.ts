/**
 * RFC 3464 `message/delivery-status` bodies: one block of per-message fields, then one block per
 * recipient. Real reports bend the grammar (no blank line between blocks, folded Diagnostic-Code,
 * `<angle brackets>` around addresses, missing address types), so blocks are cut at every new
 * Final-Recipient as well as at blank lines.
 */
import { cleanAddress } from './address.js';
import { parseHeaders, type Header } from './mime.js';

export interface DsnRecipientFields {
  finalRecipient: string | null;
  /** Final-Recipient as written, for a recipient whose address could not be read (an X.400 name). */
  finalRaw: string | null;
  originalRecipient: string | null;
  action: string | null;
  status: string | null;
  remoteMta: string | null;
  diagnostic: string | null;
  lastAttemptDate: string | null;
  willRetryUntil: string | null;
  /** The sending MTA's own category of the failure (PowerMTA's X-PowerMTA-BounceCategory). */
  reportedCategory: string | null;
  /** Exchange's X-Supplementary-Info reply (or a reply in the Status's comment), the diagnostic where Diagnostic-Code is missing. */
  supplementary: string | null;
  /**
   * Sendmail's X-Actual-Recipient: the address delivery went to after its aliases, where Final-Recipient is the one it
   * received (the alias).
   */
  actualRecipient?: string | null;
  /**
   * The Diagnostic-Code is of type X-Unix: the reply of a local program (a pipe, procmail, the local mailer), whose
   * exit status the MTA turned into the Status (Sendmail: EX_UNAVAILABLE 69 → 5.5.0), not an SMTP server's. Its value
   * as reported ("69"; Postfix writes the words, "data format error"), kept where `diagnostic` is replaced by the text's.
   */
  localProgram?: string;
}

export interface DsnFields {
  reportingMta: string | null;
  envelopeId: string | null;
  arrivalDate: string | null;
  recipients: DsnRecipientFields[];
  /** Recipient blocks past `maxRecipients`: counted by their Final-Recipient fields, not parsed. */
  omitted: number;
}

const PER_MESSAGE = new Set(['reporting-mta', 'original-envelope-id', 'arrival-date', 'received-from-mta', 'dsn-gateway']);
const STATUS_RE = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

/** `rfc822; <a@b>` → `a@b`. Returns null for an empty or address-less value. */
export function stripAddressType(value: string | null): string | null {
  if (!value) return null;
  let v = value.trim();
  const semi = v.indexOf(';');
  if (semi >= 0 && semi < 20 && !v.slice(0, semi).includes('@')) v = v.slice(semi + 1).trim();
  const angle = /<([^<>]*)>/.exec(v);
  if (angle) v = angle[1];
  v = v.replace(/^["']|["']$/g, '').trim();
  return v.length > 0 ? v : null;
}

/**
 * `dns; mx.example.com` → `mx.example.com`. Only a type word goes (`smtp`, `X-Postfix`, `rfc822`): a value
 * written without its type (SendGrid's `Diagnostic-Code: 550 Virus detected; content rejected`) is kept whole.
 */
const TYPE_PREFIX = /^\s*[A-Za-z][\w.+-]*\s*;/;
const X_UNIX = /^\s*x-unix\s*;/i;
function stripType(value: string | null): string | null {
  if (!value) return null;
  const type = TYPE_PREFIX.exec(value);
  const v = (type ? value.slice(type[0].length) : value).trim();
  return v.length > 0 ? v : null;
}

export function findStatus(text: string | null): string | null {
  if (!text) return null;
  const m = STATUS_RE.exec(text);
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : null;
}

const BLANK_LINE = /\n[ \t]*\n/g;
const FINAL_RECIPIENT = /^final-recipient[ \t]*:/gim;

/**
 * @param maxRecipients recipient blocks to read; the rest of the part is only searched for its
 *   Final-Recipient fields, which are counted (a report of 100,000 recipients costs what 1,000 do).
 */
/**
 * Whether a field begins the next recipient's group in a block written without blank lines between recipients: a
 * second Final-Recipient; or a field that opens a group in some MTA's order once the group so far is whole: Sendmail's
 * Original-Recipient after a Final-Recipient and its Status or Diagnostic-Code, Exim's Action after a Final-Recipient
 * and its Action. (Postfix writes Original-Recipient right after Final-Recipient, Amazon SES after Action and
 * Final-Recipient: the same recipient.)
 */
function startsNextRecipient(name: string, seen: { final: boolean; original: boolean; action: boolean; status: boolean }): boolean {
  if (name === 'final-recipient') return seen.final;
  if (name === 'original-recipient') return seen.original || (seen.final && seen.status);
  if (name === 'action') return seen.action && seen.final;
  return false;
}

export function parseDeliveryStatus(text: string, maxRecipients = Infinity): DsnFields {
  const result: DsnFields = { reportingMta: null, envelopeId: null, arrivalDate: null, recipients: [], omitted: 0 };
  const blocks: Header[][] = [];
  // The per-message block, then one per recipient: one more than the recipients wanted.
  const wanted = maxRecipients + 1;
  let start = 0;
  BLANK_LINE.lastIndex = 0;
  while (start <= text.length) {
    if (blocks.length >= wanted) {
      result.omitted = text.slice(start).match(FINAL_RECIPIENT)?.length ?? 0;
      break;
    }
    const m = BLANK_LINE.exec(text);
    const block = text.slice(start, m ? m.index : text.length);
    start = m ? m.index + m[0].length : text.length + 1;
    const fields = parseHeaders(block);
    let current: Header[] = [];
    const seen = { final: false, original: false, action: false, status: false };
    for (const f of fields) {
      if (startsNextRecipient(f.name, seen)) {
        blocks.push(current);
        current = [];
        seen.final = seen.original = seen.action = seen.status = false;
      }
      current.push(f);
      if (f.name === 'final-recipient') seen.final = true;
      else if (f.name === 'original-recipient') seen.original = true;
      else if (f.name === 'action') seen.action = true;
      else if (f.name === 'status' || f.name === 'diagnostic-code') seen.status = true;
    }
    if (current.length > 0) blocks.push(current);
  }
  if (blocks.length > wanted) {
    // A block without blank lines between its recipients gave more than one.
    result.omitted += blocks.splice(wanted).filter((b) => b.some((h) => h.name === 'final-recipient')).length;
  }
  for (const block of blocks) {
    let rcpt: DsnRecipientFields | null = null;
    for (const f of block) {
      if (PER_MESSAGE.has(f.name)) {
        if (f.name === 'reporting-mta') result.reportingMta ??= stripType(f.value);
        else if (f.name === 'original-envelope-id') result.envelopeId ??= f.value.trim() || null;
        else if (f.name === 'arrival-date') result.arrivalDate ??= f.value.trim() || null;
        continue;
      }
      const known = RECIPIENT_FIELDS[f.name];
      if (!known) continue;
      rcpt ??= {
        finalRecipient: null,
        finalRaw: null,
        originalRecipient: null,
        action: null,
        status: null,
        remoteMta: null,
        diagnostic: null,
        lastAttemptDate: null,
        willRetryUntil: null,
        reportedCategory: null,
        supplementary: null,
      };
      known(rcpt, f.value);
    }
    if (rcpt) actualRecipient(rcpt);
    if (rcpt && (rcpt.finalRecipient || rcpt.originalRecipient || rcpt.finalRaw)) {
      rcpt.diagnostic ??= rcpt.supplementary;
      result.recipients.push(rcpt);
    }
  }
  return result;
}

/**
 * Sendmail's alias expansion: Final-Recipient is the alias it received, X-Actual-Recipient the target delivery failed
 * for. The alias is the address we sent to (unless an Original-Recipient says otherwise), the target the final one.
 * (Without a Final-Recipient, the actual one stands in; a program or file it delivered to is no address.)
 */
function actualRecipient(r: DsnRecipientFields): void {
  const actual = r.actualRecipient;
  if (!actual || !actual.includes('@') || /^[|/]/.test(actual)) {
    if (!r.finalRecipient && actual) r.finalRecipient = actual;
    return;
  }
  if (r.finalRecipient && r.finalRecipient.toLowerCase() !== actual.toLowerCase()) r.originalRecipient ??= r.finalRecipient;
  r.finalRecipient = actual;
}

const RECIPIENT_FIELDS: Record<string, (r: DsnRecipientFields, v: string) => void> = {
  'final-recipient': (r, v) => {
    r.finalRaw ??= v.trim() || null;
    r.finalRecipient ??= cleanAddress(v);
  },
  'original-recipient': (r, v) => void (r.originalRecipient ??= cleanAddress(v)),
  'x-actual-recipient': (r, v) => void (r.actualRecipient ??= cleanAddress(v)),
  action: (r, v) =>
    void (r.action ??=
      v
        .trim()
        .toLowerCase()
        .split(/[\s(;]/)[0] || null),
  status: (r, v) => {
    r.status ??= findStatus(v);
    // Haraka quotes the remote reply as the Status's comment ("5.1.2 (550 Tried all MXs …)") and writes no Diagnostic-Code.
    const comment = STATUS_REPLY_COMMENT.exec(v);
    if (comment) r.supplementary ??= comment[1]!.trim();
  },
  'remote-mta': (r, v) => void (r.remoteMta ??= stripType(v)),
  'diagnostic-code': (r, v) => {
    if (r.diagnostic !== null) return;
    r.diagnostic = stripType(v);
    if (X_UNIX.test(v)) r.localProgram = r.diagnostic ?? '';
  },
  'last-attempt-date': (r, v) => void (r.lastAttemptDate ??= v.trim() || null),
  'will-retry-until': (r, v) => void (r.willRetryUntil ??= v.trim() || null),
  'x-powermta-bouncecategory': (r, v) => void (r.reportedCategory ??= v.trim() || null),
  // Exchange and Hotmail put the remote reply here, some of their reports without a Diagnostic-Code:
  // "< #5.5.0 smtp;550 Requested action not taken: mailbox unavailable (…)>".
  'x-supplementary-info': (r, v) => void (r.supplementary ??= supplementaryReply(v)),
};

/** A Status field's comment that is a server's reply (a code first), not the status's description ("(bad destination …)"). */
const STATUS_REPLY_COMMENT = /^\s*[245]\.\d{1,3}\.\d{1,3}\s*\(\s*([245]\d\d\b[^()\n]*)\)/;

function supplementaryReply(value: string): string | null {
  return stripType(
    value
      .trim()
      .replace(/^<\s*/, '')
      .replace(/\s*>$/, '')
      .replace(/^#[245]\.\d{1,3}\.\d{1,3}\s+/, ''),
  );
}
