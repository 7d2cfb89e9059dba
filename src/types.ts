/**
 * Glossary — the words every part of mailtrail uses, defined once (README links here).
 *
 * message      One piece of mail accepted on the submission listener (or written by mailtrail itself,
 *              such as a DSN): its envelope sender, its raw RFC 5322 bytes, and its recipients.
 * queue id     mailtrail's name for a message (`queueId`, `queue_id` in logs and JSON): 16 characters,
 *              unique, sortable by arrival, given in `250 2.0.0 Ok: queued as <queue id>`.
 * Message-ID   The header field the app wrote (or intake added when it had none); `messageId` in code
 *              and `message_id` in logs, always without `<>`. Not unique: apps resend with the same one,
 *              so a search by Message-ID can find several messages.
 * messageRowId The store's internal row id of a message: never shown to people, who find a message by
 *              its queue id or Message-ID.
 * recipient    One envelope recipient (RCPT TO) of a message. Delivery state lives here, not on the
 *              message: one recipient can be delivered while another bounces (RECIPIENT_STATES below).
 * attempt      One try at handing a message to one destination for a group of its recipients: DNS,
 *              connect, EHLO, STARTTLS, MAIL, RCPT…, DATA, QUIT. Numbered per recipient (1, 2, …).
 * phase        One step of an attempt, with the server's reply (code, enhanced status, text) and its
 *              latency. Recorded as an event of kind `phase`.
 * event        An append-only record in a message's timeline (EVENT_KINDS below). Events are never
 *              changed; they go only with their message, when retention purges old history. The
 *              recipient's state is their summary.
 * verdict      One sentence per recipient saying what finally happened, for a support person to repeat
 *              ("delivered to mx.example.com [192.0.2.5] at 10:02 UTC, accepted 250 2.0.0"); made by
 *              src/query/verdict.ts from the recipient and its events.
 * claim        A delivery side taking due recipients to attempt: one statement (`claimDue`) marks them
 *              with its owner name and a lease, so no other relay or thread attempts them meanwhile.
 * lease        The expiry of a claim (`delivery.lease_ms`), moved forward by a heartbeat while the
 *              attempt runs. A relay that dies leaves leases that lapse; the recipients are claimed
 *              again, the lapsed claim counted as an `interrupted` attempt: never stuck, never lost.
 * hard         Said of an address, not of a reply: the address itself cannot receive mail (unknown
 *              user, domain without mail service, moved). Hard bounces and complaints suppress.
 * permanent    Said of a reply: 5xx, do not retry this message. A permanent failure can be soft
 *              (blocked for reputation, content, size): the address stays usable.
 * DSN          Delivery Status Notification (RFC 3464): the report a mail server sends about a message.
 *              mailtrail reads the ones that come back (src/bounces) and writes its own to senders
 *              (src/dsn); the SMTP DSN extension (RFC 3461: NOTIFY, RET, ENVID, ORCPT) says who wants one.
 * VERP         Variable envelope return path: each recipient's MAIL FROM is `b+<token>@<bounce domain>`,
 *              the token naming the recipient under an HMAC (src/verp), so a bounce names what it is about.
 * ENVID        The RFC 3461 envelope id. An app's ENVID is kept and returned in the DSNs we send it; on
 *              the way out we send ENVID=<queue id>, so a remote DSN's Original-Envelope-Id finds the message.
 */

/** Where a recipient stands. `queued` and `deferred` are the only states that get delivery attempts. */
export const RECIPIENT_STATES = [
  'queued', // accepted, never tried
  'deferred', // tried, failed temporarily, next attempt scheduled
  'delivered', // the next hop answered 2xx after DATA (not proof of inbox delivery: a bounce may follow)
  'bounced', // permanently failed, synchronously (5xx) or asynchronously (a DSN came back)
  'expired', // kept failing temporarily until the maximum queue lifetime ran out
  'suppressed', // not sent: the address is on the suppression list
  'cancelled', // an operator cancelled it before it was delivered
] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

/** States after which mailtrail makes no further delivery attempt. (A `delivered` can still turn `bounced`.) */
export const FINAL_STATES: readonly RecipientState[] = ['delivered', 'bounced', 'expired', 'suppressed', 'cancelled'];

/**
 * The closed set of event kinds. Every record in the events table, every delivery-log line about a
 * message and every webhook uses exactly these words. docs/events.md maps them to ESP vocabularies.
 */
