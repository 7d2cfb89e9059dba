/**
 * The real deliverer (src/delivery), loaded by path so that the queue's unit tests still run while
 * delivery is being written: the end-to-end tests skip, with a reason, when it is not there yet.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/schema.js';
import type { Deliverer } from '../../src/delivery/types.js';
import type { Logger } from '../../src/log/logger.js';

const MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/delivery/deliverer.ts');

export const realDelivererMissing: string | false = existsSync(MODULE) ? false : 'src/delivery/deliverer.ts does not exist yet';

export async function createTestDeliverer(config: Config, logger: Logger): Promise<Deliverer> {
  const mod = (await import('../../src/delivery/deliverer.js' as string)) as Record<string, unknown>;
  const factory = mod.createDeliverer as ((opts: { config: Config; logger: Logger }) => Deliverer) | undefined;
  if (typeof factory !== 'function') throw new Error('src/delivery/deliverer.ts has no createDeliverer export');
  return factory({ config, logger });
}
