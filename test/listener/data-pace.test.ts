/**
 * The pace of DATA streams (src/listener/data-pace.ts): a stream past the turn's budget waits for the next
 * turn; past the byte rate it waits as long as the rate says; within the burst nothing waits.
 * The bounce listener reading a real mail at a set rate is in test/bounces/listener-pace.test.ts.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createDataPace } from '../../src/listener/data-pace.js';

/** A stream in flowing mode, its own first 'resume' event (on the next tick) already past. */
const flowing = async () => {
  const s = new PassThrough();
  s.on('data', () => {});
  await new Promise((r) => setImmediate(r));
  return s;
};
const nextTurn = () => new Promise((r) => setImmediate(r));

test('past the budget of this turn a stream is paused, and resumed in the next turn; within it, never paused', async () => {
  const pace = createDataPace({ bytesPerTurn: 100_000, bytesPerSecond: 0 });
  const a = await flowing();
  const b = await flowing();
  pace.spend(a, 60_000);
  assert.equal(a.isPaused(), false, 'within the budget');
  pace.spend(b, 60_000);
  assert.equal(b.isPaused(), true, 'the turn is spent: the next stream waits');
  assert.equal(a.isPaused(), false, 'a stream is paused only when it is the one over the budget');
  await nextTurn();
  assert.equal(b.isPaused(), false, 'resumed in the next turn');
  pace.spend(b, 60_000);
  assert.equal(b.isPaused(), false, 'a new turn, a new budget');
});

test('past the burst a stream waits for the rate: about the time the excess takes at bytes per second', async () => {
  let clock = 0;
  const pace = createDataPace({ bytesPerTurn: Number.MAX_SAFE_INTEGER, bytesPerSecond: 1_000_000, burstBytes: 500_000, now: () => clock });
  const s = await flowing();
  pace.spend(s, 400_000);
  assert.equal(s.isPaused(), false, 'a small mail after a quiet spell passes at once');
  const t0 = performance.now();
  pace.spend(s, 200_000); // 100,000 over the burst: 100 ms at 1 MB/s
  assert.equal(s.isPaused(), true);
  await new Promise<void>((resolve) => s.once('resume', () => resolve()));
  const waited = performance.now() - t0;
  assert.ok(waited >= 95, `waited ${waited.toFixed(0)} ms, at least the 100 ms the excess takes`);

  clock += 1_000; // a quiet second refills the burst, no more
  pace.spend(s, 500_000);
  assert.equal(s.isPaused(), false, 'the burst again after a quiet spell');
  pace.spend(s, 1);
  assert.equal(s.isPaused(), true, 'and not more than the burst');
});

test('a destroyed stream is not resumed', async () => {
  const pace = createDataPace({ bytesPerTurn: 10, bytesPerSecond: 0 });
  const s = await flowing();
  pace.spend(s, 11);
  assert.equal(s.isPaused(), true);
  s.destroy();
  await nextTurn();
  assert.equal(s.isPaused(), true);
});
