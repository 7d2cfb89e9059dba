import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { newMessage } from '../helpers/new-message.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-feed-'));
const store = openSqliteStore({ path: path.join(dir, 'f.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the feed returns events after a cursor, oldest first, with message and recipient facts', async () => {
  assert.equal(await store.events.lastId(), 0);
  const { message, recipients } = await store.messages.enqueue(
    newMessage({ queueId: 'QFEED1', messageId: 'feed-1@test', tag: 'newsletter', createdAt: 1_000, recipients: ['Ann@Example.org'] }),
  );
  const start = await store.events.lastId();
  assert.ok(start > 0, 'the received event has an id');
  await store.events.append({ at: 2_000, messageRowId: message.id, recipientId: recipients[0].id, kind: 'delivered', code: 250, enhanced: '2.0.0', text: 'ok' });
  await store.events.append({ at: 3_000, messageRowId: message.id, recipientId: recipients[0].id, kind: 'bounced', code: 550, enhanced: '5.1.1', text: 'no such user' });

  const all = await store.events.after(0, 100);
  assert.deepEqual(all.map((e) => e.kind), ['received', 'delivered', 'bounced']);
  const fresh = await store.events.after(start, 1);
  assert.equal(fresh.length, 1, 'the limit is honoured');
  assert.equal(fresh[0].kind, 'delivered');
  assert.equal(fresh[0].queueId, 'QFEED1');
  assert.equal(fresh[0].messageId, 'feed-1@test');
  assert.equal(fresh[0].tag, 'newsletter');
  assert.equal(fresh[0].recipient, 'Ann@Example.org');
  assert.equal(fresh[0].domain, 'example.org');
  assert.equal(fresh[0].messageCreatedAt, 1_000);
  assert.equal(all[0].recipient, null, 'a message-level event has no recipient');
  assert.equal(await store.events.lastId(), all[2].id);
});
