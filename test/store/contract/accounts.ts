/** Users, API tokens, DKIM keys and MTA-STS policies: small tables, read back exactly as written. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DkimKeyRecord } from '../../../src/store/deliverability.js';
import { T0, useStore, type OpenStore } from './support.js';

export function accountsContract(open: OpenStore): void {
  describe('users', () => {
    const s = useStore(open);

    test('a user is read back as added; names are unique; the list is in byte order of names', async () => {
      const alice = await s.store.users.add({
        name: 'alice',
        passwordHash: 'scrypt$1$2$3$c2FsdA$aGFzaA',
        senderDomains: ['example.com', 'example.org'],
        createdAt: T0,
      });
      assert.ok(alice.id > 0);
      assert.deepEqual(await s.store.users.get('alice'), {
        id: alice.id,
        name: 'alice',
        passwordHash: 'scrypt$1$2$3$c2FsdA$aGFzaA',
        senderDomains: ['example.com', 'example.org'],
        createdAt: T0,
      });
      await s.store.users.add({ name: 'Bob', passwordHash: 'x', senderDomains: ['*'], createdAt: T0 + 1 });
      await s.store.users.add({ name: 'carol', passwordHash: 'x', senderDomains: [], createdAt: T0 + 2 });
      await assert.rejects(s.store.users.add({ name: 'alice', passwordHash: 'y', senderDomains: [], createdAt: T0 + 3 }));
      assert.deepEqual(
        (await s.store.users.list()).map((u) => u.name),
        ['Bob', 'alice', 'carol'],
        'byte order: capitals first, as SQLite sorts',
      );
      assert.equal(await s.store.users.get('Alice'), null, 'names compare exactly');
      assert.equal(await s.store.users.count(), 3);
    });

    test('replacePasswordHash changes the hash only while it is still the expected one, and says whether it did', async () => {
      await s.store.users.add({ name: 'dave', passwordHash: 'scrypt$old', senderDomains: ['example.com'], createdAt: T0 });
      assert.equal(await s.store.users.replacePasswordHash('dave', 'scrypt$other', '$argon2id$new'), false, 'changed meanwhile: kept');
      assert.equal((await s.store.users.get('dave'))?.passwordHash, 'scrypt$old');
      assert.equal(await s.store.users.replacePasswordHash('dave', 'scrypt$old', '$argon2id$new'), true);
      assert.equal((await s.store.users.get('dave'))?.passwordHash, '$argon2id$new');
      assert.deepEqual((await s.store.users.get('dave'))?.senderDomains, ['example.com'], 'nothing else changes');
      assert.equal(await s.store.users.replacePasswordHash('nobody', 'scrypt$old', '$argon2id$new'), false);
      assert.equal(await s.store.users.remove('dave'), true);
    });

    test('remove says whether there was such a user', async () => {
      assert.equal(await s.store.users.remove('carol'), true);
      assert.equal(await s.store.users.remove('carol'), false);
      assert.equal(await s.store.users.get('carol'), null);
      assert.equal(await s.store.users.count(), 2);
    });
  });

  describe('API tokens', () => {
    const s = useStore(open);

    test('a token is found by its hash only; names and hashes are unique; list by name; remove', async () => {
      const t = await s.store.tokens.add({ name: 'ops', sha256: 'a'.repeat(64), scope: 'admin', createdAt: T0 });
      await s.store.tokens.add({ name: 'dash', sha256: 'b'.repeat(64), scope: 'read', createdAt: T0 + 1 });
      assert.deepEqual(await s.store.tokens.findBySha256('a'.repeat(64)), { id: t.id, name: 'ops', sha256: 'a'.repeat(64), scope: 'admin', createdAt: T0 });
      assert.equal(await s.store.tokens.findBySha256('c'.repeat(64)), null);
      await assert.rejects(s.store.tokens.add({ name: 'ops', sha256: 'd'.repeat(64), scope: 'read', createdAt: T0 }));
      await assert.rejects(s.store.tokens.add({ name: 'other', sha256: 'a'.repeat(64), scope: 'read', createdAt: T0 }));
      assert.deepEqual(
        (await s.store.tokens.list()).map((x) => [x.name, x.scope]),
        [
          ['dash', 'read'],
          ['ops', 'admin'],
        ],
      );
      assert.equal(await s.store.tokens.remove('ops'), true);
      assert.equal(await s.store.tokens.remove('ops'), false);
      assert.equal(await s.store.tokens.findBySha256('a'.repeat(64)), null);
    });
  });

  describe('DKIM keys', () => {
    const s = useStore(open);
    const key = (domain: string, selector: string, algorithm: DkimKeyRecord['algorithm'], active = true): Omit<DkimKeyRecord, 'id'> => ({
      domain,
      selector,
      algorithm,
      privateKey: `-----BEGIN PRIVATE KEY-----\n${selector}\n-----END PRIVATE KEY-----\n`,
      publicKey: `p-${selector}`,
      active,
      createdAt: T0,
    });

    test('one active key per domain and algorithm: a second one waits; another algorithm signs alongside', async () => {
      const first = await s.store.dkimKeys.add(key('example.com', 's1', 'rsa-sha256'));
      assert.deepEqual(first, { id: first.id, ...key('example.com', 's1', 'rsa-sha256') });
      assert.equal((await s.store.dkimKeys.add(key('example.com', 's2', 'rsa-sha256'))).active, false, 'the domain already signs with rsa-sha256');
      assert.equal((await s.store.dkimKeys.add(key('example.com', 'ed1', 'ed25519-sha256'))).active, true);
      assert.equal((await s.store.dkimKeys.add(key('example.org', 'a', 'rsa-sha256', false))).active, false, 'added inactive on request');
      await assert.rejects(s.store.dkimKeys.add(key('example.com', 's1', 'ed25519-sha256')), 'selectors are unique per domain');
      assert.deepEqual(
        (await s.store.dkimKeys.list()).map((k) => `${k.domain} ${k.selector} ${k.active}`),
        ['example.com ed1 true', 'example.com s1 true', 'example.com s2 false', 'example.org a false'],
      );
      assert.deepEqual(
        (await s.store.dkimKeys.active()).map((k) => k.selector),
        ['ed1', 's1'],
      );
    });

    test('activating a key stops the previous one of its algorithm; unknown keys are said so; remove', async () => {
      assert.equal(await s.store.dkimKeys.activate('example.com', 's2'), true);
      assert.deepEqual(
        (await s.store.dkimKeys.active()).map((k) => k.selector),
        ['ed1', 's2'],
      );
      assert.equal(await s.store.dkimKeys.activate('example.com', 'nope'), false);
      assert.equal(await s.store.dkimKeys.activate('example.org', 'a'), true);
      assert.equal(await s.store.dkimKeys.remove('example.com', 's1'), true);
      assert.equal(await s.store.dkimKeys.remove('example.com', 's1'), false);
      assert.deepEqual(
        (await s.store.dkimKeys.list()).map((k) => k.selector),
        ['ed1', 's2', 'a'],
      );
    });
  });

  describe('MTA-STS policies', () => {
    const s = useStore(open);

    test('a policy is read back as put, and a later put replaces it', async () => {
      assert.equal(await s.store.mtaSts.get('example.com'), null);
      const policy = {
        domain: 'example.com',
        policyId: '20300101',
        mode: 'enforce' as const,
        mx: ['mx1.example.com', '*.example.net'],
        maxAge: 86_400,
        fetchedAt: T0,
        expiresAt: T0 + 86_400_000,
      };
      await s.store.mtaSts.put(policy);
      assert.deepEqual(await s.store.mtaSts.get('example.com'), policy);
      const next = { ...policy, policyId: '20300102', mode: 'testing' as const, mx: [], fetchedAt: T0 + 1 };
      await s.store.mtaSts.put(next);
      assert.deepEqual(await s.store.mtaSts.get('example.com'), next);
      assert.equal(await s.store.mtaSts.get('example.org'), null);
    });
  });
}
