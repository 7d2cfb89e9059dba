/**
 * One SMTP reply written for people: `550 5.1.1 <bob@example.com>: Recipient address rejected`.
 *
 * The codes are often in the text as well: a DSN's Diagnostic-Code is `smtp; 550 5.1.1 …` while its
 * Status field says 5.1.1 again, and many servers start every line with the enhanced status
 * (`250 2.1.0 Ok` is recorded as code 250, status 2.1.0, text `2.1.0 Ok`). Written naively that gives
 * "550 5.1.1 550 5.1.1 …". Every place that shows a reply (the trace, `tail`, the web page, the DSNs
 * mailtrail sends, suppression reasons) writes it with this function, so it reads the same everywhere.
 */

export interface ReplyParts {
  code: number | null;
  enhanced: string | null;
  text: string | null;
}

export interface ReplyLineOptions {
  /** How the text's lines are joined; null (default) keeps only the first line. */
  join?: string | null;
  /** Cut the result to this many characters, with an ellipsis. */
  max?: number;
}

const TYPE_PREFIX_RE = /^\s*(?:smtp|x-[\w-]+)\s*;\s*/i;
const CODE_RE = /^([2-5]\d\d)(?:[ -]+|$)/;
const STATUS_RE = /^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)/;

/** Removes a `smtp;` type and a leading code and status from one line, when they repeat the given ones. */
function strip(line: string, code: string | null, enhanced: string | null): { line: string; code: string | null; enhanced: string | null } {
  let t = line.replace(TYPE_PREFIX_RE, '').trim();
  const c = CODE_RE.exec(t);
  // A code in the text is dropped when it is the reply's own, or adopted when the reply had none.
  if (c && (code === null || c[1] === code)) {
    code = c[1];
    t = t.slice(c[0].length);
  }
  const s = STATUS_RE.exec(t);
  if (s && (enhanced === null || s[1] === enhanced)) {
    enhanced = s[1];
    t = t.slice(s[0].length);
  }
  return { line: t, code, enhanced };
}

/** `550 5.1.1 User unknown`: code, status and text, each once; `(no reply)` when there is nothing. */
export function replyLine(r: ReplyParts, opts: ReplyLineOptions = {}): string {
  let code = r.code !== null ? String(r.code) : null;
  let enhanced = r.enhanced || null;
  const text = r.text ?? '';
  let body: string;
  if (opts.join == null) {
    // The first line alone, found without splitting the whole text: a trace writes a line per reply, and
    // splitting every multi-line EHLO answer only to keep its first line was most of what it allocated.
    const nl = text.indexOf('\n');
    ({ line: body, code, enhanced } = strip((nl < 0 ? text : text.slice(0, nl)).trim(), code, enhanced));
  } else {
    const kept: string[] = [];
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const s = strip(raw.trim(), code, enhanced);
      if (i === 0) ({ code, enhanced } = s);
      if (s.line) kept.push(s.line);
    }
    body = kept.join(opts.join);
  }
  // code and enhanced are null or non-empty here.
  let out = code ?? '';
  if (enhanced !== null) out = out ? `${out} ${enhanced}` : enhanced;
  if (body) out = out ? `${out} ${body}` : body;
  if (!out) return '(no reply)';
  if (opts.max !== undefined && out.length > opts.max) out = out.slice(0, opts.max - 1) + '…';
  return out;
}
