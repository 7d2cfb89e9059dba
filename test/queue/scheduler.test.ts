import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Notifier } from '../../src/dsn/types.js';
import { createSweeps } from '../../src/queue/sweeps.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import type { MessageRecord, RecipientRecord } from '../../src/types.js';
import { parseVerpAddress } from '../../src/verp/token.js';
import { captureLogger, enqueue, fakeDeliverer, manualClock, T0, tempStore, testConfig } from './fixtures.js';

function recordingNotifier() {
  const calls: { kind: keyof Notifier; queueId: string; addresses: string[] }[] = [];
  const make = (kind: keyof Notifier) => async (m: MessageRecord, rs: RecipientRecord[]) => {
    calls.push({ kind, queueId: m.queueId, addresses: rs.map((r) => r.address).sort() });
  };
  const notifier: Notifier = { finalFailure: make('finalFailure'), delayWarning: make('delayWarning'), success: make('success') };
  return { notifier, calls };
}

test('recipients of one message at one domain share a transaction; other domains get their own', async () => {
  const t = tempStore();
  try {
    const { message } = await enqueue(t.store, { to: ['a@x.test', 'b@x.test', 'c@y.test'] });
    const deliverer = fakeDeliverer();
    const { logger, lines } = captureLogger();
    const s = createScheduler({ config: testConfig(), store: t.store, deliverer, logger, clock: manualClock() });
    assert.equal(await s.runOnce(), 3);
    const jobs = deliverer.stats.jobs.map((j) => [j.domain, j.recipients.map((r) => r.address).sort(), j.envelopeFrom]).sort();
    assert.deepEqual(jobs, [
      ['x.test', ['a@x.test', 'b@x.test'], 'app@sender.test'],
      ['y.test', ['c@y.test'], 'app@sender.test'],
    ]);
    assert.ok(deliverer.stats.jobs.every((j) => j.raw.toString().includes('Hello.') && j.recipients.every((r) => r.attempt === 1)));
    const rs = await t.store.messages.recipients(message.id);
    assert.deepEqual(
      rs.map((r) => [r.state, r.attempts, r.lastCode, r.category, r.leaseOwner]),
      Array(3).fill(['delivered', 1, 250, 'accepted', null]),
    );
    const events = await t.store.events.forMessage(message.id);
    assert.equal(events.filter((e) => e.kind === 'delivered').length, 3);
    const rcptPhases = events.filter((e) => e.kind === 'phase' && e.phase === 'rcpt');
    assert.deepEqual(rcptPhases.map((e) => e.recipientId).sort(), rs.map((r) => r.id).sort());
    assert.ok(rcptPhases.every((e) => e.attempt === 1));
    const connect = events.filter((e) => e.phase === 'connect');
    assert.equal(connect.length, 2);
    assert.deepEqual(connect.map((e) => (e.detail!.recipient_ids as number[]).length).sort(), [1, 2]);
    const logs = lines.filter((l) => l.event === 'delivery.attempt');
    assert.equal(logs.length, 3);
    for (const k of [
      'queue_id',
      'message_id',
      'recipient',
      'domain',
      'attempt',
      'outcome',
      'code',
      'enhanced',
      'text',
      'mx',
      'ip',
      'duration_ms',
      'next_attempt_at',
      'category',
      'tag',
    ]) {
      assert.ok(k in logs[0], `delivery.attempt has ${k}`);
    }
    assert.equal(logs[0].queue_id, message.queueId);
    assert.equal(await s.runOnce(), 0, 'nothing left to claim');
  } finally {
    await t.cleanup();
  }
});

