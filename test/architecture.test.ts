/**
 * The architecture, checked: every import between the parts under src/ goes down the order below, so the
 * walk of a Message-ID from submission to trace crosses each part once, forwards, and no part reaches back
 * into one that calls it. A part is a folder under src/ (src/main.ts and src/types.ts count as parts of
 * their own). Type-only imports count too: they tie the parts together as much as calls do. Then what
 * README and docs/guarantees.md promise of the store and the queue: only src/store opens a database
 * driver or holds SQL, only its opener picks a backend, and only the queue changes delivery state.
 * Each failure names the file and the import (or line) that breaks the rule.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');

/**
 * From the top down; a part imports only parts in the rows below its own. Read downward, the rows are the
 * faces over the read side, the read side, then the write side in the order a message walks it (each stage
 * calls the next), then what every stage stands on:
 * - faces: `mailtrail` (its `start` runs main), main (the one wiring place), the web page (on the API's
 *   actions and schemas), the API;
 * - beside the walk: `mailtrail doctor`, and the followers of the event feed (metrics, webhooks) and the
 *   purge (retention), each reading the store;
 * - the read side: query, the fate of a message from what every stage recorded;
 * - bounces, late news of a message: parsed, correlated, and a recipient's state moved through the
 *   queue's transitions (the queue is the sole owner of delivery state, so bounces sit above it);
 * - submission, the first stage, on its front door (listener) with passwords (auth) and certificates
 *   (tls), which the bounce listener shares;
 * - the queue, above intake and dsn: a DSN notice is a message like any other, composed by dsn and
 *   submitted through intake; intake signs (dkim) and commits; beside dsn, tlsrpt: TLS sessions counted
 *   from an attempt's phases (for the queue) and the daily TLS reports, mailed through intake;
 * - delivery, then routing: the deliverer resolves the next hop at the start of each attempt (as Postfix's
 *   smtp(8) looks up MX hosts itself), so routing is below it, not above as in a naive reading of the
 *   walk; delivery classifies each reply;
 * - classify (reply → category), verp (return-path tokens made by the queue, checked by bounces),
 *   suppression (checked at intake, added by the queue and bounces), message (the header section of
 *   RFC 5322 text, shared by intake, DKIM signing, DSNs and the message page);
 * - store, then config, at the bottom; below them only leaves that import no part (among them heap, the
 *   young generation's sizing that `mailtrail start` sets).
 */
const ORDER: readonly (readonly string[])[] = [
  ['cli'],
  ['main'],
  ['web'],
  ['api'],
  ['doctor', 'metrics', 'webhooks', 'retention'],
  ['query'],
  ['bounces'],
  ['submission'],
  ['listener', 'auth', 'tls'],
  ['queue'],
  ['dsn', 'tlsrpt'],
  ['intake'],
  ['dkim'],
  ['delivery'],
  ['routing'],
  ['log'],
  ['classify', 'verp', 'suppression', 'message'],
  ['store'],
  ['config'],
  ['retry', 'types', 'root', 'thread-entry', 'heap'],
];

/**
 * Helpers every part may import whatever its row: the glossary and closed sets (types), the logger (log),
 * the backoff schedule (retry). Their own imports follow the order like everyone's.
 */
const HELPERS = new Set(['types', 'log', 'retry']);

/** Imports that go up the order, each with its reason. None today; add one only with the reason and a plan. */
const EXCEPTIONS: ReadonlyMap<string, string> = new Map([]);

interface Import {
  file: string;
  /** As written: `../store/sqlite/index.js`, `pg`. */
  spec: string;
  /** For a relative import: the file it names, relative to the repository; null for a package. */
  target: string | null;
  from: string;
  /** The part it names, or null for a package. */
  to: string | null;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|js)$/.test(e.name) ? [p] : [];
  });
}

function partOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? rel[0]!.replace(/\.(d\.)?(ts|js)$/, '') : rel[0]!;
}

/** Static imports and re-exports (`import … from`, `import '…'`, `export … from`) and dynamic `import('…')`. */
const STATIC = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    const rel = path.relative(ROOT, file);
    if (!spec.startsWith('.')) return void found.push({ file: rel, spec, target: null, from: partOf(file), to: null, typeOnly });
    const target = path.resolve(path.dirname(file), spec);
    if (!target.startsWith(SRC + path.sep)) return;
    found.push({ file: rel, spec, target: path.relative(ROOT, target), from: partOf(file), to: partOf(target), typeOnly });
  };
  for (const m of text.matchAll(STATIC)) add(m[3]!, m[2] !== undefined);
  for (const m of text.matchAll(DYNAMIC)) add(m[1]!, false);
  return found;
}

const files = sourceFiles(SRC);
const all = files.flatMap(importsOf);
const imports = all.filter((i) => i.to !== null) as (Import & { to: string; target: string })[];
const rowOf = new Map(ORDER.flatMap((row, i) => row.map((part) => [part, i] as const)));
const show = (i: Import) => `${i.file}: import ${i.typeOnly ? 'type ' : ''}'${i.spec}'`;

