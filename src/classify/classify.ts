/**
 * The small code that reads the rule table (rules.ts): one reply or reported status in, one category,
 * a permanent/hard verdict and one sentence out. On the delivery hot path and called by the bounce
 * parser thousands of times a second: regexes are compiled once at load, a call allocates only its
 * result and the normalised text.
 */
import type { Category, Classification, ResponseInput } from './types.js';
import {
  CATEGORY_STATUS,
  CODE_RULES,
  DEFAULTS,
  DSN_SUFFIX,
  ENHANCED_RULES,
  ANOTHER_RECIPIENT,
  CLAIM_LAPSED,
  HOST_STALLED,
  STOPPED_AWAITING_REPLY,
  STOPPED_BY_US,
  HOST_UNRESPONSIVE,
  LOCAL_QUEUE_FULL,
  TLS_REQUIRED_BY_US,
  HARD_CATEGORIES,
  OUT_OF_PROTOCOL,
  PROVIDER_RULES,
  PROVIDER_UNAVAILABLE,
  STOCK_REPLY_RULE,
  SUBJECT_RULES,
  VAGUE_RULES,
  WORDING_RULES,
} from './rules.js';
import type { Explanation, PhaseKey, Rule } from './rules.js';
import { NEUTRAL_NAME, addressDomainAsName, hostAsName } from './host-name.js';
import { wordsOverFormatStatus, wordsOverStatus } from './words-over-status.js';
import { codeClass, codeFromText, normaliseEnhanced, parseEnhancedOfClass, statusClass } from './status.js';

export { parseEnhanced, splitReply, codeFromText } from './status.js';
export { registrable } from './host-name.js';

/** True when the category means the address itself is undeliverable (suppress it). See HARD_CATEGORIES. */
export function categoryIsHard(category: Category | string | null | undefined): boolean {
  return category !== null && category !== undefined && HARD_CATEGORIES.has(category as Category);
}

interface CompiledRule {
  rule: Rule;
  id: string;
  /** Parsed `match.enhanced`: class (null = any), subject, detail (null = any). */
  st: { cls: number | null; subject: number; detail: number | null } | null;
  codeLo: number;
  codeHi: number;
  phases: ReadonlySet<PhaseKey> | null;
  /** match.text, compiled for lower-cased input. */
  text: RegExp | null;
  /** match.has: words one of which the lower-cased text must contain. */
  has: readonly string[] | null;
  /** Index of the first later rule of the tier with other `has` words: where to go on when these are absent. */
  skip: number;
}

/**
 * The rules' case-insensitive regexes, rewritten to run case-sensitively on text lower-cased once per
 * call: irregexp is markedly faster without the `i` flag. Escapes (\S, \B, \W…) are kept as written.
 */
function lowerCased(re: RegExp): RegExp {
  if (!re.flags.includes('i')) return re;
  let src = '';
  for (let i = 0; i < re.source.length; i++) {
    const ch = re.source[i]!;
    if (ch === '\\') {
      src += ch + (re.source[i + 1] ?? '');
      i++;
    } else src += ch.toLowerCase();
  }
  return new RegExp(src, re.flags.replace('i', ''));
}

function compile(tier: string, rules: readonly Rule[]): CompiledRule[] {
  const words = (r: Rule | undefined): string => r?.match.has?.join('\n') ?? '';
  return rules.map((rule, i) => {
    // Rules of one family share their words: when none is in the text, the whole family is passed over.
    let skip = i + 1;
    while (rule.match.has && skip < rules.length && words(rules[skip]) === words(rule)) skip++;
    let st: CompiledRule['st'] = null;
    if (rule.match.enhanced !== undefined) {
      const m = /^([245X])\.([0-7])\.(\d{1,3}|\*)$/.exec(rule.match.enhanced);
      if (!m) throw new Error(`classify rule ${rule.id}: enhanced must look like X.1.1, 5.3.2 or X.7.*`);
      st = { cls: m[1] === 'X' ? null : Number(m[1]), subject: Number(m[2]), detail: m[3] === '*' ? null : Number(m[3]) };
    }
    const code = rule.match.code;
    const [codeLo, codeHi] = code === undefined ? [-1, -1] : typeof code === 'number' ? [code, code] : [code[0], code[1]];
    return {
      rule,
      id: `${tier}:${rule.id}`,
      st,
      codeLo,
      codeHi,
      phases: rule.match.phase ? new Set(rule.match.phase) : null,
      text: rule.match.text ? lowerCased(rule.match.text) : null,
      has: rule.match.has ?? null,
      skip,
    };
  });
}

