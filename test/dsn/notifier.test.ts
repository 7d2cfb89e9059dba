import assert from 'node:assert/strict';
import { messageFate } from '../../src/query/fate.js';
import { describeEvent } from '../../src/query/render.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { parseConfig } from '../../src/config/load.js';
import { rfc5322Date } from '../../src/message/headers.js';
import { createNotifier, type NotifierOptions } from '../../src/dsn/notifier.js';
import type { Notifier } from '../../src/dsn/types.js';
import { QUEUE_ID } from '../../src/intake/queue-id.js';
import { createLogger } from '../../src/log/logger.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import type { MessageRecord, NotifyKeyword, RecipientRecord } from '../../src/types.js';
import { newMessage } from '../helpers/new-message.js';
import { readDeliveryStatus } from './helpers.js';
import { EXPIRY } from '../../src/queue/transitions.js';
import { createIntake } from '../../src/intake/intake.js';

const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);
const LIFETIME = 5 * 24 * 60 * 60_000;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Harness {
  store: SqliteStore;
  notifier: Notifier;
  logs: Record<string, unknown>[];
  wakes: number;
  now: number;
}

async function harness(dsn: Record<string, unknown>, fn: (h: Harness) => Promise<void>, extra: Partial<NotifierOptions> = {}): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-dsn-'));
  dirs.push(dir);
  const store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'NORMAL', busyTimeoutMs: 1000 });
  const config = parseConfig({ hostname: 'relay.mailtrail.test', delivery: { dsn } });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ log: { level: 'debug', file: null } }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const h: Harness = { store, logs, wakes: 0, now: T0 + 60_000, notifier: null as unknown as Notifier };
  // The relay's own intake (suppression list, Received field, ids), on the same clock.
  const intake = createIntake({ store, hostname: config.hostname, logger, now: () => h.now, checkSuppressions: true });
  h.notifier = createNotifier({ config, store, intake, logger, clock: () => h.now, onEnqueued: () => void h.wakes++, ...extra });
  try {
    await fn(h);
  } finally {
    await store.close();
  }
}

let seq = 0;
async function original(
  h: Harness,
  rcpts: { address: string; notify?: NotifyKeyword[] | null; orcpt?: string | null }[],
  over: { mailFrom?: string; origin?: 'submission' | 'dsn'; ret?: 'FULL' | 'HDRS' | null; envId?: string | null } = {},
): Promise<{ message: MessageRecord; recipients: RecipientRecord[] }> {
  const queueId = `ORIG${++seq}`;
  return h.store.messages.enqueue(
    newMessage({
      queueId,
      messageId: `${queueId}@app.example.com`,
      raw: `Message-ID: <${queueId}@app.example.com>\r\nFrom: app@example.com\r\nSubject: Order ${seq}\r\n\r\nThe body of order ${seq}.\r\n`,
      tag: 'orders',
      envId: over.envId === undefined ? 'env-abc' : over.envId,
      mailFrom: over.mailFrom,
      ret: over.ret,
      origin: over.origin,
      createdAt: T0,
      recipients: rcpts.map((r) => ({ address: r.address, notify: r.notify ?? null, orcpt: r.orcpt === undefined ? `rfc822;${r.address}` : r.orcpt })),
    }),
  );
}

/** One attempt's result for these recipients, written the way the scheduler writes it. */
async function attempt(
  h: Harness,
  message: MessageRecord,
  results: {
    r: RecipientRecord;
    state: 'delivered' | 'deferred' | 'bounced';
    code: number | null;
    enhanced: string | null;
    text: string;
    host: string | null;
    explanation?: string;
    /** More of the outcome event's detail, as the scheduler writes it (status_inferred…). */
    detail?: Record<string, unknown>;
  }[],
  at: number,
): Promise<RecipientRecord[]> {
  const claimed = await h.store.queue.claimDue({ now: at, limit: 100, owner: 'w1', leaseUntil: at + 60_000 });
  for (const x of results)
    assert.ok(
      claimed.some((c) => c.id === x.r.id),
      `recipient ${x.r.address} claimable`,
    );
  const written = await h.store.queue.recordAttempt({
    owner: 'w1',
    at,
    events: results.flatMap((x) => [
      {
        at,
        kind: 'phase' as const,
        messageRowId: message.id,
        recipientId: x.r.id,
        phase: 'rcpt' as const,
        code: x.code,
        enhanced: x.enhanced,
        text: x.text,
        remoteHost: x.host,
        remoteIp: '127.0.0.10',
      },
      {
        at,
        kind: x.state,
        messageRowId: message.id,
        recipientId: x.r.id,
        attempt: x.r.attempts + 1,
        phase: 'rcpt' as const,
        code: x.code,
        enhanced: x.enhanced,
        text: x.text,
        remoteHost: x.host,
        remoteIp: '127.0.0.10',
        detail: { explanation: x.explanation ?? null, ...x.detail },
      },
    ]),
    recipients: results.map((x) => ({
      id: x.r.id,
      state: x.state,
      nextAttemptAt: x.state === 'deferred' ? at + 60_000 : null,
      lastCode: x.code,
      lastEnhanced: x.enhanced,
      lastText: x.text,
      category: null,
      hard: null,
    })),
  });
  await h.store.queue.releaseLeases('w1');
  return written.recorded;
}

