import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readBatchFor } from '../../../src/store/sqlite/read-batch.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-read-batch-'));
const file = path.join(dir, 'r.db');
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
// The relay's other thread: a second connection that commits while reads are under way.
const other = new Database(file);
after(() => {
  db.close();
  other.close();
  rmSync(dir, { recursive: true, force: true });
});

test('reads asked for in one turn share one read transaction: a commit made between two of them is seen by neither', async () => {
  const count = db.prepare('SELECT COUNT(*) FROM t').pluck();
  const batch = readBatchFor(db);
  const first = batch.run(() => {
    const n = count.get();
    other.prepare('INSERT INTO t (v) VALUES (?)').run('committed by the other connection');
    return n;
  });
  const second = batch.run(() => count.get());
  assert.deepEqual(await Promise.all([first, second]), [0, 0]);
  // The next turn's reads see it.
  assert.equal(await batch.run(() => count.get()), 1);
});

test('a read that fails is rejected alone; the others of its turn get their answers', async () => {
  const batch = readBatchFor(db);
  const results = await Promise.allSettled([
    batch.run(() => db.prepare('SELECT v FROM t').pluck().get()),
    batch.run(() => db.prepare('SELECT v FROM nowhere').get()),
    batch.run(() => 42),
  ]);
  assert.equal(results[0]!.status, 'fulfilled');
  assert.equal((results[0] as PromiseFulfilledResult<unknown>).value, 'committed by the other connection');
  assert.equal(results[1]!.status, 'rejected');
  assert.match(String((results[1] as PromiseRejectedResult).reason), /no such table: nowhere/);
  assert.deepEqual(results[2], { status: 'fulfilled', value: 42 });
});
