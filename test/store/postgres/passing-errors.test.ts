/**
 * The failures a real PostgreSQL server and node-postgres give when the database is busy rather than
 * broken pass by themselves (src/store/errors.ts isPassingWriteError): the scheduler keeps an attempt's
 * result and writes it again instead of giving it up after three tries, which would leave the outcome to
 * the lease lapsing and the mail to be sent twice (issue 13).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { isPassingWriteError } from '../../../src/store/errors.js';
import { startPostgres, type PgCluster } from '../../helpers/postgres.js';

let cluster: PgCluster;
let url: string;
before(async () => {
  cluster = await startPostgres();
  url = cluster.url(await cluster.createDatabase('passing'));
  await cluster.sql('passing', 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
  await cluster.sql('passing', 'INSERT INTO t VALUES (1, 0), (2, 0)');
});
after(() => cluster?.stop());

/** The error `work` rejects with (it must reject). */
async function failure(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a failure');
}

test('a pool whose every connection is busy answers a checkout timeout: it passes', async () => {
  // The busy statement's own connection must be made within the same timeout: 1 s, not 100 ms, so that a
  // loaded machine's slow connect is not taken for the checkout timeout under test.
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 1_000 });
  try {
    const busy = pool.query('SELECT pg_sleep(2)');
    const err = await failure(() => pool.query('SELECT 1'));
    assert.match(err.message, /timeout exceeded when trying to connect/);
    assert.ok(isPassingWriteError(err), err.message);
    await busy;
  } finally {
    await pool.end();
  }
});

test("a statement past the server's statement_timeout and one past the client's deadline pass", async () => {
  const client = new pg.Client({ connectionString: url, options: '-c statement_timeout=50' });
  await client.connect();
  try {
    const err = await failure(() => client.query('SELECT pg_sleep(1)'));
    assert.equal((err as Error & { code?: string }).code, '57014');
    assert.ok(isPassingWriteError(err), err.message);
  } finally {
    await client.end();
  }
  const slow = new pg.Client({ connectionString: url, query_timeout: 50 });
  await slow.connect();
  try {
    const err = await failure(() => slow.query('SELECT pg_sleep(0.5)'));
    assert.match(err.message, /Query read timeout/);
    assert.ok(isPassingWriteError(err), err.message);
  } finally {
    await slow.end().catch(() => {});
  }
});

test('a deadlock the server broke passes (its transaction was rolled back; the same write can go again)', async () => {
  const [a, b] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  await a.connect();
  await b.connect();
  try {
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query('UPDATE t SET n = n + 1 WHERE id = 1');
    await b.query('UPDATE t SET n = n + 1 WHERE id = 2');
    // Each now waits for the other's row: the server cancels one of them after deadlock_timeout (1 s).
    const results = await Promise.allSettled([a.query('UPDATE t SET n = n + 1 WHERE id = 2'), b.query('UPDATE t SET n = n + 1 WHERE id = 1')]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error & { code?: string });
    assert.equal(failed.length, 1, 'one of the two was chosen');
    assert.equal(failed[0]!.code, '40P01');
    assert.ok(isPassingWriteError(failed[0]), failed[0]!.message);
  } finally {
    await a.query('ROLLBACK').catch(() => {});
    await b.query('ROLLBACK').catch(() => {});
    await a.end();
    await b.end();
  }
});

test('a fault stays a fault: a constraint violation does not pass', async () => {
  const err = await failure(() => cluster.sql('passing', 'INSERT INTO t VALUES (1, 0)'));
  assert.equal((err as Error & { code?: string }).code, '23505');
  assert.ok(!isPassingWriteError(err));
});
