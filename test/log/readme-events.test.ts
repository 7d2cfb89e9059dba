/**
 * Every `event` of the log schema (src/log/records.ts, which the compiler holds every log call to) has
 * a row in README's log schema table: ops build alerts on these names, so a new one must be documented.
 * That the compiler refuses a line outside the schema is checked by `npm run typecheck` on
 * ./schema-types.check.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LOG_EVENTS } from '../../src/log/records.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('every event of the log schema has a row in the README log schema', () => {
  const names = Object.keys(LOG_EVENTS);
  assert.ok(names.length > 60, `only ${names.length} events: is src/log/records.ts complete?`);
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const schema = readme.slice(readme.indexOf('## Log schema'), readme.indexOf('\n## ', readme.indexOf('## Log schema') + 5));
  const missing = names.filter((n) => !schema.includes(`\`${n}\``)).sort();
  assert.deepEqual(missing, [], 'add these to README "Log schema"');
});
