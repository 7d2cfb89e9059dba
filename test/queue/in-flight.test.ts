/** InFlight: a later step waits for the writes under its key, and only for those; a failed write still settles. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlight } from '../../src/queue/in-flight.js';

const later = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const p = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { p, resolve, reject };
};

test('settled(key) waits for every write tracked under that key, not for other keys', async () => {
  const f = new InFlight();
  const a1 = later();
  const a2 = later();
  const b = later();
  void f.track('a', a1.p);
  void f.track('a', a2.p);
  void f.track('b', b.p);
  let aSettled = false;
  const waiting = f.settled('a').then(() => (aSettled = true));
  await f.settled('c'); // nothing under it: at once
  a1.resolve();
  await new Promise((r) => setImmediate(r));
  assert.equal(aSettled, false, 'one of the two writes is still on its way');
  a2.reject(new Error('the database said no'));
  await waiting;
  assert.equal(aSettled, true, 'a failed write counts as settled');
  let bSettled = false;
  void f.settled('b').then(() => (bSettled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(bSettled, false, 'the other key is still waiting');
  b.resolve();
  await f.settled('b');
});
