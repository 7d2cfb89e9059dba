/**
 * A small MIME walker for inbound reports. It reads only what a bounce parser needs (headers, the tree of
 * parts, text bodies decoded on demand) and enforces limits on the number of parts and the nesting depth
 * while it splits, so a hostile mail (millions of parts, thousands of nested multiparts) costs at most
 * `maxParts` splits and never recurses deeper than `maxDepth`. Full MIME parsers (mailparser) build every
 * part eagerly, which is slower by an order of magnitude and has had denial-of-service bugs on such input.
 *
 * Bytes are carried as latin1 strings (one char per byte) until a part's text is asked for; only then is
 * its transfer encoding undone and its charset decoded.
 */
import { decodeHTML } from 'entities';
import { TextDecoder } from 'node:util';

export interface MimeLimits {
  /** Maximum number of MIME parts in one mail (the top level counts as one). */
  maxParts: number;
  /** Maximum nesting depth of multiparts and attached messages. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: MimeLimits = { maxParts: 500, maxDepth: 20 };

/** Thrown when a mail exceeds a limit; the parser turns it into a result with an `error`. */
export class MimeLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MimeLimitError';
  }
}

export interface Header {
  /** Lower-cased field name. */
  name: string;
  /** Unfolded value (raw bytes as latin1; use decodeHeaderValue for display). */
  value: string;
}

export interface MimePart {
  headers: Header[];
  /** Lower-cased media type, e.g. `multipart/report`; `text/plain` when absent. */
  type: string;
  /** Content-Type parameters, names lower-cased. */
  params: Record<string, string>;
  /** Undecoded body (latin1). */
  body: string;
  children: MimePart[];
  /** For message/rfc822 parts: the attached message. */
  message: MimePart | null;
  depth: number;
}

interface WalkState {
  parts: number;
  limits: MimeLimits;
}

/** Splits a raw block into header fields and body. A block without a blank line is all headers if it looks like headers. */
export function splitHeaderBody(raw: string): { head: string; body: string } {
  let start = 0;
  // An mbox "From " envelope line is not a header.
  if (raw.startsWith('From ')) {
    const nl = raw.indexOf('\n');
    start = nl < 0 ? raw.length : nl + 1;
  }
  const lf = raw.indexOf('\n\n', start);
  const crlf = raw.indexOf('\r\n\r\n', start);
  if (lf < 0 && crlf < 0) return { head: raw.slice(start), body: '' };
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { head: raw.slice(start, crlf), body: raw.slice(crlf + 4) };
  return { head: raw.slice(start, lf), body: raw.slice(lf + 2) };
}

/** A line of an SMTP reply ("554-5.7.1 …", "550 …"): a field name never looks so. */
const REPLY_LINE = /^[2-5]\d\d[ -]/;

/** Parses a header block into fields, unfolding continuation lines. Lines that are not fields are skipped. */
export function parseHeaders(head: string): Header[] {
  const out: Header[] = [];
  // A plain split where there is no CR (most stored mails): the pattern split costs more.
  const lines = head.includes('\r') ? head.split(/\r?\n/) : head.split('\n');
  for (const line of lines) {
    if (line.length === 0) continue;
    const c = line.charCodeAt(0);
    if (c === 32 || c === 9) {
      const last = out[out.length - 1];
      if (last) last.value += ' ' + line.trim();
      continue;
    }
    // A multi-line reply written into a field without folding it (nullmailer's Diagnostic-Code: "554-5.7.1 …" then
    // "554 5.7.1 …" at the start of a line): a line that starts with a reply code is no field, but the rest of the reply.
    if (c >= 50 && c <= 53 && REPLY_LINE.test(line)) {
      const last = out[out.length - 1];
      if (last) last.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      // A parameter line that lost its folding whitespace (`boundary="…"` under Content-Type) belongs to the field above.
      const last = out[out.length - 1];
      if (last && /^[\w-]+\*?=/.test(line)) last.value += ' ' + line.trim();
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name.length === 0 || name.length > 76 || /\s/.test(name)) continue;
    out.push({ name, value: line.slice(colon + 1).trim() });
  }
  return out;
}

