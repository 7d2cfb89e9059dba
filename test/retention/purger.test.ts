/**
 * The purger: a pass repeats purge steps until nothing is left, logs what it deleted, keeps everything
 * when every retention is 0, and runs once at relay start (started in-process, old history is gone).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { startRelay } from '../../src/main.js';
import { createPurger, cutoffsAt } from '../../src/retention/purger.js';
import { captureLogger } from '../delivery/fixtures.js';
import { setState, tempStore } from '../bounces/support.js';
import { newMessage } from '../helpers/new-message.js';
import { waitFor } from '../e2e/cli.js';

const DAY = 24 * 60 * 60_000;
const NOW = Date.UTC(2030, 5, 1);
const t = tempStore('mailtrail-purger-');
after(() => t.cleanup());

async function finished(ageDays: number, now = NOW): Promise<number> {
  const { message, recipients } = await t.store.messages.enqueue(newMessage({ createdAt: now - ageDays * DAY, recipients: ['a@example.org'] }));
  setState(t.store, recipients[0].id, 'delivered', now - ageDays * DAY); // delivered when accepted
  return message.id;
}
const messages = () => t.store.messages.count();

test('cutoffsAt: days before now, 0 keeps forever', () => {
  const r = parseConfig({ retention: { history_days: 90, content_days: 0, inbound_days: 1.5, webhooks_days: 30 } }).retention;
  assert.deepEqual(cutoffsAt(NOW, r), { history: NOW - 90 * DAY, content: null, inbound: NOW - 1.5 * DAY, webhooks: NOW - 30 * DAY });
});

test('a pass runs steps until nothing is left, logs the counts once; all-zero retention deletes nothing', async () => {
  for (let i = 0; i < 5; i++) await finished(100 + i);
  await finished(1);
  const keepAll = createPurger({
    store: t.store,
    config: parseConfig({ retention: { history_days: 0, content_days: 0, inbound_days: 0, webhooks_days: 0 } }),
    logger: silentLogger(),
    clock: () => NOW,
  });
  assert.deepEqual(await keepAll.runOnce(), { messages: 0, contents: 0, inbound: 0, webhooks: 0 });
  assert.equal(await messages(), 6);

  const { logger, lines } = captureLogger();
  const purger = createPurger({ store: t.store, config: parseConfig({ retention: { history_days: 30, batch: 2 } }), logger, clock: () => NOW });
  const counts = await purger.runOnce();
  assert.equal(counts.messages, 5, 'three steps of at most 2 took all five old messages');
  assert.equal(await messages(), 1, 'the day-old message stays');
  const logged = lines.filter((l) => l.event === 'retention.purged');
  assert.equal(logged.length, 1);
  assert.equal(logged[0].messages, 5);
  assert.equal(logged[0].steps, 3);
  await purger.stop();
});

test('bad retention config names the key', () => {
  assert.throws(() => parseConfig({ retention: { history_days: -1 } }), /retention\.history_days/);
  assert.throws(() => parseConfig({ retention: { batch: 0 } }), /retention\.batch/);
  assert.throws(() => parseConfig({ retention: { batch: 100_000 } }), /retention\.batch/);
  // Node's timers cannot wait longer than 2^31 − 1 ms: a longer interval would fire every millisecond.
  assert.throws(() => parseConfig({ retention: { interval_ms: 3_000_000_000 } }), /retention\.interval_ms.*2147483647/);
  assert.throws(() => parseConfig({ delivery: { poll_interval_ms: 2 ** 31 } }), /delivery\.poll_interval_ms/);
  assert.equal(parseConfig({ retention: { interval_ms: 2 ** 31 - 1 } }).retention.interval_ms, 2 ** 31 - 1);
  // The PostgreSQL client's deadline is the statement timeout plus up to 5 s: within a timer too.
  assert.throws(() => parseConfig({ database: { backend: 'postgres', url: 'postgres://h/db', statement_timeout_ms: 2 ** 31 - 1 } }), /statement_timeout_ms/);
});

test('a message delivered lately is kept, however long ago it was accepted; a webhook-routed one only once read', async () => {
  const now = Date.now();
  const { message, recipients } = await t.store.messages.enqueue(newMessage({ createdAt: now - 400 * DAY, recipients: ['slow@example.org'] }));
  setState(t.store, recipients[0].id, 'delivered', now - 10 * DAY);
  await finished(0, now); // newer ids
  const config = parseConfig({ retention: { history_days: 30 } });
  const purger = createPurger({ store: t.store, config, logger: silentLogger(), clock: () => now });
  await purger.runOnce();
  assert.ok(await t.store.messages.getById(message.id), 'delivered 10 days ago: kept for 30 days from then');
  const later = createPurger({ store: t.store, config, logger: silentLogger(), clock: () => now + 21 * DAY });
  await later.runOnce();
  assert.equal(await t.store.messages.getById(message.id), null);
});

test('the relay purges old history right after it starts', { timeout: 30_000 }, async () => {
  const old = await finished(400, Date.now());
  // A recent message holds the highest ids, which a purge keeps (SQLite would give them again).
  await finished(0, Date.now());
  const config = parseConfig({
    database: { path: t.dbPath },
    submission: { starttls: { enabled: false, port: 2587 }, implicit_tls: { enabled: false, port: 2465 } },
    bounces: { enabled: false },
    delivery: { enabled: false },
    api: { enabled: false },
  });
  const relay = await startRelay(config, { logger: silentLogger() });
  try {
    await waitFor(async () => (await t.store.messages.getById(old)) === null, 'the 400-day-old message is purged', 10_000);
  } finally {
    await relay.stop();
  }
});
