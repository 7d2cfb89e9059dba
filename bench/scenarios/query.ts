/**
 * query: how fast an operator gets an answer from a big database. A store is filled with
 * `--query-messages` messages (3 recipients, ~9 events each, through the store's API: bench/lib/fill.ts),
 * then opened with the production settings by a process of its own (bench/lookups.ts, as the CLI or the API
 * server opens it; not this process, which may hold the fill's heap), and asked:
 * - trace: the fate of a random message by Message-ID, the code path of `mailtrail trace`
 *   (messageFate, then renderFates; the API's GET /v1/messages/{id} is the same minus the rendering);
 * - search: the newest 50 messages to a recipient (searchMessages, the API's GET /v1/messages?recipient=…),
 *   recipients picked as recipients of random messages, so frequent addresses are asked about more often.
 * The page cache is warm: the fill has just written the file, or, when a filled file from an earlier run is
 * reused, it is read through once before the timing (as query-pg prewarms PostgreSQL's shared_buffers). This is
 * the steady state of a relay whose history is read, not a cold start: a reused file otherwise comes from
 * storage or from the cache, depending on what the scenarios before it did with the machine's memory.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { messageFate } from '../../src/query/fate.js';
import { searchMessages, type SearchParams } from '../../src/query/search.js';
import { messageDetails } from '../../src/query/details.js';
import { waitingDestinations } from '../../src/query/destinations.js';
import { createHealthCache, healthReport } from '../../src/query/health.js';
import { openStore } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { startPostgres } from '../../test/helpers/postgres.js';
import { postgresSpace as spaceOf } from '../lib/postgres.js';
import { fillStore, messageSpec, type FillResult, type MessageSpec } from '../lib/fill.js';
import { latencyFigures, summarize } from '../lib/latency.js';
import { gcNote, runLookups } from '../lib/lookups.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './types.js';

export interface QueryOptions {
  /** Lookups of each kind (default 2,000). */
  lookups?: number;
  /** Approximate raw size of each stored message (default 2,048 bytes). */
  contentBytes?: number;
  /** Where filled databases are kept for reuse (default bench/.cache). */
  cacheDir?: string;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const fileSize = (p: string) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