test('the scan sees the imports (a sanity check of the scanner itself)', () => {
  assert.ok(files.length > 150, `${files.length} files under src/`);
  const between = imports.filter((i) => i.from !== i.to);
  assert.ok(between.length > 200, `${between.length} imports between parts`);
  // Multi-line, type-only and re-export forms, dynamic imports and packages are all read.
  assert.ok(between.some((i) => i.file === 'src/api/actions.ts' && i.to === 'queue' && i.typeOnly));
  assert.ok(between.some((i) => i.file === 'src/main.ts' && i.to === 'webhooks'));
  assert.ok(between.some((i) => i.file === 'src/submission/listener.ts' && i.to === 'intake'));
  assert.ok(all.some((i) => i.file === 'src/store/index.ts' && i.spec === './postgres/index.js'));
  assert.ok(all.some((i) => i.spec === 'better-sqlite3') && all.some((i) => i.spec === 'pg'));
});

test('every part under src/ has its place in the order, and the order names no part that is gone', () => {
  const parts = new Set(files.map(partOf));
  const unplaced = [...parts].filter((p) => !rowOf.has(p));
  assert.deepEqual(unplaced, [], 'a new part: decide its row in ORDER (test/architecture.test.ts) and name it in README "Architecture"');
  const gone = [...rowOf.keys()].filter((p) => !parts.has(p));
  assert.deepEqual(gone, []);
});

test('every import between parts goes down the order (or to a helper)', () => {
  const backwards = imports
    .filter((i) => i.from !== i.to && !HELPERS.has(i.to))
    .filter((i) => rowOf.get(i.from)! >= rowOf.get(i.to)!)
    .filter((i) => !EXCEPTIONS.has(`${i.from} -> ${i.to}`))
    .map((i) => `${show(i)}: ${i.from} is ${rowOf.get(i.from) === rowOf.get(i.to) ? 'in the same row as' : 'below'} ${i.to}`);
  assert.deepEqual(backwards, []);
});

test('no cycle between parts, helpers included: each part is crossed once', () => {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) if (i.from !== i.to) (edges.get(i.from) ?? edges.set(i.from, new Set()).get(i.from)!).add(i.to);
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (part: string, trail: string[]) => {
    if (state.get(part) === 'done') return;
    if (state.get(part) === 'open') return void cycles.push([...trail.slice(trail.indexOf(part)), part].join(' -> '));
    state.set(part, 'open');
    for (const next of edges.get(part) ?? []) visit(next, [...trail, part]);
    state.set(part, 'done');
  };
  for (const part of edges.keys()) visit(part, []);
  // One import going the wrong way closes many cycles: the first few say where; the test above names the import.
  assert.equal(cycles.length, 0, `${cycles.length} cycles between parts, among them:\n${cycles.slice(0, 5).join('\n')}`);
});

test('a database driver is opened only by its backend: better-sqlite3 in src/store/sqlite, pg in src/store/postgres', () => {
  const drivers: [RegExp, string][] = [
    [/^better-sqlite3$/, 'src/store/sqlite/'],
    [/^pg(-[a-z-]+)?$/, 'src/store/postgres/'],
  ];
  const misplaced = all
    .filter((i) => drivers.some(([name, home]) => name.test(i.spec) && !i.file.startsWith(home)))
    .map((i) => `${show(i)}: only ${drivers.find(([n]) => n.test(i.spec))![1]} may`);
  assert.deepEqual(misplaced, []);
});

test('a backend is chosen in one place: only src/store/index.ts imports src/store/sqlite or postgres from outside them', () => {
  const backend = (f: string) => /^src\/store\/(sqlite|postgres)\//.exec(f)?.[1] ?? null;
  const reaching = imports
    .filter((i) => backend(i.target) !== null && backend(i.target) !== backend(i.file) && i.file !== 'src/store/index.ts')
    .map((i) => `${show(i)}: reaches into the ${backend(i.target)} backend; go through the Store interface (src/store/store.ts)`);
  assert.deepEqual(reaching, []);
});

test('SQL is written only under src/store', () => {
  const SQL = /\b(?:INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|SELECT\s[^'"`;]*?\sFROM\s+\w+|CREATE\s+(?:TABLE|INDEX))\b/;
  const outside = files
    .filter((f) => !path.relative(SRC, f).startsWith(`store${path.sep}`))
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, n) => ({ f, line, n })),
    )
    .filter(({ line }) => SQL.test(line) && !/^\s*(\/\/|\*)/.test(line))
    .map(({ f, line, n }) => `${path.relative(ROOT, f)}:${n + 1}: ${line.trim().slice(0, 120)}`);
  assert.deepEqual(outside, []);
});

test("only the queue changes delivery state: the Store's `queue` operations are used under src/queue alone", () => {
  const users = files
    .filter((f) => !['queue', 'store'].includes(partOf(f)))
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, n) => ({ f, line, n })),
    )
    .filter(({ line }) => /\.queue\??\.\w/.test(line) || /\{[^}]*\bqueue\b[^}]*\}\s*=\s*\w*store\b/i.test(line))
    .map(({ f, line, n }) => `${path.relative(ROOT, f)}:${n + 1}: ${line.trim().slice(0, 120)}: ask src/queue (its transitions and control) instead`);
  assert.deepEqual(users, []);
});

test("README's architecture table names every part under src/", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Architecture'), readme.indexOf('\n## ', readme.indexOf('## Architecture') + 1));
  const named = new Set([...section.matchAll(/`src\/([a-z-]+)(?:\.ts)?`/g)].map((m) => m[1]!));
  const parts = [...new Set(files.map(partOf))].sort();
  assert.deepEqual(
    parts.filter((p) => !named.has(p)),
    [],
    'name the part in README "Architecture", in its row of the order',
  );
});
