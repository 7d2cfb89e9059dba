/**
 * Connecting to PostgreSQL: a pool of `database.pool` connections, each committing durably, values read
 * back as the store's records expect them, and numbered migrations applied under an advisory lock.
 */
import pg from 'pg';
import { urlWithoutPassword } from '../../config/database.js';
import { StoreError } from '../errors.js';
import { checkNotNewer, POSTGRES_MIGRATIONS_DIR, readMigrations, type MigrationResult } from '../migrations.js';

export interface PgOptions {
  url: string;
  /** Connections this pool keeps open at most. */
  pool: number;
  /**
   * How long one statement may take (default 30 s). The server cancels it then (statement_timeout); a
   * server that does not answer at all (frozen host, network partition) is given as long again (5 s at
   * most) more, then the
   * connection is dropped and the statement fails: a submission hears 451 instead of waiting forever.
   */
  statementTimeoutMs?: number;
  migrationsDir?: string;
}

/** One connection's way to run a statement: the pool's (any free connection) or a transaction's own. */
export interface Queryable {
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
}

export interface Pg {
  readonly pool: pg.Pool;
  /** The URL without its password, for messages. */
  readonly where: string;
  /**
   * Rows of one statement (on any free connection, in its own transaction). `prepare`: a name for a
   * statement whose text never changes and that runs per message, so each connection parses and plans it once.
   */
  rows<T extends pg.QueryResultRow>(sql: string, params?: unknown[], prepare?: string): Promise<T[]>;
  /** The first row of one statement, or undefined. */
  row<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** Several statements without parameters in one round trip (one implicit transaction): each one's result. */
  statements(sql: string): Promise<pg.QueryResult[]>;
  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it
   * throws. For the few writes that cannot be one statement (a JS decision between two statements).
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

/**
 * Advisory lock keys (two int4: 'mtrl' and a number), so that mailtrail's locks never collide with another
 * application's on a shared server.
 */
export const LOCKS = {
  migrate: [0x6d74726c, 1],
  resetStaleLeases: [0x6d74726c, 2],
  /** With the hash of an inbound mail's digest as the second key (./inbound.ts, record). */
  inboundDigest: [0x6d74726d],
} as const;

// Times and ids are BIGINT, which node-postgres reads as strings to be safe beyond 2^53; ours (milliseconds
// since 1970, row counts, ids) stay far below it, and the store's records hold numbers. NUMERIC is what
// SUM() of a BIGINT gives. (Statements return rows of ids, never arrays of them, which would stay strings.)
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, (format ?? 'text') as 'text');
  },
};

/**
 * A statement past the client-side deadline: its connection is in an unknown state and is dropped. The text
 * is node-postgres's own for its query_timeout, which classification (errors.ts) and operators already know.
 */
const TIMED_OUT_MESSAGE = 'Query read timeout';
const TIMED_OUT = /Query read timeout/;

/**
 * One statement on `client`, failed with TIMED_OUT_MESSAGE when the server has not answered within `ms`.
 * The deadline is kept here rather than with node-postgres's query_timeout: that one wraps the query's
 * callback in closures that share a scope with the query and its rows, and with it 0.55–0.72 MB of parsed
 * rows outlived each scavenge of a trace loop at 1 M messages (5–7 KB with this timer, which holds only
 * `reject`); every scavenge copied them, so each pause was longer (docs/benchmarks.md, 2026-12-05 06:25).
 * The caller drops the connection on that error: its statement may still be running.
 */
function queryWithin<T extends pg.QueryResultRow>(client: pg.ClientBase, config: pg.QueryConfig, ms: number): Promise<pg.QueryResult<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(expire, ms, reject);
    // The callback form: the statement settles through it (node-postgres returns nothing to await here).
    void client.query<T>(config, (err, result) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result);
    });
  });
}

function expire(reject: (err: Error) => void): void {
  reject(new Error(TIMED_OUT_MESSAGE));
}

/**
 * Every connection's own 'error' listener. A checked-out connection has none of the pool's (pool.query adds
 * one for its statement), and a connection that ends mid-statement emits 'error', which would end the
 * process: the statement fails with that error already (node-postgres hands it to the statement's callback),
 * and the connection is then dropped.
 */
function failsItsStatement(): void {}

