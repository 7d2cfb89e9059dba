import type { EventRecord, NewEvent } from '../../types.js';
import type { EventStore, FeedFilter } from '../store.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';
import { feedSelect, toEvent, toFeedEvent, type EventRow, type FeedRow } from '../rows.js';

/**
 * A feed cursor on SQLite is the row id: with one writer at a time, ids commit in order, so nothing can
 * commit below a cursor once a follower has passed it. A cursor that is not an id (one made by another
 * backend) starts at the beginning rather than skip anything.
 */
export function sqliteCursor(cursor: string): number {
  const n = Number(cursor);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** Events are read through the view event_records (migration 008), which resolves the compact columns. */
export const EVENTS = 'event_records';

/** Events after a cursor, oldest first (`?` cursor, `?` limit). Shared with the webhook outbox, which reads it inside its own transaction. */
export const FEED_AFTER_SQL = `${feedSelect(EVENTS)} WHERE e.id > ? ORDER BY e.id LIMIT ?`;

/** The stored columns of events (008), in the order of `EventWriter.params`. */
export const INSERT_EVENT_SQL =
  'INSERT INTO events (at, message_id, recipient_id, kind_code, attempt, phase_code, code, enhanced, text_v, remote_host_v, remote_ip_v, duration_ms, detail_v) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

// The numbers of migration 008's generated columns kind and phase; anything else is stored as its text.
const KIND_CODES: Record<string, number> = {
  received: 1, phase: 2, delivered: 3, deferred: 4, bounced: 5, delayed: 6, reported: 7, expired: 8,
  suppressed: 9, complained: 10, 'auto-replied': 11, 'dsn-sent': 12, requeued: 13, cancelled: 14, interrupted: 15,
};
const PHASE_CODES: Record<string, number> = {
  dns: 1, connect: 2, ehlo: 3, helo: 4, starttls: 5, auth: 6, mail: 7, rcpt: 8, data: 9, quit: 10, submission: 11, inbound: 12,
};

/** Shorter values cost less inline than as a reference. */
const MIN_SHARED_LENGTH = 8;
/** What a `texts` row costs besides its value: row and index overhead, the value's copy in the index. */
const TEXTS_ROW_COST = 64;
/** How many values not yet shared are counted while waiting to see whether they come again. */
const SEEN_LIMIT = 50_000;

export interface EventWriter {
  /** The parameters of INSERT_EVENT_SQL for an event; may add rows to `texts` (call inside the event's transaction). */
  params(e: NewEvent): unknown[];
}

const writers = new WeakMap<Db, EventWriter>();

/**
 * Writes texts once (migration 008): a reply text, remote host, remote address or detail already in
 * `texts` is stored as the id of its row. A value not yet there is stored inline, and counted: once its
 * copies written inline would have paid for a `texts` row, it gets one. So an MX name, its address, a
 * server's usual replies and an outcome's classification are shared after a few events, while one-off
 * values (a queue id in a reply, the recipient list of one transaction, a subject) stay inline.
 * A texts row is looked up by value every time rather than cached by id: a rolled-back transaction can
 * take a new row with it, and an id kept in memory would then point at nothing.
 */
export function eventWriter(db: Db): EventWriter {
  let writer = writers.get(db);
  if (writer) return writer;
  const find = db.prepare('SELECT id FROM texts WHERE value = ?').pluck();
  const add = db.prepare('INSERT INTO texts (value) VALUES (?) RETURNING id').pluck();
  let seen = new Map<string, number>();
  // Ids are bound as BigInt: a JS number is bound as REAL, which a column without affinity keeps (8 bytes).
  const shared = (value: string | null | undefined): string | bigint | null => {
    if (value == null || value.length < MIN_SHARED_LENGTH) return value ?? null;
    const id = find.get(value) as number | undefined;
    if (id !== undefined) return BigInt(id);
    const copies = seen.get(value) ?? 0;
    if (copies * value.length >= value.length + TEXTS_ROW_COST) {
      seen.delete(value);
      return BigInt(add.get(value) as number);
    }
    if (seen.size >= SEEN_LIMIT) seen = new Map();
    seen.set(value, copies + 1);
    return value;
  };
  writer = {
    params: (e) => [
      e.at,
      e.messageRowId,
      e.recipientId ?? null,
      KIND_CODES[e.kind] ?? e.kind,
      e.attempt ?? null,
      e.phase == null ? null : (PHASE_CODES[e.phase] ?? e.phase),
      e.code ?? null,
      e.enhanced ?? null,
      shared(e.text),
      shared(e.remoteHost),
      shared(e.remoteIp),
      e.durationMs ?? null,
      shared(e.detail ? JSON.stringify(e.detail) : null),
    ],
  };
  writers.set(db, writer);
  return writer;
}

export function sqliteEvents(db: Db): EventStore {
  const writer = eventWriter(db);
  const insert = db.prepare(INSERT_EVENT_SQL + ' RETURNING id').pluck();
  const insertPlain = db.prepare(INSERT_EVENT_SQL);
  const byId = db.prepare(`SELECT * FROM ${EVENTS} WHERE id = ?`);
  const forMessage = db.prepare(`SELECT * FROM ${EVENTS} WHERE message_id = ? ORDER BY id`);
  const after = db.prepare(FEED_AFTER_SQL);
  const lastId = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').pluck();
  // One statement per combination of filters, so each only carries the conditions it needs and can use its index.
  const recentStatements = new Map<string, ReturnType<Db['prepare']>>();
  const commits = groupCommitFor(db);
  const insertMany = db.transaction((events: NewEvent[]) => {
    for (const e of events) insertPlain.run(...writer.params(e));
  });
  return {
    async append(e): Promise<EventRecord> {
      return toEvent((await commits.run(() => byId.get(insert.get(...writer.params(e))))) as EventRow);
    },
    async appendMany(events) {
      if (events.length) await commits.run(() => insertMany(events));
    },
    async forMessage(messageId) {
      return (forMessage.all(messageId) as EventRow[]).map(toEvent);
    },
    async after(cursor, limit) {
      return (after.all(sqliteCursor(cursor), limit) as FeedRow[]).map(toFeedEvent);
    },
    async head() {
      return String(lastId.get() as number);
    },
    async recent(filter, limit) {
      const shape = `${filter.kinds?.length ? 'k' : ''}${filter.domain ? 'd' : ''}${filter.message ? 'm' : ''}`;
      let statement = recentStatements.get(shape);
      if (!statement) recentStatements.set(shape, (statement = db.prepare(recentSql(filter))));
      const rows = statement.all({
        ...(filter.kinds?.length ? { kinds: JSON.stringify(filter.kinds) } : {}),
        ...(filter.domain ? { domain: filter.domain } : {}),
        ...(filter.message ? { message: filter.message } : {}),
        limit,
      }) as FeedRow[];
      return rows.reverse().map(toFeedEvent);
    },
  };
}

/** The newest-first backlog query for `recent`, with only the filters given. */
function recentSql(filter: FeedFilter): string {
  const where: string[] = [];
  if (filter.kinds?.length) where.push('e.kind IN (SELECT value FROM json_each(@kinds))');
  if (filter.message) where.push('e.message_id IN (SELECT id FROM messages WHERE message_id = @message OR queue_id = @message)');
  if (filter.domain) {
    // A shared phase lists its transaction's recipients in detail.recipient_ids; `received` has none and
    // stands for every recipient of the message.
    where.push(`(r.domain = @domain OR (e.recipient_id IS NULL AND EXISTS (
        SELECT 1 FROM recipients d WHERE d.message_id = e.message_id AND d.domain = @domain
           AND (json_extract(e.detail, '$.recipient_ids') IS NULL OR d.id IN (SELECT value FROM json_each(e.detail, '$.recipient_ids'))))))`);
  }
  return `${feedSelect(EVENTS)}
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY e.id DESC LIMIT @limit`;
}
