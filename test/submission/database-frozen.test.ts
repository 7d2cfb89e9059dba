/**
 * PostgreSQL stops answering without closing its connections (every process of the server stopped with
 * SIGSTOP: a frozen host, a network partition). A statement waits at most `database.statement_timeout_ms`
 * and as long again (5 s at most); then its connection is dropped and the statement fails. Over real SMTP against
 * `mailtrail start`: a message whose commit is under way hears 451 instead of waiting for TCP to give up,
 * the relay stays up, and once the server answers again the same session is queued and delivered.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, startRelayProcess, waitFor, type RelayProcess } from '../e2e/cli.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startPostgres, type PgCluster } from '../helpers/postgres.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { message, PASSWORD, RawClient, send, USER } from './harness.js';

const RELAY_IP = '127.0.13.71';
const MX_IP = '127.0.13.72';
const PORT = 12588;

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-db-frozen-'));
let cluster: PgCluster;
let url: string;
let dns: DnsServer;
let mta: TestMta;
let relay: RelayProcess | undefined;

before(async () => {
  cluster = await startPostgres();
  url = cluster.url(await cluster.createDatabase('relay'));
  dns = await startDnsServer({ mx: [{ name: 'dest.test', exchange: 'mx.dest.test', preference: 10 }], a: [{ name: 'mx.dest.test', address: MX_IP }] });
  mta = await startTestMta({ host: MX_IP });
});
after(async () => {
  cluster?.thaw();
  await relay?.stop();
  await mta?.stop();
  await dns?.stop();
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a frozen database: the message in its commit hears 451 after the statement deadline, the relay stays up, and delivers once it answers again', {
  timeout: 120_000,
}, async () => {
  const configFile = path.join(dir, 'mailtrail.yaml');
  writeFileSync(
    configFile,
    [
      'hostname: relay.frozen.test',
      `database: { backend: postgres, url: ${JSON.stringify(url)}, pool: 4, statement_timeout_ms: 1000, state_dir: ${JSON.stringify(path.join(dir, 'state'))} }`,
      'log: { level: info }',
      `submission: { starttls: { host: ${RELAY_IP}, port: ${PORT} }, implicit_tls: { enabled: false, host: ${RELAY_IP}, port: 12466 }, cleartext_auth: always }`,
      `delivery: { dns_servers: [${JSON.stringify(dns.address)}], poll_interval_ms: 200 }`,
      'bounces: { enabled: false }',
      'api: { enabled: false }',
      '',
    ].join('\n'),
  );
  const added = await runCli(['users', 'add', USER, '--domains', 'example.com', '--config', configFile], { env: { MAILTRAIL_PASSWORD: PASSWORD } });
  assert.equal(added.code, 0, added.stderr);
  relay = startRelayProcess(configFile);
  await relay.waitForLine((l) => l.event === 'relay.started', 60_000, 'relay.started');

  const a = await RawClient.connect(PORT, { host: RELAY_IP });
  assert.equal((await a.read())?.code, 220);
  assert.equal((await a.login())?.code, 235);
  assert.match((await send(a, message('before@example.com')))!.text, /^250 2\.0\.0 Ok: queued as /);
  await waitFor(async () => mta.messages.length === 1, 'the first message delivered', 30_000);

  cluster.freeze();
  // The session is authenticated: its next message reaches the commit, which the server never answers.
  // Without a deadline this reply never came (the client's own timeout gave up first).
  const during = await send(a, message('during@example.com'));
  assert.ok(during, 'the session was kept open');
  assert.match(during.text, /^451 4\.3\.0 /, `a message whose commit got no answer is refused with a 4xx: ${during.text}`);
  await relay.waitForLine((l) => l.event === 'submission.commit_failed', 5_000, 'submission.commit_failed');
  assert.equal(relay.child.exitCode, null, 'the relay is still running');

  cluster.thaw();
  const retry = await waitFor(
    async () => {
      const r = await send(a, message('during@example.com'));
      assert.ok(r, 'the session was kept open');
      return r.code === 451 ? null : r; // the pool replaces the connections it dropped
    },
    'a 250 once PostgreSQL answers again',
    30_000,
    500,
  );
  assert.match(retry.text, /^250 2\.0\.0 Ok: queued as /);
  a.destroy();
  // Delivered: the message refused during the freeze may also have been committed at the server before
  // it stopped answering (its commit's outcome is unknown), so it may arrive twice; never zero times.
  await waitFor(async () => mta.messages.filter((m) => m.raw.includes('<during@example.com>')).length >= 1, 'the retried message delivered', 60_000);
});
