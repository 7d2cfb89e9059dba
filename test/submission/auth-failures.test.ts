import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthFailures } from '../../src/submission/limits.js';

test('AUTH failures: delay after the threshold, block at the maximum, forget after the window', () => {
  const f = new AuthFailures({ beforeDelay: 2, delayMs: 500, max: 3, windowMs: 1000, ipv6Prefix: 64 });
  assert.equal(f.delayFor('ip', 0), 0);
  f.record('ip', 0);
  assert.equal(f.delayFor('ip', 10), 0);
  f.record('ip', 10);
  assert.equal(f.delayFor('ip', 20), 500);
  assert.equal(f.isBlocked('ip', 20), false);
  assert.equal(f.record('ip', 20), 3);
  assert.equal(f.isBlocked('ip', 30), true);
  assert.equal(f.isBlocked('other', 30), false);
  assert.equal(f.isBlocked('ip', 1015), false, 'the first two failures left the window');
  assert.equal(f.count('ip', 1021), 0);
});
