/**
 * The storage interface: the only door to persistent state. Everything else in mailtrail talks to
 * these methods and never sees SQL. Methods return promises even though SQLite answers synchronously,
 * because the PostgreSQL backend (several relays on one database) cannot. Both backends pass one contract
 * (test/store/contract): what a method promises here is what it does on either.
 *
 * Areas, each in its own file: users, messages (intake + reads), queue (delivery state: the queue
 * module is its only caller), events (the timeline), inbound (bounce mail), suppressions, webhooks (the outbox).
 */
import type { DkimKeyStore, MtaStsStore, TlsReportStore, TlsSessionCount } from './deliverability.js';
import type { EventKind, EventRecord, MessageRecord, NewEvent, NotifyKeyword, Phase, RecipientRecord, RecipientState } from '../types.js';

export interface UserRecord {
  id: number;
  name: string;
  passwordHash: string;
  senderDomains: string[];
  createdAt: number;
}

export interface UserStore {
  add(user: { name: string; passwordHash: string; senderDomains: string[]; createdAt: number }): Promise<UserRecord>;
  get(name: string): Promise<UserRecord | null>;
  list(): Promise<UserRecord[]>;
  /** Returns false when there was no such user. */
  remove(name: string): Promise<boolean>;
  count(): Promise<number>;
  /**
   * Sets the user's password hash to `to` only while it is still `from`, so an upgrade of the hash at login
   * never undoes a password changed meanwhile. Returns whether it did.
   */
  replacePasswordHash(name: string, from: string, to: string): Promise<boolean>;
}

/** A message as intake hands it over: everything needed to commit it in one transaction. */
/** A message to enqueue: the row's fields (the store assigns `id` and measures `size`), its content and recipients. */
export interface NewMessage extends Omit<MessageRecord, 'id' | 'size'> {
  raw: Buffer;
  recipients: NewRecipient[];
  /**
   * Detail for the `received` event (user, client, TLS, size, recipient count…). When a recipient carries a
   * `suppressionKey` and some are stored suppressed, its `suppressed` is set to how many (the caller cannot
   * know before the commit).
   */
  receivedDetail: Record<string, unknown>;
}

export interface NewRecipient {
  address: string;
  domain: string;
  notify: NotifyKeyword[] | null;
  orcpt: string | null;
  /** Normally `queued`; `suppressed` when the address is on the suppression list at intake. */
  state: 'queued' | 'suppressed';
  nextAttemptAt: number | null;
  /**
   * The address's suppression-list key (src/suppression/list.ts), for a check made by the enqueue itself:
   * when the key is on the list as the enqueue's transaction sees it, the recipient is stored `suppressed`
   * (never due, with its `suppressed` event), whatever `state` says. One transaction for the check and the
   * write: no round trip of its own on a database across the network, and no entry added in between.
   */
  suppressionKey?: string;
}

export interface EnqueuedMessage {
  message: MessageRecord;
  recipients: RecipientRecord[];
}

export interface MessageStore {
  /**
   * Commits the message, its content, its recipients and its `received` event (and a `suppressed`
   * event per suppressed recipient) atomically: after the promise resolves the message survives a
   * crash; if it rejects, nothing of it was written.
   */
  enqueue(message: NewMessage): Promise<EnqueuedMessage>;
  getById(id: number): Promise<MessageRecord | null>;
  /** The messages with these row ids (those that exist), in one read. */
  getMany(ids: number[]): Promise<MessageRecord[]>;
  getByQueueId(queueId: string): Promise<MessageRecord | null>;
  /** All messages with this header Message-ID (without <>), newest first. */
  findByMessageId(messageId: string): Promise<MessageRecord[]>;
  content(id: number): Promise<Buffer | null>;
  /** The contents of these messages (those that exist), by row id, in one read. */
  contents(ids: number[]): Promise<Map<number, Buffer>>;
  recipients(id: number): Promise<RecipientRecord[]>;
  count(): Promise<number>;
}