/** Reads files sequentially to their end, so the kernel's page cache holds them; returns MB read and the time. */
function readThrough(files: string[]): { mb: number; ms: number } {
  const t0 = performance.now();
  const buf = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  for (const f of files) {
    if (!existsSync(f)) continue;
    const fd = openSync(f, 'r');
    try {
      for (let n: number; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += n;
    } finally {
      closeSync(fd);
    }
  }
  return { mb: bytes / 1024 / 1024, ms: performance.now() - t0 };
}

export async function runQuery(ctx: ScenarioContext, opts: QueryOptions = {}): Promise<ScenarioResult> {
  const messages = ctx.flags.queryMessages;
  const lookups = opts.lookups ?? 2_000;
  const seed = 6;
  // The filled database is kept in bench/.cache and reused by later runs of the same size (filling a
  // million messages is setup, not the measure, and takes minutes). BENCH_QUERY_FRESH=1 fills anew.
  const cacheDir = opts.cacheDir ?? path.join(ctx.root, 'bench', '.cache');
  const dbPath = path.join(cacheDir, `query-${messages}-seed${seed}-${opts.contentBytes ?? 2048}b-v3.db`); // v3: compact events (migration 008)
  const sidecar = `${dbPath}.json`;
  const cached =
    !process.env.BENCH_QUERY_FRESH && existsSync(sidecar) && existsSync(dbPath)
      ? (JSON.parse(readFileSync(sidecar, 'utf8')) as { endAt: number; filled: FillResult })
      : null;
  const endAt = cached?.endAt ?? Date.now();
  const specOpts = { messages, seed, endAt };

  let filled: FillResult;
  if (cached) {
    filled = cached.filled;
    ctx.progress(`query: reusing ${dbPath} (filled earlier in ${(filled.ms / 1000).toFixed(0)} s; BENCH_QUERY_FRESH=1 to refill)`);
  } else {
    mkdirSync(cacheDir, { recursive: true });
    for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, sidecar]) rmSync(f, { force: true });
    ctx.progress(`query: filling a database with ${messages.toLocaleString('en')} messages through the store API`);
    filled = await fill(dbPath, specOpts, opts, ctx);
    writeFileSync(sidecar, JSON.stringify({ endAt, filled }));
  }
  const notes: string[] = [];
  if (cached) {
    const warm = readThrough([dbPath, `${dbPath}-wal`]);
    notes.push(
      `query: the reused database file was read through once before the timing (${Math.round(warm.mb)} MB in ${(warm.ms / 1000).toFixed(1)} s), so the page cache holds it as after a fill.`,
    );
  }
  ctx.progress(`query: measuring ${lookups} traces and ${lookups} searches`);
  // The relay's own settings, as `mailtrail trace` and the API open the file.
  const config = { backend: 'sqlite', path: dbPath, synchronous: 'FULL', fsync: 'background', busy_timeout_ms: 5_000 } as const;
  const pick = () => Math.floor(Math.random() * messages);
  const recipientOf = (s: MessageSpec) => s.recipients[Math.floor(Math.random() * s.recipients.length)]!.address;
  const warmup = Array.from({ length: 20 }, () => messageSpec(pick(), specOpts));
  // Timed in a process of their own, as the CLI or the API server would ask (bench/lookups.ts): when this
  // process has just filled the database, its heap is the fill's.
  const looked = await runLookups(ctx.root, {
    database: config,
    warmup: { traces: warmup.map((s) => s.messageId), searches: warmup.map((s) => s.recipients[0].address) },
    traces: Array.from({ length: lookups }, () => `<${messageSpec(pick(), specOpts).messageId}>`),
    searches: Array.from({ length: lookups }, () => recipientOf(messageSpec(pick(), specOpts))),
  });
  const { trace, search, hits } = looked;
  // A fresh handle with the relay's own settings for the rest: the support page's reads, below.
  const store = await openStore({ database: config });
  try {
    if (looked.missing) notes.push(`query: ${looked.missing} of ${lookups} trace lookups did not find exactly one message (fill or lookup bug).`);
    const zero = hits.filter((h) => h === 0).length;
    if (zero) notes.push(`query: ${zero} of ${lookups} searches by recipient found nothing (fill or lookup bug).`);

    // What the verdicts on each row cost: the same kind of search without them (the rows and their
    // recipients only, as before the support page), interleaved with searches with them on other
    // random recipients, so both meet the same machine and the same cache.
    const bare: number[] = [];
    const withVerdicts: number[] = [];
    for (let i = 0; i < lookups / 2; i++) {
      for (const verdicts of i % 2 ? [true, false] : [false, true]) {
        const s = messageSpec(pick(), specOpts);
        const r = s.recipients[Math.floor(Math.random() * s.recipients.length)]!;
        const t0 = performance.now();
        if (verdicts) await searchMessages(store, { recipient: r.address, limit: 50 });
        else await store.query.recipientsOf((await store.query.search({ recipient: r.address, limit: 51 })).slice(0, 50).map((m) => m.id));
        (verdicts ? withVerdicts : bare).push(performance.now() - t0);
      }
    }
    const bareS = summarize(bare);
    const verdictS = summarize(withVerdicts);

    // The support page (src/web): its searches as a person fills the form, a page of 25 with the verdicts,
    // a mix of the filters it offers; then a message page, the queue view and the health report.
    const DAY = 86_400_000;
    const word = (s: MessageSpec) => s.tag.split('-')[0]!;
    const KINDS: [string, (s: MessageSpec) => SearchParams][] = [
      ['Message-ID', (s) => ({ message: `<${s.messageId}>` })],
      ['recipient', (s) => ({ recipient: s.recipients[0]!.address })],
      ['subject words (one message)', (s) => ({ subject: `${word(s)} ${s.index}` })],
      ['subject, a common word', (s) => ({ subject: word(s) })],
      ['subject word, one day', (s) => ({ subject: word(s), since: s.createdAt - DAY, until: s.createdAt })],
      ['domain, bounced', (s) => ({ domain: s.recipients[0]!.domain, state: 'bounced' })],
      ['state deferred', () => ({ state: 'deferred' })],
      ['state expired (none)', () => ({ state: 'expired' })],
      ['sender, last day', (s) => ({ sender: s.mailFrom, since: endAt - DAY })],
    ];
    const pageSearch: number[] = [];
    const perKind: string[] = [];
    for (const [name, params] of KINDS) {
      const times: number[] = [];
      for (let i = 0; i < Math.ceil(lookups / 10); i++) {
        const p = params(messageSpec(pick(), specOpts));
        const t0 = performance.now();
        await searchMessages(store, { ...p, limit: 25 });
        times.push(performance.now() - t0);
      }
      pageSearch.push(...times);
      const k = summarize(times);
      perKind.push(`${name} ${k.p50}/${k.p99}`);
    }
    const messagePage: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = messageSpec(pick(), specOpts);
      const t0 = performance.now();
      await messageFate(store, s.queueId);
      await messageDetails(store, s.queueId);
      messagePage.push(performance.now() - t0);
    }
    // The health page keeps settled buckets in a cache (src/query/health.ts): the first view counts 30
    // days of outcomes, later ones only the recent tail.
    const views = { queue: [] as number[], health: [] as number[] };
    const cache = createHealthCache();
    // Each count runs synchronously on the event loop: the longest is how long the relay stops answering.
    let longestCount = 0;
    const timed = {
      overview: {
        ...store.overview,
        outcomeCounts: async (req: Parameters<typeof store.overview.outcomeCounts>[0]) => {
          const t = performance.now();
          const r = await store.overview.outcomeCounts(req);
          longestCount = Math.max(longestCount, performance.now() - t);
          return r;
        },
      },
    };
    let t1 = performance.now();
    await healthReport(timed, { now: endAt, cache });
    const healthCold = performance.now() - t1;
    for (let i = 0; i < 5; i++) {
      t1 = performance.now();
      await waitingDestinations(store, { now: endAt });
      views.queue.push(performance.now() - t1);
      t1 = performance.now();
      await healthReport(store, { now: endAt + i * 1000, cache });
      views.health.push(performance.now() - t1);
    }
    const ps = summarize(pageSearch);
    const mp = summarize(messagePage);
    const qv = summarize(views.queue);
    const hv = summarize(views.health);
    notes.push(
      `query: the support page's searches (limit 25, with verdicts), ${Math.ceil(lookups / 10)} of each kind, p50/p99 ms: ${perKind.join('; ')}. ` +
        `A message page (fate + bounces, webhooks, headers) p50 ${mp.p50} ms, p99 ${mp.p99} ms; the queue view ${qv.p50} ms at the median of 5; the health report ${Math.round(healthCold)} ms the first time (30 days of outcomes counted an hour at a time, the longest count ${Math.round(longestCount)} ms), then ${hv.p50} ms (settled buckets cached).`,
    );

    const t = summarize(trace);
    const q = summarize(search);
    const h = summarize(hits);
    const dbBytes = fileSize(dbPath);
    const walBytes = fileSize(dbPath + '-wal');
    const space = spaceByObject(dbPath);
    const historyBytes = space.total - space.content;
    notes.push(
      `query: history (the database without message_content) ${Math.round(historyBytes / messages).toLocaleString('en')} B per message, content ${Math.round(space.content / messages).toLocaleString('en')} B; ` +
        `by table and index, B per message (those of 1 B or more): ${space.objects
          .filter((o) => o.bytes >= messages)
          .map((o) => `${o.name} ${Math.round(o.bytes / messages)}`)
          .join(', ')}.`,
    );
    // The same history on PostgreSQL, for its size only (BENCH_QUERY_POSTGRES=N messages; off by default).
    const pgMessages = Number(process.env.BENCH_QUERY_POSTGRES ?? 0);
    const pg = pgMessages > 0 ? await postgresSpace({ messages: pgMessages, seed, endAt: Date.now() }, opts, ctx) : null;
    if (pg) {
      notes.push(
        `query (PostgreSQL): the same mix, ${pgMessages.toLocaleString('en')} messages filled through the store API into a private cluster: history ${Math.round((pg.total - pg.content) / pgMessages).toLocaleString('en')} B per message, ` +
          `content ${Math.round(pg.content / pgMessages).toLocaleString('en')} B; by table (with its TOAST) and index, B per message (those of 1 B or more): ${pg.objects
            .filter((o) => o.bytes >= pgMessages)
            .map((o) => `${o.name} ${Math.round(o.bytes / pgMessages)}`)
            .join(', ')}.`,
      );
    }
    notes.push(
      `query: ${messages.toLocaleString('en')} messages, ${filled.recipients.toLocaleString('en')} recipients, ${filled.events.toLocaleString('en')} events ` +
        `(${(filled.events / messages).toFixed(1)} per message), ~${opts.contentBytes ?? 2048} B of content each, filled through the store API ` +
        `(enqueue, claimDue, recordAttempt; synchronous=NORMAL, temp_store=MEMORY, 1,000 messages per outer transaction) in ${(filled.ms / 1000).toFixed(0)} s.`,
      `query: ${lookups} traces by Message-ID (messageFate + renderFates, as \`mailtrail trace\`) and ${lookups} searches by recipient (limit 50), ` +
        `sequential, warm page cache, in a process of their own that opens the store as the CLI does (bench/lookups.ts; heap ${looked.heapMb} MB at the end). ` +
        `Its garbage collector while the traces ran: ${gcNote(looked.gc.traces)}; the searches: ${gcNote(looked.gc.searches)}. Searches returned ${h.p50} messages at the median, ${h.max} at most.`,
    );
    return {
      figures: {
        query_messages: messages,
        query_fill_s: Math.round(filled.ms / 100) / 10,
        query_fill_msgs_per_s: Math.round(messages / (filled.ms / 1000)),
        query_events_per_message: Math.round((filled.events / messages) * 10) / 10,
        ...latencyFigures('trace', t),
        ...latencyFigures('search', q),
        search_without_verdicts_p50_ms: bareS.p50,
        search_without_verdicts_p99_ms: bareS.p99,
        search_with_verdicts_p50_ms: verdictS.p50,
        search_with_verdicts_p99_ms: verdictS.p99,
        page_search_p50_ms: ps.p50,
        page_search_p99_ms: ps.p99,
        page_search_max_ms: ps.max,
        message_page_p99_ms: mp.p99,
        queue_view_ms: qv.p50,
        health_report_ms: hv.p50,
        health_report_cold_ms: Math.round(healthCold),
        health_longest_count_ms: Math.round(longestCount),
        search_hits_p50: h.p50,
        search_hits_max: h.max,
        query_db_mb: mb(dbBytes),
        query_wal_mb: mb(walBytes),
        query_db_bytes_per_message: Math.round((dbBytes + walBytes) / messages),
        query_history_bytes_per_message: Math.round(historyBytes / messages),
        query_content_bytes_per_message: Math.round(space.content / messages),
        ...(pg
          ? {
              query_pg_messages: pgMessages,
              query_pg_history_bytes_per_message: Math.round((pg.total - pg.content) / pgMessages),
              query_pg_content_bytes_per_message: Math.round(pg.content / pgMessages),
            }
          : {}),
      },
      notes,
    };
  } finally {
    await store.close();
  }
}

