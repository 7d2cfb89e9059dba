import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempStore, type TempStore } from '../bounces/support.js';

let t: TempStore;
before(() => {
  t = tempStore('mailtrail-suppressions-');
});
after(() => t.cleanup());

test('addresses are suppressed case-insensitively and the first entry is kept', async () => {
  const first = await t.store.suppressions.add({ address: ' User@Example.COM ', reason: 'hard bounce: 5.1.1', source: 'hard-bounce', createdAt: 1000 });
  assert.equal(first.created, true);
  assert.equal(first.suppression.address, 'user@example.com');
  assert.equal(await t.store.suppressions.isSuppressed('USER@example.com'), true);
  assert.equal(await t.store.suppressions.isSuppressed('other@example.com'), false);
  const again = await t.store.suppressions.add({ address: 'user@example.com', reason: 'complaint', source: 'complaint', createdAt: 2000 });
  assert.equal(again.created, false);
  assert.equal(again.suppression.source, 'hard-bounce', 'an existing entry is not rewritten');
  assert.equal((await t.store.suppressions.get('user@EXAMPLE.com'))?.reason, 'hard bounce: 5.1.1');
});

test('list is newest first and pages; remove says whether there was an entry', async () => {
  await t.store.suppressions.add({ address: 'b@example.com', reason: 'manual', source: 'manual', createdAt: 3000 });
  await t.store.suppressions.add({ address: 'c@example.com', reason: 'manual', source: 'manual', createdAt: 4000 });
  assert.deepEqual((await t.store.suppressions.list()).map((s) => s.address), ['c@example.com', 'b@example.com', 'user@example.com']);
  assert.deepEqual((await t.store.suppressions.list({ limit: 1, offset: 1 })).map((s) => s.address), ['b@example.com']);
  assert.equal(await t.store.suppressions.count(), 3);
  assert.equal(await t.store.suppressions.remove('B@example.com'), true);
  assert.equal(await t.store.suppressions.remove('b@example.com'), false);
  assert.equal(await t.store.suppressions.isSuppressed('b@example.com'), false);
});

test('an entry caused by an event survives the event being purged with its message', async () => {
  const { enqueue } = await import('../bounces/support.js');
  const { message, recipients } = await enqueue(t.store, { recipients: ['gone@example.com'] });
  const ev = await t.store.events.append({ at: 1, kind: 'bounced', messageId: message.id, recipientId: recipients[0].id });
  await t.store.suppressions.add({ address: 'gone@example.com', reason: 'hard bounce', source: 'hard-bounce', eventId: ev.id, createdAt: 5000 });
  t.store.db.prepare('DELETE FROM messages WHERE id = ?').run(message.id);
  const s = await t.store.suppressions.get('gone@example.com');
  assert.equal(s?.eventId, null);
  assert.equal(s?.source, 'hard-bounce');
});
