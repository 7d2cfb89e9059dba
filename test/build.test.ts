/**
 * scripts/build.js and bin/mailtrail.js: the command runs compiled JavaScript from dist/, built from the
 * sources it finds and never from a stale build. Each test works on a copy of the installation (bin,
 * scripts, src, config, migrations, package.json; node_modules linked) in a temporary directory, so it can
 * edit and break sources without touching the repository's.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ParseThreadModule from '../src/bounces/parse-thread.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function copyInstallation(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailtrail-build-'));
  for (const part of ['bin', 'scripts', 'src', 'config', 'migrations', 'package.json'])
    cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function mailtrail(dir: string, args: string[]) {
  return spawnSync(process.execPath, [path.join(dir, 'bin/mailtrail.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
}

const builds = (dir: string) => readdirSync(path.join(dir, 'dist')).filter((n) => !n.startsWith('.'));

test('a checkout runs from a build made on first use, and an edit of src/ is built before the next run', (t) => {
  const dir = copyInstallation();
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const first = mailtrail(dir, ['--help']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^usage: mailtrail <command>/);
  const [built] = builds(dir);
  assert.ok(built, 'a build in dist/');
  assert.ok(readFileSync(path.join(dir, 'dist', built, 'cli/main.js'), 'utf8').includes('usage: mailtrail <command>'), 'the CLI compiled to JavaScript');
  assert.ok(readFileSync(path.join(dir, 'dist', built, 'web/assets/style.css')).length > 0, 'assets copied beside the code');

  const again = mailtrail(dir, ['--help']);
  assert.equal(again.stdout, first.stdout);
  assert.deepEqual(builds(dir), [built], 'unchanged sources reuse their build');

  const main = path.join(dir, 'src/cli/main.ts');
  writeFileSync(main, readFileSync(main, 'utf8').replace("'usage: mailtrail <command> [options]'", "'usage: mailtrail <command> [options] (edited)'"));
  const edited = mailtrail(dir, ['--help']);
  assert.equal(edited.status, 0, edited.stderr);
  assert.match(edited.stdout, /^usage: mailtrail <command> \[options\] \(edited\)$/m, 'the edit runs, not the old build');
  assert.equal(builds(dir).length, 2, 'a new build beside the old one');
});

test('a build a running command uses is kept through later builds, and pruned once it stopped', { timeout: 120_000 }, async (t) => {
  const dir = copyInstallation();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(mailtrail(dir, ['migrate']).status, 0);
  const [first] = builds(dir);
  // A long-running command (a relay would do the same): `tail` follows the log until it is stopped.
  const tail = spawn(process.execPath, [path.join(dir, 'bin/mailtrail.js'), 'tail'], { cwd: dir, stdio: 'ignore' });
  t.after(() => tail.kill('SIGKILL'));
  const marker = path.join(dir, 'dist', first!, '.in-use', String(tail.pid));
  for (let i = 0; i < 200 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(marker), 'the running command names itself in its build');
  // Four edits (a pull, a deploy), each run: more builds than are kept.
  const main = path.join(dir, 'src/cli/main.ts');
  const edit = (n: number) => {
    writeFileSync(main, `${readFileSync(main, 'utf8')}\n// edit ${n}\n`);
    assert.equal(mailtrail(dir, ['--help']).status, 0);
  };
  for (let n = 1; n <= 4; n++) edit(n);
  assert.equal(builds(dir).length, 5);
  assert.ok(builds(dir).includes(first!), "the running command's build is still there");
  tail.kill('SIGTERM');
  await once(tail, 'exit');
  assert.ok(!existsSync(marker), 'the marker goes with the process');
  edit(5);
  assert.ok(!builds(dir).includes(first!), 'no longer in use: pruned');
  assert.equal(builds(dir).length, 4, 'the newest and three more');
});

test('sources that do not compile stop the command with exit status 1 and say what failed', (t) => {
  const dir = copyInstallation();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'src/thread-entry.ts'), 'export function threadEntry( {\n');

  const run = mailtrail(dir, ['--help']);
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /thread-entry\.ts/, "esbuild's error names the file");
  assert.match(run.stderr, /mailtrail: cannot run: compiling src\/ into .*dist failed/);
  assert.deepEqual(builds(dir), [], 'no half-made build left to run');
});

test('the bounce-parse thread starts from the compiled code of a build, without tsx', async (t) => {
  const dir = copyInstallation();
  // Without its tsx entry, a build that still started the thread from there would fail here.
  rmSync(path.join(dir, 'src/bounces/parse-worker-entry.js'));
  const built = spawnSync(process.execPath, [path.join(dir, 'scripts/build.js')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(built.status, 0, built.stderr);
  const { createParseThread } = (await import(pathToFileURL(path.join(built.stdout.trim(), 'bounces/parse-thread.js')).href)) as typeof ParseThreadModule;
  const thread = createParseThread({ timeoutMs: 10_000, memoryMb: 64 });
  t.after(async () => {
    await thread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const result = await thread.parse(readFileSync(path.join(ROOT, 'test/bounces/fixtures/exim.eml')), { maxParts: 100, maxDepth: 5, maxRecipients: 100 });
  assert.equal(result.error ?? null, null, 'parsed without error');
  assert.equal(result.kind, 'bounce');
  assert.deepEqual(
    result.recipients.map((r) => [r.address, r.status]),
    [['heidi@example.net', '5.1.1']],
  );

  // A thread that cannot start (its code gone) has not read the mail: the parse is refused, not answered
  // "unparsable", so the processor leaves the mail for the next start.
  await thread.close();
  await assert.rejects(thread.parse(Buffer.from('x'), { maxParts: 1, maxDepth: 1, maxRecipients: 1 }), { name: 'ParserUnavailable', message: /closed/ });
  rmSync(path.join(built.stdout.trim(), 'bounces/parse-worker.js'));
  const broken = createParseThread({ timeoutMs: 10_000, memoryMb: 64 });
  t.after(() => broken.close());
  await assert.rejects(broken.parse(Buffer.from('x'), { maxParts: 1, maxDepth: 1, maxRecipients: 1 }), {
    name: 'ParserUnavailable',
    message: /could not start/,
  });
});
