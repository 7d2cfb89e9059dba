/**
 * kill -9 under load: the relay (`mailtrail start`, its own process, SQLite synchronous FULL) is killed
 * three times while clients submit and it delivers, and restarted each time on the same database.
 * Every message that got `250` must reach the receiving MTA; copies received more than once (attempts
 * cut after the final dot, or whose result a kill kept from being recorded) are counted and must stay
 * within the documented window: at most the deliveries in flight at each kill.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { startDnsServer } from '../helpers/dns-server.js';
import { runCli, startRelayProcess, waitFor, type RelayProcess } from './cli.js';

const SUBMIT = { host: '127.0.4.41', port: 2587 };
const MX = '127.0.4.42';
const KILLS = 3;
const CLIENTS = 6;
const PASSWORD = 'chaos-password-123';
/** delivery.max_connections_per_domain: at most this many deliveries to the one test domain are in flight. */
const PER_DOMAIN = 10;

/** The receiving MTA: counts every copy of every Message-ID; answers the final dot after a few ms. */
async function startCountingMta() {
  const copies = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (d: Buffer) => {
        if (head.length < 4096) head += d.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^Message-ID:\s*<([^>]+)>/im.exec(head)?.[1] ?? '?';
        setTimeout(() => {
          copies.set(id, (copies.get(id) ?? 0) + 1);
          cb(null, 'ok');
        }, Math.floor(Math.random() * 20));
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(25, MX, () => resolve()));
  return { copies, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** One client: sequential messages on one connection (reconnecting after a kill), recording each 250. */
async function client(n: number, acked: Set<string>, running: () => boolean): Promise<void> {
  let seq = 0;
  while (running()) {
    const socket = net.connect(SUBMIT);
    socket.on('error', () => {});
    let buffer = '';
    const replies: ((line: string) => void)[] = [];
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (/^\d{3} /.test(line)) replies.shift()?.(line);
      }
    });
    const closed = new Promise<string>((r) => socket.once('close', () => r('closed')));
    const next = () => Promise.race([new Promise<string>((r) => replies.push(r)), closed]);
    const say = (line: string) => {
      const reply = next();
      socket.write(line);
      return reply;
    };
    try {
      if (!(await next()).startsWith('220')) throw new Error('no greeting');
      await say('EHLO chaos.test\r\n');
      if (!(await say(`AUTH PLAIN ${Buffer.from(`\0app\0${PASSWORD}`).toString('base64')}\r\n`)).startsWith('235')) throw new Error('auth');
      while (running()) {
        const id = `chaos-${n}-${++seq}@app.test`;
        await say('MAIL FROM:<app@app.test>\r\n');
        await say('RCPT TO:<rcpt@chaos.test>\r\n');
        if (!(await say('DATA\r\n')).startsWith('354')) throw new Error('data');
        const reply = await say(`From: app@app.test\r\nTo: rcpt@chaos.test\r\nMessage-ID: <${id}>\r\nSubject: chaos\r\n\r\nbody\r\n.\r\n`);
        if (reply.startsWith('250')) acked.add(id);
        else if (reply === 'closed') throw new Error('closed');
      }
      socket.end('QUIT\r\n');
    } catch {
      socket.destroy();
      await new Promise((r) => setTimeout(r, 50)); // the relay is restarting
    }
  }
}

test('kill -9 three times under load: every acknowledged message is delivered; duplicates stay within the deliveries in flight at the kills', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-chaos-'));
  const dns = await startDnsServer({ mx: [{ name: 'chaos.test', exchange: 'mx.chaos.test', preference: 10 }], a: [{ name: 'mx.chaos.test', address: MX }] });
  const mta = await startCountingMta();
  const configFile = path.join(dir, 'mailtrail.yaml');
  writeFileSync(
    configFile,
    `hostname: relay.chaos.test
database: { path: ${JSON.stringify(path.join(dir, 'mailtrail.db'))} }
log: { level: info }
submission:
  starttls: { host: ${SUBMIT.host}, port: ${SUBMIT.port} }
  implicit_tls: { enabled: false, host: ${SUBMIT.host}, port: 2465 }
  cleartext_auth: always
delivery:
  dns_servers: [${JSON.stringify(dns.address)}]
  tls_policy: { default: none }
  lease_ms: 3000
  max_connections_per_domain: ${PER_DOMAIN}
  retry: { min_delay_ms: 1000, max_delay_ms: 2000 }
bounces: { enabled: false }
api: { enabled: false }
`,
  );
  let relay: RelayProcess | null = null;
  try {
    const add = await runCli(['users', 'add', 'app', '--domains', 'app.test', '--config', configFile], { env: { MAILTRAIL_PASSWORD: PASSWORD } });
    assert.equal(add.code, 0, add.stderr);
    const start = async () => {
      const r = startRelayProcess(configFile);
      await r.waitForLine((l) => l.event === 'relay.started', 30_000, 'relay.started');
      return r;
    };
    relay = await start();
    const acked = new Set<string>();
    let load = true;
    const clients = Array.from({ length: CLIENTS }, (_, i) => client(i, acked, () => load));
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 1_200 + Math.floor(Math.random() * 600)));
      relay.child.kill('SIGKILL');
      await relay.exited;
      relay = await start();
    }
    await new Promise((r) => setTimeout(r, 1_000));
    load = false;
    await Promise.all(clients);
    assert.ok(acked.size > 50, `only ${acked.size} messages were acknowledged: the load did not run`);

    await waitFor(async () => [...acked].every((id) => mta.copies.has(id)), `every acknowledged message at the MTA (${acked.size})`, 60_000, 200);
    const duplicates = [...mta.copies.values()].reduce((n, c) => n + (c - 1), 0);
    t.diagnostic(`acknowledged ${acked.size}, received ${mta.copies.size} distinct, duplicates ${duplicates} over ${KILLS} kills`);
    assert.ok(duplicates <= KILLS * PER_DOMAIN, `${duplicates} duplicates: more than the ${PER_DOMAIN} deliveries that can be in flight at each of ${KILLS} kills`);
    const lost = [...acked].filter((id) => !mta.copies.has(id));
    assert.deepEqual(lost, []);
  } finally {
    await relay?.stop(5_000);
    await mta.stop();
    await dns.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
