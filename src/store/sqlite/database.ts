/**
 * Opening the SQLite database: pragmas that make a commit durable, and numbered migrations.
 */
import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { StoreError } from '../errors.js';
import { checkNotNewer, MIGRATIONS_DIR, readMigrations, type MigrationResult } from '../migrations.js';
import { withThreadLock } from './thread-lock.js';

export type Db = Database.Database;

export { MIGRATIONS_DIR, readMigrations };

export interface OpenOptions {
  path: string;
  synchronous: 'FULL' | 'EXTRA' | 'NORMAL';
  busyTimeoutMs: number;
  /**
   * Who makes a FULL commit durable. `inline`: SQLite fsyncs the WAL inside COMMIT, which blocks the
   * event loop for the length of a disk flush. `background` (default): SQLite commits without the
   * flush (PRAGMA synchronous=NORMAL) and the group commit flushes the WAL with fdatasync on libuv's
   * thread pool, resolving each write only after that flush. Same promise either way: nothing is
   * acknowledged before it is on stable storage. Ignored unless synchronous is FULL.
   */
  fsync?: 'inline' | 'background';
  /**
   * Fail at open when this user cannot write the database (a file owned by another user, a read-only
   * mount): a relay that started anyway said it was ready and answered every message 451.
   */
  requireWritable?: boolean;
  /**
   * Who copies the WAL back into the database file. `auto` (default): SQLite, inside whichever COMMIT
   * finds the WAL over 1000 pages, which stalls that commit's thread for a copy and a disk flush.
   * `none`: never on this connection. `background`: this connection runs a PASSIVE checkpoint on a
   * timer, outside any write, so the relay's submission thread (`none`) never waits for one.
   */
  checkpoint?: 'auto' | 'none' | 'background';
  /**
   * `background` only: WAL length past which the checkpointer finishes a checkpoint while holding the
   * threads' write lock, so that the WAL starts over (default 32 MiB; smaller in tests).
   */
  walRestartBytes?: number;
  /**
   * Page cache of this connection, in KiB. Default: better-sqlite3's build, 16,000 KiB (SQLite's own is
   * 2,000). The cache lives as long as no other connection writes: in WAL mode a connection that finds
   * the database changed by another one empties it before its next read.
   */
  cacheKib?: number;
  migrationsDir?: string;
  /** Told what the migrations did on opening (`mailtrail migrate` reports it). */
  onMigrated?: (result: MigrationResult) => void;
}

/** Databases whose WAL the group commit flushes itself (see OpenOptions.fsync), with the WAL's path. */
export const backgroundSync = new WeakMap<Db, string>();

/** A write that changes nothing, rolled back: SQLite refuses it at once on a database it opened read-only. */
function probeWrite(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${version}`);
  } finally {
    db.exec('ROLLBACK');
  }
}

/** What went wrong opening the database, as the key to fix and what to do; other errors as they are. */
function openFailure(file: string, err: unknown): unknown {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB')
    return new StoreError(
      `database.path ${file} is not a SQLite database (${(err as Error).message}): point database.path at a mailtrail database, or move that file away`,
    );
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN')
    return new StoreError(
      `database ${file} cannot be written by this user (${code}): give the user running mailtrail write access to it, its -wal and -shm files and its directory (database.path)`,
    );
  return err;
}

export function openDatabase(opts: OpenOptions): Db {
  if (opts.path !== ':memory:') {
    const dir = path.dirname(path.resolve(opts.path));
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      // A StoreError names the key to fix; a raw ENOTDIR/EACCES reached the operator as a stack trace.
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new StoreError(
        `cannot create ${dir}, the directory of database ${opts.path} (${code}): check database.path, and that the user running mailtrail may write there`,
      );
    }
  }
  let db: Db;
  try {
    db = new Database(opts.path, { timeout: opts.busyTimeoutMs });
  } catch (err) {
    throw new StoreError(`cannot open database ${opts.path}: ${(err as Error).message}; check database.path`);
  }
  try {
    // WAL: readers (queries, the API) never block the writer, and a commit is one append + fsync.
    db.pragma('journal_mode = WAL');
  } catch (err) {
    db.close();
    throw openFailure(opts.path, err);
  }
  // FULL: a commit is on disk before we answer 250. NORMAL would lose the last commits on power loss.
  db.pragma(`synchronous = ${opts.synchronous}`);
  db.pragma('foreign_keys = ON');
  // `INSERT/UPDATE … RETURNING` stages its rows in a temporary table; this build keeps those in a file
  // by default (TEMP_STORE=1), which made every enqueue, claim and attempt record several times slower.
  db.pragma('temp_store = MEMORY');
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs}`);
  if (opts.cacheKib !== undefined) db.pragma(`cache_size = ${-opts.cacheKib}`);
  let migrated: MigrationResult;
  try {
    migrated = migrate(db, opts.migrationsDir ?? MIGRATIONS_DIR);
    if (opts.requireWritable && opts.path !== ':memory:') probeWrite(db);
  } catch (err) {
    db.close();
    throw openFailure(opts.path, err);
  }
  opts.onMigrated?.(migrated);
  if (opts.synchronous === 'FULL' && (opts.fsync ?? 'background') === 'background' && opts.path !== ':memory:' && opts.path !== '') {
    // Migrations above ran with SQLite's own FULL flush; from here on the group commit flushes.
    db.pragma('synchronous = NORMAL');
    backgroundSync.set(db, `${path.resolve(opts.path)}-wal`);
  }
  if (opts.checkpoint === 'none' || opts.checkpoint === 'background') db.pragma('wal_autocheckpoint = 0');
  if (opts.checkpoint === 'background' && opts.path !== ':memory:')
    startCheckpointer(db, `${path.resolve(opts.path)}-wal`, opts.walRestartBytes ?? RESTART_AT_BYTES);
  return db;
}

