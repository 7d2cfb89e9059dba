/**
 * Purging (RetentionStore): old finished history goes with everything that hangs off it, old content goes
 * alone, and nothing still waiting — a deferred recipient, unprocessed inbound mail, a pending webhook —
 * is touched, whatever its age. Foreign keys stay consistent.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { PurgeCutoffs } from '../../src/store/store.js';
import type { RecipientState } from '../../src/types.js';
import { setState, tempStore } from '../bounces/support.js';
import { newMessage } from '../helpers/new-message.js';

const DAY = 24 * 60 * 60_000;
const NOW = Date.UTC(2030, 5, 1);
const t = tempStore('mailtrail-retention-');
after(() => t.cleanup());
const { store } = t;
const db = store.db;

async function message(ageDays: number, state: RecipientState) {
  const createdAt = NOW - ageDays * DAY;
  const { message: m, recipients } = await store.messages.enqueue(newMessage({ createdAt, recipients: [`r${ageDays}-${state}@example.org`] }));
  setState(store, recipients[0].id, state);
  const event = await store.events.append({ at: createdAt + 1000, messageRowId: m.id, recipientId: recipients[0].id, kind: state === 'deferred' ? 'deferred' : 'delivered', code: 250 });
  return { m, r: recipients[0], event };
}

async function inbound(ageDays: number, opts: { processed: boolean; matchedTo?: { m: { id: number }; r: { id: number } } }) {
  const row = await store.inbound.receive({ receivedAt: NOW - ageDays * DAY, mailFrom: '', rcptTo: ['postmaster@bounces.test'], clientIp: '127.0.0.1', raw: Buffer.from('Subject: x\r\n\r\nx\r\n') });
  db.prepare('UPDATE inbound SET processed_at = ?, kind = ?, matched_message_id = ?, matched_recipient_id = ? WHERE id = ?').run(
    opts.processed ? NOW - ageDays * DAY : null,
    opts.processed ? 'bounce' : null,
    opts.matchedTo?.m.id ?? null,
    opts.matchedTo?.r.id ?? null,
    row.id,
  );
  return row.id;
}

function webhook(ageDays: number, state: 'pending' | 'delivered' | 'failed', eventId: number): number {
  const at = NOW - ageDays * DAY;
  return Number(
    db
      .prepare("INSERT INTO webhook_outbox (endpoint, event_id, type, payload, state, created_at, updated_at) VALUES ('crm', ?, 'delivered', '{}', ?, ?, ?)")
      .run(eventId, state, at, at).lastInsertRowid,
  );
}

const count = (sql: string, ...args: unknown[]) => db.prepare(sql).pluck().get(...args) as number;
const exists = (table: string, column: string, id: number) => count(`SELECT COUNT(*) FROM ${table} WHERE ${column} = ?`, id) > 0;
const cutoffs = (days: { history: number; content: number; inbound: number; webhooks: number }): PurgeCutoffs => ({
  history: NOW - days.history * DAY,
  content: NOW - days.content * DAY,
  inbound: NOW - days.inbound * DAY,
  webhooks: NOW - days.webhooks * DAY,
});

test('one purge removes old finished history, old content and old processed inbound and webhooks; keeps all that waits', async () => {
  const oldDone = await message(100, 'delivered');
  const oldWaiting = await message(100, 'deferred');
  const midDone = await message(10, 'bounced');
  const newDone = await message(1, 'delivered');
  // A suppression caused by an event of the purged message outlives it, without the reference.
  await store.suppressions.add({ address: 'gone@example.org', reason: 'hard bounce', source: 'hard-bounce', eventId: oldDone.event.id, createdAt: NOW - 100 * DAY });
  const matchedToOld = await inbound(100, { processed: true, matchedTo: oldDone });
  const matchedToMid = await inbound(10, { processed: true, matchedTo: midDone });
  const oldUnmatched = await inbound(100, { processed: true });
  const oldUnprocessed = await inbound(100, { processed: false });
  const newUnmatched = await inbound(1, { processed: true });
  const hooks = {
    oldDelivered: webhook(40, 'delivered', oldDone.event.id),
    oldFailed: webhook(40, 'failed', oldDone.event.id + 1000),
    oldPending: webhook(40, 'pending', oldDone.event.id + 2000),
    newDelivered: webhook(1, 'delivered', newDone.event.id),
  };

  const none = await store.retention.purge({ history: null, content: null, inbound: null, webhooks: null }, 100);
  assert.deepEqual(none, { messages: 0, contents: 0, inbound: 0, webhooks: 0 }, 'null cut-offs keep everything');

  const counts = await store.retention.purge(cutoffs({ history: 90, content: 7, inbound: 90, webhooks: 30 }), 100);
  assert.deepEqual(counts, { messages: 1, contents: 1, inbound: 1, webhooks: 2 });

  // The old finished message is gone with its recipients, events, content and the bounce matched to it.
  assert.equal(exists('messages', 'id', oldDone.m.id), false);
  assert.equal(exists('recipients', 'message_id', oldDone.m.id), false);
  assert.equal(exists('events', 'message_id', oldDone.m.id), false);
  assert.equal(exists('message_content', 'message_id', oldDone.m.id), false);
  assert.equal(exists('inbound', 'id', matchedToOld), false);
  assert.equal((await store.suppressions.get('gone@example.org'))?.eventId, null, 'the suppression stays, its event reference cleared');

  // As old, but a recipient still waits: untouched, content and all (delivery needs it).
  assert.ok(exists('messages', 'id', oldWaiting.m.id));
  assert.ok(exists('events', 'message_id', oldWaiting.m.id));
  assert.ok(await store.messages.content(oldWaiting.m.id));

  // Ten days old: history kept (trace still answers), content gone; its matched bounce stays matched.
  assert.ok(exists('messages', 'id', midDone.m.id));
  assert.ok(exists('events', 'message_id', midDone.m.id));
  assert.equal(await store.messages.content(midDone.m.id), null);
  assert.equal(count('SELECT matched_message_id FROM inbound WHERE id = ?', matchedToMid), midDone.m.id);

  // One day old: everything kept.
  assert.ok(await store.messages.content(newDone.m.id));

  assert.equal(exists('inbound', 'id', oldUnmatched), false, 'old unmatched inbound mail goes');
  assert.ok(exists('inbound', 'id', oldUnprocessed), 'inbound mail never processed stays, however old');
  assert.ok(exists('inbound', 'id', newUnmatched));

  assert.equal(exists('webhook_outbox', 'id', hooks.oldDelivered), false);
  assert.equal(exists('webhook_outbox', 'id', hooks.oldFailed), false);
  assert.ok(exists('webhook_outbox', 'id', hooks.oldPending), 'a pending webhook stays, however old');
  assert.ok(exists('webhook_outbox', 'id', hooks.newDelivered));

  assert.deepEqual(db.prepare('PRAGMA foreign_key_check').all(), [], 'no dangling reference');
  assert.deepEqual(await store.retention.purge(cutoffs({ history: 90, content: 7, inbound: 90, webhooks: 30 }), 100), { messages: 0, contents: 0, inbound: 0, webhooks: 0 }, 'a second purge finds nothing');
});

test('a purge step deletes at most `limit` rows of each kind; repeated steps finish the work', async () => {
  const old = [];
  for (let i = 0; i < 5; i++) old.push(await message(200 + i, 'expired'));
  const steps = [];
  for (;;) {
    const c = await store.retention.purge(cutoffs({ history: 90, content: 7, inbound: 90, webhooks: 30 }), 2);
    steps.push(c.messages);
    // Oldest first: after the first step the two oldest (204 and 203 days) are gone, the rest still there.
    if (steps.length === 1) assert.deepEqual(old.map((o) => exists('messages', 'id', o.m.id)), [true, true, true, false, false]);
    if (c.messages < 2) break;
  }
  assert.deepEqual(steps, [2, 2, 1]);
  assert.ok(old.every((o) => !exists('messages', 'id', o.m.id)));
  assert.deepEqual(db.prepare('PRAGMA foreign_key_check').all(), []);
});
