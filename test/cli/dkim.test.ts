/**
 * `mailtrail dkim` as an operator runs it (subprocesses on a temp database): a second key of a domain waits
 * until activated (so a rotation never signs with an unpublished key), list/record/remove, and a config key
 * file that cannot sign stops every command with exit 2 naming the key.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../e2e/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-dkim-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = path.join(dir, 'mailtrail.yaml');
writeFileSync(config, 'database: { path: q.db }\n');
const dkim = (...args: string[]) => runCli(['dkim', ...args, '--config', config]);
type Row = { domain: string; selector: string; algorithm: string; state: string; source: string; record: string };
const list = async () =>
  (await dkim('list', '--json')).stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);

test('the first key signs at once; a second of the same algorithm waits for activate; remove deletes', async () => {
  const first = await dkim('keygen', 'Shop.TEST', '--selector', 'a1');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^a1\._domainkey\.shop\.test\. 3600 IN TXT \( "v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/]+" "[A-Za-z0-9+/=]+" \)\n$/);
  const second = await dkim('keygen', 'shop.test', '--selector', 'a2');
  assert.equal(second.code, 0);
  assert.match(second.stderr, /already has an active rsa-sha256 key, which keeps signing: publish the record above.*mailtrail dkim activate shop\.test a2/s);
  const ed = await dkim('keygen', 'shop.test', '--algorithm', 'ed25519');
  assert.match(ed.stdout, /^mt-\d{8}-ed\._domainkey\.shop\.test\. 3600 IN TXT \( "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=" \)\n$/);
  assert.deepEqual(
    (await list()).map((r) => [r.selector.replace(/\d{8}/, 'DATE'), r.algorithm, r.state]),
    [
      ['a1', 'rsa-sha256', 'active'],
      ['a2', 'rsa-sha256', 'waiting'],
      ['mt-DATE-ed', 'ed25519-sha256', 'active'],
    ],
  );

  assert.equal((await dkim('activate', 'shop.test', 'a2')).code, 0);
  assert.deepEqual(
    (await list()).filter((r) => r.algorithm === 'rsa-sha256').map((r) => [r.selector, r.state]),
    [
      ['a1', 'waiting'],
      ['a2', 'active'],
    ],
  );
  const record = await dkim('record', 'shop.test');
  assert.equal(record.stdout.trim().split('\n').length, 3);

  assert.equal((await dkim('keygen', 'shop.test', '--selector', 'a1')).code, 1, 'a selector is not reused');
  assert.equal((await dkim('remove', 'shop.test', 'a1')).code, 0);
  assert.equal((await dkim('remove', 'shop.test', 'a1')).code, 1);
  assert.deepEqual(
    (await list()).map((r) => r.selector).filter((s) => s.startsWith('a')),
    ['a2'],
  );
  const bad = await dkim('keygen', 'not a domain');
  assert.equal(bad.code, 2);
});

test('removing the active key while another of its algorithm waits says that mail now goes without that signature, and which to activate', async () => {
  await dkim('keygen', 'rotate.test', '--selector', 'r1');
  await dkim('keygen', 'rotate.test', '--selector', 'r2');
  const removed = await dkim('remove', 'rotate.test', 'r1');
  assert.equal(removed.code, 0);
  assert.match(
    removed.stderr,
    /mail from rotate\.test now goes without an rsa-sha256 signature; once its DNS record is published, `mailtrail dkim activate rotate\.test r2`/,
  );
  const last = await dkim('remove', 'rotate.test', 'r2');
  assert.equal(last.stderr, '', 'a waiting key removed changes no signature');
});

test('a config key file: listed as active from config; unreadable or not a key → exit 2 naming the key', async () => {
  const pem = path.join(dir, 'k.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', pem]);
  const withKey = path.join(dir, 'with-key.yaml');
  writeFileSync(withKey, `database: { path: q.db }\ndkim:\n  keys:\n    - { domain: files.test, selector: f1, private_key_file: k.pem }\n`);
  const r = await runCli(['dkim', 'list', '--json', '--config', withKey]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.split('\n')[0]), {
    ...JSON.parse(r.stdout.split('\n')[0]),
    domain: 'files.test',
    selector: 'f1',
    algorithm: 'ed25519-sha256',
    state: 'active',
    source: 'config',
  });

  writeFileSync(path.join(dir, 'bad.pem'), 'not a key\n');
  for (const [file, why] of [
    ['missing.pem', /cannot read .*missing\.pem \(ENOENT\)/],
    ['bad.pem', /bad\.pem is not a PEM private key/],
  ] as const) {
    const cfg = path.join(dir, `bad-${file}.yaml`);
    writeFileSync(cfg, `database: { path: q.db }\ndkim:\n  keys:\n    - { domain: files.test, selector: f1, private_key_file: ${file} }\n`);
    const out = await runCli(['dkim', 'list', '--config', cfg]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /^mailtrail: config key dkim\.keys\.0\.private_key_file: /);
    assert.match(out.stderr, why);
  }
});