async function dsnsFor(h: Harness, m: MessageRecord) {
  const sent = (await h.store.events.forMessage(m.id)).filter((e) => e.kind === 'dsn-sent');
  const out = [];
  for (const qid of new Set(sent.map((e) => e.detail?.dsn_queue_id as string))) {
    const dsn = (await h.store.messages.getByQueueId(qid))!;
    const mail = await simpleParser((await h.store.messages.content(dsn.id))!, { keepDeliveryStatus: true });
    const status = mail.attachments.find((a) => a.contentType === 'message/delivery-status');
    assert.ok(status, 'the DSN has a message/delivery-status part');
    out.push({ dsn, recipients: await h.store.messages.recipients(dsn.id), mail, status: readDeliveryStatus(status.content.toString()) });
  }
  return { sent, dsns: out };
}

test('a final failure with NOTIFY=FAILURE queues one DSN to the sender, with a null envelope sender, and records dsn-sent', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'bob@example.org', notify: ['FAILURE'], orcpt: 'rfc822;Bob@Example.org' }]);
    const [bob] = await attempt(
      h,
      message,
      [
        {
          r: recipients[0],
          state: 'bounced',
          code: 550,
          enhanced: '5.1.1',
          text: 'user unknown',
          host: 'mx1.example.org',
          explanation: 'The receiving server says this mailbox does not exist.',
        },
      ],
      T0 + 30_000,
    );
    await h.notifier.finalFailure(message, [bob]);

    assert.equal(await h.store.messages.count(), 2, 'the original and one DSN');
    const { sent, dsns } = await dsnsFor(h, message);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].recipientId, bob.id);
    assert.equal(sent[0].detail?.type, 'failure');
    assert.equal(sent[0].at, h.now);

    const [{ dsn, recipients: to, mail, status }] = dsns;
    assert.match(dsn.queueId, QUEUE_ID, "the intake's queue-id format");
    assert.equal(dsn.mailFrom, '', 'a DSN has the null envelope sender');
    assert.equal(dsn.origin, 'dsn');
    assert.deepEqual(
      to.map((r) => [r.address, r.state, r.nextAttemptAt, r.notify]),
      [['app@example.com', 'queued', h.now, ['NEVER']]],
    );
    assert.equal(mail.subject, 'Undelivered Mail Returned to Sender');
    assert.equal(mail.from?.value[0].address, 'MAILER-DAEMON@relay.mailtrail.test');
    assert.equal(mail.inReplyTo, `<${message.messageId}>`);
    assert.equal(`<${dsn.messageId}>`, mail.messageId, 'the stored Message-ID is the one in the report');
    assert.equal(status.perMessage.get('original-envelope-id'), 'env-abc');
    assert.equal(status.perMessage.get('reporting-mta'), 'dns; relay.mailtrail.test');
    assert.equal(status.perMessage.get('arrival-date'), rfc5322Date(T0));
    // The notice's own trace says it was made here, about the original, not "accepted on submission".
    const [own] = await messageFate(h.store, dsn.queueId, { now: h.now });
    const received = own!.timeline.find((e) => e.type === 'event' && e.kind === 'received');
    assert.equal(
      received && received.type === 'event' ? describeEvent(received) : null,
      `made by mailtrail: a failure report (DSN) about ${message.queueId}, 1 recipient`,
    );
    assert.equal(status.recipients.length, 1);
    const r = status.recipients[0];
    assert.equal(r.get('original-recipient'), 'rfc822;Bob@Example.org');
    assert.equal(r.get('final-recipient'), 'rfc822; bob@example.org');
    assert.equal(r.get('action'), 'failed');
    assert.equal(r.get('status'), '5.1.1');
    assert.equal(r.get('remote-mta'), 'dns; mx1.example.org');
    assert.equal(r.get('diagnostic-code'), 'smtp; 550 5.1.1 user unknown');
    assert.equal(r.get('last-attempt-date'), rfc5322Date(T0 + 30_000));
    assert.match((mail.text ?? '').replace(/\s+/g, ' '), /What this means: The receiving server says this mailbox does not exist\./);
    assert.ok(
      mail.attachments.some((a) => a.contentType === 'text/rfc822-headers'),
      'no RET: headers only',
    );

    assert.equal(h.wakes, 1, 'the scheduler is woken once');
    const line = h.logs.find((l) => l.event === 'dsn.sent');
    assert.ok(line, 'a dsn.sent log line');
    assert.equal(line.queue_id, message.queueId);
    assert.equal(line.dsn_queue_id, dsn.queueId);
    assert.equal(line.type, 'failure');
    assert.deepEqual(line.recipients, ['bob@example.org']);

    // Asked again (the queue retried after a crash): nothing new.
    await h.notifier.finalFailure(message, [bob]);
    assert.equal(await h.store.messages.count(), 2);
  });
});

