/** The store could not do what was asked (open, migrate, read, write); the message says what to do. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * The store could not write because its disk (or the database's size limit) is full: SQLite's
 * SQLITE_FULL, the system's ENOSPC, PostgreSQL's disk_full (53100). Callers answer it differently from
 * other failures: 452 4.3.1 "insufficient system storage" (RFC 3463) to clients, and a pause in claiming.
 */
export function isStorageFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  return (
    code === 'SQLITE_FULL' ||
    code === 'ENOSPC' ||
    code === '53100' ||
    (typeof e?.message === 'string' && /database or disk is full|no space left on device/i.test(e.message))
  );
}

/**
 * A write failure that passes by itself: a full disk (once space is freed), a locked SQLite database,
 * a PostgreSQL server that is restarting or out of reach (connection errors, SQLSTATE class 08 and
 * 57P0x, no answer within the client's deadline), or busy: every pooled connection in use past the wait
 * for one, a statement past statement_timeout (57014, a lock held long), a deadlock or serialization
 * failure the server broke by rolling one transaction back (40P01, 40001), a lock not available (55P03).
 * Retrying such a write later is right; retrying any other failure only repeats a fault.
 */
export function isPassingWriteError(err: unknown): boolean {
  if (isStorageFull(err)) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || /^08/.test(code) || /^57P0/.test(code)) return true;
  if (['57014', '40P01', '40001', '55P03'].includes(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true;
  // node-postgres: pg-pool's wait for a free connection, the statement deadline (postgres/database.ts), a connection dropped.
  return (
    typeof e?.message === 'string' &&
    /database is locked|Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout/i.test(e.message)
  );
}
