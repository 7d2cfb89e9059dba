/**
 * Addresses as reports write them, reduced to `local@domain`. Reports decorate addresses in ways the
 * grammar of RFC 3464 does not foresee:
 *
 *   rfc822; <"jane@example.org">        type prefix, angle brackets, quotes (also doubled: <<…>>)
 *   rfc822; smtp=jane@example.org       gateways that keep their own field name (also `SMTP:jane@…`,
 *                                       Exchange's proxy-address form)
 *   x400; /RFC-822=jane(a)example.org/O=Org/ADMD=…/C=US/   an X.400 address carrying its Internet form,
 *                                       in RFC 2156's escapes ((a) = @, (p) = %, (u) = _ …)
 *   rfc822; jane.long-name@exam ple.org an address cut where a header line was folded
 *   rfc822; IMCEASMTP-jane+40example+2Eorg@exchange.example.net   Exchange's encapsulated SMTP address
 *   x400; c=US;a= ;p=Org;o=Site;dda:SMTP=jane@example.org;   Exchange's semicolon X.400 notation, whose
 *                                       SMTP domain-defined attribute holds the Internet address
 *
 * An X.400 address without an RFC-822 part names no Internet mailbox: it gives null, so the caller falls
 * back to Original-Recipient or the notice's text.
 */

/** RFC 2156 §4.3.2's printable-string escapes, as X.400 gateways write Internet addresses. */
const X400_ESCAPES: Record<string, string> = { a: '@', p: '%', b: '!', q: '"', u: '_', l: '(', r: ')', d: '$', e: '=' };

