/**
 * One line per recipient that says what finally happened, in words a support person can repeat to a
 * customer: "delivered to mx.example.com [192.0.2.5] at 10:02 UTC, accepted 250 2.0.0". Pure functions
 * of the recipient, its events and the clock, so they are tested without a database.
 */
import { withoutRetry } from '../classify/classify.js';
import { replyNamesToMask } from '../classify/own-domain.js';
import type { Classification, ResponseInput } from '../classify/types.js';
import type { SuppressionRecord } from '../store/store.js';
import type { EventRecord, RecipientRecord } from '../types.js';

export type ClassifyFn = (input: ResponseInput) => Classification;

/** Events whose reply the classifier can explain; the others carry their own wording. */
const CLASSIFIABLE: ReadonlySet<EventRecord['kind']> = new Set(['delivered', 'deferred', 'bounced', 'delayed']);

const DAY_MS = 86_400_000;

/** `10:02 UTC` when `at` falls on the same UTC day as `now`, else `2024-05-01 10:02 UTC`. */
export function clock(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  // The same UTC day: JavaScript's days are exactly DAY_MS long (no leap seconds).
  const sameDay = Math.floor(at / DAY_MS) === Math.floor(now / DAY_MS);
  return `${sameDay ? '' : iso.slice(0, 10) + ' '}${iso.slice(11, 16)} UTC`;
}

/** A rounded, readable duration: `40 s`, `12 min`, `2 h`, `5 days`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  const days = Math.round(h / 24);
  return `${days} day${days === 1 ? '' : 's'}`;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Reads a classification written flat (`detail.category`) or nested (`detail.classification.category`). */
export function detailField(e: EventRecord | undefined, key: string): unknown {
  const d = e?.detail;
  if (!d) return undefined;
  if (d[key] !== undefined) return d[key];
  const c = d.classification as Record<string, unknown> | undefined;
  return c && typeof c === 'object' ? c[key] : undefined;
}

/**
 * The plain-English explanation of an event: as recorded, else from the classifier, else null. Every
 * server reply has one, the phases of an attempt included (the trace, the API and the page show it
 * beside each reply); events that carry their own wording (received, dsn-sent…) have none.
 */
export function explanationOf(e: EventRecord | undefined, classifyFn?: ClassifyFn, recipientDomain?: string | null): string | null {
  if (!e) return null;
  const recorded = str(detailField(e, 'explanation'));
  if (recorded) return recorded;
  if (!classifyFn) return null;
  // The recipient's own domain and the answering host's in the reply are names, as the deliverer read them
  // (classify/own-domain.ts).
  const own = replyNamesToMask(recipientDomain, e.remoteHost);
  const classify: ClassifyFn = own ? (input) => classifyFn({ ...input, text: own.mask(input.text ?? null) }) : classifyFn;
  if (e.kind === 'phase') {
    const error = str(e.detail?.error);
    // A step without a reply and without an error (a DNS answer) says all in its text.
    if (e.phase === 'submission' || e.phase === 'inbound' || (e.code === null && !error)) return null;
    return classify({ phase: e.phase, code: e.code, enhanced: e.enhanced, text: e.text, error }).explanation;
  }
  if (!CLASSIFIABLE.has(e.kind) || (e.code === null && e.enhanced === null)) return null;
  const phase = e.kind === 'bounced' && e.attempt === null ? 'dsn' : e.phase;
  return classify({ phase: phase === 'submission' || phase === 'inbound' ? 'dsn' : phase, code: e.code, enhanced: e.enhanced, text: e.text }).explanation;
}

function categoryOf(e: EventRecord | undefined, r: RecipientRecord, classify?: ClassifyFn): string | null {
  const c = str(detailField(e, 'category')) ?? (e && e.kind === r.state ? r.category : null);
  if (c) return c;
  if (e && classify && CLASSIFIABLE.has(e.kind) && (e.code !== null || e.enhanced !== null)) {
    const names = replyNamesToMask(r.domain, e.remoteHost);
    return classify({ phase: e.phase, code: e.code, enhanced: e.enhanced, text: names ? names.mask(e.text) : e.text }).category;
  }
  return null;
}

/**
 * A connection that broke after the message content was sent, before the server's reply to it: the server
 * may have kept the message (many do once the final dot is in), so the next attempt may deliver it twice.
 */
