/**
 * Line endings: every stored message has CRLF and nothing else. A bare CR or bare LF is turned into
 * CRLF (what Postfix does with smtpd_forbid_bare_newline = normalize), so no later hop can read the
 * stored bytes as ending a line somewhere we did not (SMTP smuggling, CVE-2023-51764 and kin).
 */

const CR = 0x0d;
const LF = 0x0a;

export interface Normalised {
  data: Buffer;
  /** How many bare CR or bare LF were rewritten. */
  bare: number;
}

/** Returns `buf` itself when it already has only CRLF line endings. */
export function toCrlf(buf: Buffer): Normalised {
  const bare = countBare(buf);
  if (bare === 0) return { data: buf, bare: 0 };
  const out = Buffer.allocUnsafe(buf.length + bare);
  let o = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === CR) {
      out[o++] = CR;
      out[o++] = LF;
      if (buf[i + 1] === LF) i++;
    } else if (c === LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else out[o++] = c;
  }
  return { data: out.subarray(0, o), bare };
}

/**
 * How many bare CR or bare LF `buf` holds: an LF not preceded by CR, a CR not followed by LF. Found with
 * indexOf (memchr) from line end to line end instead of a loop over every byte: a 4 KB message has about
 * 60 line ends, and the byte loop cost about 15 us of intake per message.
 */
export function countBare(buf: Buffer): number {
  let bare = 0;
  for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) if (i === 0 || buf[i - 1] !== CR) bare++;
  for (let i = buf.indexOf(CR); i >= 0; i = buf.indexOf(CR, i + 1)) if (buf[i + 1] !== LF) bare++;
  return bare;
}