export function header(headers: Header[], name: string): string | null {
  for (const h of headers) if (h.name === name) return h.value;
  return null;
}

export function headersAll(headers: Header[], name: string): string[] {
  return headers.filter((h) => h.name === name).map((h) => h.value);
}

/** `type/subtype; a=b; c="d"` → type and parameters (RFC 2231 continuations joined, not charset-decoded). */
export function parseContentType(value: string | null): { type: string; params: Record<string, string> } {
  if (!value) return { type: 'text/plain', params: {} };
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase() || 'text/plain';
  const params: Record<string, string> = {};
  if (semi >= 0) {
    const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
    const rest = value.slice(semi);
    let m: RegExpExecArray | null;
    while ((m = re.exec(rest))) {
      let name = m[1].toLowerCase();
      const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
      const cont = /^(.*)\*(\d+)\*?$/.exec(name);
      if (cont) name = cont[1];
      else if (name.endsWith('*')) name = name.slice(0, -1);
      params[name] = cont && params[name] !== undefined ? params[name] + v : v;
    }
  }
  return { type: type.includes('/') ? type : 'text/plain', params };
}

/** Parses a whole mail (or an attached message) into a tree, enforcing limits. */
export function parseMime(raw: string, limits: MimeLimits = DEFAULT_LIMITS): MimePart {
  return walk(raw, 0, { parts: 0, limits });
}

/**
 * A part of a multipart that opens with its blank line has no header fields (RFC 2046 §5.1.1: it is text/plain), and
 * its first paragraph is body — Sendmail's "The original message was received at …" —, unless that paragraph is made
 * of header fields (a writer that put a stray blank line after the boundary).
 */
const HEADLESS = /^\r?\n(?![!-9;-~]+:)/;

function walk(raw: string, depth: number, state: WalkState, inMultipart = false): MimePart {
  if (depth > state.limits.maxDepth) {
    throw new MimeLimitError(`MIME nesting deeper than ${state.limits.maxDepth} levels; the mail was not parsed (raise max_mime_depth to allow it)`);
  }
  if (++state.parts > state.limits.maxParts) {
    throw new MimeLimitError(`more than ${state.limits.maxParts} MIME parts; the mail was not parsed (raise max_mime_parts to allow it)`);
  }
  const { head, body } = inMultipart && HEADLESS.test(raw) ? { head: '', body: raw.replace(/^\r?\n/, '') } : splitHeaderBody(raw);
  const headers = parseHeaders(head);
  const { type, params } = parseContentType(header(headers, 'content-type'));
  const part: MimePart = { headers, type, params, body, children: [], message: null, depth };
  if (type.startsWith('multipart/') && params.boundary) {
    for (const chunk of splitMultipart(body, params.boundary, state)) {
      part.children.push(walk(chunk, depth + 1, state, true));
    }
  } else if (type === 'message/rfc822' || type === 'message/global') {
    const cte = (header(headers, 'content-transfer-encoding') ?? '').toLowerCase();
    const inner = cte.includes('base64') ? Buffer.from(body, 'base64').toString('latin1') : body;
    if (inner.trim().length > 0) part.message = walk(inner, depth + 1, state);
  }
  return part;
}