test("Diagnostic-Code quotes the server as it answered: a status it did not give is the report's Status only; a Status of class 2 is never a failure's", async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [
      { address: 'plain@example.org', notify: ['FAILURE'] },
      { address: 'confused@example.org', notify: ['FAILURE'] },
    ]);
    const [plain, confused] = await attempt(
      h,
      message,
      [
        // "550 No such user here": the classifier's 5.1.1 was stored beside it (status_inferred).
        {
          r: recipients[0],
          state: 'bounced',
          code: 550,
          enhanced: '5.1.1',
          text: 'No such user here',
          host: 'mx1.example.org',
          detail: { status_inferred: true },
        },
        // A multi-line reply whose first line quoted 2.1.5 above its refusal.
        { r: recipients[1], state: 'bounced', code: 550, enhanced: '2.1.5', text: '2.1.5 fine\nactually no', host: 'mx1.example.org' },
      ],
      T0 + 30_000,
    );
    await h.notifier.finalFailure(message, [plain, confused]);
    const { dsns } = await dsnsFor(h, message);
    const [a, b] = dsns[0]!.status.recipients;
    assert.equal(a.get('status'), '5.1.1');
    assert.equal(a.get('diagnostic-code'), 'smtp; 550 No such user here');
    assert.equal(b.get('action'), 'failed');
    assert.equal(b.get('status'), '5.0.0');
  });
});

test('several failed recipients of one call share one report; NOTIFY=NEVER recipients are left out', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(
      h,
      [
        { address: 'a@example.org', notify: null },
        { address: 'b@example.org', notify: ['NEVER'] },
        { address: 'c@example.org', notify: ['FAILURE', 'DELAY'], orcpt: null },
      ],
      { ret: 'FULL' },
    );
    const failed = await attempt(
      h,
      message,
      recipients.map((r) => ({ r, state: 'bounced' as const, code: 554, enhanced: '5.7.1', text: 'rejected by policy', host: 'mx.example.org' })),
      T0 + 1000,
    );
    await h.notifier.finalFailure(message, failed);
    const { sent, dsns } = await dsnsFor(h, message);
    assert.equal(dsns.length, 1);
    assert.deepEqual(sent.map((e) => e.recipientId).sort(), [recipients[0].id, recipients[2].id].sort());
    const finals = dsns[0].status.recipients.map((g) => g.get('final-recipient'));
    assert.deepEqual(finals, ['rfc822; a@example.org', 'rfc822; c@example.org']);
    assert.equal(dsns[0].status.recipients[1].has('original-recipient'), false);
    const returned = dsns[0].mail.attachments.find((a) => a.contentType === 'message/rfc822');
    assert.ok(returned, 'RET=FULL returns the whole message');
    assert.match(returned.content.toString(), /The body of order/);
  });
});

