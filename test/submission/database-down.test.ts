/**
 * The database goes away under a running relay (PostgreSQL stopped, the relay's connections closed), and
 * comes back. Over real SMTP against `mailtrail start`: while it is gone every answer that would need it is
 * a 4xx (a message is never answered 250 without its commit), the relay stays up, a delivery that ended
 * meanwhile keeps its result until it can be written (so it is not sent again), and once the server is
 * back the same relay queues and delivers again, with nothing acknowledged lost and nothing refused kept.
 *
 * And a server that stops answering without closing its connections (every process of the server stopped
 * with SIGSTOP: a frozen host, a network partition): a statement waits at most
 * `database.statement_timeout_ms` and as long again (5 s at most); then its connection is dropped and the
 * statement fails. A message whose commit is under way hears 451 instead of waiting for TCP to give up,
 * the relay stays up, and once the server answers again the same session is queued and delivered.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { runCli, startRelayProcess, waitFor, type RelayProcess } from '../e2e/cli.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startPostgres, type PgCluster } from '../helpers/postgres.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { message, PASSWORD, RawClient, send, USER } from './harness.js';

const RELAY_IP = '127.0.13.61';
const MX_IP = '127.0.13.62';
const PORT = 12587;

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-db-down-'));
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

/** A relay on its own database of the cluster, with a user added; `database` adds keys to that section. */
async function relayConfig(name: string, database = ''): Promise<string> {
  const configFile = path.join(dir, `${name}.yaml`);
  const dbUrl = name === 'down' ? url : cluster.url(await cluster.createDatabase(name));
  writeFileSync(
    configFile,
    [
      `hostname: relay.${name}.test`,
      `database: { backend: postgres, url: ${JSON.stringify(dbUrl)}, pool: 4, ${database}state_dir: ${JSON.stringify(path.join(dir, `state-${name}`))} }`,
      'log: { level: info }',
      `submission: { starttls: { host: ${RELAY_IP}, port: ${PORT} }, implicit_tls: { enabled: false, host: ${RELAY_IP}, port: 12465 }, cleartext_auth: always }`,
      `delivery: { dns_servers: [${JSON.stringify(dns.address)}], poll_interval_ms: 200 }`,
      'bounces: { enabled: false }',
      'api: { enabled: false }',
      '',
    ].join('\n'),
  );
  const added = await runCli(['users', 'add', USER, '--domains', 'example.com', '--config', configFile], { env: { MAILTRAIL_PASSWORD: PASSWORD } });
  assert.equal(added.code, 0, added.stderr);
  return configFile;
}

/** Read with a connection of our own. */
async function select<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}
const storedIds = async () => (await select<{ message_id: string }>('SELECT message_id FROM messages ORDER BY id')).map((r) => r.message_id);
const recipientStates = async () => (await select<{ state: string }>('SELECT state FROM recipients ORDER BY id')).map((r) => r.state);

