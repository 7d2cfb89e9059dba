-- 008: history that costs less. At a million messages the timeline (about ten events a message) and the
-- indexes over it were most of the database apart from content. The events table is rebuilt in a compact
-- form, read through the view event_records, which gives back every column as before:
--   * kind and phase are stored as small numbers (kind_code, phase_code) and read back as the generated
--     columns kind and phase, which take no space; a kind or phase without a number here is stored as its
--     text, so a new one needs no migration;
--   * repeated texts are stored once, in `texts`: the reply text, remote host, remote address and detail of
--     an event are each either the value itself (TEXT) or the id of a row of `texts` (INTEGER). The store
--     writes an id for a value it has seen before (a server's usual replies, an MX name and its address,
--     an EHLO extension list, an outcome's classification); one-off values stay inline;
--   * the phases of one attempt (written together by recordAttempt) share one row, phase_code 0: their
--     common facts once (message, attempt, time, remote host and address), and per phase only what differs,
--     as a JSON array in detail_v. The row's id is its last phase's and the ids below it are its other
--     phases' (kept free when it is written), so ids stay unique and in commit order. The store turns such a
--     row back into its phase events (src/store/sqlite/event-rows.ts);
--   * recipient_id no longer references recipients: an event goes with its message (message_id still
--     cascades), and without that reference no index on recipient_id is needed for deletes, so
--     events_by_recipient goes (its one reader, the support page's last event of a recipient, goes
--     through the message's events instead).
-- recipients_by_address goes too: every address lookup is case-insensitive (recipients_by_address_nocase).
-- The subject index keeps its words but no longer a copy of each subject; new messages store their SHA-256
-- as 32 bytes rather than 64 hex digits (src/store/sqlite/messages.ts; both forms read back as hex).

DROP INDEX recipients_by_address;

CREATE TABLE texts (
  id     INTEGER PRIMARY KEY,
  value  TEXT NOT NULL UNIQUE
);

CREATE TABLE events_compact (
  id             INTEGER PRIMARY KEY,
  at             INTEGER NOT NULL,
  message_id     INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  recipient_id   INTEGER,
  kind_code      INTEGER NOT NULL,        -- see kind below; TEXT for a kind without a number
  attempt        INTEGER,
  phase_code     INTEGER,                 -- see phase below; TEXT for a phase without a number
  code           INTEGER,
  enhanced       TEXT,
  -- No declared type (BLOB affinity), so that a value keeps its type: TEXT inline, INTEGER a texts id.
  text_v,
  remote_host_v,
  remote_ip_v,
  duration_ms    INTEGER,
  detail_v,                               -- JSON text, or a texts id
  kind  TEXT GENERATED ALWAYS AS (CASE kind_code
    WHEN 1 THEN 'received' WHEN 2 THEN 'phase' WHEN 3 THEN 'delivered' WHEN 4 THEN 'deferred' WHEN 5 THEN 'bounced'
    WHEN 6 THEN 'delayed' WHEN 7 THEN 'reported' WHEN 8 THEN 'expired' WHEN 9 THEN 'suppressed' WHEN 10 THEN 'complained'
    WHEN 11 THEN 'auto-replied' WHEN 12 THEN 'dsn-sent' WHEN 13 THEN 'requeued' WHEN 14 THEN 'cancelled' WHEN 15 THEN 'interrupted'
    ELSE kind_code END) VIRTUAL,
  phase TEXT GENERATED ALWAYS AS (CASE phase_code
    WHEN 0 THEN NULL WHEN 1 THEN 'dns' WHEN 2 THEN 'connect' WHEN 3 THEN 'ehlo' WHEN 4 THEN 'helo' WHEN 5 THEN 'starttls' WHEN 6 THEN 'auth'
    WHEN 7 THEN 'mail' WHEN 8 THEN 'rcpt' WHEN 9 THEN 'data' WHEN 10 THEN 'quit' WHEN 11 THEN 'submission' WHEN 12 THEN 'inbound'
    ELSE phase_code END) VIRTUAL
);

-- Existing events: a value becomes a text when its repeated copies would pay for its row (as the store
-- decides for new events); the rest stay inline. Their phases stay one row each.
INSERT INTO texts (value)
  SELECT value FROM (
    SELECT text AS value FROM events WHERE length(text) >= 8
    UNION ALL SELECT remote_host FROM events WHERE length(remote_host) >= 8
    UNION ALL SELECT remote_ip FROM events WHERE length(remote_ip) >= 8
    UNION ALL SELECT detail FROM events WHERE length(detail) >= 8)
  GROUP BY value HAVING (COUNT(*) - 1) * length(value) >= 64;

INSERT INTO events_compact (id, at, message_id, recipient_id, kind_code, attempt, phase_code, code, enhanced, text_v, remote_host_v, remote_ip_v, duration_ms, detail_v)
  SELECT e.id, e.at, e.message_id, e.recipient_id,
    CASE e.kind WHEN 'received' THEN 1 WHEN 'phase' THEN 2 WHEN 'delivered' THEN 3 WHEN 'deferred' THEN 4 WHEN 'bounced' THEN 5
      WHEN 'delayed' THEN 6 WHEN 'reported' THEN 7 WHEN 'expired' THEN 8 WHEN 'suppressed' THEN 9 WHEN 'complained' THEN 10
      WHEN 'auto-replied' THEN 11 WHEN 'dsn-sent' THEN 12 WHEN 'requeued' THEN 13 WHEN 'cancelled' THEN 14 WHEN 'interrupted' THEN 15
      ELSE e.kind END,
    e.attempt,
    CASE e.phase WHEN 'dns' THEN 1 WHEN 'connect' THEN 2 WHEN 'ehlo' THEN 3 WHEN 'helo' THEN 4 WHEN 'starttls' THEN 5 WHEN 'auth' THEN 6
      WHEN 'mail' THEN 7 WHEN 'rcpt' THEN 8 WHEN 'data' THEN 9 WHEN 'quit' THEN 10 WHEN 'submission' THEN 11 WHEN 'inbound' THEN 12
      ELSE e.phase END,
    e.code, e.enhanced,
    COALESCE((SELECT id FROM texts WHERE value = e.text), e.text),
    COALESCE((SELECT id FROM texts WHERE value = e.remote_host), e.remote_host),
    COALESCE((SELECT id FROM texts WHERE value = e.remote_ip), e.remote_ip),
    e.duration_ms,
    COALESCE((SELECT id FROM texts WHERE value = e.detail), e.detail)
  FROM events e ORDER BY e.id;

-- Dropping the old table deletes its rows first, and suppressions.event_id would be set to NULL on the
-- way (foreign keys are on during migrations): the links are kept aside and put back (ids do not change).
CREATE TEMP TABLE suppression_events AS SELECT address, event_id FROM suppressions WHERE event_id IS NOT NULL;
DROP TABLE events;
ALTER TABLE events_compact RENAME TO events;
UPDATE suppressions SET event_id = (SELECT s.event_id FROM temp.suppression_events s WHERE s.address = suppressions.address)
  WHERE address IN (SELECT address FROM temp.suppression_events);
DROP TABLE temp.suppression_events;

CREATE INDEX events_by_message ON events (message_id, id);
-- On kind_code (delivered 3, deferred 4, bounced 5, expired 8, complained 10): an index on the generated
-- kind would hold each kind's name.
CREATE INDEX events_outcomes ON events (kind_code, at, recipient_id) WHERE kind_code IN (3, 4, 5, 8, 10);
CREATE INDEX events_complaints ON events (message_id) WHERE kind = 'complained';

-- Every read of events goes through this view: the columns of the table as it was (001), values resolved,
-- and `folded` for a row that holds the phases of an attempt.
CREATE VIEW event_records AS
  SELECT e.id, e.at, e.message_id, e.recipient_id, e.kind, e.attempt, e.phase, e.code, e.enhanced,
    CASE WHEN typeof(e.text_v) = 'integer' THEN (SELECT value FROM texts WHERE id = e.text_v) ELSE e.text_v END AS text,
    CASE WHEN typeof(e.remote_host_v) = 'integer' THEN (SELECT value FROM texts WHERE id = e.remote_host_v) ELSE e.remote_host_v END AS remote_host,
    CASE WHEN typeof(e.remote_ip_v) = 'integer' THEN (SELECT value FROM texts WHERE id = e.remote_ip_v) ELSE e.remote_ip_v END AS remote_ip,
    e.duration_ms,
    CASE WHEN typeof(e.detail_v) = 'integer' THEN (SELECT value FROM texts WHERE id = e.detail_v) ELSE e.detail_v END AS detail,
    e.phase_code IS 0 AS folded
  FROM events e;

-- The subject index of 007 without its copy of each subject (contentless): the subject is in the message's
-- `received` event, where the store reads it. contentless_delete keeps the rows deletable (retention).
CREATE VIRTUAL TABLE message_subject_words USING fts5 (subject, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO message_subject_words (rowid, subject) SELECT rowid, subject FROM message_subjects;
DROP TRIGGER message_subjects_remove;
DROP TABLE message_subjects;
ALTER TABLE message_subject_words RENAME TO message_subjects;
CREATE TRIGGER message_subjects_remove AFTER DELETE ON messages
BEGIN
  DELETE FROM message_subjects WHERE rowid = old.id;
END;

-- The subject trigger of 007, on the new table (the subject is read from the resolved detail).
CREATE TRIGGER message_subjects_add AFTER INSERT ON events
  WHEN new.kind = 'received'
BEGIN
  INSERT INTO message_subjects (rowid, subject)
    SELECT new.message_id, json_extract(d.detail, '$.subject') FROM event_records d
     WHERE d.id = new.id AND json_extract(d.detail, '$.subject') IS NOT NULL;
END;
