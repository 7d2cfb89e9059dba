/** GrowingBuffer: the bytes appended, in order, whatever the sizes of the chunks. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { GrowingBuffer } from '../../src/listener/growing-buffer.js';

test('chunks of any size come out as one buffer, byte for byte, across many doublings', () => {
  const g = new GrowingBuffer(16);
  const chunks: Buffer[] = [];
  for (const size of [0, 1, 15, 16, 17, 1000, 65_536, 3, 300_000, 7]) {
    const c = randomBytes(size);
    chunks.push(c);
    g.append(c);
  }
  const all = Buffer.concat(chunks);
  assert.equal(g.length, all.length);
  assert.ok(g.bytes().equals(all));
});

test('a chunk larger than twice the buffer is taken in one step', () => {
  const g = new GrowingBuffer(4);
  const big = randomBytes(1_000);
  g.append(Buffer.from('ab'));
  g.append(big);
  assert.ok(g.bytes().equals(Buffer.concat([Buffer.from('ab'), big])));
});
