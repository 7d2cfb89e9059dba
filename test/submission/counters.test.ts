import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthFailures, ConnectionLimiter } from '../../src/submission/limits.js';

test('the connection limiter counts per IP and in total, and a release frees the slot', () => {
  const l = new ConnectionLimiter(3, 2);
  assert.equal(l.tryAcquire('a'), 'ok');
  assert.equal(l.tryAcquire('a'), 'ok');
  assert.equal(l.tryAcquire('a'), 'per-ip');
  assert.equal(l.tryAcquire('b'), 'ok');
  assert.equal(l.tryAcquire('c'), 'total');
  l.release('a');
  assert.equal(l.tryAcquire('c'), 'ok');
  assert.equal(l.open, 3);
});

test('AUTH failures: delay after the threshold, block at the maximum, forget after the window', () => {
  const f = new AuthFailures({ beforeDelay: 2, delayMs: 500, max: 3, windowMs: 1000 });
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
