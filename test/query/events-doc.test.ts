import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EVENT_KINDS } from '../../src/types.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/events.md');

test('docs/events.md has a row for every event kind, and none that does not exist', () => {
  const text = readFileSync(DOC, 'utf8');
  const rows = [...text.matchAll(/^\| `([a-z-]+)`(?: \([^)]*\))? \|/gm)].map((m) => m[1]);
  const kinds = new Set(rows.filter((k) => !k.includes('category') && (EVENT_KINDS as readonly string[]).includes(k)));
  for (const kind of EVENT_KINDS) assert.ok(kinds.has(kind), `docs/events.md does not describe ${kind}`);
  const table = text.slice(text.indexOf('## Kinds'), text.indexOf('## Bounce categories'));
  const documented = [...table.matchAll(/^\| `([a-z-]+)`/gm)].map((m) => m[1]);
  for (const k of documented) assert.ok((EVENT_KINDS as readonly string[]).includes(k), `docs/events.md describes unknown kind ${k}`);
});
