/**
 * Who copies the WAL back into the database file: with the relay's split (submission connection `none`,
 * delivery connection `background`), commits never include a checkpoint, and the WAL is still copied back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../../../src/store/sqlite/database.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a `none` connection never checkpoints; a `background` one copies a large WAL back on its own', async () => {
  const file = path.join(dir, 'c.db');
  const writer = openDatabase({ path: file, synchronous: 'NORMAL', busyTimeoutMs: 1000, checkpoint: 'none' });
  const checkpointer = openDatabase({ path: file, synchronous: 'NORMAL', busyTimeoutMs: 1000, checkpoint: 'background' });
  try {
    assert.equal(writer.pragma('wal_autocheckpoint', { simple: true }), 0);
    writer.exec('CREATE TABLE blobs (b BLOB)');
    const before = statSync(file).size;
    const insert = writer.prepare('INSERT INTO blobs (b) VALUES (?)');
    // 6 MB in separate commits: SQLite's own rule (1000 pages) would have checkpointed inside one of them.
    for (let i = 0; i < 24; i++) insert.run(Buffer.alloc(256 * 1024, i));
    assert.equal(statSync(file).size, before, 'the writer copied nothing into the database file');
    const deadline = Date.now() + 5_000;
    while (statSync(file).size < 6 * 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(statSync(file).size >= 6 * 1024 * 1024, `the background checkpoint copied the WAL back (file is ${statSync(file).size} bytes)`);
    assert.equal((writer.prepare('SELECT COUNT(*) AS n FROM blobs').get() as { n: number }).n, 24);
  } finally {
    writer.close();
    checkpointer.close();
  }
});
