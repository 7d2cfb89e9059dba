/**
 * A delivery worker in its own process, for crash tests: it opens the database, starts the scheduler
 * with the real deliverer, and runs until killed. The parent kills it with SIGKILL mid-delivery and
 * checks that another worker picks the interrupted recipients up once their leases lapse.
 *
 * Usage: node --import tsx test/helpers/worker-process.ts '<json>'
 *   json: { "db": "/tmp/…/q.db", "owner": "worker-1", "config": { "delivery": { … } } }
 * Prints one line `{"ready":true,"owner":…}` on stdout once the scheduler runs; logs go to stderr.
 * SIGTERM stops it gracefully (stop claiming, finish, release leases).
 */
import pino from 'pino';
import { configSchema } from '../../src/config/schema.js';
import { createScheduler } from '../../src/queue/scheduler.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { createTestDeliverer } from '../queue/real-deliverer.js';
import { schemaLogger } from '../../src/log/logger.js';

interface WorkerArgs {
  db: string;
  owner: string;
  config: Record<string, unknown>;
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
if (!args.db || !args.owner) {
  process.stderr.write('usage: worker-process.ts \'{"db":"/path/q.db","owner":"w1","config":{}}\'\n');
  process.exit(2);
}
const config = configSchema.parse({ ...args.config, database: { path: args.db } });
const logger = schemaLogger(pino({ level: process.env.WORKER_LOG_LEVEL ?? 'warn' }, pino.destination(2)));
const store = openSqliteStore({ path: args.db, synchronous: 'FULL', busyTimeoutMs: 5_000 });
const deliverer = await createTestDeliverer(config, logger);
const scheduler = createScheduler({ config, store, deliverer, logger, owner: args.owner });
scheduler.start();
process.stdout.write(JSON.stringify({ ready: true, owner: scheduler.owner }) + '\n');

process.on('SIGTERM', () => {
  void (async () => {
    await scheduler.stop(5_000);
    await deliverer.close();
    await store.close();
    process.exit(0);
  })();
});
