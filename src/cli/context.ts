/**
 * What most commands need: the config (from --config, $MAILTRAIL_CONFIG, or the dev default) and the
 * store it names. Kept here so every command reads config the same way.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ROOT } from '../root.js';
import { openStore, type Store } from '../store/index.js';

export const DEV_CONFIG = path.join(ROOT, 'config/mailtrail.dev.yaml');

export function configPath(flag: string | undefined): string | null {
  if (flag) return flag;
  if (process.env.MAILTRAIL_CONFIG) return process.env.MAILTRAIL_CONFIG;
  return existsSync(DEV_CONFIG) ? DEV_CONFIG : null;
}

export function loadCliConfig(flag: string | undefined): Config {
  return loadConfig(configPath(flag));
}

export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
