-- 007: what the support page (src/web) reads, kept fast at millions of messages.

-- Outcome events by kind and time: the health charts count them per minute, hour and day, and the
-- failing domains are read from the failures among them (recipient_id included, so that only failures
-- are looked up). Partial: only outcomes (one or two per recipient), not the phases that make up most of
-- the table, so the delivery path pays for a small index only.
CREATE INDEX events_outcomes ON events (kind, at, recipient_id) WHERE kind IN ('delivered', 'deferred', 'bounced', 'expired', 'complained');

-- Search by state "complained" (an event, not a recipient state): the few messages that have one.
CREATE INDEX events_complaints ON events (message_id) WHERE kind = 'complained';

-- Search by a state few recipients are in: expired, suppressed, cancelled are written once and are rare,
-- so a search for them starts here instead of walking every message (the waiting states use recipients_due).
CREATE INDEX recipients_rare_states ON recipients (state, message_id) WHERE state IN ('expired', 'suppressed', 'cancelled');

-- The webhooks sent for a message's events (its page lists them, with a resend for failed ones).
CREATE INDEX webhook_outbox_by_event ON webhook_outbox (event_id);

-- Search by subject words. Intake records the decoded Subject on the `received` event; a trigger copies
-- it here (rowid = the message's row id), and deleting a message (retention) removes it. FTS5 finds a
-- word among a million subjects without reading them.
CREATE VIRTUAL TABLE message_subjects USING fts5 (subject, tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER message_subjects_add AFTER INSERT ON events
  WHEN new.kind = 'received' AND json_extract(new.detail, '$.subject') IS NOT NULL
BEGIN
  INSERT INTO message_subjects (rowid, subject) VALUES (new.message_id, json_extract(new.detail, '$.subject'));
END;

CREATE TRIGGER message_subjects_remove AFTER DELETE ON messages
BEGIN
  DELETE FROM message_subjects WHERE rowid = old.id;
END;

-- Messages stored before this migration: their subjects are in their content, which is not parsed here.
-- Their received events carry none, so they are found by every other filter, not by subject words.