export interface EventStore {
  append(event: NewEvent): Promise<EventRecord>;
  appendMany(events: NewEvent[]): Promise<void>;
  /** The message's timeline, oldest first. */
  forMessage(messageRowId: number): Promise<EventRecord[]>;
  /**
   * The events about these recipients of the message that are not SMTP phases (their outcomes, expiry,
   * reports, inbound effects), oldest first. What a report about a few recipients needs, without reading a long history whole (a
   * message of 1,000 recipients retried for days holds hundreds of thousands of events).
   */
  forRecipients(messageRowId: number, recipientIds: readonly number[]): Promise<EventRecord[]>;
  /**
   * The feed every follower reads (log tail, metrics, webhooks): the events after `cursor`, in feed
   * order, each with the message and recipient facts a reader needs to show or route it, and its own
   * cursor. Gap-free: an event that commits after a follower has read past it is still delivered
   * (on PostgreSQL, where a higher id can commit before a lower one, the feed only gives events whose
   * transactions, and all older ones, have ended).
   */
  after(cursor: FeedCursor, limit: number): Promise<FeedEvent[]>;
  /**
   * The same feed as `after` (same events, order and cursors), with only what a counter labels by: no
   * texts, no detail. For followers that count (metrics): during a burst the feed grows by thousands of
   * events a second, and reading each one whole (its parsed detail, texts and addresses) made the metrics
   * follower the largest allocator of the relay's main thread.
   */
  tallyAfter(cursor: FeedCursor, limit: number): Promise<FeedTally[]>;
  /** The position after the newest event so far: where a follower that wants only new events starts. */
  head(): Promise<FeedCursor>;
  /**
   * The last `limit` feed events that match every given filter, oldest first: the backlog `mailtrail tail`
   * prints before it follows `after`. Reads newest first, so its cost follows `limit` unless the filter is rare.
   */
  recent(filter: FeedFilter, limit: number): Promise<FeedEvent[]>;
}

/** What `EventStore.recent` filters on; every given field must match. */
export interface FeedFilter {
  /** Keep events of any of these kinds. */
  kinds?: EventKind[];
  /**
   * Lower-cased ASCII recipient domain. An event about no single recipient matches when its message has a
   * recipient there (`received`), or, for a shared phase (connect, ehlo…), when its transaction does.
   */
  domain?: string;
  /** Header Message-ID without <>, or queue id. */
  message?: string;
}

/**
 * A position in a feed (events, inbound results). Opaque to followers: they keep it and pass it back.
 * (SQLite: the row id, its single writer commits ids in order. PostgreSQL: transaction id and row id.)
 */
export type FeedCursor = string;

/** The cursor before the first event: a follower that wants the whole feed starts here. */
export const FEED_START: FeedCursor = '';

/** An event as followers see it: the record plus the ids and names that find its message again. */
export interface FeedEvent extends EventRecord {
  /** This event's position: pass it to `after` to read what follows. */
  cursor: FeedCursor;
  queueId: string;
  /** Header Message-ID without <>. */
  messageId: string | null;
  tag: string | null;
  /** When the message was accepted (ms): submitted → delivered latency. */
  messageCreatedAt: number;
  mailFrom: string;
  recipient: string | null;
  domain: string | null;
}

/** A feed event as counters see it (`EventStore.tallyAfter`). */
export interface FeedTally {
  /** This event's position: pass it to `tallyAfter` (or `after`) to read what follows. */
  cursor: FeedCursor;
  kind: EventKind;
  phase: Phase | null;
  code: number | null;
  /** When the event happened (ms). */
  at: number;
  /** The message's tag. */
  tag: string | null;
  /** When the message was accepted (ms): submitted → delivered latency. */
  messageCreatedAt: number;
  /** The recipient's domain; null for an event about the whole message. */
  domain: string | null;
  /** The message is mailtrail's own notice (a DSN it wrote), not an app's. */
  own: boolean;
}

/** Claiming due recipients: one statement; a lease instead of a lock, so a crashed worker's claims expire and retry. */
export interface ClaimRequest {
  now: number;
  /** At most this many recipients. */
  limit: number;
  owner: string;
  leaseUntil: number;
  /** Domains not to claim now (saturated or throttled), so busy destinations do not starve the others. */
  excludeDomains?: string[];
}

/** A claimed recipient; `lapsedOwner`: whose claim lapsed for us to take it (null: it was free). */
export interface ClaimedRecipient extends RecipientRecord {
  lapsedOwner: string | null;
}

/** The new state of one recipient after an attempt. */
export interface RecipientUpdate {
  id: number;
  state: 'delivered' | 'deferred' | 'bounced';
  nextAttemptAt: number | null;
  lastCode: number | null;
  lastEnhanced: string | null;
  lastText: string | null;
  category: string | null;
  hard: boolean | null;
  /**
   * With a final state: the report this recipient now owes its sender (failure, or a requested success),
   * or none. Written with the state, so a crash before the report is queued cannot lose it. A retry
   * (`deferred`) keeps whatever report was owed.
   */
  reportOwed?: 'failure' | 'success' | null;
}

/** A delivery status notification a recipient owes its sender (RFC 3461), kept until it is queued. */
export type ReportKind = 'failure' | 'delay' | 'success';

