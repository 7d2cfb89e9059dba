/**
 * The webhook outbox and its cursor on the events feed (migration 004).
 */
import type { FeedEvent, NewWebhookDelivery, WebhookState, WebhookStore } from '../store.js';
import { toDelivery, toFeedEvent, type FeedRow, type OutboxRow } from '../rows.js';
import type { Db } from './database.js';
import { groupCommitFor } from './group-commit.js';
import { eventReader, feedAfter } from './event-rows.js';
import { FEED_AFTER_SQL } from './events.js';

export function sqliteWebhooks(db: Db): WebhookStore {
  const getCursor = db.prepare('SELECT last_event_id FROM webhook_cursor WHERE id = 1').pluck();
  const setCursor = db.prepare(
    'INSERT INTO webhook_cursor (id, last_event_id, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET last_event_id = excluded.last_event_id, updated_at = excluded.updated_at',
  );
  const lastEventId = db.prepare('SELECT COALESCE(MAX(id), 0) FROM events').pluck();
  // The same rows as EventStore.after, read here because it must run inside this store's transaction.
  // Ids follow commit order: SQLite has one writer at a time, so an event never commits below the cursor
  // after the cursor has passed it. (A PostgreSQL backend must not rely on a sequence for this.)
  const feed = db.prepare(FEED_AFTER_SQL);
  const reader = eventReader(db);
  // DO NOTHING on (endpoint, event_id): a second stage of the same event (which the cursor prevents) cannot double-send.
  const insert = db.prepare(
    `INSERT INTO webhook_outbox (endpoint, event_id, type, payload, state, attempts, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (endpoint, event_id) DO NOTHING`,
  );
  const claim = db.prepare(
    `UPDATE webhook_outbox SET next_attempt_at = ?, updated_at = ?
      WHERE id IN (SELECT id FROM webhook_outbox WHERE state = 'pending' AND next_attempt_at <= ?
                     AND endpoint NOT IN (SELECT value FROM json_each(?)) ORDER BY next_attempt_at, id LIMIT ?)
      RETURNING *`,
  );
  const record = db.prepare(
    `UPDATE webhook_outbox SET attempts = attempts + 1, state = ?, next_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ?,
            delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
      WHERE id = ? AND state = 'pending' RETURNING *`,
  );
  const release = db.prepare(`UPDATE webhook_outbox SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'pending'`);
  const byId = db.prepare('SELECT * FROM webhook_outbox WHERE id = ?');
  const retryFailed = db.prepare(
    `UPDATE webhook_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'failed' RETURNING *`,
  );
  const listAll = db.prepare('SELECT * FROM webhook_outbox ORDER BY id DESC LIMIT ?');
  const listStates = db.prepare('SELECT * FROM webhook_outbox WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT ?');
  const counts = db.prepare('SELECT state, COUNT(*) AS n FROM webhook_outbox GROUP BY state');
  const forEvents = db.prepare('SELECT * FROM webhook_outbox WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY id');

  // Writes go through the connection's group commit: the outcomes of POSTs that finish together share one
  // fsync with each other and with the relay's other writes. Its transaction is IMMEDIATE (the write lock is
  // taken before the cursor is read, so two relays on one database never route the same batch), and each
  // member is its own SAVEPOINT: a stage that throws leaves neither rows nor a moved cursor.
  const commits = groupCommitFor(db);
  const stage = (now: number, limit: number, route: (event: FeedEvent) => NewWebhookDelivery[]) => {
    const cursor = getCursor.get() as number | undefined;
    if (cursor === undefined) {
      // First start: follow from here. Replaying the whole history to a new endpoint would be a flood.
      const newest = lastEventId.get() as number;
      setCursor.run(newest, now);
      return { events: 0, queued: 0, cursor: String(newest), initialised: true };
    }
    const rows = feedAfter(reader, feed.all(cursor, limit) as FeedRow[], cursor, limit);
    let queued = 0;
    for (const r of rows) {
      const event = toFeedEvent(r);
      for (const d of route(event)) queued += insert.run(d.endpoint, event.id, d.type, d.payload, now, now, now).changes;
    }
    const next = rows.length ? rows[rows.length - 1].id : cursor;
    if (rows.length) setCursor.run(next, now);
    return { events: rows.length, queued, cursor: String(next), initialised: false };
  };

  return {
    async stage({ now, limit, route }) {
      // Nothing new (the usual idle poll): answer from a read, without taking the write lock.
      const cursor = getCursor.get() as number | undefined;
      if (cursor !== undefined && (lastEventId.get() as number) <= cursor) return { events: 0, queued: 0, cursor: String(cursor), initialised: false };
      return commits.run(() => stage(now, limit, route));
    },
    async cursor() {
      const cursor = getCursor.get() as number | undefined;
      return cursor === undefined ? null : String(cursor);
    },
    async claimDue({ now, limit, leaseUntil, excludeEndpoints = [] }) {
      const rows = await commits.run(() => claim.all(leaseUntil, now, now, JSON.stringify(excludeEndpoints), limit) as OutboxRow[]);
      return rows.map(toDelivery).sort((a, b) => a.id - b.id);
    },
    async recordAttempt(w) {
      const r = await commits.run(() => record.get(w.state, w.nextAttemptAt, w.status, w.error, w.at, w.state, w.at, w.id) as OutboxRow | undefined);
      return r ? toDelivery(r) : null;
    },
    async release(ids, at) {
      if (!ids.length) return 0;
      return commits.run(() => ids.reduce((n, id) => n + release.run(at, at, id).changes, 0));
    },
    async retry(id, now) {
      const changed = retryFailed.get(now, now, id) as OutboxRow | undefined;
      if (changed) return { changed: true, delivery: toDelivery(changed) };
      const row = byId.get(id) as OutboxRow | undefined;
      return row ? { changed: false, delivery: toDelivery(row) } : null;
    },
    async get(id) {
      const r = byId.get(id) as OutboxRow | undefined;
      return r ? toDelivery(r) : null;
    },
    async list({ states, limit }) {
      const rows = states === undefined ? listAll.all(limit) : listStates.all(JSON.stringify(states), limit);
      return (rows as OutboxRow[]).map(toDelivery);
    },
    async forEvents(eventIds) {
      return eventIds.length ? (forEvents.all(JSON.stringify(eventIds)) as OutboxRow[]).map(toDelivery) : [];
    },
    async countsByState() {
      const out: Partial<Record<WebhookState, number>> = {};
      for (const r of counts.all() as { state: WebhookState; n: number }[]) out[r.state] = r.n;
      return out;
    },
  };
}
