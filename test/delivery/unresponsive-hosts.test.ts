/**
 * delivery.unresponsive_hosts: an MX address that gave no reply before a timeout is skipped for a while
 * (the next MX is tried, or the attempt defers at once with EUNRESPONSIVE), then one session probes it; new
 * sessions keep away from an address our connection has waited on too long. Against real listeners: a host
 * that accepts TCP and never greets (switchable to a real test MTA behind it), a backup MX, and a closed port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UnresponsiveHosts } from '../../src/delivery/unresponsive-hosts.js';
import { startCountingMta } from '../helpers/counting-mta.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startSilentHost, type SilentHost } from '../helpers/silent-host.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { captureLogger } from '../queue/fixtures.js';
import { testConfig, testDeliverer, testJob } from './fixtures.js';

const SWITCH_IP = '127.0.16.1'; // silent, or a proxy to the test MTA behind it
const MTA_IP = '127.0.16.2';
const BACKUP_IP = '127.0.16.3';
const CLOSED_IP = '127.0.16.4'; // nothing listens: connections are refused

let dns: DnsServer;
let mta: TestMta;
let backup: TestMta;
let host: SilentHost;

before(async () => {
  dns = await startDnsServer({
    mx: [
      { name: 'pair.test', exchange: 'mx.switch.test', preference: 10 },
      { name: 'pair.test', exchange: 'mx.backup.test', preference: 20 },
      { name: 'only.test', exchange: 'mx.switch.test', preference: 10 },
      { name: 'stalled.test', exchange: 'mx.switch.test', preference: 10 },
      { name: 'closed.test', exchange: 'mx.closed.test', preference: 10 },
    ],
    a: [
      { name: 'mx.switch.test', address: SWITCH_IP },
      { name: 'mx.backup.test', address: BACKUP_IP },
      { name: 'mx.closed.test', address: CLOSED_IP },
    ],
    ttl: 300,
  });
  mta = await startTestMta({ host: MTA_IP, port: 25 });
  backup = await startTestMta({ host: BACKUP_IP, port: 25 });
  host = await startSilentHost(SWITCH_IP, 25, { host: MTA_IP, port: 25 });
});

after(async () => {
  await Promise.all([dns?.stop(), mta?.stop(), backup?.stop(), host?.stop()]);
});

const connectPhases = (r: { phases: { phase: string; remoteIp: string | null; error?: string | null; text: string | null }[] }, ip: string) =>
  r.phases.filter((p) => p.phase === 'connect' && p.remoteIp === ip);

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test('an address that gave no greeting is skipped for the hold (the backup MX takes the mail, or the attempt defers at once), then probed by one session', async () => {
  host.silent = true;
  const config = testConfig(dns.address, { greeting_timeout_ms: 300, unresponsive_hosts: { hold_ms: 400, stalled_after_ms: 5_000 } });
  const log = captureLogger();
  const deliverer = await testDeliverer(config, log.logger);
  const hostLines = () => log.lines.filter((l) => String(l.event).startsWith('delivery.host_'));
  const accepted0 = host.accepted;
  const backup0 = backup.messages.length;
  try {
    // The first session waits out the greeting timeout, then the backup MX takes the message.
    const first = await deliverer.deliver(testJob({ domain: 'pair.test', to: ['a@pair.test'] }));
    assert.match(connectPhases(first, SWITCH_IP)[0].text ?? '', /no greeting/);
    assert.equal(first.recipients[0].outcome, 'delivered');
    assert.equal(host.accepted - accepted0, 1);
    // The operator is told once, when the address is held (not for each session it turns away).
    const held = hostLines();
    assert.equal(held.length, 1);
    assert.deepEqual(
      { ...held[0], held_until: undefined, msg: undefined },
      {
        level: 'warn',
        event: 'delivery.host_unresponsive',
        ip: SWITCH_IP,
        port: 25,
        text: 'no greeting within 300 ms',
        strikes: 1,
        held_until: undefined,
        msg: undefined,
      },
    );
    assert.ok(Math.abs(Date.parse(String(held[0]!.held_until)) - Date.now() - 400) < 200, 'held_until: 400 ms from now');

    // The next ones do not connect to the silent address: skipped at once, recorded, explained.
    const t0 = Date.now();
    const lone = await deliverer.deliver(testJob({ domain: 'only.test', to: ['b@only.test'] }));
    const stepped = await deliverer.deliver(testJob({ domain: 'pair.test', to: ['c@pair.test'] }));
    assert.ok(Date.now() - t0 < 250, `skipped without waiting (${Date.now() - t0} ms for two attempts)`);
    assert.equal(host.accepted - accepted0, 1, 'no new connection to the silent address');
    const skipped = connectPhases(lone, SWITCH_IP)[0];
    assert.equal(skipped.error, 'EUNRESPONSIVE');
    assert.match(skipped.text ?? '', /^not tried: 127\.0\.16\.1:25 did not answer at \S+Z \(no greeting within 300 ms\); it is left alone until \S+Z$/);
    const o = lone.recipients[0];
    assert.equal(o.outcome, 'deferred');
    assert.equal(o.enhanced, '4.4.1');
    assert.equal(o.classification.category, 'connection-failure');
    assert.equal(o.classification.hard, false);
    assert.equal(o.classification.rule, 'wording:host-unresponsive');
    assert.match(o.classification.explanation, /did not answer a recent connection of ours/);
    assert.equal(connectPhases(stepped, SWITCH_IP)[0].error, 'EUNRESPONSIVE');
    assert.equal(stepped.recipients[0].outcome, 'delivered');
    assert.equal(stepped.ip, BACKUP_IP);
    assert.equal(backup.messages.length - backup0, 2);

    // The hold over, one session tries the address again; the others keep skipping it meanwhile.
    await new Promise((r) => setTimeout(r, 450));
    const probe = deliverer.deliver(testJob({ domain: 'only.test', to: ['d@only.test'] }));
    await until(() => host.accepted - accepted0 === 2, 'the probe to connect');
    const meanwhile = await deliverer.deliver(testJob({ domain: 'only.test', to: ['e@only.test'] }));
    assert.match(connectPhases(meanwhile, SWITCH_IP)[0].text ?? '', /another session is trying it again now$/);
    assert.equal(host.accepted - accepted0, 2);

    // The probe gets no greeting either: held again, twice as long.
    const probed = await probe;
    assert.match(connectPhases(probed, SWITCH_IP)[0].text ?? '', /no greeting/);
    const heldAgain = connectPhases(await deliverer.deliver(testJob({ domain: 'only.test', to: ['f@only.test'] })), SWITCH_IP)[0];
    assert.equal(heldAgain.error, 'EUNRESPONSIVE');
    const detail = heldAgain as unknown as { detail: { since: string; until: string; skipped: string } };
    assert.equal(detail.detail.skipped, 'held');
    assert.equal(Date.parse(detail.detail.until) - Date.parse(detail.detail.since), 800);
    assert.deepEqual(
      hostLines().map((l) => [l.event, l.strikes]),
      [
        ['delivery.host_unresponsive', 1],
        ['delivery.host_unresponsive', 2],
      ],
    );

    // It answers again: the probe delivers, and the address is forgotten (the next session connects as usual).
    host.silent = false;
    await new Promise((r) => setTimeout(r, 850));
    const answered = await deliverer.deliver(testJob({ domain: 'only.test', to: ['g@only.test'] }));
    assert.equal(answered.recipients[0].outcome, 'delivered');
    assert.equal(answered.ip, SWITCH_IP);
    const after = await deliverer.deliver(testJob({ domain: 'pair.test', to: ['h@pair.test'] }));
    assert.equal(after.ip, SWITCH_IP);
    assert.ok(!after.phases.some((p) => p.error === 'EUNRESPONSIVE'));
    const back = hostLines()[2]!;
    assert.equal(back.event, 'delivery.host_answered');
    assert.equal(back.level, 'info');
    assert.equal(back.ip, SWITCH_IP);
    assert.ok((back.duration_ms as number) >= 1_700, `counted from the first timeout (${back.duration_ms} ms)`);
    assert.equal(hostLines().length, 3);
  } finally {
    host.silent = true;
    await deliverer.close();
  }
});

test('new sessions keep away from an address our connection has waited on past stalled_after_ms; hold_ms 0 never skips', async () => {
  host.silent = true;
  const config = testConfig(dns.address, { greeting_timeout_ms: 900, unresponsive_hosts: { hold_ms: 60_000, stalled_after_ms: 200 } });
  const deliverer = await testDeliverer(config);
  const accepted0 = host.accepted;
  try {
    const waiting = deliverer.deliver(testJob({ domain: 'stalled.test', to: ['a@stalled.test'] }));
    await until(() => host.accepted - accepted0 === 1, 'the first connection');
    // Young: a second session joins (a server may greet late).
    const young = deliverer.deliver(testJob({ domain: 'stalled.test', to: ['b@stalled.test'] }));
    await until(() => host.accepted - accepted0 === 2, 'the second connection');
    await new Promise((r) => setTimeout(r, 300));
    const kept = await deliverer.deliver(testJob({ domain: 'stalled.test', to: ['c@stalled.test'] }));
    const skipped = connectPhases(kept, SWITCH_IP)[0];
    assert.equal(skipped.error, 'EUNRESPONSIVE');
    assert.match(
      skipped.text ?? '',
      /^not tried: our connection to 127\.0\.16\.1:25 opened at \S+Z has had no reply yet; no more are opened until it is answered$/,
    );
    assert.equal(host.accepted - accepted0, 2);
    assert.equal(kept.recipients[0].classification.rule, 'wording:host-stalled', 'not held: nothing timed out yet');
    assert.match(kept.recipients[0].classification.explanation, /opens no more to it until that one is answered/);
    // The waiting sessions keep their full greeting time.
    for (const r of await Promise.all([waiting, young])) assert.match(connectPhases(r, SWITCH_IP)[0].text ?? '', /no greeting: no reply within 900 ms/);
  } finally {
    await deliverer.close();
  }

  const off = await testDeliverer(testConfig(dns.address, { greeting_timeout_ms: 200, unresponsive_hosts: { hold_ms: 0 } }));
  try {
    const before = host.accepted;
    for (const to of ['d', 'e']) {
      const r = await off.deliver(testJob({ domain: 'stalled.test', to: [`${to}@stalled.test`] }));
      assert.match(connectPhases(r, SWITCH_IP)[0].text ?? '', /no greeting/);
    }
    assert.equal(host.accepted - before, 2, 'with hold_ms 0 every session connects');
  } finally {
    await off.close();
  }
});

test('a refused connection is an answer: nothing is held', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address, { unresponsive_hosts: { hold_ms: 60_000 } }));
  try {
    for (const to of ['a', 'b']) {
      const r = await deliverer.deliver(testJob({ domain: 'closed.test', to: [`${to}@closed.test`] }));
      const [p] = connectPhases(r, CLOSED_IP);
      assert.equal(p.error, 'ECONNREFUSED', `attempt ${to}: ${p.error} ${p.text}`);
    }
  } finally {
    await deliverer.close();
  }
});

test("a session that waited for the address's only slot while it went silent does not connect into the same wait", async () => {
  host.silent = true;
  const config = testConfig(dns.address, {
    greeting_timeout_ms: 400,
    max_connections_per_host: 1,
    unresponsive_hosts: { hold_ms: 60_000, stalled_after_ms: 5_000 },
  });
  const deliverer = await testDeliverer(config);
  const accepted0 = host.accepted;
  try {
    const first = deliverer.deliver(testJob({ domain: 'only.test', to: ['a@only.test'] }));
    await until(() => host.accepted - accepted0 === 1, 'the first connection');
    // Waits for the only slot; gets it when the first times out, by when the address is held.
    const second = await deliverer.deliver(testJob({ domain: 'only.test', to: ['b@only.test'] }));
    const [p] = connectPhases(second, SWITCH_IP);
    assert.equal(p!.error, 'EUNRESPONSIVE', `${p!.error} ${p!.text}`);
    assert.equal(host.accepted - accepted0, 1, 'no second connection');
    assert.match(connectPhases(await first, SWITCH_IP)[0]!.text ?? '', /no greeting/);
  } finally {
    await deliverer.close();
  }
});

test("the probe of a held address that first waits for the address's only slot still probes it (its own turn is not another session's)", async () => {
  host.silent = true;
  // Another port of the same IP answers slowly: its transaction holds the IP's one connection slot for a while.
  const slow = await startCountingMta({ host: SWITCH_IP, port: 2526, replyDelayMs: () => 250 });
  const config = testConfig(dns.address, {
    greeting_timeout_ms: 300,
    max_connections_per_host: 1,
    routes: { 'slow.test': `[${SWITCH_IP}]:2526` },
    unresponsive_hosts: { hold_ms: 400, stalled_after_ms: 5_000 },
  });
  const deliverer = await testDeliverer(config);
  const accepted0 = host.accepted;
  try {
    const silent = await deliverer.deliver(testJob({ domain: 'only.test', to: ['a@only.test'] }));
    assert.match(connectPhases(silent, SWITCH_IP)[0]!.text ?? '', /no greeting/);
    host.silent = false; // it answers again, through the test MTA
    await new Promise((r) => setTimeout(r, 450)); // the hold is over
    const busy = deliverer.deliver(testJob({ domain: 'slow.test', to: ['s@slow.test'] }));
    await until(() => slow.open() === 1, 'the slow transaction to hold the slot');
    // Let through as the probe, it waits for the slot the slow transaction holds, then connects.
    const probe = await deliverer.deliver(testJob({ domain: 'only.test', to: ['b@only.test'] }));
    const phases = connectPhases(probe, SWITCH_IP);
    assert.ok(!phases.some((p) => p.error === 'EUNRESPONSIVE'), phases.map((p) => `${p.error} ${p.text}`).join(' | '));
    assert.equal(probe.recipients[0]!.outcome, 'delivered');
    assert.equal(host.accepted - accepted0, 2, 'the probe connected');
    assert.equal((await busy).recipients[0]!.outcome, 'delivered');
  } finally {
    host.silent = true;
    await deliverer.close();
    await slow.stop();
  }
});

test('connections that time out together are one strike; a probe that never connects gives its turn back', () => {
  let now = 1_000_000;
  const hosts = new UnresponsiveHosts({ holdMs: 5 * 60_000, stalledAfterMs: 30_000, probeMs: 330_000, now: () => now });
  const twenty = Array.from({ length: 20 }, () => hosts.opening('192.0.2.9:25'));
  now += 300_000;
  for (const o of twenty) o.unanswered('no greeting');
  const skip = hosts.check('192.0.2.9:25')!;
  assert.equal(skip.until! - skip.since, 5 * 60_000, 'held 5 minutes, not doubled nineteen times');
  now = skip.until!;
  assert.equal(hosts.check('192.0.2.9:25'), null, 'this session is the probe');
  assert.equal(hosts.check('192.0.2.9:25')?.reason, 'probing');
  hosts.unprobe('192.0.2.9:25'); // it was turned away before connecting
  assert.equal(hosts.check('192.0.2.9:25'), null, 'the next session probes at once');
  hosts.opening('192.0.2.9:25').unanswered('no greeting');
  const again = hosts.check('192.0.2.9:25')!;
  assert.equal(again.until! - again.since, 10 * 60_000, 'the probe timing out is a second strike');
});

test('the hold doubles while the address stays silent, up to 30 minutes, and the memory is bounded', () => {
  let now = 1_000_000;
  const hosts = new UnresponsiveHosts({ holdMs: 5 * 60_000, stalledAfterMs: 30_000, probeMs: 330_000, now: () => now, maxEntries: 3 });
  const holds: number[] = [];
  for (let i = 0; i < 5; i++) {
    assert.equal(hosts.check('192.0.2.1:25'), null, 'the hold over, a session may try');
    hosts.opening('192.0.2.1:25').unanswered('no greeting');
    const skip = hosts.check('192.0.2.1:25')!;
    holds.push((skip.until! - skip.since) / 60_000);
    now = skip.until!;
  }
  assert.deepEqual(holds, [5, 10, 20, 30, 30]);
  for (const ip of ['192.0.2.2', '192.0.2.3', '192.0.2.4']) hosts.opening(`${ip}:25`).unanswered('no connection');
  assert.deepEqual(
    hosts.list().map((h) => h.address),
    ['192.0.2.2:25', '192.0.2.3:25', '192.0.2.4:25'],
  );
});
