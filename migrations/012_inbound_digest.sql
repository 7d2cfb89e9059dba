-- 012: a digest of each inbound mail as received (envelope and bytes), so a second copy of the same mail is
-- known. A sender that did not see our 250 (a connection lost after the commit, RFC 5321 §6.1) sends the same
-- report again: it is kept, linked to the first copy, and changes nothing the first one changed (no second
-- event, webhook, suppression or report to the sender).
ALTER TABLE inbound ADD COLUMN digest TEXT;   -- hex SHA-256; NULL for mail processed before 012
CREATE INDEX inbound_by_digest ON inbound (digest) WHERE digest IS NOT NULL;
