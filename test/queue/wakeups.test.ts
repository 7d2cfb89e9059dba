/**
 * A relay's scheduler woken by another relay's intake on one PostgreSQL database: with a poll interval
 * far longer than the test, anything delivered was found through LISTEN/NOTIFY. And when the listening
 * connection is cut, the scheduler says so in the log, listens again, and then finds what was queued
 * while it was deaf, without waiting for its poll.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { createDeliverySide } from '../../src/queue/delivery-side.js';
import { openStore } from '../../src/store/index.js';
import { WAKEUPS_APPLICATION_NAME } from '../../src/store/postgres/wakeups.js';
import type { Store } from '../../src/store/store.js';
import { waitFor } from '../e2e/cli.js';
import { startCountingMta, type CountingMta } from '../helpers/counting-mta.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { newMessage } from '../helpers/new-message.js';
import { startPostgres, type PgCluster } from '../helpers/postgres.js';

const MX = '127.0.13.10';
/** Far beyond the test: the scheduler's poll never finds the mail, only a wake-up can. */
const POLL_MS = 60_000;

let cluster: PgCluster;
let dns: DnsServer;
let mta: CountingMta;
before(async () => {
  cluster = await startPostgres();
  dns = await startDnsServer({ mx: [{ name: 'wake.test', exchange: 'mx.wake.test', preference: 10 }], a: [{ name: 'mx.wake.test', address: MX }] });
  mta = await startCountingMta({ host: MX, replyDelayMs: () => 0 });
});
after(async () => {
  await mta?.stop();
  await dns?.stop();
  cluster?.stop();
});

/** Relay A's store (it only queues) and relay B's delivery side with its log lines, on a new database. */
async function twoRelays(name: string) {
  const db = await cluster.createDatabase(name);
  const config = parseConfig({
    hostname: 'relay-b.test',
    database: { backend: 'postgres', url: cluster.url(db), pool: 2 },
    log: { level: 'info' },
    delivery: { dns_servers: [dns.address], tls_policy: { default: 'none' }, poll_interval_ms: POLL_MS, dsn: { enabled: false } },
  });
  const lines: { event: string; time: string; duration_ms?: number; err?: string }[] = [];
  const logger = createLogger(config, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const a: Store = await openStore(config);
  const b: Store = await openStore(config);
  const side = createDeliverySide({ config, store: b, logger });
  side.scheduler.start();
  const listening = async () =>
    (
      await cluster.sql('postgres', `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND query LIKE 'LISTEN%'`, [
        db,
        WAKEUPS_APPLICATION_NAME,
      ])
    )[0]!.n === 1;
  await waitFor(listening, 'relay B listening for wake-ups');
  // B's first pass found nothing and it sleeps for its poll interval.
  await new Promise((r) => setTimeout(r, 300));
  /** Queues one message through A; resolves with the time from the commit to its arrival at the MTA. */
  const sendThroughA = async (id: string) => {
    await a.messages.enqueue(newMessage({ messageId: id, recipients: [`${id.split('@')[0]}@wake.test`] }));
    const at = Date.now();
    await waitFor(async () => mta.copies.has(id), `${id} delivered by relay B`, 10_000, 10);
    return mta.received.find((c) => c.id === id)!.at - at;
  };
  return {
    db,
    lines,
    listening,
    sendThroughA,
    async close() {
      await side.scheduler.stop(2_000);
      await side.deliverer.close();
      await Promise.all([a.close(), b.close()]);
    },
  };
}

test("mail queued through one relay is delivered by another relay's scheduler at once, not at its poll", { timeout: 60_000 }, async (t) => {
  const r = await twoRelays('wake_deliver');
  try {
    for (let i = 1; i <= 3; i++) {
      const ms = await r.sendThroughA(`now-${i}@app.test`);
      t.diagnostic(`message ${i}: at the MTA ${ms} ms after relay A's commit (poll interval ${POLL_MS} ms)`);
      assert.ok(ms < 2_000, `delivered ${ms} ms after the commit: woken, not polled`);
    }
  } finally {
    await r.close();
  }
});

test('when its listening connection is cut the scheduler logs it, listens again, and finds the mail queued meanwhile', { timeout: 60_000 }, async (t) => {
  const r = await twoRelays('wake_cut');
  try {
    await cluster.sql('postgres', `ALTER DATABASE ${r.db} ALLOW_CONNECTIONS false`);
    await cluster.sql('postgres', 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [
      r.db,
      WAKEUPS_APPLICATION_NAME,
    ]);
    await waitFor(async () => r.lines.some((l) => l.event === 'queue.wakeups_lost'), 'queue.wakeups_lost logged');
    // Queued while B is deaf: its NOTIFY reaches nobody. (A's pool still has its connection.)
    const missed = r.sendThroughA('missed@app.test');
    await new Promise((res) => setTimeout(res, 1_000));
    assert.equal(r.lines.filter((l) => l.event === 'queue.wakeups_resumed').length, 0);
    await cluster.sql('postgres', `ALTER DATABASE ${r.db} ALLOW_CONNECTIONS true`);
    await missed;
    const resumed = r.lines.find((l) => l.event === 'queue.wakeups_resumed');
    assert.ok(resumed, 'queue.wakeups_resumed logged');
    const afterResume = mta.received.find((c) => c.id === 'missed@app.test')!.at - Date.parse(resumed.time);
    t.diagnostic(`deaf for ${resumed.duration_ms} ms; the mail queued meanwhile reached the MTA ${afterResume} ms after listening resumed`);
    assert.ok(afterResume < 2_000, 'found as soon as listening resumed, not at the poll');
    assert.ok(await r.listening());
    assert.equal(r.lines.filter((l) => l.event === 'queue.wakeups_lost').length, 1, 'the outage is logged once');

    const after = await r.sendThroughA('after@app.test');
    t.diagnostic(`after the outage: at the MTA ${after} ms after the commit`);
    assert.ok(after < 2_000);
  } finally {
    await r.close();
  }
});
