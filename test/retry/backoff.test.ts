import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseDelay, nextAttemptAt } from '../../src/retry/backoff.js';

const policy = { min_delay_ms: 300_000, max_delay_ms: 4_000_000, jitter: 0.2 };

test('the delay starts at min_delay_ms and doubles with each failed attempt up to max_delay_ms', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 100].map((n) => baseDelay(n, policy)),
    [300_000, 600_000, 1_200_000, 2_400_000, 4_000_000, 4_000_000, 4_000_000],
  );
});

test('random 0.5 gives the exact base delay; 0 and 1 the ends of the jitter band', () => {
  const now = 1_000_000;
  assert.equal(nextAttemptAt(1, policy, now, 0.5), now + 300_000);
  assert.equal(nextAttemptAt(1, policy, now, 0), now + 240_000);
  assert.equal(nextAttemptAt(2, policy, now, 0.999999), now + Math.round(600_000 * (1 + 0.2 * (2 * 0.999999 - 1))));
  assert.equal(nextAttemptAt(9, policy, now, 0), now + 3_200_000);
});

test('without jitter the schedule is exact, and never earlier than 1 ms from now', () => {
  const p = { min_delay_ms: 1, max_delay_ms: 10, jitter: 0 };
  assert.equal(nextAttemptAt(1, p, 50, 0.3), 51);
  assert.equal(nextAttemptAt(0, p, 50, 0.3), 51); // attempt 0 is treated as the first
  assert.equal(nextAttemptAt(60, p, 50, 0.3), 60);
});

test('jittered delays of a burst spread out instead of coinciding', () => {
  const times = new Set(Array.from({ length: 50 }, (_, i) => nextAttemptAt(3, policy, 0, i / 50)));
  assert.equal(times.size, 50);
  for (const t of times) assert.ok(t >= 1_200_000 * 0.8 && t <= 1_200_000 * 1.2, `${t} inside ±20%`);
});
