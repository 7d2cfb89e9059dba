/**
 * A worker killed with SIGKILL in the middle of DATA: its claims lapse, another worker retries the
 * interrupted recipients, and every recipient ends delivered. Real processes, sockets and SQLite.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { silentLogger } from '../../src/log/logger.js';
import { messageFate } from '../../src/query/fate.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { startTestMta } from '../helpers/test-mta.js';
import { enqueue, manualClock, tempStore, testConfig } from './fixtures.js';
import { createTestDeliverer, realDelivererMissing } from './real-deliverer.js';

const HOST = '127.0.4.10';
const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/worker-process.ts');

/** An MTA that takes the message data and never answers the final dot. */
async function startStallingMta() {
  let inData = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream) {
      inData++;
      stream.resume(); // read everything, reply never
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(25, HOST, () => resolve());
  });
  return {
    inData: () => inData,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('SIGKILL during DATA: after the leases lapse a new worker delivers every interrupted recipient', {
  skip: realDelivererMissing,
  timeout: 60_000,
}, async () => {
  const t = tempStore();
  const dns = await startDnsServer({ mx: [{ name: 'stall.test', exchange: 'mx.stall.test', preference: 10 }], a: [{ name: 'mx.stall.test', address: HOST }] });
  let stalling: Awaited<ReturnType<typeof startStallingMta>> | null = await startStallingMta();
  let child: ReturnType<typeof spawn> | null = null;
  const leaseMs = 60_000;
  const delivery = {
    dns_servers: [dns.address],
    lease_ms: leaseMs,
    connect_timeout_ms: 5_000,
    greeting_timeout_ms: 5_000,
    command_timeout_ms: 120_000,
    tls_policy: { default: 'none' },
  };
  try {
    const now = Date.now();
    const messages = [];
    for (let i = 0; i < 3; i++) messages.push(await enqueue(t.store, { to: [`a${i}@stall.test`, `b${i}@stall.test`], createdAt: now }));

    child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify({ db: t.path, owner: 'doomed', config: { delivery } })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b) => (stderr += b));
    const deadline = Date.now() + 20_000;
    while (stalling.inData() < 3 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    assert.equal(stalling.inData(), 3, `three transactions reached DATA (worker stderr: ${stderr.slice(0, 2000)})`);

    child.kill('SIGKILL');
    await once(child, 'exit');
    child = null;

    const leased = (await Promise.all(messages.map((m) => t.store.messages.recipients(m.message.id)))).flat();
    assert.equal(leased.length, 6);
    for (const r of leased) {
      assert.equal(r.state, 'queued', 'nothing recorded for the interrupted attempt');
      assert.equal(r.leaseOwner, 'doomed');
      assert.ok(r.leaseUntil! > Date.now(), 'the dead worker still holds the lease');
    }

    await stalling.stop();
    stalling = null;
    const mta = await startTestMta({ host: HOST });
    const config = testConfig(delivery);
    const deliverer = await createTestDeliverer(config, silentLogger());
    const clock = manualClock(Date.now());
    const survivor = createScheduler({ config, store: t.store, deliverer, logger: silentLogger(), clock, owner: 'survivor' });
    try {
      assert.equal(await survivor.runOnce(), 0, 'live leases are respected');
      clock.advance(leaseMs + 1);
      assert.equal(await survivor.runOnce(), 6);
      const after = (await Promise.all(messages.map((m) => t.store.messages.recipients(m.message.id)))).flat();
      assert.deepEqual(
        after.map((r) => r.state),
        Array(6).fill('delivered'),
      );
      // The killed worker's attempt is counted, with an `interrupted` event: the receiver may have it twice.
      assert.ok(after.every((r) => r.attempts === 2 && r.leaseOwner === null));
      for (const m of messages) {
        const events = await t.store.events.forMessage(m.message.id);
        const interrupted = events.filter((e) => e.kind === 'interrupted');
        assert.equal(interrupted.length, 2, 'one interrupted event per recipient');
        assert.ok(interrupted.every((e) => e.attempt === 1 && e.detail?.lapsed_owner === 'doomed' && /may already have the message/.test(e.text ?? '')));
        assert.ok(events.filter((e) => e.kind === 'delivered').every((e) => e.attempt === 2));
      }
      const [fate] = await messageFate(t.store, messages[0]!.message.queueId);
      assert.match(fate!.recipients[0]!.verdict, /^delivered .*an earlier attempt was interrupted .*may have it twice/);
      assert.equal(mta.messages.length, 3);
      assert.deepEqual(mta.messages.flatMap((m) => m.rcptTo.map((r) => r.address)).sort(), leased.map((r) => r.address).sort());
    } finally {
      await survivor.stop(1_000);
      await deliverer.close();
      await mta.stop();
    }
  } finally {
    child?.kill('SIGKILL');
    await stalling?.stop();
    await dns.stop();
    await t.cleanup();
  }
});
