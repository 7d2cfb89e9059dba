/**
 * PostgreSQL for the benchmark: a private cluster from the tests' helper (its own data directory and
 * port, stopped at the end), here with fsync and full-page writes on, so that a commit costs what it costs
 * on a production server, and what the database did while the relay ran, read from the server itself:
 * - transactions: pg_stat_database's xact_commit + xact_rollback of the relay's database;
 * - statements: pg_stat_statements' calls (BEGIN and COMMIT included). The relay does not pipeline, so
 *   every statement is one round trip between the relay and the server;
 * - CPU: the server's process tree (postmaster, its backends, and those that exited).
 * Both counters are read with no relay connected (before it starts, after it stops), when every backend
 * has handed its statistics in.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startPostgres, type PgCluster } from '../../test/helpers/postgres.js';
import { treeCpuSeconds } from './proc.js';

export interface BenchPostgres {
  cluster: PgCluster;
  /** The relay's database. */
  database: string;
  url: string;
  /** CPU seconds of the server's process tree so far. */
  cpuSeconds(): number;
  /** The relay database's counters now (read on a connection of its own, which adds one transaction and two statements). */
  counters(): Promise<DbCounters>;
  stop(): void;
}

export interface DbCounters {
  transactions: number;
  statements: number;
  /** Statement text (whitespace folded, cut to 90 characters) → calls, the most frequent first. */
  byStatement: [string, number][];
  /** Statement text → milliseconds the server spent executing it in all (lock waits included). */
  msByStatement: [string, number][];
}

export async function startBenchPostgres(settings: Record<string, string | number> = {}): Promise<BenchPostgres> {
  const cluster = await startPostgres({
    durable: true,
    settings: {
      shared_preload_libraries: 'pg_stat_statements',
      // Room for the relay's pools (two per relay, database.pool each) and for the benchmark's own reads.
      max_connections: 200,
      shared_buffers: '256MB',
      ...settings,
    },
  });
  try {
    const database = await cluster.createDatabase('mailtrail');
    await cluster.sql(database, 'CREATE EXTENSION pg_stat_statements');
    const postmaster = Number(readFileSync(path.join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return {
      cluster,
      database,
      url: cluster.url(database),
      cpuSeconds: () => treeCpuSeconds(postmaster),
      async counters() {
        const [x] = await cluster.sql(database, 'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()');
        const rows = await cluster.sql(
          database,
          `SELECT left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) AS query, SUM(s.calls)::bigint AS calls, SUM(s.total_exec_time) AS ms
             FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = current_database() GROUP BY 1 ORDER BY 2 DESC`,
        );
        const byStatement = rows.map((r) => [String(r.query), Number(r.calls)] as [string, number]);
        const msByStatement = rows.map((r) => [String(r.query), Number(r.ms)] as [string, number]);
        return { transactions: Number(x!.n), statements: byStatement.reduce((a, [, n]) => a + n, 0), byStatement, msByStatement };
      },
      stop: () => cluster.stop(),
    };
  } catch (err) {
    cluster.stop();
    throw err;
  }
}

/**
 * The difference of two readings, per message, statement by statement: calls (those above `min` per
 * message) and server time in milliseconds (the statements that took the most first).
 */
export function perMessage(
  before: DbCounters,
  after: DbCounters,
  messages: number,
  min = 0.01,
): { transactions: number; statements: number; byStatement: [string, number][]; msByStatement: [string, number][] } {
  const delta = (a: [string, number][], b: [string, number][]) => {
    const was = new Map(a);
    return b.map(([q, n]) => [q, (n - (was.get(q) ?? 0)) / messages] as [string, number]).sort((x, y) => y[1] - x[1]);
  };
  return {
    transactions: (after.transactions - before.transactions) / messages,
    statements: (after.statements - before.statements) / messages,
    byStatement: delta(before.byStatement, after.byStatement).filter(([, n]) => n >= min),
    msByStatement: delta(before.msByStatement, after.msByStatement).filter(([, ms]) => ms >= 0.001),
  };
}

/** `postgres (PostgreSQL) 15.x` of the newest server binaries installed (the ones the clusters run), for the machine facts. */
export function postgresVersion(): string | null {
  try {
    const root = '/usr/lib/postgresql';
    const newest = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))[0];
    return newest ? execFileSync(path.join(root, newest, 'bin', 'postgres'), ['--version'], { encoding: 'utf8' }).trim() : null;
  } catch {
    return null;
  }
}

/**
 * Where a PostgreSQL database's bytes go, after a CHECKPOINT: every table (heap, TOAST, free space map)
 * and every index, largest first. Content is message_content with its TOAST and key; history is all the
 * rest (`total - content`), as the SQLite query scenario splits its file.
 */
export async function postgresSpace(
  sql: (text: string) => Promise<Record<string, unknown>[]>,
): Promise<{ total: number; content: number; objects: { name: string; bytes: number }[] }> {
  await sql('CHECKPOINT');
  const rows = await sql(
    `SELECT relname AS name, CASE relkind WHEN 'i' THEN pg_relation_size(oid) ELSE pg_table_size(oid) END AS bytes,
            CASE WHEN relname = 'message_content' THEN pg_total_relation_size(oid) ELSE 0 END AS content
       FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i') ORDER BY bytes DESC`,
  );
  const objects = rows.map((r) => ({ name: r.name as string, bytes: Number(r.bytes) }));
  return { total: objects.reduce((n, o) => n + o.bytes, 0), content: rows.reduce((n, r) => n + Number(r.content), 0), objects };
}