const ADDRESS = /^[^\s@<>"',;:()[\]]+@[^\s@<>"',;:()[\]]+$/;

/** RFC 6533's escape of one Unicode character in an address: `\\x{` hex code point `}`. */
const UNITEXT_ESCAPE = /\\x\{([0-9A-Fa-f]{1,6})\}/g;

function codePoint(hex: string): string | null {
  const n = Number.parseInt(hex, 16);
  return n > 0x20 && n <= 0x10ffff && (n < 0xd800 || n > 0xdfff) ? String.fromCodePoint(n) : null;
}

/** Reduces one report value to an address, or null when it holds none. */
export function cleanAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  let v = value.trim();
  // The address type: `rfc822;`, `x400;`, `utf-8;`, `unknown;` (a short word before the first semicolon).
  const semi = v.indexOf(';');
  if (semi >= 0 && semi < 20 && !v.slice(0, semi).includes('@')) {
    const type = v.slice(0, semi).trim().toLowerCase();
    v = v.slice(semi + 1).trim();
    // RFC 6533's internationalized address (`utf-8; jo\x{E9}@example.org`): a character may be written as its
    // code point in hex, as in the xtext form of an ORCPT.
    if (type === 'utf-8' && v.includes('\\x{')) v = v.replace(UNITEXT_ESCAPE, (all, hex: string) => codePoint(hex) ?? all);
  }
  if (v.startsWith('/') || /\/(?:RFC-?822|S|G|O|OU\d?|ADMD|PRMD|C)=/i.test(v)) return fromX400(v);
  const dda = /\bdda:smtp=([^\s;=]+@[^\s;]+)/i.exec(v);
  if (dda) v = dda[1];
  const angle = /<([^<>]*)>/.exec(v);
  if (angle) v = angle[1];
  // A comment after the address ("jane@example.org (Jane Doe)") is not part of it.
  v = v.replace(/\s*\([^()]*\)\s*$/, '');
  v = v.replace(/^(?:smtp|rfc-?822|mailto)\s*[:=]\s*/i, '');
  // A quoted local part ("ann"@…, "neko....nyaan...."@…): the address without the quotes, as the parts of a mail
  // address compare; one whose quotes are needed (a space, a special) keeps them.
  const quoted = /^"([^"\\\r\n]{1,64})"@([^\s@<>"',;:()[\]]+)$/.exec(v);
  if (quoted) {
    const address = /[\s"(),:;<>@[\]\\]/.test(quoted[1]!) ? v : `${quoted[1]}@${quoted[2]}`;
    return plausibleLength(address) ? address : null;
  }
  v = v.replace(/^["'`]+|["'`]+$/g, '').trim();
  v = v.replace(/[.,;]+$/, '');
  if (ADDRESS.test(v)) return !plausibleLength(v) ? null : IMCEA.test(v) ? fromImcea(v) : v;
  // Folded over lines: the pieces only join into one address.
  const joined = v.replace(/\s+/g, '');
  if (/\s/.test(v) && ADDRESS.test(joined) && v.split(/\s+/).length <= 3) return joined;
  return v.includes('@') ? null : v.length > 0 ? v : null;
}

const IMCEA = /^IMCEA[A-Z0-9]*-/i;

/**
 * An address no longer than a mail path can be (RFC 5321 §4.5.3.1: 64 octets of local part, 255 of domain) and
 * without control characters; an Exchange encapsulation may be longer (it holds a whole directory name).
 */
export function plausibleLength(address: string): boolean {
  return (address.length <= 320 || (IMCEA.test(address) && address.length <= 2000)) && !/[\x00-\x1f\x7f]/.test(address);
}

/**
 * Exchange's encapsulation of a foreign address as a local one (IMCEA): `IMCEASMTP-jane+2Edoe+40example+2Eorg@
 * exchange.example.net` is `jane.doe@example.org` (`+XX` is a character in hex), an `IMCEAX400-` one gives its
 * RFC-822 part. Null when it holds no Internet address: an Exchange directory name (`IMCEAEX-…_cn=Recipients…`) or an
 * X.400 name without an RFC-822 part, which are no address anyone sent to.
 */
function fromImcea(v: string): string | null {
  const m = /^IMCEA([A-Z0-9]*)-([^@]+)@[^@]+$/i.exec(v);
  if (!m) return null;
  const decoded = m[2].replace(/\+([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  const type = m[1].toUpperCase();
  if (type === 'SMTP') return ADDRESS.test(decoded) ? decoded : null;
  if (type === 'X400') return fromX400(decoded.replace(/;/g, '/'));
  return null;
}

/**
 * An address found in a notice's prose, as the address it stands for: an Exchange encapsulation decoded, or null
 * when it holds none (see fromImcea); any other address as it is.
 */
export function encapsulated(address: string): string | null {
  return IMCEA.test(address) ? fromImcea(address) : address;
}

/** `/RFC-822=jane(a)example.org/O=…/` → `jane@example.org`; null when it has no RFC-822 part. */
function fromX400(v: string): string | null {
  const m = /(?:^|[/:])RFC-?822=([^/]+)/i.exec(v);
  if (!m) return null;
  const address = m[1].trim().replace(/\(([a-z])\)/gi, (all, c: string) => X400_ESCAPES[c.toLowerCase()] ?? all);
  return ADDRESS.test(address) ? address : null;
}

/** X.400 addresses with an RFC-822 part, as notices write them in prose (`/RFC-822=jane(a)example.org/O=Org/C=US/`). */
const X400_IN_TEXT = /\/?(?:[A-Z]{1,4}\d?=[^/\n]*\/)*RFC-?822=[^/\s]+(?:\/[A-Za-z]{1,5}\d?=[^/\n]*)*\/?/gi;

/**
 * Exchange's semicolon notation of an X.400 address (`c=US;a= ;p=Org;o=Site;dda:SMTP=jane@example.org;`):
 * the domain-defined attribute of type SMTP holds the Internet address.
 */
const DDA_SMTP_IN_TEXT = /\bdda:smtp=([^\s;=]+@[^\s;]+)/gi;

/** A notice's text with each X.400 address that carries an Internet form replaced by that form. */
export function x400Unwrapped(text: string): string {
  let out = /dda:smtp=/i.test(text) ? text.replace(DDA_SMTP_IN_TEXT, ' $1') : text;
  if (/RFC-?822=/i.test(out)) out = out.replace(X400_IN_TEXT, (all) => fromX400(all) ?? all);
  return out;
}

/** A value that is an Internet mailbox address (not a bare local name, not an X.400 leftover). */
export function isMailbox(value: string | null | undefined): value is string {
  return !!value && ADDRESS.test(value);
}
