/**
 * The storage interface: the only door to persistent state. Everything else in mailtrail talks to
 * these methods and never sees SQL. Methods return promises even though SQLite answers synchronously,
 * because the PostgreSQL backend planned for multi-node deployments cannot.
 *
 * Areas, each in its own file: users, messages (intake + reads), queue (delivery state: the queue
 * module is its only caller), events (the timeline), inbound (bounce mail), suppressions.
 */
import type { EventRecord, MessageRecord, NewEvent, NotifyKeyword, RecipientRecord, RecipientState, TlsInfo } from '../types.js';

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
}

/** A message as intake hands it over: everything needed to commit it in one transaction. */
export interface NewMessage {
  queueId: string;
  messageId: string | null;
  messageIdAdded: boolean;
  mailFrom: string;
  username: string | null;
  clientIp: string | null;
  clientHostname: string | null;
  tls: TlsInfo | null;
  raw: Buffer;
  sha256: string;
  tag: string | null;
  envId: string | null;
  ret: 'FULL' | 'HDRS' | null;
  origin: 'submission' | 'dsn';
  createdAt: number;
  recipients: NewRecipient[];
  /** Detail for the `received` event (user, client, TLS, size, recipient count…). */
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
  getByQueueId(queueId: string): Promise<MessageRecord | null>;
  /** All messages with this header Message-ID (without <>), newest first. */
  findByMessageId(messageId: string): Promise<MessageRecord[]>;
  content(id: number): Promise<Buffer | null>;
  recipients(id: number): Promise<RecipientRecord[]>;
  count(): Promise<number>;
}

export interface EventStore {
  append(event: NewEvent): Promise<EventRecord>;
  appendMany(events: NewEvent[]): Promise<void>;
  /** The message's timeline, oldest first. */
  forMessage(messageId: number): Promise<EventRecord[]>;
}

export interface Store {
  readonly users: UserStore;
  readonly messages: MessageStore;
  readonly events: EventStore;
  close(): Promise<void>;
}

export type { RecipientState };
