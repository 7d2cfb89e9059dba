import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { backgroundSync } from '../../../src/store/sqlite/database.js';
import { groupCommitFor } from '../../../src/store/sqlite/group-commit.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import type { NewMessage } from '../../../src/store/store.js';
import { newMessage } from '../../helpers/new-message.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-group-commit-'));
const dbPath = path.join(dir, 'q.db');
const store = openSqliteStore({ path: dbPath, synchronous: 'FULL', busyTimeoutMs: 100 });
// A second connection sees only what is committed: the witness that a promise resolved after its commit.
const witness = new Database(dbPath, { readonly: true });
after(async () => {
  witness.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function message(queueId: string): NewMessage {
  return newMessage({ queueId, createdAt: 1_700_000_000_000, recipients: ['a@dest.test'] });
}

const committed = (queueId: string) => witness.prepare('SELECT COUNT(*) AS n FROM messages WHERE queue_id = ?').get(queueId) as { n: number };
const counts = () =>
  witness.prepare('SELECT (SELECT COUNT(*) FROM messages) AS m, (SELECT COUNT(*) FROM recipients) AS r, (SELECT COUNT(*) FROM events) AS e').get();

test('enqueues asked for together share one transaction, and each resolves only once its message is committed', async () => {
  const before = groupCommitFor(store.db).stats();
  const ids = Array.from({ length: 30 }, (_, i) => `G1-${i}`);
  const seenAtResolve = await Promise.all(ids.map((id) => store.messages.enqueue(message(id)).then(() => committed(id).n)));
  assert.deepEqual(
    seenAtResolve,
    ids.map(() => 1),
    'every message was visible to another connection when its promise resolved',
  );
  const stats = groupCommitFor(store.db).stats();
  assert.equal(stats.members - before.members, 30);
  assert.equal(stats.groups - before.groups, 1, '30 enqueues in one turn of the event loop: one transaction, one fsync');
});

test('one member that fails is rolled back and rejected alone; the rest of its group commits', async () => {
  await store.messages.enqueue(message('G2-dup'));
  const before = counts() as { m: number; r: number; e: number };
  const results = await Promise.allSettled([
    store.messages.enqueue(message('G2-a')),
    store.messages.enqueue(message('G2-dup')),
    store.messages.enqueue(message('G2-b')),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
  assert.equal(committed('G2-a').n, 1);
  assert.equal(committed('G2-b').n, 1);
  // Two messages, each with its recipient and its `received` event: nothing of the failed one.
  assert.deepEqual(counts(), { m: before.m + 2, r: before.r + 2, e: before.e + 2 });
});

test('a group that cannot commit (database locked past busy_timeout) rejects every member and keeps none of them', async () => {
  const before = counts();
  const other = new Database(dbPath);
  other.exec('BEGIN IMMEDIATE');
  let results: PromiseSettledResult<unknown>[];
  try {
    results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.messages.enqueue(message(`G3-${i}`))));
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected', 'rejected', 'rejected'],
  );
  assert.match(String((results[0] as PromiseRejectedResult).reason), /locked|busy/i);
  assert.deepEqual(counts(), before);
  // The connection is usable again: the same messages now commit.
  await Promise.all(Array.from({ length: 5 }, (_, i) => store.messages.enqueue(message(`G3-${i}`))));
  assert.equal((counts() as { m: number }).m, (before as { m: number }).m + 5);
});

test('queue writes join the same group as intake: claims and attempt results of concurrent deliveries share a commit', async () => {
  await store.messages.enqueue(message('G4'));
  const before = groupCommitFor(store.db).stats();
  const now = 1_700_000_000_000;
  const [claimed, other] = await Promise.all([
    store.queue.claimDue({ now, limit: 1000, owner: 'w1', leaseUntil: now + 60_000 }),
    store.messages.enqueue(message('G4-b')),
  ]);
  assert.ok(claimed.length > 0);
  assert.equal(other.message.queueId, 'G4-b');
  const written = await Promise.all(
    claimed.slice(0, 3).map((r) =>
      store.queue.recordAttempt({
        owner: 'w1',
        at: now,
        events: [{ at: now, messageRowId: r.messageRowId, recipientId: r.id, kind: 'delivered' }],
        recipients: [{ id: r.id, state: 'delivered', nextAttemptAt: null, lastCode: 250, lastEnhanced: '2.0.0', lastText: 'ok', category: null, hard: null }],
      }),
    ),
  );
  assert.ok(written.every((w) => w.recorded.length === 1 && w.lost.length === 0));
  const stats = groupCommitFor(store.db).stats();
  assert.equal(stats.groups - before.groups, 2, 'one commit for claim + enqueue, one for the three attempt results');
});

test('background flush: a write resolves only after a WAL flush that follows its commit; groups committed meanwhile share a flush', async () => {
  const g = groupCommitFor(store.db);
  const before = g.stats();
  const flushesAtResolve: number[] = [];
  // Three waves in three turns of the event loop: three transactions, the later ones committing while
  // the first flush may still be running.
  const waves: Promise<unknown>[] = [];
  for (let w = 0; w < 3; w++) {
    waves.push(Promise.all([0, 1, 2].map((i) => store.messages.enqueue(message(`BG-${w}-${i}`)).then(() => flushesAtResolve.push(g.stats().flushes)))));
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(waves);
  const after = g.stats();
  assert.ok(after.groups - before.groups >= 2, 'the waves committed separately');
  assert.ok(
    flushesAtResolve.every((f) => f > before.flushes),
    'no write resolved before a flush had started after its commit',
  );
  assert.ok(after.flushes - before.flushes <= after.groups - before.groups, 'never more flushes than transactions');
});

test('background flush: a flush that fails rejects the writes it covered, with the WAL named', async () => {
  const p = path.join(dir, 'flushfail.db');
  const s = openSqliteStore({ path: p, synchronous: 'FULL', busyTimeoutMs: 100 });
  try {
    // Point the flush at a file that cannot be opened: the stand-in for an I/O error from the disk.
    backgroundSync.set(s.db, path.join(dir, 'missing-dir', 'flushfail.db-wal'));
    await assert.rejects(s.messages.enqueue(message('FF-1')), /flushing the SQLite WAL .*missing-dir.* failed/);
  } finally {
    backgroundSync.set(s.db, `${p}-wal`);
    await s.close();
  }
});
