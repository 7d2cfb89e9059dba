import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concurrencyFor, extraBackoffSteps, isPaused, onSuccess, onThrottled, pauseFor, type DomainThrottle } from '../../src/queue/throttle.js';

const policy = { maxConcurrency: 8, basePauseMs: 1_000, maxPauseMs: 5_000, successesToEase: 2 };

test('a throttle signal drops the domain to one connection and pauses it', () => {
  const t = onThrottled(undefined, policy, 100);
  assert.equal(concurrencyFor(t, policy), 1);
  assert.equal(t.level, 1);
  assert.equal(t.pausedUntil, 1_100);
  assert.ok(isPaused(t, 1_099));
  assert.ok(!isPaused(t, 1_100));
  assert.equal(extraBackoffSteps(t), 1);
});

test('repeated throttling doubles the pause up to the cap', () => {
  let t: DomainThrottle | undefined;
  const pauses = [];
  for (let i = 0; i < 5; i++) {
    t = onThrottled(t, policy, 0);
    pauses.push(t.pausedUntil);
  }
  assert.deepEqual(pauses, [1_000, 2_000, 4_000, 5_000, 5_000]);
  assert.equal(pauseFor(0, policy), 0);
});

test('successes ease the limit back by doubling until the domain is normal again', () => {
  let t: DomainThrottle | undefined = onThrottled(undefined, policy, 0);
  const limits: (number | 'normal')[] = [];
  for (let i = 0; i < 12 && t; i++) {
    t = onSuccess(t, policy);
    limits.push(t ? t.limit : 'normal');
  }
  // two successes per step: 1 → 2 → 4 → back at the configured 8, which is normal (level is 0 by then)
  assert.deepEqual(limits, [1, 2, 2, 4, 4, 'normal']);
  assert.equal(concurrencyFor(undefined, policy), 8);
  assert.equal(onSuccess(undefined, policy), undefined);
});

test('a throttle during easing starts over at one connection', () => {
  let t: DomainThrottle | undefined = onThrottled(undefined, policy, 0);
  t = onSuccess(onSuccess(t, policy), policy);
  assert.equal(t!.limit, 2);
  t = onThrottled(t, policy, 10);
  assert.equal(t.limit, 1);
  assert.equal(t.successes, 0);
});

test('a slow-down another relay recorded is followed when stricter, and not when this relay already eased past it', async () => {
  const { DomainSlots } = await import('../../src/queue/slots.js');
  const slots = new DomainSlots(10, policy);
  slots.adopt([{ domain: 'busy.test', limit: 1, level: 1, pausedUntil: 500 }]);
  assert.equal(slots.limitFor('busy.test'), 1, 'the shared lower limit holds here');
  assert.deepEqual(slots.excluded(400, new Map()), ['busy.test'], 'paused until the shared time');
  assert.equal(slots.limitFor('calm.test'), 8, 'other domains keep the normal limit');
  // This relay eases by its own successes and shares each step; the same shared state read back changes nothing.
  slots.succeeded('busy.test');
  slots.succeeded('busy.test');
  const mine = slots.throttleOf('busy.test')!;
  assert.equal(mine.limit, 2);
  slots.adopt([{ domain: 'busy.test', limit: 2, level: mine.level, pausedUntil: mine.pausedUntil }]);
  assert.equal(slots.limitFor('busy.test'), 2);
  // A later, stricter slow-down from another relay wins again.
  slots.adopt([{ domain: 'busy.test', limit: 1, level: 2, pausedUntil: 2_000 }]);
  assert.equal(slots.limitFor('busy.test'), 1);
  assert.ok(slots.excluded(1_500, new Map()).includes('busy.test'));
});
