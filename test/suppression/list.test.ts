import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempStore, type TempStore } from '../bounces/support.js';
import { suppressionKey, suppressionList } from '../../src/suppression/list.js';

let t: TempStore;
before(() => {
  t = tempStore('mailtrail-suppressions-');
});
after(() => t.cleanup());

test('the list keys addresses case-insensitively (the store keeps the key it is given) and the first entry is kept', async () => {
  const first = await t.store.suppressions.add({
    address: suppressionKey(' User@Example.COM '),
    reason: 'hard bounce: 5.1.1',
    source: 'hard-bounce',
    createdAt: 1000,
  });
  assert.equal(first.created, true);
  assert.equal(first.suppression.address, 'user@example.com');
  assert.equal(await suppressionList(t.store).has('USER@example.com'), true);
  assert.equal(await suppressionList(t.store).has('other@example.com'), false);
  const again = await t.store.suppressions.add({ address: 'user@example.com', reason: 'complaint', source: 'complaint', createdAt: 2000 });
  assert.equal(again.created, false);
  assert.equal(again.suppression.source, 'hard-bounce', 'an existing entry is not rewritten');
  assert.equal((await suppressionList(t.store).get('user@EXAMPLE.com'))?.reason, 'hard bounce: 5.1.1');
  assert.equal(await t.store.suppressions.get('user@EXAMPLE.com'), null, 'the store compares keys exactly');
});

test('list is newest first and pages; remove says whether there was an entry', async () => {
  await t.store.suppressions.add({ address: 'b@example.com', reason: 'manual', source: 'manual', createdAt: 3000 });
  await t.store.suppressions.add({ address: 'c@example.com', reason: 'manual', source: 'manual', createdAt: 4000 });
  assert.deepEqual(
    (await t.store.suppressions.list()).map((s) => s.address),
    ['c@example.com', 'b@example.com', 'user@example.com'],
  );
  assert.deepEqual(
    (await t.store.suppressions.list({ limit: 1, offset: 1 })).map((s) => s.address),
    ['b@example.com'],
  );
  assert.equal(await t.store.suppressions.count(), 3);
  assert.equal(await suppressionList(t.store).remove('B@example.com'), true);
  assert.equal(await suppressionList(t.store).remove('b@example.com'), false);
  assert.equal(await suppressionList(t.store).has('b@example.com'), false);
});

test('list searches any part of the address in any case, newest first', async () => {
  await suppressionList(t.store, () => 6000).add('Zed@Blocked.test', 'manual');
  await suppressionList(t.store, () => 7000).add('dave@blocked.test', 'manual');
  assert.deepEqual(
    (await suppressionList(t.store).list({ limit: 10, contains: 'BLOCKED.test' })).map((s) => s.address),
    ['dave@blocked.test', 'zed@blocked.test'],
  );
});

test('one key per mailbox: the domain as its A-label (as recipients are stored), needless quotes dropped', () => {
  assert.equal(suppressionKey('Kunde@Bücher.DE'), 'kunde@xn--bcher-kva.de');
  assert.equal(suppressionKey('kunde@xn--bcher-kva.de'), 'kunde@xn--bcher-kva.de');
  assert.equal(suppressionKey('"User.Upper"@plain.test'), 'user.upper@plain.test');
  assert.equal(suppressionKey('"two words"@plain.test'), '"two words"@plain.test', 'quotes a dot-atom cannot do without stay');
  assert.equal(suppressionKey('user@[192.0.2.1]'), 'user@[192.0.2.1]');
  assert.equal(suppressionKey('用户@例子.test'), suppressionKey('用户@xn--fsqu00a.test'));
});

test('an operator suppressing an internationalised address stops the mail the relay stores under the A-label', async () => {
  const list = suppressionList(t.store);
  await list.add('kunde@bücher.test', 'asked to stop');
  assert.equal(await list.has('kunde@xn--bcher-kva.test'), true);
  assert.equal(await list.remove('KUNDE@xn--bcher-kva.test'), true, 'removed in the other spelling');
});
