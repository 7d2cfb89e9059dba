/**
 * `mailtrail start` as `npm start` runs it, on a copy of config/mailtrail.dev.yaml whose listeners and
 * database are moved to temporary values (the real dev ports may be in use by a developer's relay or a
 * parallel test): it starts on a fresh database, says how to add the first user, and stops cleanly on
 * SIGTERM. And the two ways it refuses to start: a bad config (exit 2) and a port in use (exit 1), each
 * with one message naming the key to change and no stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { EXAMPLE_SECRET } from '../../src/config/placeholders.js';
import { createTestCa } from '../helpers/test-ca.js';
import { BIN, ROOT, runCli, startRelayProcess, type RelayProcess } from './cli.js';

const HOST = '127.0.8.1';
const BUSY_HOST = '127.0.8.2';

let dir: string;
const running: RelayProcess[] = [];

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-e2e-start-'));
});

after(async () => {
  for (const r of running) await r.stop(2_000);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Yaml = Record<string, Record<string, unknown>>;

/** config/mailtrail.dev.yaml as parsed, with every listener on HOST and the database in `sub`. */
function devConfigCopy(sub: string, edit: (c: Yaml) => void = () => {}): string {
  const config = parseYaml(readFileSync(path.join(ROOT, 'config/mailtrail.dev.yaml'), 'utf8')) as Yaml;
  const base = path.join(dir, sub);
  // The dev default keeps its database in a folder that need not exist yet (../data): so does the copy.
  config.database = { ...config.database, path: 'data/mailtrail.db' };
  const submission = config.submission as Record<string, Record<string, unknown>>;
  submission.starttls = { ...submission.starttls, host: HOST, port: 12587 };
  submission.implicit_tls = { ...submission.implicit_tls, host: HOST, port: 12465 };
  config.api = { ...config.api, host: HOST, port: 18027 };
  config.bounces = { ...config.bounces, listener: { host: HOST, port: 12025 } };
  edit(config);
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const file = path.join(base, 'mailtrail.yaml');
  writeFileSync(file, `# copy of config/mailtrail.dev.yaml for test/e2e/start.test.ts\n${stringifyYaml(config)}`);
  return file;
}

