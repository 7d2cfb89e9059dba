/**
 * The read model: lookups by Message-ID or queue id, page reads, search with every filter and keyset
 * paging, the queue overview. One history for all of them, written through the store as the queue, intake
 * and the bounce processor write it.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { SearchFilters } from '../../../src/store/store.js';
import type { MessageRecord } from '../../../src/types.js';
import { DAY, enqueue, HOUR, MIN, T0, update, useStore, type OpenStore } from './support.js';

const MESSAGE_ID = 'order-4711@shop.example.com';
const SUBJECT = 'Your order 4711 has shipped';
const EXPIRY = { text: 'gave up', detail: { category: 'expired' } };

export function queryContract(open: OpenStore): void {
  describe('query', () => {
    const s = useStore(open);
    const ids = { older: 0, newer: 0, bob: 0, alice: 0, complaintEvent: 0, bulk4: 0 };

    before(async () => {
      const store = s.store;
      const message = (spec: Parameters<typeof enqueue>[1] & { subject?: string }) => {
        const { subject = SUBJECT, ...rest } = spec;
        return enqueue(store, { mailFrom: 'app@shop.example.com', tag: 'transactional', receivedDetail: { subject }, ...rest });
      };
      // Older: the same Message-ID six days earlier; frank deferred once, then expired.
      const older = await message({
        queueId: 'QOLDER0001',
        messageId: MESSAGE_ID,
        createdAt: T0 - 6 * DAY,
        tag: 'newsletter',
        recipients: ['frank@gone.test'],
      });
      ids.older = older.message.id;
      await store.queue.claimDue({ now: T0 - 6 * DAY, limit: 10, owner: 'w', leaseUntil: T0 - 6 * DAY + MIN });
      await store.queue.recordAttempt({ owner: 'w', at: T0 - 6 * DAY, events: [], recipients: [update(older.recipients[0]!.id, 'deferred', T0 - 6 * DAY)] });
      await store.queue.expire({ now: T0 - DAY, createdBefore: T0 - 5 * DAY, limit: 10, event: EXPIRY });

      // Newer: alice and bob delivered, carol bounced, erin deferred, dave suppressed at intake; bob's bounce came back later.
      const dave = { address: 'dave@blocked.test', state: 'suppressed' as const, nextAttemptAt: null };
      const newer = await message({
        queueId: 'QNEWER0001',
        messageId: MESSAGE_ID,
        recipients: ['alice@example.com', 'bob@example.com', 'carol@example.org', 'erin@greylist.test', dave],
      });
      const [alice, bob, carol, erin] = newer.recipients.map((r) => r.id) as [number, number, number, number];
      Object.assign(ids, { newer: newer.message.id, bob, alice });
      await store.queue.claimDue({ now: T0 + MIN, limit: 10, owner: 'w', leaseUntil: T0 + 10 * MIN });
      await store.queue.recordAttempt({
        owner: 'w',
        at: T0 + MIN,
        events: [
          { at: T0 + MIN, messageRowId: newer.message.id, kind: 'phase', phase: 'connect', code: 220 },
          { at: T0 + MIN, messageRowId: newer.message.id, recipientId: alice, kind: 'delivered', code: 250 },
        ],
        recipients: [update(alice, 'delivered'), update(bob, 'delivered'), update(carol, 'bounced'), update(erin, 'deferred')],
      });
      const inbound = await store.inbound.receive({
        receivedAt: T0 + 2 * HOUR,
        mailFrom: '',
        rcptTo: ['b@bounces.test'],
        clientIp: null,
        raw: Buffer.from('DSN'),
      });
      await store.inbound.record({
        id: inbound.id,
        processedAt: T0 + 2 * HOUR,
        kind: 'bounce',
        parse: {},
        match: { messageRowId: newer.message.id, recipientId: bob, rule: 'verp' },
        effects: [
          {
            event: { at: T0 + 2 * HOUR, messageRowId: newer.message.id, recipientId: bob, kind: 'bounced', phase: 'inbound' },
            transition: { from: ['queued', 'deferred', 'delivered'], to: 'bounced', nextAttemptAt: null, clearLease: true, skipLeasedAt: null },
          },
        ],
      });

      // 45 more: three per minute share a created_at, so the keyset must break ties by id.
      for (let i = 0; i < 45; i++) {
        const m = await message({
          queueId: `QBULK${String(i).padStart(4, '0')}`,
          messageId: `bulk-${i}@shop.example.com`,
          createdAt: T0 + 10 * MIN + Math.floor(i / 3) * MIN,
          tag: i % 2 ? 'newsletter' : 'transactional',
          subject: i % 3 === 0 ? `Invoice ${i} for your Café order` : `Newsletter ${i}`,
          mailFrom: i % 5 === 0 ? 'news@shop.example.com' : 'app@shop.example.com',
          recipients: [`user${i % 4}@example.com`, `Other${i}@Example.NET`],
        });
        if (i === 4) {
          ids.bulk4 = m.message.id;
          const other = m.recipients[1]!;
          const row = await store.inbound.receive({
            receivedAt: T0 + HOUR,
            mailFrom: '',
            rcptTo: ['fbl@shop.example.com'],
            clientIp: null,
            raw: Buffer.from('ARF'),
          });
          const [result] = await store.inbound.record({
            id: row.id,
            processedAt: T0 + HOUR,
            kind: 'complaint',
            parse: {},
            match: { messageRowId: m.message.id, recipientId: other.id, rule: 'message-id' },
            effects: [{ event: { at: T0 + HOUR, messageRowId: m.message.id, recipientId: other.id, kind: 'complained', phase: 'inbound' } }],
          });
          ids.complaintEvent = result!.eventId;
        }
      }
      await message({ queueId: 'QNULLSENDER', mailFrom: '', createdAt: T0 + 5 * MIN, subject: 'Delivery Status Notification', recipients: ['ns@example.com'] });
      await message({ queueId: 'QCANCELLED', createdAt: T0 + 6 * MIN, subject: '', recipients: ['zoe@example.com'] });
      await store.queue.transitionMessage({
        queueId: 'QCANCELLED',
        now: T0 + 7 * MIN,
        transition: { from: ['queued'], to: 'cancelled', nextAttemptAt: null, clearLease: true, skipLeasedAt: null },
        event: { kind: 'cancelled' },
      });
    });

    /** Every page of a search, following the keyset. */
    async function all(filters: Omit<SearchFilters, 'limit' | 'before'>, limit = 50): Promise<string[]> {
      const seen: MessageRecord[] = [];
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 100, 'paging does not end');
        const last = seen[seen.length - 1];
        const page = await s.store.query.search({ ...filters, limit, before: last ? { createdAt: last.createdAt, id: last.id } : null });
        seen.push(...page);
        if (page.length < limit) break;
      }
      return seen.map((m) => m.queueId);
    }
    const bulk = (...n: number[]) => n.map((i) => `QBULK${String(i).padStart(4, '0')}`);

    test('lookups by Message-ID or queue id, newest first; the reads of a page, by message then id', async () => {
      assert.deepEqual(
        (await s.store.query.findMessages(MESSAGE_ID)).map((m) => m.queueId),
        ['QNEWER0001', 'QOLDER0001'],
      );
      assert.deepEqual(
        (await s.store.query.findMessages('QOLDER0001')).map((m) => m.id),
        [ids.older],
      );
      assert.deepEqual(await s.store.query.findMessages('nothing'), []);
      const recipients = await s.store.query.recipientsOf([ids.newer, ids.older]);
      assert.deepEqual(
        recipients.map((r) => [r.address, r.state]),
        [
          ['frank@gone.test', 'expired'],
          ['alice@example.com', 'delivered'],
          ['bob@example.com', 'bounced'],
          ['carol@example.org', 'bounced'],
          ['erin@greylist.test', 'deferred'],
          ['dave@blocked.test', 'suppressed'],
        ],
      );
      assert.deepEqual(await s.store.query.recipientsOf([]), []);
      const events = await s.store.query.eventsOf([ids.newer, ids.older]);
      assert.deepEqual(
        events.map((e) => [e.messageRowId, e.kind]),
        [
          [ids.older, 'received'],
          [ids.older, 'expired'],
          [ids.newer, 'received'],
          [ids.newer, 'suppressed'],
          [ids.newer, 'phase'],
          [ids.newer, 'delivered'],
          [ids.newer, 'bounced'],
        ],
      );
      assert.deepEqual(await s.store.query.eventsOf([]), []);
      // A trace's reads in one call: the same records as the three reads above, whatever the backend does.
      const history = await s.store.query.findHistory(MESSAGE_ID);
      assert.deepEqual(history, {
        messages: await s.store.query.findMessages(MESSAGE_ID),
        recipients,
        events,
      });
      const older = await s.store.query.findHistory('QOLDER0001');
      assert.deepEqual(
        [older.messages.map((m) => m.id), older.recipients.map((r) => r.address), older.events.map((e) => e.kind)],
        [[ids.older], ['frank@gone.test'], ['received', 'expired']],
      );
      assert.deepEqual(await s.store.query.findHistory('nothing'), { messages: [], recipients: [], events: [] });
      assert.deepEqual(await s.store.query.messagesOfEvents([ids.complaintEvent, ids.complaintEvent + 10_000]), [
        { eventId: ids.complaintEvent, queueId: 'QBULK0004', messageId: 'bulk-4@shop.example.com' },
      ]);
      assert.deepEqual(await s.store.query.messagesOfEvents([]), []);
    });

    test('subjects as intake recorded them; messages without one are left out', async () => {
      const cancelled = (await s.store.query.findMessages('QCANCELLED'))[0]!;
      const subjects = await s.store.query.subjectsOf([ids.older, ids.bulk4, cancelled.id, 99_999]);
      assert.deepEqual(
        [...subjects.entries()].sort(),
        [
          [ids.bulk4, 'Newsletter 4'],
          [ids.older, SUBJECT],
          [cancelled.id, ''],
        ].sort(),
      );
      assert.deepEqual(await s.store.query.subjectsOf([]), new Map());
    });

    test('search: the keyset walks every message exactly once, newest first, ties by id', async () => {
      const total = await s.store.messages.count();
      const everything = await all({}, 7);
      assert.equal(everything.length, total);
      assert.equal(new Set(everything).size, total);
      const records = await s.store.query.search({ limit: total });
      const sorted = [...records].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      assert.deepEqual(
        records.map((m) => m.id),
        sorted.map((m) => m.id),
        'created_at DESC, id DESC',
      );
      assert.deepEqual(
        everything,
        records.map((m) => m.queueId),
      );
      assert.deepEqual(await s.store.query.search({ limit: 10, before: { createdAt: T0 - 6 * DAY, id: ids.older } }), [], 'nothing older than the oldest');
    });

    test('search by recipient (whole address, any case), sender (exact), domain, tag and time', async () => {
      assert.equal((await all({ recipient: 'user1@example.com' }, 3)).length, 11);
      assert.deepEqual(await all({ recipient: 'other7@example.net' }), bulk(7), 'stored as Other7@Example.NET');
      assert.deepEqual(await all({ recipient: 'other7@example' }), [], 'whole addresses');
      assert.equal((await all({ sender: 'news@shop.example.com' })).length, 9);
      assert.deepEqual(await all({ sender: '' }), ['QNULLSENDER'], 'the null sender');
      assert.deepEqual(await all({ sender: 'NEWS@shop.example.com' }), [], 'exact');
      assert.deepEqual(await all({ domain: 'example.org' }), ['QNEWER0001']);
      assert.equal((await all({ domain: 'example.net' }, 10)).length, 45);
      assert.equal((await all({ tag: 'newsletter' }, 5)).length, 23);
      assert.deepEqual(await all({ since: T0 + 10 * MIN, until: T0 + 12 * MIN }), bulk(5, 4, 3, 2, 1, 0), 'since ≤ created_at < until');
      assert.deepEqual(
        await all({ tag: 'transactional', since: T0 + 10 * MIN, until: T0 + 12 * MIN, sender: 'news@shop.example.com' }),
        bulk(0),
        'every filter applies',
      );
    });

    test('search by state: any state, and the same recipient as the address or domain filter', async () => {
      assert.deepEqual(await all({ state: 'bounced' }), ['QNEWER0001']);
      assert.deepEqual(await all({ state: 'delivered' }), ['QNEWER0001']);
      assert.deepEqual(await all({ state: 'deferred' }), ['QNEWER0001']);
      assert.deepEqual(await all({ state: 'suppressed' }), ['QNEWER0001']);
      assert.deepEqual(await all({ state: 'cancelled' }), ['QCANCELLED']);
      assert.deepEqual(await all({ state: 'expired', tag: 'newsletter' }), ['QOLDER0001']);
      assert.equal((await all({ state: 'queued' }, 9)).length, 46);
      assert.deepEqual(await all({ recipient: 'alice@example.com', state: 'delivered' }), ['QNEWER0001']);
      assert.deepEqual(await all({ recipient: 'alice@example.com', state: 'bounced' }), [], 'recipient and state apply to the same recipient');
      assert.deepEqual(await all({ domain: 'example.com', state: 'bounced' }), ['QNEWER0001']);
      assert.deepEqual(await all({ domain: 'example.org', state: 'delivered' }), [], 'domain and state apply to the same recipient');
      assert.deepEqual(await all({ domain: 'example.com', state: 'queued', since: T0 + 5 * MIN, until: T0 + 11 * MIN }), [...bulk(2, 1, 0), 'QNULLSENDER']);
    });

    test('search by state "complained": messages a recipient reported as spam, also for one recipient or domain', async () => {
      assert.deepEqual(await all({ state: 'complained' }), bulk(4));
      assert.deepEqual(await all({ state: 'complained', domain: 'example.net' }), bulk(4));
      assert.deepEqual(await all({ state: 'complained', domain: 'example.com' }), []);
      assert.deepEqual(await all({ state: 'complained', recipient: 'OTHER4@example.net' }), bulk(4));
      assert.deepEqual(await all({ state: 'complained', recipient: 'user0@example.com' }), [], 'the same recipient');
    });

    test('search by Message-ID (without <>) or queue id, exactly', async () => {
      assert.deepEqual(await all({ message: MESSAGE_ID }), ['QNEWER0001', 'QOLDER0001']);
      assert.deepEqual(await all({ message: 'QBULK0007' }), bulk(7));
      assert.deepEqual(await all({ message: 'bulk-7@shop.example.com' }), bulk(7));
      assert.deepEqual(await all({ message: 'bulk-7@shop.example' }), [], 'not a prefix');
      assert.deepEqual(await all({ message: MESSAGE_ID, tag: 'newsletter' }), ['QOLDER0001'], 'combined with other filters');
    });

    test('search by subject words: every word, whole words, any case or accent, newest first', async () => {
      const invoices = await all({ subject: 'invoice' }, 4);
      assert.deepEqual(invoices, bulk(42, 39, 36, 33, 30, 27, 24, 21, 18, 15, 12, 9, 6, 3, 0), 'newest first, every page');
      assert.deepEqual(await all({ subject: 'INVOICE 9' }), bulk(9));
      assert.equal((await all({ subject: 'cafe ORDER' })).length, 15, 'accents and case are folded');
      assert.equal((await all({ subject: 'Café' })).length, 15);
      assert.deepEqual(await all({ subject: 'invoic' }), [], 'whole words');
      assert.deepEqual(await all({ subject: 'order 4711', tag: 'newsletter' }), ['QOLDER0001']);
      assert.deepEqual(await all({ subject: 'order 4711' }), ['QNEWER0001', 'QOLDER0001']);
      assert.deepEqual(await all({ subject: 'invoice", OR newsletter' }), [], 'no operators from user input: every word is required');
      assert.deepEqual(await all({ subject: 'invoice & !9' }), bulk(9), '& and ! are not operators either');
      assert.deepEqual(await all({ subject: '*** ---' }), [], 'no words: nothing');
      assert.deepEqual(await all({ subject: 'invoice', since: T0 + 10 * MIN, until: T0 + 12 * MIN }), bulk(3, 0));
      assert.deepEqual(await all({ subject: 'invoice', recipient: 'user3@example.com' }), bulk(39, 27, 15, 3), 'with a recipient');
      assert.deepEqual(await all({ subject: 'invoice', domain: 'example.com', state: 'queued', sender: 'news@shop.example.com' }), bulk(30, 15, 0));
      assert.deepEqual(await all({ subject: 'newsletter', state: 'complained' }), bulk(4));
      assert.deepEqual(await all({ subject: 'order', message: MESSAGE_ID }), ['QNEWER0001', 'QOLDER0001']);
    });

    test('queue overview: recipients by state, waiting ones by domain; the waiting summary', async () => {
      const overview = await s.store.query.queueOverview();
      assert.deepEqual(overview.byState, { queued: 91, deferred: 1, delivered: 1, bounced: 2, suppressed: 1, expired: 1, cancelled: 1 });
      assert.deepEqual(overview.byDomain, [
        { domain: 'example.com', state: 'queued', count: 46, oldestCreatedAt: T0 + 5 * MIN },
        { domain: 'example.net', state: 'queued', count: 45, oldestCreatedAt: T0 + 10 * MIN },
        { domain: 'greylist.test', state: 'deferred', count: 1, oldestCreatedAt: T0 },
      ]);
      assert.deepEqual(await s.store.query.waitingSummary(T0 + DAY), { queued: 91, deferred: 1, leased: 0, oldestCreatedAt: T0 });
      await s.store.queue.claimDue({ now: T0 + 10 * MIN, limit: 3, owner: 'w', leaseUntil: T0 + 11 * MIN });
      assert.equal((await s.store.query.waitingSummary(T0 + 10 * MIN)).leased, 3);
      assert.equal((await s.store.query.waitingSummary(T0 + 11 * MIN)).leased, 0, 'a lapsed lease is not counted');
      await s.store.queue.releaseLeases('w');
    });
  });
}
