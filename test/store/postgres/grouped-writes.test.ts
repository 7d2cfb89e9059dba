import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupedWrites } from '../../../src/store/postgres/grouped-writes.js';

/** A statement that waits until released, recording the groups it was given. */
function fakeStatements(fail: (ws: number[]) => boolean = () => false) {
  const groups: number[][] = [];
  const open: (() => void)[] = [];
  const writeGroup = (ws: number[]) => {
    groups.push(ws);
    return new Promise<number[]>((resolve, reject) => {
      open.push(() => (fail(ws) ? reject(new Error(`bad group ${ws.join(',')}`)) : resolve(ws.map((w) => w * 10))));
    });
  };
  const finishAll = async () => {
    while (open.length) {
      open.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { groups, writeGroup, finishAll };
}

test('a write in a quiet moment goes at once; writes arriving meanwhile go together in the next statement, each caller hearing its own result', async () => {
  const s = fakeStatements();
  const g = groupedWrites(s.writeGroup, { parallel: 1, maxGroup: 3 });
  const results = [1, 2, 3, 4, 5, 6].map((w) => g.write(w));
  assert.deepEqual(s.groups, [[1]], 'the first write went alone, at once');
  await s.finishAll();
  assert.deepEqual(await Promise.all(results), [10, 20, 30, 40, 50, 60]);
  assert.deepEqual(s.groups, [[1], [2, 3, 4], [5, 6]], 'then the waiting ones, at most three a statement');
});

test('statements run in parallel up to the limit; a write that must go alone is never grouped', async () => {
  const s = fakeStatements();
  const g = groupedWrites(s.writeGroup, { parallel: 2, maxGroup: 10, alone: (w) => w === 4 });
  const results = [1, 2, 3, 4, 5, 6].map((w) => g.write(w));
  assert.deepEqual(s.groups, [[1], [2]]);
  await s.finishAll();
  await Promise.all(results);
  assert.deepEqual(s.groups, [[1], [2], [3], [4], [5, 6]]);
});

test('a failed group is written again one write at a time: only the bad write fails, and only its caller hears of it', async () => {
  const s = fakeStatements((ws) => ws.includes(3));
  const g = groupedWrites(s.writeGroup, { parallel: 1, maxGroup: 10 });
  const results = [1, 2, 3, 4].map((w) => g.write(w).then(String, (e: Error) => e.message));
  await s.finishAll();
  assert.deepEqual(await Promise.all(results), ['10', '20', 'bad group 3', '40']);
  assert.deepEqual(s.groups, [[1], [2, 3, 4], [2], [3], [4]]);
});
