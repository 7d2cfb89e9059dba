import type { EventRecord, NewEvent } from '../../types.js';
import type { EventStore, FeedFilter } from '../store.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';
import {
  EVENT_COLUMNS,
  eventParams,
  FEED_SELECT,
  FEED_TALLY_SELECT,
  toEvent,
  toFeedEvent,
  toFeedTally,
  type EventRow,
  type FeedRow,
  type FeedTallyRow,
} from '../rows.js';

/**
 * A feed cursor on SQLite is the row id: with one writer at a time, ids commit in order, so nothing can
 * commit below a cursor once a follower has passed it. A cursor that is not an id (one made by another
 * backend) starts at the beginning rather than skip anything.
 */
export function sqliteCursor(cursor: string): number {
  const n = Number(cursor);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** Events after a cursor, oldest first (`?` cursor, `?` limit). Shared with the webhook outbox, which reads it inside its own transaction. */
export const FEED_AFTER_SQL = `${FEED_SELECT} WHERE e.id > ? ORDER BY e.id LIMIT ?`;

export const INSERT_EVENT_SQL = `INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function sqliteEvents(db: Db): EventStore {
  const insert = db.prepare(INSERT_EVENT_SQL + ' RETURNING *');
  const insertPlain = db.prepare(INSERT_EVENT_SQL);
  const forMessage = db.prepare('SELECT * FROM events WHERE message_id = ? ORDER BY id');
  const after = db.prepare(FEED_AFTER_SQL);
  const tallyAfter = db.prepare(`${FEED_TALLY_SELECT} WHERE e.id > ? ORDER BY e.id LIMIT ?`);
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
    async after(cursor, limit) {
      return (after.all(sqliteCursor(cursor), limit) as FeedRow[]).map(toFeedEvent);
    },
    async tallyAfter(cursor, limit) {
      return (tallyAfter.all(sqliteCursor(cursor), limit) as FeedTallyRow[]).map(toFeedTally);
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
  return `${FEED_SELECT}
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY e.id DESC LIMIT @limit`;
}
