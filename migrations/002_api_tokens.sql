-- 002: bearer tokens for the HTTP API, added with `mailtrail tokens add`. Only a SHA-256 of each token
-- is kept: a copied database does not give API access. (Tokens in the config file are not stored here.)
CREATE TABLE api_tokens (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  sha256      TEXT NOT NULL UNIQUE,         -- hex SHA-256 of the token
  scope       TEXT NOT NULL CHECK (scope IN ('read', 'admin')),
  created_at  INTEGER NOT NULL
);
