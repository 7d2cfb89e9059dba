-- 001: the whole pipeline's schema: users, messages and their content, recipients (delivery state),
-- the append-only events timeline, inbound mail (bounces, complaints, auto-replies) and suppressions.
-- Times are INTEGER milliseconds since the Unix epoch. Booleans are 0/1.

CREATE TABLE users (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  password_hash   TEXT NOT NULL,              -- scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>
  sender_domains  TEXT NOT NULL,              -- JSON array of domains this user may send from; ["*"] = any
  created_at      INTEGER NOT NULL
);

CREATE TABLE messages (
  id                INTEGER PRIMARY KEY,
  queue_id          TEXT NOT NULL UNIQUE,     -- ours: shown in "250 2.0.0 Ok: queued as <queue_id>"
  message_id        TEXT,                     -- header Message-ID without <>, not unique
  message_id_added  INTEGER NOT NULL DEFAULT 0,
  mail_from         TEXT NOT NULL,            -- envelope sender; '' = null sender <>
  username          TEXT,
  client_ip         TEXT,
  client_hostname   TEXT,
  tls               TEXT,                     -- JSON {protocol, cipher} or NULL for cleartext
  size              INTEGER NOT NULL,
  sha256            TEXT NOT NULL,
  tag               TEXT,                     -- X-Mailtrail-Tag (stream), removed before delivery
  env_id            TEXT,                     -- RFC 3461 ENVID
  ret               TEXT CHECK (ret IN ('FULL', 'HDRS')),
  origin            TEXT NOT NULL DEFAULT 'submission' CHECK (origin IN ('submission', 'dsn')),
  created_at        INTEGER NOT NULL
);
CREATE INDEX messages_by_message_id ON messages (message_id);
CREATE INDEX messages_by_created ON messages (created_at);
CREATE INDEX messages_by_tag ON messages (tag, created_at) WHERE tag IS NOT NULL;

-- The raw bytes, apart from the row that is scanned by queries. Kept until the message is purged.
CREATE TABLE message_content (
  message_id  INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  raw         BLOB NOT NULL
);

CREATE TABLE recipients (
  id                 INTEGER PRIMARY KEY,
  message_id         INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  address            TEXT NOT NULL,
  domain             TEXT NOT NULL,           -- lower-cased, the routing key
  state              TEXT NOT NULL CHECK (state IN ('queued', 'deferred', 'delivered', 'bounced', 'expired', 'suppressed', 'cancelled')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    INTEGER,                 -- due time while queued/deferred
  lease_owner        TEXT,                    -- worker holding the claim
  lease_until        INTEGER,                 -- the claim lapses after this; an expired lease is claimable again
  notify             TEXT,                    -- RFC 3461 NOTIFY, comma-separated; NULL = default
  orcpt              TEXT,                    -- RFC 3461 ORCPT as given
  last_code          INTEGER,
  last_enhanced      TEXT,
  last_text          TEXT,
  category           TEXT,
  hard               INTEGER,
  delay_notified_at  INTEGER,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX recipients_by_message ON recipients (message_id);
CREATE INDEX recipients_by_address ON recipients (address, message_id);
CREATE INDEX recipients_by_domain_state ON recipients (domain, state);
-- Serves the scheduler's "what is due" scan and nothing else: only waiting recipients are in it.
CREATE INDEX recipients_due ON recipients (next_attempt_at) WHERE state IN ('queued', 'deferred');

CREATE TABLE events (
  id            INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,
  message_id    INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  recipient_id  INTEGER REFERENCES recipients (id) ON DELETE CASCADE,
  kind          TEXT NOT NULL,
  attempt       INTEGER,
  phase         TEXT,
  code          INTEGER,
  enhanced      TEXT,
  text          TEXT,
  remote_host   TEXT,
  remote_ip     TEXT,
  duration_ms   INTEGER,
  detail        TEXT                          -- JSON
);
CREATE INDEX events_by_message ON events (message_id, id);
CREATE INDEX events_by_recipient ON events (recipient_id, id) WHERE recipient_id IS NOT NULL;

-- Every mail accepted on the inbound (bounce) listener, stored raw before 250, then parsed and matched.
CREATE TABLE inbound (
  id                    INTEGER PRIMARY KEY,
  received_at           INTEGER NOT NULL,
  mail_from             TEXT NOT NULL,
  rcpt_to               TEXT NOT NULL,        -- JSON array
  client_ip             TEXT,
  size                  INTEGER NOT NULL,
  raw                   BLOB NOT NULL,
  kind                  TEXT,                 -- parse result kind; NULL until processed
  parse                 TEXT,                 -- JSON parse result (or {error})
  matched_message_id    INTEGER REFERENCES messages (id) ON DELETE SET NULL,
  matched_recipient_id  INTEGER REFERENCES recipients (id) ON DELETE SET NULL,
  match_rule            TEXT,                 -- verp | envid | message-id | recipient-window
  processed_at          INTEGER
);
CREATE INDEX inbound_unprocessed ON inbound (id) WHERE processed_at IS NULL;
CREATE INDEX inbound_unmatched ON inbound (received_at) WHERE processed_at IS NOT NULL AND matched_message_id IS NULL;

CREATE TABLE suppressions (
  address     TEXT PRIMARY KEY,               -- lower-cased
  reason      TEXT NOT NULL,
  source      TEXT NOT NULL CHECK (source IN ('hard-bounce', 'complaint', 'manual')),
  event_id    INTEGER REFERENCES events (id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL
);
