/**
 * delivery.max_connections_per_host: simultaneous connections to one MX address, whichever domains
 * lead there. The MX address (127.0.6.1:25) is a counting TCP proxy in front of the test MTA
 * (127.0.6.2:25), so the test sees exactly what a receiver would: how many connections are open at
 * once. A connection counts as open from accept until our side closes it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startSilentHost, type SilentHost } from '../helpers/silent-host.js';
import { startTestMta, type TestMta } from '../helpers/test-mta.js';
import { enqueue, manualClock, tempStore, testConfig as queueConfig } from '../queue/fixtures.js';
import { captureLogger, testConfig, testDeliverer, testJob } from './fixtures.js';

const MX_IP = '127.0.6.1'; // the counting proxy: what DNS points at
const MTA_IP = '127.0.6.2'; // the test MTA behind it
const SILENT_IP = '127.0.6.3'; // accepts connections and never greets
const BACKUP_IP = '127.0.6.4'; // a second MX, plain test MTA

interface Counter {
  open: number;
  max: number;
  total: number;
  /** Waits for the previous test's connections to be gone, then starts counting afresh. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP proxy that counts simultaneous connections: +1 at accept, −1 when the client closes its side. */
async function startCountingProxy(host: string, target: { host: string; port: number }): Promise<Counter> {
  const sockets = new Set<net.Socket>();
  const counter: Counter = {
    open: 0,
    max: 0,
    total: 0,
    async reset() {
      for (let i = 0; i < 200 && counter.open > 0; i++) await new Promise((r) => setTimeout(r, 10));
      counter.max = counter.open;
      counter.total = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((inbound) => {
    counter.open++;
    counter.total++;
    counter.max = Math.max(counter.max, counter.open);
    let counted = true;
    const closed = () => {
      if (!counted) return;
      counted = false;
      counter.open--;
    };
    // 'end' (the client's FIN) is the earliest sign that the client has let the connection go.
    inbound.once('end', closed);
    inbound.once('close', closed);
    const outbound = net.connect(target.port, target.host);
    sockets.add(inbound).add(outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => {
      sockets.delete(inbound);
      outbound.destroy();
    });
    outbound.on('close', () => {
      sockets.delete(outbound);
      inbound.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(25, host, () => resolve());
  });
  return counter;
}

let dns: DnsServer;
let mta: TestMta;
let backup: TestMta;
let proxy: Counter;
let silent: SilentHost;

before(async () => {
  dns = await startDnsServer({
    mx: [
      // Two domains on one MX host name (as every Google Workspace domain is on aspmx.l.google.com)…
      { name: 'one.shared.test', exchange: 'mx.shared.test', preference: 10 },
      { name: 'two.shared.test', exchange: 'mx.shared.test', preference: 10 },
      { name: 'three.shared.test', exchange: 'mx.shared.test', preference: 10 },
      // …and one whose MX has another name but the same address.
      { name: 'alias.shared.test', exchange: 'mx.alias.test', preference: 10 },
      // A full first MX with a backup, and a full MX without one.
      { name: 'stepping.test', exchange: 'mx.silent.test', preference: 10 },
      { name: 'stepping.test', exchange: 'mx.backup.test', preference: 20 },
      { name: 'lone.test', exchange: 'mx.silent.test', preference: 10 },
    ],
    a: [
      { name: 'mx.shared.test', address: MX_IP },
      { name: 'mx.alias.test', address: MX_IP },
      { name: 'mx.silent.test', address: SILENT_IP },
      { name: 'mx.backup.test', address: BACKUP_IP },
    ],
  });
  mta = await startTestMta({ host: MTA_IP });
  backup = await startTestMta({ host: BACKUP_IP });
  proxy = await startCountingProxy(MX_IP, { host: MTA_IP, port: 25 });
  silent = await startSilentHost(SILENT_IP);
});

after(async () => {
  await Promise.all([proxy?.stop(), silent?.stop(), mta?.stop(), backup?.stop()]);
  await dns?.stop();
});

test('domains sharing one MX: never more than max_connections_per_host open to it, all delivered, connections reused', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address, { max_connections_per_host: 2 }));
  await proxy.reset();
  const first = mta.messages.length;
  try {
    const jobs = Array.from({ length: 10 }, (_, i) => {
      const domain = i % 2 ? 'one.shared.test' : 'two.shared.test';
      return testJob({ domain, to: [`user${i}@${domain}`] });
    });
    const reports = await Promise.all(jobs.map((j) => deliverer.deliver(j)));

    assert.deepEqual(
      reports.map((r) => r.recipients[0].outcome),
      jobs.map(() => 'delivered'),
    );
    assert.equal(mta.messages.length - first, 10);
    assert.equal(proxy.max, 2, 'two sessions at once, never three');
    // The waiting sessions were handed the open connections instead of opening their own.
    assert.equal(proxy.total, 2, 'ten messages over two TCP connections');
    assert.equal(new Set(mta.messages.slice(first).map((m) => m.connectionId)).size, 2);
    const connects = reports.map((r) => r.phases.find((p) => p.phase === 'connect')!);
    assert.equal(connects.filter((p) => p.detail?.reused === true).length, 8);
    assert.ok(
      connects.some((p) => typeof p.detail?.waited_ms === 'number'),
      'waiting for a slot is shown in the connect phase',
    );
    assert.ok(!reports.some((r) => r.phases.some((p) => p.error === 'ELOCALLIMIT')));
  } finally {
    await deliverer.close();
  }
});

test('an idle connection holds a slot but never blocks: another MX name at the same address closes it and goes ahead', async () => {
  const deliverer = await testDeliverer(testConfig(dns.address, { max_connections_per_host: 1 }));
  await proxy.reset();
  try {
    const a = await deliverer.deliver(testJob({ domain: 'one.shared.test', to: ['a@one.shared.test'] }));
    assert.equal(a.recipients[0].outcome, 'delivered');
    assert.equal(proxy.open, 1, 'the connection is kept open (idle) for reuse');
    const firstConnection = mta.messages.at(-1)!.connectionId;

    // Another host name means another pool key (TLS name, policy): it cannot reuse the idle session,
    // and must not wait for it to expire either.
    const b = await deliverer.deliver(testJob({ domain: 'alias.shared.test', to: ['b@alias.shared.test'] }));
    assert.equal(b.recipients[0].outcome, 'delivered');
    assert.ok(!b.phases.some((p) => p.error === 'ELOCALLIMIT'));
    assert.notEqual(mta.messages.at(-1)!.connectionId, firstConnection);
    assert.ok(
      mta.commands.some((c) => c.connectionId === firstConnection && c.command === 'QUIT'),
      'the idle connection was closed politely',
    );

    // Both names at once under a limit of 1: they take turns, and all arrive.
    const more = await Promise.all(
      ['one.shared.test', 'alias.shared.test', 'one.shared.test', 'alias.shared.test'].map((domain, i) =>
        deliverer.deliver(testJob({ domain, to: [`m${i}@${domain}`] })),
      ),
    );
    assert.deepEqual(
      more.map((r) => r.recipients[0].outcome),
      ['delivered', 'delivered', 'delivered', 'delivered'],
    );
    assert.equal(proxy.max, 1, 'never two connections to the address');
  } finally {
    await deliverer.close();
  }
});

test('a full address: the session waits up to connect_timeout, records a local-limit connect phase, then tries the next MX or defers', async () => {
  const config = testConfig(dns.address, { max_connections_per_host: 1, connect_timeout_ms: 300, greeting_timeout_ms: 1_500 });
  const deliverer = await testDeliverer(config);
  const acceptedBefore = silent.accepted;
  const backupBefore = backup.messages.length;
  try {
    // Takes the only slot for SILENT_IP and keeps it while it waits for a greeting that never comes.
    const holder = deliverer.deliver(testJob({ domain: 'lone.test', to: ['held@lone.test'] }));
    while (silent.accepted === acceptedBefore) await new Promise((r) => setTimeout(r, 10));

    const aborter = new AbortController();
    const stopper = new AbortController();
    const started = Date.now();
    const [stepped, deferred, aborted, stopped] = await Promise.all([
      deliverer.deliver(testJob({ domain: 'stepping.test', to: ['x@stepping.test'] })),
      deliverer.deliver(testJob({ domain: 'lone.test', to: ['y@lone.test'] })),
      deliverer.deliver(testJob({ domain: 'lone.test', to: ['z@lone.test'] }), aborter.signal),
      deliverer.deliver(testJob({ domain: 'lone.test', to: ['v@lone.test'] }), undefined, stopper.signal).then((r) => ({ r, ms: Date.now() - started })),
      new Promise<void>((r) => setTimeout(r, 50)).then(() => {
        aborter.abort();
        stopper.abort();
      }),
    ]);

    // The first MX was full: a connect phase says so, and the backup MX took the message.
    const limited = stepped.phases.find((p) => p.phase === 'connect' && p.remoteIp === SILENT_IP)!;
    assert.equal(limited.error, 'ELOCALLIMIT');
    assert.equal(limited.code, null);
    assert.match(limited.text ?? '', /^local limit: 1 connection to 127\.0\.6\.3 already open/);
    assert.equal(limited.detail?.local_limit, 1);
    assert.equal(stepped.recipients[0].outcome, 'delivered');
    assert.equal(stepped.ip, BACKUP_IP);
    assert.equal(backup.messages.length - backupBefore, 1);

    // No other MX: deferred (temporary) with the local-limit text; our own limit is not the
    // destination asking us to slow down, so the domain is not throttled.
    const o = deferred.recipients[0];
    assert.equal(o.outcome, 'deferred');
    assert.equal(o.phase, 'connect');
    assert.match(o.text ?? '', /^local limit: 1 connection to 127\.0\.6\.3 already open/);
    assert.equal(deferred.throttled, false);
    assert.notEqual(o.classification.category, 'rate-limited');

    // Shutdown ends a wait at once, as itself.
    assert.equal(aborted.recipients[0].outcome, 'deferred');
    assert.equal(aborted.phases.find((p) => p.phase === 'connect')?.error, 'EABORTED');
    // The relay stopping ends a wait for a slot too, before connect_timeout: nothing began, so the job is
    // handed back unattempted (not a local-limit deferral retried minutes later).
    assert.equal(stopped.r.abandoned, true);
    assert.ok(stopped.ms < 250, `handed back after ${stopped.ms} ms, not at the 300 ms connect timeout`);

    assert.equal(silent.accepted - acceptedBefore, 1, 'only the holder ever connected to the full address');
    const held = await holder;
    assert.equal(held.recipients[0].outcome, 'deferred');
    assert.match(held.recipients[0].text ?? '', /no greeting/);

    // Its slot is free again, but the address gave no greeting: the next session skips it at once
    // (unresponsive-hosts.ts) instead of waiting out another greeting timeout.
    const again = await deliverer.deliver(testJob({ domain: 'lone.test', to: ['w@lone.test'] }));
    assert.ok(!again.phases.some((p) => p.error === 'ELOCALLIMIT'));
    assert.equal(again.recipients[0].outcome, 'deferred');
    assert.equal(again.phases.find((p) => p.phase === 'connect')?.error, 'EUNRESPONSIVE');
    assert.equal(silent.accepted - acceptedBefore, 1);
  } finally {
    await deliverer.close();
  }
});

test('a job given back because its address has as many sessions waiting as it takes logs nothing: its lookup is logged once it goes on', async () => {
  const config = testConfig(dns.address, { max_connections_per_host: 1, connect_timeout_ms: 2_500, greeting_timeout_ms: 3_000 });
  const { logger, lines } = captureLogger();
  const deliverer = await testDeliverer(config, logger);
  const acceptedBefore = silent.accepted;
  try {
    const holderJob = testJob({ domain: 'lone.test', to: ['held@lone.test'] });
    const holder = deliverer.deliver(holderJob); // the only slot, waiting for a greeting that never comes
    while (silent.accepted === acceptedBefore) await new Promise((r) => setTimeout(r, 10));
    const waiterJob = testJob({ domain: 'lone.test', to: ['queued@lone.test'] });
    const waiter = deliverer.deliver(waiterJob); // queued behind it: as many waiting as the limit
    await new Promise((r) => setTimeout(r, 1_300)); // the address stands still for over a second
    const backJob = testJob({ domain: 'lone.test', to: ['back@lone.test'] });
    const back = await deliverer.deliver(backJob);
    assert.equal(back.abandoned, true);
    assert.equal(back.hostBusy, true, 'given back: its first address is full and still');
    assert.deepEqual(
      back.phases.map((p) => p.phase),
      ['dns'],
      'the lookup is in the report',
    );
    const phaseLines = (queueId: string) => lines.filter((l) => l.event === 'smtp.phase' && l.queue_id === queueId).map((l) => l.phase);
    assert.deepEqual(phaseLines(backJob.message.queueId), [], 'nothing logged for a job given back unattempted');
    assert.deepEqual(phaseLines(holderJob.message.queueId), ['dns'], "the holder's lookup is logged as it connects");
    await Promise.all([holder, waiter]);
    assert.deepEqual(phaseLines(holderJob.message.queueId), ['dns', 'connect']);
    assert.deepEqual(phaseLines(waiterJob.message.queueId).slice(0, 2), ['dns', 'connect'], 'a job that waited logs its lookup before its wait');
  } finally {
    await deliverer.close();
  }
});

test('with the scheduler: more transactions than the host allows are all delivered, without deadlock or extra connections', async () => {
  const t = tempStore();
  const config = queueConfig({
    dns_servers: [dns.address],
    connect_timeout_ms: 5_000,
    greeting_timeout_ms: 5_000,
    command_timeout_ms: 5_000,
    max_connections: 6,
    max_connections_per_domain: 3,
    max_connections_per_host: 2,
  });
  const deliverer = await testDeliverer(config, silentLogger());
  const clock = manualClock(Date.now());
  const scheduler = createScheduler({ config, store: t.store, deliverer, logger: silentLogger(), clock });
  await proxy.reset();
  const first = mta.messages.length;
  try {
    const ids: number[] = [];
    for (const domain of ['one.shared.test', 'two.shared.test', 'three.shared.test']) {
      for (let i = 0; i < 3; i++) ids.push((await enqueue(t.store, { to: [`s${i}@${domain}`], createdAt: clock.now() })).message.id);
    }
    // Six sessions may run at once (three per domain) but only two may connect: four wait for a slot, holding none.
    let claimed = 0;
    for (let pass = 0; pass < 5 && claimed < 9; pass++) claimed += await scheduler.runOnce();
    assert.equal(claimed, 9);
    for (const id of ids) {
      const [r] = await t.store.messages.recipients(id);
      assert.equal(r.state, 'delivered', `${r.address}: ${r.lastText}`);
    }
    assert.equal(mta.messages.length - first, 9);
    assert.ok(proxy.max <= 2, `at most two connections at once (saw ${proxy.max})`);
    assert.ok(proxy.total < 9, `connections were reused (${proxy.total} for 9 messages)`);
  } finally {
    await scheduler.stop(1_000);
    await deliverer.close();
    await t.cleanup();
  }
});
