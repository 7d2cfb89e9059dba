/**
 * Sentences of the docs that once said the opposite of what the code does. The behaviour itself is
 * proven elsewhere (test/e2e/relay.test.ts: a 550 5.1.1 at RCPT lists the address, and a late bounce
 * sends the sender a failure notice); this keeps the docs from drifting back.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8').replace(/\s+/g, ' ');

test('docs/bounces.md: a hard 5xx during delivery suppresses the address', () => {
  const bounces = doc('bounces.md');
  assert.doesNotMatch(bounces, /during delivery[^.]*does \*\*not\*\* add the address/);
  assert.match(bounces, /hard bounce, whether received during delivery \(e\.g\. `550 5\.1\.1` at RCPT/);
});

test('docs/delivery.md: a late bounce produces a failure notice to the sender', () => {
  const delivery = doc('delivery.md');
  assert.doesNotMatch(delivery, /do not produce a DSN from mailtrail/);
  assert.match(delivery, /A bounce that comes back later by mail .* produces a failure DSN to the sender too/);
});
