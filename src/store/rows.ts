/**
 * Row shapes as the SQL backends return them, and their mapping to the typed records of src/types.ts and
 * ./store.ts. One mapper per table, shared by both backends, so every query that selects `*` from a table
 * returns the same record on either. The two drivers differ in two ways only, absorbed here: a boolean is
 * 0/1 from SQLite and true/false from PostgreSQL, and a JSON column is text from SQLite and already
 * parsed from PostgreSQL (`json` columns).
 */
import type { DkimAlgorithm, DkimKeyRecord, MtaStsPolicyRecord, TlsSessionCount } from './deliverability.js';
import type { ApiTokenRecord, FeedEvent, InboundRecord, SuppressionRecord, UserRecord, WebhookDeliveryRecord, WebhookState } from './store.js';
import type { EventKind, EventRecord, MessageRecord, NotifyKeyword, Phase, RecipientRecord, RecipientState } from '../types.js';

/** A boolean column: SQLite gives 0/1, PostgreSQL true/false. */
type Bool = number | boolean;
/** A JSON column: SQLite gives its text, PostgreSQL the parsed value. */
type Json<T> = string | T;

const bool = (v: Bool): boolean => v === true || v === 1;
function json<T>(v: Json<T>): T {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

export interface MessageRow {
  id: number;
  queue_id: string;
  message_id: string | null;
  message_id_added: Bool;
  mail_from: string;
  username: string | null;
  client_ip: string | null;
  client_hostname: string | null;
  tls: Json<MessageRecord['tls']> | null;
  size: number;
  /** Hex; SQLite stores new ones as their 32 bytes (migration 009), PostgreSQL all as BYTEA. */
  sha256: string | Uint8Array;
  tag: string | null;
  env_id: string | null;
  ret: 'FULL' | 'HDRS' | null;
  origin: 'submission' | 'dsn';
  created_at: number;
}

export function toMessage(r: MessageRow): MessageRecord {
  return {
    id: r.id,
    queueId: r.queue_id,
    messageId: r.message_id,
    messageIdAdded: bool(r.message_id_added),
    mailFrom: r.mail_from,
    username: r.username,
    clientIp: r.client_ip,
    clientHostname: r.client_hostname,
    tls: r.tls ? json(r.tls) : null,
    size: r.size,
    // PostgreSQL's BYTEA comes as a Buffer, or as '\\x<hex>' text from row_to_json.
    sha256: typeof r.sha256 === 'string' ? r.sha256.replace(/^\\x/, '') : Buffer.from(r.sha256).toString('hex'),
    tag: r.tag,
    envId: r.env_id,
    ret: r.ret,
    origin: r.origin,
    createdAt: r.created_at,
  };
}

export interface RecipientRow {
  id: number;
  message_id: number;
  address: string;
  domain: string;
  state: RecipientState;
  attempts: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  notify: string | null;
  orcpt: string | null;
  last_code: number | null;
  last_enhanced: string | null;
  last_text: string | null;
  category: string | null;
  hard: Bool | null;
  delay_notified_at: number | null;
  updated_at: number;
}

export function toRecipient(r: RecipientRow): RecipientRecord {
  return {
    id: r.id,
    messageRowId: r.message_id,
    address: r.address,
    domain: r.domain,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until,
    notify: r.notify ? (r.notify.split(',') as NotifyKeyword[]) : null,
    orcpt: r.orcpt,
    lastCode: r.last_code,
    lastEnhanced: r.last_enhanced,
    lastText: r.last_text,
    category: r.category,
    hard: r.hard === null ? null : bool(r.hard),
    delayNotifiedAt: r.delay_notified_at,
    updatedAt: r.updated_at,
  };
}

export interface EventRow {
  id: number;
  at: number;
  message_id: number;
  recipient_id: number | null;
  kind: EventKind;
  attempt: number | null;
  phase: Phase | null;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  remote_host: string | null;
  remote_ip: string | null;
  duration_ms: number | null;
  detail: Json<Record<string, unknown>> | null;
}

export function toEvent(r: EventRow): EventRecord {
  return {
    id: r.id,
    at: r.at,
    kind: r.kind,
    messageRowId: r.message_id,
    recipientId: r.recipient_id,
    attempt: r.attempt,
    phase: r.phase,
    code: r.code,
    enhanced: r.enhanced,
    text: r.text,
    remoteHost: r.remote_host,
    remoteIp: r.remote_ip,
    durationMs: r.duration_ms,
    detail: r.detail ? json(r.detail) : null,
  };
}

/**
 * The feed's columns (the same SQL on both backends): an event with the message and recipient facts
 * followers need. `events` is where the backend reads events from (SQLite: the view event_records).
 */
export const feedSelect = (events: string) => `SELECT e.*, m.queue_id AS m_queue_id, m.message_id AS m_message_id, m.tag AS m_tag, m.created_at AS m_created_at,
                 m.mail_from AS m_mail_from, m.origin AS m_origin, r.address AS r_address, r.domain AS r_domain
            FROM ${events} e JOIN messages m ON m.id = e.message_id LEFT JOIN recipients r ON r.id = e.recipient_id`;

/** An event joined with its message and recipient (the feed's columns, prefixed m_ and r_). */
export interface FeedRow extends EventRow {
  m_queue_id: string;
  m_message_id: string | null;
  m_tag: string | null;
  m_created_at: number;
  m_mail_from: string;
  m_origin: 'submission' | 'dsn';
  r_address: string | null;
  r_domain: string | null;
  /** The backend's cursor for this row when it is not the id (PostgreSQL: `txid:id`). */
  feed_cursor?: string;
}

export function toFeedEvent(r: FeedRow): FeedEvent {
  const { feed_cursor, ...row } = r;
  return {
    ...toEvent(row),
    cursor: feed_cursor ?? String(r.id),
    queueId: r.m_queue_id,
    messageId: r.m_message_id,
    tag: r.m_tag,
    messageCreatedAt: r.m_created_at,
    mailFrom: r.m_mail_from,
    recipient: r.r_address,
    domain: r.r_domain,
  };
}

export interface UserRow {
  id: number;
  name: string;
  password_hash: string;
  sender_domains: Json<string[]>;
  created_at: number;
}

export const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  name: r.name,
  passwordHash: r.password_hash,
  senderDomains: json(r.sender_domains),
  createdAt: r.created_at,
});