/** Everything one attempt produced, written in one transaction. */
export interface AttemptWrite {
  owner: string;
  at: number;
  /** Phase and outcome events in order. An event with a recipientId is written only if that recipient's update was. */
  events: NewEvent[];
  recipients: RecipientUpdate[];
  /**
   * Addresses to put on the suppression list (hard bounces), each written with the recipient's `bounced`
   * event in the same transaction, and only when that recipient's update was ours.
   */
  suppress?: { recipientId: number; address: string; reason: string }[];
  /** TLS session counts for RFC 8460 reports (one row per key), added when one recipient's update was ours. */
  tlsSessions?: TlsSessionCount[];
}

export interface AttemptWritten {
  /** The recipients as they are now. */
  recorded: RecipientRecord[];
  /** Recipients whose lease was no longer ours (it expired and another worker claimed them): nothing written for them. */
  lost: number[];
}

export interface QueueCounts {
  byState: Partial<Record<RecipientState, number>>;
  /** Waiting recipients currently under a live lease. */
  leased: number;
}

/**
 * One compare-and-set change of a recipient's delivery state. The rules (which states, what text) are
 * the queue module's (src/queue/transitions.ts); the store applies them and decides nothing.
 */
export interface RecipientTransition {
  /** Applied only to a recipient in one of these states now. */
  from: readonly RecipientState[];
  /** The new state; omitted, the state stays (a retry only moves the due time). */
  to?: RecipientState;
  /** The new due time (null: none); omitted, it stays. */
  nextAttemptAt?: number | null;
  /** Clear the lease, so that an attempt in flight finds its claim lost instead of overwriting this. */
  clearLease: boolean;
  /** When a time: leave out recipients under a live lease at that time (being delivered right now). */
  skipLeasedAt: number | null;
  /** The reply that decided the change, kept on the recipient for display. */
  last?: { code: number | null; enhanced: string | null; text: string | null; category: string | null; hard: boolean | null };
  /** The report the change makes due (written with it, cleared by `settleReports` once queued). */
  reportOwed?: ReportKind;
}

/** Delivery state. The queue module (src/queue) is its only caller: no other part changes recipient state. */
export interface QueueStore {
  /** Leases due queued/deferred recipients whose lease is free or expired, oldest due first. */
  claimDue(req: ClaimRequest): Promise<ClaimedRecipient[]>;
  /**
   * Counts a lapsed claim as an attempt whose outcome is unknown: attempts + 1 and an `interrupted` event
   * each (its text from the caller), for recipients we hold now. Returns them as they are after it.
   */
  recordInterrupted(req: {
    owner: string;
    now: number;
    items: { recipientId: number; lapsedOwner: string }[];
    event: { text: string; detail: Record<string, unknown> };
  }): Promise<RecipientRecord[]>;
  /** Moves our lease forward on these recipients; returns the ids still ours (a lost claim is left out). */
  renewLeases(owner: string, ids: number[], leaseUntil: number): Promise<number[]>;
  /** Appends the attempt's events and updates its recipients, for the recipients whose lease is still ours. */
  recordAttempt(write: AttemptWrite): Promise<AttemptWritten>;
  /**
   * Gives up our claims (all of them, or these ids) without an attempt: they are due again at once. Claims
   * live on waiting recipients only (every change to a final state clears its lease); returns how many.
   */
  releaseLeases(owner: string, ids?: number[]): Promise<number>;
  /**
   * Expires waiting recipients of messages created at or before `createdBefore` that nobody else holds a
   * live lease on (ours may be given as `owner`), with an `expired` event each (its text and detail from
   * the caller). Returns them.
   */
  expire(req: {
    now: number;
    createdBefore: number;
    /**
     * With `claimed`: these recipients too, though `owner` holds them (just claimed, not started). Never the
     * others it holds: a running delivery's result is still to come (a delivered message must not be
     * reported failed).
     */
    owner?: string | null;
    claimed?: readonly number[];
    limit: number;
    event: { text: string; detail: Record<string, unknown> };
    /** Record a failure report owed by each recipient expired (when reports are sent). */
    reportOwed?: boolean;
  }): Promise<RecipientRecord[]>;
  /**
   * Applies `transition` to every recipient of the message with this queue id that it fits, with one event
   * each (`event`, made for that recipient), in one transaction. `found` is false when no message has the id.
   */
  transitionMessage(req: {
    queueId: string;
    now: number;
    transition: RecipientTransition;
    event: Pick<NewEvent, 'kind' | 'text' | 'detail'>;
  }): Promise<OperatorActionResult>;
  /**
   * Recipients still waiting (deferred, or queued: not tried yet or requeued) of messages created at or before
   * `createdBefore`, not yet warned, whose NOTIFY includes DELAY or is absent (RFC 3461 leaves the default to
   * the MTA: we warn).
   */
  dueForDelayWarning(req: { createdBefore: number; limit: number }): Promise<RecipientRecord[]>;
  /**
   * Marks a delay warning as due to be sent (and owed until `settleReports`); returns the ids this call
   * marked (not those already marked by someone else).
   */
  markDelayNotified(ids: number[], at: number): Promise<number[]>;
  /**
   * Reports owed whose last try began at or before `staleBefore` (its worker crashed, or the report could
   * not be queued), claimed for another try by setting that time to `now`: two workers never take the same one.
   */
  claimOwedReports(req: { now: number; staleBefore: number; limit: number }): Promise<{ kind: ReportKind; recipient: RecipientRecord }[]>;
  /** The report of this kind is queued (or not wanted after all): these recipients owe it no more. */
  settleReports(ids: number[], kind: ReportKind): Promise<void>;
  countsByState(now: number): Promise<QueueCounts>;
  /** The earliest next_attempt_at among waiting recipients, or null when none wait. */
  nextDueAt(): Promise<number | null>;
  /** Clears leases that lapsed before `now` (they are claimable anyway; this tidies them for display). */
  resetStaleLeases(now: number): Promise<number>;
}

