/**
 * SQLite-only mechanics the store contract cannot see through the interface: the plans of the claim and
 * search statements, the outbox's unique (endpoint, event) pair, foreign keys after a purge, and the
 * compact form of the history (migration 009), and large inbound mail written in pieces (migration 010).
 * (Behaviour shared with every backend is in test/store/contract.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { groupCommitFor } from '../../../src/store/sqlite/group-commit.js';
import { searchSql } from '../../../src/store/sqlite/query.js';
import type { SearchFilters } from '../../../src/store/store.js';
import { writeCompactAttempts } from '../../helpers/compact-history.js';
import { newMessage } from '../../helpers/new-message.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-sqlite-backend-'));
const store = openSqliteStore({ path: path.join(dir, 'b.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
const T0 = Date.UTC(2030, 0, 1);
const explain = (sql: string, params: unknown[] = []) =>
  (store.db.prepare('EXPLAIN QUERY PLAN ' + sql).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');

test('claimDue is served by the partial index recipients_due', () => {
  const plan = explain(`SELECT id FROM recipients WHERE state IN ('queued', 'deferred') AND next_attempt_at <= 1
    AND (lease_until IS NULL OR lease_until <= 1) AND domain NOT IN (SELECT value FROM json_each('[]')) ORDER BY next_attempt_at LIMIT 5`);
  assert.match(plan, /USING INDEX recipients_due/);
});

describe('search plans', () => {
  const plan = (f: SearchFilters) => {
    const { sql, params } = searchSql(f);
    return explain(sql, params);
  };

  test('search by recipient starts from recipients_by_address_nocase, not a scan of messages', () => {
    const p = plan({ recipient: 'a@example.com', limit: 51, before: { createdAt: T0, id: 10 } });
    assert.match(p, /recipients_by_address_nocase/);
    assert.doesNotMatch(p, /SCAN m\b/);
  });

  test('unfiltered and tag searches walk an index in order instead of sorting', () => {
    assert.match(
      plan({ limit: 51, before: { createdAt: T0, id: 10 } }),
      /SEARCH m USING INDEX messages_by_created \(created_at<\?\)/,
      'a later page seeks, it does not rescan the first pages',
    );
    assert.doesNotMatch(plan({ limit: 51 }), /TEMP B-TREE/);
    assert.match(plan({ tag: 'news', limit: 51, before: { createdAt: T0, id: 10 } }), /messages_by_tag \(tag=\? AND created_at<\?\)/);
  });

  test('subject words, Message-ID, complaints and rare states start from their own indexes', () => {
    const before = { createdAt: T0, id: 10 };
    assert.match(plan({ message: 'a@b', limit: 51, before }), /messages_by_message_id[\s\S]*sqlite_autoindex_messages_1/);
    assert.match(plan({ state: 'complained', limit: 51, before }), /INDEX events_complaints/);
    assert.match(plan({ state: 'expired', limit: 51, before }), /COVERING INDEX recipients_rare_states \(state=\?\)/);
    assert.match(plan({ state: 'deferred', limit: 51, before }), /recipients_due/);
    for (const f of [{ subject: 'invoice' }, { message: 'a@b' }, { state: 'complained' as const }, { state: 'cancelled' as const }])
      assert.doesNotMatch(plan({ ...f, limit: 51, before }), /SCAN m\b/);
  });

  test('a domain: a small one starts from its recipients, a big one walks the messages newest first', () => {
    const f = { domain: 'x.test', state: 'bounced' as const, limit: 51, before: { createdAt: T0, id: 10 } };
    const { sql, params } = searchSql(f, { sparseDomain: true });
    assert.match(explain(sql, params), /recipients_by_domain_state \(domain=\? AND state=\?\)/);
    assert.match(plan(f), /SEARCH m USING INDEX messages_by_created/);
  });

  test('subject words walk the full-text index newest first, bounded by the time window, with no sort', () => {
    // A tag and a time window must not take the lead: each of their rows would need a full-text lookup of its own.
    const p = plan({ subject: 'invoice', tag: 'x', since: T0, until: T0 + 60_000, limit: 51, before: { createdAt: T0, id: 10 } });
    assert.match(p.split('\n')[0]!, /^SCAN s VIRTUAL TABLE INDEX \d+:M1[<>=]+$/, 'the index walk leads, with the id bounds handed to it');
    assert.match(p, /SEARCH m USING INTEGER PRIMARY KEY/);
    assert.doesNotMatch(p, /TEMP B-TREE|messages_by_tag/);
  });

  test('lookup by Message-ID or queue id uses both indexes', () => {
    const p = explain('SELECT * FROM messages WHERE message_id = ? OR queue_id = ? ORDER BY created_at DESC, id DESC', ['a', 'a']);
    assert.match(p, /messages_by_message_id/);
    assert.match(p, /sqlite_autoindex_messages_1|queue_id/);
  });
});

test('the outbox holds one row per (endpoint, event) even if the cursor were set back', async () => {
  const route = () => [{ endpoint: 'a', type: 'delivered', payload: '{}' }];
  const init = await store.webhooks.stage({ now: 1, limit: 10, route });
  const m = await store.messages.enqueue(newMessage({ createdAt: T0, recipients: ['a@x.test'] }));
  await store.events.append({ at: T0, messageRowId: m.message.id, recipientId: m.recipients[0]!.id, kind: 'delivered' });
  assert.equal((await store.webhooks.stage({ now: 2, limit: 10, route })).queued, 2);
  store.db.prepare('UPDATE webhook_cursor SET last_event_id = ?').run(init.cursor);
  assert.equal((await store.webhooks.stage({ now: 3, limit: 10, route })).queued, 0);
  assert.equal((await store.webhooks.list({ limit: 10 })).length, 2);
});

test('a purge leaves no dangling foreign key', async () => {
  const m = await store.messages.enqueue(newMessage({ createdAt: T0 - 1_000, recipients: ['gone@x.test'] }));
  const e = await store.events.append({ at: T0, messageRowId: m.message.id, recipientId: m.recipients[0]!.id, kind: 'bounced' });
  await store.queue.transitionMessage({
    queueId: m.message.queueId,
    now: T0,
    transition: { from: ['queued'], to: 'bounced', clearLease: true, skipLeasedAt: null },
    event: { kind: 'bounced' },
  });
  await store.suppressions.add({ address: 'gone@x.test', reason: 'hard bounce', source: 'hard-bounce', eventId: e.id, createdAt: T0 });
  const row = await store.inbound.receive({ receivedAt: T0, mailFrom: '', rcptTo: ['b@x.test'], clientIp: null, raw: Buffer.from('x') });
  await store.inbound.record({
    id: row.id,
    processedAt: T0,
    kind: 'bounce',
    parse: {},
    match: { messageRowId: m.message.id, recipientId: m.recipients[0]!.id, rule: 'verp' },
    effects: [],
  });
  // A newer message holds the highest ids, which a purge keeps (SQLite would give them again).
  await store.messages.enqueue(newMessage({ createdAt: T0 + 60_000, recipients: ['later@x.test'] }));
  const counts = await store.retention.purge({ history: T0 + 1, content: T0 + 1, inbound: T0 + 1, webhooks: T0 + 1 }, 100);
  assert.ok(counts.messages >= 1);
  assert.deepEqual(store.db.prepare('PRAGMA foreign_key_check').all(), []);
});

test('history is compact: an attempt’s phases take one row, an MX name, a usual reply and a classification are stored once', async () => {
  const rows = () => store.db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
  const before = rows();
  await writeCompactAttempts(store, T0);
  assert.equal(rows() - before, 10 * 3, 'per message: received, one row for the four phases, the outcome');
  const count = (value: string) => store.db.prepare('SELECT COUNT(*) FROM texts WHERE value = ?').pluck().get(value) as number;
  assert.equal(count('mx1.compact.test'), 1);
  assert.equal(count(JSON.stringify({ category: 'accepted', hard: false })), 1);
  assert.equal(count(JSON.stringify([250, '2.1.5', 'Recipient OK'])), 1, 'a reply triple of a folded phase');
  assert.equal(store.db.prepare("SELECT COUNT(*) FROM texts WHERE value LIKE '%queued as Q%'").pluck().get(), 0, 'one-off replies stay inline');
});

describe('large inbound mail (migration 010)', () => {
  const mail = (bytes: number, at: number) => ({
    receivedAt: at,
    mailFrom: '',
    rcptTo: ['postmaster@bounces.test'],
    clientIp: null,
    raw: Buffer.alloc(bytes, 0x61),
  });

  test('is written a piece per group commit, so a small write waits for one piece, not for all of it', async () => {
    const before = groupCommitFor(store.db).stats().groups;
    const order: string[] = [];
    const big = store.inbound.receive(mail(2 * 1024 * 1024, T0)).then((r) => (order.push('big'), r));
    const small = store.inbound.receive(mail(100, T0)).then((r) => (order.push('small'), r));
    const [b] = await Promise.all([big, small]);
    assert.deepEqual(order, ['small', 'big'], 'the small mail did not wait for the large one');
    assert.ok(groupCommitFor(store.db).stats().groups - before >= 8, 'eight pieces of 256 KB, eight commits');
    assert.equal(store.db.prepare('SELECT COUNT(*) FROM inbound_raw WHERE inbound_id = ?').pluck().get(b.id), 8);
    assert.equal((await store.inbound.raw(b.id))!.length, 2 * 1024 * 1024);
    assert.equal(store.db.prepare('SELECT stored FROM inbound WHERE id = ?').pluck().get(b.id), 1);
  });

  test('a partly written row is invisible, and one abandoned for an hour goes with the next large mail', async () => {
    const partial = store.db
      .prepare("INSERT INTO inbound (received_at, mail_from, rcpt_to, size, stored) VALUES (?, '', '[]', 999999, 0) RETURNING id")
      .pluck()
      .get(T0) as number;
    store.db.prepare("INSERT INTO inbound_raw (inbound_id, seq, bytes) VALUES (?, 0, x'00')").run(partial);
    assert.equal(await store.inbound.get(partial), null);
    assert.equal(await store.inbound.raw(partial), null);
    assert.ok(!(await store.inbound.unprocessed(1000)).includes(partial), 'not processed as a truncated mail');
    assert.ok(!(await store.inbound.list({ limit: 1000 })).some((r) => r.id === partial));

    await store.inbound.receive(mail(300 * 1024, T0 + 30 * 60_000));
    assert.equal(store.db.prepare('SELECT COUNT(*) FROM inbound WHERE id = ?').pluck().get(partial), 1, 'half an hour: still being written, maybe');
    await store.inbound.receive(mail(300 * 1024, T0 + 61 * 60_000));
    assert.equal(store.db.prepare('SELECT COUNT(*) FROM inbound WHERE id = ?').pluck().get(partial), 0, 'an hour: abandoned');
    assert.equal(store.db.prepare('SELECT COUNT(*) FROM inbound_raw WHERE inbound_id = ?').pluck().get(partial), 0, 'its pieces with it');
  });
});
