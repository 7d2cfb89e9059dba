import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialFailures } from '../../src/api/failures.js';

const policy = { max: 3, windowMs: 1000, ipv6Prefix: 64 };

test('blocked at the max-th failure within the window, for the window, counted from that failure', () => {
  let now = 0;
  const f = new CredentialFailures(policy, () => now);
  assert.deepEqual(f.fail('192.0.2.1'), { blockedForMs: 0, failures: 1 });
  now = 500;
  assert.deepEqual(f.fail('192.0.2.1'), { blockedForMs: 0, failures: 2 });
  now = 900;
  assert.deepEqual(f.fail('192.0.2.1'), { blockedForMs: 1000, failures: 3 });
  now = 1800;
  assert.equal(f.retryAfterMs('192.0.2.1'), 100, 'the block runs from the failure that reached the limit');
  now = 1900;
  assert.equal(f.retryAfterMs('192.0.2.1'), 0);
  assert.deepEqual(f.fail('192.0.2.1'), { blockedForMs: 0, failures: 1 }, 'after the block the count starts afresh');
});

test('failures spread wider than the window never block', () => {
  let now = 0;
  const f = new CredentialFailures(policy, () => now);
  for (let i = 0; i < 10; i++) {
    now += 600;
    const r = f.fail('192.0.2.1');
    assert.equal(r.blockedForMs, 0, `failure ${i} is not blocked`);
    assert.ok(r.failures <= 2, `at most two in one window (got ${r.failures})`);
  }
});

test('an IPv6 /64 is one client; an IPv4-mapped address is its IPv4 address', () => {
  const f = new CredentialFailures(policy, () => 0);
  f.fail('2001:db8::1');
  f.fail('2001:db8::2');
  assert.ok(f.fail('2001:db8::ffff').blockedForMs > 0, 'three addresses of one /64 reach the limit');
  assert.ok(f.retryAfterMs('2001:db8::9') > 0, 'the whole /64 waits');
  assert.equal(f.retryAfterMs('2001:db8:0:1::1'), 0, 'the next /64 does not');
  f.fail('::ffff:192.0.2.9');
  f.fail('192.0.2.9');
  assert.ok(f.fail('::ffff:192.0.2.9').blockedForMs > 0, 'mapped and plain IPv4 add up');
});

test('memory stays bounded under a spray of addresses: the least recently failed are forgotten first', () => {
  const f = new CredentialFailures(policy, () => 0, 100);
  for (let i = 0; i < 1000; i++) f.fail(`2001:db8:${i.toString(16)}::1`);
  assert.equal(f.size, 100);
  assert.equal(f.fail('2001:db8:3e7::1').failures, 2, 'the most recent are kept');
  assert.equal(f.fail('2001:db8:0::1').failures, 1, 'the oldest were forgotten');
});
