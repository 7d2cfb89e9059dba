/**
 * The events feed across concurrent writers on PostgreSQL: a transaction that took a lower event id but
 * commits after another one's higher id must still reach every follower (tail, metrics, webhooks). Two
 * real transactions on a private cluster, committed out of id order.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from '../../../src/store/postgres/index.js';
import type { Store } from '../../../src/store/store.js';
import { newMessage } from '../../helpers/new-message.js';
import { startPostgres, type PgCluster } from '../../helpers/postgres.js';

let cluster: PgCluster | null = null;
after(async () => cluster?.stop());

test('an event committed out of id order is not passed over: followers get it, and in commit-safe order', async () => {
  cluster = await startPostgres();
  const url = cluster.url(await cluster.createDatabase('feed_late'));
  const store: Store = await openPostgresStore({ url, pool: 2 });
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  try {
    const { message } = await store.messages.enqueue(newMessage({ queueId: 'QLATE', messageId: 'late@app.test', recipients: ['r@late.test'] }));
    await store.webhooks.stage({ now: 1, limit: 100, route: () => [] }); // places the webhook cursor at the head
    const start = await store.events.head();

    // A slow writer takes the next id and holds its transaction open…
    await raw.query('BEGIN');
    const late = await raw.query<{ id: string }>(`INSERT INTO events (at, message_id, kind_code, text) VALUES (2, $1, 2, 'late') RETURNING id`, [message.id]);
    const lateId = Number(late.rows[0]!.id);
    // …while another writer takes a higher id and commits.
    const early = await store.events.append({ at: 3, messageRowId: message.id, kind: 'phase', text: 'early' });
    assert.ok(early.id > lateId, 'the second writer has the higher id');

    // A follower reading now must not pass over the open transaction's lower id.
    const now = await store.events.after(start, 100);
    assert.deepEqual(
      now.map((e) => e.text),
      [],
      'nothing is given while an older transaction is still open',
    );
    const staged = await store.webhooks.stage({ now: 4, limit: 100, route: (e) => [{ endpoint: 'a', type: e.kind, payload: String(e.id) }] });
    assert.equal(staged.events, 0, 'the webhook cursor does not move past it either');

    await raw.query('COMMIT');
    const later = await store.events.after(start, 100);
    assert.deepEqual(
      later.map((e) => [e.id, e.text]),
      [
        [lateId, 'late'],
        [early.id, 'early'],
      ],
      'both, once the late one has committed',
    );
    const staged2 = await store.webhooks.stage({ now: 5, limit: 100, route: (e) => [{ endpoint: 'a', type: e.kind, payload: String(e.id) }] });
    assert.equal(staged2.events, 2);
    assert.deepEqual(
      (await store.webhooks.list({ limit: 10 })).map((r) => r.eventId).sort((a, b) => a - b),
      [lateId, early.id],
    );
    assert.deepEqual(await store.events.after(later[1]!.cursor, 100), []);
  } finally {
    await raw.end();
    await store.close();
  }
});

test('a rolled-back transaction holds followers only while it is open', async () => {
  cluster ??= await startPostgres();
  const url = cluster.url(await cluster.createDatabase('feed_rollback'));
  const store: Store = await openPostgresStore({ url, pool: 2 });
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  try {
    const { message } = await store.messages.enqueue(newMessage({ queueId: 'QRB', messageId: 'rb@app.test', recipients: ['r@rb.test'] }));
    const start = await store.events.head();
    await raw.query('BEGIN');
    await raw.query(`INSERT INTO events (at, message_id, kind_code, text) VALUES (2, $1, 2, 'never')`, [message.id]);
    const kept = await store.events.append({ at: 3, messageRowId: message.id, kind: 'phase', text: 'kept' });
    assert.deepEqual(await store.events.after(start, 100), []);
    await raw.query('ROLLBACK');
    assert.deepEqual(
      (await store.events.after(start, 100)).map((e) => [e.id, e.text]),
      [[kept.id, 'kept']],
    );
  } finally {
    await raw.end();
    await store.close();
  }
});