const TIERS: readonly (readonly CompiledRule[])[] = [
  compile('provider', PROVIDER_RULES),
  compile('enhanced', ENHANCED_RULES),
  compile('wording', WORDING_RULES),
  compile('enhanced', SUBJECT_RULES),
  compile('wording', VAGUE_RULES),
  compile('code', CODE_RULES),
];

/**
 * Per tier, one pattern of all its rules' `has` words: a reply that contains none of them (most replies, for the
 * providers' code families) passes every such rule after one scan instead of one search per word.
 */
const ANY_HAS: readonly (RegExp | null)[] = TIERS.map((tier) => {
  const words = [...new Set(tier.flatMap((c) => c.has ?? []))];
  return words.length === 0 ? null : new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
});

/** Longest text examined: diagnostics longer than this are boilerplate after the first lines. */
const MAX_TEXT = 1500;
/** Reply codes (with an optional status) at line starts or quoted mid-text: `550-5.1.1 `, `550 `. */
const CODE_PREFIX_RE = /(^|\s)[245]\d\d[- ](?:[245]\.\d{1,3}\.\d{1,3}\s+)?/g;
/** A status at the start of a line, as multi-line replies repeat it. */
const LINE_STATUS_RE = /(^|\n)[ \t]*[245]\.\d{1,3}\.\d{1,3}[ \t]+/g;
const SPACES_RE = /\s+/g;
/** The characters of a local part as the masking below reads it (lower-cased ASCII atext and dots). */
const LOCAL_PART_CHARS = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789._%+=!#$&*/?^`{|}~-') LOCAL_PART_CHARS[c.charCodeAt(0)] = 1;
/** The characters of a domain (lower-cased ASCII letters, digits, dots and hyphens). */
const DOMAIN_CHARS = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789.-') DOMAIN_CHARS[c.charCodeAt(0)] = 1;

/**
 * Addresses' local parts as `x`. A local part is the recipient's name, not the server's words: "<dmarc@…>
 * Recipient rejected" is not a DMARC failure, nor is "<spam-reports@…>: user unknown" a spam verdict. The domain
 * stays (rules read providers' hosts and "…@domain is over quota"), unless its labels hold a rule's word
 * (`addressDomainAsName`: the sender's domain after "MAIL FROM:", a greeted address). Walks back from each "@" (a pattern tried at
 * every position of every reply cost as much as the rest of the normalising).
 */
function maskLocalParts(line: string): string {
  let out = '';
  let from = 0;
  for (let at = line.indexOf('@'); at >= 0; at = line.indexOf('@', at + 1)) {
    let start = at;
    while (start > from && LOCAL_PART_CHARS[line.charCodeAt(start - 1)] === 1) start--;
    const next = line.charCodeAt(at + 1);
    if (start === at || !((next >= 97 && next <= 122) || (next >= 48 && next <= 57))) continue;
    let end = at + 1;
    while (end < line.length && DOMAIN_CHARS[line.charCodeAt(end)] === 1) end++;
    while (line.charCodeAt(end - 1) === 46) end--; // a sentence's full stop after the address
    const domain = line.slice(at + 1, end);
    const name = domain.includes('.') ? addressDomainAsName(domain) : domain;
    out += `${line.slice(from, start)}x@${name}`;
    from = end;
  }
  return from === 0 ? line : out + line.slice(from);
}
/**
 * A host's name before its address, as MTAs name the remote server (Postfix's "host mx.example[192.0.2.1] said:",
 * "connect to mx.example[192.0.2.1]:25", Exim's "host mx.example [192.0.2.1]:" and "host: mx.example (192.0.2.1)
 * reason:", Gmail's "[mx.example. 192.0.2.1: timed out]"): a name, not the server's words. Its labels read as words: an MX "mx.rbl.…", "virus-scan.…" or
 * "greylist.…" read as a blocklist, a virus or greylisting, whatever the reply said. Only its registrable domain
 * is kept, because that names the provider that answered, as Sisimai's per-provider rules read it (Tencent's
 * "….qq.com"), and not even that when it holds a rule's word (a filtering service at "virusfree.cz", a host at
 * "timeout.com": `host-name.ts`). The address may be IPv6 ("[IPv6:2001:db8::25]").
 */
