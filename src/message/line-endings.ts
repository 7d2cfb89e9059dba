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
  let bare = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === CR) {
      if (buf[i + 1] === LF) i++;
      else bare++;
    } else if (c === LF) bare++;
  }
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
