/**
 * Reads asked for during one turn of the event loop share one read transaction. Each read outside a
 * transaction is a transaction of its own, and the relay's other thread commits hundreds of times a
 * second: SQLite then finds the database changed and drops this connection's page cache, so every such
 * read starts by reading its B-tree pages from the file again (measured: about 17 us more per read than on
 * a quiet database). The reads of one turn (the content of the deliveries a finished group of attempts
 * makes room for) pay that once.
 *
 * Only for reads that may wait for the end of the turn; a read fails alone (the others still get theirs).
 */
import type { Db } from './database.js';

export interface ReadBatch {
  run<T>(read: () => T): Promise<T>;
}

interface Waiting {
  read: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const perDb = new WeakMap<Db, ReadBatch>();

export function readBatchFor(db: Db): ReadBatch {
  let batch = perDb.get(db);
  if (!batch) {
    batch = createReadBatch(db);
    perDb.set(db, batch);
  }
  return batch;
}

function createReadBatch(db: Db): ReadBatch {
  let waiting: Waiting[] = [];
  const runAll = db.transaction((list: Waiting[]) => {
    for (const w of list) {
      try {
        w.resolve(w.read());
      } catch (err) {
        w.reject(err);
      }
    }
  });
  const flush = () => {
    const list = waiting;
    waiting = [];
    // One read alone gains nothing from a transaction around it.
    if (list.length === 1) {
      const [w] = list;
      try {
        w!.resolve(w!.read());
      } catch (err) {
        w!.reject(err);
      }
      return;
    }
    try {
      runAll(list);
    } catch (err) {
      // BEGIN or COMMIT failed: whoever has no answer yet gets the error (a settled promise ignores it).
      for (const w of list) w.reject(err);
    }
  };
  return {
    run<T>(read: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ read, resolve: resolve as (v: unknown) => void, reject });
      });
    },
  };
}
