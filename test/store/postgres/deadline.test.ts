/**
 * The statement deadline of the PostgreSQL pool (src/store/postgres/database.ts): a server that stops
 * answering fails the statement a little after statement_timeout, the connection is dropped and replaced,
 * and the failure passes (the scheduler retries the write). Kept in the store's own code since the pool's
 * query_timeout was dropped (it kept each statement's rows alive past the young generation's collections).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type Pg } from '../../../src/store/postgres/database.js';
import { isPassingWriteError } from '../../../src/store/errors.js';
import { startPostgres, type PgCluster } from '../../helpers/postgres.js';

const DEADLINE_MS = 300;
let cluster: PgCluster;
let db: Pg;
before(async () => {
  cluster = await startPostgres();
  db = await connect({ url: cluster.url(await cluster.createDatabase('deadline')), pool: 5, statementTimeoutMs: DEADLINE_MS });
});
after(async () => {
  cluster?.thaw();
  await db?.pool.end().catch(() => {});
  cluster?.stop();
});

/** The error `work` rejects with (it must reject), and how long it took. */
async function failure(work: () => Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const t0 = performance.now();
  try {
    await work();
  } catch (err) {
    return { err: err as Error, ms: performance.now() - t0 };
  }
  assert.fail('expected a failure');
}

test('a statement that the live server runs past statement_timeout is cancelled there; the connection stays usable', async () => {
  const { err } = await failure(() => db.rows('SELECT pg_sleep(5)'));
  assert.equal((err as Error & { code?: string }).code, '57014', err.message);
  assert.deepEqual(await db.rows('SELECT 1 AS n'), [{ n: 1 }]);
});

test('a frozen server: each kind of statement fails after the deadline and a grace, then works once it answers again', { timeout: 30_000 }, async () => {
  // Five connections open beforehand, one per statement below: a new one to a frozen server would wait for
  // the connection timeout (10 s) instead, another failure.
  await Promise.all(Array.from({ length: 5 }, () => db.rows('SELECT pg_sleep(0.05)', [], 'deadline_sleep')));
  cluster.freeze();
  try {
    const kinds: [string, () => Promise<unknown>][] = [
      ['rows', () => db.rows('SELECT 1 AS n')],
      ['rows, prepared', () => db.rows('SELECT 1 AS n', [], 'deadline_one')],
      ['row', () => db.row('SELECT $1::int AS n', [2])],
      ['statements', () => db.statements('SELECT 1; SELECT 2')],
      ['transaction', () => db.transaction((tx) => tx.query('SELECT 1'))],
    ];
    const failures = await Promise.all(kinds.map(([, work]) => failure(work)));
    for (const [i, { err, ms }] of failures.entries()) {
      const kind = kinds[i]![0];
      assert.match(err.message, /Query read timeout/, `${kind}: ${err.message}`);
      assert.ok(isPassingWriteError(err), `${kind}: the deadline's failure passes (${err.message})`);
      // The deadline (300 ms) and as long again.
      assert.ok(ms >= 2 * DEADLINE_MS - 20, `${kind}: not before the deadline and its grace (${ms.toFixed(0)} ms)`);
      assert.ok(ms < 2 * DEADLINE_MS + 2_000, `${kind}: failed soon after (${ms.toFixed(0)} ms)`);
    }
  } finally {
    cluster.thaw();
  }
  // The pool dropped the connections whose statements got no answer and opens new ones.
  for (let i = 0; i < 4; i++) assert.deepEqual(await db.rows('SELECT 1 AS n', [], 'deadline_one'), [{ n: 1 }], `statement ${i} after the thaw`);
  assert.deepEqual(await db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 3 AS n')).rows), [{ n: 3 }], 'a transaction after the thaw');
});

test('a statement answered in time is not failed later by its deadline', async () => {
  assert.deepEqual(await db.rows('SELECT pg_sleep(0.1)::text AS s'), [{ s: '' }]);
  // Past the moment the deadline of that statement would have expired: nothing rejects late or leaks.
  await new Promise((r) => setTimeout(r, 2 * DEADLINE_MS + 100));
  assert.deepEqual(await db.rows('SELECT 1 AS n'), [{ n: 1 }]);
});

test('a connection the server ends in the middle of a statement fails that statement, not the process; the next one gets a new connection', {
  timeout: 60_000,
}, async () => {
  const patient = await connect({ url: cluster.url('deadline'), pool: 1, statementTimeoutMs: 20_000 });
  try {
    const kinds: [string, () => Promise<unknown>][] = [
      ['rows', () => patient.rows("SELECT pg_sleep(10) AS cut -- 'rows'")],
      ['transaction', () => patient.transaction((tx) => tx.query("SELECT pg_sleep(10) AS cut -- 'transaction'"))],
    ];
    for (const [kind, work] of kinds) {
      const failed = failure(work);
      // Ended by the server (as by an administrator or a failover) once it runs.
      let ended = 0;
      for (let i = 0; i < 200 && !ended; i++) {
        await new Promise((r) => setTimeout(r, 50));
        ended = (
          await cluster.sql('deadline', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%AS cut --%' AND pid <> pg_backend_pid()")
        ).length;
      }
      assert.equal(ended, 1, `${kind}: its backend was found and ended`);
      const { err } = await failed;
      assert.match(err.message, /terminat/i, `${kind}: ${err.message}`);
      assert.ok(isPassingWriteError(err), `${kind}: a connection ended mid-statement passes (${err.message})`);
      assert.deepEqual(await patient.rows('SELECT 1 AS n'), [{ n: 1 }], `${kind}: the next statement runs on a new connection`);
    }
  } finally {
    await patient.pool.end().catch(() => {});
  }
});
