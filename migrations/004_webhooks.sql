-- 004: webhooks. The dispatcher follows the events table with a durable cursor and copies each event an
-- endpoint subscribes to into the outbox, in the same transaction that moves the cursor: a crash neither
-- loses nor duplicates an outbox row. Rows are then POSTed, retried with backoff, and kept for display.

-- One row (id = 1): the id of the last event the dispatcher has routed. Absent until the first start,
-- which sets it at the newest event (history is not replayed).
CREATE TABLE webhook_cursor (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  last_event_id  INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);

CREATE TABLE webhook_outbox (
  id               INTEGER PRIMARY KEY,
  endpoint         TEXT NOT NULL,            -- webhooks.endpoints[].name
  -- No foreign key: the payload is a snapshot, and a purged message must not take undelivered webhooks with it.
  event_id         INTEGER NOT NULL,
  type             TEXT NOT NULL,            -- the event kind sent (delivered, bounced, auto-replied…)
  payload          TEXT NOT NULL,            -- the JSON body, byte for byte what is POSTed and signed
  state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,                  -- pending: due time; while a POST is in flight, the end of its lease
  last_status      INTEGER,                  -- HTTP status of the last attempt; NULL for a network error or timeout
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  delivered_at     INTEGER,
  UNIQUE (endpoint, event_id)                -- one delivery per event per endpoint, whatever happens
);
-- Serves the dispatcher's "what is due" scan: only pending rows are in it.
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE state = 'pending';
-- `mailtrail webhooks` lists by state, newest first.
CREATE INDEX webhook_outbox_by_state ON webhook_outbox (state, id);
