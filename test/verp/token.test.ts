/** VERP tokens (src/verp/token.ts): made, read back in any case, refused when forged, found inside a report. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVerpAddress, verpAddress, verpTargetsIn } from '../../src/verp/token.js';

const SECRET = 'a-test-secret-0123456789';

test('a token reads back in any case; a changed, truncated or foreign one does not', () => {
  const a = verpAddress(SECRET, 'Bounces.Example.com', { recipientId: 12345 });
  assert.match(a, /^b\+[0-9a-z]+-[a-z2-7]{16}@bounces\.example\.com$/);
  assert.deepEqual(parseVerpAddress(SECRET, a.toUpperCase()), { recipientId: 12345 });
  const forged = a.replace(/-(.)/, (_m, c: string) => `-${c === 'a' ? 'b' : 'a'}`);
  assert.equal(parseVerpAddress(SECRET, forged), null);
  assert.equal(parseVerpAddress(SECRET, a.replace(/@/, 'x@')), null);
  assert.equal(parseVerpAddress('another-secret-0123456789', a), null);
});

test("tokens written in a report (the returned message's Return-Path) are found and verified; forged ones and repeats are not counted", () => {
  const one = verpAddress(SECRET, 'b.example', { recipientId: 7 });
  const two = verpAddress(SECRET, 'b.example', { recipientId: 8 });
  const forged = one.replace(/-(.)/, (_m, c: string) => `-${c === 'a' ? 'b' : 'a'}`);
  const report = `Feedback-Type: abuse\r\n\r\nReturn-Path: <${forged}>\r\nReturn-Path: <${one.toUpperCase()}>\r\nX-Copy: ${one} ${two}\r\n`;
  assert.deepEqual(verpTargetsIn(SECRET, report), [{ recipientId: 7 }, { recipientId: 8 }]);
  assert.deepEqual(verpTargetsIn(SECRET, 'nothing here b+@x'), []);
});
