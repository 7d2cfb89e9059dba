/**
 * Numbered raw-SQL migrations, read the same way by both backends: `migrations/NNN_name.sql` for SQLite,
 * `migrations/postgres/NNN_name.sql` for PostgreSQL. Each is applied once, in its own transaction, and
 * recorded in `schema_migrations`; a database recorded at a higher number than the code knows is refused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../root.js';
import { StoreError } from './errors.js';

export const MIGRATIONS_DIR = path.join(ROOT, 'migrations');
export const POSTGRES_MIGRATIONS_DIR = path.join(MIGRATIONS_DIR, 'postgres');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** What a migration run did: the versions applied now, and the schema version after it. */
export interface MigrationResult {
  applied: number[];
  version: number;
}

export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .map((f) => ({ version: Number.parseInt(f, 10), name: f, sql: readFileSync(path.join(dir, f), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/** Refuses a schema written by a newer mailtrail; `setting` names where the user points at another database. */
export function checkNotNewer(current: number, migrations: Migration[], setting: string): void {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (current > known) {
    throw new StoreError(
      `database schema is version ${current} but this mailtrail knows migrations up to ${known}: ` +
        `it was written by a newer mailtrail. Upgrade mailtrail, or point ${setting} at another database.`,
    );
  }
}
