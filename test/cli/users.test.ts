/**
 * `mailtrail users` and `mailtrail tokens add` as a new operator meets them: --help says where the
 * password comes from and how long it must be, and what `add` prints names the database written, since a
 * command run without --config writes to the dev config's database rather than the relay's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../e2e/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-users-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = path.join(dir, 'mailtrail.yaml');
writeFileSync(config, 'database: { path: data/q.db }\n');
const database = path.join(dir, 'data/q.db');

test('users --help names the password sources, the minimum length and where accounts live', async () => {
  const help = await runCli(['users', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: mailtrail users add NAME --domains/);
  assert.match(help.stdout, /at least 12 characters/);
  assert.match(help.stdout, /\$MAILTRAIL_PASSWORD, else from stdin \(--password-stdin/);
  assert.match(help.stdout, /--config FILE, else \$MAILTRAIL_CONFIG/);
});

test('users add and tokens add name the database they wrote to; a short password says the minimum', async () => {
  const short = await runCli(['users', 'add', 'app', '--domains', 'example.com', '--config', config], { env: { MAILTRAIL_PASSWORD: 'short' } });
  assert.equal(short.code, 2);
  assert.equal(short.stderr, 'mailtrail: users add: the password must have at least 12 characters\n');

  const added = await runCli(['users', 'add', 'app', '--domains', 'example.com', '--config', config], {
    env: { MAILTRAIL_PASSWORD: 'a-long-enough-password' },
  });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout, `added user app (may send from: example.com) in ${database}\n`);
  const listed = await runCli(['users', 'list', '--config', config]);
  assert.match(listed.stdout, /^app\texample\.com\t/);

  const token = await runCli(['tokens', 'add', 'ops', '--scope', 'read', '--config', config]);
  assert.equal(token.code, 0, token.stderr);
  assert.match(token.stdout, /^mt_\S+\n$/);
  assert.match(token.stderr, new RegExp(`^added read token ops in ${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. It is shown only this once`));
});

test('a command without --config that would make a new database from the dev default says so, once', async () => {
  // The dev default's database is moved by the environment, so the repository's own data/ is untouched.
  const env = { MAILTRAIL_DATABASE__PATH: path.join(dir, 'dev-default/mailtrail.db') };
  const first = await runCli(['users', 'list'], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /^mailtrail: no --config or MAILTRAIL_CONFIG, so this uses the development config \(.*config\/mailtrail\.dev\.yaml\)/);
  assert.ok(first.stderr.includes(`a new database at ${env.MAILTRAIL_DATABASE__PATH}; give your relay's config with --config FILE`), first.stderr);
  const again = await runCli(['users', 'list'], { env });
  assert.equal(again.stderr, '', 'the database exists now: nothing to warn about');
  // A config given explicitly is the operator's choice: a new database there is no surprise.
  writeFileSync(path.join(dir, 'other.yaml'), 'database: { path: other/q.db }\n');
  const chosen = await runCli(['users', 'list', '--config', path.join(dir, 'other.yaml')]);
  assert.equal(chosen.code, 0, chosen.stderr);
  assert.equal(chosen.stderr, '');
});

test('a database.path that cannot be made or opened exits 1 with one line naming database.path, no stack trace', async () => {
  // Its parent is a regular file: mkdir fails with ENOTDIR, as root too (EACCES would not, for root).
  writeFileSync(path.join(dir, 'a-file'), 'not a directory\n');
  writeFileSync(path.join(dir, 'under-file.yaml'), 'database: { path: a-file/sub/q.db }\n');
  const res = await runCli(['users', 'list', '--config', path.join(dir, 'under-file.yaml')]);
  assert.equal(res.code, 1, res.stderr);
  assert.equal(
    res.stderr,
    `mailtrail: cannot create ${path.join(dir, 'a-file/sub')}, the directory of database ${path.join(dir, 'a-file/sub/q.db')} (ENOTDIR): check database.path, and that the user running mailtrail may write there\n`,
  );
  // A directory where the file should be: SQLite cannot open it.
  writeFileSync(path.join(dir, 'is-dir.yaml'), `database: { path: ${dir} }\n`);
  const opened = await runCli(['users', 'list', '--config', path.join(dir, 'is-dir.yaml')]);
  assert.equal(opened.code, 1, opened.stderr);
  assert.match(opened.stderr, /^mailtrail: cannot open database .*: .*; check database\.path\n$/);
  // A file that is not SQLite at all.
  writeFileSync(path.join(dir, 'not-sqlite.db'), 'this is a text file, not a database\n'.repeat(200));
  writeFileSync(path.join(dir, 'not-sqlite.yaml'), 'database: { path: not-sqlite.db }\n');
  const garbage = await runCli(['users', 'list', '--config', path.join(dir, 'not-sqlite.yaml')]);
  assert.equal(garbage.code, 1, garbage.stderr);
  assert.equal(
    garbage.stderr,
    `mailtrail: database.path ${path.join(dir, 'not-sqlite.db')} is not a SQLite database (file is not a database): point database.path at a mailtrail database, or move that file away\n`,
  );
});

test('users add takes an internationalised domain and stores it as the A-label MAIL FROM is compared with', async () => {
  const res = await runCli(['users', 'add', 'idn', '--domains', 'Bücher.de,example.org.', '--config', config], {
    env: { MAILTRAIL_PASSWORD: 'a-long-enough-password' },
  });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^added user idn \(may send from: xn--bcher-kva\.de, example\.org\)/);
});