export function lostAfterData(e: EventRecord | undefined): boolean {
  if (!e || e.phase !== 'data') return false;
  // A phase: the body was on its way (DATA's 354 is recorded with it) and no verdict came back.
  if (e.kind === 'phase') return e.detail?.intermediate !== undefined && (e.code === null || e.detail?.error === 'EPROTOCOL');
  if (e.kind !== 'deferred') return false;
  // An outcome says so (`after_body`); one recorded before it did (no such key) had no code exactly then.
  const afterBody = e.detail?.after_body;
  return typeof afterBody === 'boolean' ? afterBody : e.code === null;
}

const LOST_AFTER_DATA = 'connection lost during or right after sending the message';
const MAYBE_DUPLICATE = 'the receiver may already have it, so a duplicate is possible';

/** `mailbox full (soft, 5.2.2)`: what was wrong, whether the address is bad, and the status. */
function reason(e: EventRecord | undefined, r: RecipientRecord, opts: { withHardness: boolean; classify?: ClassifyFn }): string {
  if (lostAfterData(e)) return `${LOST_AFTER_DATA}${e!.enhanced ? ` (${e!.enhanced})` : ''}; ${MAYBE_DUPLICATE}`;
  const category = categoryOf(e, r, opts.classify);
  const status = e?.enhanced ?? (e?.code != null ? String(e.code) : null) ?? r.lastEnhanced ?? (r.lastCode !== null ? String(r.lastCode) : null);
  const hardValue = detailField(e, 'hard');
  const hard = typeof hardValue === 'boolean' ? hardValue : r.hard;
  const what = category ? category.replace(/-/g, ' ') : (firstLine(e?.text ?? r.lastText) ?? 'no reason given');
  const extras = [opts.withHardness && hard !== null ? (hard ? 'hard' : 'soft') : null, status].filter(Boolean);
  return extras.length ? `${what} (${extras.join(', ')})` : what;
}

function firstLine(text: string | null | undefined): string | null {
  if (!text) return null;
  const line = text.split('\n')[0].trim();
  return line.length > 120 ? line.slice(0, 117) + '…' : line;
}

/** Who did an operator action, from its event's detail: `ops-admin via the web page`, or `an operator`. */
export function operatorName(detail: Record<string, unknown> | null | undefined): string {
  const by = str(detail?.by);
  const via = detail?.via === 'web' ? ' via the web page' : detail?.via === 'api' ? ' via the API' : '';
  return by ? `${by}${via}` : 'an operator';
}

const hostAndIp = (host: string | null | undefined, ip: string | null | undefined) => [host, ip ? `[${ip}]` : null].filter(Boolean).join(' ');

function lastOf(events: EventRecord[], kind: EventRecord['kind'], before = Infinity): EventRecord | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i].kind === kind && events[i].at <= before) return events[i];
  return undefined;
}

export interface VerdictInput {
  recipient: RecipientRecord;
  /** This recipient's events, oldest first. */
  events: EventRecord[];
  messageCreatedAt: number;
  suppression: SuppressionRecord | null;
  now: number;
  classify?: ClassifyFn;
}

export interface Verdict {
  verdict: string;
  /** Plain English from the classifier for the event that decided the state (null if none applies). */
  explanation: string | null;
  /** The event the verdict rests on. */
  decidedBy: EventRecord | null;
}

