import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messageFate, timeline, timelinePage, type AttemptEntry, type MessageFate } from '../../src/query/fate.js';
import type { EventRecord } from '../../src/types.js';
import { clock, duration } from '../../src/query/verdict.js';
import { HOUR, MESSAGE_ID, seedHistory, T0, tempStore, type Seeded } from './fixture.js';

describe('messageFate', () => {
  const t = tempStore();
  let seeded: Seeded;
  let fates: MessageFate[];
  const now = T0 + 3 * HOUR;
  before(async () => {
    seeded = await seedHistory(t.store);
    fates = await messageFate(t.store, MESSAGE_ID, { now });
  });
  after(() => t.cleanup());

  const verdict = (address: string) => fates[0].recipients.find((r) => r.address === address)!;

  test('all messages with the Message-ID are returned, newest first', () => {
    assert.deepEqual(
      fates.map((f) => f.queue_id),
      [seeded.queueId, seeded.olderQueueId],
    );
  });

  test('angle brackets, surrounding spaces and queue ids find the same message', async () => {
    assert.equal((await messageFate(t.store, ` <${MESSAGE_ID}> `, { now })).length, 2);
    const byQueueId = await messageFate(t.store, seeded.queueId, { now });
    assert.equal(byQueueId.length, 1);
    assert.deepEqual(byQueueId[0], fates[0]);
    assert.deepEqual(await messageFate(t.store, 'unknown@nowhere', { now }), []);
    assert.deepEqual(await messageFate(t.store, '<>', { now }), []);
  });

  test('submission facts and tag are reported', () => {
    const f = fates[0];
    assert.equal(f.tag, 'transactional');
    assert.equal(f.submission.user, 'shop-app');
    assert.equal(f.submission.client_ip, '127.0.0.1');
    assert.deepEqual(f.submission.tls, { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
    assert.equal(f.created_at, '2024-05-01T10:00:00.000Z');
    assert.equal(fates[1].tag, 'newsletter');
  });

  test('a delivered recipient names the MX, its IP, the time and the reply', () => {
    assert.equal(verdict('alice@example.com').state, 'delivered');
    assert.equal(verdict('alice@example.com').verdict, 'delivered to mx.example.com [127.0.1.5] at 10:02 UTC, accepted 250 2.0.0');
  });

  test('a bounce after delivery says why, when it was delivered and when the bounce came, and who reported it', () => {
    const bob = verdict('bob@example.com');
    assert.equal(bob.state, 'bounced');
    assert.equal(
      bob.verdict,
      'bounced after delivery: mailbox full (soft, 5.2.2); delivered to mx.example.com at 10:02 UTC, bounce reported by mx.example.net at 12:02 UTC',
    );
    assert.match(bob.explanation ?? '', /mailbox is full/);
  });

  test('a synchronous rejection names the server and says the address is bad', () => {
    assert.equal(verdict('carol@example.org').verdict, 'bounced by mx.example.org [127.0.1.6] at 10:02 UTC: mailbox unknown (hard, 5.1.1)');
  });

  test('a deferred recipient shows how often it was tried and when the next try is', async () => {
    assert.equal(verdict('erin@greylist.test').verdict, 'deferred 3 times, next attempt due now: greylisted (4.7.1)');
    const earlier = await messageFate(t.store, MESSAGE_ID, { now: T0 + 60 * 60_000 });
    assert.equal(
      earlier[0].recipients.find((r) => r.address === 'erin@greylist.test')!.verdict,
      'deferred 3 times, next attempt 11:30 UTC: greylisted (4.7.1)',
    );
  });

  test('a suppressed recipient says since when and why', () => {
    assert.equal(
      verdict('dave@blocked.test').verdict,
      'suppressed: address on the suppression list since 2024-04-01 10:00 UTC (complaint: complained on 2024-04-01); not sent',
    );
  });

  test('an expired recipient says how long it waited and the last answer', () => {
    const frank = fates[1].recipients[0];
    assert.equal(frank.state, 'expired');
    assert.equal(frank.verdict, 'expired after 5 days in the queue (2 attempts): last answer connection failure (4.4.1)');
    // Why: the last failure (without its "we will retry"), then the expiry; not the expiry's bookkeeping alone.
    assert.match(frank.explanation!, /^The receiving server refused the connection\. mailtrail stopped trying when the maximum queue lifetime ran out\.$/);
    assert.doesNotMatch(frank.explanation!, /we will retry|Every delivery attempt failed temporarily/);
  });

  test('the timeline groups each attempt with its phases and outcomes, and keeps later events apart', () => {
    const tl = fates[0].timeline;
    assert.deepEqual(
      tl.map((e) => (e.type === 'attempt' ? `attempt ${e.attempt} ${e.domain}` : e.kind)),
      [
        'received',
        'suppressed',
        'attempt 1 example.com',
        'attempt 1 example.org',
        'attempt 1 greylist.test',
        'attempt 2 greylist.test',
        'attempt 3 greylist.test',
        'bounced',
      ],
    );
    const first = tl[2] as AttemptEntry;
    assert.deepEqual(
      first.phases.map((p) => p.phase),
      ['dns', 'connect', 'ehlo', 'starttls', 'mail', 'rcpt', 'rcpt', 'data'],
    );
    assert.deepEqual(first.recipients, ['alice@example.com', 'bob@example.com']);
    assert.equal(first.mx, 'mx.example.com');
    assert.equal(first.ip, '127.0.1.5');
    assert.deepEqual(
      first.outcomes.map((o) => `${o.kind} ${o.recipient}`),
      ['delivered alice@example.com', 'delivered bob@example.com'],
    );
    const last = tl[tl.length - 1];
    assert.equal(last.type, 'event');
    assert.equal(last.type === 'event' && last.recipient, 'bob@example.com');
    assert.equal(last.type === 'event' && last.enhanced, '5.2.2');
  });

  test('explanations come from the classifier when the event recorded none', async () => {
    const calls: unknown[] = [];
    const t2 = tempStore();
    try {
      await seedHistory(t2.store);
      t2.store.db.prepare("UPDATE events SET detail_v = NULL WHERE kind = 'bounced' AND phase = 'rcpt'").run();
      const f = await messageFate(t2.store, MESSAGE_ID, {
        now,
        classify: (input) => {
          calls.push(input);
          return { category: 'mailbox-unknown', permanent: true, hard: true, enhanced: '5.1.1', explanation: 'classifier says: no such user', rule: 'test' };
        },
      });
      const carol = f[0].recipients.find((r) => r.address === 'carol@example.org')!;
      assert.equal(carol.explanation, 'classifier says: no such user');
      assert.ok(calls.some((c) => (c as { code: number }).code === 550));
      const byDefault = await messageFate(t2.store, MESSAGE_ID, { now });
      const explained = byDefault[0].recipients.find((r) => r.address === 'carol@example.org')!.explanation;
      assert.ok(explained && explained.length > 10, 'src/classify explains it when no classifier is passed');
    } finally {
      await t2.cleanup();
    }
  });
});

describe('verdict wording', () => {
  test('durations are rounded to a readable unit', () => {
    assert.equal(duration(40_000), '40 s');
    assert.equal(duration(12 * 60_000), '12 min');
    assert.equal(duration(2 * HOUR + 5 * 60_000), '2 h');
    assert.equal(duration(5 * 24 * HOUR), '5 days');
  });
  test('times show the date only when it is not today', () => {
    assert.equal(clock(T0 + 2 * 60_000, T0 + HOUR), '10:02 UTC');
    assert.equal(clock(T0, T0 + 30 * HOUR), '2024-05-01 10:00 UTC');
  });
});

test("an attempt's replies that name the recipients' domain are explained as the deliverer read them, recipient or not", () => {
  // The MX is elsewhere (mx.far.test); its greeting and its DATA reply name the recipients' domain, timeout.test.
  const base = { messageRowId: 1, enhanced: null, remoteHost: 'mx.far.test', remoteIp: '192.0.2.9', durationMs: 5, detail: null };
  const reply = '5.7.1 timeout.test does not take this message';
  const events: EventRecord[] = [
    { ...base, id: 1, at: T0, kind: 'phase', recipientId: null, attempt: 1, phase: 'connect', code: 220, text: 'mx.far.test ESMTP' },
    { ...base, id: 2, at: T0 + 1, kind: 'phase', recipientId: 7, attempt: 1, phase: 'rcpt', code: 250, text: '2.1.5 Ok' },
    { ...base, id: 3, at: T0 + 2, kind: 'phase', recipientId: null, attempt: 1, phase: 'data', code: 554, text: reply },
    { ...base, id: 4, at: T0 + 3, kind: 'bounced', recipientId: 7, attempt: 1, phase: 'data', code: 554, text: reply },
  ];
  const [attempt] = timeline(events, new Map([[7, 'kim@timeout.test']]), new Map([[7, 'timeout.test']])) as AttemptEntry[];
  const data = attempt.phases.find((p) => p.phase === 'data');
  const outcome = attempt.outcomes[0];
  assert.ok(data?.explanation && outcome?.explanation);
  assert.doesNotMatch(data.explanation, /time/i);
  assert.equal(data.explanation, outcome.explanation);
});

test('a long timeline is paged back from its latest entries, each page as the whole timeline has it', () => {
  // Received, then seven attempts (connect, rcpt, outcome), then a dsn-sent event: nine entries.
  const base = { messageRowId: 1, enhanced: null, remoteHost: 'mx.far.test', remoteIp: '192.0.2.9', durationMs: 5, detail: null, code: null, text: null };
  const events: EventRecord[] = [{ ...base, id: 1, at: T0, kind: 'received', recipientId: null, attempt: null, phase: null }];
  for (let n = 1; n <= 7; n++) {
    const id = events.length + 1;
    const at = T0 + n * HOUR;
    events.push(
      { ...base, id, at, kind: 'phase', recipientId: null, attempt: n, phase: 'connect', code: 220, text: 'mx.far.test ESMTP' },
      { ...base, id: id + 1, at: at + 1, kind: 'phase', recipientId: 7, attempt: n, phase: 'rcpt', code: 451, text: '4.7.1 try later' },
      { ...base, id: id + 2, at: at + 2, kind: 'deferred', recipientId: 7, attempt: n, phase: 'rcpt', code: 451, text: '4.7.1 try later' },
    );
  }
  events.push({ ...base, id: events.length + 1, at: T0 + 9 * HOUR, kind: 'dsn-sent', recipientId: 7, attempt: null, phase: null });
  const address = new Map([[7, 'kim@far.test']]);
  const domains = new Map([[7, 'far.test']]);
  const whole = timeline(events, address, domains);
  assert.equal(whole.length, 9);

  const latest = timelinePage(events, address, domains, undefined, { limit: 4 });
  assert.deepEqual(latest.timeline, whole.slice(5), 'the latest four, built as the whole timeline builds them');
  const firstShown = whole[5] as AttemptEntry;
  assert.deepEqual(latest.timeline_more, { omitted: 5, before: events.find((e) => e.at === Date.parse(firstShown.started_at))!.id });

  const earlier = timelinePage(events, address, domains, undefined, { limit: 4, before: latest.timeline_more!.before });
  assert.deepEqual(earlier.timeline, whole.slice(1, 5));
  assert.equal(earlier.timeline_more?.omitted, 1);
  const first = timelinePage(events, address, domains, undefined, { limit: 4, before: earlier.timeline_more!.before });
  assert.deepEqual(first.timeline, whole.slice(0, 1));
  assert.equal(first.timeline_more, null, 'the first page: nothing left out');
  assert.deepEqual(timelinePage(events, address, domains, undefined, { limit: 50 }), { timeline: whole, timeline_more: null });
});

test("an attempt's finished_at is when its last step ended: an outcome's duration (the whole attempt's) is not added again", () => {
  const base = { messageRowId: 1, enhanced: null, remoteHost: 'mx.far.test', remoteIp: '192.0.2.9', detail: null };
  const events: EventRecord[] = [
    { ...base, id: 1, at: T0, durationMs: 100, kind: 'phase', recipientId: null, attempt: 1, phase: 'connect', code: 220, text: 'ready' },
    { ...base, id: 2, at: T0 + 100, durationMs: 50, kind: 'phase', recipientId: 7, attempt: 1, phase: 'rcpt', code: 250, text: 'ok' },
    { ...base, id: 3, at: T0 + 150, durationMs: 50, kind: 'phase', recipientId: null, attempt: 1, phase: 'data', code: 250, text: 'queued' },
    { ...base, id: 4, at: T0 + 200, durationMs: 200, kind: 'delivered', recipientId: 7, attempt: 1, phase: 'data', code: 250, text: 'queued' },
  ];
  const [attempt] = timeline(events, new Map([[7, 'kim@far.test']]), new Map([[7, 'far.test']])) as AttemptEntry[];
  assert.equal(attempt.started_at, new Date(T0).toISOString());
  assert.equal(attempt.finished_at, new Date(T0 + 200).toISOString());
});
