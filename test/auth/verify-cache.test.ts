import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { createVerifyCache } from '../../src/auth/verify-cache.js';

/** The real scrypt check, counted. */
function counted() {
  let calls = 0;
  const verify = async (password: string, stored: string) => {
    calls++;
    return verifyPassword(password, stored);
  };
  return { verify, calls: () => calls };
}

test('a successful check is remembered for the same password and stored hash, until the TTL', async () => {
  const stored = await hashPassword('correct horse');
  const c = counted();
  let now = 1_000;
  const cache = createVerifyCache({ ttlMs: 60_000, now: () => now, verify: c.verify });
  assert.equal(await cache.verify('correct horse', stored), true);
  assert.equal(await cache.verify('correct horse', stored), true);
  assert.equal(c.calls(), 1, 'the second AUTH did not run scrypt');
  now += 60_001;
  assert.equal(await cache.verify('correct horse', stored), true);
  assert.equal(c.calls(), 2, 'after the TTL, scrypt runs again');
});

test('wrong passwords always run scrypt and are never remembered; a new hash (password changed) misses', async () => {
  const stored = await hashPassword('correct horse');
  const c = counted();
  const cache = createVerifyCache({ ttlMs: 60_000, verify: c.verify });
  assert.equal(await cache.verify('wrong', stored), false);
  assert.equal(await cache.verify('wrong', stored), false);
  assert.equal(c.calls(), 2);
  assert.equal(await cache.verify('correct horse', stored), true);
  const changed = await hashPassword('battery staple');
  assert.equal(await cache.verify('correct horse', changed), false, 'the old password does not pass against the new hash');
  assert.equal(await cache.verify('battery staple', changed), true);
  assert.equal(c.calls(), 5);
});

test('ttl 0 turns the cache off', async () => {
  const stored = await hashPassword('pw');
  const c = counted();
  const cache = createVerifyCache({ ttlMs: 0, verify: c.verify });
  await cache.verify('pw', stored);
  await cache.verify('pw', stored);
  assert.equal(c.calls(), 2);
});

test('overlapping checks of one password against one hash share a single scrypt run (a cold wave of logins)', async () => {
  const stored = await hashPassword('correct horse');
  const c = counted();
  const cache = createVerifyCache({ ttlMs: 60_000, verify: c.verify });
  const results = await Promise.all(Array.from({ length: 20 }, () => cache.verify('correct horse', stored)));
  assert.deepEqual(new Set(results), new Set([true]));
  assert.equal(c.calls(), 1);
  const wrong = await Promise.all([cache.verify('wrong', stored), cache.verify('other', stored)]);
  assert.deepEqual(wrong, [false, false]);
  assert.equal(c.calls(), 3, 'different passwords never share a check');
});
