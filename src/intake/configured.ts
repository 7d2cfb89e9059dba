/**
 * The relay's intake as the config makes it: DKIM signing when enabled, the suppression list. One
 * definition for every door mail comes in by: the submission listener, and the DSNs the delivery side
 * and bounce processing write.
 */
import type { Config } from '../config/schema.js';
import { createSigner } from '../dkim/signer.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import { createIntake, type Intake } from './intake.js';

export function configuredIntake(deps: { config: Config; store: Store; logger: Logger; now?: () => number }): Intake {
  const { config, store } = deps;
  const signer = config.dkim.enabled ? createSigner({ config, keys: store.dkimKeys }) : undefined;
  return createIntake({ store, hostname: config.hostname, logger: deps.logger, now: deps.now, signer, checkSuppressions: true });
}