test('while PostgreSQL is unreachable submission answers 4xx, never 250; when it returns the relay queues and delivers again', {
  timeout: 120_000,
}, async () => {
  const configFile = await relayConfig('down');
  relay = startRelayProcess(configFile);
  await relay.waitForLine((l) => l.event === 'relay.started', 60_000, 'relay.started');
  const connect = () => RawClient.connect(PORT, { host: RELAY_IP });

  // Before: queued and delivered.
  const a = await connect();
  assert.equal((await a.read())?.code, 220);
  assert.equal((await a.login())?.code, 235);
  assert.match((await send(a, message('before@example.com')))!.text, /^250 2\.0\.0 Ok: queued as /);
  await waitFor(async () => mta.messages.length === 1, 'the first message delivered', 30_000);
  // A delivery under way when the database goes: the receiver holds its reply to the dot.
  let release!: () => void;
  mta.script.holdData = new Promise<void>((r) => (release = r));
  assert.match((await send(a, message('held@example.com')))!.text, /^250 2\.0\.0 Ok: queued as /);
  await waitFor(async () => mta.messages.length === 2, 'the second message at the receiver, its reply held', 30_000);

  // The database goes away. Session a is already authenticated: its next message reaches the commit.
  cluster.halt();
  const during = await send(a, message('during@example.com'));
  assert.ok(during, 'the session was kept open');
  assert.match(during.text, /^451 4\.3\.0 /, `a message that cannot be committed is refused with a 4xx: ${during.text}`);
  // A new client: AUTH needs the users table, so it is told to come back (a temporary failure, not 535).
  const b = await connect();
  assert.equal((await b.read())?.code, 220, 'the greeting needs no database');
  const auth = await b.login();
  assert.match(auth!.text, /^454 4\.7\.0 /, `AUTH while the database is gone: ${auth!.text}`);
  b.destroy();
  await relay.waitForLine((l) => l.event === 'submission.commit_failed', 5_000, 'submission.commit_failed');
  // The held delivery now gets its 250 and cannot record it: the result is kept, claiming pauses.
  mta.script.holdData = undefined;
  release();
  await relay.waitForLine((l) => l.event === 'queue.write_failed', 15_000, 'queue.write_failed');
  // Long enough for the delivery thread's polls and lease renewals to fail too.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(relay.child.exitCode, null, 'the relay is still running');

  // Back: the kept result is written, and the same session (the client retrying the refused message) and
  // a new one are queued and delivered.
  cluster.resume();
  const retry = await waitFor(
    async () => {
      const r = await send(a, message('during@example.com'));
      assert.ok(r, 'the session was kept open');
      if (r.code === 451) return null; // the pool may still be finding its way back
      return r;
    },
    'a 250 once PostgreSQL is back',
    30_000,
    500,
  );
  assert.match(retry.text, /^250 2\.0\.0 Ok: queued as /);
  a.destroy();
  const c = await connect();
  assert.equal((await c.read())?.code, 220);
  assert.equal((await c.login())?.code, 235);
  assert.match((await send(c, message('after@example.com')))!.text, /^250 2\.0\.0 Ok: queued as /);
  c.destroy();
  await relay.waitForLine((l) => l.event === 'queue.writes_resumed', 30_000, 'queue.writes_resumed');

  await waitFor(async () => mta.messages.length === 4, 'four messages delivered after the outage', 60_000);
  await waitFor(async () => (await recipientStates()).every((s) => s === 'delivered'), 'every recipient recorded delivered', 30_000);
  // Give a duplicate the time to show up, were the held delivery retried.
  await new Promise((r) => setTimeout(r, 1_000));
  const delivered = mta.messages.map((m) => /Message-ID: <([^>]+)>/i.exec(m.raw.toString())?.[1]).sort();
  assert.deepEqual(
    delivered,
    ['after@example.com', 'before@example.com', 'during@example.com', 'held@example.com'],
    'each once: the held result was written, the refused message left nothing behind',
  );
  assert.deepEqual(await storedIds(), ['before@example.com', 'held@example.com', 'during@example.com', 'after@example.com']);
  assert.equal(relay.child.exitCode, null, 'the relay is still running');
  const { code } = await relay.stop();
  assert.equal(code, 0, 'and stops cleanly');
});

test('a frozen database: the message in its commit hears 451 after the statement deadline, the relay stays up, and delivers once it answers again', {
  timeout: 120_000,
}, async () => {
  const configFile = await relayConfig('frozen', 'statement_timeout_ms: 1000, ');
  relay = startRelayProcess(configFile);
  await relay.waitForLine((l) => l.event === 'relay.started', 60_000, 'relay.started');

  const a = await RawClient.connect(PORT, { host: RELAY_IP });
  assert.equal((await a.read())?.code, 220);
  assert.equal((await a.login())?.code, 235);
  assert.match((await send(a, message('before-frozen@example.com')))!.text, /^250 2\.0\.0 Ok: queued as /);
  await waitFor(async () => mta.messages.some((m) => m.raw.includes('<before-frozen@example.com>')), 'the first message delivered', 30_000);

  cluster.freeze();
  // The session is authenticated: its next message reaches the commit, which the server never answers.
  // Without a deadline this reply never came (the client's own timeout gave up first).
  const during = await send(a, message('during-frozen@example.com'));
  assert.ok(during, 'the session was kept open');
  assert.match(during.text, /^451 4\.3\.0 /, `a message whose commit got no answer is refused with a 4xx: ${during.text}`);
  await relay.waitForLine((l) => l.event === 'submission.commit_failed', 5_000, 'submission.commit_failed');
  assert.equal(relay.child.exitCode, null, 'the relay is still running');

  cluster.thaw();
  const retry = await waitFor(
    async () => {
      const r = await send(a, message('during-frozen@example.com'));
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
  await waitFor(async () => mta.messages.filter((m) => m.raw.includes('<during-frozen@example.com>')).length >= 1, 'the retried message delivered', 60_000);
});
