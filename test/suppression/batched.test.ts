/** Suppression checks asked in one turn of the event loop share one read of the list, each answered for its own addresses. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { batchedLookups } from '../../src/suppression/batched.js';
import { suppressionList } from '../../src/suppression/list.js';
import { tempStore, type TempStore } from '../bounces/support.js';

let t: TempStore;
let reads: string[][] = [];
before(async () => {
  t = tempStore('mailtrail-suppression-batch-');
  for (const address of ['gone@a.test', 'blocked@b.test'])
    await t.store.suppressions.add({ address, reason: 'hard bounce', source: 'hard-bounce', createdAt: 1 });
  const listed = t.store.suppressions.listed.bind(t.store.suppressions);
  t.store.suppressions.listed = async (keys) => {
    reads.push([...keys]);
    return listed(keys);
  };
});
after(() => t.cleanup());

test('checks asked together: one read, and each caller learns only about its own addresses', async () => {
  reads = [];
  const checks = batchedLookups(suppressionList(t.store));
  const [one, two, three] = await Promise.all([
    checks.suppressedAmong(['Gone@A.test', 'fine@a.test']),
    checks.suppressedAmong(['blocked@b.test']),
    checks.suppressedAmong(['fine@c.test', 'gone@a.test']),
  ]);
  assert.equal(reads.length, 1, 'one read for the three checks');
  assert.deepEqual(reads[0]!.sort(), ['blocked@b.test', 'fine@a.test', 'fine@c.test', 'gone@a.test']);
  assert.deepEqual([...one], ['gone@a.test']);
  assert.deepEqual([...two], ['blocked@b.test']);
  assert.deepEqual([...three], ['gone@a.test']);
});

test('checks in different turns read apart; an entry added between them is seen by the later one', async () => {
  reads = [];
  const checks = batchedLookups(suppressionList(t.store));
  assert.deepEqual([...(await checks.suppressedAmong(['late@d.test']))], []);
  await t.store.suppressions.add({ address: 'late@d.test', reason: 'complaint', source: 'complaint', createdAt: 2 });
  assert.deepEqual([...(await checks.suppressedAmong(['late@d.test']))], ['late@d.test']);
  assert.equal(reads.length, 2);
});

test('a failed read fails every check of its turn, and the next turn reads again', async () => {
  const failing = batchedLookups({
    suppressedAmong: async () => {
      throw new Error('database unreachable');
    },
  });
  const results = await Promise.allSettled([failing.suppressedAmong(['a@x.test']), failing.suppressedAmong(['b@x.test'])]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  reads = [];
  const checks = batchedLookups(suppressionList(t.store));
  assert.deepEqual([...(await checks.suppressedAmong(['blocked@b.test']))], ['blocked@b.test']);
  assert.equal(reads.length, 1);
});
