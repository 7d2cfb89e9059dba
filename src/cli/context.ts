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

/** Configs loaded from the dev default because no --config or $MAILTRAIL_CONFIG was given. */
const fromDevDefault = new WeakSet<Config>();

export function loadCliConfig(flag: string | undefined): Config {
  const file = configPath(flag);
  const config = loadConfig(file);
  if (file === DEV_CONFIG && !flag) fromDevDefault.add(config);
  return config;
}

export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  // A command run without --config beside a relay on another config would make a second, empty
  // database and answer from it ("no such message", a token the relay does not know): say so.
  if (fromDevDefault.has(config) && config.database.backend === 'sqlite' && config.database.path !== ':memory:' && !existsSync(config.database.path))
    process.stderr.write(
      `mailtrail: no --config or MAILTRAIL_CONFIG, so this uses the development config (${DEV_CONFIG}) and a new database at ${config.database.path}; give your relay's config with --config FILE\n`,
    );
  const store = await openStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
