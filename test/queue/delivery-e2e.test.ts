/**
 * The scheduler with the real deliverer, a real DNS server (dnsmasq) and real recipient MTAs on
 * 127.0.4.x:25: what the queue records is what the wire said.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { enqueue, manualClock, T0, tempStore, testConfig } from './fixtures.js';
import { createTestDeliverer, realDelivererMissing } from './real-deliverer.js';

let dns: DnsServer;
let mta: TestMta;

before(async () => {
  if (realDelivererMissing) return;
  dns = await startDnsServer({
    mx: [{ name: 'e2e.test', exchange: 'mx.e2e.test', preference: 10 }],
    a: [{ name: 'mx.e2e.test', address: '127.0.4.1' }],
  });
  mta = await startTestMta({ host: '127.0.4.1', rcpt: { 'nobody@e2e.test': { code: 550, text: '5.1.1 No such user here' } } });
});

after(async () => {
  await mta?.stop();
  await dns?.stop();
});

async function setup() {
  const t = tempStore();
  const config = testConfig({ dns_servers: [dns.address], connect_timeout_ms: 5_000, greeting_timeout_ms: 5_000, command_timeout_ms: 5_000 });
  const deliverer = await createTestDeliverer(config, silentLogger());
  const clock = manualClock(Date.now());
  const scheduler = createScheduler({ config, store: t.store, deliverer, logger: silentLogger(), clock });
  return {
    t,
    clock,
    scheduler,
    cleanup: async () => {
      await scheduler.stop(1_000);
      await deliverer.close();
      await t.cleanup();
    },
  };
}

test('a message goes from the queue to the MTA found in DNS; a 550 at RCPT bounces only that recipient', { skip: realDelivererMissing }, async () => {
  const s = await setup();
  try {
    const before = mta.messages.length;
    const { message } = await enqueue(s.t.store, { to: ['alice@e2e.test', 'nobody@e2e.test'], createdAt: s.clock.now() });
    assert.equal(await s.scheduler.runOnce(), 2);
    const [alice, nobody] = await s.t.store.messages.recipients(message.id);
    assert.equal(alice.state, 'delivered');
    assert.equal(alice.lastCode, 250);
    assert.equal(nobody.state, 'bounced');
    assert.equal(nobody.lastCode, 550);
    assert.equal(nobody.lastEnhanced, '5.1.1');
    assert.match(nobody.lastText ?? '', /No such user here/);
    assert.equal(nobody.hard, true);
    // The hard bounce suppresses the address; its reason gives the reply once ("550 5.1.1 No such…",
    // though the server put 5.1.1 in its text too, so the recorded text starts with it).
    assert.match(nobody.lastText ?? '', /^5\.1\.1 /);
    assert.equal((await s.t.store.suppressions.get('nobody@e2e.test'))?.reason, `hard bounce: 550 5.1.1 ${nobody.lastText!.replace(/^5\.1\.1 /, '')}`);
    assert.equal(mta.messages.length, before + 1);
    const got = mta.messages.at(-1)!;
    assert.deepEqual(
      got.rcptTo.map((r) => r.address),
      ['alice@e2e.test'],
    );
    assert.equal(got.mailFrom, 'app@sender.test');
    assert.match(got.raw.toString(), /Hello\./);
    const events = await s.t.store.events.forMessage(message.id);
    const phases = events.filter((e) => e.kind === 'phase').map((e) => e.phase);
    for (const p of ['connect', 'mail', 'rcpt', 'data'] as const) assert.ok(phases.includes(p), `phase ${p} recorded: ${phases}`);
    assert.equal(events.filter((e) => e.kind === 'phase' && e.phase === 'rcpt').length, 2);
    const connect = events.find((e) => e.phase === 'connect')!;
    assert.equal(connect.remoteIp, '127.0.4.1');
    assert.ok(events.filter((e) => e.kind === 'phase').every((e) => e.attempt === 1));
  } finally {
    await s.cleanup();
  }
});

test('greylisting: deferred with the 4xx, then delivered on the retry once the clock has moved on', { skip: realDelivererMissing }, async () => {
  const s = await setup();
  mta.script.greylist = true;
  try {
    const before = mta.messages.length;
    const { message } = await enqueue(s.t.store, { from: 'grey@sender.test', to: ['bob@e2e.test'], createdAt: s.clock.now() });
    await s.scheduler.runOnce();
    let [bob] = await s.t.store.messages.recipients(message.id);
    assert.equal(bob.state, 'deferred');
    assert.ok(bob.lastCode! >= 400 && bob.lastCode! < 500, `a 4xx: ${bob.lastCode}`);
    assert.equal(bob.nextAttemptAt, s.clock.now() + 60_000);
    assert.equal(mta.messages.length, before);
    assert.equal(await s.scheduler.runOnce(), 0, 'not due before its backoff');
    s.clock.advance(60_000);
    assert.equal(await s.scheduler.runOnce(), 1);
    [bob] = await s.t.store.messages.recipients(message.id);
    assert.equal(bob.state, 'delivered');
    assert.equal(bob.attempts, 2);
    assert.equal(mta.messages.length, before + 1);
    const outcomes = (await s.t.store.events.forMessage(message.id)).filter((e) => e.recipientId === bob.id && e.kind !== 'phase');
    assert.deepEqual(
      outcomes.map((e) => [e.kind, e.attempt]),
      [
        ['deferred', 1],
        ['delivered', 2],
      ],
    );
  } finally {
    mta.script.greylist = false;
    await s.cleanup();
  }
});

void T0;
