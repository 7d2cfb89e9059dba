/**
 * Row shapes as SQLite returns them, and their mapping to the typed records of src/types.ts.
 * One mapper per table, so every query that selects `*` from a table returns the same record.
 */
import type { EventKind, EventRecord, MessageRecord, NotifyKeyword, Phase, RecipientRecord, RecipientState } from '../../types.js';

export interface MessageRow {
  id: number;
  queue_id: string;
  message_id: string | null;
  message_id_added: number;
  mail_from: string;
  username: string | null;
  client_ip: string | null;
  client_hostname: string | null;
  tls: string | null;
  size: number;
  sha256: string;
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
    messageIdAdded: r.message_id_added === 1,
    mailFrom: r.mail_from,
    username: r.username,
    clientIp: r.client_ip,
    clientHostname: r.client_hostname,
    tls: r.tls ? JSON.parse(r.tls) : null,
    size: r.size,
    sha256: r.sha256,
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
  hard: number | null;
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
    hard: r.hard === null ? null : r.hard === 1,
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
  detail: string | null;
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
    detail: r.detail ? JSON.parse(r.detail) : null,
  };
}
