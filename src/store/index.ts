import type { Config } from '../config/schema.js';
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/index.js';

export type * from './store.js';
export type * from './deliverability.js';
export { StoreError } from './sqlite/database.js';

/** Opens the configured store. Today that is SQLite; a PostgreSQL backend will plug in here. */
/** `checkpoint`: see OpenOptions.checkpoint (the relay gives the WAL copy to its delivery thread). */
export function openStore(config: Pick<Config, 'database'>, options: { checkpoint?: 'auto' | 'none' | 'background' } = {}): Store {
  return openSqliteStore({
    checkpoint: options.checkpoint,
    path: config.database.path,
    synchronous: config.database.synchronous,
    busyTimeoutMs: config.database.busy_timeout_ms,
    fsync: config.database.fsync,
  });
}
