import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { NewMessage } from '../../src/store/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-enqueue-'));
const store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'FULL', busyTimeoutMs: 1000 });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function message(queueId: string, rcpts: string[], messageId = `${queueId}@test`): NewMessage {
  const raw = Buffer.from(`Message-ID: <${messageId}>\r\nSubject: hi\r\n\r\nbody\r\n`);
  return {
    queueId,
    messageId,
    messageIdAdded: false,
    mailFrom: 'app@example.com',
    username: 'app',
    clientIp: '127.0.0.1',
    clientHostname: null,
    tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
    raw,
    sha256: createHash('sha256').update(raw).digest('hex'),
    tag: 'transactional',
    envId: 'env-1',
    ret: 'HDRS',
    origin: 'submission',
    createdAt: 1_700_000_000_000,
    recipients: rcpts.map((address) => ({
      address,
      domain: address.split('@')[1].toLowerCase(),
      notify: ['FAILURE', 'DELAY'],
      orcpt: `rfc822;${address}`,
      state: address.startsWith('blocked') ? 'suppressed' : 'queued',
      nextAttemptAt: 1_700_000_000_000,
    })),
    receivedDetail: { user: 'app', recipients: rcpts.length },
  };
}

test('enqueue commits message, content, recipients and the received event together', async () => {
  const { message: m, recipients } = await store.messages.enqueue(message('Q1', ['a@Example.com', 'blocked@example.org']));
  assert.equal(m.queueId, 'Q1');
  assert.deepEqual(m.tls, { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
  assert.equal(recipients.length, 2);
  assert.equal(recipients[0].domain, 'example.com');
  assert.deepEqual(recipients[0].notify, ['FAILURE', 'DELAY']);
  assert.equal(recipients[1].state, 'suppressed');
  assert.equal(recipients[1].nextAttemptAt, null, 'a suppressed recipient is never due');
  const content = await store.messages.content(m.id);
  assert.equal(createHash('sha256').update(content!).digest('hex'), m.sha256);
  const events = await store.events.forMessage(m.id);
  assert.deepEqual(events.map((e) => e.kind), ['received', 'suppressed']);
  assert.equal(events[1].recipientId, recipients[1].id);
});

test('a failed enqueue writes nothing at all', async () => {
  await store.messages.enqueue(message('DUP', ['x@example.com']));
  const before = await store.messages.count();
  // Same queue id: the UNIQUE constraint fails after nothing… and everything must roll back.
  await assert.rejects(store.messages.enqueue(message('DUP', ['y@example.com'], 'other@test')));
  assert.equal(await store.messages.count(), before);
  assert.deepEqual(await store.messages.findByMessageId('other@test'), []);
});

test('messages are found by Message-ID, newest first', async () => {
  const a = await store.messages.enqueue({ ...message('M-A', ['a@example.com'], 'same@test'), createdAt: 1 });
  const b = await store.messages.enqueue({ ...message('M-B', ['b@example.com'], 'same@test'), createdAt: 2 });
  const found = await store.messages.findByMessageId('same@test');
  assert.deepEqual(found.map((m) => m.queueId), [b.message.queueId, a.message.queueId]);
  assert.equal((await store.messages.getByQueueId('M-A'))?.id, a.message.id);
});
