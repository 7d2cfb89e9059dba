/**
 * The addresses delivery skips because they stopped answering (src/delivery/unresponsive-hosts.ts), seen from
 * outside: the relay started through startRelay with its delivery thread, a message for a domain whose MX
 * accepts TCP and never greets; `GET /v1/queue` lists the address (as the thread last told the main thread)
 * and `/metrics` counts it, until it answers again.
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
import { startSilentHost } from '../helpers/silent-host.js';
import { waitFor } from './cli.js';

const RELAY_IP = '127.0.9.31';
const SILENT_IP = '127.0.9.32';
const API_PORT = 18931;
const TOKEN = 'unresponsive-view-token-0123456789';
const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-unresponsive-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface QueueView {
  unresponsive_addresses: {
    ip: string;
    port: number;
    why: string;
    strikes: number;
    first_timeout_at: string;
    last_timeout_at: string;
    held_until: string;
    probe_due: boolean;
  }[];
}

test('an address that never greets is listed by GET /v1/queue and counted in /metrics', { timeout: 60_000 }, async () => {
  const dns = await startDnsServer({
    mx: [{ name: 'quiet.test', exchange: 'mx.quiet.test', preference: 10 }],
    a: [{ name: 'mx.quiet.test', address: SILENT_IP }],
  });
  const silent = await startSilentHost(SILENT_IP);
  const config = parseConfig({
    hostname: 'relay.unresponsive.test',
    database: { path: path.join(dir, 'q.db') },
    submission: { starttls: { host: RELAY_IP, port: 11588 }, implicit_tls: { enabled: false, host: RELAY_IP, port: 11466 }, cleartext_auth: 'loopback' },
    delivery: { dns_servers: [dns.address], poll_interval_ms: 200, greeting_timeout_ms: 700, unresponsive_hosts: { hold_ms: 60_000 } },
    api: { enabled: true, host: RELAY_IP, port: API_PORT, tokens: [{ name: 'ops', token: TOKEN, scope: 'read' }] },
  });
  const relay = await startRelay(config, { logger: silentLogger() });
  const get = async (p: string) => {
    const res = await fetch(`http://${RELAY_IP}:${API_PORT}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200, `${p}: ${res.status}`);
    return res;
  };
  try {
    const before = (await (await get('/v1/queue')).json()) as QueueView;
    assert.deepEqual(before.unresponsive_addresses, [], 'none before any attempt');
    assert.match(await (await get('/metrics')).text(), /^mailtrail_delivery_unresponsive_addresses\{state="held"\} 0$/m);

    await relay.store.users.add({ name: 'app', passwordHash: await hashPassword('secret-pw'), senderDomains: ['example.com'], createdAt: Date.now() });
    const transport = nodemailer.createTransport({ host: RELAY_IP, port: 11588, secure: false, ignoreTLS: true, auth: { user: 'app', pass: 'secret-pw' } });
    await transport.sendMail({ from: 'app@example.com', to: 'ann@quiet.test', subject: 'quiet', text: 'hello' });
    transport.close();

    const started = Date.now();
    const view = await waitFor(
      async () => {
        const q = (await (await get('/v1/queue')).json()) as QueueView;
        return q.unresponsive_addresses.length ? q : null;
      },
      'the silent address is listed',
      15_000,
    );
    assert.equal(silent.accepted, 1, 'one connection, which timed out waiting for the greeting');
    const [a] = view.unresponsive_addresses;
    assert.equal(a!.ip, SILENT_IP);
    assert.equal(a!.port, 25);
    assert.equal(a!.why, 'no greeting within 700 ms');
    assert.equal(a!.strikes, 1);
    assert.equal(a!.probe_due, false);
    const heldFor = Date.parse(a!.held_until) - Date.parse(a!.last_timeout_at);
    assert.equal(heldFor, 60_000, 'held for delivery.unresponsive_hosts.hold_ms');
    assert.ok(Date.parse(a!.first_timeout_at) >= started - 1_000);
    const metrics = await (await get('/metrics')).text();
    assert.match(metrics, /^mailtrail_delivery_unresponsive_addresses\{state="held"\} 1$/m);
    assert.match(metrics, /^mailtrail_delivery_unresponsive_addresses\{state="probe-due"\} 0$/m);
  } finally {
    await relay.stop();
    await silent.stop();
    await dns.stop();
  }
});