/** What the search endpoint and `mailtrail trace` may filter on. Times in ms since the epoch. */
export interface SearchFilters {
  /** Envelope recipient address, whole but case-insensitive. */
  recipient?: string;
  /** Exact envelope sender ('' = the null sender). */
  sender?: string;
  /** Lower-cased recipient domain. */
  domain?: string;
  /**
   * Messages with at least one recipient in this state (combined with recipient/domain: the same recipient);
   * `complained` (an event, not a state): a recipient that reported the message as spam.
   */
  state?: RecipientState | 'complained';
  /** Header Message-ID (without <>) or queue id, exact. */
  message?: string;
  /** Words of the Subject, each of which must appear (whole words, any case and accents). */
  subject?: string;
  tag?: string;
  /** created_at >= since */
  since?: number;
  /** created_at < until */
  until?: number;
  /** Keyset position: only messages strictly older than this (created_at, id). */
  before?: { createdAt: number; id: number } | null;
  limit: number;
}

/** Who asked for an operator action: the token's name, and the face it came through. */
export interface OperatorRef {
  by: string;
  via: 'api' | 'web';
}

/** Result of an operator action on one message's waiting recipients. */
export interface OperatorActionResult {
  /** False when no message has this queue id. */
  found: boolean;
  /** The recipients the action changed (none when all were final, or in flight for cancel). */
  changed: RecipientRecord[];
}

/** The read model behind `mailtrail trace` and the HTTP API. Reads fetch a whole page in one statement, never one per row. */
export interface QueryStore {
  /** Messages whose header Message-ID (without <>) or queue id is `key`, newest first. */
  findMessages(key: string): Promise<MessageRecord[]>;
  /**
   * findMessages(key) with the found messages' recipients and timelines (as recipientsOf and eventsOf): the
   * reads of one trace. PostgreSQL sends the three statements at once, each finding the messages by key
   * itself, so a trace waits for one round trip instead of two in a row.
   */
  findHistory(key: string): Promise<{ messages: MessageRecord[]; recipients: RecipientRecord[]; events: EventRecord[] }>;
  /** Recipients of these messages, by message then id. */
  recipientsOf(messageRowIds: number[]): Promise<RecipientRecord[]>;
  /** Timelines of these messages, oldest first. */
  eventsOf(messageRowIds: number[]): Promise<EventRecord[]>;
  /** Suppression entries for these (lower-cased) addresses. */
  suppressionsFor(addresses: string[]): Promise<SuppressionRecord[]>;
  /** Messages matching the filters, newest first (created_at DESC, id DESC). */
  search(filters: SearchFilters): Promise<MessageRecord[]>;
  /** The Subject recorded at intake for these messages (row id → subject); messages without one are left out. */
  subjectsOf(messageRowIds: number[]): Promise<Map<number, string>>;
  /** The message each of these events belongs to (a suppression names the event that caused it). */
  messagesOfEvents(eventIds: number[]): Promise<{ eventId: number; queueId: string; messageId: string | null }[]>;
  /** Recipient counts by state, and waiting recipients (queued/deferred) by destination domain. */
  queueOverview(): Promise<{
    byState: Partial<Record<RecipientState, number>>;
    byDomain: { domain: string; state: RecipientState; count: number; oldestCreatedAt: number }[];
  }>;
  /**
   * Waiting recipients only (queued/deferred), read through the partial due index so its cost follows the
   * queue, not the history: counts by state, how many are under a live lease at `now`, and when the oldest
   * waiting message was accepted (null when nothing waits). Read by the metrics gauges at every scrape.
   */
  waitingSummary(now: number): Promise<WaitingSummary>;
}

