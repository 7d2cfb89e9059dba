import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeCursor, searchMessages, type MessageSummary } from '../../src/query/search.js';
import { messageFate } from '../../src/query/fate.js';
import { HOUR, MESSAGE_ID, MIN, newMessage, seedHistory, SUBJECT, T0, tempStore } from './fixture.js';

describe('searchMessages', () => {
  const t = tempStore();
  before(async () => {
    await seedHistory(t.store);
    // 45 more messages: three per minute share a created_at, so the keyset must break ties by id.
    for (let i = 0; i < 45; i++) {
      await t.store.messages.enqueue(
        newMessage({
          queueId: `QBULK${String(i).padStart(4, '0')}`,
          messageId: `bulk-${i}@shop.example.com`,
          createdAt: T0 + 10 * MIN + Math.floor(i / 3) * MIN,
          tag: i % 2 ? 'newsletter' : 'transactional',
          subject: i % 3 === 0 ? `Invoice ${i} for your Café order` : `Newsletter ${i}`,
          mailFrom: i % 5 === 0 ? 'news@shop.example.com' : 'app@shop.example.com',
          recipients: [`user${i % 4}@example.com`, `Other${i}@Example.NET`],
        }),
      );
    }
  });
  after(() => t.cleanup());

  const all = async (params: Parameters<typeof searchMessages>[1]) => {
    const seen: MessageSummary[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await searchMessages(t.store, { ...params, cursor });
      seen.push(...page.messages);
      cursor = page.next_cursor ?? undefined;
      assert.ok(++pages < 100, 'pagination does not end');
    } while (cursor);
    return { seen, pages };
  };

  test('a cursor walks every message exactly once, newest first', async () => {
    const { seen, pages } = await all({ limit: 7 });
    const total = await t.store.messages.count();
    assert.equal(seen.length, total);
    assert.equal(new Set(seen.map((m) => m.queue_id)).size, total);
    assert.equal(pages, Math.ceil(total / 7));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1].created_at >= seen[i].created_at, 'sorted newest first');
  });

  test('a page of exactly the remaining rows has no next cursor', async () => {
    const total = await t.store.messages.count();
    const page = await searchMessages(t.store, { limit: total });
    assert.equal(page.messages.length, total);
    assert.equal(page.next_cursor, null);
  });

  test('filters narrow by recipient (any case), sender, domain, state, tag and time', async () => {
    const byRcpt = (await all({ recipient: 'user1@example.com', limit: 3 })).seen;
    assert.equal(byRcpt.length, 11);
    assert.ok(byRcpt.every((m) => m.recipients.some((r) => r.address === 'user1@example.com')));
    assert.equal((await all({ recipient: 'other7@example.net' })).seen.length, 1, 'domain and local part case are forgiven');
    assert.equal((await all({ sender: 'news@shop.example.com' })).seen.length, 9);
    assert.equal((await all({ domain: 'EXAMPLE.ORG' })).seen.length, 1);
    assert.deepEqual(
      (await all({ state: 'bounced' })).seen.map((m) => m.queue_id),
      ['QNEWER0001'],
    );
    assert.deepEqual(
      (await all({ state: 'expired', tag: 'newsletter' })).seen.map((m) => m.queue_id),
      ['QOLDER0001'],
    );
    assert.equal((await all({ tag: 'newsletter' })).seen.length, 23);
    assert.equal((await all({ since: T0 + 10 * MIN, until: T0 + 12 * MIN })).seen.length, 6);
    assert.equal((await all({ recipient: 'alice@example.com', state: 'delivered' })).seen.length, 1);
    assert.equal((await all({ recipient: 'alice@example.com', state: 'bounced' })).seen.length, 0, 'recipient and state apply to the same recipient');
  });

  test('results carry tag, subject and per-recipient state with the same verdict as the trace', async () => {
    const [m] = (await searchMessages(t.store, { recipient: 'bob@example.com' }, { now: T0 + 3 * HOUR })).messages;
    assert.equal(m.tag, 'transactional');
    assert.equal(m.subject, SUBJECT);
    const bob = m.recipients.find((r) => r.address === 'bob@example.com')!;
    assert.equal(bob.state, 'bounced');
    const [fate] = await messageFate(t.store, m.queue_id, { now: T0 + 3 * HOUR });
    assert.equal(bob.verdict, fate.recipients.find((r) => r.address === 'bob@example.com')!.verdict);
    assert.match(bob.verdict, /^bounced after delivery: mailbox full/);
  });

  test('by Message-ID (with or without <>) or queue id, exactly', async () => {
    assert.deepEqual(
      (await all({ message: `<${MESSAGE_ID}>` })).seen.map((m) => m.queue_id),
      ['QNEWER0001', 'QOLDER0001'],
    );
    assert.deepEqual(
      (await all({ message: 'QBULK0007' })).seen.map((m) => m.message_id),
      ['bulk-7@shop.example.com'],
    );
    assert.deepEqual((await all({ message: 'bulk-7@shop.example' })).seen, [], 'exact, not a prefix');
    assert.deepEqual(
      (await all({ message: MESSAGE_ID, tag: 'newsletter' })).seen.map((m) => m.queue_id),
      ['QOLDER0001'],
      'combined with other filters',
    );
  });

  test('by subject words: every word, whole words, any case or accent, newest first', async () => {
    const invoices = (await all({ subject: 'invoice', limit: 4 })).seen;
    assert.equal(invoices.length, 15);
    assert.ok(invoices.every((m) => /^Invoice \d+/.test(m.subject ?? '')));
    assert.deepEqual(
      (await all({ subject: 'INVOICE 9' })).seen.map((m) => m.subject),
      ['Invoice 9 for your Café order'],
    );
    assert.equal((await all({ subject: 'cafe order' })).seen.length, 15, 'accents are folded');
    assert.deepEqual((await all({ subject: 'invoic' })).seen, [], 'whole words');
    assert.equal((await all({ subject: 'order 4711', tag: 'newsletter' })).seen.length, 1);
    assert.equal((await all({ subject: 'invoice", OR newsletter' })).seen.length, 0, 'no FTS operators from user input');
    // With a time window (which bounds the index walk) and with a recipient (which then leads).
    assert.deepEqual(
      (await all({ subject: 'invoice', since: T0 + 10 * MIN, until: T0 + 12 * MIN })).seen.map((m) => m.queue_id),
      ['QBULK0003', 'QBULK0000'],
    );
    assert.deepEqual(
      (await all({ subject: 'invoice', recipient: 'user3@example.com' })).seen.map((m) => m.queue_id),
      ['QBULK0039', 'QBULK0027', 'QBULK0015', 'QBULK0003'],
    );
  });

  test('state "complained": messages a recipient reported as spam, also for one recipient or domain', async () => {
    const [m] = await t.store.query.findMessages('QBULK0004');
    const [, other] = await t.store.query.recipientsOf([m.id]);
    await t.store.inbound.record({
      id: (await t.store.inbound.receive({ receivedAt: T0 + HOUR, mailFrom: '', rcptTo: ['fbl@shop.example.com'], clientIp: null, raw: Buffer.from('ARF') }))
        .id,
      processedAt: T0 + HOUR,
      kind: 'complaint',
      parse: { kind: 'complaint' },
      match: { messageRowId: m.id, recipientId: other.id, rule: 'message-id' },
      effects: [
        {
          event: { at: T0 + HOUR, messageRowId: m.id, recipientId: other.id, kind: 'complained', phase: 'inbound' },
          suppress: { address: other.address, reason: 'complaint: abuse', source: 'complaint' },
        },
      ],
    });
    assert.deepEqual(
      (await all({ state: 'complained' })).seen.map((r) => r.queue_id),
      ['QBULK0004'],
    );
    assert.deepEqual(
      (await all({ state: 'complained', domain: 'example.net' })).seen.map((r) => r.queue_id),
      ['QBULK0004'],
    );
    assert.deepEqual((await all({ state: 'complained', domain: 'example.com' })).seen, []);
    assert.deepEqual(
      (await all({ state: 'complained', recipient: other.address })).seen.map((r) => r.queue_id),
      ['QBULK0004'],
    );
    assert.deepEqual((await all({ state: 'complained', recipient: 'user0@example.com' })).seen, [], 'the same recipient');
  });

  test('a tampered cursor is refused', () => {
    assert.throws(() => decodeCursor('bm9wZQ'), /cursor/);
    assert.throws(() => decodeCursor(Buffer.from('[1,"x"]').toString('base64url')), /cursor/);
  });
});
