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
