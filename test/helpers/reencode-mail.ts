/**
 * Rewrites a mail in ways that change its bytes but not what it says, as transports and mail stores do:
 * line endings, transfer encodings of its text parts, the case and spacing of header fields, folding,
 * trailing blanks, longer addresses. The bounce parser must read every variant as it reads the original
 * (test/bounces/parse/invariance.test.ts). Mails are handled as latin1 strings (one char per byte).
 */

const eolOf = (s: string) => (s.includes('\r\n') ? '\r\n' : '\n');

/** CRLF ↔ LF. */
export function toggleLineEndings(s: string): string {
  return s.includes('\r\n') ? s.replace(/\r\n/g, '\n') : s.replace(/\n/g, '\r\n');
}

const DSN_FIELDS = 'Final-Recipient|Original-Recipient|Action|Status|Diagnostic-Code|Remote-MTA|Reporting-MTA|Arrival-Date|Last-Attempt-Date';

/** Field names are case-insensitive (RFC 5322 §1.2.2): `final-recipient:`. */
export function lowerCaseDsnFields(s: string): string {
  return s.replace(new RegExp(`^(?:${DSN_FIELDS}):`, 'gim'), (m) => m.toLowerCase());
}

/** The blank after a field's colon is optional and may be a tab. */
export function dsnFieldSpacing(s: string, blank: '' | '\t'): string {
  return s.replace(new RegExp(`^(${DSN_FIELDS}):[ \\t]*`, 'gim'), `$1:${blank}`);
}

/** A long Diagnostic-Code folded at another place (a space past column 40). */
export function refoldDiagnostic(s: string): string {
  const nl = eolOf(s);
  return s.replace(/^(Diagnostic-Code:[^\r\n]{40,}?) ([^\r\n]+)/gim, (_m, a: string, b: string) => `${a}${nl}    ${b}`);
}

/** A blank appended to every line (RFC 2045 §6.7 (3): transports add them; decoders drop them). */
export function trailingBlanks(s: string): string {
  return s.replace(/([^\r\n])(\r?\n)/g, '$1 $2');
}

/** Every address's local part made longer, the same everywhere it occurs (role addresses left alone). */
export function longerAddresses(s: string): string {
  const found = new Set<string>();
  for (const m of s.matchAll(/\b[A-Za-z0-9][A-Za-z0-9._+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g)) found.add(m[0]);
  let out = s;
  for (const address of found) {
    const at = address.indexOf('@');
    if (/^(?:postmaster|mailer-daemon|root)$/i.test(address.slice(0, at))) continue;
    out = out.split(address).join(`${address.slice(0, at)}.longer${address.slice(at)}`);
  }
  return out;
}

/** The top-level header block rewritten by `f` (the body left alone). */
function inHeader(s: string, f: (header: string, nl: string) => string): string {
  const nl = eolOf(s);
  const split = s.indexOf(nl + nl);
  return split < 0 ? s : f(s.slice(0, split), nl) + s.slice(split);
}

/** Every top-level field name in lower case (`subject:`, `from:`). */
export function lowerCaseHeaderNames(s: string): string {
  return inHeader(s, (h) => h.replace(/^([A-Za-z][A-Za-z0-9-]*):/gm, (_m, name: string) => `${name.toLowerCase()}:`));
}

/** The Subject folded over two lines at a blank (RFC 5322 §2.2.3). */
export function foldSubject(s: string): string {
  return inHeader(s, (h, nl) => h.replace(/^(Subject:[^\r\n]{8,}?\S) (\S[^\r\n]*)$/im, `$1${nl} $2`));
}

/** `From: "Name" <addr>` written as `From: addr (Name)`. */
export function fromWithComment(s: string): string {
  return inHeader(s, (h) =>
    h.replace(
      /^From:\s*(?:"?([^"<\r\n]*?)"?\s*)?<([^>\r\n]+)>\s*$/im,
      (_m, name: string | undefined, address: string) => `From: ${address}${name ? ` (${name})` : ''}`,
    ),
  );
}

