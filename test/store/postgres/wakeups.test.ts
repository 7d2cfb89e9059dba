/**
 * Wake-ups on PostgreSQL (LISTEN/NOTIFY), between two stores on one database as two relays have them:
 * which writes wake a listener, and a listening connection that the server cuts is opened again, reported
 * once, and its subscriber woken on return for what it missed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.js';
import { WAKEUPS_APPLICATION_NAME } from '../../../src/store/postgres/wakeups.js';
import { waitFor } from '../../e2e/cli.js';
import { newMessage } from '../../helpers/new-message.js';
import { startPostgres, type PgCluster } from '../../helpers/postgres.js';

let cluster: PgCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster?.stop());

/** Two relays' stores on a new database: `a` writes, `b` listens. */
async function twoStores(name: string): Promise<{ a: PostgresStore; b: PostgresStore; db: string; close(): Promise<void> }> {
  const db = await cluster.createDatabase(name);
  const a = await openPostgresStore({ url: cluster.url(db), pool: 2 });
  const b = await openPostgresStore({ url: cluster.url(db), pool: 2 });
  return { a, b, db, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

/** Listening connections on `db` (pg_stat_activity shows LISTEN as their last statement). */
async function listeners(db: string): Promise<number> {
  const rows = await cluster.sql(
    'postgres',
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND query LIKE 'LISTEN%'`,
    [db, WAKEUPS_APPLICATION_NAME],
  );
  return rows[0]!.n as number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('another relay is woken when mail is queued, a retry is written or a claim is given back; not by claims or final results', {
  timeout: 30_000,
}, async (t) => {
  const { a, b, db, close } = await twoStores('wake_writes');
  let wakes = 0;
  const sub = b.wakeups.subscribe({ wake: () => wakes++ });
  try {
    await waitFor(async () => (await listeners(db)) === 1, 'b listening');
    /** Runs `write` and returns how many wake-ups `b` got within `ms`. */
    const wakesAfter = async (write: () => Promise<unknown>, ms = 400) => {
      const before = wakes;
      const at = Date.now();
      await write();
      if (ms === 0) {
        await waitFor(async () => wakes > before, 'a wake-up', 2_000, 5);
        return Date.now() - at;
      }
      await pause(ms);
      return wakes - before;
    };

    const first = await wakesAfter(() => a.messages.enqueue(newMessage({ messageId: 'w1@app.test', recipients: ['r1@wake.test'] })), 0);
    t.diagnostic(`woken ${first} ms after the enqueue resolved`);
    assert.ok(first < 1_000, `woken within a second of intake's commit (took ${first} ms)`);
    await a.messages.enqueue(newMessage({ messageId: 'w2@app.test', recipients: ['r2@wake.test'] }));
    await pause(200);

    let claimed: Awaited<ReturnType<typeof a.queue.claimDue>> = [];
    assert.equal(
      await wakesAfter(async () => (claimed = await a.queue.claimDue({ now: Date.now(), limit: 10, owner: 'a', leaseUntil: Date.now() + 30_000 }))),
      0,
      'a claim wakes nobody',
    );
    assert.equal(claimed.length, 2);
    const [one, two] = claimed;
    const update = (id: number, state: 'delivered' | 'deferred') => ({
      id,
      state,
      nextAttemptAt: state === 'deferred' ? Date.now() + 60_000 : null,
      lastCode: 250,
      lastEnhanced: null,
      lastText: 'ok',
      category: null,
      hard: null,
    });
    assert.equal(
      await wakesAfter(() => a.queue.recordAttempt({ owner: 'a', at: Date.now(), events: [], recipients: [update(one!.id, 'delivered')] })),
      0,
      'a delivery wakes nobody',
    );
    assert.ok(
      (await wakesAfter(() => a.queue.recordAttempt({ owner: 'a', at: Date.now(), events: [], recipients: [update(two!.id, 'deferred')] }))) >= 1,
      'a retry written wakes',
    );
    await a.queue.claimDue({ now: Date.now() + 60_000, limit: 10, owner: 'a2', leaseUntil: Date.now() + 90_000 });
    assert.ok((await wakesAfter(() => a.queue.releaseLeases('a2'))) >= 1, 'a claim given back wakes');

    // A burst of intake commits is told in a few notifications, not one per message.
    const burst = await wakesAfter(() =>
      Promise.all(Array.from({ length: 50 }, (_, i) => a.messages.enqueue(newMessage({ recipients: [`b${i}@wake.test`] })))),
    );
    t.diagnostic(`50 concurrent enqueues: ${burst} wake-ups`);
    assert.ok(burst >= 1 && burst < 50, `a burst coalesces (${burst} wake-ups for 50 messages)`);
  } finally {
    await sub.close();
    await close();
  }
});

test('a listening connection the server cuts is opened again with backoff: reported once, and the subscriber woken when it is back', {
  timeout: 30_000,
}, async (t) => {
  const { a, b, db, close } = await twoStores('wake_cut');
  let wakes = 0;
  const lost: Error[] = [];
  const resumed: number[] = [];
  const sub = b.wakeups.subscribe({ wake: () => wakes++, lost: (err) => lost.push(err), resumed: ({ downMs }) => resumed.push(downMs) });
  try {
    await waitFor(async () => (await listeners(db)) === 1, 'b listening');
    // New connections refused while it is cut, so that it has to try again (and back off) more than once.
    await cluster.sql('postgres', `ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
    await cluster.sql('postgres', 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [
      db,
      WAKEUPS_APPLICATION_NAME,
    ]);
    await waitFor(async () => lost.length > 0, 'the loss reported');
    assert.match(lost[0]!.message, /terminat/i);
    const before = wakes;
    await pause(1_500);
    assert.equal(lost.length, 1, 'reported once however many tries fail');
    assert.equal(await listeners(db), 0);

    await cluster.sql('postgres', `ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
    await waitFor(async () => resumed.length === 1, 'listening again', 10_000, 20);
    t.diagnostic(`down for ${resumed[0]} ms`);
    assert.ok(resumed[0]! >= 1_500);
    assert.ok(wakes > before, 'woken on return, for what was missed meanwhile');
    assert.equal(await listeners(db), 1);

    const was = wakes;
    await a.messages.enqueue(newMessage({ recipients: ['again@wake.test'] }));
    await waitFor(async () => wakes > was, 'woken by the next enqueue', 2_000, 10);
  } finally {
    await sub.close();
    await close();
  }
  assert.equal(await listeners(db), 0, 'closing the subscription ends its connection');
});
