-- 008: SMTP TLS reporting (RFC 8460, src/tlsrpt). TLS sessions to each recipient domain counted per UTC day
-- as attempts are recorded, and one row per daily report so that only one node sends it, once.

CREATE TABLE tls_sessions (
  day             TEXT NOT NULL,              -- UTC YYYY-MM-DD
  domain          TEXT NOT NULL,              -- the recipient (policy) domain
  policy_id       TEXT NOT NULL,              -- MTA-STS policy id in force; '' = no-policy-found
  policy_mode     TEXT,                       -- enforce | testing; NULL without a policy
  policy_mx       TEXT NOT NULL DEFAULT '[]', -- JSON array of the policy's mx patterns
  policy_max_age  INTEGER,
  result          TEXT NOT NULL,              -- success, or an RFC 8460 result type
  sending_ip      TEXT NOT NULL DEFAULT '',
  receiving_mx    TEXT NOT NULL DEFAULT '',
  receiving_ip    TEXT NOT NULL DEFAULT '',
  reason          TEXT NOT NULL DEFAULT '',   -- failure-reason-code ('' none)
  sessions        INTEGER NOT NULL,
  PRIMARY KEY (day, domain, policy_id, result, sending_ip, receiving_mx, receiving_ip, reason)
);

CREATE TABLE tls_reports (
  day          TEXT NOT NULL,
  domain       TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'no-report')),
  owner        TEXT,                          -- the node sending it (while state = sending)
  lease_until  INTEGER,                       -- a sender that died past this is replaced
  tries        INTEGER NOT NULL,
  report_id    TEXT,
  note         TEXT,                          -- where it went, or why not
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (day, domain)
);