/** Splits a multipart body at its boundary lines; an unterminated last part is kept (truncated mails). */
function splitMultipart(body: string, boundary: string, state: WalkState): string[] {
  const delim = '--' + boundary;
  const chunks: string[] = [];
  let pos = body.startsWith(delim) ? 0 : body.indexOf('\n' + delim);
  if (pos < 0) return chunks;
  if (pos > 0) pos += 1;
  for (;;) {
    const after = pos + delim.length;
    if (body.startsWith('--', after)) break; // closing delimiter
    const lineEnd = body.indexOf('\n', after);
    if (lineEnd < 0) break;
    const next = body.indexOf('\n' + delim, lineEnd);
    let end = next < 0 ? body.length : next;
    if (end > lineEnd && body.charCodeAt(end - 1) === 13) end -= 1;
    chunks.push(body.slice(lineEnd + 1, Math.max(lineEnd + 1, end)));
    // Counting here, not only in walk(), stops a 100k-part mail after maxParts slices.
    if (state.parts + chunks.length > state.limits.maxParts) {
      throw new MimeLimitError(`more than ${state.limits.maxParts} MIME parts; the mail was not parsed (raise max_mime_parts to allow it)`);
    }
    if (next < 0) break;
    pos = next + 1;
  }
  return chunks;
}

const decoders = new Map<string, TextDecoder>();
/** Decoders kept for reuse: the known charsets mail uses are a few dozen. */
const MAX_DECODERS = 64;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Charset names that Windows, Java and Python mail programs write but the WHATWG decoders Node ships do not
 * know, mapped to the decoder that reads them (the same code page, or its superset): without this a notice in
 * Japanese, Chinese or Korean labelled so would be read as UTF-8 and its words lost. The ISO-2022-JP variants
 * (-1, -2, -3, -MS) are read as ISO-2022-JP: their JIS X 0208 runs decode, their rarer sets do not.
 */
const CHARSET_ALIASES: Record<string, string> = {
  cp932: 'shift_jis',
  ms932: 'shift_jis',
  'x-ms-cp932': 'shift_jis',
  'windows-932': 'shift_jis',
  'sjis-win': 'shift_jis',
  'iso-2022-jp-1': 'iso-2022-jp',
  'iso-2022-jp-2': 'iso-2022-jp',
  'iso-2022-jp-3': 'iso-2022-jp',
  'iso-2022-jp-ms': 'iso-2022-jp',
  'x-windows-iso2022jp': 'iso-2022-jp',
  eucjp: 'euc-jp',
  'eucjp-ms': 'euc-jp',
  'euc-jp-ms': 'euc-jp',
  cp936: 'gbk',
  ms936: 'gbk',
  'windows-936': 'gbk',
  'euc-cn': 'gbk',
  euccn: 'gbk',
  cp949: 'euc-kr',
  ms949: 'euc-kr',
  'x-windows-949': 'euc-kr',
  'windows-949': 'euc-kr',
  uhc: 'euc-kr',
  euckr: 'euc-kr',
  cp950: 'big5',
  ms950: 'big5',
};

/** Decodes bytes in a charset; unknown charsets fall back to UTF-8 (with replacement characters). */
function bigEndianText(bytes: Buffer): boolean {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return true;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < Math.min(bytes.length, 512); i++) if (bytes[i] === 0) i % 2 === 0 ? even++ : odd++;
  return even > odd;
}

export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  let cs = (charset ?? 'utf-8')
    .trim()
    .toLowerCase()
    .replace(/^["']|["']$/g, '');
  if (cs === '' || cs === 'us-ascii' || cs === 'ascii') cs = 'utf-8';
  cs = CHARSET_ALIASES[cs] ?? cs;
  // UTF-16 without a byte-order mark: RFC 2781 says big-endian, Windows programs write little-endian (WHATWG's
  // "utf-16"); the text says which, as the zero bytes of its ASCII characters fall on even or odd offsets.
  if (cs === 'utf-16' && !(bytes[0] === 0xff && bytes[1] === 0xfe) && bigEndianText(bytes)) cs = 'utf-16be';
  let dec = decoders.get(cs);
  if (!dec) {
    try {
      dec = new TextDecoder(cs, { fatal: false });
    } catch {
      // An unknown name is read as UTF-8, and remembered so only while few are (a hostile mail could name thousands).
      if (decoders.size < MAX_DECODERS) decoders.set(cs, utf8);
      return utf8.decode(bytes);
    }
    if (decoders.size < MAX_DECODERS) decoders.set(cs, dec);
  }
  return dec.decode(bytes);
}

export function decodeQuotedPrintable(s: string): Buffer {
  const out = Buffer.allocUnsafe(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61 /* = */) {
      // A soft line break; the spaces or tabs a transport may have appended after the `=` are not part of
      // it (RFC 2045 §6.7 (3): trailing white space is to be deleted when decoding).
      let j = i + 1;
      while (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9) j++;
      const a = s.charCodeAt(j);
      if (a === 13 && s.charCodeAt(j + 1) === 10) {
        i = j + 1;
        continue;
      }
      if (a === 10) {
        i = j;
        continue;
      }
      const hex = s.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[n++] = parseInt(hex, 16);
        i += 2;
        continue;
      }
    }
    out[n++] = c & 0xff;
  }
  return out.subarray(0, n);
}

