import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { createRehasher } from '../../src/auth/rehash.js';

function legacyScrypt(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$1024$8$1$${salt.toString('base64')}$${scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 }).toString('base64')}`;
}

/** The users API's one method the rehasher uses, over a map, with the store's compare-and-set meaning. */
function users(initial: Record<string, string>, fail?: Error) {
  const hashes = new Map(Object.entries(initial));
  const writes: string[] = [];
  return {
    hashes,
    writes,
    async replacePasswordHash(name: string, from: string, to: string) {
      if (fail) throw fail;
      writes.push(name);
      if (hashes.get(name) !== from) return false;
      hashes.set(name, to);
      return true;
    },
  };
}

function logs() {
  const lines: { level: string; event: unknown }[] = [];
  return {
    lines,
    info: (o: { event: unknown }) => lines.push({ level: 'info', event: o.event }),
    warn: (o: { event: unknown }) => lines.push({ level: 'warn', event: o.event }),
  };
}

test('after a login with a legacy scrypt hash the user gets an argon2id hash of the same password, written once for concurrent logins', async () => {
  const legacy = legacyScrypt('old-password');
  const store = users({ app: legacy });
  const log = logs();
  const rehash = createRehasher(store, log as never);
  await Promise.all(Array.from({ length: 5 }, () => rehash.afterLogin('app', 'old-password', legacy)));
  const now = store.hashes.get('app')!;
  assert.match(now, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword('old-password', now), true);
  assert.equal(await verifyPassword('other', now), false);
  assert.deepEqual(store.writes, ['app'], 'one write for five overlapping logins');
  assert.deepEqual(log.lines, [{ level: 'info', event: 'submission.password_rehashed' }]);
});

test('a current argon2id hash is left alone', async () => {
  const current = await hashPassword('pw');
  const store = users({ app: current });
  await createRehasher(store, logs() as never).afterLogin('app', 'pw', current);
  assert.deepEqual(store.writes, []);
  assert.equal(store.hashes.get('app'), current);
});

test('a password changed meanwhile is not overwritten by the upgrade', async () => {
  const legacy = legacyScrypt('old-password');
  const changed = await hashPassword('new-password');
  const store = users({ app: changed });
  const log = logs();
  await createRehasher(store, log as never).afterLogin('app', 'old-password', legacy);
  assert.equal(store.hashes.get('app'), changed);
  assert.deepEqual(log.lines, []);
});

test('a failing write is logged as a warning, never rejects, and is tried again only at a login after the pause', async () => {
  const legacy = legacyScrypt('pw');
  const log = logs();
  let clock = 1_000_000;
  const store = users({ app: legacy }, new Error('database is locked'));
  let attempts = 0;
  const counting = {
    replacePasswordHash: (name: string, from: string, to: string) => {
      attempts++;
      return store.replacePasswordHash(name, from, to);
    },
  };
  const rehash = createRehasher(counting, log as never, { retryAfterMs: 60_000, now: () => clock });
  await rehash.afterLogin('app', 'pw', legacy);
  clock += 59_000;
  await rehash.afterLogin('app', 'pw', legacy);
  assert.equal(attempts, 1, 'no second hash and write within the pause');
  clock += 1_000;
  await rehash.afterLogin('app', 'pw', legacy);
  assert.equal(attempts, 2, 'tried again once the pause is over');
  assert.deepEqual(log.lines, [
    { level: 'warn', event: 'submission.password_rehash_failed' },
    { level: 'warn', event: 'submission.password_rehash_failed' },
  ]);
});

test('a failed write pauses only that user', async () => {
  const a = legacyScrypt('pw-a');
  const b = legacyScrypt('pw-b');
  const store = users({ a, b });
  let failA = true;
  const flaky = {
    replacePasswordHash: async (name: string, from: string, to: string) => {
      if (name === 'a' && failA) throw new Error('disk full');
      return store.replacePasswordHash(name, from, to);
    },
  };
  const rehash = createRehasher(flaky, logs() as never, { now: () => 0 });
  await rehash.afterLogin('a', 'pw-a', a);
  failA = false;
  await rehash.afterLogin('a', 'pw-a', a);
  await rehash.afterLogin('b', 'pw-b', b);
  assert.deepEqual(store.writes, ['b'], 'b upgraded while a waits out its pause');
});