test('a report queued whose dsn-sent note cannot be written is not reported as a failure (the sweep would send it twice)', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'bob@example.org', notify: ['FAILURE'] }]);
    const failed = await attempt(h, message, [{ r: recipients[0], state: 'bounced', code: 550, enhanced: '5.1.1', text: 'no', host: 'mx' }], T0 + 1000);
    const events = h.store.events;
    const appendMany = events.appendMany.bind(events);
    events.appendMany = async () => {
      throw new Error('disk I/O error');
    };
    try {
      await h.notifier.finalFailure(message, failed); // resolves: the report is queued
    } finally {
      events.appendMany = appendMany;
    }
    assert.equal(await h.store.messages.count(), 2, 'the original and its one report');
    assert.ok(h.logs.some((l) => l.event === 'dsn.error' && /is queued as .* but its dsn-sent events could not be written/.test(String(l.msg))));
  });
});

test("a report reads only its recipients' own events, never the message's whole history (a long one wedged the relay)", async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [
      { address: 'bob@example.org', notify: ['FAILURE'] },
      { address: 'eve@example.org', notify: ['FAILURE'] },
    ]);
    const [bob] = await attempt(
      h,
      message,
      [{ r: recipients[0], state: 'bounced', code: 550, enhanced: '5.1.1', text: 'no such user', host: 'mx1.example.org' }],
      T0 + 1000,
    );
    const events = h.store.events;
    const forMessage = events.forMessage.bind(events);
    events.forMessage = async () => {
      throw new Error('the whole timeline was read');
    };
    try {
      await h.notifier.finalFailure(message, [bob!]);
    } finally {
      events.forMessage = forMessage;
    }
    const { dsns } = await dsnsFor(h, message);
    assert.equal(dsns.length, 1);
    assert.deepEqual(
      dsns[0]!.status.recipients.map((g) => [g.get('final-recipient'), g.get('remote-mta'), g.get('diagnostic-code')]),
      [['rfc822; bob@example.org', 'dns; mx1.example.org', 'smtp; 550 5.1.1 no such user']],
    );
  });
});

test('NOTIFY=NEVER: no DSN at all', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'bob@example.org', notify: ['NEVER'] }]);
    const failed = await attempt(h, message, [{ r: recipients[0], state: 'bounced', code: 550, enhanced: '5.1.1', text: 'no', host: 'mx' }], T0 + 1000);
    await h.notifier.finalFailure(message, failed);
    assert.equal(await h.store.messages.count(), 1);
    assert.equal((await dsnsFor(h, message)).sent.length, 0);
    assert.equal(h.wakes, 0);
    assert.ok(h.logs.some((l) => l.event === 'dsn.skipped' && l.reason === 'NOTIFY excludes it'));
  });
});

test('the null sender gets no DSN (never bounce a bounce)', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'bob@example.org' }], { mailFrom: '' });
    const failed = await attempt(h, message, [{ r: recipients[0], state: 'bounced', code: 550, enhanced: '5.1.1', text: 'no', host: 'mx' }], T0 + 1000);
    await h.notifier.finalFailure(message, failed);
    assert.equal(await h.store.messages.count(), 1);
    assert.ok(h.logs.some((l) => l.event === 'dsn.skipped' && l.reason === 'null sender'));
  });
});

test('a DSN about a DSN is never sent, whatever its envelope sender', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'app@example.com' }], { origin: 'dsn', mailFrom: 'MAILER-DAEMON@relay.mailtrail.test' });
    const failed = await attempt(h, message, [{ r: recipients[0], state: 'bounced', code: 550, enhanced: '5.1.1', text: 'no', host: 'mx' }], T0 + 1000);
    await h.notifier.finalFailure(message, failed);
    assert.equal(await h.store.messages.count(), 1);
  });
});

test('delivery.dsn.enabled: false sends nothing', async () => {
  await harness({ enabled: false }, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'bob@example.org', notify: ['FAILURE'] }]);
    const failed = await attempt(h, message, [{ r: recipients[0], state: 'bounced', code: 550, enhanced: '5.1.1', text: 'no', host: 'mx' }], T0 + 1000);
    await h.notifier.finalFailure(message, failed);
    assert.equal(await h.store.messages.count(), 1);
  });
});

