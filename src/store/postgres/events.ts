/**
 * The timeline and the feed on PostgreSQL. Events are written in the compact form of ./event-rows.ts,
 * several by one INSERT from arrays (one parameter per column, `unnest`), so an attempt's phases cost one
 * statement, not one each; they are read through the view event_records and unfolded by the reader.
 */
import type { EventRecord } from '../../types.js';
import { feedSelect, toEvent, toFeedEvent, type EventRow, type FeedRow } from '../rows.js';
import type { EventStore, FeedFilter } from '../store.js';
import { KIND_CODES } from '../event-codes.js';
import { Params, type Pg, type Queryable } from './database.js';
import { eventReader, eventWriter, EVENTS, insertSelect, type EventReader } from './event-rows.js';
import { afterCursor, cursorColumn, feedOrder, HEAD_SQL } from './feed.js';

/** Events after a cursor, in feed order (see ./feed.ts), as rows: a folded row may hold phases at or before the cursor. */
export function feedAfterSql(cursor: string, limit: number, p: Params): string {
  return `${feedSelect(EVENTS).replace('SELECT e.*,', `SELECT e.*, ${cursorColumn('e')},`)} WHERE ${afterCursor('e', cursor, p)} ${feedOrder('e')} LIMIT ${p.add(limit)}`;
}

/**
 * Feed rows after a cursor, unfolded: the phases of a folded row at or before the cursor were read before.
 * Every row read holds at least one event after the cursor (its id is its last phase's), so `limit` rows
 * give at least `limit` events when there are that many.
 */
export async function feedAfter(reader: EventReader, rows: FeedRow[], cursor: string, limit: number, via?: Queryable): Promise<FeedRow[]> {
  const m = /^(\d+):(\d+)$/.exec(cursor);
  const [txid, id] = m ? [m[1]!, Number(m[2]!)] : [null, 0];
  return (await reader.expand(rows as (FeedRow & { txid: string })[], via)).filter((r) => r.txid !== txid || r.id > id).slice(0, limit);
}

export function postgresEvents(db: Pg): EventStore {
  const writer = eventWriter(db);
  const reader = eventReader(db);
  const after = async (cursor: string, limit: number) => {
    const p = new Params();
    return feedAfter(reader, await db.rows<FeedRow>(feedAfterSql(cursor, limit, p), p.values), cursor, limit);
  };
  // A phase of a folded row without a recipient of its own, at a domain: one of its transaction's recipients is there.
  const phaseAt = async (e: FeedRow, domain: string) => {
    if (e.recipient_id !== null) return e.r_domain === domain;
    const detail = typeof e.detail === 'string' ? (JSON.parse(e.detail) as Record<string, unknown>) : e.detail;
    const ids = detail?.recipient_ids;
    // The row was selected because a recipient of the message is at the domain: without a list, that is enough.
    if (!Array.isArray(ids)) return true;
    return (await db.row('SELECT 1 FROM recipients WHERE id = ANY($1::bigint[]) AND domain = $2 LIMIT 1', [ids, domain])) !== undefined;
  };
  return {
    async append(e): Promise<EventRecord> {
      const { rows } = await writer.encode([e]);
      const p = new Params();
      // Read back through the view (a row inserted by a statement is not in that statement's snapshot).
      const { id } = (await db.row<{ id: number }>(`${insertSelect(p, rows)} RETURNING id`, p.values))!;
      const row = await db.row<EventRow>(`SELECT * FROM ${EVENTS} WHERE id = $1`, [id]);
      return toEvent(row!);
    },
    async appendMany(events) {
      if (!events.length) return;
      const { rows } = await writer.encode(events);
      const p = new Params();
      await db.rows(insertSelect(p, rows), p.values);
    },
    async forMessage(messageRowId) {
      return (await reader.expand(await db.rows<EventRow>(`SELECT * FROM ${EVENTS} WHERE message_id = $1 ORDER BY id`, [messageRowId]))).map(toEvent);
    },
    async forRecipients(messageRowId, recipientIds) {
      if (recipientIds.length === 0) return [];
      const rows = await db.rows<EventRow>(
        `SELECT * FROM ${EVENTS} WHERE message_id = $1 AND recipient_id = ANY($2::bigint[]) AND kind_code <> ${KIND_CODES.phase} ORDER BY id`,
        [messageRowId, [...recipientIds]],
      );
      return (await reader.expand(rows)).map(toEvent);
    },
    async after(cursor, limit) {
      return (await after(cursor, limit)).map(toFeedEvent);
    },
    async tallyAfter(cursor, limit) {
      // A row may hold an attempt's phases (./event-rows.ts): counters need each phase, so the feed is
      // unfolded as for `after`, then only the labels are kept.
      return (await after(cursor, limit)).map((r) => {
        const e = toFeedEvent(r);
        return {
          cursor: e.cursor,
          kind: e.kind,
          phase: e.phase,
          code: e.code,
          at: e.at,
          tag: e.tag,
          messageCreatedAt: e.messageCreatedAt,
          domain: e.domain,
          own: r.m_origin === 'dsn',
        };
      });
    },
    async head() {
      return (await db.row<{ cursor: string }>(HEAD_SQL))!.cursor;
    },
    async recent(filter, limit) {
      // Rows newest first, each folded one turned into its phases; with a domain, a folded row's phases are
      // checked one by one, so more rows may be needed to fill the backlog.
      const newest: FeedRow[] = [];
      for (let before: number | null = null; ; ) {
        const p = new Params();
        const sql = recentSql(filter, before, p);
        const rows = await db.rows<FeedRow & { folded: boolean }>(`${sql} LIMIT ${p.add(limit)}`, p.values);
        for (const row of rows) {
          const events = (await reader.expand([row])).reverse();
          if (!filter.domain || !row.folded) newest.push(...events);
          else for (const e of events) if (await phaseAt(e, filter.domain)) newest.push(e);
        }
        if (newest.length >= limit || rows.length < limit) break;
        before = rows[rows.length - 1]!.id;
      }
      return newest.slice(0, limit).reverse().map(toFeedEvent);
    },
  };
}

/** The newest-first backlog query for `recent`, with only the filters given, below the id `before`. */
function recentSql(filter: FeedFilter, before: number | null, p: Params): string {
  const where: string[] = [];
  if (filter.kinds?.length) where.push(`e.kind_code = ANY(${p.add(filter.kinds.map((k) => KIND_CODES[k]))}::smallint[])`);
  if (filter.message) {
    const key = p.add(filter.message);
    where.push(`e.message_id IN (SELECT id FROM messages WHERE message_id = ${key} OR queue_id = ${key})`);
  }
  if (filter.domain) {
    // A shared phase lists its transaction's recipients in detail.recipient_ids; `received` has none and
    // stands for every recipient of the message; a folded row's phases are checked by the caller.
    const domain = p.add(filter.domain);
    // First the messages with a recipient there: spares the JSON check below on every other row.
    where.push(`e.message_id IN (SELECT message_id FROM recipients WHERE domain = ${domain})`);
    where.push(`(r.domain = ${domain} OR (e.recipient_id IS NULL AND EXISTS (
        SELECT 1 FROM recipients d WHERE d.message_id = e.message_id AND d.domain = ${domain}
           AND (json_typeof(e.detail -> 'recipient_ids') IS DISTINCT FROM 'array'
                OR d.id IN (SELECT x::bigint FROM json_array_elements_text(e.detail -> 'recipient_ids') x)))))`);
  }
  if (before !== null) where.push(`e.id < ${p.add(before)}`);
  return `${feedSelect(EVENTS)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id DESC`;
}