const REMOTE_HOST_RE =
  /\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}\.?(?= ?[[(](?:ipv6:)?(?=[0-9a-f.:]*\d)[0-9a-f.:]{3,}[\])]| (?:\d{1,3}\.){3}\d{1,3}[:\]])/g;
/**
 * Other names of hosts in notices, read the same way: Sendmail's "… while talking to mx.example.:" and "Connection
 * timed out with mx.example.", Postfix's "This is the mail system at host mail.example.", Exchange's "Generating
 * server: mail.example", a report's "Reporting-MTA: dns; mail.example".
 */
const NAMED_HOST_RE =
  /\b(talking to|at host|generating server:|(?:reporting|remote)-mta: dns;|(?:timed out|refused|conversation|connection) with) ([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)\.?(?=[:\s,;)]|$)/g;
const NAMED_HOST_HINT = /talking to |at host |generating server:|-mta: dns;| with /;
/** "unknown" in a host's place, right before its address (Postfix's "host unknown[192.0.2.1]" for a host without a name). */
const NAMELESS_HOST_RE = /(?<=\b(?:host|to|from|by|with) )unknown(?=\[(?:ipv6:)?(?=[0-9a-f.:]*\d)[0-9a-f.:]{3,}\])/g;
/** Postfix's address verification result with the probe's answer: "undeliverable address: host mx.example[192.0.2.1] said: 550 …". */
const PROBE_ANSWER = /\b(?:undeliverable|unverified)\s+address:\s+host\s+\S+\s+said:\s+([245]\d\d[\s\S]*)$/i;

/** A host named before what it said, without its address ("mx.example said: 550 …"). */
const SAID_HOST_RE = /\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}\.?(?= said:)/g;
/**
 * Text as the rules see it: one lower-cased line, reply codes and repeated statuses removed, addresses' local
 * parts replaced by `x` and hosts' names where MTAs name them cut to their registrable domains (`hostAsName`).
 */
export function normaliseText(text: string): string {
  const t = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
  let line = t.replace(LINE_STATUS_RE, '$1').replace(CODE_PREFIX_RE, '$1').replace(SPACES_RE, ' ').trim().toLowerCase();
  if (line.includes('@')) line = maskLocalParts(line);
  if (line.includes('[') || line.includes('(')) {
    line = line.replace(REMOTE_HOST_RE, hostAsName);
    // A host without a name, as Postfix writes one ("unknown[192.0.2.1]"), is not "host unknown".
    if (line.includes('unknown')) line = line.replace(NAMELESS_HOST_RE, NEUTRAL_NAME);
  }
  if (line.includes(' said:')) line = line.replace(SAID_HOST_RE, hostAsName);
  return NAMED_HOST_HINT.test(line) ? line.replace(NAMED_HOST_RE, (_, before: string, host: string) => `${before} ${hostAsName(host)}`) : line;
}

/**
 * The command a bounce says the remote server was answering (Postfix, Exim, Stalwart wording: "host 'mx…'
 * rejected command 'RCPT TO:<…>' with code 550"). Gmail's older notices say it with a number after the reply
 * instead: "(state 14)" RCPT, "(state 15)", "(state 17)" and "(state 18)" DATA, as Sisimai's Lhost::Google
 * reads them.
 */
