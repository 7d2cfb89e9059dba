/**
 * Small parsers for SMTP replies and RFC 3463 status codes, shared by delivery, bounces and the
 * classifier. Pure functions, no allocation beyond their results.
 */

/**
 * A well-formed RFC 3463 status: class 2/4/5, subject 0-7, detail 0-999. The look-arounds keep it from
 * matching inside IP addresses (192.0.2.5) and version numbers (1.2.3.4).
 */
const ENHANCED_RE = /(?<![\d.])([245])\.([0-7])\.(\d{1,3})(?!\d|\.\d)/;
const ENHANCED_EXACT_RE = /^\s*([245])\.([0-7])\.(\d{1,3})\s*$/;

/** The first well-formed RFC 3463 status code in `text` (`"550-5.1.1 …"` → `"5.1.1"`), else null. */
export function parseEnhanced(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = ENHANCED_RE.exec(text);
  if (!m) return null;
  return `${m[1]}.${m[2]}.${Number(m[3])}`;
}

const ENHANCED_ALL_RE = new RegExp(ENHANCED_RE.source, 'g');

/**
 * The first status in `text` of class `cls` (a reply's code class): a multi-line reply may quote a status of
 * another class ("250-2.1.5 fine" above "550 5.1.1 no such user") that says nothing about this outcome.
 * Any class when `cls` is null.
 */
export function parseEnhancedOfClass(text: string | null | undefined, cls: 2 | 4 | 5 | null): string | null {
  if (!text) return null;
  if (cls === null) return parseEnhanced(text);
  ENHANCED_ALL_RE.lastIndex = 0;
  for (let m = ENHANCED_ALL_RE.exec(text); m !== null; m = ENHANCED_ALL_RE.exec(text)) {
    if (Number(m[1]) === cls) return `${m[1]}.${m[2]}.${Number(m[3])}`;
  }
  return null;
}

/** `s` when it is exactly a well-formed status (normalised: `5.1.01` → `5.1.1`), else null. */
export function normaliseEnhanced(s: string | null | undefined): string | null {
  if (!s) return null;
  const m = ENHANCED_EXACT_RE.exec(s);
  if (!m) return parseEnhanced(s);
  return `${m[1]}.${m[2]}.${Number(m[3])}`;
}

/**
 * The basic reply code a diagnostic text starts with or quotes: `smtp; 550 5.1.1 …`, Postfix's
 * `host x[1.2.3.4] said: 554 …`, Exim's `host x [1.2.3.4]: 550 …`. Null when none.
 */
const LEADING_CODE_RE = /^\s*(?:[\w.-]+;\s*)?([245]\d\d)(?=[\s-]|$)/;
const QUOTED_CODE_RE = /(?:\bsaid:|\]:|\breturned ')\s*([245]\d\d)(?=[\s-]|$)/;
export function codeFromText(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = LEADING_CODE_RE.exec(text) ?? QUOTED_CODE_RE.exec(text);
  return m ? Number(m[1]) : null;
}

export interface SplitReply {
  code: number | null;
  enhanced: string | null;
  /** Lines joined with '\n', without the code prefixes nor a leading status repeated on each line. */
  text: string;
}

/**
 * Splits a raw (possibly multi-line) SMTP reply: `"550-5.1.1 The email account…\r\n550 5.1.1 …"` →
 * `{ code: 550, enhanced: '5.1.1', text: 'The email account…\n…' }`. Lines without a code prefix are
 * kept as they are (continuations some servers send).
 */
const LINE_PREFIX_RE = /^([2-5]\d\d)(?:[- ]|$)/;
const LINE_STATUS_RE = /^([245])\.([0-7])\.(\d{1,3})(?:\s+|$)/;
export function splitReply(raw: string): SplitReply {
  const lines = raw.includes('\r') ? raw.split(/\r?\n/) : raw.split('\n');
  let code: number | null = null;
  let enhanced: string | null = null;
  const out: string[] = [];
  for (let line of lines) {
    if (line === '' && out.length > 0) continue;
    const c = LINE_PREFIX_RE.exec(line);
    if (c) {
      if (code === null) code = Number(c[1]);
      line = line.slice(c[0].length);
      const s = LINE_STATUS_RE.exec(line);
      if (s) {
        const st = `${s[1]}.${s[2]}.${Number(s[3])}`;
        // Only the status that matches the reply class is a prefix; anything else is part of the text.
        if (s[1] === String(code)[0]) {
          if (enhanced === null) enhanced = st;
          if (st === enhanced) line = line.slice(s[0].length);
        }
      }
    }
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return { code, enhanced, text: out.join('\n') };
}

/** 2, 4 or 5 for a reply code (3xx counts as 2: the command was accepted so far), else null. */
export function codeClass(code: number | null | undefined): 2 | 4 | 5 | null {
  if (code === null || code === undefined || !Number.isFinite(code)) return null;
  const c = Math.floor(code / 100);
  if (c === 2 || c === 3) return 2;
  if (c === 4) return 4;
  if (c === 5) return 5;
  return null;
}

/** 2, 4 or 5 from a normalised status code, else null. */
export function statusClass(enhanced: string | null): 2 | 4 | 5 | null {
  if (!enhanced) return null;
  const c = enhanced.charCodeAt(0) - 48;
  return c === 2 || c === 4 || c === 5 ? c : null;
}
