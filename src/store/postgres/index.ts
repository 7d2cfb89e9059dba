/**
 * The PostgreSQL backend of the Store interface: several relays share one database (one queue, one
 * history, one suppression list, one events feed). Opening connects the pool, checks that commits are
 * durable, and applies pending migrations under an advisory lock.
 */
import type { Store } from '../store.js';
import { connect, migrate, type Pg, type PgOptions } from './database.js';
import { postgresDkimKeys } from './dkim-keys.js';
import { postgresEvents } from './events.js';
import { postgresInbound } from './inbound.js';
import { postgresMessages } from './messages.js';
import { postgresMtaSts } from './mta-sts.js';
import { postgresTlsReports } from './tls-reports.js';
import { postgresOverview } from './overview.js';
import { postgresQuery } from './query.js';
import { postgresQueue } from './queue.js';
import { postgresRetention } from './retention.js';
import { postgresSuppressions } from './suppressions.js';
import { postgresTokens } from './tokens.js';
import { postgresUsers } from './users.js';
import { postgresWebhooks } from './webhooks.js';
import type { MigrationResult } from '../migrations.js';
import { postgresDestinations } from './destinations.js';
import { postgresWakeups } from './wakeups.js';

export interface PostgresStore extends Store {
  /** The pool, for the backend's own tests only. */
  readonly db: Pg;
}

export async function openPostgresStore(opts: PgOptions): Promise<PostgresStore> {
  const db = await connect(opts);
  try {
    await migrate(db, opts.migrationsDir);
  } catch (err) {
    await db.pool.end().catch(() => {});
    throw err;
  }
  const wakeups = postgresWakeups(db, opts.url);
  return {
    db,
    users: postgresUsers(db),
    messages: postgresMessages(db, wakeups),
    events: postgresEvents(db),
    query: postgresQuery(db),
    tokens: postgresTokens(db),
    queue: postgresQueue(db, wakeups),
    inbound: postgresInbound(db),
    suppressions: postgresSuppressions(db),
    webhooks: postgresWebhooks(db),
    retention: postgresRetention(db),
    dkimKeys: postgresDkimKeys(db),
    mtaSts: postgresMtaSts(db),
    tlsReports: postgresTlsReports(db),
    overview: postgresOverview(db),
    destinations: postgresDestinations(db),
    wakeups,
    async close() {
      await wakeups.close();
      await db.pool.end();
    },
  };
}

/** `mailtrail migrate`: applies pending migrations and disconnects. */
export async function migratePostgres(opts: PgOptions): Promise<MigrationResult> {
  const db = await connect({ ...opts, pool: 1 });
  try {
    return await migrate(db, opts.migrationsDir);
  } finally {
    await db.pool.end().catch(() => {});
  }
}