/** WAL size that makes the background checkpointer copy it back (SQLite's own threshold: 1000 pages). */
const CHECKPOINT_AT_BYTES = 4 * 1024 * 1024;
/**
 * WAL length (frames in it, not the file's size) past which the checkpointer makes the WAL start over.
 * Big enough that a wait for it is rare (every few seconds at the relay's peak), small enough that the
 * file stays in the page cache and commits rewrite it instead of extending it.
 */
const RESTART_AT_BYTES = 32 * 1024 * 1024;
/** What the checkpointer leaves to copy while it holds the write lock, at most (when commits allow). */
const LAST_COPY_BYTES = 1024 * 1024;

/** What `PRAGMA wal_checkpoint` answers: frames in the WAL, and how many of them are in the database file now. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

function startCheckpointer(db: Db, walPath: string, restartAtBytes: number): void {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const timer = setInterval(() => {
    if (!db.open) return clearInterval(timer);
    let size = 0;
    try {
      size = statSync(walPath).size;
    } catch {
      return;
    }
    if (size < CHECKPOINT_AT_BYTES) return;
    try {
      // PASSIVE: copies what no reader still needs, takes no write lock, never waits for writers; the
      // next writer then restarts the WAL from its beginning, if the copy reached the WAL's end.
      const passive = () => (db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[])[0];
      let copied = passive();
      // Under commits without a pause (the other thread appends while this one copies) it never does,
      // and the WAL grows by all that is written: hundreds of MB in a busy minute, every commit
      // extending the file (its flush then also writes the file's new size, twice as slow here as a
      // rewrite). So a long WAL is copied again while its tail (what was appended during the copy
      // before) is long, and its last frames then while this thread holds the write lock: no commit can
      // land in between, the checkpoint reaches the end, and the next commit starts the WAL over. The
      // other thread waits only for that last, short copy (under 1 MB, unless commits outrun the copies).
      if (copied && copied.log * pageSize >= restartAtBytes) {
        for (let pass = 0; pass < 4; pass++) {
          const before = copied.log;
          copied = passive();
          if ((copied.log - before) * pageSize <= LAST_COPY_BYTES) break;
        }
        withThreadLock(passive);
      }
    } catch {
      /* busy: the next tick tries again */
    }
  }, 250);
  timer.unref();
}

/** Applies the migrations not yet recorded, each in its own transaction. Re-running is a no-op. */
export function migrate(db: Db, dir: string): MigrationResult {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const migrations = readMigrations(dir);
  const current = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  checkNotNewer(current, migrations, 'database.path');
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    applied.push(m.version);
  }
  return { applied, version: Math.max(current, ...applied) };
}
