/**
 * The header section of a message's RFC 5322 text, on raw bytes: split it into fields, read fields by
 * name, join it again; the date format. Shared by intake, DKIM signing, DSNs and the message page. Fields
 * are handled as latin1 strings so every byte, 8-bit or not, survives untouched; values we extract are
 * decoded as UTF-8 (RFC 6532) when returned.
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
  // Only the header is read as text: the loop below stops at the blank line at the latest, and the body as a
  // string (4 KB a message, megabytes for a large one) was most of the garbage intake made (issue 18).
  const blank = raw.indexOf('\r\n\r\n', 0, 'latin1');
  const text = raw.toString('latin1', 0, blank === -1 ? raw.length : blank + 2);
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
  // The header ends at a blank line, and the rest must start with one: a message that was all header, or
  // whose header broke off at a line that is no field ("inside" after a stray CR, a body without its blank
  // line), gets it here. Else a verifier would read that line and all below it to the next blank line as
  // header, the DKIM body hash would cover other bytes than its body, and fields added after the header
  // would sit above a line no parser takes (Postfix's cleanup inserts the blank line too).
  const separator = rest.length >= 2 && rest[0] === 0x0d && rest[1] === 0x0a ? Buffer.alloc(0) : Buffer.from('\r\n');
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
  const given = addr
    .slice(at + 1)
    .trim()
    .replace(/\.$/, '');
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
