/**
 * The per-address slots shared by relays on one PostgreSQL database, seen from a relay that is stopping:
 * its wait for a full address ends at the next ask instead of at connect_timeout_ms, and it takes no new
 * slot (the deliverer hands the job back unattempted).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createDeliverer } from '../../src/delivery/deliverer.js';
import { silentLogger } from '../../src/log/logger.js';
import { sharedHostSlots } from '../../src/queue/host-slots.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import { testConfig, testJob } from '../delivery/fixtures.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { startPostgres, type PgCluster } from '../helpers/postgres.js';

let cluster: PgCluster;
let store: PostgresStore;
before(async () => {
  cluster = await startPostgres();
  store = await openPostgresStore({ url: cluster.url(await cluster.createDatabase('host_slots')), pool: 2 });
});
after(async () => {
  await store?.close();
  cluster?.stop();
});

const config = parseConfig({ hostname: 'relay.test', delivery: { max_connections_per_host: 1 } });
const IP = '192.0.2.77';

test('a wait for a full address ends soon after the relay starts stopping, and a stopping relay takes no free slot', { timeout: 30_000 }, async () => {
  const a = sharedHostSlots({ config, shared: store.destinations, owner: 'relay-a' });
  const b = sharedHostSlots({ config, shared: store.destinations, owner: 'relay-b' });
  const held = await a.take(IP, 1, { timeoutMs: 1_000 });
  assert.equal(typeof held, 'string', 'relay A holds the only slot');

  const stopping = new AbortController();
  const started = Date.now();
  const waiting = b.take(IP, 1, { timeoutMs: 10_000, stopping: stopping.signal });
  setTimeout(() => stopping.abort(), 200);
  assert.equal(await waiting, null, 'no slot');
  const waited = Date.now() - started;
  assert.ok(waited >= 200 && waited < 1_000, `the wait ended ${waited} ms after it began, not at its 10 s timeout`);

  const holders = () => store.db.rows<{ holder: string }>('SELECT holder FROM destination_slots WHERE key = $1', [`host:${IP}`]);
  a.give(held as string); // given back in the background
  const until = Date.now() + 5_000;
  while ((await holders()).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await holders(), [], "A's slot is given back");
  // The slot is free now; a relay that is stopping still does not take it.
  assert.equal(await b.take(IP, 1, { timeoutMs: 1_000, stopping: stopping.signal }), null);
  assert.deepEqual(await holders(), [], 'none taken by the stopping relay');
});

test('a delivery waiting for a shared slot is handed back unattempted when the relay stops, not deferred at connect_timeout_ms', {
  timeout: 30_000,
}, async () => {
  const FULL_IP = '127.0.9.77'; // never connected to: its only slot is held by another relay
  const dns = await startDnsServer({ mx: [{ name: 'full.test', exchange: 'mx.full.test', preference: 10 }], a: [{ name: 'mx.full.test', address: FULL_IP }] });
  const dconfig = testConfig(dns.address, { max_connections_per_host: 1, connect_timeout_ms: 10_000 });
  const other = sharedHostSlots({ config: dconfig, shared: store.destinations, owner: 'relay-c' });
  const held = await other.take(FULL_IP, 1, { timeoutMs: 1_000 });
  assert.equal(typeof held, 'string');
  const deliverer = createDeliverer({
    config: dconfig,
    logger: silentLogger(),
    hostSlots: sharedHostSlots({ config: dconfig, shared: store.destinations, owner: 'relay-d' }),
  });
  try {
    const stopper = new AbortController();
    const started = Date.now();
    setTimeout(() => stopper.abort(), 200);
    const report = await deliverer.deliver(testJob({ domain: 'full.test', to: ['x@full.test'] }), undefined, stopper.signal);
    const took = Date.now() - started;
    assert.equal(report.abandoned, true, 'handed back unattempted');
    assert.ok(!report.phases.some((p) => p.error === 'ELOCALLIMIT'), 'no local-limit phase recorded');
    assert.ok(took < 2_000, `handed back after ${took} ms, not at the 10 s connect timeout`);
  } finally {
    other.give(held as string);
    await deliverer.close();
    await dns.stop();
  }
});