/**
 * Where the bytes of the file go, from SQLite's dbstat table: pages (with their overflow pages) per table
 * and index, largest first. Content is the message_content table; history is everything else, free pages
 * included, so that history + content is the file.
 */
function spaceByObject(dbPath: string): { total: number; content: number; objects: { name: string; bytes: number }[] } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const objects = db.prepare('SELECT name, pgsize AS bytes FROM dbstat WHERE aggregate = TRUE ORDER BY bytes DESC').all() as {
      name: string;
      bytes: number;
    }[];
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const total = (db.pragma('page_count', { simple: true }) as number) * pageSize;
    const content = objects.find((o) => o.name === 'message_content')?.bytes ?? 0;
    return { total, content, objects };
  } finally {
    db.close();
  }
}

/**
 * PostgreSQL's share of the same history: a fill of `messages` into a private cluster (test/helpers/postgres.ts),
 * then the size of every table (heap, TOAST, free space) and index. Content is message_content with its
 * TOAST and key; history is all the rest.
 */
async function postgresSpace(
  specOpts: { messages: number; seed: number; endAt: number },
  opts: QueryOptions,
  ctx: ScenarioContext,
): Promise<{ total: number; content: number; objects: { name: string; bytes: number }[] }> {
  ctx.progress(`query: filling a PostgreSQL database with ${specOpts.messages.toLocaleString('en')} messages for its size`);
  const cluster = await startPostgres();
  try {
    const database = await cluster.createDatabase('query_size');
    const store = await openPostgresStore({ url: cluster.url(database), pool: 4 });
    try {
      await fillStore(store, { ...specOpts, contentBytes: opts.contentBytes, progress: ctx.progress });
    } finally {
      await store.close();
    }
    return await spaceOf((text) => cluster.sql(database, text));
  } finally {
    cluster.stop();
  }
}

