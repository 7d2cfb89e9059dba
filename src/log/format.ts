/**
 * Feed event → one line of the live delivery log (`mailtrail tail`): a JSON object with the log schema's
 * field names, or a pretty, optionally coloured line for people. Pure: no I/O, no clock, no environment
 * (the caller decides on colour with `colorWanted`), so the same event always prints the same line.
 */
import { replyLine } from '../classify/reply-line.js';
import type { FeedEvent } from '../store/store.js';
import type { EventKind } from '../types.js';
import { CONTROL, CONTROL_BUT_NEWLINE } from './printable.js';

/**
 * One `mailtrail tail --json` line. The names are those of the log schema (README "Log schema"), so one
 * jq filter reads both; `event` is the event kind (the timeline's closed vocabulary, src/types.ts), and
 * `id` the feed position. Every field is always present, null when it does not apply.
 */
export interface TailRecord {
  time: string;
  id: number;
  event: EventKind;
  queue_id: string;
  /** Header Message-ID without <>. */
  message_id: string | null;
  recipient: string | null;
  domain: string | null;
  /** Envelope sender of the message ('' = the null sender). */
  sender: string;
  tag: string | null;
  attempt: number | null;
  phase: string | null;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  mx: string | null;
  ip: string | null;
  duration_ms: number | null;
  /** delivered | deferred | bounced for those kinds (as on `delivery.attempt` lines), else null. */
  outcome: 'delivered' | 'deferred' | 'bounced' | null;
  category: string | null;
  hard: boolean | null;
  /** ISO 8601, for `deferred`. */
  next_attempt_at: string | null;
  /** Network/TLS error code of a phase that ended without a reply (ECONNREFUSED…). */
  error: string | null;
  detail: Record<string, unknown> | null;
}

const OUTCOMES = new Set<EventKind>(['delivered', 'deferred', 'bounced']);

export function toTailRecord(e: FeedEvent): TailRecord {
  const d = e.detail ?? {};
  const next =
    typeof d.next_attempt_at === 'number' ? new Date(d.next_attempt_at).toISOString() : typeof d.next_attempt_at === 'string' ? d.next_attempt_at : null;
  return {
    time: new Date(e.at).toISOString(),
    id: e.id,
    event: e.kind,
    queue_id: e.queueId,
    message_id: e.messageId,
    recipient: e.recipient,
    domain: e.domain,
    sender: e.mailFrom,
    tag: e.tag,
    attempt: e.attempt,
    phase: e.phase,
    code: e.code,
    enhanced: e.enhanced,
    text: e.text,
    mx: e.remoteHost,
    ip: e.remoteIp,
    duration_ms: e.durationMs,
    outcome: OUTCOMES.has(e.kind) ? (e.kind as TailRecord['outcome']) : null,
    category: typeof d.category === 'string' ? d.category : null,
    hard: typeof d.hard === 'boolean' ? d.hard : null,
    next_attempt_at: next,
    error: typeof d.error === 'string' ? d.error : null,
    detail: e.detail,
  };
}

export function formatJson(e: FeedEvent): string {
  return JSON.stringify(toTailRecord(e));
}

/**
 * Whether to colour, as Node decides for its own output: FORCE_COLOR set decides (0 or false: no colour,
 * anything else: colour); otherwise NO_COLOR (any non-empty value, no-color.org) turns it off; otherwise
 * only on a terminal.
 */
export function colorWanted(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  return isTTY;
}

type Paint = (s: string) => string;
const sgr =
  (open: number, close: number): Paint =>
  (s) =>
    `\x1b[${open}m${s}\x1b[${close}m`;
