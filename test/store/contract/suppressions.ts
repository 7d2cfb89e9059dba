/** The suppression list's storage: keys kept and compared exactly as given (src/suppression/list.ts makes them). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T0, useStore, type OpenStore } from './support.js';

export function suppressionsContract(open: OpenStore): void {
  describe('suppressions', () => {
    const s = useStore(open);

    test('add keeps the first entry; keys compare exactly; get, remove, count', async () => {
      const first = await s.store.suppressions.add({ address: 'user@example.com', reason: 'hard bounce: 5.1.1', source: 'hard-bounce', createdAt: T0 });
      assert.deepEqual(first, {
        created: true,
        suppression: { address: 'user@example.com', reason: 'hard bounce: 5.1.1', source: 'hard-bounce', eventId: null, createdAt: T0 },
      });
      const again = await s.store.suppressions.add({ address: 'user@example.com', reason: 'complaint', source: 'complaint', createdAt: T0 + 5 });
      assert.deepEqual(again, { created: false, suppression: first.suppression }, 'an existing entry is left as it was, and returned');
      assert.equal(
        (await s.store.suppressions.add({ address: 'User@example.com', reason: 'manual', source: 'manual', createdAt: T0 + 1 })).created,
        true,
        'another key: the store does not fold case',
      );
      assert.equal(await s.store.suppressions.get('USER@example.com'), null);
      assert.deepEqual(await s.store.suppressions.get('user@example.com'), first.suppression);
      assert.equal(await s.store.suppressions.count(), 2);
      assert.equal(await s.store.suppressions.remove('User@example.com'), true);
      assert.equal(await s.store.suppressions.remove('User@example.com'), false);
      assert.equal(await s.store.suppressions.count(), 1);
    });

    test('listed: which of these keys are on the list, in one read', async () => {
      await s.store.suppressions.add({ address: 'b@example.com', reason: 'manual', source: 'manual', createdAt: T0 + 10 });
      assert.deepEqual((await s.store.suppressions.listed(['b@example.com', 'nobody@example.com', 'user@example.com', 'B@example.com'])).sort(), [
        'b@example.com',
        'user@example.com',
      ]);
      assert.deepEqual(await s.store.suppressions.listed([]), []);
      assert.deepEqual(
        (await s.store.query.suppressionsFor(['b@example.com', 'x@example.com'])).map((e) => e.address),
        ['b@example.com'],
      );
      assert.deepEqual(await s.store.query.suppressionsFor([]), []);
    });

    test('list: newest first (ties by address), paged; `contains` matches any part of the key as typed', async () => {
      await s.store.suppressions.add({ address: 'c_d@example.org', reason: 'manual', source: 'manual', createdAt: T0 + 20 });
      await s.store.suppressions.add({ address: 'a@example.org', reason: 'manual', source: 'manual', createdAt: T0 + 20 });
      await s.store.suppressions.add({ address: 'c%d@example.org', reason: 'manual', source: 'manual', createdAt: T0 + 30 });
      const all = (await s.store.suppressions.list()).map((e) => e.address);
      assert.deepEqual(all, ['c%d@example.org', 'a@example.org', 'c_d@example.org', 'b@example.com', 'user@example.com']);
      assert.deepEqual(
        (await s.store.suppressions.list({ limit: 2, offset: 1 })).map((e) => e.address),
        ['a@example.org', 'c_d@example.org'],
      );
      assert.deepEqual(
        (await s.store.suppressions.list({ contains: 'example.org' })).map((e) => e.address),
        ['c%d@example.org', 'a@example.org', 'c_d@example.org'],
      );
      assert.deepEqual(
        (await s.store.suppressions.list({ contains: 'c_d' })).map((e) => e.address),
        ['c_d@example.org'],
        '_ is itself, not a wildcard',
      );
      assert.deepEqual(
        (await s.store.suppressions.list({ contains: '%' })).map((e) => e.address),
        ['c%d@example.org'],
        '% too',
      );
      assert.deepEqual(
        (await s.store.suppressions.list({ contains: 'EXAMPLE' })).map((e) => e.address),
        [],
        'as typed: the caller folds case',
      );
      assert.deepEqual(
        (await s.store.suppressions.list({ contains: 'example', limit: 1, offset: 2 })).map((e) => e.address),
        ['c_d@example.org'],
      );
      // After a position (time, address): the entries that follow it, whatever was added before it meanwhile.
      await s.store.suppressions.add({ address: 'new@example.org', reason: 'manual', source: 'manual', createdAt: T0 + 40 });
      assert.deepEqual(
        (await s.store.suppressions.list({ limit: 2, after: { createdAt: T0 + 20, address: 'a@example.org' } })).map((e) => e.address),
        ['c_d@example.org', 'b@example.com'],
      );
      assert.deepEqual(
        (await s.store.suppressions.list({ contains: 'example.org', after: { createdAt: T0 + 30, address: 'c%d@example.org' } })).map((e) => e.address),
        ['a@example.org', 'c_d@example.org'],
      );
    });
  });
}