export interface WaitingSummary {
  queued: number;
  deferred: number;
  /** Of those, recipients a delivery worker holds a live lease on (being delivered right now). */
  leased: number;
  oldestCreatedAt: number | null;
}

export interface ApiTokenRecord {
  id: number;
  name: string;
  /** Hex SHA-256 of the token; the token itself is never stored. */
  sha256: string;
  scope: 'read' | 'admin';
  createdAt: number;
}

/** API bearer tokens made with `mailtrail tokens add`. */
export interface TokenStore {
  add(token: { name: string; sha256: string; scope: 'read' | 'admin'; createdAt: number }): Promise<ApiTokenRecord>;
  findBySha256(sha256: string): Promise<ApiTokenRecord | null>;
  list(): Promise<ApiTokenRecord[]>;
  /** Returns false when there was no such token. */
  remove(name: string): Promise<boolean>;
}

/** One mail accepted on the inbound (bounce) listener, without its raw bytes. */
export interface InboundRecord {
  id: number;
  receivedAt: number;
  /** Envelope sender; '' is the null sender `<>` (most bounces). */
  mailFrom: string;
  rcptTo: string[];
  clientIp: string | null;
  size: number;
  /** Parse result kind; null until processed, or when parsing failed. */
  kind: string | null;
  /** The parse result as stored (a ParseResult, or `{ error }`); null until processed. */
  parse: Record<string, unknown> | null;
  matchedMessageRowId: number | null;
  matchedRecipientId: number | null;
  /** Which correlation rule matched: verp | envid | message-id | recipient-window. */
  matchRule: string | null;
  processedAt: number | null;
}

export interface NewInbound {
  receivedAt: number;
  mailFrom: string;
  rcptTo: string[];
  clientIp: string | null;
  raw: Buffer;
}

/** What one parsed report does to one of our recipients, applied by `InboundStore.record`. */
export interface InboundEffect {
  /** The event to append (bounced, delayed, reported, auto-replied, complained). */
  event: NewEvent & { recipientId: number };
  /** Set for a bounce: the state change the queue's rules give it (src/queue/transitions.ts lateBounce); only the event is written when it does not fit. */
  transition?: RecipientTransition;
  /** Set for a hard bounce or a complaint: the address (as keyed, src/suppression/key.ts) goes on the suppression list, citing the event. */
  suppress?: { address: string; reason: string; source: 'hard-bounce' | 'complaint' };
}

export interface InboundOutcome {
  id: number;
  processedAt: number;
  kind: string | null;
  parse: Record<string, unknown>;
  match: { messageRowId: number; recipientId: number | null; rule: string } | null;
  effects: InboundEffect[];
  /**
   * The mail's digest (envelope and bytes as received). When an earlier mail with the same digest was
   * processed, this one is a second copy: it is marked processed with `duplicate_of` (that mail's id) in its
   * parse, and its effects are not applied (the result is empty).
   */
  digest?: string;
}

/** What one inbound mail came to, without its parse details. */
export interface InboundResult {
  id: number;
  /** This row's position in the results feed. */
  cursor: FeedCursor;
  /** False until the processor has parsed and matched it. */
  processed: boolean;
  /** Parse result kind (bounce, delay, complaint…); null until processed, or when parsing failed. */
  kind: string | null;
  /** Which correlation rule matched it, or null when it matched no message. */
  matchRule: string | null;
  matched: boolean;
}

export interface InboundEffectResult {
  eventId: number;
  /** The recipient's state after the effect. */
  state: RecipientState;
  /** This effect's transition was applied. */
  stateChanged: boolean;
  /** The address is on the suppression list after this effect (added now or earlier). */
  suppressed: boolean;
}

/** Inbound mail (bounces, complaints, auto-replies): stored raw before 250, then parsed, matched and applied. */
export interface InboundStore {
  /** Stores the raw mail durably (the commit is on disk when this resolves) and returns its row. */
  receive(mail: NewInbound): Promise<InboundRecord>;
  get(id: number): Promise<InboundRecord | null>;
  raw(id: number): Promise<Buffer | null>;
  /** Ids of rows never processed (a crash between 250 and processing), oldest first; after `afterId` when given. */
  unprocessed(limit: number, afterId?: number): Promise<number[]>;
  /** Processed rows that matched no message, newest first. */
  listUnmatched(opts: { limit: number }): Promise<InboundRecord[]>;
  /**
   * Rows with an id above `afterId`, oldest first, with only what they came to (never the raw bytes):
   * the feed the metrics follower counts matched and unmatched inbound mail from.
   */
  resultsAfter(cursor: FeedCursor, limit: number): Promise<InboundResult[]>;
  /** The position after the newest inbound row: where a follower that wants only new rows starts. */
  resultsHead(): Promise<FeedCursor>;
  /** All rows, newest first. */
  list(opts: { limit: number }): Promise<InboundRecord[]>;
  /** Rows matched to this message (internal row id), oldest first. */
  forMessage(messageRowId: number): Promise<InboundRecord[]>;
  /**
   * Writes the parse result and match on the row, the effects' events, state changes and suppressions,
   * and marks the row processed: all in one transaction.
   */
  record(outcome: InboundOutcome): Promise<InboundEffectResult[]>;
  /** Correlation lookups. */
  recipientById(id: number): Promise<RecipientRecord | null>;
  /** The recipient with this address (any case) in the most recent message created at or after `since`. */
  latestRecipientByAddress(address: string, since: number): Promise<RecipientRecord | null>;
}