export async function connect(opts: PgOptions): Promise<Pg> {
  const where = urlWithoutPassword(opts.url);
  const deadlineMs = opts.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.pool,
    types,
    // Every commit waits for its WAL flush (the default, but a server, database or role may have turned it
    // off): a message is acknowledged with 250 only after its commit is durable. Checked below, too.
    // statement_timeout: a statement stuck at a live server (a lock) is cancelled there, the connection kept.
    options: `-c synchronous_commit=on -c statement_timeout=${deadlineMs}`,
    connectionTimeoutMillis: 10_000,
  });
  // A server that never answers: the client gives up a little later (queryWithin) and drops the connection.
  const answerMs = deadlineMs + Math.min(5_000, deadlineMs);
  /** One statement on any free connection, as pool.query runs it (a connection that failed one is dropped), within the deadline. */
  async function run<T extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<T>> {
    const client = await pool.connect();
    try {
      const result = await queryWithin<T>(client, config, answerMs);
      client.release();
      return result;
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
  }
  // A pooled connection that the server drops while idle is discarded by the pool; without a listener its
  // error would end the process. The next query opens a new connection (or fails, and says so).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', failsItsStatement));
  try {
    const { rows } = await run<{ synchronous_commit: string }>({ text: 'SHOW synchronous_commit' });
    if (rows[0]?.synchronous_commit === 'off') {
      throw new StoreError(
        `PostgreSQL at ${where} runs this connection with synchronous_commit off (set in database.url's options): ` +
          'mailtrail acknowledges mail only after a durable commit; remove that option from database.url',
      );
    }
  } catch (err) {
    await pool.end().catch(() => {});
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot connect to PostgreSQL at ${where}: ${(err as Error).message}: check database.url and that the server is reachable`);
  }
  return {
    pool,
    where,
    async rows<T extends pg.QueryResultRow>(sql: string, params?: unknown[], prepare?: string) {
      const values = params?.map(storable);
      return (await run<T>(prepare ? { name: prepare, text: sql, values } : { text: sql, values })).rows;
    },
    async row<T extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      return (await run<T>({ text: sql, values: params?.map(storable) })).rows[0];
    },
    async statements(sql) {
      // node-postgres gives an array of results for a text of several statements.
      return (await run({ text: sql })) as unknown as pg.QueryResult[];
    },
    async transaction(work) {
      const client = await pool.connect();
      const q = <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
        queryWithin<T>(client, { text: sql, values: params?.map(storable) }, answerMs);
      const tx: Queryable = { query: q };
      let broken: Error | undefined;
      try {
        await q('BEGIN');
        const result = await work(tx);
        await q('COMMIT');
        return result;
      } catch (err) {
        // Past the deadline the server is not answering: a ROLLBACK would wait as long again. Dropping the
        // connection rolls back whatever the server has of this transaction.
        if (TIMED_OUT.test((err as Error)?.message ?? '')) broken = err as Error;
        else await q('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      } finally {
        client.release(broken);
      }
    },
  };
}

/**
 * Applies the migrations not yet recorded, each in its own transaction. Two nodes starting together take
 * turns on an advisory lock: the second finds the work done. Re-running is a no-op.
 */
export async function migrate(db: Pg, dir = POSTGRES_MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = await db.pool.connect();
  // A migration may rewrite a large table, and a node may wait here while another migrates: no deadline
  // (statement_timeout reset before the connection goes back to the pool).
  const q = <T extends pg.QueryResultRow>(text: string, values?: unknown[]) => client.query<T>(text, values);
  try {
    await q('SET statement_timeout = 0');
    await q('SELECT pg_advisory_lock($1, $2)', [...LOCKS.migrate]);
    try {
      await q(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
      const migrations = readMigrations(dir);
      const current = (await q<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0;
      checkNotNewer(current, migrations, 'database.url');
      const applied: number[] = [];
      for (const m of migrations) {
        if (m.version <= current) continue;
        try {
          await q('BEGIN');
          await q(m.sql);
          await q('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
          await q('COMMIT');
        } catch (err) {
          await q('ROLLBACK').catch(() => {});
          throw new StoreError(`PostgreSQL migration ${m.name} failed at ${db.where}: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
      return { applied, version: Math.max(current, ...applied) };
    } finally {
      await q('SELECT pg_advisory_unlock($1, $2)', [...LOCKS.migrate]).catch(() => {});
      await q('RESET statement_timeout').catch(() => {});
    }
  } finally {
    client.release();
  }
}

/**
 * A PostgreSQL text value cannot hold U+0000 (SQLite's can), and text from outside — a remote server's
 * reply, an envelope — may carry one: stored as U+FFFD instead, so that such a reply cannot make every
 * write of its attempt fail. (JSON values are passed as JSON text, where it is the escape \\u0000.)
 */
function storable(v: unknown): unknown {
  if (typeof v === 'string') return v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v;
  if (Array.isArray(v) && v.some((x) => typeof x === 'string' && x.includes('\0'))) return v.map(storable);
  return v;
}

/** Positional parameters for SQL assembled from parts: `p.add(v)` keeps the value and says `$n`. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
