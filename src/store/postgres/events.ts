/**
 * The timeline and the feed on PostgreSQL. Several events are written by one INSERT from arrays (one
 * parameter per column, `unnest`), so an attempt's phases cost one statement, not one each.
 */
import type { EventRecord, NewEvent } from '../../types.js';
import {
  EVENT_COLUMNS,
  eventParams,
  feedSelect,
  FEED_TALLY_SELECT,
  toEvent,
  toFeedEvent,
  toFeedTally,
  type EventRow,
  type FeedRow,
  type FeedTallyRow,
} from '../rows.js';
import type { EventStore, FeedFilter } from '../store.js';
import { Params, type Pg } from './database.js';
import { afterCursor, cursorColumn, feedOrder, HEAD_SQL } from './feed.js';

const EVENT_TYPES = ['bigint', 'bigint', 'bigint', 'text', 'integer', 'text', 'integer', 'text', 'text', 'text', 'text', 'bigint', 'json'];

/**
 * `unnest(…) WITH ORDINALITY AS e(<columns>, ord)` over the events' columns, each bound as one array
 * parameter: select from it `ORDER BY e.ord`, so ids follow the given order.
 */
export function unnestEvents(p: Params, events: NewEvent[]): string {
  const columns: unknown[][] = EVENT_TYPES.map(() => []);
  for (const e of events) eventParams(e).forEach((v, i) => columns[i]!.push(v));
  const arrays = columns.map((c, i) => `${p.add(c)}::${EVENT_TYPES[i]}[]`).join(', ');
  return `unnest(${arrays}) WITH ORDINALITY AS e(${EVENT_COLUMNS}, ord)`;
}

/** Events after a cursor, in feed order (see ./feed.ts). Shared with the webhook outbox's stage. */
export function feedAfterSql(cursor: string, limit: number, p: Params): string {
  return `${feedSelect('events').replace('SELECT e.*,', `SELECT e.*, ${cursorColumn('e')},`)} WHERE ${afterCursor('e', cursor, p)} ${feedOrder('e')} LIMIT ${p.add(limit)}`;
}

export function postgresEvents(db: Pg): EventStore {
  return {
    async append(e): Promise<EventRecord> {
      const p = new Params();
      const row = await db.row<EventRow>(`INSERT INTO events (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM ${unnestEvents(p, [e])} RETURNING *`, p.values);
      return toEvent(row!);
    },
    async appendMany(events) {
      if (!events.length) return;
      const p = new Params();
      await db.rows(`INSERT INTO events (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM ${unnestEvents(p, events)} ORDER BY e.ord`, p.values);
    },
    async forMessage(messageRowId) {
      return (await db.rows<EventRow>('SELECT * FROM events WHERE message_id = $1 ORDER BY id', [messageRowId])).map(toEvent);
    },
    async after(cursor, limit) {
      const p = new Params();
      return (await db.rows<FeedRow>(feedAfterSql(cursor, limit, p), p.values)).map(toFeedEvent);
    },
    async tallyAfter(cursor, limit) {
      const p = new Params();
      const sql = `${FEED_TALLY_SELECT.replace('SELECT e.id,', `SELECT e.id, ${cursorColumn('e')},`)} WHERE ${afterCursor('e', cursor, p)} ${feedOrder('e')} LIMIT ${p.add(limit)}`;
      return (await db.rows<FeedTallyRow>(sql, p.values)).map(toFeedTally);
    },
    async head() {
      return (await db.row<{ cursor: string }>(HEAD_SQL))!.cursor;
    },
    async recent(filter, limit) {
      const p = new Params();
      const sql = recentSql(filter, p);
      const rows = await db.rows<FeedRow>(`${sql} LIMIT ${p.add(limit)}`, p.values);
      return rows.reverse().map(toFeedEvent);
    },
  };
}

/** The newest-first backlog query for `recent`, with only the filters given. */
function recentSql(filter: FeedFilter, p: Params): string {
  const where: string[] = [];
  if (filter.kinds?.length) where.push(`e.kind = ANY(${p.add(filter.kinds)}::text[])`);
  if (filter.message) {
    const key = p.add(filter.message);
    where.push(`e.message_id IN (SELECT id FROM messages WHERE message_id = ${key} OR queue_id = ${key})`);
  }
  if (filter.domain) {
    // A shared phase lists its transaction's recipients in detail.recipient_ids; `received` has none and
    // stands for every recipient of the message.
    const domain = p.add(filter.domain);
    where.push(`(r.domain = ${domain} OR (e.recipient_id IS NULL AND EXISTS (
        SELECT 1 FROM recipients d WHERE d.message_id = e.message_id AND d.domain = ${domain}
           AND (json_typeof(e.detail -> 'recipient_ids') IS DISTINCT FROM 'array'
                OR d.id IN (SELECT x::bigint FROM json_array_elements_text(e.detail -> 'recipient_ids') x)))))`);
  }
  return `${feedSelect('events')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id DESC`;
}