/** Media types are case-insensitive (`Multipart/Report`), and a boundary without specials needs no quotes. */
export function contentTypeSpelling(s: string): string {
  return s
    .replace(/^(Content-Type:\s*)([a-z]+)\/([a-z0-9.+-]+)/gim, (_m, lead: string, type: string, sub: string) => `${lead}${capital(type)}/${capital(sub)}`)
    .replace(/boundary="([A-Za-z0-9_.=+-]+)"/g, 'boundary=$1');
}

const capital = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

export type TransferEncoding = 'quoted-printable' | 'base64';

/** Every text/plain part sent as 7bit/8bit re-sent in `encoding` (multiparts followed to a depth of 4). */
export function reencodeTextParts(entity: string, encoding: TransferEncoding, depth = 0): string {
  const nl = eolOf(entity);
  // A part that opens with its blank line has no header fields: its first paragraph is body (RFC 2046 §5.1.1).
  const headless = entity.startsWith(nl);
  const split = headless ? 0 : entity.indexOf(nl + nl);
  if (split < 0) return entity;
  let head = entity.slice(0, split);
  const body = entity.slice(split + (headless ? nl.length : 2 * nl.length));
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const contentType = /^content-type:\s*([^;\s]+)(.*)$/im.exec(unfolded);
  const type = (contentType?.[1] ?? 'text/plain').toLowerCase();
  const cte = (/^content-transfer-encoding:\s*(\S+)/im.exec(unfolded)?.[1] ?? '7bit').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary\s*=\s*"?([^";\r\n]+)"?/i.exec(contentType?.[2] ?? '')?.[1];
    if (!boundary || depth >= 4) return entity;
    const delimiter = `--${boundary}`;
    const chunks = body.split(delimiter);
    for (let i = 1; i < chunks.length && !chunks[i].startsWith('--'); i++) {
      const lead = /^\r?\n/.exec(chunks[i])?.[0] ?? '';
      const tail = /\r?\n$/.exec(chunks[i])?.[0] ?? '';
      const inner = chunks[i].slice(lead.length, chunks[i].length - tail.length);
      chunks[i] = lead + reencodeTextParts(inner, encoding, depth + 1) + tail;
    }
    return `${head}${nl}${nl}${chunks.join(delimiter)}`;
  }
  if (type !== 'text/plain' || (cte !== '7bit' && cte !== '8bit')) return entity;
  if (depth === 0 && !/^mime-version:/im.test(head)) head += `${nl}MIME-Version: 1.0`;
  head = head.replace(/^content-transfer-encoding:.*(?:\r?\n[ \t].*)*(?:\r?\n|$)/gim, '').replace(/\r?\n$/, '');
  const encoded = encoding === 'base64' ? base64Lines(body, nl) : quotedPrintable(body, nl);
  return `${head ? head + nl : ''}Content-Transfer-Encoding: ${encoding}${nl}${nl}${encoded}`;
}

function base64Lines(body: string, nl: string): string {
  return `${(
    Buffer.from(body, 'latin1')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join(nl)}${nl}`;
}

/** RFC 2045 §6.7: `=` and 8-bit bytes escaped, a final blank escaped, lines of at most 76 with soft breaks. */
function quotedPrintable(body: string, nl: string): string {
  return body
    .split(/\r?\n/)
    .map((line) => {
      let rest = line
        .replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
        .replace(/[ \t]$/, (c) => (c === ' ' ? '=20' : '=09'));
      const out: string[] = [];
      while (rest.length > 76) {
        let cut = 75;
        // Never cut inside an escape.
        if (rest[cut - 1] === '=') cut -= 1;
        else if (rest[cut - 2] === '=') cut -= 2;
        out.push(`${rest.slice(0, cut)}=`);
        rest = rest.slice(cut);
      }
      out.push(rest);
      return out.join(nl);
    })
    .join(nl);
}