export function verdictOf(v: VerdictInput): Verdict {
  const { recipient: r, events, now, classify } = v;
  const attempts = `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`;
  let line: string;
  let decided: EventRecord | undefined;
  switch (r.state) {
    case 'delivered': {
      decided = lastOf(events, 'delivered');
      const where = hostAndIp(decided?.remoteHost, decided?.remoteIp);
      const code = [decided?.code ?? r.lastCode, decided?.enhanced ?? r.lastEnhanced].filter((x) => x !== null && x !== undefined).join(' ');
      line = `delivered${where ? ` to ${where}` : ''}${decided ? ` at ${clock(decided.at, now)}` : ''}${code ? `, accepted ${code}` : ''}`;
      // An earlier attempt that broke after the content was sent may have delivered it already.
      const lost = events.find((e) => e.kind === 'deferred' && lostAfterData(e) && (!decided || e.at <= decided.at));
      const interrupted = events.find((e) => e.kind === 'interrupted' && (!decided || e.at <= decided.at));
      if (lost) line += `; an earlier attempt (${clock(lost.at, now)}) lost the connection right after sending the message, so the recipient may have it twice`;
      else if (interrupted)
        line += `; an earlier attempt was interrupted (the relay stopped, noticed ${clock(interrupted.at, now)}) before its result was recorded, so the recipient may have it twice`;
      break;
    }
    case 'bounced': {
      decided = lastOf(events, 'bounced');
      const delivered = decided ? lastOf(events, 'delivered', decided.at) : undefined;
      const why = reason(decided, r, { withHardness: true, classify });
      if (delivered && decided) {
        const reporter = (
          str(detailField(decided, 'reportingMta')) ??
          str(detailField(decided, 'reporting_mta')) ??
          str(detailField(decided, 'remoteMta')) ??
          str(detailField(decided, 'remote_mta')) ??
          decided.remoteHost
        )?.replace(/^dns;\s*/i, '');
        // Both moments, not their difference: "bounced 0 s after delivery" told nobody anything.
        const to = delivered.remoteHost ? ` to ${delivered.remoteHost}` : '';
        line = `bounced after delivery: ${why}; delivered${to} at ${clock(delivered.at, now)}, bounce reported${reporter ? ` by ${reporter}` : ''} at ${clock(decided.at, now)}`;
      } else {
        const where = hostAndIp(decided?.remoteHost, decided?.remoteIp);
        line = `bounced${where ? ` by ${where}` : ''}${decided ? ` at ${clock(decided.at, now)}` : ''}: ${why}`;
      }
      break;
    }
    case 'deferred': {
      decided = lastOf(events, 'deferred');
      const next = r.nextAttemptAt !== null ? `, next attempt ${r.nextAttemptAt <= now ? 'due now' : clock(r.nextAttemptAt, now)}` : '';
      line = `deferred ${r.attempts} time${r.attempts === 1 ? '' : 's'}${next}: ${reason(decided, r, { withHardness: false, classify })}`;
      break;
    }
    case 'queued': {
      const due = r.nextAttemptAt === null || r.nextAttemptAt <= now ? 'due now' : `at ${clock(r.nextAttemptAt, now)}`;
      line = r.attempts === 0 ? `queued, not tried yet; first attempt ${due}` : `queued for another attempt ${due}, after ${attempts}`;
      decided = lastOf(events, 'interrupted');
      if (decided) line += `; the last one was interrupted (the relay stopped before recording it): ${MAYBE_DUPLICATE}`;
      break;
    }
    case 'suppressed': {
      decided = lastOf(events, 'suppressed');
      const s = v.suppression;
      line = s
        ? `suppressed: address on the suppression list since ${clock(s.createdAt, now)} (${s.source}: ${s.reason}); not sent`
        : 'suppressed: the address was on the suppression list when the message was submitted (it has been removed since); not sent';
      break;
    }
    case 'expired': {
      decided = lastOf(events, 'expired');
      const lastTry = lastOf(events, 'deferred');
      const lasted = decided ? ` after ${duration(decided.at - v.messageCreatedAt)} in the queue` : '';
      line = `expired${lasted} (${attempts}): last answer ${reason(lastTry, r, { withHardness: false, classify })}`;
      break;
    }
    case 'cancelled': {
      decided = lastOf(events, 'cancelled');
      line = `cancelled by ${operatorName(decided?.detail)}${decided ? ` at ${clock(decided.at, now)}` : ''} after ${attempts}; not delivered`;
      break;
    }
  }
  // Later news that does not change the state but matters to the sender.
  const complaint = lastOf(events, 'complained');
  if (complaint) line += `; the recipient reported it as spam at ${clock(complaint.at, now)}`;
  const autoReply = lastOf(events, 'auto-replied');
  if (autoReply && r.state === 'delivered') line += `; an automatic reply came back at ${clock(autoReply.at, now)}`;
  // The "why" for an expired recipient is its last failure (without its promise of a retry), then the expiry.
  const lastFailure = r.state === 'expired' ? explanationOf(lastOf(events, 'deferred'), classify, r.domain) : null;
  const explained = lastFailure
    ? `${withoutRetry(lastFailure)} mailtrail stopped trying when the maximum queue lifetime ran out.`
    : explanationOf(decided, classify, r.domain);
  return { verdict: line, explanation: explained, decidedBy: decided ?? null };
}