/** The body of a leaf part as text: transfer encoding undone, charset decoded, CRLF → LF. */
export function partText(part: MimePart): string {
  const cte = (header(part.headers, 'content-transfer-encoding') ?? '').toLowerCase();
  let bytes: Buffer;
  if (cte.includes('base64')) bytes = Buffer.from(part.body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else if (cte.includes('quoted-printable')) bytes = decodeQuotedPrintable(part.body);
  else bytes = Buffer.from(part.body, 'latin1');
  let charset = part.params.charset;
  // ISO-2022-JP mails are often labelled only in the headers' encoded words; undeclared 8-bit text is usually
  // UTF-8, else (not valid UTF-8) the Latin-1 of older mailers, read as for a header's raw bytes.
  if (!charset && bytes.includes(0x1b)) charset = 'iso-2022-jp';
  const text = charset ? decodeCharset(bytes, charset) : undeclaredText(bytes);
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header's raw 8-bit bytes, or a text part's without a charset: UTF-8 (RFC 6532) when they are valid UTF-8, else Windows-1252, the Latin-1 that
 * older mailers write unencoded ("Não é possível entregar:", "Réponse automatique :"), which read as UTF-8
 * would lose every accented letter. A text that is not valid UTF-8 as a whole is decided line by line: Postfix's
 * RFC 6533 delivery-status part writes its recipients in UTF-8 but escapes each byte of a non-ASCII sender's
 * quoted local part with a backslash (`"p\<c3>\<b6>st"@…` for "pöst"), which leaves that one line invalid UTF-8.
 */
function undeclaredText(bytes: Buffer): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    let out = '';
    for (let start = 0; start < bytes.length; ) {
      const lf = bytes.indexOf(0x0a, start);
      const end = lf < 0 ? bytes.length : lf + 1;
      const line = bytes.subarray(start, end);
      // (Without an exception per line: a replacement character marks a line that is not UTF-8.)
      const asUtf8 = utf8.decode(line);
      out += asUtf8.includes('\uFFFD') ? decodeCharset(line, 'windows-1252') : asUtf8;
      start = end;
    }
    return out;
  }
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words in a header value; raw 8-bit bytes are read as UTF-8 (see undeclaredText). Adjacent words in one
 * charset are decoded together: many mailers split a long subject by bytes, not by characters (a UTF-8
 * character or an ISO-2022-JP run cut between two words), which word by word would leave replacement
 * characters where the cut fell.
 */
export function decodeHeaderValue(value: string): string {
  let v = value;
  if (/[\x80-\xff]/.test(v)) v = undeclaredText(Buffer.from(v, 'latin1'));
  if (!v.includes('=?')) return v;
  return v.replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1').replace(/(?:=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)+/g, (run: string) => {
    let out = '';
    let charset: string | null = null;
    let chunks: Buffer[] = [];
    const flush = () => {
      if (chunks.length) out += decodeCharset(Buffer.concat(chunks), charset ?? undefined);
      chunks = [];
    };
    for (const [, cs, enc, text] of run.matchAll(ENCODED_WORD)) {
      const wordCharset = cs.split('*')[0].toLowerCase();
      if (wordCharset !== charset) flush();
      charset = wordCharset;
      chunks.push(enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text.replace(/_/g, ' ')));
    }
    flush();
    return out;
  });
}

