-- 010: the raw bytes of inbound mail in a table of their own, in pieces (issue 11, large DSNs).
-- SQLite rewrites a whole row on UPDATE, overflow pages included: marking a 7 MB report processed wrote
-- its 7 MB again, inside the group commit that submissions share. And one 7 MB insert held that group
-- commit (and every submission waiting on it) for tens of milliseconds. Now the inbound row stays small,
-- and a large mail is written a piece per commit, the row marked `stored` with the last piece.

CREATE TABLE inbound_raw (
  inbound_id  INTEGER NOT NULL REFERENCES inbound (id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,             -- 0, 1, … in the order of the bytes
  bytes       BLOB NOT NULL,
  PRIMARY KEY (inbound_id, seq)
) WITHOUT ROWID;
INSERT INTO inbound_raw (inbound_id, seq, bytes) SELECT id, 0, raw FROM inbound;
ALTER TABLE inbound DROP COLUMN raw;

-- 0 while the pieces of a large mail are still being written (no 250 has been given for it yet);
-- rows left at 0 by a crash or a failed write are deleted by the next large receive after an hour.
ALTER TABLE inbound ADD COLUMN stored INTEGER NOT NULL DEFAULT 1;
CREATE INDEX inbound_partial ON inbound (received_at) WHERE stored = 0;
