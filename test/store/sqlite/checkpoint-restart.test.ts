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
import { openDatabase } from '../../../src/store/sqlite/database.js';
import { createThreadLock, useThreadLock } from '../../../src/store/sqlite/thread-lock.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-checkpoint-restart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MB = 1024 * 1024;

test('under commits from another thread without a pause, the WAL starts over instead of growing by all that is written', async () => {
  const file = path.join(dir, 'r.db');
  const lock = createThreadLock();
  useThreadLock(lock);
  const setup = openDatabase({ path: file, synchronous: 'NORMAL', busyTimeoutMs: 5000, checkpoint: 'none' });
  setup.exec('CREATE TABLE blobs (b BLOB)');
  setup.close();
  const checkpointer = openDatabase({ path: file, synchronous: 'NORMAL', busyTimeoutMs: 5000, checkpoint: 'background', walRestartBytes: 8 * MB });
  const written = 160 * MB;
  // The writer: another thread, as the relay's submission thread, committing 64 KB at a time under the
  // shared write lock, one commit a millisecond.
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
         // at most 64 MB a second, about twice the relay's busiest (a 4 KB message writes ~30 KB of WAL)
         await new Promise((r) => setTimeout(r, 1));
       }
       db.close();
       parentPort.postMessage('done');
     })().catch((err) => parentPort.postMessage(String(err && err.stack || err)));`,
    {
      eval: true,
      workerData: {
        file,
        lock,
        commits: written / (64 * 1024),
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
    largest = Math.max(largest, statSync(`${file}-wal`).size);
    assert.ok(largest < 64 * MB, `the WAL grew to ${(largest / MB).toFixed(1)} MB while ${written / MB} MB were written`);
    assert.equal((checkpointer.prepare('SELECT COUNT(*) AS n FROM blobs').get() as { n: number }).n, written / (64 * 1024));
  } finally {
    clearInterval(watch);
    await writer.terminate();
    checkpointer.close();
    useThreadLock(null);
  }
});
