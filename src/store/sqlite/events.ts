import type { EventRecord, NewEvent } from '../../types.js';
import type { EventStore, FeedEvent, FeedFilter } from '../store.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';
import { toEvent, type EventRow } from './rows.js';

/** The feed's columns: an event with the message and recipient facts followers need (FeedEvent). */
const FEED_SELECT = `SELECT e.*, m.queue_id AS m_queue_id, m.message_id AS m_message_id, m.tag AS m_tag, m.created_at AS m_created_at,
                 m.mail_from AS m_mail_from, r.address AS r_address, r.domain AS r_domain
            FROM events e JOIN messages m ON m.id = e.message_id LEFT JOIN recipients r ON r.id = e.recipient_id`;

/** Events after a cursor, oldest first (`?` cursor, `?` limit). Shared with the webhook outbox, which reads it inside its own transaction. */
export const FEED_AFTER_SQL = `${FEED_SELECT} WHERE e.id > ? ORDER BY e.id LIMIT ?`;

export interface FeedRow extends EventRow {
  m_queue_id: string;
  m_message_id: string | null;
  m_tag: string | null;
  m_created_at: number;
  m_mail_from: string;
  r_address: string | null;
  r_domain: string | null;
}

const COLUMNS = 'at, message_id, recipient_id, kind, attempt, phase, code, enhanced, text, remote_host, remote_ip, duration_ms, detail';

/** Positional parameters for one event insert, in COLUMNS order. */
export function eventParams(e: NewEvent): unknown[] {
  return [
    e.at,
    e.messageRowId,
    e.recipientId ?? null,
    e.kind,
    e.attempt ?? null,
    e.phase ?? null,
    e.code ?? null,
    e.enhanced ?? null,
    e.text ?? null,
    e.remoteHost ?? null,
    e.remoteIp ?? null,
    e.durationMs ?? null,
    e.detail ? JSON.stringify(e.detail) : null,
  ];
}

export const INSERT_EVENT_SQL = `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function sqliteEvents(db: Db): EventStore {
  const insert = db.prepare(INSERT_EVENT_SQL + ' RETURNING *');
  const insertPlain = db.prepare(INSERT_EVENT_SQL);
  const forMessage = db.prepare('SELECT * FROM events WHERE message_id = ? ORDER BY id');
  const after = db.prepare(FEED_AFTER_SQL);
  const lastId = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').pluck();
  // One statement per combination of filters, so each only carries the conditions it needs and can use its index.
  const recentStatements = new Map<string, ReturnType<Db['prepare']>>();
  const commits = groupCommitFor(db);
  const insertMany = db.transaction((events: NewEvent[]) => {
    for (const e of events) insertPlain.run(...eventParams(e));
  });
  return {
    async append(e): Promise<EventRecord> {
      return toEvent((await commits.run(() => insert.get(...eventParams(e)))) as EventRow);
    },
    async appendMany(events) {
      if (events.length) await commits.run(() => insertMany(events));
    },
    async forMessage(messageId) {
      return (forMessage.all(messageId) as EventRow[]).map(toEvent);
    },
    async after(afterId, limit) {
      return (after.all(afterId, limit) as FeedRow[]).map(toFeedEvent);
    },
    async lastId() {
      return lastId.get() as number;
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

export function toFeedEvent(r: FeedRow): FeedEvent {
  return {
    ...toEvent(r),
    queueId: r.m_queue_id,
    messageId: r.m_message_id,
    tag: r.m_tag,
    messageCreatedAt: r.m_created_at,
    mailFrom: r.m_mail_from,
    recipient: r.r_address,
    domain: r.r_domain,
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
  return `${FEED_SELECT}
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY e.id DESC LIMIT @limit`;
}
