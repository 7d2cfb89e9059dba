/**
 * query-pg: the query scenario's lookups on PostgreSQL. A private cluster is filled with `--query-messages`
 * messages of the same shape as the SQLite one (3 recipients and ~9.9 events each, 2 KB of content:
 * bench/lib/fill-postgres.ts, by the server with INSERT … SELECT, the events encoded by the store), then the store is opened as the relay
 * opens it (a pool of 10), in a process of its own as `mailtrail trace` or the API server opens it
 * (bench/lookups.ts; not in this process, which holds the fill's heap), and asked, one after another:
 * - trace: the fate of a random message by Message-ID, the code path of `mailtrail trace` (messageFate,
 *   then renderFates: one statement, findHistory);
 * - search: the newest 50 messages to the recipient of a random message (searchMessages).
 * It also reports the bytes of history per message (every table with its TOAST and every index, without
 * message_content), as the SQLite scenario does.
 * The Message-IDs and addresses are read from the database before the timing. Warm cache, as on SQLite (whose
 * file the fill has just written, in the page cache): the cluster's shared_buffers are sized as a dedicated
 * server's would be, about a quarter of the machine's memory (PostgreSQL's own guidance) and no more than the
 * history needs, and the history's tables and indexes are read into them (pg_prewarm) before the timing. With
 * the former fixed 512MB, a trace at 1 M messages (3.3 GB) missed shared_buffers on about 7 pages, each a read
 * from the kernel's page cache: 80 µs at the median on this sandbox, milliseconds at the tail, most of the
 * statement's p99 (track_io_timing; docs/benchmarks.md, 2026-12-04 19:30).
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/index.js';
import { startPostgres } from '../../test/helpers/postgres.js';
import { fillPostgres } from '../lib/fill-postgres.js';
import { postgresSpace } from '../lib/postgres.js';
import { latencyFigures, summarize } from '../lib/latency.js';
import { gcNote, runLookups } from '../lib/lookups.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './types.js';

export const run: Scenario = (ctx) => runQueryPg(ctx);

/** `lookups`: traces and searches of each kind (default 2,000). */
export async function runQueryPg(ctx: ScenarioContext, opts: { lookups?: number } = {}): Promise<ScenarioResult> {
  const LOOKUPS = opts.lookups ?? 2_000;
  const messages = ctx.flags.queryMessages;
  // Filling is setup, not the measure: no flush per commit, WAL room for the bulk load. Lookups read.
  const cluster = await startPostgres({ settings: { shared_buffers: `${sharedBuffersMb(messages)}MB`, max_wal_size: '8GB', checkpoint_timeout: '30min' } });
  try {
    const database = await cluster.createDatabase('query');
    const url = cluster.url(database);
    // Migrations first: the store makes the schema the fill writes into.
    const stateDir = path.join(ctx.dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    // The relay's own settings (a pool of 10), for the migrations here and the lookups' process.
    const config = { backend: 'postgres', url, pool: 10, statement_timeout_ms: 30_000, state_dir: stateDir } as const;
    await (await openStore({ database: config })).close();
    ctx.progress(`query-pg: filling PostgreSQL with ${messages.toLocaleString('en')} messages (INSERT … SELECT generate_series; events encoded by the store)`);
    const filled = await fillPostgres({ url, messages, endAt: Date.now(), progress: ctx.progress });
    ctx.progress(`query-pg: filled in ${Math.round(filled.ms / 1000)} s; measuring ${LOOKUPS} traces and ${LOOKUPS} searches`);

    const pick = () => 1 + Math.floor(Math.random() * messages);
    const ids = Array.from({ length: LOOKUPS + 20 }, pick);
    const byId = new Map(
      (await cluster.sql(database, 'SELECT id, message_id FROM messages WHERE id = ANY($1::bigint[])', [ids])).map((r) => [Number(r.id), String(r.message_id)]),
    );
    const rcptIds = Array.from({ length: LOOKUPS + 20 }, () => 3 * pick() - Math.floor(Math.random() * 3));
    const byRcpt = new Map(
      (await cluster.sql(database, 'SELECT id, address FROM recipients WHERE id = ANY($1::bigint[])', [rcptIds])).map((r) => [Number(r.id), String(r.address)]),
    );
    const [size] = await cluster.sql(database, 'SELECT pg_database_size(current_database()) AS n');
    const space = await postgresSpace((text) => cluster.sql(database, text));
    const historyBytes = space.total - space.content;
    const warm = await prewarm((text) => cluster.sql(database, text));

    const notes: string[] = [];
    // Timed in a process of their own, as `mailtrail trace` or the API server would ask (bench/lookups.ts).
    const looked = await runLookups(ctx.root, {
      database: config,
      warmup: { traces: ids.slice(0, 20).map((id) => byId.get(id)!), searches: rcptIds.slice(0, 20).map((id) => byRcpt.get(id)!) },
      traces: ids.slice(20).map((id) => `<${byId.get(id)!}>`),
      searches: rcptIds.slice(20).map((id) => byRcpt.get(id)!),
      timeReads: true,
    });
    const { trace, search, hits } = looked;
    if (looked.missing) notes.push(`query-pg: ${looked.missing} of ${LOOKUPS} trace lookups did not find exactly one message (fill or lookup bug).`);
    notes.push(`query-pg: the trace's reads, ms p50/p99 (calls): ${looked.reads}.`);
    const t = summarize(trace);
    const q = summarize(search);
    const h = summarize(hits);
    notes.push(
      `query-pg: ${messages.toLocaleString('en')} messages, ${filled.recipients.toLocaleString('en')} recipients, ${filled.events.toLocaleString('en')} events (${(filled.events / messages).toFixed(1)} per message, in ${(filled.eventRows / messages).toFixed(1)} rows) ` +
        `written by the server and the store's event encoding (INSERT … SELECT, secondary indexes built afterwards, then VACUUM ANALYZE) in ${Math.round(filled.ms / 1000)} s; database ${Math.round(Number(size!.n) / 1e6)} MB. ` +
        `PostgreSQL: a private cluster of this machine's server, shared_buffers ${sharedBuffersMb(messages)}MB (a quarter of the machine's memory at most), fsync off (nothing here is written after the fill); ` +
        `the history's tables and indexes read into shared_buffers before the timing (pg_prewarm, ${Math.round(warm.mb)} MB in ${(warm.ms / 1000).toFixed(1)} s).`,
      `query-pg: history (every table with its TOAST and every index, without message_content) ${Math.round(historyBytes / messages).toLocaleString('en')} B per message, ` +
        `content ${Math.round(space.content / messages).toLocaleString('en')} B; by table and index, B per message (those of 1 B or more): ${space.objects
          .filter((o) => o.bytes >= messages)
          .map((o) => `${o.name} ${Math.round(o.bytes / messages)}`)
          .join(', ')}.`,
      `query-pg: ${LOOKUPS} traces by Message-ID (messageFate + renderFates, as \`mailtrail trace\`) and ${LOOKUPS} searches by recipient (limit 50), sequential, through the store (pool of 10), in a process of their own that opens the store as the CLI does (bench/lookups.ts; heap ${looked.heapMb} MB at the end). ` +
        `Its garbage collector while the traces ran: ${gcNote(looked.gc.traces)}; the searches: ${gcNote(looked.gc.searches)}. Searches returned ${h.p50} messages at the median, ${h.max} at most.`,
    );
    return {
      figures: {
        query_messages: messages,
        query_fill_s: Math.round(filled.ms / 100) / 10,
        query_events_per_message: Math.round((filled.events / messages) * 10) / 10,
        query_event_rows_per_message: Math.round((filled.eventRows / messages) * 10) / 10,
        ...latencyFigures('trace', t),
        ...latencyFigures('search', q),
        search_hits_p50: h.p50,
        query_db_mb: Math.round(Number(size!.n) / 1e6),
        query_history_bytes_per_message: Math.round(historyBytes / messages),
        query_content_bytes_per_message: Math.round(space.content / messages),
      },
      notes,
    };
  } finally {
    cluster.stop();
  }
}

/**
 * shared_buffers for `messages` messages: room for their history (about 3.2 KB each, 4 KB counted) and the
 * catalogs, but at most a quarter of the machine's memory, as a dedicated server is set up.
 */
function sharedBuffersMb(messages: number): number {
  return Math.round(Math.min(os.totalmem() / 4, 128 * 2 ** 20 + messages * 4096) / 2 ** 20);
}

/**
 * Reads the history's tables and indexes (all but message_content, which a trace does not read) into
 * shared_buffers, the indexes first: the state of a server whose history has been read before.
 */
async function prewarm(sql: (text: string) => Promise<Record<string, unknown>[]>): Promise<{ mb: number; ms: number }> {
  const t0 = performance.now();
  await sql('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  const [row] = await sql(
    `SELECT SUM(pg_prewarm(c.oid)) AS blocks FROM (SELECT oid FROM pg_class
       WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i') AND relname NOT LIKE 'message_content%'
       ORDER BY relkind = 'r', oid) c`,
  );
  return { mb: (Number(row!.blocks) * 8192) / 2 ** 20, ms: performance.now() - t0 };
}
