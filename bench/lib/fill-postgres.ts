/**
 * A month of a relay's history in a PostgreSQL database, for the query benchmark: the shape of
 * bench/lib/fill.ts (which writes SQLite through the store's API), written here by the server itself with
 * INSERT … SELECT over generate_series, a batch of messages per statement, because a million messages
 * through the store's API would take an hour of round trips.
 *
 * The same shape as fill.ts, drawn from hashes of the row numbers instead of its generator (so the rows
 * are not the same ones, only alike):
 * - created_at spread evenly over 30 days ending at `endAt`; one sender app of 40, a tag of 6, per message;
 * - 3 recipients per message: 70 % drawn from a skewed pool of recurring addresses (address a with density
 *   ~ 1/sqrt(a), 0.8 × N of them), 30 % one-off; 55 % at large providers (gmail.com 28 %, …), the rest over
 *   50,000 other domains;
 * - one attempt with the three recipients: phases `mail`, `rcpt` ×3, `data`, then an outcome each: 88 %
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
               '{"protocol":"TLSv1.3","cipher":"TLS_AES_256_GCM_SHA384"}', 2150, md5(i::text) || md5((i + 1)::text), tag, NULL, NULL, 'submission', at
          FROM b`);
      await client.query(`INSERT INTO message_content (message_id, raw)
        SELECT i, convert_to('From: Shop <noreply@app' || app || '.shop.example.net>' || E'\\r\\nSubject: Your ' || tag || ' #' || i || E'\\r\\n\\r\\n'
                             || repeat(E'Thank you for your order. This line stands for the body of a transactional mail.\\r\\n', 25), 'UTF8')
          FROM b`);
      await client.query(`INSERT INTO message_subjects (message_id, subject, words)
        SELECT i, 'Your ' || tag || ' #' || i, array_to_tsvector(ARRAY['your', i::text] || string_to_array(tag, '-')) FROM b`);
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
      // The timeline, in order within each message (ids ascend with seq): received; the first attempt's
      // phases and outcomes; the retry of the greylisted recipients.
      const ev =
        await client.query(`INSERT INTO events (at, message_id, recipient_id, kind, attempt, phase, code, enhanced, text, remote_host, remote_ip, duration_ms, detail)
        SELECT at, i, rid, kind, attempt, phase, code, enhanced, text, mx, ip, ms, detail FROM (
          SELECT b.i, 0 AS seq, b.at, NULL::bigint AS rid, 'received' AS kind, NULL::int AS attempt, 'submission' AS phase, NULL::int AS code, NULL AS enhanced, NULL AS text, NULL AS mx, NULL AS ip, NULL::bigint AS ms,
                 json_build_object('subject', 'Your ' || b.tag || ' #' || b.i, 'user', 'app' || b.app, 'client_ip', '10.0.0.1', 'protocol', 'ESMTPSA', 'size', 2150, 'recipients', 3, 'suppressed', 0, 'message_id_added', false) AS detail
            FROM b
          UNION ALL
          SELECT m.i, seq, m.at + 1500 + CASE WHEN seq >= 10 THEN ${5 * MIN} ELSE 0 END, NULL, 'phase', CASE WHEN seq >= 10 THEN 2 ELSE 1 END, phase, 250, enhanced, text, m.mx, '192.0.2.' || (m.i % 250 + 1), CASE phase WHEN 'data' THEN 40 ELSE 3 END,
                 json_build_object('recipient_ids', CASE WHEN seq >= 10 THEN m.retry_ids ELSE m.ids END)
            FROM (SELECT i, min(at) AS at, 'mx' || (min(h) % 4) || '.' || min(domain) AS mx, json_agg(id ORDER BY k) AS ids,
                         json_agg(id ORDER BY k) FILTER (WHERE outcome = 'greylisted') AS retry_ids,
                         bool_or(outcome = 'delivered') AS accepted1, bool_or(outcome = 'greylisted') AS retried
                    FROM r GROUP BY i) m
            CROSS JOIN LATERAL (VALUES (1, 'mail', '2.1.0', 'Ok', true), (5, 'data', '2.0.0', 'Ok: queued as ' || upper(to_hex(m.i::bigint * 7919)), m.accepted1),
                                       (10, 'mail', '2.1.0', 'Ok', m.retried), (14, 'data', '2.0.0', 'Ok: queued as ' || upper(to_hex(m.i::bigint * 7919 + 1)), m.retried)) p(seq, phase, enhanced, text, wanted)
           WHERE p.wanted
          UNION ALL
          SELECT r.i, seq, r.at + 1500 + CASE WHEN seq >= 10 THEN ${5 * MIN} ELSE 0 END, r.id, kind, CASE WHEN seq >= 10 THEN 2 ELSE 1 END, phase, code, enhanced, text,
                 'mx' || (r.h % 4) || '.' || r.domain, '192.0.2.' || (r.i % 250 + 1), CASE WHEN kind = 'phase' THEN 3 ELSE 60 END, detail
            FROM r CROSS JOIN LATERAL (VALUES
              (2 + r.k, 'phase', 'rcpt', CASE r.outcome WHEN 'delivered' THEN 250 WHEN 'bounced' THEN 550 ELSE 451 END,
                 CASE r.outcome WHEN 'delivered' THEN '2.1.5' WHEN 'bounced' THEN '5.1.1' ELSE '4.7.1' END,
                 CASE r.outcome WHEN 'delivered' THEN 'Ok' WHEN 'bounced' THEN 'The email account that you tried to reach does not exist' ELSE 'Greylisted, please try again later' END, NULL::json, true),
              (6 + r.k, CASE r.outcome WHEN 'delivered' THEN 'delivered' WHEN 'bounced' THEN 'bounced' ELSE 'deferred' END, CASE r.outcome WHEN 'delivered' THEN 'data' ELSE 'rcpt' END,
                 CASE r.outcome WHEN 'delivered' THEN 250 WHEN 'bounced' THEN 550 ELSE 451 END,
                 CASE r.outcome WHEN 'delivered' THEN '2.0.0' WHEN 'bounced' THEN '5.1.1' ELSE '4.7.1' END,
                 CASE r.outcome WHEN 'delivered' THEN 'Ok: queued' WHEN 'bounced' THEN 'The email account that you tried to reach does not exist' ELSE 'Greylisted, please try again later' END,
                 json_build_object('category', CASE r.outcome WHEN 'delivered' THEN 'accepted' WHEN 'bounced' THEN 'mailbox-unknown' ELSE 'greylisted' END, 'hard', r.outcome = 'bounced',
                                   'rule', CASE r.outcome WHEN 'delivered' THEN 'accepted' WHEN 'bounced' THEN 'mailbox-unknown' ELSE 'greylisted' END,
                                   'next_attempt_at', CASE r.outcome WHEN 'waiting' THEN ${o.endAt + 30 * MIN} WHEN 'greylisted' THEN r.at + 1500 + ${5 * MIN} END), true),
              (11 + r.k, 'phase', 'rcpt', 250, '2.1.5', 'Ok', NULL::json, r.outcome = 'greylisted'),
              (15 + r.k, 'delivered', 'data', 250, '2.0.0', 'Ok: queued', json_build_object('category', 'accepted', 'hard', false, 'rule', 'accepted', 'next_attempt_at', NULL), r.outcome = 'greylisted')
            ) e(seq, kind, phase, code, enhanced, text, detail, wanted)
           WHERE e.wanted
        ) x ORDER BY i, seq`);
      events += ev.rowCount ?? 0;
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
    return { messages: o.messages, recipients, events, ms: performance.now() - started };
  } finally {
    await client.end();
  }
}
