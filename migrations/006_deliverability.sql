-- 006: deliverability. DKIM signing keys made with `mailtrail dkim keygen`, and the MTA-STS policies of
-- recipient domains, cached for their max_age so that every node sharing the store uses the same ones.

-- Private keys live here rather than in files: every node of a shared store signs with the same key, and a
-- backup of the queue carries the keys its messages were signed with. Guard the database like the keys.
CREATE TABLE dkim_keys (
  id           INTEGER PRIMARY KEY,
  domain       TEXT NOT NULL,                 -- lower-case ASCII (A-label): the d= tag
  selector     TEXT NOT NULL,                 -- the s= tag
  algorithm    TEXT NOT NULL CHECK (algorithm IN ('rsa-sha256', 'ed25519-sha256')),
  private_key  TEXT NOT NULL,                 -- PKCS#8 PEM
  public_key   TEXT NOT NULL,                 -- the p= value of the DNS record (base64)
  active       INTEGER NOT NULL DEFAULT 1,    -- signs; at most one active key per domain and algorithm
  created_at   INTEGER NOT NULL,
  UNIQUE (domain, selector)
);
CREATE UNIQUE INDEX dkim_keys_one_active ON dkim_keys (domain, algorithm) WHERE active = 1;

CREATE TABLE mta_sts_policies (
  domain       TEXT PRIMARY KEY,              -- the recipient domain, lower-case ASCII
  policy_id    TEXT NOT NULL,                 -- id= of the _mta-sts TXT record it was fetched for
  mode         TEXT NOT NULL CHECK (mode IN ('enforce', 'testing', 'none')),
  mx           TEXT NOT NULL,                 -- JSON array of mx patterns (`mx.example.com`, `*.example.net`)
  max_age      INTEGER NOT NULL,              -- seconds, as published
  fetched_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL               -- fetched_at + max_age: used until then even if DNS disappears
);