export const EVENT_KINDS = [
  'received', // the message was accepted on submission and committed (per message)
  'phase', // one step of a delivery attempt and the server's reply (dns, connect, ehlo, starttls, mail, rcpt, data, quit)
  'delivered', // the recipient's server accepted the message after DATA (per recipient)
  'deferred', // a temporary failure; another attempt is scheduled (per recipient)
  'bounced', // a permanent failure: a 5xx during delivery, or a bounce that came back later (per recipient)
  'delayed', // a remote server reported it is still trying (DSN Action: delayed); no state change
  'reported', // a remote server reported success or relay (DSN Action: delivered/relayed/expanded); no state change
  'expired', // the recipient was still undelivered when its queue lifetime ran out
  'suppressed', // the recipient was not sent because the address is on the suppression list
  'complained', // the recipient reported the message as spam (ARF feedback report)
  'auto-replied', // an automatic reply (out-of-office, vacation) came back; no state change
  'dsn-sent', // mailtrail queued a delivery status notification (failure or delay) to the sender
  'requeued', // an operator asked for an immediate retry
  'cancelled', // an operator cancelled delivery
  'interrupted', // a claim lapsed without a recorded attempt: the relay holding it stopped; the receiver may have the message
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The steps of an outbound attempt, plus the places where a reply is not part of an attempt. */
export const PHASES = ['dns', 'connect', 'ehlo', 'helo', 'starttls', 'auth', 'mail', 'rcpt', 'data', 'quit', 'submission', 'inbound'] as const;
export type Phase = (typeof PHASES)[number];

/** One event, as stored and as returned. Times are milliseconds since the Unix epoch. */
export interface EventRecord {
  id: number;
  at: number;
  kind: EventKind;
  /** Internal message row id. */
  messageRowId: number;
  /** Internal recipient row id, when the event concerns one recipient. */
  recipientId: number | null;
  /** Attempt number (per recipient) when the event belongs to a delivery attempt. */
  attempt: number | null;
  phase: Phase | null;
  /** Basic SMTP reply code (250, 451, 550…), when a server replied. */
  code: number | null;
  /** RFC 3463 enhanced status code (`5.1.1`), when given or derived. */
  enhanced: string | null;
  /** The reply text, all lines joined with `\n`, without the code prefixes. */
  text: string | null;
  remoteHost: string | null;
  remoteIp: string | null;
  durationMs: number | null;
  /** Kind-specific details (classification, extensions, TLS cipher, DSN fields…), JSON-serialisable. */
  detail: Record<string, unknown> | null;
}

/** What a caller supplies to append an event; the store sets `id`. */
export type NewEvent = Omit<
  EventRecord,
  'id' | 'recipientId' | 'attempt' | 'phase' | 'code' | 'enhanced' | 'text' | 'remoteHost' | 'remoteIp' | 'durationMs' | 'detail'
> &
  Partial<Pick<EventRecord, 'recipientId' | 'attempt' | 'phase' | 'code' | 'enhanced' | 'text' | 'remoteHost' | 'remoteIp' | 'durationMs' | 'detail'>>;

/** RFC 3461 NOTIFY values. `NEVER` excludes the others. */
export type NotifyKeyword = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

export interface TlsInfo {
  protocol: string | null;
  cipher: string | null;
}

/** A message row, without its raw content. */
export interface MessageRecord {
  id: number;
  queueId: string;
  /** Header Message-ID, without angle brackets; null only if the message could not be given one. */
  messageId: string | null;
  /** True when mailtrail generated the Message-ID because the message had none. */
  messageIdAdded: boolean;
  /** Envelope sender (MAIL FROM); '' is the null sender `<>`. */
  mailFrom: string;
  username: string | null;
  clientIp: string | null;
  clientHostname: string | null;
  tls: TlsInfo | null;
  size: number;
  sha256: string;
  tag: string | null;
  /** RFC 3461 ENVID given at submission. */
  envId: string | null;
  /** RFC 3461 RET given at submission. */
  ret: 'FULL' | 'HDRS' | null;
  /** Who made it: an app via submission, or mailtrail itself (a DSN). */
  origin: 'submission' | 'dsn';
  createdAt: number;
}

export interface RecipientRecord {
  id: number;
  messageRowId: number;
  address: string;
  /** Lower-cased domain part (the routing key). */
  domain: string;
  state: RecipientState;
  attempts: number;
  /** When the next attempt is due (queued/deferred), else null. */
  nextAttemptAt: number | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** RFC 3461 NOTIFY keywords; null means the default (FAILURE, and DELAY at our discretion). */
  notify: NotifyKeyword[] | null;
  /** RFC 3461 ORCPT as given (`rfc822;user@example.com`). */
  orcpt: string | null;
  /** The last reply that decided the state, for quick display. */
  lastCode: number | null;
  lastEnhanced: string | null;
  lastText: string | null;
  /** Classification of the last reply (category name, see src/classify). */
  category: string | null;
  hard: boolean | null;
  /** When a delay warning DSN was sent, so it is sent once. */
  delayNotifiedAt: number | null;
  updatedAt: number;
}