export interface TokenRow {
  id: number;
  name: string;
  sha256: string;
  scope: 'read' | 'admin';
  created_at: number;
}

export const toToken = (r: TokenRow): ApiTokenRecord => ({ id: r.id, name: r.name, sha256: r.sha256, scope: r.scope, createdAt: r.created_at });

export interface InboundRow {
  id: number;
  received_at: number;
  mail_from: string;
  rcpt_to: Json<string[]>;
  client_ip: string | null;
  size: number;
  kind: string | null;
  parse: Json<Record<string, unknown>> | null;
  matched_message_id: number | null;
  matched_recipient_id: number | null;
  match_rule: string | null;
  processed_at: number | null;
}

/** Every inbound column but the raw bytes, so listings never load megabytes of mail. */
export const INBOUND_COLUMNS =
  'id, received_at, mail_from, rcpt_to, client_ip, size, kind, parse, matched_message_id, matched_recipient_id, match_rule, processed_at';

export const toInbound = (r: InboundRow): InboundRecord => ({
  id: r.id,
  receivedAt: r.received_at,
  mailFrom: r.mail_from,
  rcptTo: json(r.rcpt_to),
  clientIp: r.client_ip,
  size: r.size,
  kind: r.kind,
  parse: r.parse ? json(r.parse) : null,
  matchedMessageRowId: r.matched_message_id,
  matchedRecipientId: r.matched_recipient_id,
  matchRule: r.match_rule,
  processedAt: r.processed_at,
});

export interface SuppressionRow {
  address: string;
  reason: string;
  source: SuppressionRecord['source'];
  event_id: number | null;
  created_at: number;
}

export const toSuppression = (r: SuppressionRow): SuppressionRecord => ({
  address: r.address,
  reason: r.reason,
  source: r.source,
  eventId: r.event_id,
  createdAt: r.created_at,
});

export interface OutboxRow {
  id: number;
  endpoint: string;
  event_id: number;
  type: string;
  payload: string;
  state: WebhookState;
  attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export const toDelivery = (r: OutboxRow): WebhookDeliveryRecord => ({
  id: r.id,
  endpoint: r.endpoint,
  eventId: r.event_id,
  type: r.type,
  payload: r.payload,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deliveredAt: r.delivered_at,
});

export interface KeyRow {
  id: number;
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  private_key: string;
  public_key: string;
  active: Bool;
  created_at: number;
}

export const toKey = (r: KeyRow): DkimKeyRecord => ({
  id: r.id,
  domain: r.domain,
  selector: r.selector,
  algorithm: r.algorithm,
  privateKey: r.private_key,
  publicKey: r.public_key,
  active: bool(r.active),
  createdAt: r.created_at,
});

export interface PolicyRow {
  domain: string;
  policy_id: string;
  mode: MtaStsPolicyRecord['mode'];
  mx: Json<string[]>;
  max_age: number;
  fetched_at: number;
  expires_at: number;
}

export const toPolicy = (r: PolicyRow): MtaStsPolicyRecord => ({
  domain: r.domain,
  policyId: r.policy_id,
  mode: r.mode,
  mx: json(r.mx),
  maxAge: r.max_age,
  fetchedAt: r.fetched_at,
  expiresAt: r.expires_at,
});

export interface TlsSessionRow {
  day: string;
  domain: string;
  policy_id: string;
  policy_mode: TlsSessionCount['policyMode'];
  policy_mx: Json<string[]>;
  policy_max_age: number | null;
  result: string;
  sending_ip: string;
  receiving_mx: string;
  receiving_ip: string;
  reason: string;
  sessions: number;
}

export const toTlsSessionCount = (r: TlsSessionRow): TlsSessionCount => ({
  day: r.day,
  domain: r.domain,
  policyId: r.policy_id,
  policyMode: r.policy_mode,
  policyMx: json(r.policy_mx),
  policyMaxAge: r.policy_max_age,
  result: r.result,
  sendingIp: r.sending_ip,
  receivingMx: r.receiving_mx,
  receivingIp: r.receiving_ip,
  reason: r.reason,
  sessions: r.sessions,
});

/** The key and values of a count, in the column order of TLS_SESSION_COLUMNS. */
export const TLS_SESSION_COLUMNS =
  'day, domain, policy_id, policy_mode, policy_mx, policy_max_age, result, sending_ip, receiving_mx, receiving_ip, reason, sessions';
export const TLS_SESSION_KEY = 'day, domain, policy_id, result, sending_ip, receiving_mx, receiving_ip, reason';
export const tlsSessionParams = (c: TlsSessionCount) =>
  [
    c.day,
    c.domain,
    c.policyId,
    c.policyMode,
    JSON.stringify(c.policyMx),
    c.policyMaxAge,
    c.result,
    c.sendingIp,
    c.receivingMx,
    c.receivingIp,
    c.reason,
    c.sessions,
  ] as const;
