/**
 * PostgreSQL-only mechanics the store contract cannot see through the interface: migrations under an
 * advisory lock, durable commits, connection errors, the claim's SKIP LOCKED, the single sweeper of stale
 * leases, the plans of the claim and search statements, and the compact form of the history. A private
 * cluster (test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { StoreError } from '../../../src/store/errors.js';
import { POSTGRES_MIGRATIONS_DIR, readMigrations } from '../../../src/store/migrations.js';
import { LOCKS } from '../../../src/store/postgres/database.js';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.js';
import { searchSql } from '../../../src/store/postgres/query.js';
import type { AttemptWrite, EnqueuedMessage, SearchFilters } from '../../../src/store/store.js';
import { runCli } from '../../e2e/cli.js';
import { COMPACT_MX, writeCompactAttempts } from '../../helpers/compact-history.js';
import { newMessage } from '../../helpers/new-message.js';
import { startPostgres, type PgCluster } from '../../helpers/postgres.js';

let cluster: PgCluster;
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-pg-backend-'));
before(async () => {
  cluster = await startPostgres();
});
after(() => {
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const freshUrl = async () => cluster.url(await cluster.createDatabase(`b${++n}`));
const T0 = Date.UTC(2030, 0, 1);

describe('migrations', () => {
  const known = readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => m.version);

  test('two nodes opening a new database at once: every migration applied once, under the advisory lock', async () => {
    const url = await freshUrl();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url, pool: 2 })));
    try {
      const rows = await stores[0]!.db.rows<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        rows.map((r) => r.version),
        known,
      );
      await stores[0]!.users.add({ name: 'kept', passwordHash: 'x', senderDomains: [], createdAt: T0 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    const again = await openPostgresStore({ url, pool: 1 });
    try {
      assert.equal((await again.db.rows('SELECT version FROM schema_migrations')).length, known.length, 're-opening applies nothing');
      assert.equal(await again.users.count(), 1, 'and keeps the data');
    } finally {
      await again.close();
    }
  });

  test('a database written by a newer mailtrail is refused, naming database.url', async () => {
    const url = await freshUrl();
    await (await openPostgresStore({ url, pool: 1 })).close();
    await cluster.sql(url.split('/').pop()!, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', 0)");
    await assert.rejects(
      openPostgresStore({ url, pool: 1 }),
      (err: unknown) => err instanceof StoreError && /schema is version 999 .*newer mailtrail.*database\.url/.test((err as Error).message),
    );
  });

  test('a failing migration leaves nothing of itself behind, and says which', async () => {
    const migrations = path.join(dir, 'migrations');
    cpSync(POSTGRES_MIGRATIONS_DIR, migrations, { recursive: true });
    writeFileSync(path.join(migrations, '900_broken.sql'), 'CREATE TABLE half_made (id INTEGER);\nTHIS IS NOT SQL;\n');
    const url = await freshUrl();
    await assert.rejects(
      openPostgresStore({ url, pool: 1, migrationsDir: migrations }),
      (err: unknown) => err instanceof StoreError && /migration 900_broken\.sql failed/.test((err as Error).message),
    );
    const name = url.split('/').pop()!;
    assert.deepEqual(await cluster.sql(name, "SELECT 1 FROM pg_tables WHERE tablename = 'half_made'"), [], 'rolled back');
    assert.deepEqual((await cluster.sql(name, 'SELECT MAX(version) AS v FROM schema_migrations'))[0], { v: Math.max(...known) }, 'earlier migrations stayed');
  });

  test('`mailtrail migrate` applies them alone, then has nothing to do; the URL is shown without its password', async () => {
    const url = await freshUrl();
    const withPassword = url.replace('postgres@', 'postgres:secret@');
    const config = path.join(dir, 'pg.yaml');
    writeFileSync(config, `database: { backend: postgres, url: '${withPassword}' }\n`);
    const first = await runCli(['migrate', '--config', config]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(
      first.stdout,
      `postgres database ${withPassword.replace('secret', '***')}: applied migration${known.length > 1 ? 's' : ''} ${known.join(', ')}; schema version ${Math.max(...known)}\n`,
    );
    assert.match((await runCli(['migrate', '--config', config])).stdout, /nothing to apply\n$/);
  });
});

describe('connections', () => {
  test('commits wait for their WAL flush: synchronous_commit is on even when the database says off', async () => {
    const url = await freshUrl();
    await cluster.sql('postgres', `ALTER DATABASE "${url.split('/').pop()}" SET synchronous_commit = off`);
    const store = await openPostgresStore({ url, pool: 2 });
    try {
      assert.deepEqual(await store.db.rows('SHOW synchronous_commit'), [{ synchronous_commit: 'on' }]);
    } finally {
      await store.close();
    }
  });

  test('a URL that turns synchronous_commit off is refused, naming the setting', async () => {
    const url = `${await freshUrl()}?options=${encodeURIComponent('-c synchronous_commit=off')}`;
    await assert.rejects(
      openPostgresStore({ url, pool: 1 }),
      (err: unknown) => err instanceof StoreError && /synchronous_commit off.*database\.url/.test((err as Error).message),
    );
  });

  test('a server that cannot be reached: a StoreError naming the URL (without its password) and database.url', async () => {
    // A port nothing listens on: taken, then given back.
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    await assert.rejects(openPostgresStore({ url: `postgres://u:hunter2@127.0.0.1:${closed}/x`, pool: 1 }), (err: unknown) => {
      const message = (err as Error).message;
      return (
        err instanceof StoreError &&
        message.startsWith(`cannot connect to PostgreSQL at postgres://u:***@127.0.0.1:${closed}/x: `) &&
        /check database\.url/.test(message) &&
        !message.includes('hunter2')
      );
    });
  });
});

describe('claims and plans', () => {
  let store: PostgresStore;
  let raw: pg.Client;
  before(async () => {
    const url = await freshUrl();
    store = await openPostgresStore({ url, pool: 4 });
    raw = new pg.Client({ connectionString: url });
    await raw.connect();
  });
  after(async () => {
    await raw?.end();
    await store?.close();
  });
  const explain = async (sql: string, params: unknown[] = []) =>
    (await store.db.rows<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');

  test('claimDue passes by a row another transaction holds, without waiting for it', async () => {
    const m = await store.messages.enqueue(
      newMessage({
        createdAt: T0,
        recipients: [
          { address: 'held@x.test', nextAttemptAt: T0 },
          { address: 'free@x.test', nextAttemptAt: T0 + 1 },
        ],
      }),
    );
    await raw.query('BEGIN');
    try {
      await raw.query('SELECT id FROM recipients WHERE id = $1 FOR UPDATE', [m.recipients[0]!.id]);
      const started = Date.now();
      const got = await store.queue.claimDue({ now: T0 + 10, limit: 10, owner: 'A', leaseUntil: T0 + 1_000 });
      assert.deepEqual(
        got.map((r) => r.address),
        ['free@x.test'],
      );
      assert.ok(Date.now() - started < 2_000, 'no wait on the held row');
    } finally {
      await raw.query('ROLLBACK');
    }
    assert.deepEqual(
      (await store.queue.claimDue({ now: T0 + 10, limit: 10, owner: 'B', leaseUntil: T0 + 1_000 })).map((r) => r.address),
      ['held@x.test'],
      'claimable once released',
    );
    await store.queue.releaseLeases('A');
    await store.queue.releaseLeases('B');
  });

  test('resetStaleLeases runs on one node at a time: while another holds the sweep lock, it leaves the leases', async () => {
    await store.queue.claimDue({ now: T0 + 10, limit: 10, owner: 'C', leaseUntil: T0 + 100 });
    await raw.query('SELECT pg_advisory_lock($1, $2)', [...LOCKS.resetStaleLeases]);
    try {
      assert.equal(await store.queue.resetStaleLeases(T0 + 200), 0);
      assert.equal((await store.queue.countsByState(T0)).leased, 2, 'still stamped');
    } finally {
      await raw.query('SELECT pg_advisory_unlock($1, $2)', [...LOCKS.resetStaleLeases]);
    }
    assert.equal(await store.queue.resetStaleLeases(T0 + 200), 2);
  });

  describe('plans at a size where they matter', () => {
    // Plans on near-empty tables say little (a scan of one page is cheapest): 20,000 messages with two
    // recipients each, a small queue (0.5 % waiting), ten tags, subjects, complaints; then ANALYZE, as
    // autovacuum would.
    before(async () => {
      await store.db.rows(`INSERT INTO messages (queue_id, message_id, mail_from, size, sha256, tag, created_at)
        SELECT 'QP' || i, 'm' || i || '@plan.test', 'app@plan.test', 100, '\\x00', 'tag' || (i % 10), ${T0} + i * 1000 FROM generate_series(1, 20000) i`);
      await store.db.rows(`INSERT INTO recipients (message_id, address, domain, state, next_attempt_at, updated_at)
        SELECT m.id, 'u' || (m.id % 5000) || '@d' || (m.id % 50) || '.test', 'd' || (m.id % 50) || '.test',
               CASE WHEN m.id % 200 = 0 THEN 'deferred' WHEN m.id % 10 = 4 THEN 'bounced' ELSE 'delivered' END,
               CASE WHEN m.id % 200 = 0 THEN ${T0} ELSE NULL END, 0
          FROM messages m, generate_series(1, 2)`);
      await store.db.rows(`UPDATE recipients SET state = 'expired' WHERE id % 997 = 0`);
      await store.db.rows(`INSERT INTO events (at, message_id, kind_code, phase_code) SELECT created_at, id, 1, 11 FROM messages`);
      await store.db.rows(
        `INSERT INTO events (at, message_id, recipient_id, kind_code) SELECT r.updated_at, r.message_id, r.id, 10 FROM recipients r WHERE r.id % 1000 = 1`,
      );
      await store.db.rows(`INSERT INTO message_subjects (message_id, words)
        SELECT id, array_to_tsvector(ARRAY['invoice', id::text, CASE WHEN id % 100 = 0 THEN 'rare' ELSE 'common' END]) FROM messages`);
      await store.db.rows('ANALYZE');
    });

    test('the claim walks recipients_due and locks with SKIP LOCKED', async () => {
      const p = await explain(
        `UPDATE recipients SET lease_owner = 'x', lease_until = 1 WHERE id IN (SELECT id FROM recipients
           WHERE state IN ('queued', 'deferred') AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) AND domain <> ALL('{}'::text[])
           ORDER BY next_attempt_at LIMIT 5 FOR UPDATE SKIP LOCKED)`,
        [T0 + 1],
      );
      assert.match(p, /Index Scan using recipients_due/);
      assert.match(p, /LockRows/);
      assert.doesNotMatch(p, /Seq Scan/);
    });

    test('each kind of search starts from an index made for it, never a scan of a table', async () => {
      const before = { createdAt: T0 + 10_000_000, id: 10_000 };
      // Selective filters find a few messages through their own index and sort those; broad ones walk
      // messages newest first and stop at the limit, with no sort of all matches.
      const selective: [Omit<SearchFilters, 'limit'>, RegExp][] = [
        [{ recipient: 'U17@d17.test' }, /recipients_by_address_nocase/],
        [{ message: 'm17@plan.test' }, /messages_by_message_id[\s\S]*messages_queue_id_key/],
        [{ subject: 'rare' }, /message_subjects/],
        [{ state: 'complained' }, /events_complaints/],
        [{ state: 'expired' }, /recipients_rare_states/],
        [{ state: 'deferred' }, /recipients_due/],
      ];
      const broad: [Omit<SearchFilters, 'limit'>, RegExp][] = [
        [{}, /Index Scan Backward using messages_by_created/],
        [{ tag: 'tag3' }, /messages_by_(tag|created)/],
        [{ tag: 'tag3', since: T0 + 1_000_000 }, /messages_by_(tag|created)/],
        [{ subject: 'common invoice' }, /message_subjects/],
        [{ subject: 'invoice', tag: 'tag1', since: T0, until: T0 + 5_000_000 }, /message_subjects/],
        [{ domain: 'd7.test', state: 'delivered' }, /messages_by_created/],
      ];
      for (const [f, index] of [...selective, ...broad]) {
        const { text, values } = searchSql({ limit: 51, before, ...f });
        const p = await explain(text, values);
        assert.match(p, index, `${JSON.stringify(f)}:\n${p}`);
        assert.doesNotMatch(p, /Seq Scan/, `${JSON.stringify(f)}:\n${p}`);
        if (broad.some(([b]) => b === f)) assert.doesNotMatch(p, /Sort Key/, `${JSON.stringify(f)}: walked in order, not sorted:\n${p}`);
      }
      assert.match(
        await explain('SELECT * FROM messages WHERE message_id = $1 OR queue_id = $1 ORDER BY created_at DESC, id DESC', ['a']),
        /messages_by_message_id[\s\S]*messages_queue_id_key/,
      );
    });
  });
});

describe('compact history (001, as SQLite 009)', () => {
  let store: PostgresStore;
  let url: string;
  before(async () => {
    url = await freshUrl();
    store = await openPostgresStore({ url, pool: 4 });
  });
  after(async () => {
    await store?.close();
  });
  const rows = async () => (await store.db.row<{ n: number }>('SELECT COUNT(*) AS n FROM events'))!.n;
  const count = async (value: string) => (await store.db.row<{ n: number }>('SELECT COUNT(*) AS n FROM texts WHERE value = $1', [value]))!.n;
  const mx = { remoteHost: 'mx1.compact.test', remoteIp: '192.0.2.55', attempt: 1 };
  /** An attempt that delivered a message's two recipients over one connection: MAIL, a RCPT each, DATA. */
  const deliveredToBoth = (m: EnqueuedMessage, owner: string, at: number): AttemptWrite => {
    const base = { at, messageRowId: m.message.id, ...mx };
    const [a, b] = m.recipients.map((r) => r.id) as [number, number];
    const done = { nextAttemptAt: null, lastCode: 250, lastEnhanced: '2.0.0', lastText: 'ok', category: 'accepted', hard: null } as const;
    return {
      owner,
      at,
      events: [
        { ...base, kind: 'phase', phase: 'mail', code: 250, text: 'Sender OK' },
        { ...base, recipientId: a, kind: 'phase', phase: 'rcpt', code: 250, text: 'Recipient OK' },
        { ...base, recipientId: b, kind: 'phase', phase: 'rcpt', code: 250, text: 'Recipient OK' },
        { ...base, kind: 'phase', phase: 'data', code: 250, text: 'queued' },
      ],
      recipients: [
        { id: a, state: 'delivered', ...done },
        { id: b, state: 'delivered', ...done },
      ],
    };
  };

  test('an attempt’s phases take one row; an MX name, a usual reply and a classification are stored once; one-off replies inline', async () => {
    const before = await rows();
    await writeCompactAttempts(store, T0);
    assert.equal((await rows()) - before, 10 * 3, 'per message: received, one row for the four phases, the outcome');
    assert.equal(await count('mx1.compact.test'), 1);
    assert.equal(await count(JSON.stringify({ category: 'accepted', hard: false })), 1);
    assert.equal(await count(JSON.stringify([250, '2.1.5', 'Recipient OK'])), 1, 'a reply triple of a folded phase');
    assert.equal((await store.db.row<{ n: number }>("SELECT COUNT(*) AS n FROM texts WHERE value LIKE '%queued as Q%'"))!.n, 0, 'one-off replies stay inline');
    const ids = (await store.db.rows<{ id: number }>('SELECT id FROM events WHERE phase_code = 0 ORDER BY id')).map((r) => r.id);
    assert.ok(
      ids.every((id) => id % 64 === 3),
      'a folded row of four phases has the fourth id of its block',
    );
  });

  test('a trace from a store opened afresh gives the shared texts of every row, the folded rows’ too, as eventsOf does, in one statement', async () => {
    // The messages written by the test above: their MX, address, usual replies and classification are shared texts.
    const [last] = await store.db.rows<{ id: number; queue_id: string }>('SELECT id, queue_id FROM messages ORDER BY id DESC LIMIT 1');
    const refs = await store.db.row<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE message_id = $1 AND remote_host_ref IS NOT NULL', [last!.id]);
    assert.ok(refs!.n >= 2, 'the folded row and the outcome name the MX by reference');
    // A store opened afresh knows no texts yet, as `mailtrail trace` in a new process.
    const fresh = await openPostgresStore({ url, pool: 2 });
    try {
      // Statements sent by any connection of this process while the trace reads (the other store is idle): its
      // folded row's shared reply texts come with the history, not in a second round trip after it.
      const query = pg.Client.prototype.query;
      let statements = 0;
      pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
        // The other store's wake-up NOTIFY after the writes above comes up to 25 ms later, coalesced, on its own
        // timer (src/store/postgres/wakeups.ts): not the trace's, and it may land in this window.
        const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? '');
        if (!text.includes('pg_notify(')) statements++;
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      let history: Awaited<ReturnType<typeof fresh.query.findHistory>>;
      try {
        history = await fresh.query.findHistory(last!.queue_id);
      } finally {
        pg.Client.prototype.query = query;
      }
      assert.equal(statements, 1, 'one statement for the whole trace');
      assert.deepEqual(history.events, await store.query.eventsOf([last!.id]));
      assert.deepEqual(
        history.events.filter((e) => e.kind !== 'received').map((e) => [e.kind, e.phase, e.code, e.text, e.remoteHost, e.remoteIp]),
        [
          ['phase', 'connect', 220, `${COMPACT_MX} ESMTP ready`, COMPACT_MX, '192.0.2.55'],
          ['phase', 'mail', 250, 'Sender OK', COMPACT_MX, '192.0.2.55'],
          ['phase', 'rcpt', 250, 'Recipient OK', COMPACT_MX, '192.0.2.55'],
          ['phase', 'data', 250, 'queued as Q9', COMPACT_MX, '192.0.2.55'],
          ['delivered', 'data', 250, 'queued as Q9', COMPACT_MX, '192.0.2.55'],
        ],
      );
      assert.deepEqual(history.events.at(-1)!.detail, { category: 'accepted', hard: false });
    } finally {
      await fresh.close();
    }
  });

  test('a run naming a recipient that is no longer ours is written one row per event, without that recipient’s phase', async () => {
    const m = await store.messages.enqueue(newMessage({ createdAt: T0 + 100, recipients: ['a@lost.test', 'b@lost.test'] }));
    const [a, b] = m.recipients.map((r) => r.id) as [number, number];
    await store.queue.claimDue({ now: T0 + 10_000, limit: 100, owner: 'c', leaseUntil: T0 + 60_000 });
    await store.db.rows('UPDATE recipients SET lease_owner = $1 WHERE id = $2', ['other', b]);
    const result = await store.queue.recordAttempt(deliveredToBoth(m, 'c', T0 + 2_000));
    assert.deepEqual(result.lost, [b]);
    const events = (await store.events.forMessage(m.message.id)).filter((e) => e.kind === 'phase');
    assert.deepEqual(
      events.map((e) => [e.phase, e.recipientId]),
      [
        ['mail', null],
        ['rcpt', a],
        ['data', null],
      ],
    );
    assert.equal((await store.db.row<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE message_id = $1 AND phase_code = 0', [m.message.id]))!.n, 0);
  });

  test('in a group of attempt records, such a run is written one row per event and the other jobs’ runs folded', async () => {
    const messages = [];
    for (let i = 0; i < 4; i++) {
      messages.push(await store.messages.enqueue(newMessage({ createdAt: T0 + 200 + i, recipients: [`a${i}@group.test`, `b${i}@group.test`] })));
    }
    await store.queue.claimDue({ now: T0 + 10_000, limit: 100, owner: 'g', leaseUntil: T0 + 60_000 });
    // The third job has lost one of its two recipients.
    const lostId = messages[2]!.recipients[1]!.id;
    await store.db.rows('UPDATE recipients SET lease_owner = $1 WHERE id = $2', ['other', lostId]);
    // Four at once: two statements go at once (ATTEMPT_STATEMENTS), the third and fourth wait and go together.
    const results = await Promise.all(messages.map((m) => store.queue.recordAttempt(deliveredToBoth(m, 'g', T0 + 3_000))));
    assert.deepEqual(
      results.map((r) => r.lost),
      [[], [], [lostId], []],
    );
    for (const [i, m] of messages.entries()) {
      const [a, b] = m.recipients.map((r) => r.id);
      const phases = (await store.events.forMessage(m.message.id)).filter((e) => e.kind === 'phase').map((e) => [e.phase, e.recipientId]);
      const folded = (await store.db.row<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE message_id = $1 AND phase_code = 0', [m.message.id]))!.n;
      if (i === 2) {
        assert.deepEqual(phases, [
          ['mail', null],
          ['rcpt', a],
          ['data', null],
        ]);
        assert.equal(folded, 0, 'the run naming the lost recipient is written one row per event');
      } else {
        assert.deepEqual(phases, [
          ['mail', null],
          ['rcpt', a],
          ['rcpt', b],
          ['data', null],
        ]);
        assert.equal(folded, 1, `message ${i}: its four phases in one row`);
      }
    }
  });
});
