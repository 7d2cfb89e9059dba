/**
 * `mailtrail suppressions` in a subprocess against a real database.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { tempStore, type TempStore } from '../bounces/support.js';
import { suppressionList } from '../../src/suppression/list.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/mailtrail.js');
const run = promisify(execFile);
let t: TempStore;
let configFile: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'suppressions', ...args, '--config', configFile], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

before(async () => {
  t = tempStore('mailtrail-suppressions-cli-');
  await t.store.close();
  configFile = path.join(t.dir, 'mailtrail.yaml');
  writeFileSync(configFile, `database:\n  path: ${t.dbPath}\nlog:\n  level: silent\n`);
});
after(() => t.cleanup());

test('add, list, remove: what the operator does by hand, and what intake then sees', async () => {
  const added = await cli('add', 'Someone@Example.com', '--reason', 'asked to stop');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /suppressed someone@example\.com/);

  const long = await cli('add', 'long@example.com', '--reason', 'x'.repeat(501));
  assert.equal(long.code, 2, 'a reason the API would refuse (over 500 characters) is refused here too');
  assert.match(long.stderr, /--reason has 501 characters; at most 500/);
  const [again, listed, bad] = await Promise.all([cli('add', 'someone@example.com'), cli('list', '--json'), cli('add', 'not-an-address')]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /suppressed already \(manual: asked to stop\)/);
  const rows = listed.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((r) => [r.address, r.source, r.reason]),
    [['someone@example.com', 'manual', 'asked to stop']],
  );
  assert.equal(bad.code, 2);

  const store = openSqliteStore({ path: t.dbPath, synchronous: 'FULL', busyTimeoutMs: 2000 });
  try {
    assert.equal(await suppressionList(store).has('SOMEONE@example.com'), true, 'the intake hook sees the CLI entry');
  } finally {
    await store.close();
  }

  const removed = await cli('remove', 'someone@EXAMPLE.com');
  assert.equal(removed.code, 0);
  const [gone, empty] = await Promise.all([cli('remove', 'someone@example.com'), cli('list')]);
  assert.equal(gone.code, 1);
  assert.match(empty.stdout, /no suppressed addresses/);
});

test("list: a hard bounce's reason (a remote server's words) cannot put control characters or extra columns on the terminal", async () => {
  const store = openSqliteStore({ path: t.dbPath, synchronous: 'FULL', busyTimeoutMs: 2000 });
  try {
    await store.suppressions.add({
      address: 'victim@example.net',
      reason: 'hard bounce: 550 \x1b[2Kgone\x07\tcolumn\nline',
      source: 'hard-bounce',
      createdAt: Date.now(),
    });
  } finally {
    await store.close();
  }
  const listed = await cli('list');
  assert.equal(listed.code, 0, listed.stderr);
  const line = listed.stdout.split('\n').find((l) => l.startsWith('victim@example.net'));
  assert.ok(line, listed.stdout);
  assert.equal(line.split('\t').length, 4, 'four columns');
  assert.match(line, /\thard bounce: 550 \?\[2Kgone\?\?column\?line$/);
  await cli('remove', 'victim@example.net');
});