export const run: Scenario = (ctx) => runQuery(ctx);

async function fill(
  dbPath: string,
  specOpts: { messages: number; seed: number; endAt: number },
  opts: QueryOptions,
  ctx: ScenarioContext,
): Promise<FillResult> {
  const fillHandle = openSqliteStore({ path: dbPath, synchronous: 'NORMAL', busyTimeoutMs: 5_000 });
  // For the fill only: a bigger page cache keeps random inserts into the address indexes in memory, and
  // temporary structures in memory make the store's INSERT … RETURNING statements about twice as fast
  // (with this build's default, TEMP_STORE=1, each one goes through a temporary file).
  fillHandle.db.pragma('cache_size = -262144');
  fillHandle.db.pragma('temp_store = MEMORY');
  try {
    const db = fillHandle.db;
    const batchTransaction = { begin: () => db.exec('BEGIN'), commit: () => db.exec('COMMIT'), rollback: () => db.inTransaction && db.exec('ROLLBACK') };
    const filled = await fillStore(fillHandle, { ...specOpts, contentBytes: opts.contentBytes, progress: ctx.progress, batchTransaction });
    ctx.progress(`query: filled in ${(filled.ms / 1000).toFixed(1)} s`);
    return filled;
  } finally {
    await fillHandle.close();
  }
}
