/**
 * src/listener/roster.ts: a Map's operations on an array that reuses its slots, and the reason for it:
 * sessions deleted from it are not kept alive through scavenges by tables V8 left behind (a Set's are).
 * The GC case runs in node processes of their own (V8's flags, a heap of its own).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Roster } from '../../src/listener/roster.js';
import { assertPromotedOnlyByControl, controlPromoted, promotedDuringChurn } from '../helpers/promoted.js';

const SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/listener/roster.ts');

test('a roster gets, replaces and deletes by id; the last entry moves into a hole', () => {
  const r = new Roster<{ n: number }>();
  for (let n = 0; n < 5; n++) r.set(`s${n}`, { n });
  assert.equal(r.size, 5);
  assert.equal(r.delete('s1'), true);
  assert.equal(r.delete('s1'), false, 'a second delete finds nothing');
  assert.equal(r.get('s1'), undefined);
  assert.equal(r.has('s1'), false);
  assert.deepEqual(
    [...r.values()].map((v) => v.n),
    [0, 4, 2, 3],
  );
  assert.equal(r.get('s4')?.n, 4, 'the moved entry is still found by its id');
  r.set('s4', { n: 40 });
  assert.equal(r.size, 4, 'setting an id again replaces its value');
  assert.equal(r.get('s4')?.n, 40);
  assert.equal(r.delete('s3'), true, 'deleting the last entry moves nothing');
  assert.deepEqual(
    [...r.values()].map((v) => v.n),
    [0, 40, 2],
  );
});

test('deleting every entry while iterating the roster skips none', () => {
  const r = new Roster<string>();
  for (let n = 0; n < 10; n++) r.set(`s${n}`, `s${n}`);
  const seen: string[] = [];
  for (const id of r.values()) {
    seen.push(id);
    r.delete(id);
  }
  assert.equal(seen.length, 10);
  assert.equal(r.size, 0);
});

/**
 * In a fresh node: 20 sessions of about 10 KB open at a time, each replaced by a new one 30,000 times, as
 * connections are under a connection-per-message load; the structure that tracks them is made first and left
 * to age into the old generation, as the relay's are. Returns the bytes V8 promoted during the churn.
 */
function promotedBytes(kind: 'Set' | 'Roster'): number {
  const script = `
    const kind = ${JSON.stringify(kind)};
    const open = kind === 'Set' ? new Set() : new Roster();
    const fifo = [];
    let id = 0;
    const step = () => {
      const s = { id: 's' + ++id, parts: Array.from({ length: 150 }, (_, i) => ({ i })) };
      if (kind === 'Set') open.add(s); else open.set(s.id, s);
      fifo.push(s);
      if (fifo.length > 20) {
        const old = fifo.shift();
        if (kind === 'Set') open.delete(old); else open.delete(old.id);
      }
    };
  `;
  return promotedDuringChurn(SOURCE, script);
}

test('sessions deleted from a roster are not kept through scavenges; from a Set they are (V8 20.x behaviour)', (t) => {
  const set = controlPromoted(() => promotedBytes('Set'));
  const roster = promotedBytes('Roster');
  t.diagnostic(`promoted during the churn: Set ${set} bytes, roster ${roster} bytes`);
  assertPromotedOnlyByControl({ name: 'Set', bytes: set }, { name: 'roster', bytes: roster }, 'the roster is not needed');
});
