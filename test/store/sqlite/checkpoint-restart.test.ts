/**
 * The background checkpointer keeps the WAL bounded while another thread commits without a pause: a
 * PASSIVE checkpoint alone never catches up with a writer that appends while it copies, so SQLite never
 * starts the WAL over and the file grows by everything written (hundreds of MB in a busy minute, and
 * every commit then extends the file, which costs a flush twice as long as rewriting it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { checkpointerStatsOf, openDatabase } from '../../../src/store/sqlite/database.js';
import { createThreadLock, useThreadLock } from '../../../src/store/sqlite/thread-lock.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-checkpoint-restart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MB = 1024 * 1024;

/**
 * Another thread, as the relay's submission thread, committing 64 KB at a time under the shared write
 * lock, `commits` times with a pause of `pauseMs` after each; resolves with the WAL file's largest size.
 */
async function commitFromAnotherThread(file: string, lock: Int32Array, commits: number, pauseMs: number): Promise<number> {
  const writer = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     (async () => {
       // A worker does not inherit tsx's loader: tsImport compiles the store's modules (src/thread-entry.ts).
       const { tsImport } = await import('tsx/esm/api');
       const { openDatabase } = await tsImport(workerData.database, workerData.database);
       const { useThreadLock, withThreadLock } = await tsImport(workerData.threadLock, workerData.threadLock);
       useThreadLock(workerData.lock);
       const db = openDatabase({ path: workerData.file, synchronous: 'NORMAL', busyTimeoutMs: 5000, checkpoint: 'none' });
       const insert = db.prepare('INSERT INTO blobs (b) VALUES (?)');
       const blob = Buffer.alloc(64 * 1024, 7);
       for (let i = 0; i < workerData.commits; i++) {
         withThreadLock(() => insert.run(blob));
         await new Promise((r) => setTimeout(r, workerData.pauseMs));
       }
       db.close();
       parentPort.postMessage('done');
     })().catch((err) => parentPort.postMessage(String(err && err.stack || err)));`,
    {
      eval: true,
      workerData: {
        file,
        lock,
        commits,
        pauseMs,
        database: pathToFileURL(path.resolve('src/store/sqlite/database.ts')).href,
        threadLock: pathToFileURL(path.resolve('src/store/sqlite/thread-lock.ts')).href,
      },
    },
  );
  let largest = 0;
  const watch = setInterval(() => {
    try {
      largest = Math.max(largest, statSync(`${file}-wal`).size);
    } catch {
      /* not there yet */
    }
  }, 20);
  try {
    const result = await new Promise((resolve, reject) => {
      writer.once('message', resolve);
      writer.once('error', reject);
    });
    assert.equal(result, 'done');
    return Math.max(largest, statSync(`${file}-wal`).size);
  } finally {
    clearInterval(watch);
    await writer.terminate();
  }
}

/** A fresh database with one table, and its checkpointer's connection (restart length 8 MiB). */
function freshDatabase(name: string) {
  const file = path.join(dir, name);
  const setup = openDatabase({ path: file, synchronous: 'NORMAL', busyTimeoutMs: 5000, checkpoint: 'none' });
  setup.exec('CREATE TABLE blobs (b BLOB)');
  setup.close();
  return { file, checkpointer: openDatabase({ path: file, synchronous: 'NORMAL', busyTimeoutMs: 5000, checkpoint: 'background', walRestartBytes: 8 * MB }) };
}

test('under commits from another thread without a pause, the WAL starts over instead of growing by all that is written', async () => {
  const lock = createThreadLock();
  useThreadLock(lock);
  const { file, checkpointer } = freshDatabase('r.db');
  const written = 160 * MB;
  try {
    // one commit a millisecond: at most 64 MB a second, about twice the relay's busiest (a 4 KB message writes ~30 KB of WAL)
    const largest = await commitFromAnotherThread(file, lock, written / (64 * 1024), 1);
    assert.ok(largest < 64 * MB, `the WAL grew to ${(largest / MB).toFixed(1)} MB while ${written / MB} MB were written`);
    assert.equal((checkpointer.prepare('SELECT COUNT(*) AS n FROM blobs').get() as { n: number }).n, written / (64 * 1024));
    const stats = checkpointerStatsOf(checkpointer);
    assert.ok(stats && stats.restarts >= 2, `the WAL reached its restart length ${stats?.restarts} times while ${written / MB} MB were written`);
  } finally {
    checkpointer.close();
    useThreadLock(null);
  }
});

test('at a moderate commit rate the WAL starts over mostly without making the other thread wait for a locked copy', async () => {
  const lock = createThreadLock();
  useThreadLock(lock);
  const { file, checkpointer } = freshDatabase('moderate.db');
  // a 64 KB commit every ~5 ms (timers round up): ~10 MB a second, the WAL at its restart length every second or so
  const written = 48 * MB;
  try {
    const largest = await commitFromAnotherThread(file, lock, written / (64 * 1024), 5);
    assert.ok(largest < 32 * MB, `the WAL grew to ${(largest / MB).toFixed(1)} MB while ${written / MB} MB were written`);
    const stats = checkpointerStatsOf(checkpointer);
    assert.ok(stats && stats.restarts >= 3, `the WAL reached its restart length ${stats?.restarts} times while ${written / MB} MB were written`);
    // Before the quick passes every restart took the lock (locked === restarts).
    assert.ok(stats.locked * 2 <= stats.restarts, `${stats.locked} of ${stats.restarts} restarts held the write lock for the last copy`);
  } finally {
    checkpointer.close();
    useThreadLock(null);
  }
});
