/**
 * The relay with `delivery.worker_thread: false`, started in-process through startRelay: submission,
 * queue and delivery share one thread and one SQLite connection (the mode for profiling and small
 * hosts). A message submitted over SMTP is delivered to a test MTA found through real DNS, and the
 * relay stops cleanly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import nodemailer from 'nodemailer';
import { hashPassword } from '../../src/auth/password.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { startRelay } from '../../src/main.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { startTestMta } from '../helpers/test-mta.js';
import { waitFor } from './cli.js';

const RELAY_IP = '127.0.9.21';
const MX_IP = '127.0.9.22';
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-single-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('with worker_thread false, one thread accepts, delivers and stops', { timeout: 60_000 }, async () => {
  const dns = await startDnsServer({ mx: [{ name: 'one.test', exchange: 'mx.one.test', preference: 10 }], a: [{ name: 'mx.one.test', address: MX_IP }] });
  const mta = await startTestMta({ host: MX_IP });
  const config = parseConfig({
    hostname: 'relay.single.test',
    database: { path: path.join(dir, 'q.db') },
    submission: { starttls: { host: RELAY_IP, port: 11587 }, implicit_tls: { enabled: false, host: RELAY_IP, port: 11465 }, cleartext_auth: 'loopback' },
    delivery: { worker_thread: false, dns_servers: [dns.address], poll_interval_ms: 200 },
    api: { enabled: false },
  });
  const relay = await startRelay(config, { logger: silentLogger() });
  try {
    assert.equal(relay.scheduler !== null, true, 'the scheduler runs in this thread');
    await relay.store.users.add({ name: 'app', passwordHash: await hashPassword('secret-pw'), senderDomains: ['example.com'], createdAt: Date.now() });
    const transport = nodemailer.createTransport({ host: RELAY_IP, port: 11587, secure: false, ignoreTLS: true, auth: { user: 'app', pass: 'secret-pw' } });
    const info = await transport.sendMail({
      from: 'app@example.com',
      to: 'ann@one.test',
      subject: 'single thread',
      text: 'hello',
      messageId: '<single-1@example.com>',
    });
    assert.match(info.response, /^250 2\.0\.0 Ok: queued as /);
    await waitFor(async () => mta.messages.length === 1, 'the MTA received the message', 15_000);
    await waitFor(
      async () => {
        const [m] = await relay.store.query.findMessages('single-1@example.com');
        const [r] = m ? await relay.store.query.recipientsOf([m.id]) : [];
        return r?.state === 'delivered';
      },
      'the recipient is recorded delivered',
      15_000,
    );
    transport.close();
  } finally {
    await relay.stop();
    await mta.stop();
    await dns.stop();
  }
});