test('with VERP each recipient gets its own transaction and a return path that names it', async () => {
  const t = tempStore();
  try {
    const secret = 'a-test-secret-of-some-length';
    await enqueue(t.store, { to: ['a@x.test', 'b@x.test'] });
    const dsn = await enqueue(t.store, { from: '', to: ['c@x.test', 'd@x.test'] });
    const deliverer = fakeDeliverer();
    const config = testConfig({ bounce_domains: { 'sender.test': 'bounces.sender.test' } }, { verp_secret: secret });
    const s = createScheduler({ config, store: t.store, deliverer, logger: captureLogger().logger, clock: manualClock() });
    await s.runOnce();
    const verp = deliverer.stats.jobs.filter((j) => j.message.id !== dsn.message.id);
    assert.equal(verp.length, 2);
    for (const j of verp) {
      assert.equal(j.recipients.length, 1);
      assert.match(j.envelopeFrom, /^b\+[0-9a-z]+-[a-z2-7]{16}@bounces\.sender\.test$/);
      assert.deepEqual(parseVerpAddress(secret, j.envelopeFrom), { recipientId: j.recipients[0].id });
    }
    const nullSender = deliverer.stats.jobs.filter((j) => j.message.id === dsn.message.id);
    assert.equal(nullSender.length, 1, 'a DSN (null sender) keeps <> and is not split');
    assert.equal(nullSender[0].envelopeFrom, '');
    assert.equal(nullSender[0].recipients.length, 2);
  } finally {
    await t.cleanup();
  }
});

test('a wildcard bounce domain without a VERP secret falls back to the original sender', async () => {
  const t = tempStore();
  try {
    await enqueue(t.store, { to: ['a@x.test', 'b@x.test'] });
    const deliverer = fakeDeliverer();
    const { logger, lines } = captureLogger();
    const s = createScheduler({ config: testConfig({ bounce_domains: { '*': 'b.example.test' } }), store: t.store, deliverer, logger, clock: manualClock() });
    await s.runOnce();
    assert.equal(deliverer.stats.jobs.length, 1);
    assert.equal(deliverer.stats.jobs[0].envelopeFrom, 'app@sender.test');
    assert.ok(lines.some((l) => l.event === 'queue.verp_disabled'));
  } finally {
    await t.cleanup();
  }
});

test('total and per-domain connection limits are respected', async () => {
  const t = tempStore();
  try {
    for (let i = 0; i < 12; i++) await enqueue(t.store, { to: [`r${i}@big.test`] });
    for (let i = 0; i < 6; i++) await enqueue(t.store, { to: [`r${i}@other${i}.test`] });
    const deliverer = fakeDeliverer(undefined, { delayMs: 20 });
    const s = createScheduler({
      config: testConfig({ max_connections: 4, max_connections_per_domain: 2 }),
      store: t.store,
      deliverer,
      logger: captureLogger().logger,
      clock: manualClock(),
    });
    // Claims beyond what can wait for a slot go back to the queue and are claimed again later.
    for (let i = 0; i < 20 && deliverer.stats.jobs.length < 18; i++) await s.runOnce();
    assert.equal(deliverer.stats.jobs.length, 18, 'each recipient delivered exactly once');
    assert.equal(new Set(deliverer.stats.jobs.map((j) => j.recipients[0].id)).size, 18);
    assert.equal(deliverer.stats.maxConcurrent, 4, 'total limit reached but not exceeded');
    assert.equal(deliverer.stats.maxPerDomain.get('big.test'), 2);
    assert.deepEqual((await t.store.queue.countsByState(T0)).byState, { delivered: 18 });
  } finally {
    await t.cleanup();
  }
});

test('many sessions at once listening on the stop signals is not reported as a listener leak', async () => {
  const t = tempStore();
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    for (let i = 0; i < 30; i++) await enqueue(t.store, { to: [`r${i}@d${i}.test`] });
    const inner = fakeDeliverer(undefined, { delayMs: 30 });
    // Each session listens as the real deliverer does: its cut-off, its slot wait and its connect on the
    // stop signal, its slot wait on the quiesce signal; all removed when it ends.
    const deliverer = {
      ...inner,
      async deliver(job: Parameters<typeof inner.deliver>[0], signal?: AbortSignal, stopping?: AbortSignal) {
        const listeners = [() => {}, () => {}, () => {}];
        for (const l of listeners) signal?.addEventListener('abort', l);
        stopping?.addEventListener('abort', listeners[0]);
        try {
          return await inner.deliver(job);
        } finally {
          for (const l of listeners) signal?.removeEventListener('abort', l);
          stopping?.removeEventListener('abort', listeners[0]);
        }
      },
    };
    const s = createScheduler({ config: testConfig({ max_connections: 30 }), store: t.store, deliverer, logger: captureLogger().logger, clock: manualClock() });
    for (let i = 0; i < 5 && inner.stats.jobs.length < 30; i++) await s.runOnce();
    assert.equal(inner.stats.jobs.length, 30);
    assert.ok(inner.stats.maxConcurrent > 10, `sessions overlapped (${inner.stats.maxConcurrent} at once)`);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
      [],
    );
  } finally {
    process.off('warning', onWarning);
    await t.cleanup();
  }
});

