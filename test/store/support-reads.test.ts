/**
 * The per-message reads the support page adds to the store: the inbound mail matched to a message, the
 * webhooks sent for its events, the message behind an event, a search of the suppression list, and
 * the subject index following retention.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { FeedEvent, NewWebhookDelivery } from '../../src/store/store.js';
import { newMessage, seedHistory, T0, tempStore, SUBJECT } from '../query/fixture.js';
import { suppressionList } from '../../src/suppression/list.js';

const t = tempStore();
after(() => t.cleanup());

test('inbound mail matched to a message, oldest first, without its raw bytes', async () => {
  const { queueId } = await seedHistory(t.store);
  const m = (await t.store.messages.getByQueueId(queueId))!;
  const rows = await t.store.inbound.forMessage(m.id);
  assert.deepEqual(rows.map((r) => [r.kind, r.matchRule, r.matchedMessageRowId]), [['bounce', 'verp', m.id]]);
  assert.equal('raw' in rows[0], false);
  assert.deepEqual(await t.store.inbound.forMessage(m.id + 1000), []);
});

test('webhooks sent for a set of events, and the message behind each event', async () => {
  const route = (e: FeedEvent): NewWebhookDelivery[] => (e.kind === 'bounced' ? [{ endpoint: 'crm', type: e.kind, payload: JSON.stringify({ id: e.id }) }] : []);
  await t.store.webhooks.stage({ now: T0, limit: 10, route }); // places the cursor
  const m = await t.store.messages.enqueue(newMessage({ queueId: 'QHOOKED1', messageId: 'hooked@shop.example.com', recipients: ['x@example.com'] }));
  const bounced = await t.store.events.append({ at: T0, messageRowId: m.message.id, recipientId: m.recipients[0].id, kind: 'bounced', phase: 'inbound', code: 550 });
  await t.store.webhooks.stage({ now: T0, limit: 10, route });
  const rows = await t.store.webhooks.forEvents([bounced.id, bounced.id + 999]);
  assert.deepEqual(rows.map((r) => [r.eventId, r.endpoint, r.state]), [[bounced.id, 'crm', 'pending']]);
  assert.deepEqual(await t.store.query.messagesOfEvents([bounced.id]), [{ eventId: bounced.id, queueId: 'QHOOKED1', messageId: 'hooked@shop.example.com' }]);
});

test('the suppression list searched by any part of the address, newest first', async () => {
  await suppressionList(t.store, () => T0 + 1).add('Zed@Blocked.test', 'manual');
  assert.deepEqual((await suppressionList(t.store).list({ limit: 10, contains: 'BLOCKED.test' })).map((s) => s.address), ['zed@blocked.test', 'dave@blocked.test']);
  assert.deepEqual((await t.store.suppressions.list({ contains: 'zed', limit: 1, offset: 1 })).map((s) => s.address), []);
  assert.equal((await t.store.suppressions.list({})).length, 2);
});

test('subjects follow their messages: indexed at intake, gone when retention deletes the message', async () => {
  const [older] = await t.store.query.findMessages('QOLDER0001');
  assert.equal((await t.store.query.subjectsOf([older.id])).get(older.id), SUBJECT);
  const counts = await t.store.retention.purge({ history: T0 - 5 * 86_400_000, content: null, inbound: null, webhooks: null }, 100);
  assert.equal(counts.messages, 1);
  assert.deepEqual(await t.store.query.subjectsOf([older.id]), new Map());
  assert.equal((t.store.db.prepare("SELECT COUNT(*) FROM message_subjects WHERE message_subjects MATCH 'shipped'").pluck().get() as number), 2, 'the two other messages keep theirs');
});
