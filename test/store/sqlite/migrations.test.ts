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