test('a delay warning: Action delayed, the last temporary status, and Will-Retry-Until at the end of the queue lifetime', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [
      { address: 'slow@example.org', notify: ['DELAY'] },
      { address: 'failonly@example.org', notify: ['FAILURE'] },
      { address: 'default@example.org', notify: null },
    ]);
    const deferred = await attempt(
      h,
      message,
      recipients.map((r) => ({ r, state: 'deferred' as const, code: 451, enhanced: '4.7.1', text: 'greylisted, try again later', host: 'mx.example.org' })),
      T0 + 1000,
    );
    h.now = T0 + 4 * 60 * 60_000 + 5;
    await h.notifier.delayWarning(message, deferred);
    const { sent, dsns } = await dsnsFor(h, message);
    assert.equal(dsns.length, 1);
    assert.deepEqual(
      sent.map((e) => e.detail?.type),
      ['delay', 'delay'],
    );
    const { mail, status } = dsns[0];
    assert.equal(mail.subject, 'Delayed Mail (still being retried)');
    assert.deepEqual(
      status.recipients.map((g) => [g.get('final-recipient'), g.get('action'), g.get('status'), g.get('will-retry-until')]),
      [
        ['rfc822; slow@example.org', 'delayed', '4.7.1', rfc5322Date(T0 + LIFETIME)],
        ['rfc822; default@example.org', 'delayed', '4.7.1', rfc5322Date(T0 + LIFETIME)],
      ],
      'NOTIFY=FAILURE alone asks for no delay warning; no NOTIFY means we warn',
    );
    assert.equal(status.recipients[0].get('diagnostic-code'), 'smtp; 451 4.7.1 greylisted, try again later');
  });
});

test('a delay warning for a recipient not tried yet says so, with no diagnostic; one whose first try is under way says that', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'waiting@example.org', notify: null }]);
    h.now = T0 + 4 * 60 * 60_000 + 5;
    await h.notifier.delayWarning(message, recipients);
    const inFlight = await original(h, [{ address: 'trying@example.org', notify: null }]);
    const claimed = (await h.store.queue.claimDue({ now: h.now, limit: 10, owner: 'w1', leaseUntil: h.now + 60_000 })).find(
      (r) => r.address === 'trying@example.org',
    );
    await h.notifier.delayWarning(inFlight.message, [claimed!]);
    const trying = (await dsnsFor(h, inFlight.message)).dsns[0]!;
    assert.match((trying.mail.text ?? '').replace(/\s+/g, ' '), /mailtrail is trying this address for the first time right now/);
    const { dsns } = await dsnsFor(h, message);
    assert.equal(dsns.length, 1);
    const { mail, status } = dsns[0];
    const g = status.recipients[0];
    assert.deepEqual([g.get('action'), g.get('status'), g.get('diagnostic-code'), g.get('last-attempt-date')], ['delayed', '4.0.0', undefined, undefined]);
    assert.match((mail.text ?? '').replace(/\s+/g, ' '), /<waiting@example\.org>: What this means: mailtrail has not been able to try this address yet/);
  });
});

test('an expired recipient gets a failure report with its last temporary reason', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'gone@example.org' }]);
    await attempt(
      h,
      message,
      [{ r: recipients[0], state: 'deferred', code: 421, enhanced: '4.4.2', text: 'connection timed out', host: 'mx.example.org' }],
      T0 + 1000,
    );
    h.now = T0 + LIFETIME + 1;
    const expired = await h.store.queue.expire({ now: h.now, createdBefore: h.now - LIFETIME, limit: 10, event: EXPIRY });
    assert.equal(expired.length, 1);
    await h.notifier.finalFailure(message, expired);
    const { dsns } = await dsnsFor(h, message);
    assert.equal(dsns.length, 1);
    const g = dsns[0].status.recipients[0];
    assert.equal(g.get('action'), 'failed');
    assert.equal(g.get('status'), '4.4.2');
    assert.equal(g.get('diagnostic-code'), 'smtp; 421 4.4.2 connection timed out');
    assert.equal(g.get('last-attempt-date'), rfc5322Date(T0 + 1000));
    const text = (dsns[0].mail.text ?? '').replace(/\s+/g, ' ');
    assert.match(text, /Gave up: the message could not be delivered within its maximum queue time/);
    // Explained by its expiry, not by the last deferral's "we will retry" under "permanent failure".
    assert.match(text, /What this means: Every delivery attempt failed temporarily until the maximum queue lifetime ran out/);
    assert.doesNotMatch(text, /will retry|will try again/i);
  });
});

