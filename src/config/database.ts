/** What the rest of mailtrail asks about the `database` section without caring which backend it names. */
import path from 'node:path';
import type { DatabaseConfig } from './schema.js';

export type SqliteDatabaseConfig = Extract<DatabaseConfig, { backend: 'sqlite' }>;
export type PostgresDatabaseConfig = Extract<DatabaseConfig, { backend: 'postgres' }>;

/** For logs and error messages: the SQLite file, or the PostgreSQL URL without its password. */
export function describeDatabase(db: DatabaseConfig): string {
  return db.backend === 'sqlite' ? db.path : urlWithoutPassword(db.url);
}

/** A PostgreSQL URL with its password masked. */
export function urlWithoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
}

/**
 * Where this node keeps its own files (a generated certificate): beside the SQLite file, or the
 * PostgreSQL backend's `state_dir`. Null for an in-memory SQLite database (tests).
 */
export function nodeStateDir(db: DatabaseConfig): string | null {
  if (db.backend === 'postgres') return path.resolve(db.state_dir);
  return db.path === ':memory:' ? null : path.dirname(path.resolve(db.path));
}

/** The SQLite settings, for code that only runs on SQLite (its own tests, the benchmark's fill); throws otherwise. */
export function sqliteSettings(db: DatabaseConfig): SqliteDatabaseConfig {
  if (db.backend !== 'sqlite') throw new Error(`this needs database.backend sqlite (it is ${db.backend})`);
  return db;
}