const REPORTED_PHASE_RE =
  /in reply to (end of DATA|DATA|RCPT TO|MAIL FROM|EHLO|HELO|LHLO) command|after (?:pipelined )?(end of data|RCPT TO|MAIL FROM|initial connection|EHLO|HELO|DATA)\b|(refused to talk to me)|\(state (1[4578])\)|rejected command '(DATA|BDAT|RCPT TO|MAIL FROM|EHLO|HELO)\b|(failed after I sent the message|Body of message generated response)|did not like our (?:final )?(DATA|RCPT TO|MAIL FROM)\b/i;
export function phaseFromText(text: string): PhaseKey | null {
  const m = REPORTED_PHASE_RE.exec(text);
  // Yahoo's tag after its reply: "[RCPT_TO]" and "[MAIL_FROM]" (read where the bounce parser reads them), "[BODY]" the end of the data.
  if (!m) return text.includes('Connected to') ? qmailStage(text) : text.includes('[BODY]') ? 'data' : null;
  if (m[3]) return 'connect';
  if (m[4]) return m[4] === '14' ? 'rcpt' : 'data';
  // qmail: "<ip> failed after I sent the message." (its answer to the end of the data); IMail's "Body of message
  // generated response:". (DragonFly's "… did not like our final DATA:" names its command like Stalwart's "rejected command".)
  if (m[6]) return 'data';
  const w = (m[1] ?? m[2] ?? m[5] ?? m[7] ?? '').toLowerCase();
  if (w.includes('data') || w === 'bdat') return 'data';
  if (w.startsWith('rcpt')) return 'rcpt';
  if (w.startsWith('mail')) return 'mail';
  if (w === 'initial connection') return 'connect';
  return 'ehlo';
}

/**
 * qmail-remote names the command a refusal answered in its own sentence before "Remote host said:": "Connected to
 * 192.0.2.1 but sender was rejected." (MAIL FROM), "… but my name was rejected." (HELO), "… but greeting failed."
 * (its banner); a refused recipient is "… does not like recipient." (read as RCPT elsewhere).
 */
function qmailStage(text: string): PhaseKey | null {
  const m = QMAIL_STAGE_RE.exec(text);
  if (!m) return null;
  return m[1] === 'sender' ? 'mail' : m[1] === 'my name' ? 'ehlo' : 'connect';
}
const QMAIL_STAGE_RE = /\bConnected to \S+ but (sender|my name) was rejected\b|\bConnected to \S+ but (greeting) failed\b/;

function matches(c: CompiledRule, phase: PhaseKey, code: number | null, cls: 2 | 4 | 5 | null, st: string | null, text: string): boolean {
  const m = c.rule.match;
  if (c.phases !== null && !c.phases.has(phase)) return false;
  if (m.class !== undefined && m.class !== cls) return false;
  if (c.codeLo !== -1 && (code === null || code < c.codeLo || code > c.codeHi)) return false;
  if (c.st !== null) {
    if (st === null) return false;
    // st is normalised `c.s.d`: class at 0, subject at 2, detail from 4.
    if (c.st.cls !== null && st.charCodeAt(0) - 48 !== c.st.cls) return false;
    if (st.charCodeAt(2) - 48 !== c.st.subject) return false;
    if (c.st.detail !== null && Number(st.slice(4)) !== c.st.detail) return false;
  }
  if (c.text !== null && (text === '' || !c.text.test(text))) return false;
  return true;
}

function containsOne(text: string, words: readonly string[]): boolean {
  for (const w of words) if (text.includes(w)) return true;
  return false;
}

function sentence(e: Explanation, phase: PhaseKey, dsn: boolean): string {
  if (typeof e === 'string') return dsn ? withSuffix(e) : e;
  if (dsn && e.dsn !== undefined) return e.dsn;
  const s = e[phase] ?? e.default;
  return dsn ? withSuffix(s) : s;
}

function withSuffix(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) + DSN_SUFFIX + '.' : s + DSN_SUFFIX + '.';
}

/** The classification the delivery code decided for a reply that is no verdict on the address: retried. */
function fixed(rule: Rule, phase: PhaseKey): Classification {
  return {
    category: rule.category,
    permanent: false,
    hard: false,
    enhanced: `4${rule.status!.slice(1)}`,
    explanation: sentence(rule.explanation, phase, phase === 'dsn'),
    rule: `wording:${rule.id}`,
  };
}