export interface SuppressionRecord {
  /** Lower-cased. */
  address: string;
  reason: string;
  source: 'hard-bounce' | 'complaint' | 'manual';
  /** The event (bounced or complained) that caused it, when there was one. */
  eventId: number | null;
  createdAt: number;
}

/**
 * The suppression list's storage. Addresses are kept and compared exactly as given: callers pass keys
 * made by src/suppression/list.ts (suppressionKey), which owns the rule of what is one address.
 */
/** Where a page of the suppression list ended: its last entry's time and address. */
export interface SuppressionPosition {
  createdAt: number;
  address: string;
}

export interface SuppressionStore {
  /** Adds the address unless it is listed already; `created` says which. An existing entry is left as it was. */
  add(entry: {
    address: string;
    reason: string;
    source: SuppressionRecord['source'];
    eventId?: number | null;
    createdAt: number;
  }): Promise<{ created: boolean; suppression: SuppressionRecord }>;
  /** Returns false when the address was not listed. */
  remove(address: string): Promise<boolean>;
  get(address: string): Promise<SuppressionRecord | null>;
  /**
   * Newest first (then by address); with `contains`, only addresses that contain it (a domain, a name); with
   * `after`, the entries after that one in this order (a page that does not shift when entries are added).
   */
  list(opts?: { limit?: number; offset?: number; contains?: string; after?: SuppressionPosition }): Promise<SuppressionRecord[]>;
  /** Those of these addresses that are listed (one read for a whole envelope). */
  listed(addresses: string[]): Promise<string[]>;
  count(): Promise<number>;
}

export type WebhookState = 'pending' | 'delivered' | 'failed';

