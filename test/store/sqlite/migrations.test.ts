import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { backgroundSync, MIGRATIONS_DIR, openDatabase, readMigrations } from '../../../src/store/sqlite/database.js';
import { StoreError } from '../../../src/store/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-migrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const open = (p: string, migrationsDir?: string) => openDatabase({ path: p, synchronous: 'FULL', busyTimeoutMs: 1000, migrationsDir });

test('a fresh database gets every migration, WAL, a flush per commit and foreign keys', () => {
  const db = open(path.join(dir, 'fresh.db'));
  const versions = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
  assert.deepEqual(
    versions,
    readMigrations(MIGRATIONS_DIR).map((m) => m.version),
  );
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  // FULL with the default background flush: SQLite commits without flushing (NORMAL) and the group
  // commit flushes the WAL itself before it acknowledges (test/store/group-commit.test.ts).
  assert.equal(db.pragma('synchronous', { simple: true }), 1);
  assert.equal(backgroundSync.get(db), path.join(dir, 'fresh.db-wal'));
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
  const inline = openDatabase({ path: path.join(dir, 'inline.db'), synchronous: 'FULL', fsync: 'inline', busyTimeoutMs: 1000 });
  assert.equal(inline.pragma('synchronous', { simple: true }), 2, 'inline: SQLite flushes inside COMMIT (FULL)');
  assert.equal(backgroundSync.get(inline), undefined);
  inline.close();
});

test('re-opening applies nothing again and keeps the data', () => {
  const p = path.join(dir, 'again.db');
  const db1 = open(p);
  db1.prepare("INSERT INTO users (name, password_hash, sender_domains, created_at) VALUES ('a', 'x', '[]', 1)").run();
  const count = (db1.prepare('SELECT COUNT(*) n FROM schema_migrations').get() as { n: number }).n;
  db1.close();
  const db2 = open(p);
  assert.equal((db2.prepare('SELECT COUNT(*) n FROM schema_migrations').get() as { n: number }).n, count);
  assert.equal((db2.prepare('SELECT COUNT(*) n FROM users').get() as { n: number }).n, 1);
  db2.close();
});

test('a database written by a newer mailtrail is refused with a clear message', () => {
  const p = path.join(dir, 'newer.db');
  open(p).close();
  const raw = new Database(p);
  raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', 0)").run();
  raw.close();
  assert.throws(
    () => open(p),
    (err: unknown) => err instanceof StoreError && /schema is version 999.*newer mailtrail/.test((err as Error).message),
  );
});

test('a failing migration leaves nothing of itself behind', () => {
  const migrations = path.join(dir, 'migrations');
  cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
  writeFileSync(path.join(migrations, '900_broken.sql'), 'CREATE TABLE half_made (id INTEGER);\nTHIS IS NOT SQL;\n');
  const p = path.join(dir, 'broken.db');
  assert.throws(() => open(p, migrations));
  const raw = new Database(p);
  const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((t) => t.name);
  assert.ok(!tables.includes('half_made'), 'the broken migration was rolled back');
  assert.ok(tables.includes('messages'), 'earlier migrations stayed');
  assert.equal((raw.prepare('SELECT MAX(version) v FROM schema_migrations').get() as { v: number }).v < 900, true);
  raw.close();
});

test('009 rebuilds the events compactly: every event reads back as it was, suppressions keep their event, subjects are still indexed', () => {
  // A database at 007 with history written the old way, then opened with every migration.
  const upTo007 = path.join(dir, 'upto007');
  cpSync(MIGRATIONS_DIR, upTo007, { recursive: true, filter: (src) => !/\/0(0[89]|[1-9]\d)_[^/]*\.sql$/.test(src) });
  const p = path.join(dir, 'compact.db');
  const old = open(p, upTo007);
  old.exec(`INSERT INTO messages (id, queue_id, message_id, mail_from, size, sha256, created_at) VALUES (1, 'Q1', 'm1@x', 'a@x', 10, 'h', 1000);
    INSERT INTO recipients (id, message_id, address, domain, state, updated_at) VALUES (7, 1, 'b@y.test', 'y.test', 'bounced', 2000);`);
  const insert =
    old.prepare(`INSERT INTO events (id, at, message_id, recipient_id, kind, attempt, phase, code, enhanced, text, remote_host, remote_ip, duration_ms, detail)
    VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const rows = [
    [1, 1000, null, 'received', null, 'submission', null, null, null, null, null, null, '{"subject":"Your order","size":10}'],
    [2, 1500, null, 'phase', 1, 'ehlo', 250, null, 'mx.y.test', 'mx.y.test', '192.0.2.1', 4, '{"extensions":{"PIPELINING":""}}'],
    [3, 1600, 7, 'phase', 1, 'rcpt', 550, '5.1.1', 'no such user here', 'mx.y.test', '192.0.2.1', 2, null],
    [4, 1700, 7, 'bounced', 1, 'rcpt', 550, '5.1.1', 'no such user here', 'mx.y.test', '192.0.2.1', 60, '{"category":"mailbox-unknown","hard":true}'],
    [5, 1800, 7, 'some-future-kind', null, 'some-future-phase', null, null, 'Ok', null, null, null, '{"category":"mailbox-unknown","hard":true}'],
    // Enough copies of the host and the detail for them to be worth a texts row each.
    ...Array.from(
      { length: 8 },
      (_, i) =>
        [6 + i, 1900 + i, 7, 'deferred', 2, 'rcpt', 451, '4.7.1', 'later', 'mx.y.test', '192.0.2.1', 1, '{"category":"mailbox-unknown","hard":true}'] as const,
    ),
  ];
  for (const r of rows) insert.run(...r);
  old.exec(`INSERT INTO suppressions (address, reason, source, event_id, created_at) VALUES ('b@y.test', 'bounced', 'hard-bounce', 4, 2000)`);
  old.close();

  const db = open(p);
  const back = db
    .prepare(
      'SELECT id, at, recipient_id, kind, attempt, phase, code, enhanced, text, remote_host, remote_ip, duration_ms, detail FROM event_records ORDER BY id',
    )
    .raw()
    .all();
  assert.deepEqual(
    back,
    rows.map((r) => [...r.slice(0, 2), r[2], ...r.slice(3)]),
  );
  const stored = db.prepare('SELECT kind_code, phase_code, typeof(remote_host_v) AS host, typeof(detail_v) AS detail FROM events WHERE id = 4').get();
  assert.deepEqual(stored, { kind_code: 5, phase_code: 8, host: 'integer', detail: 'integer' }, 'numbers for kind and phase, repeated values as texts ids');
  assert.equal(db.prepare("SELECT event_id FROM suppressions WHERE address = 'b@y.test'").pluck().get(), 4);
  assert.equal(db.prepare("SELECT rowid FROM message_subjects WHERE message_subjects MATCH 'order'").pluck().get(), 1);
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  db.close();
});