const PAINT = {
  dim: sgr(2, 22),
  bold: sgr(1, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  blue: sgr(34, 39),
  magenta: sgr(35, 39),
  cyan: sgr(36, 39),
};
const PLAIN: typeof PAINT = {
  dim: (s) => s,
  bold: (s) => s,
  red: (s) => s,
  green: (s) => s,
  yellow: (s) => s,
  blue: (s) => s,
  magenta: (s) => s,
  cyan: (s) => s,
};
export type Palette = typeof PAINT;

/** The colours of a pretty line (SGR sequences), or none: every colour then returns its text as it is. */
export function palette(color: boolean): Palette {
  return color ? PAINT : PLAIN;
}

/** Red for what failed for good, yellow for what will be retried or waits, green for hand-overs. */
const KIND_COLOR: Record<EventKind, keyof Palette> = {
  received: 'blue',
  phase: 'dim',
  delivered: 'green',
  deferred: 'yellow',
  bounced: 'red',
  delayed: 'yellow',
  reported: 'green',
  expired: 'red',
  suppressed: 'magenta',
  complained: 'red',
  'auto-replied': 'cyan',
  'dsn-sent': 'cyan',
  requeued: 'cyan',
  cancelled: 'magenta',
  interrupted: 'yellow',
};

/** Longest kind is `auto-replied`. */
const KIND_WIDTH = 12;
const TEXT_MAX = 160;

/**
 * `2024-05-01 10:02:00.000Z  delivered     QNEWER0001  alice@example.com  250 2.0.0 Ok  via mx.example.com [127.0.1.5]  attempt 1  45 ms`
 * Time in UTC; the reply text on one line, cut at 160 characters (`--json` has it whole).
 */
export function formatPretty(e: FeedEvent, opts: { color: boolean }): string {
  const p = palette(opts.color);
  // Remote replies and headers are untrusted: no control character reaches the terminal.
  const r = sanitize(toTailRecord(e));
  const time = r.time.replace('T', ' ');
  const kind = p[KIND_COLOR[e.kind]](e.kind.padEnd(KIND_WIDTH));
  const parts: string[] = [p.dim(time), kind, p.bold(r.queue_id)];

  // Codes once even when the text repeats them ("250 2.1.0 Ok", not "250 2.1.0 2.1.0 Ok").
  const reply = r.code !== null || r.enhanced || r.text ? replyLine({ code: r.code, enhanced: r.enhanced, text: r.text }, { join: ' / ', max: TEXT_MAX }) : '';
  const via = r.mx || r.ip ? `via ${[r.mx, r.ip && r.ip !== r.mx ? `[${r.ip}]` : null].filter(Boolean).join(' ')}` : null;
  const detail = (r.detail ?? {}) as Record<string, unknown>;

  switch (e.kind) {
    case 'received': {
      const count = typeof detail.recipients === 'number' ? `${detail.recipients} recipient${detail.recipients === 1 ? '' : 's'}` : null;
      parts.push(`from <${r.sender}>`, ...opt(count), ...opt(r.message_id && `<${r.message_id}>`), ...opt(r.tag && `tag ${r.tag}`));
      break;
    }
    case 'phase': {
      parts.push(r.phase ?? '?');
      parts.push(
        ...opt(reply || (r.error ? p.red(r.error) : null)),
        ...opt(via),
        ...opt(r.recipient && `(${r.recipient})`),
        ...opt(r.duration_ms !== null && `${r.duration_ms} ms`),
      );
      break;
    }
    default: {
      parts.push(...opt(r.recipient));
      if (r.attempt !== null && e.phase !== 'inbound') parts.push(`attempt ${r.attempt}`);
      if (reply)
        parts.push(e.kind === 'bounced' || e.kind === 'expired' || e.kind === 'complained' ? p.red(reply) : e.kind === 'deferred' ? p.yellow(reply) : reply);
      if (e.phase === 'inbound') parts.push(...opt(r.mx && `reported by ${r.mx}`));
      else parts.push(...opt(via));
      parts.push(...opt(r.category && `[${r.category}${r.hard ? ', hard' : ''}]`));
      if (r.next_attempt_at) parts.push(`next ${r.next_attempt_at.replace('T', ' ')}`);
      if (e.kind === 'dsn-sent')
        parts.push(
          ...opt(typeof detail.type === 'string' && `${detail.type} report`),
          ...opt(typeof detail.dsn_queue_id === 'string' && `as ${detail.dsn_queue_id}`),
        );
    }
  }
  return parts.join('  ');
}

function opt<T>(x: T | null | undefined | false | ''): T[] {
  return x === null || x === undefined || x === false || x === '' ? [] : [x];
}

/** Replaces control characters (escape sequences above all) in every string the pretty line may show; `text` keeps \n for replyLine to join. */
function sanitize(r: TailRecord): TailRecord {
  const out = { ...r } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string') out[k] = v.replace(k === 'text' ? CONTROL_BUT_NEWLINE : CONTROL, '?');
  const d = r.detail;
  if (d) out.detail = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, typeof v === 'string' ? v.replace(CONTROL, '?') : v]));
  return out as unknown as TailRecord;
}
