import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSessionId } from '../../src/listener/session-id.js';

test('session ids have smtp-server’s own shape (16 base-32 digits) and do not repeat', () => {
  const seen = new Set<string>();
  const firstDigits = new Set<string>();
  // More than one 4 KB pool's worth, so a refill is crossed.
  for (let i = 0; i < 2000; i++) {
    const id = newSessionId();
    assert.match(id, /^[0-9a-v]{16}$/);
    assert.ok(!seen.has(id), `id ${id} repeated`);
    seen.add(id);
    firstDigits.add(id[0]);
  }
  // The 80 bits fill all 16 digits: the leading digit is as random as the others (no fixed zero padding).
  assert.ok(firstDigits.size > 20, `only ${firstDigits.size} distinct leading digits`);
});