test('the running loop delivers at once when woken and stops cleanly', async () => {
  const t = tempStore();
  try {
    const deliverer = fakeDeliverer();
    const s = createScheduler({ config: testConfig({ poll_interval_ms: 60_000 }), store: t.store, deliverer, logger: captureLogger().logger });
    s.start();
    await new Promise((r) => setTimeout(r, 50)); // the loop is now asleep for a minute
    const { message } = await enqueue(t.store, { to: ['now@x.test'], createdAt: Date.now() });
    s.wake();
    const deadline = Date.now() + 3_000;
    while ((await t.store.messages.recipients(message.id))[0].state !== 'delivered' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await t.store.messages.recipients(message.id))[0].state, 'delivered');
    await s.stop(1_000);
    assert.equal((await t.store.queue.countsByState(Date.now())).leased, 0);
  } finally {
    await t.cleanup();
  }
});

test('stop waits for running deliveries, then releases the claims of those that never started', async () => {
  const t = tempStore();
  try {
    for (let i = 0; i < 4; i++) await enqueue(t.store, { to: [`r${i}@slow.test`], createdAt: Date.now() - 1 });
    const deliverer = fakeDeliverer(undefined, { delayMs: 200 });
    const s = createScheduler({ config: testConfig({ max_connections_per_domain: 1 }), store: t.store, deliverer, logger: captureLogger().logger });
    s.start();
    const deadline = Date.now() + 2_000;
    while (s.stats().active === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(s.stats().active, 1);
    assert.equal(s.stats().pending, 3, 'one at a time to slow.test; the rest wait leased');
    await s.stop(5_000);
    const counts = await t.store.queue.countsByState(Date.now());
    assert.deepEqual(counts.byState, { delivered: 1, queued: 3 });
    assert.equal(counts.leased, 0, 'no claim is left behind');
  } finally {
    await t.cleanup();
  }
});

test('a greylisted recipient is deferred on the backoff schedule and delivered on the retry', async () => {
  const t = tempStore();
  try {
    const { message } = await enqueue(t.store, { to: ['grey@x.test', 'ok@x.test'] });
    const tried = new Set<string>();
    const deliverer = fakeDeliverer((a) => (a.startsWith('grey') && !tried.has(a) ? (tried.add(a), 'deferred') : 'delivered'));
    const clock = manualClock();
    const s = createScheduler({ config: testConfig(), store: t.store, deliverer, logger: captureLogger().logger, clock });
    await s.runOnce();
    let [grey, ok] = await t.store.messages.recipients(message.id);
    assert.equal(ok.state, 'delivered');
    assert.equal(grey.state, 'deferred');
    assert.equal(grey.nextAttemptAt, T0 + 60_000, 'first retry after min_delay_ms (no jitter)');
    assert.equal(grey.lastCode, 451);
    clock.advance(59_999);
    assert.equal(await s.runOnce(), 0, 'not due yet');
    clock.advance(1);
    assert.equal(await s.runOnce(), 1);
    [grey] = await t.store.messages.recipients(message.id);
    assert.equal(grey.state, 'delivered');
    assert.equal(grey.attempts, 2);
    const outcomes = (await t.store.events.forMessage(message.id)).filter((e) => e.recipientId === grey.id && e.kind !== 'phase');
    assert.deepEqual(
      outcomes.map((e) => [e.kind, e.attempt]),
      [
        ['deferred', 1],
        ['delivered', 2],
      ],
    );
    assert.equal(outcomes[0].detail!.next_attempt_at, T0 + 60_000);
    assert.equal(outcomes[0].detail!.category, 'greylisted');
    assert.equal(deliverer.stats.jobs.at(-1)!.recipients[0].attempt, 2);
  } finally {
    await t.cleanup();
  }
});

test('a recipient deferred until past its queue lifetime expires, once, with a final-failure notice', async () => {
  const t = tempStore();
  try {
    const { message } = await enqueue(t.store, { to: ['down@x.test'] });
    const deliverer = fakeDeliverer(() => 'deferred');
    const { notifier, calls } = recordingNotifier();
    const clock = manualClock();
    const lifetime = 10 * 60_000;
    const config = testConfig({ retry: { min_delay_ms: 60_000, max_delay_ms: 240_000, max_queue_lifetime_ms: lifetime } });
    const s = createScheduler({ config, store: t.store, deliverer, notifier, logger: captureLogger().logger, clock });
    const schedule: number[] = [];
    for (let i = 0; i < 20; i++) {
      await s.runOnce();
      const [r] = await t.store.messages.recipients(message.id);
      if (r.state !== 'deferred') break;
      schedule.push(r.nextAttemptAt! - T0);
      clock.t = r.nextAttemptAt!;
    }
    // 1, 2, 4, 4 minutes… and the last retry is pulled in to the end of the lifetime, where it expires.
    assert.deepEqual(schedule, [60_000, 180_000, 420_000, 600_000]);
    const [r] = await t.store.messages.recipients(message.id);
    assert.equal(r.state, 'expired');
    assert.equal(r.attempts, 4, 'no attempt is made once the lifetime is over');
    assert.equal(deliverer.stats.jobs.length, 4);
    assert.deepEqual(calls, [{ kind: 'finalFailure', queueId: message.queueId, addresses: ['down@x.test'] }]);
    assert.equal((await t.store.events.forMessage(message.id)).filter((e) => e.kind === 'expired').length, 1);
    clock.advance(1_000_000);
    await s.runOnce();
    assert.equal(calls.length, 1);
  } finally {
    await t.cleanup();
  }
});

test('the sweep expires recipients whose next attempt lies beyond the lifetime', async () => {
  const t = tempStore();
  try {
    const { message } = await enqueue(t.store, { to: ['a@x.test'] });
    const clock = manualClock();
    const { notifier, calls } = recordingNotifier();
    const config = testConfig({ retry: { max_queue_lifetime_ms: 1_000 } });
    const s = createScheduler({ config, store: t.store, deliverer: fakeDeliverer(() => 'deferred'), notifier, logger: captureLogger().logger, clock });
    await s.runOnce();
    assert.equal((await t.store.messages.recipients(message.id))[0].nextAttemptAt, T0 + 1_000, 'clamped to the end of the lifetime');
    clock.advance(1_000);
    await s.runOnce();
    assert.equal((await t.store.messages.recipients(message.id))[0].state, 'expired');
    assert.equal(calls.length, 1);
  } finally {
    await t.cleanup();
  }
});

test('bounces and requested successes reach the notifier; a delay warning is sent once', async () => {
  const t = tempStore();
  try {
    const m = await enqueue(t.store, { to: ['bad@x.test', 'good@x.test', 'slow@y.test', 'quiet@z.test'], notify: null });
    const s2 = await enqueue(t.store, { to: ['tell@x.test'], notify: ['SUCCESS', 'FAILURE'] });
    const deliverer = fakeDeliverer((a) => (a.startsWith('bad') ? 'bounced' : a.startsWith('slow') || a.startsWith('quiet') ? 'deferred' : 'delivered'));
    const { notifier, calls } = recordingNotifier();
    const clock = manualClock();
    const config = testConfig({ dsn: { delay_warning_after_ms: 30 * 60_000 }, retry: { min_delay_ms: 20 * 60_000, max_delay_ms: 20 * 60_000, jitter: 0 } });
    const s = createScheduler({ config, store: t.store, deliverer, notifier, logger: captureLogger().logger, clock });
    await s.runOnce();
    assert.deepEqual(calls, [
      { kind: 'finalFailure', queueId: m.message.queueId, addresses: ['bad@x.test'] },
      { kind: 'success', queueId: s2.message.queueId, addresses: ['tell@x.test'] },
    ]);
    const bad = (await t.store.messages.recipients(m.message.id))[0];
    assert.deepEqual([bad.state, bad.hard, bad.category, bad.nextAttemptAt], ['bounced', true, 'mailbox-unknown', null]);
    calls.length = 0;
    clock.advance(20 * 60_000);
    await s.runOnce();
    assert.deepEqual(calls, [], 'not yet past the delay-warning threshold');
    clock.advance(20 * 60_000);
    await s.runOnce();
    assert.deepEqual(calls, [{ kind: 'delayWarning', queueId: m.message.queueId, addresses: ['quiet@z.test', 'slow@y.test'] }]);
    clock.advance(20 * 60_000);
    await s.runOnce();
    assert.equal(calls.length, 1, 'warned once');
  } finally {
    await t.cleanup();
  }
});

test('a recipient still waiting for its first attempt past the threshold is warned too, once', async () => {
  const t = tempStore();
  try {
    // Its domain paused for hours (throttled), say: never tried. The sweep alone runs here.
    const m = await enqueue(t.store, { to: ['late@paused.test'], notify: null });
    const calls: { kind: string; addresses: string[] }[] = [];
    const config = testConfig({ dsn: { delay_warning_after_ms: 30 * 60_000 } });
    const sweeps = createSweeps({
      config,
      store: t.store,
      logger: captureLogger().logger,
      owner: 'test',
      reports: true,
      notify: async (kind, _message, recipients) => void calls.push({ kind, addresses: recipients.map((r) => r.address) }),
    });
    await sweeps.delayWarnings(m.message.createdAt + 29 * 60_000);
    assert.deepEqual(calls, [], 'not yet past the threshold');
    await sweeps.delayWarnings(m.message.createdAt + 31 * 60_000);
    assert.deepEqual(calls, [{ kind: 'delayWarning', addresses: ['late@paused.test'] }]);
    const [r] = await t.store.messages.recipients(m.message.id);
    assert.deepEqual([r!.state, r!.attempts], ['queued', 0]);
    await sweeps.delayWarnings(m.message.createdAt + 60 * 60_000);
    assert.equal(calls.length, 1, 'warned once');
  } finally {
    await t.cleanup();
  }
});

test('a report the notifier could not queue stays owed and is sent by a later sweep, once (failure, success, delay, expiry)', async () => {
  const t = tempStore();
  try {
    const m = await enqueue(t.store, { to: ['bad@x.test', 'slow@y.test', 'gone@z.test'], notify: null });
    const s2 = await enqueue(t.store, { to: ['tell@x.test'], notify: ['SUCCESS'] });
    const never = await enqueue(t.store, { to: ['bad2@x.test'], notify: ['NEVER'] });
    const deliverer = fakeDeliverer((a) => (a.startsWith('bad') ? 'bounced' : a.startsWith('tell') ? 'delivered' : 'deferred'));
    const { notifier: recording, calls } = recordingNotifier();
    // A notifier that fails the first call of each kind: what a crash between the state change and the
    // report, or a failed write of the report, leaves behind.
    const failed = new Set<keyof Notifier>();
    const failing = (kind: keyof Notifier) => async (msg: MessageRecord, rs: RecipientRecord[]) => {
      if (!failed.has(kind)) {
        failed.add(kind);
        throw new Error(`disk I/O error (${kind})`);
      }
      await recording[kind](msg, rs);
    };
    const notifier: Notifier = { finalFailure: failing('finalFailure'), delayWarning: failing('delayWarning'), success: failing('success') };
    const clock = manualClock();
    const { logger, lines } = captureLogger();
    const config = testConfig({
      dsn: { delay_warning_after_ms: 30 * 60_000 },
      retry: { min_delay_ms: 40 * 60_000, max_delay_ms: 40 * 60_000, jitter: 0, max_queue_lifetime_ms: 60 * 60_000 },
    });
    const s = createScheduler({ config, store: t.store, deliverer, notifier, logger, clock });
    await s.runOnce();
    assert.equal(calls.length, 0, 'both failed');
    assert.equal(lines.filter((l) => l.event === 'dsn.error').length, 2);
    clock.advance(2 * 60_000);
    await s.runOnce();
    assert.equal(calls.length, 0, 'not tried again before REPORT_RETRY_MS');
    clock.advance(4 * 60_000);
    await s.runOnce();
    assert.deepEqual(
      calls.map((c) => [c.kind, c.queueId, c.addresses]),
      [
        ['finalFailure', m.message.queueId, ['bad@x.test']],
        ['success', s2.message.queueId, ['tell@x.test']],
      ],
      'the owed reports, and not the NOTIFY=NEVER one',
    );
    assert.ok(lines.some((l) => l.event === 'dsn.retry' && l.kind === 'failure'));
    calls.length = 0;
    clock.advance(30 * 60_000); // 36 min: past the delay threshold; the warning's first try fails
    await s.runOnce();
    assert.equal(calls.length, 0);
    clock.advance(6 * 60_000);
    await s.runOnce();
    assert.deepEqual(calls, [{ kind: 'delayWarning', queueId: m.message.queueId, addresses: ['gone@z.test', 'slow@y.test'] }]);
    calls.length = 0;
    clock.advance(20 * 60_000); // past the lifetime: both expire; that failure report goes at the first try
    await s.runOnce();
    assert.deepEqual(calls, [{ kind: 'finalFailure', queueId: m.message.queueId, addresses: ['gone@z.test', 'slow@y.test'] }]);
    calls.length = 0;
    clock.advance(60 * 60_000);
    await s.runOnce();
    assert.equal(calls.length, 0, 'nothing owed any more');
    assert.equal((await t.store.queue.claimOwedReports({ now: clock.now(), staleBefore: clock.now(), limit: 10 })).length, 0);
    assert.equal((await t.store.messages.recipients(never.message.id))[0]!.state, 'bounced');
  } finally {
    await t.cleanup();
  }
});

test('a throttled domain drops to one connection, its deferrals wait longer, and it eases after successes', async () => {
  const t = tempStore();
  try {
    for (let i = 0; i < 3; i++) await enqueue(t.store, { to: [`r${i}@busy.test`] });
    let throttle = true;
    const deliverer = fakeDeliverer(() => (throttle ? 'throttled' : 'delivered'), { delayMs: 15 });
    const clock = manualClock();
    const { logger, lines } = captureLogger();
    const config = testConfig({ max_connections_per_domain: 4, retry: { min_delay_ms: 60_000, max_delay_ms: 3_600_000, jitter: 0 } });
    const s = createScheduler({ config, store: t.store, deliverer, logger, clock, throttle: { basePauseMs: 30_000, successesToEase: 2 } });
    await s.runOnce();
    assert.equal(deliverer.stats.maxPerDomain.get('busy.test'), 3, 'before the signal, in parallel');
    const after = await t.store.queue.countsByState(clock.now());
    assert.deepEqual(after.byState, { deferred: 3 });
    const rs = (await Promise.all([1, 2, 3].map((id) => t.store.messages.recipients(id)))).flat();
    // A plain 4xx would come back after 60 s; throttled deferrals skip ahead on the ladder.
    for (const r of rs) assert.ok(r.nextAttemptAt! >= T0 + 120_000, `next attempt ${r.nextAttemptAt! - T0} ms`);
    assert.equal(s.stats().throttled['busy.test'].limit, 1);
    assert.ok(lines.some((l) => l.event === 'queue.throttled'));

    for (let i = 0; i < 3; i++) await enqueue(t.store, { to: [`new${i}@busy.test`], createdAt: T0 + 1_000 });
    clock.t = T0 + 10_000;
    assert.equal(await s.runOnce(), 0, 'paused: fresh mail to the domain is held back too');

    throttle = false;
    deliverer.stats.startedWith.length = 0;
    clock.t = T0 + 10 * 60_000;
    for (let i = 0; i < 10 && deliverer.stats.startedWith.length < 6; i++) await s.runOnce();
    const seen = deliverer.stats.startedWith;
    assert.equal(seen.length, 6);
    assert.deepEqual(seen.slice(0, 2), [1, 1], 'one connection at a time until two successes');
    assert.ok(Math.max(...seen) > 1, `then more in parallel: ${seen}`);
    assert.deepEqual(s.stats().throttled, {}, 'back to normal after enough successes');
    assert.deepEqual((await t.store.queue.countsByState(clock.now())).byState, { delivered: 6 });
  } finally {
    await t.cleanup();
  }
});

test('a deliverer that throws or forgets a recipient defers it instead of losing it', async () => {
  const t = tempStore();
  try {
    const { message } = await enqueue(t.store, { to: ['a@x.test', 'b@x.test'] });
    const inner = fakeDeliverer();
    let calls = 0;
    const deliverer = {
      ...inner,
      async deliver(job: Parameters<typeof inner.deliver>[0]) {
        if (++calls === 1) throw new Error('boom');
        const r = await inner.deliver(job);
        return { ...r, recipients: r.recipients.slice(0, 1) };
      },
    };
    const clock = manualClock();
    const s = createScheduler({ config: testConfig(), store: t.store, deliverer, logger: captureLogger().logger, clock });
    await s.runOnce();
    let rs = await t.store.messages.recipients(message.id);
    assert.deepEqual(
      rs.map((r) => [r.state, r.category]),
      [
        ['deferred', 'system-error'],
        ['deferred', 'system-error'],
      ],
    );
    clock.advance(60_000);
    await s.runOnce();
    rs = await t.store.messages.recipients(message.id);
    assert.deepEqual(
      rs.map((r) => r.state),
      ['delivered', 'deferred'],
    );
  } finally {
    await t.cleanup();
  }
});

test('a job knows when its claim lapsed without a renewal (a relay frozen past its lease): stillClaimed turns false', async () => {
  const t = tempStore();
  try {
    await enqueue(t.store, { to: ['frozen@x.test'] });
    const clock = manualClock();
    const config = testConfig();
    const seen: (boolean | undefined)[] = [];
    const deliverer = fakeDeliverer((_address, job) => {
      seen.push(job.stillClaimed?.());
      clock.advance(config.delivery.lease_ms / 2);
      seen.push(job.stillClaimed?.());
      clock.advance(config.delivery.lease_ms / 2 + 1);
      seen.push(job.stillClaimed?.());
      return 'delivered';
    });
    const s = createScheduler({ config, store: t.store, deliverer, logger: captureLogger().logger, clock });
    await s.runOnce();
    assert.deepEqual(seen, [true, true, false]);
  } finally {
    await t.cleanup();
  }
});

test('with VERP the next hop reports its delivery to mailtrail, not to the app: the app gets the success report it asked for from us', async () => {
  const t = tempStore();
  try {
    await enqueue(t.store, { to: ['tell@x.test'], notify: ['SUCCESS', 'FAILURE'] });
    const { notifier, calls } = recordingNotifier();
    const s = createScheduler({
      config: testConfig({ bounce_domains: { 'sender.test': 'bounces.sender.test' } }, { verp_secret: 'verp-secret-0123456789abcdef' }),
      store: t.store,
      deliverer: fakeDeliverer(() => 'delivered', { dsn: true }),
      notifier,
      logger: captureLogger().logger,
      clock: manualClock(),
    });
    await s.runOnce();
    assert.deepEqual(
      calls.map((c) => [c.kind, c.addresses]),
      [['success', ['tell@x.test']]],
    );
  } finally {
    await t.cleanup();
  }
});

test('a next hop that offers DSN got NOTIFY=SUCCESS and reports the delivery itself: no "relayed" report of ours', async () => {
  const t = tempStore();
  try {
    await enqueue(t.store, { to: ['tell@x.test'], notify: ['SUCCESS', 'FAILURE'] });
    const { notifier, calls } = recordingNotifier();
    const s = createScheduler({
      config: testConfig(),
      store: t.store,
      deliverer: fakeDeliverer(() => 'delivered', { dsn: true }),
      notifier,
      logger: captureLogger().logger,
      clock: manualClock(),
    });
    await s.runOnce();
    assert.deepEqual(calls, []);
  } finally {
    await t.cleanup();
  }
});
