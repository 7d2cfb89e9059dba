/**
 * A month of a relay's history in a PostgreSQL database, for the query benchmark: the shape of
 * bench/lib/fill.ts (which writes SQLite through the store's API), written here in batches: messages,
 * content, subject words and recipients by the server itself with INSERT … SELECT over generate_series, the
 * events encoded by the store's own writer (src/store/postgres/event-rows.ts: an attempt's phases in one
 * row, repeated texts shared) and inserted 10,000 messages' worth per statement, because a million
 * messages through the store's API would take an hour of round trips.
 *
 * The same shape as fill.ts, drawn from hashes of the row numbers instead of its generator (so the rows
 * are not the same ones, only alike):
 * - created_at spread evenly over 30 days ending at `endAt`; one sender app of 40, a tag of 6, per message;
 * - 3 recipients per message: 70 % drawn from a skewed pool of recurring addresses (address a with density
 *   ~ 1/sqrt(a), 0.8 × N of them), 30 % one-off; 55 % at large providers (gmail.com 28 %, …), the rest over
 *   50,000 other domains;
 * - one attempt with the three recipients, to the first one's MX: phases `mail`, `rcpt` ×3, `data`, then an outcome each: 88 %
 *   delivered, 5 % greylisted (451) and delivered 5 minutes later by a second attempt (`mail`, `rcpt`,
 *   `data`, `delivered`), 4 % bounced 550 5.1.1, 3 % still deferred in the last day (older ones are
 *   greylisted then delivered): with `received`, about 9.9 events per message;
 * - about 2 KB of content per message (PostgreSQL compresses it: the repeated body line shrinks).
 *
 * Speed: the secondary indexes are dropped before and built after (a sorted build instead of 14 M random
 * inserts), foreign-key triggers are off for the session (session_replication_role = replica: the rows are
 * consistent by construction), commits do not wait for a flush; then VACUUM ANALYZE, as a live database's
 * autovacuum would have done.
 */
import pg from 'pg';
import { connect, Params } from '../../src/store/postgres/database.js';
import { eventWriter, insertSelect } from '../../src/store/postgres/event-rows.js';
import type { NewEvent } from '../../src/types.js';

export interface PgFillOptions {
  url: string;
  messages: number;
  /** created_at of the newest message (ms). */
  endAt: number;
  /** Messages per statement (default 50,000). */
  batch?: number;
  progress?(line: string): void;
}

export interface PgFillResult {
  messages: number;
  recipients: number;
  events: number;
  /** Rows of the events table (an attempt's phases share one). */
  eventRows: number;
  ms: number;
}

const DAY = 86_400_000;
const MIN = 60_000;
const TABLES = ['messages', 'message_content', 'message_subjects', 'recipients', 'events'];

/** Large providers, with the cumulative share of recipients below each (fill.ts's PROVIDERS). */
const PROVIDERS: [string, number][] = [
  ['gmail.com', 28],
  ['outlook.com', 34],
  ['hotmail.com', 39],
  ['yahoo.com', 44],
  ['icloud.com', 47],
  ['gmx.de', 49],
  ['web.de', 51],
  ['orange.fr', 52],
  ['aol.com', 53],
  ['live.com', 54],
  ['t-online.de', 55],
];

/** A uniform number in [0, 1) from a hash of the SQL expression `x`. */
const uniform = (x: string) => `((hashint8(${x}) & 2147483647) / 2147483648.0)`;
/** A non-negative integer from a hash of `x`. */
const hashed = (x: string) => `(hashint8(${x}) & 2147483647)`;

