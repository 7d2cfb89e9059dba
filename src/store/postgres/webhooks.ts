/**
 * The webhook outbox and its cursor on the events feed, on PostgreSQL. Staging locks the cursor row for its
 * transaction, so two nodes never route the same batch; claims skip rows another node has locked, so each
 * POST is made by one node.
 */
import { toDelivery, toFeedEvent, type FeedRow, type OutboxRow } from '../rows.js';
import type { WebhookState, WebhookStore } from '../store.js';
import { Params, type Pg } from './database.js';
import { eventReader } from './event-rows.js';
import { feedAfter, feedAfterSql } from './events.js';
import { afterCursor, HEAD_SQL } from './feed.js';

export function postgresWebhooks(db: Pg): WebhookStore {
  const reader = eventReader(db);
  return {
    async stage({ now, limit, route }) {
      // Nothing new (the usual idle poll): answer from one read, without a transaction or a lock.
      const known = (await db.row<{ position: string }>('SELECT position FROM webhook_cursor WHERE id = 1'))?.position;
      if (known !== undefined) {
        const p = new Params();
        if (!(await db.row(`SELECT 1 FROM events e WHERE ${afterCursor('e', known, p)} LIMIT 1`, p.values)))
          return { events: 0, queued: 0, cursor: known, initialised: false };
      }
      return db.transaction(async (tx) => {
        // First start: follow from here. Replaying the whole history to a new endpoint would be a flood.
        const placed = await tx.query<{ position: string }>(
          `INSERT INTO webhook_cursor (id, last_event_id, position, updated_at) SELECT 1, 0, (${HEAD_SQL}), $1
           ON CONFLICT (id) DO NOTHING RETURNING position`,
          [now],
        );
        if (placed.rows[0]) return { events: 0, queued: 0, cursor: placed.rows[0].position, initialised: true };
        // FOR UPDATE: a second node staging now waits here, then reads the cursor this one moved.
        const cursor = (await tx.query<{ position: string }>('SELECT position FROM webhook_cursor WHERE id = 1 FOR UPDATE')).rows[0]!.position;
        const p = new Params();
        const rows = await feedAfter(reader, (await tx.query<FeedRow>(feedAfterSql(cursor, limit, p), p.values)).rows, cursor, limit, tx);
        const outbox: { endpoint: string[]; event: number[]; type: string[]; payload: string[] } = { endpoint: [], event: [], type: [], payload: [] };
        for (const r of rows) {
          const event = toFeedEvent(r);
          for (const d of route(event)) {
            outbox.endpoint.push(d.endpoint);
            outbox.event.push(event.id);
            outbox.type.push(d.type);
            outbox.payload.push(d.payload);
          }
        }
        let queued = 0;
        if (outbox.event.length) {
          // DO NOTHING on (endpoint, event_id): a second stage of the same event (which the cursor prevents) cannot double-send.
          const inserted = await tx.query(
            `INSERT INTO webhook_outbox (endpoint, event_id, type, payload, state, attempts, next_attempt_at, created_at, updated_at)
             SELECT o.endpoint, o.event_id, o.type, o.payload, 'pending', 0, $5, $5, $5
               FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS o(endpoint, event_id, type, payload, ord)
              ORDER BY o.ord
             ON CONFLICT (endpoint, event_id) DO NOTHING`,
            [outbox.endpoint, outbox.event, outbox.type, outbox.payload, now],
          );
          queued = inserted.rowCount ?? 0;
        }
        const last = rows[rows.length - 1];
        const next = last ? toFeedEvent(last).cursor : cursor;
        if (last) await tx.query('UPDATE webhook_cursor SET last_event_id = $1, position = $2, updated_at = $3 WHERE id = 1', [last.id, next, now]);
        return { events: rows.length, queued, cursor: next, initialised: false };
      });
    },
    async cursor() {
      return (await db.row<{ position: string }>('SELECT position FROM webhook_cursor WHERE id = 1'))?.position ?? null;
    },
    async claimDue({ now, limit, leaseUntil, excludeEndpoints = [] }) {
      const rows = await db.rows<OutboxRow>(
        `UPDATE webhook_outbox SET next_attempt_at = $1, updated_at = $2
          WHERE id IN (SELECT id FROM webhook_outbox WHERE state = 'pending' AND next_attempt_at <= $2 AND NOT (endpoint = ANY($4::text[]))
                        ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [leaseUntil, now, limit, [...excludeEndpoints]],
      );
      return rows.map(toDelivery).sort((a, b) => a.id - b.id);
    },
    async recordAttempt(w) {
      const r = await db.row<OutboxRow>(
        `UPDATE webhook_outbox SET attempts = attempts + 1, state = $1, next_attempt_at = $2, last_status = $3, last_error = $4, updated_at = $5,
                delivered_at = CASE WHEN $1 = 'delivered' THEN $5 ELSE delivered_at END
          WHERE id = $6 AND state = 'pending' RETURNING *`,
        [w.state, w.nextAttemptAt, w.status, w.error, w.at, w.id],
      );
      return r ? toDelivery(r) : null;
    },
    async release(ids, at) {
      if (!ids.length) return 0;
      const rows = await db.rows(
        `UPDATE webhook_outbox SET next_attempt_at = $1, updated_at = $1 WHERE id = ANY($2::bigint[]) AND state = 'pending' RETURNING id`,
        [at, ids],
      );
      return rows.length;
    },
    async retry(id, now) {
      // The row as changed, or else as it is (the second SELECT runs only when nothing changed).
      const row = await db.row<OutboxRow & { changed: boolean }>(
        `WITH revived AS (
            UPDATE webhook_outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1 WHERE id = $2 AND state = 'failed' RETURNING *
          )
          SELECT true AS changed, * FROM revived
          UNION ALL
          SELECT false, * FROM webhook_outbox WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM revived)`,
        [now, id],
      );
      return row ? { changed: row.changed, delivery: toDelivery(row) } : null;
    },
    async get(id) {
      const r = await db.row<OutboxRow>('SELECT * FROM webhook_outbox WHERE id = $1', [id]);
      return r ? toDelivery(r) : null;
    },
    async list({ states, limit }) {
      const rows = await db.rows<OutboxRow>('SELECT * FROM webhook_outbox WHERE ($1::text[] IS NULL OR state = ANY($1::text[])) ORDER BY id DESC LIMIT $2', [
        states ?? null,
        limit,
      ]);
      return rows.map(toDelivery);
    },
    async forEvents(eventIds) {
      if (!eventIds.length) return [];
      return (await db.rows<OutboxRow>('SELECT * FROM webhook_outbox WHERE event_id = ANY($1::bigint[]) ORDER BY id', [eventIds])).map(toDelivery);
    },
    async countsByState() {
      const out: Partial<Record<WebhookState, number>> = {};
      for (const r of await db.rows<{ state: WebhookState; n: number }>('SELECT state, COUNT(*) AS n FROM webhook_outbox GROUP BY state')) out[r.state] = r.n;
      return out;
    },
  };
}
