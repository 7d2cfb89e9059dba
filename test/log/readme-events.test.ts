/**
 * Every `event` name the code logs is in README's log schema table: ops build alerts on these names, so
 * a new one must be documented. The names are read from the sources (`event: 'name'`); the few built
 * from a template are listed with the names they make.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `event: \`webhook.${…}\`` in src/webhooks/dispatcher.ts: the states it can take. */
const TEMPLATED: Record<string, string[]> = { 'webhook.${': ['webhook.retry', 'webhook.delivered', 'webhook.failed'] };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every event name logged in src/ has a row in the README log schema', () => {
  const names = new Set<string>();
  for (const file of sources(path.join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/event: '([a-z_]+\.[a-z_]+)'/g)) names.add(m[1]!);
    for (const m of text.matchAll(/event: `([^`]*)`/g)) {
      const known = Object.entries(TEMPLATED).find(([prefix]) => m[1]!.startsWith(prefix));
      assert.ok(known, `${file}: a templated event name this test does not know: ${m[1]}`);
      for (const n of known[1]) names.add(n);
    }
  }
  assert.ok(names.size > 40, `found only ${names.size} names: the pattern no longer matches the code`);
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const schema = readme.slice(readme.indexOf('## Log schema'), readme.indexOf('\n## ', readme.indexOf('## Log schema') + 5));
  const missing = [...names].filter((n) => !schema.includes(`\`${n}\``)).sort();
  assert.deepEqual(missing, [], 'add these to README "Log schema"');
});
