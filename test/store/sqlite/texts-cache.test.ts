import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { eventWriter } from '../../../src/store/sqlite/event-rows.js';
import { groupCommitFor } from '../../../src/store/sqlite/group-commit.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import type { NewEvent } from '../../../src/types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-texts-cache-'));
const store = openSqliteStore({ path: path.join(dir, 'q.db'), synchronous: 'FULL', busyTimeoutMs: 100 });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const TEXT = 8; // the position of the reply text in the writer's parameters
const event = (text: string): NewEvent => ({ at: 1_700_000_000_000, messageRowId: 1, kind: 'deferred', text });
const textOf = (id: bigint) => store.db.prepare('SELECT value FROM texts WHERE id = ?').pluck().get(Number(id));

test('a texts row added in a write that was rolled back is never referred to later, even when its id is given to another value', async () => {
  const writer = eventWriter(store.db);
  const commits = groupCommitFor(store.db);
  const v = `451 4.7.1 ${'v'.repeat(90)}`;
  const w = `550 5.1.1 ${'w'.repeat(90)}`;
  // Seen twice, stored inline; the third time it is worth a row, added inside a write that then fails.
  assert.equal(await commits.run(() => writer.params(event(v))[TEXT]), v);
  assert.equal(await commits.run(() => writer.params(event(v))[TEXT]), v);
  let rolledBack: unknown;
  await assert.rejects(
    commits.run(() => {
      rolledBack = writer.params(event(v))[TEXT];
      throw new Error('this write fails after its event parameters were made');
    }),
    /this write fails/,
  );
  assert.equal(typeof rolledBack, 'bigint', 'the failed write had added a texts row');
  assert.equal(textOf(rolledBack as bigint), undefined, 'the row went with the failed write');
  // Another value takes the free id in a write that commits.
  const wRef = await commits.run(() => {
    writer.params(event(w));
    writer.params(event(w));
    return writer.params(event(w))[TEXT];
  });
  assert.equal(wRef, rolledBack, 'the next row was given the id of the row rolled back');
  assert.equal(textOf(wRef as bigint), w);
  // From now on v is written inline or as a row holding v, never as the id it had in the failed write.
  for (let i = 0; i < 6; i++) {
    const ref = await commits.run(() => writer.params(event(v))[TEXT]);
    if (typeof ref === 'bigint') assert.equal(textOf(ref), v);
    else assert.equal(ref, v);
  }
  // A committed row keeps its id for every later write of its value.
  for (let i = 0; i < 3; i++) assert.equal(await commits.run(() => writer.params(event(w))[TEXT]), wRef);
});

test('a value met for the first time is written inline without a lookup, and referred to by its texts row from the second time on', async () => {
  const writer = eventWriter(store.db);
  const commits = groupCommitFor(store.db);
  const x = `250 2.0.0 ${'x'.repeat(90)}`;
  // Already in texts, as after an earlier run of the relay or a write of the other thread.
  const id = store.db.prepare('INSERT INTO texts (value) VALUES (?) RETURNING id').pluck().get(x) as number;
  assert.equal(await commits.run(() => writer.params(event(x))[TEXT]), x, 'first sighting: inline');
  assert.equal(await commits.run(() => writer.params(event(x))[TEXT]), BigInt(id), 'second sighting: found in texts');
  assert.equal(await commits.run(() => writer.params(event(x))[TEXT]), BigInt(id), 'and kept');
});

test('values written once are not kept alive by the writer: 20,000 one-off details of 1 KB leave the heap about as it was', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const writer = eventWriter(store.db);
  const commits = groupCommitFor(store.db);
  const filler = 'd'.repeat(1000);
  gc();
  const before = process.memoryUsage().heapUsed;
  const inline = await commits.run(() => {
    let n = 0;
    for (let i = 0; i < 20_000; i++) if (typeof writer.params({ ...event('x'), detail: { note: `${filler} ${i}` } })[12] === 'string') n++;
    return n;
  });
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(inline, 20_000, 'every one-off detail was written inline');
  // Keyed by the values, the count held all 20 MB of them until 50,000 had been seen.
  assert.ok(grown < 6_000_000, `the heap grew by ${grown} bytes`);
});
