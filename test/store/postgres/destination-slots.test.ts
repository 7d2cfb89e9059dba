/**
 * Taking a destination slot on PostgreSQL: what the store contract cannot see through the interface.
 * Two relays asking for a key's last slot take turns on the key's advisory lock, and the one that waited
 * counts the other's slot, committed while it waited (its count is read after the lock is granted, not
 * from a snapshot taken before). And the taking commits without waiting for the WAL flush: it sets
 * synchronous_commit off for its own transaction only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.js';
import { startPostgres, type PgCluster } from '../../helpers/postgres.js';

let cluster: PgCluster;
let store: PostgresStore;
let url: string;
before(async () => {
  cluster = await startPostgres();
  url = cluster.url(await cluster.createDatabase('slots'));
  store = await openPostgresStore({ url, pool: 1 });
});
after(async () => {
  await store?.close();
  cluster?.stop();
});
const T0 = Date.UTC(2030, 0, 1);

test("a taker that waited for the key's lock counts the slot committed meanwhile: the last slot goes once", { timeout: 30_000 }, async () => {
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  try {
    // Another relay in the middle of taking the key's last slot.
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['domain:race.test']);
    let settled = false;
    const ours = store.destinations
      .acquire({ key: 'domain:race.test', holder: 'us:d1', limit: 1, now: T0, until: T0 + 30_000 })
      .finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(settled, false, 'it waits for the lock');
    await other.query('INSERT INTO destination_slots (key, holder, until) VALUES ($1, $2, $3)', ['domain:race.test', 'them:d1', T0 + 30_000]);
    await other.query('COMMIT');
    assert.equal(await ours, false, 'the slot the other relay committed while we waited is counted');
  } finally {
    await other.end();
  }
  const rows = await cluster.sql('slots', 'SELECT holder FROM destination_slots WHERE key = $1', ['domain:race.test']);
  assert.deepEqual(
    rows.map((r) => r.holder),
    ['them:d1'],
  );
});

test('taking a slot turns synchronous_commit off for its own transaction, not for the connection', async () => {
  assert.equal(await store.destinations.acquire({ key: 'host:192.0.2.9', holder: 'us:h1', limit: 1, now: T0, until: T0 + 30_000 }), true);
  // pool: 1, so this runs on the connection that took the slot.
  assert.deepEqual(await store.db.rows('SHOW synchronous_commit'), [{ synchronous_commit: 'on' }]);
});
