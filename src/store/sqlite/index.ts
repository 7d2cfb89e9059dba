/**
 * The SQLite backend of the Store interface (the embedded default).
 */
import type { Store } from '../store.js';
import { openDatabase, type OpenOptions, type Db } from './database.js';
import { sqliteEvents } from './events.js';
import { sqliteInbound } from './inbound.js';
import { sqliteMessages } from './messages.js';
import { sqliteOverview } from './overview.js';
import { sqliteQuery } from './query.js';
import { sqliteTokens } from './tokens.js';
import { sqliteQueue } from './queue.js';
import { sqliteRetention } from './retention.js';
import { sqliteSuppressions } from './suppressions.js';
import { sqliteUsers } from './users.js';
import { sqliteWebhooks } from './webhooks.js';
import { groupCommitFor } from './group-commit.js';
import { sqliteDkimKeys } from './dkim-keys.js';
import { sqliteMtaSts } from './mta-sts.js';
import { sqliteTlsReports } from './tls-reports.js';
import { memoryDestinations } from './destinations.js';
import { noWakeups } from './wakeups.js';

export interface SqliteStore extends Store {
  /** The underlying handle, for the store's own tests and the benchmark only. */
  readonly db: Db;
}

export function openSqliteStore(opts: OpenOptions): SqliteStore {
  const db = openDatabase(opts);
  return {
    db,
    users: sqliteUsers(db),
    messages: sqliteMessages(db),
    events: sqliteEvents(db),
    query: sqliteQuery(db),
    tokens: sqliteTokens(db),
    queue: sqliteQueue(db),
    inbound: sqliteInbound(db),
    suppressions: sqliteSuppressions(db),
    webhooks: sqliteWebhooks(db),
    retention: sqliteRetention(db),
    dkimKeys: sqliteDkimKeys(db),
    mtaSts: sqliteMtaSts(db),
    tlsReports: sqliteTlsReports(db),
    overview: sqliteOverview(db),
    destinations: memoryDestinations(),
    wakeups: noWakeups,
    async close() {
      // Writes still waiting for their commit or WAL flush finish first: nothing acknowledged is left unflushed.
      await groupCommitFor(db).drain();
      if (db.open) {
        // Fold the WAL back into the main file so a stopped relay leaves one self-contained file.
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          /* another connection may hold the WAL; closing is still safe */
        }
        db.close();
      }
    },
  };
}
