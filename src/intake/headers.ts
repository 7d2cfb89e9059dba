/**
 * The few header operations intake needs, on raw bytes: split the header section into fields,
 * read and remove fields by name, and write our own (Received, Message-ID). Fields are handled as
 * latin1 strings so every byte, 8-bit or not, survives untouched; values we extract are decoded as
 * UTF-8 (RFC 6532) when returned.
 */
import { domainToASCII } from 'node:url';

export interface HeaderField {
  /** The field name as written. */
  name: string;
  /** The whole field, continuation lines included, with its final CRLF (latin1). */
  raw: string;
}

export interface SplitMessage {
  fields: HeaderField[];
  /** Everything after the header fields: the blank separator line and the body (may be empty). */
  rest: Buffer;
}

const FIELD_NAME = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;

/**
 * Splits a CRLF-normalised message. Like Postfix's cleanup, the header ends at the first line that
 * is neither a field nor a continuation: that line and everything after it are body.
 */
export function splitMessage(raw: Buffer): SplitMessage {
  const text = raw.toString('latin1');
  const fields: HeaderField[] = [];
  let pos = 0;
  while (pos < text.length) {
    const eol = text.indexOf('\r\n', pos);
    const end = eol === -1 ? text.length : eol + 2;
    const line = text.slice(pos, end);
    const isContinuation = (line[0] === ' ' || line[0] === '\t') && fields.length > 0;
    if (isContinuation) {
      fields[fields.length - 1].raw += line;
    } else {
      const m = FIELD_NAME.exec(line);
      if (!m) break;
      fields.push({ name: m[1], raw: eol === -1 ? line + '\r\n' : line });
    }
    pos = end;
  }
  // latin1 maps byte to character one to one, so the string offset is the byte offset.
  return { fields, rest: raw.subarray(pos) };
}

export function joinMessage(prepend: Buffer[], fields: HeaderField[], rest: Buffer): Buffer {
  const header = Buffer.from(fields.map((f) => f.raw).join(''), 'latin1');
  // A message that was all header still needs its blank line for the header to end.
  const separator = rest.length === 0 ? Buffer.from('\r\n') : Buffer.alloc(0);
  return Buffer.concat([...prepend, header, separator, rest]);
}

/** The unfolded value of a field, decoded as UTF-8. */
export function fieldValue(field: HeaderField): string {
  const value = field.raw.slice(field.raw.indexOf(':') + 1).replace(/\r\n/g, '');
  return Buffer.from(value, 'latin1').toString('utf8').trim();
}

export function isField(field: HeaderField, name: string): boolean {
  return field.name.toLowerCase() === name.toLowerCase();
}

/**
 * The domain of the first address of a From (or similar) value, lower-case ASCII: `"Shop" <news@Shop.example>`
 * → shop.example. Quoted strings and comments are skipped, so an `@` inside a display name does not count.
 * Null when there is no address.
 */
export function addressDomain(value: string): string | null {
  const bare = value.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\([^()]*\)/g, ' ');
  const angle = /<([^<>]*)>/.exec(bare);
  const addr = angle ? angle[1] : (bare.split(/[\s,]+/).find((t) => t.includes('@')) ?? '');
  const at = addr.lastIndexOf('@');
  if (at < 0) return null;
  const given = addr.slice(at + 1).trim().replace(/\.$/, '');
  if (!given || /[\s<>@,;]/.test(given)) return null;
  return (domainToASCII(given) || given).toLowerCase();
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 §3.3 date-time in UTC: `Tue, 04 Feb 2025 09:05:00 +0000`. */
export function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export interface ReceivedInfo {
  /** What the client said in HELO/EHLO. */
  helo: string | null;
  /** Reverse DNS name of the client, when it has one. */
  rdns: string | null;
  ip: string | null;
  /** Our host name. */
  by: string;
  /** RFC 3848 protocol: ESMTP, ESMTPS, ESMTPA, ESMTPSA… */
  protocol: string;
  tls: { protocol: string | null; cipher: string | null } | null;
  queueId: string;
  /** Named in `for` only when the message has exactly one recipient (more would disclose Bcc). */
  recipient: string | null;
  at: number;
}

/** Keeps a value that came from the client to characters that cannot break the field's syntax. */
function clean(value: string): string {
  return value.replace(/[^\x21-\x27\x2a-\x3a\x3c-\x7e]/g, '?').slice(0, 255);
}

/** An RFC 5321 §4.4 trace field, folded, ending in CRLF. */
export function receivedField(r: ReceivedInfo): Buffer {
  // Mail mailtrail wrote itself (a DSN) came from no client: `by` only, as Postfix writes for local mail.
  const local = r.helo === null && r.ip === null;
  const from = local ? '' : `from ${clean(r.helo ?? 'unknown')} (${r.rdns ? clean(r.rdns) + ' ' : ''}[${clean(r.ip ?? 'unknown')}])\r\n\t`;
  const tls = r.tls?.protocol ? `(using ${clean(r.tls.protocol)}${r.tls.cipher ? ' with cipher ' + clean(r.tls.cipher) : ''})\r\n\t` : '';
  const by = `by ${r.by} (mailtrail)${r.protocol ? ` with ${r.protocol}` : ''} id ${r.queueId}`;
  const forClause = r.recipient ? `\r\n\tfor <${r.recipient}>` : '';
  return Buffer.from(`Received: ${from}${tls}${by}${forClause};\r\n\t${rfc5322Date(r.at)}\r\n`, 'utf8');
}