/** Every part with whether it lies inside an attached message (message/rfc822), `part` first. */
export function* partsPlaced(part: MimePart, attached = false): Generator<[MimePart, boolean]> {
  yield [part, attached];
  for (const c of part.children) yield* partsPlaced(c, attached);
  if (part.message) yield* partsPlaced(part.message, true);
}

/** Every part of the tree, depth first, including attached messages. */
export function* allParts(part: MimePart): Generator<MimePart> {
  yield part;
  for (const c of part.children) yield* allParts(c);
  if (part.message) yield* allParts(part.message);
}

/** Plain text of a mail for heuristics: text/plain parts (else HTML with tags stripped), not descending into attached messages. */
export function bodyText(part: MimePart): string {
  const texts: string[] = [];
  const htmls: string[] = [];
  const visit = (p: MimePart) => {
    if (p.type === 'multipart/alternative' && p.children.length > 0) {
      const plain = p.children.find((c) => c.type === 'text/plain');
      // (Mail programs put the HTML with its pictures in a multipart/related: that part's HTML is the other form.)
      const html =
        p.children.find((c) => c.type === 'text/html') ?? p.children.find((c) => c.type === 'multipart/related')?.children.find((c) => c.type === 'text/html');
      // Two forms of one text: the plain one, unless it is a stub beside the real notice in HTML ("This message is
      // in HTML format").
      if (plain && html) {
        const plainText = partText(plain);
        const plainLength = plainText.trim().length;
        const markup = partText(html);
        // The HTML's text is never longer than its markup: most pairs are settled without converting it.
        const fuller = (): string | null => {
          if (plainLength < 300 && /\bhtml\b/i.test(plainText)) return htmlToText(markup);
          if (markup.length <= 2 * plainLength + 200) return null;
          const htmlText = htmlToText(markup);
          return htmlText.trim().length > 2 * plainLength + 200 ? htmlText : null;
        };
        texts.push(fuller() ?? plainText);
        return;
      }
    }
    if (p.type.startsWith('multipart/') && p.children.length > 0) {
      for (const c of p.children) visit(c);
      return;
    }
    const disp = (header(p.headers, 'content-disposition') ?? '').toLowerCase();
    if ((p.type === 'text/plain' || p.type.startsWith('multipart/')) && !disp.startsWith('attachment')) texts.push(partText(p));
    else if (p.type === 'text/html' && !disp.startsWith('attachment')) htmls.push(htmlToText(partText(p)));
  };
  visit(part);
  return texts.length > 0 ? texts.join('\n') : htmls.join('\n');
}

/**
 * Strips markup to text, with the line breaks a browser would show: the source's own line breaks and runs of
 * spaces are one space (a notice written "…<br>\n…" is one line per <br>, not a blank line between each), a <br> or
 * a block's start or end is a line break, a table cell a space, any other tag nothing ("<b>ann</b>@example.org" is
 * one address). Never rendered: the result is only matched against rules and shown as plain text.
 */
