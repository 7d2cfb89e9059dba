/**
 * Group commit: the writes asked for during one turn of the event loop share one SQLite transaction,
 * so one fsync (synchronous=FULL) makes all of them durable instead of one fsync each. The fsync is the
 * cost of a write on a real disk (milliseconds, against microseconds for the inserts), and because
 * better-sqlite3 is synchronous it also stalls the event loop: a relay that commits each message alone
 * spends its time waiting for the disk. PostgreSQL and InnoDB do the same for the same reason.
 *
 * Durability is unchanged: a member's promise resolves only after the COMMIT that holds its writes has
 * returned (the WAL is on disk). Each member runs in its own SAVEPOINT, so one member that fails (a
 * constraint, a trigger) is rolled back and rejected alone; if the transaction as a whole cannot begin
 * or commit (database locked past busy_timeout, I/O error, disk full), every member is rejected and
 * nothing of any of them remains.
 *
 * Background flush (database.fsync: background, the default): SQLite commits without flushing and the WAL
 * is flushed here with fdatasync on libuv's thread pool, so the event loop keeps serving sessions during
 * the disk flush. Members resolve only after the flush that covers their commit; writes asked for while a
 * flush runs wait for its end and commit as one group, covered by the next flush. A flush failure rejects
 * every member it covered (their clients hear 451 and resend, so a message may then exist twice:
 * at-least-once, never lost). Other connections may read a commit before its flush; nothing is
 * acknowledged before it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { backgroundSync, type Db } from './database.js';
import { withThreadLock } from './thread-lock.js';

export interface GroupCommit {
  /** Runs `work` inside the next group transaction; resolves with its result after that transaction commits. */
  run<T>(work: () => T): Promise<T>;
  /** Transactions committed (or attempted), members run and background flushes so far, for tests and the benchmark. */
  stats(): { groups: number; members: number; flushes: number };
  /** Resolves when no write is waiting for its commit or flush; closes the WAL handle. */
  drain(): Promise<void>;
}

interface Member {
  work: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

const perDb = new WeakMap<Db, GroupCommit>();
const committedHooks = new WeakMap<Db, (() => void)[]>();

/**
 * Calls `fn` after each group transaction of `db` that committed (before its flush): whatever the group's
 * members wrote is then in the database for good, as far as this connection can see.
 */
export function afterEachGroupCommit(db: Db, fn: () => void): void {
  const hooks = committedHooks.get(db) ?? [];
  hooks.push(fn);
  committedHooks.set(db, hooks);
}

/** The group commit of this connection: every store area writing through it shares its transactions. */
export function groupCommitFor(db: Db): GroupCommit {
  let g = perDb.get(db);
  if (!g) {
    g = createGroupCommit(db);
    perDb.set(db, g);
  }
  return g;
}

export function createGroupCommit(db: Db): GroupCommit {
  // The transaction functions are made once: better-sqlite3's transaction() builds four wrappers and
  // defines five properties on each per call, which made it the largest allocation site of the delivery
  // thread when it ran twice per group (allocation profile, issue 19).
  const runMember = db.transaction((work: () => unknown) => work()); // nested inside the group: a SAVEPOINT
  const runGroup = db.transaction((group: Member[], outcomes: Outcome[]) => {
    for (const m of group) {
      // SQLite rolls the whole transaction back by itself on some errors (SQLITE_FULL, IOERR, NOMEM):
      // running the next member then would commit it on its own, outside the group. Stop instead.
      if (!db.inTransaction) throw new Error('the group transaction was rolled back by SQLite after an earlier error');
      try {
        outcomes.push({ ok: true, value: runMember(m.work) });
      } catch (err) {
        outcomes.push({ ok: false, err });
      }
    }
  });
  let pending: Member[] = [];
  let scheduled = false;
  let groups = 0;
  let members = 0;
  let flushes = 0;
  let wal: FileHandle | null = null;
  /** Committed groups' settlements waiting for a flush, and the flush running now. */
  let unflushed: { settle(): void; fail(err: unknown): void }[] = [];
  let flushing: Promise<void> | null = null;

  function flushWal(): void {
    if (flushing || unflushed.length === 0) return;
    const batch = unflushed;
    unflushed = [];
    flushes++;
    const walPath = backgroundSync.get(db);
    flushing = (async () => {
      wal ??= await open(walPath!, 'r');
      await wal.datasync();
    })()
      .then(
        () => batch.forEach((b) => b.settle()),
        (err: unknown) => {
          const error = new Error(`flushing the SQLite WAL ${walPath} to disk failed: ${(err as Error).message}`);
          batch.forEach((b) => b.fail(error));
        },
      )
      .finally(() => {
        flushing = null;
        flushWal();
        if (pending.length) schedule();
      });
  }

  /**
   * The next group transaction, at the end of this turn of the event loop: setImmediate, not a microtask,
   * so everything the current I/O phase delivers (other sessions' DATA ends, finished deliveries) joins it.
   * While a WAL flush runs, writes wait for its end and then commit together: they could not be
   * acknowledged before the next flush anyway, and one transaction for all of them writes the shared
   * pages (indexes, the subject index's new segment) once, where a transaction per turn wrote them each
   * time (issue 19: about 1.2 transactions per flush before, 1 now).
   */
  function schedule(): void {
    if (scheduled || flushing) return;
    scheduled = true;
    setImmediate(flush);
  }

  function flush(): void {
    scheduled = false;
    const group = pending;
    pending = [];
    if (group.length === 0) return;
    groups++;
    members += group.length;
    const outcomes: Outcome[] = [];
    try {
      // IMMEDIATE: take the write lock at BEGIN, so a locked database fails the group once (after
      // busy_timeout) instead of once per member.
      // withThreadLock: the other thread of the relay waits on an atomic, not in SQLite's busy sleep.
      withThreadLock(() => runGroup.immediate(group, outcomes));
    } catch (err) {
      // When SQLite rolled the group back after a member's error (SQLITE_FULL on a full disk), that error
      // is the cause for everyone: the COMMIT's own complaint ("no transaction is active") says nothing.
      const cause = outcomes.find((o): o is { ok: false; err: unknown } => !o.ok)?.err;
      const groupError = cause
        ? Object.assign(new Error(`the write was rolled back with its group: ${(cause as Error).message}`), { code: (cause as { code?: unknown }).code })
        : err;
      group.forEach((m, i) => {
        const o = outcomes[i];
        m.reject(o && !o.ok ? o.err : groupError);
      });
      return;
    }
    for (const hook of committedHooks.get(db) ?? []) hook();
    const settle = () =>
      group.forEach((m, i) => {
        const o = outcomes[i];
        if (o.ok) m.resolve(o.value);
        else m.reject(o.err);
      });
    if (!backgroundSync.has(db)) return settle();
    unflushed.push({ settle, fail: (err) => group.forEach((m) => m.reject(err)) });
    flushWal();
  }

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    stats: () => ({ groups, members, flushes }),
    async drain() {
      while (scheduled || flushing || unflushed.length) {
        if (flushing) await flushing;
        else await new Promise((r) => setImmediate(r));
      }
      const handle = wal;
      wal = null;
      await handle?.close();
    },
  };
}
