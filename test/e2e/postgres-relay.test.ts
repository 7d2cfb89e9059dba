/**
 * A relay on the PostgreSQL backend, end to end: submission commits to the database, the delivery thread
 * claims and delivers through a test MTA found by real DNS, the CLI's `trace` reads the same database, and
 * the relay stops cleanly. (The store's behaviour is the contract's, test/store/contract; several relays
 * on one database are tested with the queue's multi-node work.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { hashPassword } from '../../src/auth/password.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { startRelay } from '../../src/main.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { startPostgres, type PgCluster } from '../helpers/postgres.js';
import { startTestMta } from '../helpers/test-mta.js';
import { runCli, waitFor } from './cli.js';

const RELAY_IP = '127.0.9.31';
const MX_IP = '127.0.9.32';
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-pg-relay-'));
let cluster: PgCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => {
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a relay on PostgreSQL accepts, delivers with its delivery thread, answers trace and stops', { timeout: 90_000 }, async () => {
  const dns = await startDnsServer({ mx: [{ name: 'one.test', exchange: 'mx.one.test', preference: 10 }], a: [{ name: 'mx.one.test', address: MX_IP }] });
  const mta = await startTestMta({ host: MX_IP });
  const url = cluster.url(await cluster.createDatabase('relay'));
  const database = { backend: 'postgres', url, pool: 4, state_dir: path.join(dir, 'state') };
  const config = parseConfig({
    hostname: 'relay.pg.test',
    database,
    submission: { starttls: { host: RELAY_IP, port: 11587 }, implicit_tls: { enabled: false, host: RELAY_IP, port: 11465 }, cleartext_auth: 'loopback' },
    delivery: { worker_thread: true, dns_servers: [dns.address], poll_interval_ms: 200 },
    api: { enabled: false },
  });
  const relay = await startRelay(config, { logger: silentLogger() });
  try {
    await relay.store.users.add({ name: 'app', passwordHash: await hashPassword('secret-pw'), senderDomains: ['example.com'], createdAt: Date.now() });
    const transport = nodemailer.createTransport({ host: RELAY_IP, port: 11587, secure: false, ignoreTLS: true, auth: { user: 'app', pass: 'secret-pw' } });
    for (let i = 0; i < 5; i++) {
      const info = await transport.sendMail({
        from: 'app@example.com',
        to: ['ann@one.test', 'bob@one.test'],
        subject: `pg ${i}`,
        text: 'hello',
        messageId: `<pg-${i}@example.com>`,
      });
      assert.match(info.response, /^250 2\.0\.0 Ok: queued as /);
    }
    transport.close();
    await waitFor(async () => (await relay.store.queue.countsByState(Date.now())).byState.delivered === 10, 'every recipient recorded delivered', 30_000);
    assert.equal(mta.messages.length, 5, 'one transaction per message, both recipients in it');
    const configFile = path.join(dir, 'cli.yaml');
    writeFileSync(configFile, `database: ${JSON.stringify(database)}\n`);
    const trace = await runCli(['trace', 'pg-3@example.com', '--json', '--config', configFile]);
    assert.equal(trace.code, 0, trace.stderr);
    const { messages } = JSON.parse(trace.stdout) as { messages: { recipients: { state: string }[] }[] };
    assert.deepEqual(
      messages[0]!.recipients.map((r) => r.state),
      ['delivered', 'delivered'],
    );
  } finally {
    await relay.stop();
    await mta.stop();
    await dns.stop();
  }
});

test('a relay whose database is gone when it stops reports the failure at once (exit 1), not after its stop timers', { timeout: 90_000 }, async () => {
  const own = await startPostgres();
  try {
    const url = own.url(await own.createDatabase('gone'));
    const config = parseConfig({
      hostname: 'relay.pg.test',
      database: { backend: 'postgres', url, pool: 2, state_dir: path.join(dir, 'state-gone') },
      submission: { starttls: { host: RELAY_IP, port: 11588 }, implicit_tls: { enabled: false, host: RELAY_IP, port: 11466 }, cleartext_auth: 'loopback' },
      delivery: { worker_thread: true, poll_interval_ms: 200 },
      api: { enabled: false },
    });
    const relay = await startRelay(config, { logger: silentLogger() });
    own.stop(); // the database server goes away
    const started = Date.now();
    await assert.rejects(relay.stop(), /stopping delivery failed/);
    // Not the thread's terminate timer (30 s + delivery.stop_final_reply_ms + 10 s).
    assert.ok(Date.now() - started < 20_000, `stopped after ${Date.now() - started} ms`);
  } finally {
    own.stop();
  }
});
