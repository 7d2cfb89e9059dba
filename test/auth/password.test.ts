import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { test } from 'node:test';
import { ARGON2, dummyHash, hashPassword, needsRehash, verifyPassword } from '../../src/auth/password.js';

/** A hash in the form mailtrail stored before argon2id (N=2^10 keeps the test fast; N is read from the string). */
function legacyScrypt(password: string, N = 1024): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFC'), salt, 32, { N, r: 8, p: 1 });
  return `scrypt$${N}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

test('new hashes are argon2id with m=19456 KiB, t=2, p=1 in PHC form, verify their password and no other; two hashes of one password differ (salt)', async () => {
  const h1 = await hashPassword('correct horse battery staple');
  const h2 = await hashPassword('correct horse battery staple');
  assert.deepEqual(ARGON2, { m: 19456, t: 2, p: 1 });
  // The parameter string docs/submission.md documents; 16-byte salt (22 chars) and 32-byte hash (43 chars), unpadded.
  assert.match(h1, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(h1, h2);
  assert.equal(await verifyPassword('correct horse battery staple', h1), true);
  assert.equal(await verifyPassword('correct horse battery stapler', h1), false);
  assert.equal(await verifyPassword('', h1), false);
  assert.equal(needsRehash(h1), false);
});

test('a password is compared in Unicode NFC: the composed and decomposed forms of one password both verify', async () => {
  const h = await hashPassword('caf\u00e9 au lait!');
  assert.equal(await verifyPassword('cafe\u0301 au lait!', h), true);
});

test('a legacy scrypt hash still verifies its password and no other, and needs a rehash', async () => {
  const legacy = legacyScrypt('pw-from-before');
  assert.equal(await verifyPassword('pw-from-before', legacy), true);
  assert.equal(await verifyPassword('pw-from-befor', legacy), false);
  assert.equal(needsRehash(legacy), true);
});

test('an argon2id hash weaker than new ones needs a rehash; one as strong or stronger does not', async () => {
  const { hash } = await import('@node-rs/argon2');
  const weak = await hash('pw', { algorithm: 2, memoryCost: 4096, timeCost: 2, parallelism: 1 });
  assert.match(weak, /^\$argon2id\$v=19\$m=4096,t=2,p=1\$/);
  assert.equal(await verifyPassword('pw', weak), true, 'parameters are read from the hash');
  assert.equal(needsRehash(weak), true);
  const fewerPasses = await hash('pw', { algorithm: 2, memoryCost: 19456, timeCost: 1, parallelism: 1 });
  assert.equal(needsRehash(fewerPasses), true);
  const stronger = await hash('pw', { algorithm: 2, memoryCost: 32768, timeCost: 3, parallelism: 1 });
  assert.equal(needsRehash(stronger), false);
  assert.equal(await verifyPassword('pw', stronger), true);
});

test('malformed, other-algorithm or out-of-bounds stored hashes never verify and never throw', async () => {
  const good = await hashPassword('x');
  const [, , , , salt, key] = good.split('$');
  for (const bad of [
    '',
    'plain',
    'scrypt$1$8$1$c2FsdA==$aGFzaA==',
    'scrypt$3000$8$1$c2FsdA==$aGFzaA==',
    'scrypt$1073741824$8$1$c2FsdA==$aGFzaA==',
    'bcrypt$16384$8$1$c2FsdA==$aGFzaA==',
    'scrypt$16384$8$1$$',
    '$argon2id$',
    '$argon2id$v=19$m=19456,t=2,p=1$$',
    `$argon2id$v=19$m=19456,t=2,p=1$${salt}`,
    `$argon2id$v=19$m=19456,t=2,p=1$!!!!!!!!!!!!$${key}`,
    // Over the bounds: 4 GiB of memory, 99 passes, 64 lanes, less than 8 KiB per lane.
    `$argon2id$v=19$m=4194304,t=2,p=1$${salt}$${key}`,
    `$argon2id$v=19$m=19456,t=99,p=1$${salt}$${key}`,
    `$argon2id$v=19$m=19456,t=2,p=64$${salt}$${key}`,
    `$argon2id$v=19$m=8,t=2,p=2$${salt}$${key}`,
    `$argon2id$v=19$m=19456,t=0,p=1$${salt}$${key}`,
    // Other variants and versions are not what mailtrail writes.
    `$argon2i$v=19$m=19456,t=2,p=1$${salt}$${key}`,
    `$argon2d$v=19$m=19456,t=2,p=1$${salt}$${key}`,
    `$argon2id$v=16$m=19456,t=2,p=1$${salt}$${key}`,
    // A hash of the right shape that the library cannot decode (bad base64 length).
    `$argon2id$v=19$m=19456,t=2,p=1$${salt}$${key}A`,
  ]) {
    assert.equal(await verifyPassword('x', bad), false, bad);
  }
  assert.equal(await verifyPassword('x', good), true, 'the unaltered hash verifies: the cases above fail for their alteration');
});

test('hashing and verifying run off the event loop: timers keep firing during a check', async () => {
  const h = await hashPassword('pw');
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    const checks = await Promise.all(Array.from({ length: 4 }, () => verifyPassword('pw', h)));
    assert.deepEqual(checks, [true, true, true, true]);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 2, `the event loop ran ${ticks} timer callbacks during four argon2id checks`);
});

test("the hash an unknown user's AUTH is checked against has the parameters of new hashes, so it costs what a real check costs", async () => {
  const made = await hashPassword('anything');
  const params = (h: string) => h.split('$').slice(1, 4).join('$');
  assert.equal(params(dummyHash()), params(made), 'same algorithm, version and m, t, p as a new hash');
  assert.equal(needsRehash(dummyHash()), false);
  assert.equal(await verifyPassword('', dummyHash()), false);
  assert.equal(await verifyPassword('password', dummyHash()), false);
});
