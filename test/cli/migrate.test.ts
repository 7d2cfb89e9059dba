/**
 * `mailtrail migrate` on SQLite, as an operator runs it: a new database gets every migration, a second run
 * has nothing to do, a database written by a newer mailtrail is refused (exit 1). (On PostgreSQL:
 * test/store/postgres/backend.test.ts.)
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { MIGRATIONS_DIR, readMigrations } from '../../src/store/migrations.js';
import { runCli } from '../e2e/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-migrate-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = path.join(dir, 'mailtrail.yaml');
writeFileSync(config, 'database: { path: data/q.db }\n');
const versions = readMigrations(MIGRATIONS_DIR).map((m) => m.version);
const latest = Math.max(...versions);

test('migrate applies every migration to a new database, then has nothing to do; a newer database is refused', async () => {
  const first = await runCli(['migrate', '--config', config]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, `sqlite database ${path.join(dir, 'data/q.db')}: applied migrations ${versions.join(', ')}; schema version ${latest}\n`);
  const again = await runCli(['migrate', '--config', config]);
  assert.equal(again.stdout, `sqlite database ${path.join(dir, 'data/q.db')}: schema version ${latest}, nothing to apply\n`);

  const db = new Database(path.join(dir, 'data/q.db'));
  db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', 0)").run();
  db.close();
  const newer = await runCli(['migrate', '--config', config]);
  assert.equal(newer.code, 1);
  assert.match(
    newer.stderr,
    /^mailtrail: database schema is version 999 but this mailtrail knows migrations up to \d+: .*point database\.path at another database\.\n$/,
  );
});