/**
 * A rule's sentence names the usual cure of its cause ("we slow down and retry", "may go through once they
 * make room"); under a permanent refusal (a 5xx, a 5.x.x) nothing is retried, and the sentence says so.
 */
const RETRY_PROMISE =
  /[;,] (?:(?:we|mailtrail|it) (?:slow down and )?(?:will )?(?:retry|try again)(?:, possibly via another MX host)?|it stays queued and is retried|the message may go through once they make room|later messages usually get through|it can be sent again later|the rest are (?:retried|sent separately)|the (?:sender|client) (?:will|should) retry)(?= \(reported later|\.$)/;
const PERMANENT = '; this refusal was permanent, so it is not retried';

function withoutRetryPromise(sentence: string): string {
  return sentence.replace(RETRY_PROMISE, PERMANENT);
}

/** A temporary answer's sentence once nothing more will be tried (the queue lifetime ran out): its promise of a retry goes. */
export function withoutRetry(sentence: string): string {
  return sentence.replace(RETRY_PROMISE, '');
}

/** Status for a 2xx reply, when none was given. */
function acceptedStatus(phase: PhaseKey): string {
  return phase === 'rcpt' ? '2.1.5' : phase === 'mail' ? '2.1.0' : '2.0.0';
}

const UNNAMED_REFUSAL =
  'The receiving server refused the whole message after its content with a reply about a bad address that names none of its recipients; it had accepted each of them, so this is no verdict on this address (often a filter), and the address is not suppressed.';

const BEFORE_RECIPIENTS: ReadonlySet<string> = new Set(['connect', 'ehlo', 'starttls', 'auth']);
const REFUSED_BEFORE_RECIPIENTS =
  "The receiving server refused the session before any recipient was offered (at its greeting, our EHLO or STARTTLS), in words that would elsewhere name a bad address; nothing is known about the recipient's address.";
const SENDER_UNKNOWN =
  'The receiving server refused our envelope sender (return path) as unknown or undeliverable; the recipients were not offered yet, so nothing is known about their addresses.';

/**
 * Classifies one SMTP reply (at a phase) or one reported status (phase `dsn`). Never throws; every input
 * gets a category and a sentence.
 */
export function classify(input: ResponseInput): Classification {
  const rawText = input.text ?? '';
  const isDsn = input.phase === 'dsn';
  // A reply the command does not allow (a 250 to DATA, a 354 to RCPT, a 600) is no verdict, whatever it says.
  if (input.error === 'EPROTOCOL') return fixed(OUT_OF_PROTOCOL, input.phase === 'dsn' ? 'dsn' : (input.phase ?? 'unknown'));
  // The message was refused for another recipient's sake: nothing is said about this one.
  if (input.error === 'EOTHERRCPT') return fixed(ANOTHER_RECIPIENT, input.phase ?? 'unknown');
  // mailtrail stopped before the message: its queue claim had lapsed.
  if (input.error === 'ELEASELOST') return fixed(CLAIM_LAPSED, input.phase ?? 'unknown');
  // mailtrail itself was stopping: not the server's doing.
  if (input.error === 'EABORTED') return fixed(/^outcome unknown/.test(rawText) ? STOPPED_AWAITING_REPLY : STOPPED_BY_US, input.phase ?? 'unknown');
  // We did not connect: the address was silent lately.
  if (input.error === 'EUNRESPONSIVE') return fixed(/has had no reply yet/.test(rawText) ? HOST_STALLED : HOST_UNRESPONSIVE, input.phase ?? 'unknown');
  // Our own connection queue for the address was full and standing still (src/delivery/pool.ts `busy`).
  if (input.error === 'ELOCALLIMIT' && /not queued behind them/.test(rawText)) return fixed(LOCAL_QUEUE_FULL, input.phase ?? 'unknown');
  // Our TLS policy stopped the delivery, not the server.
  if (input.error === 'ETLSREQUIRED') return fixed(TLS_REQUIRED_BY_US, input.phase ?? 'unknown');
  // A failed handshake carries the status we gave it (4.7.10): its words (a certificate, a version) say what failed.
  if (input.error === 'ETLS' && input.code === null && input.enhanced !== null) return { ...classify({ ...input, enhanced: null }), enhanced: input.enhanced };
  // A refusal after the message for several recipients that names none: read as it is, but an address verdict
  // ("550 5.1.1 User unknown") cannot be about each of them, which the server had accepted at RCPT.
  if (input.error === 'EUNNAMED') {
    const c = classify({ ...input, error: null });
    return c.hard ? { ...c, category: 'policy', hard: false, explanation: UNNAMED_REFUSAL, rule: `${c.rule}+unnamed` } : c;
  }
  // A step that failed after the server's positive reply (STARTTLS answered 220, then the handshake failed):
  // the failure is what happened, not the reply.
  if (input.error && input.code !== null && input.code < 400)
    return classify({ ...input, code: null, enhanced: null, text: rawText.replace(/\b[23]\.\d{1,3}\.\d{1,3}\b/g, '') });
  const code = input.code ?? codeFromText(rawText);
  // Postfix's address verification quoting the answer its probe got ("undeliverable address: host mx…[…] said: 550 5.7.1
  // Permission denied (in reply to RCPT TO command)", "unverified address: host … said: 452 4.2.2 Over quota"): that
  // answer is the evidence about the address; the relay's own code only says whether to try again, and its X.1.1 only
  // that the probe did not succeed.
  const probe = rawText.includes('address:') ? PROBE_ANSWER.exec(rawText) : null;
  if (probe) {
    const inner = classify({ phase: input.phase, code: codeFromText(probe[1]!), enhanced: null, text: probe[1]!, reportedPhase: input.reportedPhase });
    const outer = codeClass(code) ?? statusClass(normaliseEnhanced(input.enhanced));
    if (inner.category !== 'unknown' && inner.category !== 'accepted' && outer !== null && outer !== 2)
      return {
        ...inner,
        permanent: outer === 5,
        enhanced: inner.enhanced && inner.enhanced.charAt(0) !== String(outer) ? `${outer}${inner.enhanced.slice(1)}` : inner.enhanced,
        rule: `${inner.rule}+verification`,
      };
  }

  const given = normaliseEnhanced(input.enhanced);
  // A status of another class than the code's, quoted elsewhere in a multi-line reply, is not this reply's.
  const inText = parseEnhancedOfClass(rawText, isDsn ? null : codeClass(code));
  // Match on the remote server's own status when it quotes one of the same class: a DSN's "Status:" is
  // often the reporting MTA's guess (5.0.0, or 5.1.1 for a "552 5.2.2 Over quota").
  const st = inText !== null && (given === null || (inText[0] === given[0] && !inText.endsWith('.0.0'))) ? inText : (given ?? inText);

  const cCls = codeClass(code);
  const sCls = statusClass(given ?? inText);
  // A bounce's Status is the reporter's final verdict; a live reply's code is what the client acts on.
  const cls: 2 | 4 | 5 | null = isDsn ? (sCls ?? cCls) : (cCls ?? sCls);

  let phase: PhaseKey = input.phase ?? 'unknown';
  if (phase === 'dsn' || phase === 'unknown') phase = input.reportedPhase ?? (rawText ? phaseFromText(rawText) : null) ?? phase;

  let text = rawText ? normaliseText(rawText) : '';
  if (input.error) text = text ? `${input.error.toLowerCase()} ${text}` : input.error.toLowerCase();

  let hit: CompiledRule | null = null;
  if (cls === 2) {
    hit = TIERS[TIERS.length - 1]![0]!;
  } else {
    outer: for (let t = 0; t < TIERS.length; t++) {
      const tier = TIERS[t]!;
      const any = ANY_HAS[t]!;
      const someHas = any === null || any.test(text);
      for (let i = 0; i < tier.length; i++) {
        const c = tier[i]!;
        if (c.has !== null && (!someHas || !containsOne(text, c.has))) {
          i = c.skip - 1;
          continue;
        }
        if (matches(c, phase, code, cls, st, text)) {
          hit = c;
          break outer;
        }
      }
    }
  }

  const finalCls: 2 | 4 | 5 | null = cls ?? (isDsn ? 5 : (hit?.rule.impliedClass ?? (text !== '' || input.phase !== null ? 4 : null)));
  const category: Category = hit ? hit.rule.category : finalCls === 2 ? 'accepted' : 'unknown';

  let enhanced = given ?? inText;
  if (enhanced === null && finalCls !== null) {
    const template = category === 'accepted' ? acceptedStatus(phase) : (hit?.rule.status ?? CATEGORY_STATUS[category]);
    if (template) enhanced = template[0] === 'X' ? `${finalCls}${template.slice(1)}` : template;
  }

  const said = hit ? sentence(hit.rule.explanation, phase, isDsn) : sentence(DEFAULTS[finalCls ?? 0], phase, isDsn);
  const explanation = finalCls === 5 ? withoutRetryPromise(said) : said;

  const result: Classification = {
    category,
    permanent: finalCls === 5 ? true : finalCls === 4 ? false : finalCls === 2 ? null : false,
    hard: categoryIsHard(category),
    enhanced,
    explanation,
    rule: hit ? hit.id : `default:${phase}/${finalCls ?? 'none'}`,
  };
  // The answer to MAIL FROM comes before any recipient was offered: a "550 5.1.1 User unknown" there is about our
  // sender, no verdict on a recipient's address. (A greeting's 521 or 5.3.2, the host takes no mail at all, stays.)
  if (result.hard && input.phase === 'mail') return { ...result, category: 'policy', hard: false, explanation: SENDER_UNKNOWN };
  // Nor is a refusal of the greeting, of our EHLO or of STARTTLS ("550 Invalid address format in HELO" is about our
  // name): only a host that takes no mail at all (521, 5.3.2) says something about the recipient's domain there.
  if (result.hard && BEFORE_RECIPIENTS.has(input.phase ?? '') && category !== 'no-mail-service') {
    const status = given ?? inText ?? (finalCls === 4 || finalCls === 5 ? `${finalCls}.7.0` : null);
    // (A refusal that names our HELO is about our name, as the HELO rules read it: a protocol matter.)
    const reading: Category = /\b(?:HELO|EHLO)\b/i.test(text) ? 'protocol-error' : 'policy';
    return { ...result, category: reading, hard: false, enhanced: status, explanation: REFUSED_BEFORE_RECIPIENTS };
  }
  // RFC 5321's stock "mailbox unavailable" covers a missing mailbox, no access and policy alike: a status naming
  // the mailbox's state (X.2.x) or a policy (X.7.x) is the more precise of the two ("550 5.2.1 Mailbox not
  // available" is a disabled mailbox), as the bounce parser reads it too (src/bounces/parse/classification.ts).
  if (hit?.id === STOCK_REPLY_RULE && st !== null && (st[2] === '2' || st[2] === '7') && !PROVIDER_UNAVAILABLE.test(text))
    return classify({ phase: input.phase, code: input.code ?? null, enhanced: st, text: null, reportedPhase: input.reportedPhase });
  // A no-such-address status under words that name another cause ("550 5.1.1 Mailbox full"): the words decide.
  if (result.hard && rawText && hit?.id.startsWith('enhanced:')) {
    const words = wordsOverStatus(result, rawText, (t) =>
      classify({ phase: input.phase, code: input.code ?? null, enhanced: null, text: t, error: input.error, reportedPhase: input.reportedPhase }),
    );
    if (words) return { ...words, enhanced: result.enhanced, permanent: result.permanent };
  }
  // A protocol or format status under words about the mailbox ("550 receiptor's mailbox is full(#5.5.4)"): the same.
  if (!result.hard && rawText && hit?.id.startsWith('enhanced:X.')) {
    const words = wordsOverFormatStatus(result, rawText, (t) =>
      classify({ phase: input.phase, code: input.code ?? null, enhanced: null, text: t, error: input.error, reportedPhase: input.reportedPhase }),
    );
    if (words) return { ...words, enhanced: result.enhanced, permanent: result.permanent };
  }
  return result;
}
