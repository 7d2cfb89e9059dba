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
 */
import type { Db } from './database.js';

export interface GroupCommit {
  /** Runs `work` inside the next group transaction; resolves with its result after that transaction commits. */
  run<T>(work: () => T): Promise<T>;
  /** Transactions committed (or attempted) and members run so far, for tests and the benchmark. */
  stats(): { groups: number; members: number };
}

interface Member {
  work: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const perDb = new WeakMap<Db, GroupCommit>();

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
  let pending: Member[] = [];
  let scheduled = false;
  let groups = 0;
  let members = 0;

  function flush(): void {
    scheduled = false;
    const group = pending;
    pending = [];
    if (group.length === 0) return;
    groups++;
    members += group.length;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      // IMMEDIATE: take the write lock at BEGIN, so a locked database fails the group once (after
      // busy_timeout) instead of once per member.
      db.transaction(() => {
        for (const m of group) {
          // SQLite rolls the whole transaction back by itself on some errors (SQLITE_FULL, IOERR, NOMEM):
          // running the next member then would commit it on its own, outside the group. Stop instead.
          if (!db.inTransaction) throw new Error('the group transaction was rolled back by SQLite after an earlier error');
          try {
            outcomes.push({ ok: true, value: db.transaction(m.work)() }); // nested: a SAVEPOINT
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      }).immediate();
    } catch (err) {
      for (const m of group) m.reject(err);
      return;
    }
    group.forEach((m, i) => {
      const o = outcomes[i];
      if (o.ok) m.resolve(o.value);
      else m.reject(o.err);
    });
  }

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          // setImmediate, not a microtask: everything the current I/O phase delivers (other sessions'
          // DATA ends, finished deliveries) joins this group.
          setImmediate(flush);
        }
      });
    },
    stats: () => ({ groups, members }),
  };
}
