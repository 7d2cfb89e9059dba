/**
 * A submission relay in its own process, for tests that kill it: opens the store named by
 * MAILTRAIL_TEST_DB (synchronous FULL), starts the STARTTLS listener on 127.0.0.1 port 0 with
 * cleartext AUTH allowed, and prints one JSON line `{"port": N}` once it listens.
 */
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { startSubmission } from '../../src/submission/listener.js';
import { sqliteSettings } from '../../src/config/database.js';

const dbPath = process.env.MAILTRAIL_TEST_DB;
if (!dbPath) {
  process.stderr.write('relay-process: set MAILTRAIL_TEST_DB to the database file\n');
  process.exit(2);
}
const config = parseConfig({
  hostname: 'relay.test',
  database: { path: dbPath, synchronous: 'FULL' },
  submission: {
    starttls: { host: '127.0.0.1', port: 0 },
    implicit_tls: { enabled: false, port: 0 },
    cleartext_auth: 'always',
  },
});
const store = openSqliteStore({
  path: sqliteSettings(config.database).path,
  synchronous: sqliteSettings(config.database).synchronous,
  busyTimeoutMs: sqliteSettings(config.database).busy_timeout_ms,
});
const submission = await startSubmission({ config, store, logger: silentLogger(), closeTimeoutMs: 500 });
process.stdout.write(JSON.stringify({ port: submission.addresses.starttls?.port }) + '\n');
process.on('SIGTERM', () => {
  void submission
    .close()
    .then(() => store.close())
    .then(() => process.exit(0));
});
