/** The timeline (append, forMessage) and the feed every follower reads (after, head, recent). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FEED_START, type FeedEvent, type FeedTally } from '../../../src/store/store.js';
import type { NewEvent } from '../../../src/types.js';
import { enqueue, T0, update, useStore, type OpenStore } from './support.js';

/** A feed event as the counters' feed (tallyAfter) gives it: its labels only. */
const labelsOf = (e: FeedEvent): FeedTally => ({
  cursor: e.cursor,
  kind: e.kind,
  phase: e.phase,
  code: e.code,
  at: e.at,
  tag: e.tag,
  messageCreatedAt: e.messageCreatedAt,
  domain: e.domain,
  // The messages these tests enqueue are submissions; a notice's (origin dsn) is pinned in test/metrics.
  own: false,
});

export function eventsContract(open: OpenStore): void {
  describe('events and the feed', () => {
    const s = useStore(open);

    test('an empty store has no events: the feed is empty from the start and from the head', async () => {
      assert.deepEqual(await s.store.events.after(await s.store.events.head(), 10), []);
      assert.deepEqual(await s.store.events.after(FEED_START, 10), []);
      assert.deepEqual(await s.store.events.recent({}, 10), []);
    });

    test('an appended event is read back with every field; appendMany keeps the given order', async () => {
      const { message, recipients } = await enqueue(s.store, { queueId: 'QEV1', recipients: ['a@ev.test'] });
      const full: NewEvent = {
        at: T0 + 1,
        messageRowId: message.id,
        recipientId: recipients[0]!.id,
        kind: 'deferred',
        attempt: 2,
        phase: 'rcpt',
        code: 451,
        enhanced: '4.7.1',
        text: 'Greylisted\nline two – ünïcode',
        remoteHost: 'mx.ev.test',
        remoteIp: '192.0.2.1',
        durationMs: 1234,
        detail: { category: 'greylisted', hard: false, list: [1, 2], nested: { a: null } },
      };
      const e = await s.store.events.append(full);
      assert.deepEqual(e, { ...full, id: e.id });
      const bare = await s.store.events.append({ at: T0 + 2, messageRowId: message.id, kind: 'phase' });
      assert.deepEqual(bare, {
        id: bare.id,
        at: T0 + 2,
        messageRowId: message.id,
        kind: 'phase',
        recipientId: null,
        attempt: null,
        phase: null,
        code: null,
        enhanced: null,
        text: null,
        remoteHost: null,
        remoteIp: null,
        durationMs: null,
        detail: null,
      });
      await s.store.events.appendMany(
        ['connect', 'ehlo', 'mail', 'rcpt', 'data'].map((p, i) => ({
          at: T0 + 10 - i,
          messageRowId: message.id,
          kind: 'phase',
          phase: p as NewEvent['phase'],
        })),
      );
      await s.store.events.appendMany([]);
      const timeline = await s.store.events.forMessage(message.id);
      assert.deepEqual(
        timeline.map((x) => x.phase),
        ['submission', 'rcpt', null, 'connect', 'ehlo', 'mail', 'rcpt', 'data'],
        'oldest first by id, not by `at`',
      );
      assert.deepEqual(timeline.slice(1, 2), [e]);
      assert.deepEqual(await s.store.events.after(await s.store.events.head(), 10), [], 'the head is past the newest event');
      assert.equal((await s.store.events.after(FEED_START, 10_000)).at(-1)?.id, timeline[timeline.length - 1]!.id);
    });

    test('an attempt written by recordAttempt reads back event by event, from the timeline, the feed at any limit, and the backlog', async () => {
      const { message, recipients } = await enqueue(s.store, { queueId: 'QATT', messageId: 'att@app.test', recipients: ['a@one.test', 'b@two.test'] });
      const [a, b] = recipients.map((r) => r.id) as [number, number];
      await s.store.queue.claimDue({ now: T0, limit: 10, owner: 'att', leaseUntil: T0 + 60_000 });
      const cursor = await s.store.events.head();
      const on = (host: string | null, ip: string | null) => ({ messageRowId: message.id, attempt: 1, remoteHost: host, remoteIp: ip });
      const mx = on('mx1.att.test', '192.0.2.7');
      const ids = { recipient_ids: [a, b] };
      const events: NewEvent[] = [
        { at: T0 + 1, ...on(null, null), kind: 'phase', phase: 'dns', durationMs: 2, detail: { hosts: ['mx1.att.test', 'mx2.att.test'] } },
        { at: T0 + 2, ...on('mx2.att.test', '192.0.2.8'), kind: 'phase', phase: 'connect', text: 'connection refused', detail: { port: 25 } },
        { at: T0 + 3, ...mx, kind: 'phase', phase: 'connect', code: 220, text: 'mx1 ESMTP', durationMs: 5, detail: { port: 25 } },
        {
          at: T0 + 4,
          ...mx,
          kind: 'phase',
          phase: 'ehlo',
          code: 250,
          text: 'mx1\nPIPELINING\nSTARTTLS',
          detail: { extensions: { PIPELINING: '', STARTTLS: '' } },
        },
        { at: T0 + 5, ...mx, kind: 'phase', phase: 'mail', code: 250, enhanced: '2.1.0', text: 'Ok', durationMs: 1, detail: ids },
        { at: T0 + 6, ...mx, recipientId: a, kind: 'phase', phase: 'rcpt', code: 250, enhanced: '2.1.5', text: 'Ok' },
        { at: T0 + 6, ...mx, recipientId: b, kind: 'phase', phase: 'rcpt', code: 550, enhanced: '5.1.1', text: 'no such user' },
        { at: T0 + 9, ...mx, kind: 'phase', phase: 'data', code: 250, enhanced: '2.0.0', text: 'Ok: queued as 1A2B', durationMs: 40, detail: ids },
        {
          at: T0 + 10,
          ...mx,
          recipientId: a,
          kind: 'delivered',
          phase: 'data',
          code: 250,
          enhanced: '2.0.0',
          text: 'Ok: queued as 1A2B',
          detail: { category: 'accepted' },
        },
        {
          at: T0 + 10,
          ...mx,
          recipientId: b,
          kind: 'bounced',
          phase: 'rcpt',
          code: 550,
          enhanced: '5.1.1',
          text: 'no such user',
          detail: { category: 'mailbox-unknown' },
        },
        { at: T0 + 11, ...mx, kind: 'phase', phase: 'quit', code: 221, text: 'Bye' },
      ];
      await s.store.queue.recordAttempt({ owner: 'att', at: T0 + 10, events, recipients: [update(a, 'delivered', T0 + 10), update(b, 'bounced', T0 + 10)] });
      const full = (e: NewEvent) => ({
        recipientId: null,
        attempt: null,
        phase: null,
        code: null,
        enhanced: null,
        text: null,
        remoteHost: null,
        remoteIp: null,
        durationMs: null,
        detail: null,
        ...e,
      });
      const timeline = (await s.store.events.forMessage(message.id)).slice(1);
      assert.deepEqual(
        timeline.map(({ id, ...e }) => e),
        events.map(full),
        'every field of every event, in order',
      );
      assert.ok(
        timeline.every((e, i) => i === 0 || e.id > timeline[i - 1]!.id),
        'ids increase',
      );
      // A few recipients' own events but the SMTP phases (a report about them reads no more).
      assert.deepEqual(
        await s.store.events.forRecipients(message.id, [b]),
        (await s.store.events.forMessage(message.id)).filter((e) => e.recipientId === b && e.kind !== 'phase'),
      );
      assert.ok((await s.store.events.forRecipients(message.id, [b])).length > 0);
      assert.deepEqual(await s.store.events.forRecipients(message.id, []), []);
      for (const limit of [1, 2, 3, 100]) {
        const seen: FeedEvent[] = [];
        for (let c = cursor, page = await s.store.events.after(c, limit); page.length; c = page.at(-1)!.cursor, page = await s.store.events.after(c, limit)) {
          assert.ok(page.length <= limit);
          seen.push(...page);
        }
        assert.deepEqual(
          seen.map((e) => e.id),
          timeline.map((e) => e.id),
          `the feed at limit ${limit}: every event once`,
        );
        assert.deepEqual(
          seen.filter((e) => e.recipientId !== null).map((e) => [e.recipient, e.domain]),
          [
            ['a@one.test', 'one.test'],
            ['b@two.test', 'two.test'],
            ['a@one.test', 'one.test'],
            ['b@two.test', 'two.test'],
          ],
        );
      }
      assert.deepEqual((await s.store.query.eventsOf([message.id])).slice(1), timeline);
      const names = (list: FeedEvent[]) => list.map((e) => `${e.kind}:${e.phase ?? ''}:${e.recipient ?? ''}`);
      assert.deepEqual(names(await s.store.events.recent({ message: 'QATT' }, 3)), ['delivered:data:a@one.test', 'bounced:rcpt:b@two.test', 'phase:quit:']);
      assert.deepEqual(
        names(await s.store.events.recent({ message: 'QATT', domain: 'one.test' }, 6)),
        ['phase:ehlo:', 'phase:mail:', 'phase:rcpt:a@one.test', 'phase:data:', 'delivered:data:a@one.test', 'phase:quit:'],
        'a phase of the other recipient is left out; shared phases are in',
      );
    });

    test('text from outside with a NUL in it is stored (PostgreSQL text cannot hold U+0000: it reads back as U+FFFD)', async () => {
      const { message, recipients } = await enqueue(s.store, { recipients: ['nul@ev.test'] });
      const text = 'bad\u0000reply \u0007 end';
      const either = (got: string | null) => assert.ok(got === text || got === text.replace('\u0000', '\uFFFD'), JSON.stringify(got));
      const e = await s.store.events.append({
        at: T0,
        messageRowId: message.id,
        recipientId: recipients[0]!.id,
        kind: 'phase',
        text,
        remoteHost: text,
        detail: { text },
      });
      either(e.text);
      either(e.remoteHost);
      assert.deepEqual(e.detail, { text }, 'JSON keeps it as given');
      await s.store.queue.claimDue({ now: T0, limit: 100, owner: 'nul', leaseUntil: T0 + 1_000 });
      const res = await s.store.queue.recordAttempt({
        owner: 'nul',
        at: T0,
        events: [{ at: T0, messageRowId: message.id, recipientId: recipients[0]!.id, kind: 'deferred', text }],
        recipients: [{ ...update(recipients[0]!.id, 'deferred'), lastText: text }],
      });
      either(res.recorded[0]!.lastText);
      await s.store.queue.releaseLeases('nul');
    });

    test('the feed: events after a cursor, oldest first, up to the limit, with the message and recipient facts', async () => {
      const start = await s.store.events.head();
      const { message, recipients } = await enqueue(s.store, {
        queueId: 'QFEED1',
        messageId: 'feed-1@test',
        tag: 'newsletter',
        mailFrom: 'news@app.test',
        createdAt: 1_000,
        recipients: ['Ann@Example.org'],
      });
      await s.store.events.append({ at: 2_000, messageRowId: message.id, recipientId: recipients[0]!.id, kind: 'delivered', code: 250 });
      await s.store.events.append({ at: 3_000, messageRowId: message.id, recipientId: recipients[0]!.id, kind: 'bounced', code: 550 });
      const fresh = await s.store.events.after(start, 100);
      assert.deepEqual(
        fresh.map((f) => f.kind),
        ['received', 'delivered', 'bounced'],
      );
      const [received, delivered] = fresh as [FeedEvent, FeedEvent];
      assert.deepEqual(
        [delivered.queueId, delivered.messageId, delivered.tag, delivered.messageCreatedAt, delivered.mailFrom, delivered.recipient, delivered.domain],
        ['QFEED1', 'feed-1@test', 'newsletter', 1_000, 'news@app.test', 'Ann@Example.org', 'example.org'],
      );
      assert.deepEqual([received.recipient, received.domain], [null, null], 'a message-level event has no recipient');
      assert.deepEqual(
        (await s.store.events.after(start, 1)).map((f) => f.kind),
        ['received'],
        'the limit',
      );
      assert.deepEqual(await s.store.events.after(fresh[2]!.cursor, 10), [], 'nothing after the newest');
      assert.deepEqual(
        (await s.store.events.after(received.cursor, 10)).map((f) => f.kind),
        ['delivered', 'bounced'],
        "an event's cursor is where the next one starts",
      );
    });

    test("the counters' feed (tallyAfter) gives the same events, order and cursors as the feed, with their labels only", async () => {
      const start = await s.store.events.head();
      const { message, recipients } = await enqueue(s.store, {
        queueId: 'QTALLY1',
        messageId: 'tally-1@test',
        tag: 'receipts',
        createdAt: 1_000,
        recipients: ['Bo@Example.net'],
      });
      await s.store.events.append({
        at: 2_000,
        messageRowId: message.id,
        recipientId: recipients[0]!.id,
        kind: 'phase',
        phase: 'rcpt',
        code: 451,
        text: 'try later',
        detail: { big: 'x'.repeat(100) },
      });
      await s.store.events.append({ at: 3_000, messageRowId: message.id, recipientId: recipients[0]!.id, kind: 'delivered', phase: 'data', code: 250 });
      const full = await s.store.events.after(start, 100);
      const tallies = await s.store.events.tallyAfter(start, 100);
      assert.deepEqual(tallies, full.map(labelsOf));
      assert.deepEqual(
        tallies.map((t) => [t.kind, t.domain]),
        [
          ['received', null],
          ['phase', 'example.net'],
          ['delivered', 'example.net'],
        ],
      );
      assert.deepEqual(
        (await s.store.events.tallyAfter(tallies[0]!.cursor, 1)).map((t) => t.kind),
        ['phase'],
        "an event's cursor is where the next one starts; the limit",
      );
      assert.deepEqual(await s.store.events.tallyAfter(tallies[2]!.cursor, 10), []);
    });

    test('the feed has no gaps: paging through it with any limit yields every event once, in id order', async () => {
      const all = await s.store.events.after(FEED_START, 10_000);
      const paged: number[] = [];
      for (let cursor = FEED_START; ; ) {
        const page = await s.store.events.after(cursor, 3);
        if (!page.length) break;
        paged.push(...page.map((e) => e.id));
        cursor = page[page.length - 1]!.cursor;
      }
      assert.deepEqual(
        paged,
        all.map((e) => e.id),
      );
      assert.deepEqual(
        [...paged].sort((a, b) => a - b),
        paged,
        'written one after another, they come in id order',
      );
      assert.ok(paged.length > 5);
    });

    test("the counters' feed pages like the feed at any limit, across an attempt's phases folded into one row", async () => {
      const labels = (await s.store.events.after(FEED_START, 10_000)).map(labelsOf);
      assert.ok(labels.filter((e) => e.kind === 'phase').length >= 3, 'an attempt with several phases is among them');
      for (const limit of [1, 2, 3, 7, 10_000]) {
        const paged: FeedTally[] = [];
        for (let cursor = FEED_START; ; ) {
          const page = await s.store.events.tallyAfter(cursor, limit);
          assert.ok(page.length <= limit, `at most ${limit}`);
          if (!page.length) break;
          paged.push(...page);
          cursor = page[page.length - 1]!.cursor;
        }
        assert.deepEqual(paged, labels, `paged ${limit} at a time`);
      }
    });
  });

  describe('recent: the backlog of `mailtrail tail`', () => {
    const s = useStore(open);
    const ids: Record<string, number> = {};

    test('the last events matching every filter, oldest first', async () => {
      const m = await enqueue(s.store, { queueId: 'QTAIL1', messageId: 'tail-1@app.test', recipients: ['a@one.test', 'b@two.test'] });
      const [a, b] = m.recipients as [(typeof m.recipients)[0], (typeof m.recipients)[0]];
      const n = await enqueue(s.store, { queueId: 'QTAIL2', messageId: 'tail-2@app.test', recipients: ['c@three.test'] });
      const add = async (name: string, e: Omit<NewEvent, 'at'>) => (ids[name] = (await s.store.events.append({ at: T0, ...e })).id);
      await add('connect-a', { messageRowId: m.message.id, kind: 'phase', phase: 'connect', detail: { recipient_ids: [a.id] } });
      await add('rcpt-a', { messageRowId: m.message.id, recipientId: a.id, kind: 'phase', phase: 'rcpt' });
      await add('delivered-a', { messageRowId: m.message.id, recipientId: a.id, kind: 'delivered' });
      await add('connect-b', { messageRowId: m.message.id, kind: 'phase', phase: 'connect', detail: { recipient_ids: [b.id] } });
      await add('deferred-b', { messageRowId: m.message.id, recipientId: b.id, kind: 'deferred' });
      await add('shared', { messageRowId: m.message.id, kind: 'phase', phase: 'quit' });
      await add('delivered-c', { messageRowId: n.message.id, recipientId: n.recipients[0]!.id, kind: 'delivered' });
      const names = (events: FeedEvent[]) => events.map((e) => Object.keys(ids).find((k) => ids[k] === e.id) ?? e.kind);

      assert.deepEqual(names(await s.store.events.recent({}, 3)), ['deferred-b', 'shared', 'delivered-c'], 'the newest three, oldest first');
      assert.deepEqual(names(await s.store.events.recent({ kinds: ['delivered', 'deferred'] }, 10)), ['delivered-a', 'deferred-b', 'delivered-c']);
      assert.deepEqual(names(await s.store.events.recent({ message: 'tail-2@app.test' }, 10)), ['received', 'delivered-c'], 'by Message-ID');
      assert.deepEqual(names(await s.store.events.recent({ message: 'QTAIL2' }, 10)), ['received', 'delivered-c'], 'by queue id');
      assert.deepEqual(names(await s.store.events.recent({ message: 'tail-2@app' }, 10)), [], 'exact, not a prefix');
      // A recipient's events by its domain; a shared phase when its transaction names a recipient there; one
      // that names none (received, quit) when the message has a recipient there.
      assert.deepEqual(names(await s.store.events.recent({ domain: 'one.test' }, 10)), ['received', 'connect-a', 'rcpt-a', 'delivered-a', 'shared']);
      assert.deepEqual(names(await s.store.events.recent({ domain: 'two.test' }, 10)), ['received', 'connect-b', 'deferred-b', 'shared']);
      assert.deepEqual(
        names(await s.store.events.recent({ domain: 'two.test', kinds: ['phase'], message: 'QTAIL1' }, 10)),
        ['connect-b', 'shared'],
        'every filter at once',
      );
      assert.deepEqual(await s.store.events.recent({ domain: 'nowhere.test' }, 10), []);
    });
  });
}
