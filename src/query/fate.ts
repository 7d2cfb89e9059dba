/**
 * The fate of a message: for a Message-ID (with or without <>) or a queue id, every message that has
 * it, newest first, with its submission facts, each recipient's state and verdict, and the timeline
 * with the phases of each delivery attempt grouped together.
 *
 * This JSON shape is what `GET /v1/messages/{id}` and `mailtrail trace --json` print (snake_case,
 * ISO 8601 times in UTC). Add fields freely; rename or remove only with a note in the changelog.
 */
import type { Store, SuppressionRecord } from '../store/store.js';
import type { EventKind, EventRecord, MessageRecord, Phase, RecipientRecord, RecipientState, TlsInfo } from '../types.js';
import { domainToMask } from '../classify/own-domain.js';
import { explanationOf, verdictOf, type ClassifyFn, type Verdict } from './verdict.js';
import { bareMessageId } from '../intake/message-id.js';
import { QUEUE_ID } from '../intake/queue-id.js';
import { rememberedClassify as defaultClassify } from './remembered-classify.js';

/**
 * The status as the server sent it: null when the server gave none and the classifier's (kept in `enhanced`
 * for statistics and the DSN's Status, with `detail.status_inferred`) would read as the server's own words.
 */
export function sentStatus(e: { enhanced: string | null; detail?: Record<string, unknown> | null }): string | null {
  return e.detail?.status_inferred === true ? null : e.enhanced;
}

export interface FateEvent {
  id: number;
  at: string;
  kind: EventKind;
  /** The recipient address the event concerns, if one. */
  recipient: string | null;
  attempt: number | null;
  phase: Phase | null;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  remote_host: string | null;
  remote_ip: string | null;
  duration_ms: number | null;
  detail: Record<string, unknown> | null;
  /** Plain English for the reply (every phase's too), as the classifier or the recorder explained it; null for events with their own wording. */
  explanation: string | null;
}

/** One delivery attempt: its phases in order and the outcome for each recipient it carried. */
export interface AttemptEntry {
  type: 'attempt';
  attempt: number | null;
  domain: string | null;
  /** The host and address that gave the last answer. */
  mx: string | null;
  ip: string | null;
  started_at: string;
  finished_at: string;
  recipients: string[];
  phases: FateEvent[];
  outcomes: FateEvent[];
}

export type TimelineEntry = ({ type: 'event' } & FateEvent) | AttemptEntry;

export interface RecipientFate {
  address: string;
  domain: string;
  state: RecipientState;
  /** One line: what happened, where, when and why. */
  verdict: string;
  /** The classifier's plain-English explanation of the deciding answer. */
  explanation: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_code: number | null;
  last_enhanced: string | null;
  last_text: string | null;
  category: string | null;
  hard: boolean | null;
  updated_at: string;
}

export interface MessageFate {
  queue_id: string;
  message_id: string | null;
  /** True when mailtrail gave the message its Message-ID (the app sent none). */
  message_id_added: boolean;
  created_at: string;
  mail_from: string;
  tag: string | null;
  origin: 'submission' | 'dsn';
  submission: {
    user: string | null;
    client_ip: string | null;
    client_hostname: string | null;
    tls: TlsInfo | null;
    size: number;
    env_id: string | null;
    ret: 'FULL' | 'HDRS' | null;
    /** The Subject as recorded at intake (decoded). */
    subject: string | null;
    /** The DKIM signatures added at intake (d=, s=, algorithm); empty when unsigned, null before signing existed. */
    dkim: { d: string; s: string; a: string }[] | null;
    /** Why the message is unsigned, or signed by another domain than its From domain. */
    dkim_note: string | null;
  };
  recipients: RecipientFate[];
  timeline: TimelineEntry[];
  /** Earlier entries the timeline left out (`timeline.limit`), or null when it is whole. */
  timeline_more: TimelineMore | null;
  /** The reports (DSNs) sent to the sender about this message, from its whole history (a paged timeline may not show them). */
  reports_sent: ReportSent[];
}

export interface ReportSent {
  at: string;
  recipient: string | null;
  /** `failure`, `delay`, `success`. */
  type: string | null;
  /** The report's own queue id (a message with its own trace). */
  dsn_queue_id: string | null;
}

/** Which part of a timeline to build: the most recent `limit` entries, before an event id when paging back. */
export interface TimelinePage {
  limit: number;
  /** Only entries that began before this event id (the `before` of the page after). */
  before?: number | null;
}