export async function fillPostgres(o: PgFillOptions): Promise<PgFillResult> {
  const started = performance.now();
  const batch = o.batch ?? 50_000;
  const span = 30 * DAY;
  const step = Math.max(1, Math.floor(span / o.messages));
  const start = o.endAt - step * o.messages; // message N at endAt
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  // The store's event encoding, with a pool of its own for the texts it shares (committed at once).
  const store = await connect({ url: o.url, pool: 2 });
  const writer = eventWriter(store);
  try {
    await client.query("SET synchronous_commit = off; SET session_replication_role = replica; SET maintenance_work_mem = '512MB'; SET work_mem = '256MB'");
    // Plain secondary indexes (not those behind a primary key or UNIQUE constraint): built again at the end.
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
      [TABLES],
    );
    for (const ix of indexes) await client.query(`DROP INDEX ${ix.name}`);

    const domain = (h: string) =>
      `CASE ${PROVIDERS.map(([d, below]) => `WHEN ${h} % 100 < ${below} THEN '${d}'`).join(' ')} ELSE 'co' || ((${h} / 100) % 50000) || '.example.com' END`;
    const local = (h: string) =>
      `(ARRAY['anna','ben','chloe','david','emma','felix','grace','hugo','ines','jonas','kim','lea','marc','nora','omar','paul'])[1 + (${h} / 7) % 16] || '.' || (ARRAY['smith','martin','muller','garcia','rossi','dubois','silva','kowalski','jensen','novak','schmidt','moreau'])[1 + (${h} / 131) % 12] || ((${h} / 1733) % 10000)`;
    const pool = Math.max(100, Math.round(o.messages * 0.8));
    let recipients = 0;
    let events = 0;
    let eventRows = 0;
    let lastReport = started;
    // Message ids (and row numbers) 1…N; recipient ids 3i-2…3i.
    for (let lo = 1; lo <= o.messages; lo += batch) {
      const hi = Math.min(o.messages, lo + batch - 1);
      await client.query('BEGIN');
      // The batch's messages and recipients, with what happens to each recipient.
      await client.query(`CREATE TEMP TABLE b ON COMMIT DROP AS
        SELECT i, ${start} + i::bigint * ${step} AS at, i % 40 AS app, (ARRAY['transactional','password-reset','receipt','shipping','newsletter','alert'])[1 + ${hashed('i * 5 + 1')} % 6] AS tag
          FROM generate_series(${lo}, ${hi}) i`);
      await client.query(`CREATE TEMP TABLE r ON COMMIT DROP AS
        SELECT b.i, b.at, k, b.i * 3 + k - 2 AS id, a.h, a.address, a.domain,
               CASE WHEN u < 88 THEN 'delivered' WHEN u < 93 THEN 'greylisted' WHEN u < 97 THEN 'bounced'
                    WHEN b.at > ${o.endAt - DAY} THEN 'waiting' ELSE 'greylisted' END AS outcome
          FROM b CROSS JOIN generate_series(0, 2) k
          CROSS JOIN LATERAL (SELECT ${hashed('b.i * 3 + k')} % 100 AS u) x
          CROSS JOIN LATERAL (
            SELECT h, ${local('h')} || '@' || ${domain('h')} AS address, ${domain('h')} AS domain
              FROM (SELECT CASE WHEN ${uniform('b.i * 11 + k')} < 0.7
                                THEN ${hashed(`(floor(${pool} * power(${uniform('b.i * 13 + k')}, 2)))::bigint + 7777777`)}
                                ELSE ${hashed('b.i * 17 + k + 99999999')} END AS h) z) a`);
      await client.query(`INSERT INTO messages (id, queue_id, message_id, message_id_added, mail_from, username, client_ip, client_hostname, tls, size, sha256, tag, env_id, ret, origin, created_at)
        SELECT i, 'Q' || lpad(upper(to_hex(i)), 15, '0'), to_hex(at) || '.' || i || '.' || to_hex(${hashed('i * 19')}) || '@app' || app || '.shop.example.net', false,
               'noreply@app' || app || '.shop.example.net', 'app' || app, '10.0.0.' || (i % 200 + 10), 'app' || app || '.internal',
               '{"protocol":"TLSv1.3","cipher":"TLS_AES_256_GCM_SHA384"}', 2150, decode(md5(i::text) || md5((i + 1)::text), 'hex'), tag, NULL, NULL, 'submission', at
          FROM b`);
      await client.query(`INSERT INTO message_content (message_id, raw)
        SELECT i, convert_to('From: Shop <noreply@app' || app || '.shop.example.net>' || E'\\r\\nSubject: Your ' || tag || ' #' || i || E'\\r\\n\\r\\n'
                             || repeat(E'Thank you for your order. This line stands for the body of a transactional mail.\\r\\n', 25), 'UTF8')
          FROM b`);
      await client.query(`INSERT INTO message_subjects (message_id, words)
        SELECT i, array_to_tsvector(ARRAY['your', i::text] || string_to_array(tag, '-')) FROM b`);
      const r =
        await client.query(`INSERT INTO recipients (id, message_id, address, domain, state, attempts, next_attempt_at, last_code, last_enhanced, last_text, category, hard, updated_at)
        SELECT id, i, address, domain,
               CASE outcome WHEN 'bounced' THEN 'bounced' WHEN 'waiting' THEN 'deferred' ELSE 'delivered' END,
               CASE outcome WHEN 'greylisted' THEN 2 ELSE 1 END,
               CASE outcome WHEN 'waiting' THEN ${o.endAt + 30 * MIN} END,
               CASE outcome WHEN 'bounced' THEN 550 WHEN 'waiting' THEN 451 ELSE 250 END,
               CASE outcome WHEN 'bounced' THEN '5.1.1' WHEN 'waiting' THEN '4.7.1' ELSE '2.0.0' END,
               CASE outcome WHEN 'bounced' THEN 'The email account that you tried to reach does not exist' WHEN 'waiting' THEN 'Greylisted, please try again later' ELSE 'Ok: queued' END,
               CASE outcome WHEN 'bounced' THEN 'mailbox-unknown' WHEN 'waiting' THEN 'greylisted' ELSE 'accepted' END,
               CASE outcome WHEN 'bounced' THEN true WHEN 'waiting' THEN false END,
               at + CASE outcome WHEN 'greylisted' THEN 1500 + ${5 * MIN} ELSE 1500 END
          FROM r`);
      recipients += r.rowCount ?? 0;
      // The timeline, through the store's own encoding (src/store/postgres/event-rows.ts: one row per attempt
      // with its phases, shared texts), so the rows are what the relay writes; one INSERT per 10,000 messages.
      const { rows: rr } = await client.query<{ i: number; id: number; outcome: Outcome; h: number; domain: string; at: string }>(
        'SELECT i::integer AS i, id::integer AS id, outcome, h::integer AS h, domain, at::text AS at FROM r ORDER BY i, k',
      );
      const tags = new Map((await client.query<{ i: number; tag: string }>('SELECT i::integer AS i, tag FROM b')).rows.map((t) => [t.i, t.tag]));
      for (let from = 0; from < rr.length; from += 30_000) {
        const encoded: Awaited<ReturnType<typeof writer.encode>>['rows'] = [];
        for (let j = from; j < Math.min(rr.length, from + 30_000); j += 3) {
          const three = rr.slice(j, j + 3);
          const first = three[0]!;
          for (const group of timeline(first.i, Number(first.at), tags.get(first.i)!, three, o.endAt)) {
            events += group.length;
            const e = group[0]!.kind === 'received' ? await writer.encode(group) : await writer.encodeAttempt(group);
            encoded.push(...e.rows.filter((row) => row.variant !== 2));
          }
        }
        const p = new Params();
        const ev = await client.query(insertSelect(p, encoded), p.values);
        eventRows += ev.rowCount ?? 0;
      }
      await client.query('COMMIT');
      const now = performance.now();
      if (o.progress && now - lastReport > 10_000) {
        lastReport = now;
        o.progress(`query-pg fill: ${hi.toLocaleString('en')} / ${o.messages.toLocaleString('en')} messages (${Math.round(hi / ((now - started) / 1000))}/s)`);
      }
    }
    o.progress?.(`query-pg fill: rows written in ${Math.round((performance.now() - started) / 1000)} s; building ${indexes.length} indexes`);
    for (const ix of indexes) await client.query(ix.def);
    // Identities continue after the rows written with explicit ids, as the relay's own inserts would.
    for (const t of ['messages', 'recipients']) await client.query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), (SELECT MAX(id) FROM ${t}))`);
    o.progress?.('query-pg fill: VACUUM ANALYZE');
    await client.query('VACUUM ANALYZE');
    return { messages: o.messages, recipients, events, eventRows, ms: performance.now() - started };
  } finally {
    await client.end();
    await store.pool.end();
  }
}

type Outcome = 'delivered' | 'greylisted' | 'bounced' | 'waiting';

const REPLY = {
  delivered: [250, '2.1.5', 'Ok'],
  greylisted: [451, '4.7.1', 'Greylisted, please try again later'],
  bounced: [550, '5.1.1', 'The email account that you tried to reach does not exist'],
} as const;

/**
 * A message's events as the relay writes them, one group per write (fill.ts's shape): `received`, then the
 * first attempt to the first recipient's MX carrying all three (mail, rcpt ×3, data when one was accepted,
 * an outcome each), then for greylisted recipients older than a day a second attempt 5 minutes later.
 */
function timeline(i: number, at: number, tag: string, rcpts: { id: number; outcome: Outcome; h: number; domain: string }[], endAt: number): NewEvent[][] {
  const received: NewEvent = {
    at,
    messageRowId: i,
    kind: 'received',
    phase: 'submission',
    detail: {
      subject: `Your ${tag} #${i}`,
      user: `app${i % 40}`,
      client_ip: '10.0.0.1',
      protocol: 'ESMTPSA',
      size: 2150,
      recipients: 3,
      suppressed: 0,
      message_id_added: false,
    },
  };
  const attempt = (n: number, t: number, rows: typeof rcpts, final: boolean): NewEvent[] => {
    const remote = { remoteHost: `mx${rows[0]!.h % 4}.${rows[0]!.domain}`, remoteIp: `192.0.2.${(i % 250) + 1}` };
    const phase = (p: NewEvent['phase'], reply: readonly [number, string, string], recipientId: number | null, durationMs = 3): NewEvent => ({
      at: t,
      messageRowId: i,
      recipientId,
      kind: 'phase',
      attempt: n,
      phase: p,
      code: reply[0],
      enhanced: reply[1],
      text: reply[2],
      ...remote,
      durationMs,
      detail: recipientId === null ? { recipient_ids: rows.map((r) => r.id) } : null,
    });
    const accepted = rows.filter((r) => r.outcome === 'delivered' || (r.outcome === 'greylisted' && final));
    const evs = [phase('mail', [250, '2.1.0', 'Ok'], null)];
    for (const r of rows) evs.push(phase('rcpt', accepted.includes(r) ? REPLY.delivered : r.outcome === 'bounced' ? REPLY.bounced : REPLY.greylisted, r.id));
    if (accepted.length) evs.push(phase('data', [250, '2.0.0', `Ok: queued as ${(i * 7919 + n - 1).toString(36).toUpperCase()}`], null, 40));
    for (const r of rows) {
      const kind = accepted.includes(r) ? 'delivered' : r.outcome === 'bounced' ? 'bounced' : 'deferred';
      const [code, enhanced, text] = kind === 'delivered' ? [250, '2.0.0', 'Ok: queued'] : kind === 'bounced' ? REPLY.bounced : REPLY.greylisted;
      const category = kind === 'delivered' ? 'accepted' : kind === 'bounced' ? 'mailbox-unknown' : 'greylisted';
      const next = kind === 'deferred' ? (r.outcome === 'waiting' ? endAt + 30 * MIN : t + 5 * MIN) : null;
      evs.push({
        at: t,
        messageRowId: i,
        recipientId: r.id,
        kind,
        attempt: n,
        phase: kind === 'delivered' ? 'data' : 'rcpt',
        code,
        enhanced,
        text,
        ...remote,
        durationMs: 60,
        detail: { category, hard: kind === 'bounced', rule: category, next_attempt_at: next },
      });
    }
    return evs;
  };
  const retried = rcpts.filter((r) => r.outcome === 'greylisted');
  return [[received], attempt(1, at + 1500, rcpts, false), ...(retried.length ? [attempt(2, at + 1500 + 5 * MIN, retried, true)] : [])];
}