test('a failure without a server reply (a refused connection) is not reported as what a host "said"', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [{ address: 'nobody-home@example.org' }]);
    await attempt(
      h,
      message,
      [{ r: recipients[0], state: 'deferred', code: null, enhanced: null, text: 'connect ECONNREFUSED 192.0.2.7:25', host: 'mx.example.org' }],
      T0 + 1000,
    );
    h.now = T0 + LIFETIME + 1;
    await h.notifier.finalFailure(message, await h.store.queue.expire({ now: h.now, createdBefore: h.now - LIFETIME, limit: 10, event: EXPIRY }));
    const text = ((await dsnsFor(h, message)).dsns[0]!.mail.text ?? '').replace(/\s+/g, ' ');
    assert.match(text, /The last attempt \(host mx\.example\.org\) failed: connect ECONNREFUSED/);
    assert.doesNotMatch(text, /said|last answer/);
  });
});

test('NOTIFY=SUCCESS: a relayed report on delivery; without SUCCESS, none', async () => {
  await harness({}, async (h) => {
    const { message, recipients } = await original(h, [
      { address: 'yes@example.org', notify: ['SUCCESS', 'FAILURE'] },
      { address: 'no@example.org', notify: null },
    ]);
    const delivered = await attempt(
      h,
      message,
      recipients.map((r) => ({ r, state: 'delivered' as const, code: 250, enhanced: '2.0.0', text: 'OK: queued as 4F2A', host: 'mx.example.org' })),
      T0 + 1000,
    );
    await h.notifier.success(message, delivered);
    const { sent, dsns } = await dsnsFor(h, message);
    assert.equal(dsns.length, 1);
    assert.deepEqual(
      sent.map((e) => [e.recipientId, e.detail?.type]),
      [[recipients[0].id, 'success']],
    );
    assert.equal(dsns[0].mail.subject, 'Successful Mail Delivery Report');
    const g = dsns[0].status.recipients;
    assert.equal(g.length, 1);
    assert.equal(g[0].get('final-recipient'), 'rfc822; yes@example.org');
    assert.equal(g[0].get('action'), 'relayed');
    assert.equal(g[0].get('status'), '2.0.0');
    assert.equal(g[0].get('diagnostic-code'), 'smtp; 250 2.0.0 OK: queued as 4F2A');
  });
});

test('a suppressed sender address: the report is recorded but not sent', async () => {
  await harness({}, async (h) => {
    await h.store.suppressions.add({ address: 'app@example.com', reason: 'hard bounce', source: 'manual', createdAt: T0 });
    const { message, recipients } = await original(h, [{ address: 'bob@example.org' }]);
    const failed = await attempt(h, message, [{ r: recipients[0], state: 'bounced', code: 550, enhanced: '5.1.1', text: 'no', host: 'mx' }], T0 + 1000);
    await h.notifier.finalFailure(message, failed);
    const { dsns } = await dsnsFor(h, message);
    assert.equal(dsns.length, 1);
    assert.deepEqual(
      dsns[0].recipients.map((r) => [r.state, r.nextAttemptAt]),
      [['suppressed', null]],
    );
    assert.equal(h.wakes, 0, 'nothing new to deliver');
  });
});

test('without a stored explanation the injected classifier explains, with the phase and reply it is given', async () => {
  const seen: unknown[] = [];
  await harness(
    {},
    async (h) => {
      const { message, recipients } = await original(h, [{ address: 'bob@example.org' }]);
      const failed = await attempt(
        h,
        message,
        [{ r: recipients[0], state: 'bounced', code: 552, enhanced: '5.3.4', text: 'message too big', host: 'mx' }],
        T0 + 1000,
      );
      await h.notifier.finalFailure(message, failed);
      const { dsns } = await dsnsFor(h, message);
      assert.match((dsns[0].mail.text ?? '').replace(/\s+/g, ' '), /What this means: Too big for them\./);
    },
    {
      explain: (i) => {
        seen.push(i);
        return 'Too big for them.';
      },
    },
  );
  assert.deepEqual(seen, [{ phase: 'rcpt', code: 552, enhanced: '5.3.4', text: 'message too big' }]);
});