/** What a timeline page left out: `omitted` earlier entries; the page before them is asked with `before`. */
export interface TimelineMore {
  omitted: number;
  before: number;
}

/**
 * Timeline entries built by default. A message retried to a thousand recipients for days has tens of thousands
 * of attempts: built whole (every answer explained) it was 45 MB of JSON and seconds of the main thread, and
 * submission stalled meanwhile (a scale audit, 2026-12-06). Nobody reads that far on one page; the rest is paged.
 */
export const TIMELINE_LIMIT = 500;
/** The most entries one page may ask for. */
export const TIMELINE_MAX = 5_000;

export interface FateOptions {
  /** The clock for relative wording ("due now", dates shown only when not today). */
  now?: number;
  /** Explains answers recorded without an explanation; default: src/classify. */
  classify?: ClassifyFn;
  /** The part of the timeline to build (default: the latest TIMELINE_LIMIT entries). */
  timeline?: TimelinePage;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function messageFate(store: Pick<Store, 'query'>, idOrMessageId: string, opts: FateOptions = {}): Promise<MessageFate[]> {
  const key = bareMessageId(idOrMessageId);
  if (!key) return [];
  let found = await store.query.findHistory(key);
  // A queue id copied in lower case (queue ids are upper case; a Message-ID's case is kept as it is).
  if (found.messages.length === 0 && key !== key.toUpperCase() && QUEUE_ID.test(key.toUpperCase())) found = await store.query.findHistory(key.toUpperCase());
  const { messages, recipients, events } = found;
  if (messages.length === 0) return [];
  const suppressions = await suppressionsOf(store, recipients);
  return messages.map((m) =>
    buildFate(
      m,
      // One message (nearly every trace): the history is all its own.
      messages.length === 1 ? recipients : recipients.filter((r) => r.messageRowId === m.id),
      messages.length === 1 ? events : events.filter((e) => e.messageRowId === m.id),
      suppressions,
      opts,
    ),
  );
}

/** What verdicts are made of, for a set of messages: recipients, events, and the suppressions behind suppressed recipients. Three reads. */
export async function historyOf(
  store: Pick<Store, 'query'>,
  messageRowIds: number[],
): Promise<{ recipients: RecipientRecord[]; events: EventRecord[]; suppressions: Map<string, SuppressionRecord> }> {
  const [recipients, events] = await Promise.all([store.query.recipientsOf(messageRowIds), store.query.eventsOf(messageRowIds)]);
  return { recipients, events, suppressions: await suppressionsOf(store, recipients) };
}

/** The suppression entries behind suppressed recipients (no read when none is). */
async function suppressionsOf(store: Pick<Store, 'query'>, recipients: RecipientRecord[]): Promise<Map<string, SuppressionRecord>> {
  // Nearly every trace: nobody suppressed, nothing to ask the store (nor arrays and a set to build for it).
  if (!recipients.some((r) => r.state === 'suppressed')) return new Map();
  const suppressedAddresses = [...new Set(recipients.filter((r) => r.state === 'suppressed').map((r) => r.address.toLowerCase()))];
  return new Map((await store.query.suppressionsFor(suppressedAddresses)).map((s) => [s.address, s]));
}

/** The verdict of each recipient of one message (by recipient row id). Shared by the fate and the search results. */
export function verdictsOf(
  m: MessageRecord,
  recipients: RecipientRecord[],
  events: EventRecord[],
  suppressions: Map<string, SuppressionRecord>,
  opts: FateOptions = {},
): Map<number, Verdict> {
  const now = opts.now ?? Date.now();
  const byRecipient = new Map<number, EventRecord[]>();
  for (const e of events) {
    if (e.recipientId === null) continue;
    const list = byRecipient.get(e.recipientId) ?? [];
    list.push(e);
    byRecipient.set(e.recipientId, list);
  }
  return new Map(
    recipients.map((r) => [
      r.id,
      verdictOf({
        recipient: r,
        events: byRecipient.get(r.id) ?? [],
        messageCreatedAt: m.createdAt,
        suppression: suppressions.get(r.address.toLowerCase()) ?? null,
        now,
        classify: opts.classify ?? defaultClassify,
      }),
    ]),
  );
}

export function buildFate(
  m: MessageRecord,
  recipients: RecipientRecord[],
  events: EventRecord[],
  suppressions: Map<string, SuppressionRecord>,
  opts: FateOptions = {},
): MessageFate {
  const address = new Map(recipients.map((r) => [r.id, r.address]));
  const verdicts = verdictsOf(m, recipients, events, suppressions, opts);
  return {
    queue_id: m.queueId,
    message_id: m.messageId,
    message_id_added: m.messageIdAdded,
    created_at: iso(m.createdAt),
    mail_from: m.mailFrom,
    tag: m.tag,
    origin: m.origin,
    submission: {
      user: m.username,
      client_ip: m.clientIp,
      client_hostname: m.clientHostname,
      tls: m.tls,
      size: m.size,
      env_id: m.envId,
      ret: m.ret,
      subject: subjectOf(events),
      ...signatureOf(events),
    },
    recipients: recipients.map((r) => {
      const v = verdicts.get(r.id)!;
      return {
        address: r.address,
        domain: r.domain,
        state: r.state,
        verdict: v.verdict,
        explanation: v.explanation,
        attempts: r.attempts,
        next_attempt_at: r.nextAttemptAt !== null && (r.state === 'queued' || r.state === 'deferred') ? iso(r.nextAttemptAt) : null,
        last_code: r.lastCode,
        last_enhanced: r.lastEnhanced,
        last_text: r.lastText,
        category: r.category,
        hard: r.hard,
        updated_at: iso(r.updatedAt),
      };
    }),
    ...timelinePage(
      events,
      address,
      new Map(recipients.map((r) => [r.id, r.domain])),
      opts.classify ?? defaultClassify,
      opts.timeline ?? { limit: TIMELINE_LIMIT },
    ),
    reports_sent: events
      .filter((e) => e.kind === 'dsn-sent')
      .map((e) => ({
        at: iso(e.at),
        recipient: e.recipientId !== null ? (address.get(e.recipientId) ?? null) : null,
        type: typeof e.detail?.type === 'string' ? e.detail.type : null,
        dsn_queue_id: typeof e.detail?.dsn_queue_id === 'string' ? e.detail.dsn_queue_id : null,
      })),
  };
}

/** The Subject intake recorded on the `received` event (kept here: a paged timeline may not show that event). */
function subjectOf(events: EventRecord[]): string | null {
  const detail = events.find((e) => e.kind === 'received')?.detail;
  return typeof detail?.subject === 'string' ? detail.subject : null;
}

/** The signature facts intake recorded on the `received` event. */
function signatureOf(events: EventRecord[]): Pick<MessageFate['submission'], 'dkim' | 'dkim_note'> {
  const detail = events.find((e) => e.kind === 'received')?.detail;
  const dkim = Array.isArray(detail?.dkim) ? (detail.dkim as { d: string; s: string; a: string }[]) : null;
  return { dkim, dkim_note: typeof detail?.dkim_note === 'string' ? detail.dkim_note : null };
}

function toFateEvent(e: EventRecord, address: Map<number, string>, classify: ClassifyFn): FateEvent {
  const recipient = e.recipientId !== null ? (address.get(e.recipientId) ?? null) : null;
  return {
    id: e.id,
    at: iso(e.at),
    kind: e.kind,
    recipient,
    attempt: e.attempt,
    phase: e.phase,
    code: e.code,
    enhanced: e.enhanced,
    text: e.text,
    remote_host: e.remoteHost,
    remote_ip: e.remoteIp,
    duration_ms: e.durationMs,
    detail: e.detail,
    explanation: explanationOf(e, classify, recipient ? recipient.slice(recipient.lastIndexOf('@') + 1) : null),
  };
}

const OUTCOMES: ReadonlySet<EventKind> = new Set(['delivered', 'deferred', 'bounced']);

/** One timeline entry's events before they are explained: an attempt's phases and outcomes, or one event. */
type RawEntry = { type: 'attempt'; phases: EventRecord[]; outcomes: EventRecord[] } | { type: 'event'; event: EventRecord };

const firstId = (r: RawEntry) => (r.type === 'event' ? r.event.id : (r.phases[0] ?? r.outcomes[0])!.id);

/**
 * Groups the events of one attempt. The queue writes an attempt's phases and outcomes in one
 * transaction, so they are contiguous by id: an attempt starts at a delivery phase and ends before the
 * next event that is not part of it (or the next phase once outcomes were seen). Grouping is cheap; the
 * explanations are the cost, so they are made only for the entries shown (timelinePage).
 */
function group(events: EventRecord[]): RawEntry[] {
  const out: RawEntry[] = [];
  let current: { type: 'attempt'; phases: EventRecord[]; outcomes: EventRecord[] } | null = null;
  const close = () => {
    if (current) out.push(current);
    current = null;
  };
  for (const e of events) {
    const isPhase = e.kind === 'phase' && e.phase !== 'submission' && e.phase !== 'inbound';
    const isOutcome = OUTCOMES.has(e.kind) && e.attempt !== null;
    if (isPhase && current && (current as { outcomes: EventRecord[] }).outcomes.length > 0) close();
    if (isPhase || (isOutcome && current)) {
      current ??= { type: 'attempt', phases: [], outcomes: [] };
      (isPhase ? current.phases : current.outcomes).push(e);
      continue;
    }
    close();
    // An outcome without phases (e.g. written by an older version or a failed DNS step): its own attempt.
    if (isOutcome) out.push({ type: 'attempt', phases: [], outcomes: [e] });
    else out.push({ type: 'event', event: e });
  }
  close();
  return out;
}

/** The whole timeline, every entry explained. */
export function timeline(
  events: EventRecord[],
  address: Map<number, string>,
  domainOf: Map<number, string>,
  classify: ClassifyFn = defaultClassify,
): TimelineEntry[] {
  return group(events).map((r) => built(r, address, domainOf, classify));
}

/** The latest `page.limit` entries (before `page.before`), and what was left out before them. */
export function timelinePage(
  events: EventRecord[],
  address: Map<number, string>,
  domainOf: Map<number, string>,
  classify: ClassifyFn = defaultClassify,
  page: TimelinePage = { limit: TIMELINE_LIMIT },
): { timeline: TimelineEntry[]; timeline_more: TimelineMore | null } {
  let raw = group(events);
  if (page.before != null) raw = raw.filter((r) => firstId(r) < page.before!);
  const shown = raw.slice(Math.max(0, raw.length - page.limit));
  const omitted = raw.length - shown.length;
  return {
    timeline: shown.map((r) => built(r, address, domainOf, classify)),
    timeline_more: omitted > 0 ? { omitted, before: firstId(shown[0]!) } : null,
  };
}

function built(r: RawEntry, address: Map<number, string>, domainOf: Map<number, string>, classify: ClassifyFn): TimelineEntry {
  if (r.type === 'event') return { type: 'event', ...toFateEvent(r.event, address, classify) };
  const a: AttemptEntry = {
    type: 'attempt',
    attempt: null,
    domain: null,
    mx: null,
    ip: null,
    started_at: '',
    finished_at: '',
    recipients: [],
    phases: [],
    outcomes: [],
  };
  // The attempt's phase events without a recipient (connect, EHLO, MAIL, DATA…), with their explanations: the
  // attempt's domain is known only from its outcomes, and a reply naming that domain is explained as the
  // deliverer read it (classify/own-domain.ts).
  const unaddressed: Array<[EventRecord, FateEvent]> = [];
  let finishedAt = 0;
  const all = [...r.phases, ...r.outcomes];
  for (const e of all) {
    const fe = toFateEvent(e, address, classify);
    const isPhase = r.phases.includes(e);
    if (a.started_at === '') a.started_at = fe.at;
    (isPhase ? a.phases : a.outcomes).push(fe);
    if (isPhase && e.recipientId === null && fe.explanation !== null) unaddressed.push([e, fe]);
    // A phase ends its duration after it began; an outcome is written when the attempt is over (its duration
    // is the whole attempt's, counted back from then).
    finishedAt = Math.max(finishedAt, isPhase ? e.at + (e.durationMs ?? 0) : e.at);
    if (a.attempt === null && e.attempt !== null) a.attempt = e.attempt;
    if (e.remoteHost) a.mx = e.remoteHost;
    if (e.remoteIp) a.ip = e.remoteIp;
    if (e.recipientId !== null) {
      if (fe.recipient) a.recipients.push(fe.recipient);
      a.domain ??= domainOf.get(e.recipientId) ?? null;
    }
  }
  if (r.phases.length === 0) {
    // An outcome alone: its own attempt, over when it was written.
    a.finished_at = a.started_at;
    return a;
  }
  const domain = a.domain;
  if (domain && domainToMask(domain)) for (const [e, fe] of unaddressed) fe.explanation = explanationOf(e, classify, domain);
  a.recipients = [...new Set(a.recipients)];
  a.finished_at = iso(finishedAt);
  return a;
}
