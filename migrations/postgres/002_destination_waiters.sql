-- Relays waiting for a shared destination slot (src/store/postgres/destinations.ts): one row per key and
-- waiting relay, written by a refused take and lapsing by itself a few seconds after the relay stops
-- asking. A relay holding slots of that key reads them and gives connections back down to its fair share,
-- so that one relay's pooled connections cannot keep another relay from an address for good.
CREATE TABLE destination_waiters (
  key      TEXT NOT NULL,            -- host:<ip> (or domain:<name>)
  owner    TEXT NOT NULL,            -- the waiting relay
  holding  INTEGER NOT NULL,         -- slots of the key that relay holds already (0: it has none)
  until    BIGINT NOT NULL,
  PRIMARY KEY (key, owner)
);
