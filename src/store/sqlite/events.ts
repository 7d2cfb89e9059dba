import type { EventRecord, NewEvent } from '../../types.js';
import type { EventStore, FeedFilter, FeedTally } from '../store.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';
import { feedSelect, toEvent, toFeedEvent, type EventRow, type FeedRow } from '../rows.js';
import { eventReader, eventWriter, EVENTS, feedAfter, INSERT_EVENT_SQL } from './event-rows.js';

export { EVENTS, INSERT_EVENT_SQL, eventWriter } from './event-rows.js';

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
export const FEED_AFTER_SQL = `${feedSelect(EVENTS)} WHERE e.id > ? ORDER BY e.id LIMIT ?`;

export function sqliteEvents(db: Db): EventStore {
  const writer = eventWriter(db);
  const insert = db.prepare(INSERT_EVENT_SQL + ' RETURNING id').pluck();
  const insertPlain = db.prepare(INSERT_EVENT_SQL);
  const byId = db.prepare(`SELECT * FROM ${EVENTS} WHERE id = ?`);
  const forMessage = db.prepare(`SELECT * FROM ${EVENTS} WHERE message_id = ? ORDER BY id`);
  const forRecipients = db.prepare(
    `SELECT * FROM ${EVENTS} WHERE message_id = ? AND recipient_id IN (SELECT value FROM json_each(?)) AND kind <> 'phase' ORDER BY id`,
  );
  const after = db.prepare(FEED_AFTER_SQL);
  const reader = eventReader(db);
  // A phase of a folded row without a recipient of its own, at a domain: one of its transaction's recipients is there.
  const listedAt = db.prepare('SELECT 1 FROM recipients WHERE id IN (SELECT value FROM json_each(?)) AND domain = ? LIMIT 1').pluck();
  const phaseAt = (e: FeedRow, domain: string) => {
    if (e.recipient_id !== null) return e.r_domain === domain;
    const detail = typeof e.detail === 'string' ? (JSON.parse(e.detail) as Record<string, unknown>) : e.detail;
    const ids = detail?.recipient_ids;
    // The row was selected because a recipient of the message is at the domain: without a list, that is enough.
    return !Array.isArray(ids) || listedAt.get(JSON.stringify(ids), domain) !== undefined;
  };
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
      return reader.expand(forMessage.all(messageId) as EventRow[]).map(toEvent);
    },
    async forRecipients(messageId, recipientIds) {
      if (recipientIds.length === 0) return [];
      return reader.expand(forRecipients.all(messageId, JSON.stringify(recipientIds)) as EventRow[]).map(toEvent);
    },
    async after(cursor, limit) {
      const from = sqliteCursor(cursor);
      return feedAfter(reader, after.all(from, limit) as FeedRow[], from, limit).map(toFeedEvent);
    },
    async tallyAfter(cursor, limit) {
      // A row may hold an attempt's phases (event-rows.ts), about five a row: reading `limit` rows to keep
      // `limit` events read each row about five times over the calls (the metrics follower allocated 45 KB
      // an attempt that way). Rows are read in smaller steps until the events fill the limit.
      const from = sqliteCursor(cursor);
      const out: FeedTally[] = [];
      for (let at = from; out.length < limit; ) {
        const step = Math.max(16, Math.ceil((limit - out.length) / 4));
        const rows = after.all(at, step) as FeedRow[];
        for (const t of reader.tally(rows)) if (Number(t.cursor) > from && out.length < limit) out.push(t);
        if (rows.length < step) break;
        at = rows[rows.length - 1]!.id;
      }
      return out;
    },
    async head() {
      return String(lastId.get() as number);
    },
    async recent(filter, limit) {
      const shape = `${filter.kinds?.length ? 'k' : ''}${filter.domain ? 'd' : ''}${filter.message ? 'm' : ''}`;
      let statement = recentStatements.get(shape);
      if (!statement) recentStatements.set(shape, (statement = db.prepare(recentSql(filter))));
      const params = {
        ...(filter.kinds?.length ? { kinds: JSON.stringify(filter.kinds) } : {}),
        ...(filter.domain ? { domain: filter.domain } : {}),
        ...(filter.message ? { message: filter.message } : {}),
        limit,
      };
      // Rows newest first, each folded one turned into its phases; with a domain, a folded row's phases are
      // checked one by one, so more rows may be needed to fill the backlog.
      const newest: FeedRow[] = [];
      for (let before = Number.MAX_SAFE_INTEGER; ; ) {
        const rows = statement.all({ ...params, before }) as (FeedRow & { folded: number })[];
        for (const row of rows) {
          const events = reader.expand([row]).reverse();
          newest.push(...(filter.domain && row.folded ? events.filter((e) => phaseAt(e, filter.domain!)) : events));
        }
        if (newest.length >= limit || rows.length < limit) break;
        before = rows[rows.length - 1]!.id;
      }
      return newest.slice(0, limit).reverse().map(toFeedEvent);
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
    // First the messages with a recipient there (recipients_by_domain_state): a cheap test that spares the
    // JSON of the check below on every other row (a rare domain walked the whole history: 11 s on 236k events).
    where.push('e.message_id IN (SELECT message_id FROM recipients WHERE domain = @domain)');
    where.push(`(r.domain = @domain OR (e.recipient_id IS NULL AND EXISTS (
        SELECT 1 FROM recipients d WHERE d.message_id = e.message_id AND d.domain = @domain
           AND (json_extract(e.detail, '$.recipient_ids') IS NULL OR d.id IN (SELECT value FROM json_each(e.detail, '$.recipient_ids'))))))`);
  }
  where.push('e.id < @before');
  return `${feedSelect(EVENTS)}
           WHERE ${where.join(' AND ')}
           ORDER BY e.id DESC LIMIT @limit`;
}
