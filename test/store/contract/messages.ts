/** Intake's write (enqueue, atomic and durable) and the reads of a message. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { FEED_START, type NewMessage } from '../../../src/store/store.js';
import { newMessage } from '../../helpers/new-message.js';
import { enqueue, T0, useStore, type OpenStore } from './support.js';

export function messagesContract(open: OpenStore): void {
  describe('enqueue', () => {
    const s = useStore(open);

    test('commits the message with every field, its content, its recipients and its received and suppressed events', async () => {
      // Every byte value, CRLF, NUL and invalid UTF-8: the content comes back byte for byte.
      const raw = Buffer.concat([
        Buffer.from('Subject: bytes\r\n\r\n'),
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a]),
      ]);
      const m: NewMessage = newMessage({
        queueId: 'QENQ1',
        messageId: 'enq-1@app.test',
        messageIdAdded: true,
        mailFrom: '',
        username: 'app',
        clientIp: '2001:db8::1',
        clientHostname: 'app.example',
        tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
        tag: 'transactional',
        envId: 'env-1',
        ret: 'HDRS',
        origin: 'dsn',
        createdAt: T0,
        raw,
        receivedDetail: { user: 'app', recipients: 3, nested: { list: [1, 'two', null], unicode: 'Grüße ✓' } },
        recipients: [
          { address: 'Ann@Example.COM', notify: ['FAILURE', 'DELAY'], orcpt: 'rfc822;Ann@Example.COM', nextAttemptAt: T0 + 5 },
          { address: 'blocked@example.org', state: 'suppressed', nextAttemptAt: T0 },
          { address: 'bob@example.com', notify: ['NEVER'] },
        ],
      });
      const { message, recipients } = await s.store.messages.enqueue(m);
      assert.ok(message.id > 0);
      assert.deepEqual(message, {
        id: message.id,
        queueId: 'QENQ1',
        messageId: 'enq-1@app.test',
        messageIdAdded: true,
        mailFrom: '',
        username: 'app',
        clientIp: '2001:db8::1',
        clientHostname: 'app.example',
        tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
        size: raw.length,
        sha256: m.sha256,
        tag: 'transactional',
        envId: 'env-1',
        ret: 'HDRS',
        origin: 'dsn',
        createdAt: T0,
      });
      assert.deepEqual(await s.store.messages.getById(message.id), message, 'read back as returned');
      assert.equal(recipients.length, 3);
      assert.ok(recipients[0]!.id < recipients[1]!.id && recipients[1]!.id < recipients[2]!.id, 'ids in the given order');
      assert.deepEqual(recipients[0], {
        id: recipients[0]!.id,
        messageRowId: message.id,
        address: 'Ann@Example.COM',
        domain: 'example.com',
        state: 'queued',
        attempts: 0,
        nextAttemptAt: T0 + 5,
        leaseOwner: null,
        leaseUntil: null,
        notify: ['FAILURE', 'DELAY'],
        orcpt: 'rfc822;Ann@Example.COM',
        lastCode: null,
        lastEnhanced: null,
        lastText: null,
        category: null,
        hard: null,
        delayNotifiedAt: null,
        updatedAt: T0,
      });
      assert.equal(recipients[1]!.state, 'suppressed');
      assert.equal(recipients[1]!.nextAttemptAt, null, 'a suppressed recipient is never due');
      assert.deepEqual(recipients[2]!.notify, ['NEVER']);
      assert.deepEqual(await s.store.messages.recipients(message.id), recipients, 'read back as returned');

      const content = await s.store.messages.content(message.id);
      assert.ok(content && raw.equals(content), 'the content is byte for byte what was given');
      assert.equal(createHash('sha256').update(content).digest('hex'), message.sha256);

      const events = await s.store.events.forMessage(message.id);
      assert.deepEqual(
        events.map((e) => [e.kind, e.recipientId, e.at]),
        [
          ['received', null, T0],
          ['suppressed', recipients[1]!.id, T0],
        ],
      );
      assert.equal(events[0]!.phase, 'submission');
      assert.deepEqual(events[0]!.detail, m.receivedDetail);
      assert.equal(events[1]!.text, 'address is on the suppression list');
    });

    test('a failed enqueue writes nothing at all: a duplicate queue id, a recipient the schema refuses', async () => {
      await enqueue(s.store, { queueId: 'QDUP', recipients: ['x@example.com'] });
      const before = [await s.store.messages.count(), (await s.store.events.after(FEED_START, 100_000)).length];
      await assert.rejects(s.store.messages.enqueue(newMessage({ queueId: 'QDUP', messageId: 'other@app.test', recipients: ['y@example.com'] })));
      // The message row is written before its recipients: the bad one fails after it, and it must go too.
      const bad = newMessage({
        queueId: 'QBADRCPT',
        messageId: 'bad@app.test',
        recipients: ['ok@example.com', { address: 'z@example.com', state: 'bogus' as 'queued' }],
      });
      await assert.rejects(s.store.messages.enqueue(bad));
      assert.deepEqual([await s.store.messages.count(), (await s.store.events.after(FEED_START, 100_000)).length], before);
      assert.deepEqual(await s.store.messages.findByMessageId('other@app.test'), []);
      assert.equal(await s.store.messages.getByQueueId('QBADRCPT'), null);
      // The handle is usable afterwards.
      assert.equal((await enqueue(s.store, { queueId: 'QBADRCPT', recipients: ['ok@example.com'] })).message.queueId, 'QBADRCPT');
    });

    test('a write is committed when its promise resolves: another handle (another node) reads it at once', async () => {
      const other = await s.another();
      const seen = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          enqueue(s.store, { queueId: `QSEEN${i}`, recipients: [`s${i}@seen.test`] }).then(async (m) => (await other.messages.getById(m.message.id))?.queueId),
        ),
      );
      assert.deepEqual(
        seen,
        Array.from({ length: 10 }, (_, i) => `QSEEN${i}`),
      );
      const row = await s.store.inbound.receive({ receivedAt: T0, mailFrom: '', rcptTo: ['b@seen.test'], clientIp: null, raw: Buffer.from('x') });
      assert.equal((await other.inbound.get(row.id))?.id, row.id);
    });

    test('concurrent enqueues all commit, each with its own ids', async () => {
      const all = await Promise.all(
        Array.from({ length: 20 }, (_, i) => enqueue(s.store, { queueId: `QPAR${i}`, recipients: [`p${i}@par.test`, `q${i}@par.test`] })),
      );
      assert.equal(new Set(all.map((m) => m.message.id)).size, 20);
      assert.equal(new Set(all.flatMap((m) => m.recipients.map((r) => r.id))).size, 40);
      for (const m of all)
        assert.deepEqual(
          (await s.store.messages.recipients(m.message.id)).map((r) => r.address),
          m.recipients.map((r) => r.address),
        );
    });

    test('a recipient whose suppression key is listed is stored suppressed, in messages written alone or at once; the received event counts them', async () => {
      await s.store.suppressions.add({ address: 'gone@sk.test', reason: 'hard bounce', source: 'manual', createdAt: T0 - 1 });
      const specs = Array.from({ length: 4 }, (_, i) => ({
        queueId: `QSK${i}`,
        createdAt: T0 + i,
        receivedDetail: { user: 'app', suppressed: 0, after: i },
        recipients: [
          { address: `ok${i}@sk.test`, suppressionKey: `ok${i}@sk.test` },
          // The key, not the address, is looked up (intake lowercases it); the last message does not ask.
          i < 3 ? { address: 'Gone@SK.test', suppressionKey: 'gone@sk.test' } : 'gone@sk.test',
        ],
      }));
      const results = await Promise.all(specs.map((spec) => enqueue(s.store, spec)));
      for (const [i, { message, recipients }] of results.entries()) {
        const expected = i < 3 ? ['queued', 'suppressed'] : ['queued', 'queued'];
        assert.deepEqual(
          recipients.map((r) => [r.state, r.nextAttemptAt]),
          expected.map((state) => [state, state === 'queued' ? T0 + i : null]),
          `the recipients of QSK${i}`,
        );
        assert.deepEqual(await s.store.messages.recipients(message.id), recipients, 'read back as returned');
        assert.deepEqual(
          (await s.store.events.forMessage(message.id)).map((e) => [e.kind, e.recipientId, e.detail]),
          [['received', null, { user: 'app', suppressed: i < 3 ? 1 : 0, after: i }], ...(i < 3 ? [['suppressed', recipients[1]!.id, null]] : [])],
          `the events of QSK${i}`,
        );
      }
    });

    test('messages written at once are each whole (content, subject words, recipients, events); a bad one among them fails alone', async () => {
      await enqueue(s.store, { queueId: 'QGRPTAKEN', recipients: ['t@grp.test'] });
      const specs = Array.from({ length: 8 }, (_, i) => ({
        queueId: i === 4 ? 'QGRPTAKEN' : `QGRP${i}`,
        createdAt: T0 + i,
        raw: Buffer.from(`Subject: group ${i}\r\n\r\nbody ${i}\r\n`),
        receivedDetail: i === 1 ? {} : { subject: i === 2 ? '' : `Grouped parcel${i} notice` },
        recipients: Array.from({ length: 1 + (i % 3) }, (_, k) =>
          k === 1 ? { address: `s${i}@grp.test`, state: 'suppressed' as const } : `r${i}-${k}@grp.test`,
        ),
      }));
      const results = await Promise.allSettled(specs.map((spec) => enqueue(s.store, spec)));
      assert.deepEqual(
        results.map((r) => r.status),
        specs.map((_, i) => (i === 4 ? 'rejected' : 'fulfilled')),
        'only the duplicate queue id fails',
      );
      for (const [i, r] of results.entries()) {
        if (r.status !== 'fulfilled') continue;
        const { message, recipients } = r.value;
        const spec = specs[i]!;
        assert.deepEqual([message.queueId, message.createdAt, message.size], [spec.queueId, spec.createdAt, spec.raw.length]);
        assert.ok(spec.raw.equals((await s.store.messages.content(message.id))!), `the content of ${spec.queueId}`);
        const addresses = spec.recipients.map((x) => (typeof x === 'string' ? x : x.address));
        assert.deepEqual(
          recipients.map((x) => [x.messageRowId, x.address]),
          addresses.map((a) => [message.id, a]),
        );
        assert.deepEqual(await s.store.messages.recipients(message.id), recipients, 'read back as returned');
        assert.deepEqual(
          (await s.store.events.forMessage(message.id)).map((e) => [e.kind, e.recipientId, e.at, e.detail]),
          [
            ['received', null, spec.createdAt, spec.receivedDetail],
            ...recipients.filter((x) => x.state === 'suppressed').map((x) => ['suppressed', x.id, spec.createdAt, null]),
          ],
          `the events of ${spec.queueId}`,
        );
        const found = await s.store.query.search({ subject: `parcel${i}`, limit: 10 });
        assert.deepEqual(
          found.map((m) => m.queueId),
          i === 1 || i === 2 ? [] : [spec.queueId],
          `found by its subject's words: ${spec.queueId}`,
        );
      }
      assert.equal((await s.store.messages.getByQueueId('QGRPTAKEN'))!.createdAt, T0, 'the message that had the queue id is untouched');
    });
  });

  describe('message reads', () => {
    const s = useStore(open);

    test('by row id and queue id; by Message-ID, newest first (ties by id); unknown ones are null or empty', async () => {
      const a = await enqueue(s.store, { queueId: 'QREAD-A', messageId: 'same@app.test', createdAt: T0 + 1, recipients: ['a@example.com'] });
      const b = await enqueue(s.store, { queueId: 'QREAD-B', messageId: 'same@app.test', createdAt: T0 + 2, recipients: ['b@example.com'] });
      const c = await enqueue(s.store, { queueId: 'QREAD-C', messageId: 'same@app.test', createdAt: T0 + 2, recipients: ['c@example.com'] });
      await enqueue(s.store, { queueId: 'QREAD-D', messageId: 'Same@app.test', createdAt: T0 + 3, recipients: ['d@example.com'] });
      assert.deepEqual(
        (await s.store.messages.findByMessageId('same@app.test')).map((m) => m.queueId),
        ['QREAD-C', 'QREAD-B', 'QREAD-A'],
        'exact Message-ID, newest first',
      );
      assert.equal((await s.store.messages.getByQueueId('QREAD-A'))?.id, a.message.id);
      assert.equal((await s.store.messages.getById(b.message.id))?.queueId, 'QREAD-B');
      assert.equal(await s.store.messages.getById(c.message.id + 1000), null);
      assert.deepEqual(
        (await s.store.messages.getMany([c.message.id, b.message.id, c.message.id + 1000])).map((m) => m.queueId).sort(),
        ['QREAD-B', c.message.queueId].sort(),
        'getMany: those that exist, in one read',
      );
      assert.deepEqual(await s.store.messages.getMany([]), []);
      assert.equal(await s.store.messages.getByQueueId('qread-a'), null, 'queue ids compare exactly');
      assert.deepEqual(await s.store.messages.findByMessageId('nobody@app.test'), []);
      assert.equal(await s.store.messages.content(c.message.id + 1000), null);
      const contents = await s.store.messages.contents([c.message.id, b.message.id, c.message.id + 1000]);
      assert.deepEqual([...contents.keys()].sort(), [b.message.id, c.message.id].sort(), 'contents: those that exist, in one read');
      assert.ok(contents.get(c.message.id)!.equals((await s.store.messages.content(c.message.id))!));
      assert.equal((await s.store.messages.contents([])).size, 0);
      assert.deepEqual(await s.store.messages.recipients(c.message.id + 1000), []);
      assert.equal(await s.store.messages.count(), 4);
    });
  });
}
