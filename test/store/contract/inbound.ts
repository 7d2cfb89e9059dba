/** Inbound mail (bounces, complaints, auto-replies): stored raw before 250, then recorded once with its effects. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FEED_START, type InboundOutcome, type RecipientTransition } from '../../../src/store/store.js';
import { DAY, enqueue, settle, states, T0, useStore, type OpenStore } from './support.js';

const lateBounce: RecipientTransition = {
  from: ['queued', 'deferred', 'delivered'],
  to: 'bounced',
  nextAttemptAt: null,
  clearLease: true,
  skipLeasedAt: null,
  last: { code: 550, enhanced: '5.1.1', text: 'User unknown', category: 'mailbox-unknown', hard: true },
};

export function inboundContract(open: OpenStore): void {
  describe('inbound', () => {
    const s = useStore(open);
    const raw = Buffer.concat([Buffer.from('From: MAILER-DAEMON\r\nSubject: Undelivered\r\n\r\n'), Buffer.from([0, 1, 0xfe, 0xff])]);
    const receive = (at: number, rcptTo = ['bounce+x@bounces.test']) =>
      s.store.inbound.receive({ receivedAt: at, mailFrom: '', rcptTo, clientIp: '192.0.2.9', raw });

    test('receive stores the raw mail; the row is unprocessed until recorded', async () => {
      const row = await receive(T0, ['a@bounces.test', 'b@bounces.test']);
      assert.deepEqual(row, {
        id: row.id,
        receivedAt: T0,
        mailFrom: '',
        rcptTo: ['a@bounces.test', 'b@bounces.test'],
        clientIp: '192.0.2.9',
        size: raw.length,
        kind: null,
        parse: null,
        matchedMessageRowId: null,
        matchedRecipientId: null,
        matchRule: null,
        processedAt: null,
      });
      assert.deepEqual(await s.store.inbound.get(row.id), row);
      assert.ok(raw.equals((await s.store.inbound.raw(row.id))!), 'byte for byte');
      assert.equal(await s.store.inbound.get(row.id + 1000), null);
      assert.equal(await s.store.inbound.raw(row.id + 1000), null);
      const second = await receive(T0 + 1);
      assert.deepEqual(await s.store.inbound.unprocessed(10), [row.id, second.id], 'oldest first');
      assert.deepEqual(await s.store.inbound.unprocessed(1), [row.id]);
    });

    test('a large mail (several megabytes of any bytes) comes back byte for byte, once stored', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 12_345);
      for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 11)) & 0xff;
      const row = await s.store.inbound.receive({ receivedAt: T0, mailFrom: '', rcptTo: ['postmaster@bounces.test'], clientIp: null, raw: big });
      assert.equal(row.size, big.length);
      assert.ok(big.equals((await s.store.inbound.raw(row.id))!), 'byte for byte');
      assert.ok((await s.store.inbound.unprocessed(100)).includes(row.id), 'ready for processing');
      assert.equal((await s.store.inbound.list({ limit: 1 }))[0]?.id, row.id, 'listed');
    });

    test('record writes the parse and match, the events, the state changes that fit and the suppressions, once', async () => {
      const m = await enqueue(s.store, { queueId: 'QIN1', recipients: ['gone@in.test', 'full@in.test', 'fbl@in.test', 'Cancel@in.test'] });
      const [gone, full, fbl, cancelled] = m.recipients as [
        (typeof m.recipients)[0],
        (typeof m.recipients)[0],
        (typeof m.recipients)[0],
        (typeof m.recipients)[0],
      ];
      await settle(s.store, m, 0, 'delivered');
      await s.store.queue.transitionMessage({
        queueId: 'QIN1',
        now: T0,
        transition: { from: ['queued'], to: 'cancelled', clearLease: true, skipLeasedAt: null },
        event: { kind: 'cancelled' },
      });
      assert.deepEqual(await states(s.store, m.message.id), ['delivered', 'cancelled', 'cancelled', 'cancelled']);
      await s.store.suppressions.add({ address: 'fbl@in.test', reason: 'earlier', source: 'manual', createdAt: T0 - DAY });
      const row = await receive(T0 + 100);
      const at = T0 + 200;
      const outcome: InboundOutcome = {
        id: row.id,
        processedAt: at,
        kind: 'bounce',
        parse: { kind: 'bounce', recipients: [{ action: 'failed', status: '5.1.1' }] },
        match: { messageRowId: m.message.id, recipientId: gone.id, rule: 'verp' },
        effects: [
          {
            event: { at, messageRowId: m.message.id, recipientId: gone.id, kind: 'bounced', phase: 'inbound', code: 550 },
            transition: lateBounce,
            suppress: { address: 'gone@in.test', reason: 'hard bounce', source: 'hard-bounce' },
          },
          { event: { at, messageRowId: m.message.id, recipientId: cancelled.id, kind: 'bounced', phase: 'inbound' }, transition: lateBounce },
          { event: { at, messageRowId: m.message.id, recipientId: full.id, kind: 'delayed', phase: 'inbound' } },
          {
            event: { at, messageRowId: m.message.id, recipientId: fbl.id, kind: 'complained', phase: 'inbound' },
            suppress: { address: 'fbl@in.test', reason: 'complaint', source: 'complaint' },
          },
        ],
      };
      const results = await s.store.inbound.record(outcome);
      assert.deepEqual(
        results.map((r) => [r.state, r.stateChanged, r.suppressed]),
        [
          ['bounced', true, true],
          ['cancelled', false, false],
          ['cancelled', false, false],
          // fbl@ was on the list already: this report did not suppress it.
          ['cancelled', false, false],
        ],
      );
      const events = await s.store.events.forMessage(m.message.id);
      assert.deepEqual(
        results.map((r) => events.find((e) => e.id === r.eventId)?.kind),
        ['bounced', 'bounced', 'delayed', 'complained'],
        'each result names its event',
      );
      const goneNow = (await s.store.inbound.recipientById(gone.id))!;
      assert.deepEqual(
        [goneNow.state, goneNow.lastCode, goneNow.lastEnhanced, goneNow.lastText, goneNow.category, goneNow.hard, goneNow.updatedAt],
        ['bounced', 550, '5.1.1', 'User unknown', 'mailbox-unknown', true, at],
      );
      assert.deepEqual(await s.store.suppressions.get('gone@in.test'), {
        address: 'gone@in.test',
        reason: 'hard bounce',
        source: 'hard-bounce',
        eventId: results[0]!.eventId,
        createdAt: at,
      });
      assert.equal((await s.store.suppressions.get('fbl@in.test'))?.reason, 'earlier', 'an existing entry stays as it was');
      assert.deepEqual(await s.store.inbound.get(row.id), {
        ...row,
        kind: 'bounce',
        parse: outcome.parse,
        matchedMessageRowId: m.message.id,
        matchedRecipientId: gone.id,
        matchRule: 'verp',
        processedAt: at,
      });
      assert.ok(!(await s.store.inbound.unprocessed(10)).includes(row.id));

      // Recorded twice (startup recovery racing a live delivery): the second writes nothing.
      const head = await s.store.events.head();
      assert.deepEqual(await s.store.inbound.record({ ...outcome, processedAt: at + 1, kind: 'other' }), []);
      assert.deepEqual(await s.store.events.after(head, 10), []);
      assert.equal((await s.store.inbound.get(row.id))?.kind, 'bounce');
      assert.deepEqual(
        (await s.store.inbound.forMessage(m.message.id)).map((r) => r.id),
        [row.id],
      );
      assert.equal('raw' in (await s.store.inbound.forMessage(m.message.id))[0]!, false, 'listings carry no raw bytes');
    });

    test('a second copy (the same digest) is marked duplicate_of the first and applies nothing, even recorded at the same moment', async () => {
      const m = await enqueue(s.store, { queueId: 'QDUP', recipients: ['twice@in.test'] });
      await settle(s.store, m, 0, 'delivered');
      const r = m.recipients[0]!;
      const outcome = (id: number, at: number): InboundOutcome => ({
        id,
        processedAt: at,
        kind: 'bounce',
        parse: { kind: 'bounce' },
        match: { messageRowId: m.message.id, recipientId: r.id, rule: 'verp' },
        effects: [{ event: { at, messageRowId: m.message.id, recipientId: r.id, kind: 'bounced', phase: 'inbound' }, transition: lateBounce }],
        digest: 'd'.repeat(64),
      });
      // Three copies recorded at once: one applies, the others name it.
      const rows = [await receive(T0), await receive(T0 + 1), await receive(T0 + 2)];
      const results = await Promise.all(rows.map((row, i) => s.store.inbound.record(outcome(row.id, T0 + 10 + i))));
      assert.deepEqual(results.map((x) => x.length).sort(), [0, 0, 1]);
      const applied = rows[results.findIndex((x) => x.length === 1)]!.id;
      const events = (await s.store.events.forMessage(m.message.id)).filter((e) => e.phase === 'inbound');
      assert.equal(events.length, 1);
      for (const row of rows) {
        const got = (await s.store.inbound.get(row.id))!;
        assert.ok(got.processedAt !== null);
        assert.equal(got.matchedMessageRowId, m.message.id);
        assert.deepEqual(got.parse, row.id === applied ? { kind: 'bounce' } : { kind: 'bounce', duplicate_of: applied });
      }
      // Without a digest (or with another) nothing is taken for a copy.
      const other = await receive(T0 + 3);
      assert.equal((await s.store.inbound.record({ ...outcome(other.id, T0 + 20), digest: 'e'.repeat(64) })).length, 1);
      const bare = await receive(T0 + 4);
      assert.equal((await s.store.inbound.record({ ...outcome(bare.id, T0 + 21), digest: undefined })).length, 1);
    });

    test('unmatched rows newest first; every row newest first; what each came to after a cursor', async () => {
      const a = await receive(T0 + 1_000);
      const b = await receive(T0 + 500);
      await s.store.inbound.record({ id: a.id, processedAt: T0 + 2_000, kind: 'auto-reply', parse: { kind: 'auto-reply' }, match: null, effects: [] });
      await s.store.inbound.record({ id: b.id, processedAt: T0 + 2_000, kind: null, parse: { error: 'unparsable' }, match: null, effects: [] });
      const unmatched = await s.store.inbound.listUnmatched({ limit: 10 });
      assert.deepEqual(
        unmatched.map((r) => r.id),
        [a.id, b.id],
        'by received time, newest first',
      );
      assert.deepEqual(unmatched[1]!.parse, { error: 'unparsable' });
      assert.deepEqual(
        (await s.store.inbound.listUnmatched({ limit: 1 })).map((r) => r.id),
        [a.id],
      );
      const all = await s.store.inbound.list({ limit: 100 });
      assert.deepEqual(
        all.map((r) => r.id),
        [...all.map((r) => r.id)].sort((x, y) => y - x),
        'by id, newest first',
      );
      assert.equal(all[0]!.id, b.id);
      const results = await s.store.inbound.resultsAfter(FEED_START, 100);
      assert.deepEqual(
        results.map((r) => r.id),
        [...all.map((r) => r.id)].reverse(),
        'oldest first',
      );
      const plain = (r: (typeof results)[number] | undefined) => r && { ...r, cursor: typeof r.cursor };
      assert.deepEqual(plain(results.find((r) => r.id === a.id)), {
        id: a.id,
        cursor: 'string',
        processed: true,
        kind: 'auto-reply',
        matchRule: null,
        matched: false,
      });
      assert.deepEqual(plain(results[0]), { id: results[0]!.id, cursor: 'string', processed: false, kind: null, matchRule: null, matched: false });
      assert.equal(results.find((r) => r.matched)?.matchRule, 'verp');
      assert.deepEqual(
        (await s.store.inbound.resultsAfter(results[0]!.cursor, 1)).map((r) => r.id),
        [results[1]!.id],
      );
      assert.deepEqual(await s.store.inbound.resultsAfter(await s.store.inbound.resultsHead(), 10), [], 'the head is past the newest row');
    });

    test('correlation lookups: a recipient by id; by address in any case, in the latest message since a time', async () => {
      const older = await enqueue(s.store, { createdAt: T0 - 2 * DAY, recipients: ['Pat@Corr.test'] });
      const newer = await enqueue(s.store, { createdAt: T0 - DAY, recipients: ['other@corr.test', 'pat@corr.test'] });
      assert.equal((await s.store.inbound.recipientById(older.recipients[0]!.id))?.address, 'Pat@Corr.test');
      assert.equal(await s.store.inbound.recipientById(newer.recipients[1]!.id + 1000), null);
      assert.equal((await s.store.inbound.latestRecipientByAddress('PAT@corr.TEST', T0 - 3 * DAY))?.id, newer.recipients[1]!.id, 'the most recent message');
      assert.equal((await s.store.inbound.latestRecipientByAddress('pat@corr.test', T0 - 2 * DAY))?.id, newer.recipients[1]!.id);
      assert.equal(await s.store.inbound.latestRecipientByAddress('pat@corr.test', T0 - DAY + 1), null, 'none since then');
      assert.equal(await s.store.inbound.latestRecipientByAddress('nobody@corr.test', 0), null);
    });
  });
}
