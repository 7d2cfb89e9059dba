import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';

test('a scrypt hash verifies its password and no other; two hashes of one password differ (salt)', async () => {
  const h1 = await hashPassword('correct horse battery staple');
  const h2 = await hashPassword('correct horse battery staple');
  assert.match(h1, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(h1, h2);
  assert.equal(await verifyPassword('correct horse battery staple', h1), true);
  assert.equal(await verifyPassword('correct horse battery stapler', h1), false);
  assert.equal(await verifyPassword('', h1), false);
});

test('malformed or absurd stored hashes never verify and never throw', async () => {
  for (const bad of [
    '',
    'plain',
    'scrypt$1$8$1$c2FsdA==$aGFzaA==',
    'scrypt$3000$8$1$c2FsdA==$aGFzaA==',
    'scrypt$1073741824$8$1$c2FsdA==$aGFzaA==',
    'bcrypt$16384$8$1$c2FsdA==$aGFzaA==',
    'scrypt$16384$8$1$$',
  ]) {
    assert.equal(await verifyPassword('x', bad), false, bad);
  }
});

test('a hash made with other (lower) cost parameters still verifies: the parameters are read from the hash', async () => {
  const { scryptSync, randomBytes } = await import('node:crypto');
  const salt = randomBytes(16);
  const key = scryptSync('pw', salt, 32, { N: 1024, r: 8, p: 1 });
  assert.equal(await verifyPassword('pw', `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`), true);
});