/** A stack trace line as node prints them. */
const STACK = /^\s+at .+[:(]/m;

test('the dev config (moved to temp ports) starts on a fresh database, hints at `users add`, and stops on SIGTERM with 0', { timeout: 90_000 }, async () => {
  const file = devConfigCopy('fresh');
  const relay = startRelayProcess(file);
  running.push(relay);
  const started = await relay.waitForLine((l) => l.event === 'relay.started', 60_000, 'relay.started');
  assert.equal(started.config_file, file);
  assert.equal(started.database, path.join(path.dirname(file), 'data/mailtrail.db'));
  assert.ok(existsSync(path.join(path.dirname(file), 'data/mailtrail.db')), 'the database was created, folder included');
  assert.deepEqual(started.api, { host: HOST, port: 18027 });
  assert.equal(started.bounces, null, 'bounces are off in the dev config');

  const hint = await relay.waitForLine((l) => l.event === 'relay.no_users', 5_000, 'the no-users hint');
  assert.match(String(hint.msg), /^no users yet: nobody can submit mail\. Add one with: mailtrail users add NAME --domains example\.com --config /);
  assert.ok(String(hint.msg).endsWith(`--config ${file}`), `the hint names the config in force: ${hint.msg}`);

  // It really listens: the submission greeting and the API health check.
  const greeting = await new Promise<string>((resolve, reject) => {
    const s = net.connect(12587, HOST);
    s.once('data', (d) => {
      resolve(d.toString());
      s.end('QUIT\r\n');
    });
    s.once('error', reject);
  });
  assert.match(greeting, /^220 /);
  const health = await fetch(`http://${HOST}:18027/healthz`);
  assert.equal(health.status, 200);

  const exit = await relay.stop(10_000);
  assert.deepEqual(exit, { code: 0, signal: null }, `stderr: ${relay.stderr()}`);
  assert.ok(
    relay.lines.some((l) => l.event === 'relay.stopped'),
    'relay.stopped logged',
  );
  assert.equal(relay.stderr(), '');
});

test('SIGHUP reopens log.file after rotation and reads a renewed certificate; a bad one keeps the old; the relay runs on', { timeout: 90_000 }, async () => {
  const tlsDir = path.join(dir, 'hup-tls');
  mkdirSync(tlsDir, { recursive: true });
  const ca = createTestCa(tlsDir);
  const first = ca.issue(['first.mailtrail.test']);
  const cert = path.join(tlsDir, 'live.pem');
  const key = path.join(tlsDir, 'live.key');
  writeFileSync(cert, first.cert);
  writeFileSync(key, first.key);
  const file = devConfigCopy('hup', (c) => {
    c.submission = { ...c.submission, tls: { cert, key } };
    c.log = { ...c.log, file: 'logs/relay.log', format: 'json' };
  });
  const logFile = path.join(path.dirname(file), 'logs/relay.log');
  const relay = startRelayProcess(file);
  running.push(relay);
  // A SIGHUP while it starts (logrotate does not wait): noted, not fatal, and done once the relay is up. (Before
  // node has run a line of JavaScript, some 50 ms, nothing can catch it.)
  await new Promise((r) => setTimeout(r, 300));
  relay.child.kill('SIGHUP');
  await relay.waitForLine((l) => l.event === 'relay.started', 60_000, 'relay.started');
  await relay.waitForLine((l) => l.event === 'relay.reloaded', 10_000, 'the reload of the early SIGHUP');
  relay.lines.length = 0;
  const served = () =>
    new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: HOST, port: 12465, rejectUnauthorized: false }, () => {
        resolve(s.getPeerX509Certificate()!.subject);
        s.destroy();
      });
      s.once('error', reject);
    });
  assert.match(await served(), /CN=first\.mailtrail\.test/);

  // logrotate: move the file away, then SIGHUP.
  renameSync(logFile, `${logFile}.1`);
  const second = ca.issue(['second.mailtrail.test']);
  writeFileSync(cert, second.cert);
  writeFileSync(key, second.key);
  relay.child.kill('SIGHUP');
  const reloaded = await relay.waitForLine((l) => l.event === 'relay.reloaded', 10_000, 'relay.reloaded');
  assert.equal(reloaded.reopened_logs, 1);
  assert.equal(reloaded.certificate, cert);
  assert.match(await served(), /CN=second\.mailtrail\.test/, 'new handshakes get the renewed certificate');
  assert.match(readFileSync(logFile, 'utf8'), /"event":"relay\.reloaded"/, 'lines go to the new file at the path');
  assert.equal(readFileSync(`${logFile}.1`, 'utf8').match(/"event":"relay\.reloaded"/g)?.length, 1, "the moved file has the early reload's line only");

  // A key that does not match: the certificate in use stays, the relay says so and runs on.
  writeFileSync(key, first.key);
  relay.child.kill('SIGHUP');
  const failed = await relay.waitForLine((l) => l.event === 'relay.reload_failed', 10_000, 'relay.reload_failed');
  assert.match(String(failed.msg), /the one loaded before stays in use/);
  assert.match(await served(), /CN=second\.mailtrail\.test/);
  // An expired certificate (a renewal that went wrong) is not loaded either.
  const expired = ca.issue(['expired.mailtrail.test'], { fromDays: -30, toDays: -1 });
  writeFileSync(cert, expired.cert);
  writeFileSync(key, expired.key);
  relay.lines.length = 0;
  relay.child.kill('SIGHUP');
  const stale = await relay.waitForLine((l) => l.event === 'relay.reload_failed', 10_000, 'relay.reload_failed for the expired certificate');
  assert.match(String(stale.err), /not now: not loaded/);
  assert.match(await served(), /CN=second\.mailtrail\.test/);
  const exit = await relay.stop(10_000);
  assert.deepEqual(exit, { code: 0, signal: null }, relay.stderr());
});

test("the example config's placeholder secrets are named at start; a listener turned off with { enabled: false } alone", { timeout: 90_000 }, async () => {
  const file = devConfigCopy('placeholders', (c) => {
    (c.submission as Record<string, unknown>).implicit_tls = { enabled: false };
    c.bounces = { enabled: true, listener: { host: HOST, port: 12025 }, verp_secret: EXAMPLE_SECRET };
    (c.delivery as Record<string, unknown>).bounce_domains = { 'example.com': 'bounces.example.com' };
    c.webhooks = { endpoints: [{ name: 'crm', url: 'http://127.0.8.1:9/hook', secret: EXAMPLE_SECRET }] };
  });
  const relay = startRelayProcess(file);
  running.push(relay);
  // Stopped here whatever fails: the next tests bind the same ports.
  try {
    const started = await relay.waitForLine((l) => l.event === 'relay.started', 60_000, 'relay.started');
    assert.ok((started.submission as Record<string, unknown>).implicitTls == null, `the implicit-TLS listener is off: ${JSON.stringify(started.submission)}`);
    const warnings = relay.lines.filter((l) => l.event === 'relay.config').map((l) => String(l.msg));
    for (const key of ['bounces.verp_secret', 'webhooks.endpoints.0.secret'])
      assert.ok(
        warnings.some((m) => m.startsWith(`${key} is still the example config's placeholder`) && m.includes('openssl rand -hex 32')),
        `a warning names ${key}: ${JSON.stringify(warnings)}`,
      );
    // The implicit-TLS port is not bound: nothing answers there.
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(12465, HOST);
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    assert.ok(refused, 'nothing listens on the disabled implicit-TLS port');
  } finally {
    const exit = await relay.stop(10_000);
    assert.deepEqual(exit, { code: 0, signal: null }, `stderr: ${relay.stderr()}`);
  }
});

