/**
 * Opening the configured store. The backend (database.backend) is chosen here and nowhere else: every
 * other part sees only the Store interface (./store.ts).
 *
 * A relay runs in up to two threads (submission and delivery), each with its own connection(s). What a
 * thread is for (`role`) and what the threads share (`StoreShare`, made by the main thread before it
 * starts the other) are backend-neutral words; each backend reads them as it needs (SQLite: who copies
 * the WAL back, and a write lock both threads take; PostgreSQL: nothing, each thread has its own pool).
 */
import type { Config } from '../config/schema.js';
import type { MigrationResult } from './migrations.js';
import { openSqliteStore } from './sqlite/index.js';
import { createThreadLock, useThreadLock, type ThreadLock } from './sqlite/thread-lock.js';
import type { Store } from './store.js';

export type * from './store.js';
export type * from './deliverability.js';
export { StoreError } from './errors.js';
export type { MigrationResult } from './migrations.js';

/**
 * `single`: the only thread of a relay that delivers in-process, or a tool (CLI). `submission`: the main
 * thread of a relay whose delivery runs in a delivery thread. `delivery`: that delivery thread.
 */
export type StoreRole = 'single' | 'submission' | 'delivery';

/** What the delivery thread needs to share the main thread's store (it crosses threads: plain data only). */
export interface StoreShare {
  sqliteLock: ThreadLock | null;
}

/** In the main thread, before the delivery thread starts; `unshare` when it has stopped. */
export function shareStore(config: Pick<Config, 'database'>): { share: StoreShare; unshare(): void } {
  if (config.database.backend !== 'sqlite') return { share: { sqliteLock: null }, unshare() {} };
  const lock = createThreadLock();
  useThreadLock(lock);
  return { share: { sqliteLock: lock }, unshare: () => useThreadLock(null) };
}

/**
 * The delivery thread's SQLite page cache: SQLite's own default (2 MB) instead of better-sqlite3's 16 MB.
 * What that connection reads is read once (a claimed message's content) or is a few hot index pages; a
 * queue of 100,000 deferred messages filled 16 MB of it with contents never read again (13 MB more
 * resident during the memory benchmark's burst). While submissions arrive, the main thread's writes empty
 * it at every commit anyway. The main thread keeps the large cache: it answers the API's queries.
 */
const DELIVERY_CACHE_KIB = 2_000;

export async function openStore(config: Pick<Config, 'database'>, options: { role?: StoreRole; share?: StoreShare } = {}): Promise<Store> {
  const db = config.database;
  const role = options.role ?? 'single';
  if (db.backend === 'sqlite') {
    if (options.share?.sqliteLock) useThreadLock(options.share.sqliteLock);
    // With a delivery thread, that thread copies the WAL back in the background; submission never does.
    const checkpoint = role === 'submission' ? 'none' : role === 'delivery' ? 'background' : 'auto';
    const cacheKib = role === 'delivery' ? DELIVERY_CACHE_KIB : undefined;
    // A relay (any role) must be able to write; a command (no role) may only read (`trace` as a support user).
    const requireWritable = options.role !== undefined;
    return openSqliteStore({
      checkpoint,
      cacheKib,
      path: db.path,
      synchronous: db.synchronous,
      busyTimeoutMs: db.busy_timeout_ms,
      fsync: db.fsync,
      requireWritable,
    });
  }
  // Each thread of a relay has its own pool; the server serialises what they do. Loaded on demand: a
  // SQLite relay never loads the driver.
  const { openPostgresStore } = await import('./postgres/index.js');
  return openPostgresStore({ url: db.url, pool: db.pool, statementTimeoutMs: db.statement_timeout_ms });
}

/**
 * `mailtrail migrate`: applies the configured database's pending migrations and nothing else. (Every open
 * applies them too; this runs them alone, e.g. as a deployment step before the relays start.)
 */
export async function migrateDatabase(config: Pick<Config, 'database'>): Promise<MigrationResult> {
  const db = config.database;
  if (db.backend === 'postgres') return (await import('./postgres/index.js')).migratePostgres({ url: db.url, pool: 1 });
  let result: MigrationResult = { applied: [], version: 0 };
  const store = openSqliteStore({
    path: db.path,
    synchronous: db.synchronous,
    busyTimeoutMs: db.busy_timeout_ms,
    fsync: db.fsync,
    onMigrated: (r) => (result = r),
  });
  await store.close();
  return result;
}