export function htmlToText(html: string): string {
  // Linear on hostile input (port 25 is open to anyone): a pair is found by searching forward once per
  // opener, never again after a search found no end; a tag ends before the next "<" (a regex that looks
  // for ">" from every "<" took seconds on 100 KB of "<").
  let text = betweenPairs(
    html,
    /<(script|style|head)\b/gi,
    (name) => new RegExp(`</${name}\\s*>`, 'gi'),
    () => ' ',
  );
  text = betweenPairs(
    text,
    /<!--/g,
    () => /-->/g,
    () => '',
  );
  // <pre> keeps its lines (a notice's plain text wrapped in HTML), and so does any block styled to show them
  // (`white-space: pre-wrap`: webmail and gateways put a notice's plain text in such a <div>).
  text = betweenPairs(
    text,
    /<(pre\b|(?:div|p|td|span|code|blockquote)\b(?=[^<>]*\bwhite-space\s*:\s*(?:pre|break-spaces)\b))[^<>]*>/gi,
    (name) => new RegExp(`</${name}\\s*>`, 'gi'),
    (pre) => `${PRE_NEWLINE}${pre.replace(/\r?\n/g, PRE_NEWLINE).replace(/[ \t]/g, PRE_SPACE)}${PRE_NEWLINE}`,
  );
  return (
    text
      .replace(/\s+/g, ' ')
      .replace(/<br\s*\/?>/gi, LINE_BREAK)
      .replace(/<\/?(p|div|tr|li|ul|ol|table|blockquote|pre|h\d)\b[^<>]*>/gi, (_tag, name: string) =>
        /^(?:div|li)$/i.test(name) ? BLOCK_EDGE : PARAGRAPH_EDGE,
      )
      .replace(/<\/?t[dh]\b[^<>]*>/gi, ' ')
      .replace(/<[^<>]*>/g, '')
      // Edges of blocks that touch make one line break, as a browser shows them ("<div>a</div><div>b</div>" is
      // two lines, not two lines with a blank one between, which would split a notice's paragraphs); an edge of a
      // paragraph, table or table row between them makes a blank line (rows are a layout's sections); a <br> that
      // ends a block adds nothing to its edge.
      .replace(EDGE_RUN, (run) => (run.includes(PARAGRAPH_EDGE) && /[\u0002\u0003] ?[\u0002\u0003]/.test(run) ? '\n\n' : '\n'))
      .replaceAll(LINE_BREAK, '\n')
      // Every entity HTML names (`&commat;`, `&shy;`, `&rsquo;`, numeric ones), then the characters that only shape
      // the display: a soft hyphen inside an address is no part of it, a no-break space is a space.
      .replace(/&[#A-Za-z0-9]+;?/g, (entity) => decodeHTML(entity))
      .replace(/\u00ad/g, '')
      .replace(/\u00a0/g, ' ')
      .replace(/[ \t]+/g, ' ')
      .replace(/ ?\n ?/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .replaceAll(PRE_NEWLINE, '\n')
      .replaceAll(PRE_SPACE, ' ')
  );
}

/**
 * Replaces each span from an `open` match to the first `close(name)` after it (name: the opener's first
 * group, lower-cased) with `replace(inner)`. An opener without a close after it is left as it is, and so is
 * every later opener of that name (there is no close after them either): each part of `s` is searched once.
 */
function betweenPairs(s: string, open: RegExp, close: (name: string) => RegExp, replace: (inner: string) => string): string {
  let out = '';
  let pos = 0;
  const noCloseAfter = new Map<string, number>();
  open.lastIndex = 0;
  for (let m = open.exec(s); m !== null; m = open.exec(s)) {
    const name = (m[1] ?? '').toLowerCase();
    const from = m.index + m[0].length;
    const none = noCloseAfter.get(name);
    if (none !== undefined && from >= none) continue;
    const c = close(name);
    c.lastIndex = from;
    const end = c.exec(s);
    if (end === null) {
      noCloseAfter.set(name, from);
      continue;
    }
    out += s.slice(pos, m.index) + replace(s.slice(from, end.index));
    pos = end.index + end[0].length;
    open.lastIndex = pos;
  }
  return pos === 0 ? s : out + s.slice(pos);
}

/** A line break and a space inside <pre>, kept through the collapsing of the source's whitespace. */
const PRE_NEWLINE = '\u0000';
const PRE_SPACE = '\u0001';
const BLOCK_EDGE = '\u0002';
const PARAGRAPH_EDGE = '\u0003';
const LINE_BREAK = '\u0004';
/** A run of block edges with only spaces between, with a <br> just before it (which a browser does not show). */
const EDGE_RUN = /(?:\u0004 ?)?[\u0002\u0003](?: ?[\u0002\u0003])*/g;
