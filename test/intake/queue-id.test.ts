import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newQueueId, QUEUE_ID } from '../../src/intake/queue-id.js';

test('queue ids are 16 Crockford base32 characters and sort by time', () => {
  const times = [0, 1, 31, 32, Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1) + 1, Date.UTC(2099, 11, 31)];
  const ids = times.map((t) => newQueueId(t));
  for (const id of ids) assert.match(id, QUEUE_ID);
  assert.deepEqual([...ids].sort(), ids);
  assert.ok(!ids.some((id) => /[ILOU]/.test(id)));
});

test('100,000 ids in one millisecond do not repeat and sort in the order they were made', () => {
  const made = Array.from({ length: 100_000 }, () => newQueueId(1_700_000_000_000));
  assert.equal(new Set(made).size, 100_000);
  assert.deepEqual([...made].sort(), made);
  for (const id of made.slice(0, 100)) assert.match(id, QUEUE_ID);
});