/** One webhook POST to one endpoint for one event, as kept in the outbox. */
export interface WebhookDeliveryRecord {
  id: number;
  /** The endpoint's configured name. */
  endpoint: string;
  eventId: number;
  /** The event kind sent. */
  type: string;
  /** The JSON body, exactly as POSTed and signed. */
  payload: string;
  state: WebhookState;
  /** POSTs made so far. */
  attempts: number;
  /** Pending: when it is due (or, while a POST is in flight, when that claim lapses). */
  nextAttemptAt: number | null;
  /** HTTP status of the last attempt; null for a network error, a timeout, or before the first attempt. */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

/** What routing one feed event produced: one row per subscribed endpoint. */
export interface NewWebhookDelivery {
  endpoint: string;
  type: string;
  payload: string;
}

export interface WebhookStageResult {
  /** Feed events read (of every kind) in this batch. */
  events: number;
  /** Outbox rows written. */
  queued: number;
  /** The cursor after the batch: the position of the last event routed. */
  cursor: FeedCursor;
  /** True when there was no cursor yet and this call set it at the newest event (nothing was read). */
  initialised: boolean;
}

/** The outcome of one POST, written in one statement. */
export interface WebhookAttemptWrite {
  id: number;
  at: number;
  /** delivered (2xx), pending (retry at `nextAttemptAt`) or failed (no more attempts). */
  state: WebhookState;
  nextAttemptAt: number | null;
  status: number | null;
  error: string | null;
}

/**
 * The webhook outbox. The dispatcher (src/webhooks) is its only writer: it stages feed events into rows,
 * claims due rows with a lease, and records each POST's outcome. At-least-once, like delivery: a crash
 * during a POST leaves a lease that lapses and the row is sent again (receivers dedupe on the event id).
 */
export interface WebhookStore {
  /**
   * In ONE transaction: reads up to `limit` feed events after the durable cursor, writes the rows `route`
   * returns for each (pending, due at `now`; an (endpoint, event) pair already present is skipped), and moves
   * the cursor past the events read. With no cursor yet it only sets it at the newest event: no replay.
   * `route` must be synchronous and pure; if it throws, nothing is written and the cursor stays.
   */
  stage(req: { now: number; limit: number; route: (event: FeedEvent) => NewWebhookDelivery[] }): Promise<WebhookStageResult>;
  /** The cursor (the last event routed), or null before the first start. */
  cursor(): Promise<FeedCursor | null>;
  /** Leases up to `limit` due pending rows, oldest due first, by moving their due time to `leaseUntil`. */
  /** Claims due rows, oldest due first; none of `excludeEndpoints` (those with all the POSTs in flight they may have). */
  claimDue(req: { now: number; limit: number; leaseUntil: number; excludeEndpoints?: readonly string[] }): Promise<WebhookDeliveryRecord[]>;
  /** Records one POST: attempts + 1, the new state, status and error. */
  recordAttempt(write: WebhookAttemptWrite): Promise<WebhookDeliveryRecord | null>;
  /** Gives claims back without an attempt (stopping mid-POST): these pending rows are due at `at`. */
  release(ids: number[], at: number): Promise<number>;
  /**
   * An operator's retry: a failed row becomes pending, due at `now`, with its attempts reset. A pending or
   * delivered row is left alone (`changed` false): a pending one may be in flight. Null when there is no such row.
   */
  retry(id: number, now: number): Promise<{ changed: boolean; delivery: WebhookDeliveryRecord } | null>;
  get(id: number): Promise<WebhookDeliveryRecord | null>;
  /** Rows in these states (all when omitted), newest first. */
  list(opts: { states?: WebhookState[]; limit: number }): Promise<WebhookDeliveryRecord[]>;
  /** The rows sent (or to be sent) for these events, oldest first. */
  forEvents(eventIds: number[]): Promise<WebhookDeliveryRecord[]>;
  countsByState(): Promise<Partial<Record<WebhookState, number>>>;
}

/** Cut-offs of one purge step, in ms since the epoch: older rows of that kind go; null keeps them. */
export interface PurgeCutoffs {
  /**
   * Messages created before this whose recipients are all final, none changed since this time and none owing
   * a report to the sender, with everything that hangs off them: history is kept `history_days` after delivery
   * ended, not after submission.
   */
  history: number | null;
  /** Webhooks are configured: keep messages with events the webhook router has not read yet (above its cursor). */
  keepUnrouted?: boolean;
  /** Only the content of such messages. */
  content: number | null;
  /** Processed inbound mail received before this that matched no message. */
  inbound: number | null;
  /** Webhook deliveries delivered or failed for good, last touched before this. */
  webhooks: number | null;
}

export interface PurgeCounts {
  messages: number;
  contents: number;
  inbound: number;
  webhooks: number;
}

export interface RetentionStore {
  /**
   * One purge step: deletes at most `limit` rows of each kind past its cut-off, in one transaction. Never
   * touches a message with a recipient still waiting, unprocessed inbound mail or a pending webhook.
   * Call again while any count equals `limit`.
   */
  purge(cutoffs: PurgeCutoffs, limit: number): Promise<PurgeCounts>;
}

/** One destination domain with mail waiting (the support page's queue view). */
export interface WaitingDestination {
  domain: string;
  queued: number;
  deferred: number;
  /** Of those, under a live lease: being delivered right now. */
  active: number;
  /** When the oldest waiting message was accepted. */
  oldestCreatedAt: number;
  /** The earliest next attempt among them. */
  nextAttemptAt: number | null;
  /** The most recently updated waiting recipient that has a last reply, or null when none was tried yet. */
  last: { recipientId: number; at: number; code: number | null; enhanced: string | null; text: string | null; category: string | null } | null;
}

/** Outcome events of one kind in one time bucket. */
export interface OutcomeCount {
  /** Start of the bucket (ms): since + k × bucketMs. */
  bucket: number;
  kind: 'delivered' | 'deferred' | 'bounced' | 'expired' | 'complained';
  count: number;
}

/** A destination domain with failures in a window, and the reply it gave most often. */
export interface FailingDomain {
  domain: string;
  /** Bounced, deferred and expired outcome events in the window. */
  failures: number;
  bounced: number;
  deferred: number;
  /** The most frequent reply among them. */
  top: { code: number | null; enhanced: string | null; text: string | null; count: number; event: EventRecord };
}

/**
 * Aggregate reads for the support page (src/web): the queue by destination, outcomes over time, failing
 * domains. Each reads an index made for it (migration 007), so its cost follows the window or the queue, not the history.
 */
export interface OverviewStore {
  /** Destinations with waiting (queued/deferred) recipients, most waiting first. */
  waitingDestinations(req: { now: number; limit: number }): Promise<WaitingDestination[]>;
  /** Outcome events with since ≤ at < until, counted per bucket of `bucketMs` and kind. Empty buckets are left out. */
  outcomeCounts(req: { since: number; until: number; bucketMs: number }): Promise<OutcomeCount[]>;
  /** Domains with the most failure outcomes since `since`, each with its most common reply. */
  failingDomains(req: { since: number; limit: number }): Promise<FailingDomain[]>;
  /** The latest event of this kind for each of these recipients (those that have one). */
  latestEvents(recipientIds: number[], kind: EventKind): Promise<EventRecord[]>;
}

/** A destination's slow-down (src/queue/throttle.ts), as every relay on the database sees it. */
export interface SharedThrottle {
  domain: string;
  /** Connections allowed now. */
  limit: number;
  level: number;
  pausedUntil: number;
}

/** A relay refused a slot: it asks again until `until`, holding `holding` slots of the key already. */
export interface SlotWaiter {
  owner: string;
  holding: number;
  until: number;
}

/**
 * Limits that must hold across relays: a receiver that allows N connections from us gets N, however
 * many relays share the queue. A slot of a key (`domain:example.com`, `host:192.0.2.7`) is held by one
 * holder until released or until its time runs out (a relay that died stops holding its slots within
 * `delivery.lease_ms`; live ones renew theirs with the queue's heartbeat).
 */
export interface DestinationStore {
  /**
   * Takes a slot of `key` for `holder` when fewer than `limit` live slots are held; false when full. With
   * `waiter`, a refusal also records that relay as waiting for the key until `waiter.until` (see `waiting`),
   * and a grant clears its record.
   */
  acquire(req: { key: string; holder: string; limit: number; now: number; until: number; waiter?: SlotWaiter }): Promise<boolean>;
  /** The keys other relays than `owner` are waiting for as of `now`, with how many relays and whether one holds none. */
  waiting(owner: string, now: number): Promise<Map<string, { relays: number; starving: boolean }>>;
  release(holder: string): Promise<void>;
  /** Moves forward every slot whose holder starts with `prefix` (one relay's heartbeat). */
  renew(prefix: string, until: number): Promise<void>;
  /** The slow-downs in force (paused, or at a lowered limit), as of `now`. */
  throttles(now: number): Promise<SharedThrottle[]>;
  /** Records a destination's slow-down (null: back to normal). */
  setThrottle(domain: string, state: Omit<SharedThrottle, 'domain'> | null, now: number): Promise<void>;
}

/**
 * Wake-ups across relays: a write that makes mail due (intake's commit, a retry written, a claim given
 * back, an operator's requeue) tells every relay listening on the database at once, so their schedulers
 * look now instead of at their next poll. Best effort by design: a wake-up can be missed (the listening
 * connection is down, a relay died between its commit and the signal), so schedulers keep polling
 * (`delivery.poll_interval_ms`) and wake-ups only make them faster. (PostgreSQL: LISTEN/NOTIFY. SQLite:
 * nothing to do — one relay per database, which wakes its own scheduler after intake.)
 */
export interface WakeupStore {
  /**
   * Calls `handlers.wake` whenever a writer on the database, this relay or another, made mail due or moved
   * when it is due, until `close`. Listening stays up by itself: a lost connection is reported once
   * (`lost`), tried again with backoff, and when it is back (`resumed`) `wake` is called once for the
   * wake-ups missed meanwhile.
   */
  subscribe(handlers: WakeupHandlers): WakeupSubscription;
}

export interface WakeupHandlers {
  wake(): void;
  /** Listening stopped (the connection dropped, or could not be made): wake-ups are missed until `resumed`. */
  lost?(err: Error): void;
  /** Listening again after `lost`; `downMs`: how long it was down. */
  resumed?(info: { downMs: number }): void;
}

export interface WakeupSubscription {
  close(): Promise<void>;
}

export interface Store {
  readonly users: UserStore;
  readonly messages: MessageStore;
  readonly events: EventStore;
  readonly query: QueryStore;
  readonly tokens: TokenStore;
  readonly queue: QueueStore;
  readonly inbound: InboundStore;
  readonly suppressions: SuppressionStore;
  readonly webhooks: WebhookStore;
  readonly retention: RetentionStore;
  /** DKIM signing keys and cached MTA-STS policies (src/store/deliverability.ts). */
  readonly dkimKeys: DkimKeyStore;
  readonly mtaSts: MtaStsStore;
  /** TLS session counts and the daily TLS reports sent (RFC 8460). */
  readonly tlsReports: TlsReportStore;
  readonly overview: OverviewStore;
  /** Connection slots and slow-downs per destination, shared by every relay on the database. */
  readonly destinations: DestinationStore;
  /** Telling the schedulers of every relay on the database that mail is due. */
  readonly wakeups: WakeupStore;
  close(): Promise<void>;
}

export type { RecipientState };