test('a relay that cannot write its database refuses to start (exit 1, what to do), instead of starting ready and answering 451', {
  timeout: 60_000,
}, async () => {
  // The database made by root (a `sudo mailtrail users add` before the first start), the relay run as nobody.
  const file = devConfigCopy('read-only');
  const made = await runCli(['users', 'list', '--config', file]);
  assert.equal(made.code, 0, made.stderr);
  const data = path.join(path.dirname(file), 'data');
  chmodSync(dir, 0o755);
  chmodSync(path.dirname(file), 0o755);
  chmodSync(data, 0o777); // the directory writable: only the file is not
  for (const f of readdirSync(data)) chmodSync(path.join(data, f), 0o644);
  assert.equal(spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', BIN]).status, 0, `nobody must be able to read ${BIN} for this test`);
  const res = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'start', '--config', file], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH },
  });
  assert.equal(res.status, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
  assert.match(
    res.stderr,
    /^mailtrail: database .*mailtrail\.db cannot be written by this user \(SQLITE_READONLY\w*\): give the user running mailtrail write access/m,
  );
  assert.doesNotMatch(res.stderr, STACK);
  assert.doesNotMatch(res.stdout, /relay\.started/);
});

test('a bad config (port: "abc") exits 2 with one line naming the key, no stack trace', { timeout: 30_000 }, async () => {
  const file = devConfigCopy('bad-port', (c) => {
    (c.submission as Record<string, Record<string, unknown>>).starttls.port = 'abc';
  });
  const res = await runCli(['start', '--config', file]);
  assert.equal(res.code, 2, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
  assert.match(res.stderr, /^mailtrail: config key submission\.starttls\.port in .*mailtrail\.yaml: found "abc"; expected a value of type number\n$/);
  assert.doesNotMatch(res.stderr, STACK);
  assert.equal(res.stdout, '', 'nothing started, nothing logged');
  assert.ok(!existsSync(path.join(path.dirname(file), 'data')), 'a config error creates no database');
});

for (const { key, edit, message } of [
  {
    key: 'submission.starttls.port',
    edit: (c: Yaml, port: number) => ((c.submission as Record<string, Record<string, unknown>>).starttls = { enabled: true, host: BUSY_HOST, port }),
    message:
      /cannot listen on 127\.0\.8\.2:\d+ \(EADDRINUSE\): another process uses this port; stop it or change submission\.starttls\.host\/submission\.starttls\.port/,
  },
  {
    key: 'bounces.listener.port',
    edit: (c: Yaml, port: number) => {
      c.bounces = { enabled: true, listener: { host: BUSY_HOST, port }, verp_secret: 'e2e-start-secret-0123456789' };
      (c.delivery as Record<string, unknown>).bounce_domains = { 'example.com': 'bounces.example.com' };
    },
    message:
      /cannot listen on 127\.0\.8\.2:\d+ \(EADDRINUSE\): another process uses this port; stop it or change bounces\.listener\.host\/bounces\.listener\.port/,
  },
  {
    key: 'api.port',
    edit: (c: Yaml, port: number) => (c.api = { enabled: true, host: BUSY_HOST, port }),
    message: /cannot listen on 127\.0\.8\.2:\d+ for the API: .*EADDRINUSE.*api\.host\/api\.port/,
  },
]) {
  test(`a port in use (${key}) exits 1 with a message naming the key, no stack trace`, { timeout: 30_000 }, async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, BUSY_HOST, resolve));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const file = devConfigCopy(`busy-${key}`, (c) => edit(c, port));
      const res = await runCli(['start', '--config', file]);
      assert.equal(res.code, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
      assert.match(res.stderr, /^mailtrail: /);
      assert.match(res.stderr, message);
      assert.equal(res.stderr.trim().split('\n').length, 1, `one line: ${res.stderr}`);
      assert.doesNotMatch(res.stderr, STACK);
      assert.ok(!res.stdout.includes('"event":"relay.started"'), 'it did not claim to have started');
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
}
