import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fingerprint, Sightings } from '../../src/store/sightings.js';

test('a fingerprint is the same for the same text and differs across 200,000 texts that differ in one character or in length', () => {
  assert.equal(fingerprint('451 4.7.1 try again later'), fingerprint(`451 4.7.1 try again ${'later'}`));
  const seen = new Set<number>();
  for (let i = 0; i < 100_000; i++) {
    seen.add(fingerprint(`250 2.0.0 Ok: queued as ${i.toString(36).padStart(8, '0')}`));
    seen.add(fingerprint(`{"subject":"bench 1-${i}","size":4${i}}`));
  }
  assert.equal(seen.size, 200_000);
  assert.notEqual(fingerprint('a'.repeat(40)), fingerprint('a'.repeat(41)));
  for (const f of seen) assert.ok(Number.isSafeInteger(f) && f >= 0, `${f} is a non-negative safe integer`);
});

test('sightings count per fingerprint, forget one on delete, and start again once the limit is reached', () => {
  const s = new Sightings(3);
  const [a, b, c, d] = ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc', 'dddddddddd'].map(fingerprint);
  assert.equal(s.get(a), 0);
  s.set(a, 1);
  s.set(a, 2);
  s.set(b, 1);
  assert.equal(s.get(a), 2);
  s.delete(b);
  assert.equal(s.get(b), 0);
  s.set(b, 1);
  s.set(c, 1);
  s.set(c, 2); // already counted: no new start at the limit
  assert.equal(s.get(a), 2);
  s.set(d, 1); // a fourth: the count starts again
  assert.deepEqual([s.get(a), s.get(b), s.get(c), s.get(d)], [0, 0, 0, 1]);
});
